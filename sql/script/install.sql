
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
-- kam:schema-objects
			) x
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
