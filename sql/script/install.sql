
-- ===========================================================================
-- Fresh install: kam's schema must be kam's alone.
--
-- CREATE EXTENSION reuses an existing schema kam.  Anything already in it
-- could capture a name this script or kam's functions use, and would then run
-- as the bootstrap superuser that a trusted install runs as (the CVE-2022-2625
-- and CVE-2023-39417 classes).  So the install refuses a schema kam that holds
-- any object, or that belongs to a role other than the installing one (or a
-- superuser).  An empty schema of the installer's own, as pg_restore creates
-- before CREATE EXTENSION, is taken over (sql/script/schema.sql).
-- ===========================================================================
DO $guard$
DECLARE
	owner pg_catalog.regrole;
	found pg_catalog.text;
BEGIN
	SELECT n.nspowner::pg_catalog.regrole INTO owner
	  FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) '@extschema@';
	SELECT pg_catalog.string_agg(o.what, ', ') INTO found
	  FROM (SELECT x.what FROM (
			SELECT pg_catalog.format('relation %s', c.oid::pg_catalog.regclass) AS what
			  FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('function %s', p.oid::pg_catalog.regprocedure)
			  FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('type %s', t.oid::pg_catalog.regtype)
			  FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('operator %s', o.oid::pg_catalog.regoperator)
			  FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('collation %s', l.collname)
			  FROM pg_catalog.pg_collation l WHERE l.collnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('conversion %s', v.conname)
			  FROM pg_catalog.pg_conversion v WHERE v.connamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('operator family %s', f.opfname)
			  FROM pg_catalog.pg_opfamily f WHERE f.opfnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('operator class %s', k.opcname)
			  FROM pg_catalog.pg_opclass k WHERE k.opcnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('text search configuration %s', s.cfgname)
			  FROM pg_catalog.pg_ts_config s WHERE s.cfgnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('text search dictionary %s', d.dictname)
			  FROM pg_catalog.pg_ts_dict d WHERE d.dictnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('statistics object %s', e.stxname)
			  FROM pg_catalog.pg_statistic_ext e WHERE e.stxnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('extension %s', x.extname)
			  FROM pg_catalog.pg_extension x WHERE x.extnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			   AND x.extname OPERATOR(pg_catalog.<>) 'kam') x
		  ORDER BY x.what LIMIT 10) o;
	IF found IS NOT NULL THEN
		RAISE EXCEPTION 'schema "@extschema@" already exists and holds objects'
			USING ERRCODE = 'duplicate_schema',
				  DETAIL = pg_catalog.format('It holds %s.', found),
				  HINT = 'kam needs a schema of its own: move or drop those objects (or DROP SCHEMA @extschema@ CASCADE), then CREATE EXTENSION kam again.';
	END IF;
	IF owner::pg_catalog.oid OPERATOR(pg_catalog.<>)
		   (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'kam')
	   AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) owner::pg_catalog.oid) THEN
		RAISE EXCEPTION 'schema "@extschema@" already exists and belongs to role %', owner
			USING ERRCODE = 'duplicate_schema',
				  HINT = pg_catalog.format('Drop or rename that schema (as %s), then CREATE EXTENSION kam again.', owner);
	END IF;
END
$guard$;
