			-- sql/script/schema_objects.sql: every object in schema kam but
			-- the extension itself, as (what, owner); the Makefile puts it in
			-- place of the line "-- kam:schema-objects" of the install guard
			-- and of each migration, which refuse foreign objects.
			SELECT pg_catalog.format('relation %s', c.oid::pg_catalog.regclass) AS what, c.relowner AS owner
			  FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('function %s', p.oid::pg_catalog.regprocedure), p.proowner
			  FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('type %s', t.oid::pg_catalog.regtype), t.typowner
			  FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('operator %s', o.oid::pg_catalog.regoperator), o.oprowner
			  FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('collation %s', l.collname), l.collowner
			  FROM pg_catalog.pg_collation l WHERE l.collnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('conversion %s', v.conname), v.conowner
			  FROM pg_catalog.pg_conversion v WHERE v.connamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('operator family %s', f.opfname), f.opfowner
			  FROM pg_catalog.pg_opfamily f WHERE f.opfnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('operator class %s', k.opcname), k.opcowner
			  FROM pg_catalog.pg_opclass k WHERE k.opcnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('text search configuration %s', s.cfgname), s.cfgowner
			  FROM pg_catalog.pg_ts_config s WHERE s.cfgnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('text search dictionary %s', d.dictname), d.dictowner
			  FROM pg_catalog.pg_ts_dict d WHERE d.dictnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('statistics object %s', e.stxname), e.stxowner
			  FROM pg_catalog.pg_statistic_ext e WHERE e.stxnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			UNION ALL
			SELECT pg_catalog.format('extension %s', x.extname), x.extowner
			  FROM pg_catalog.pg_extension x WHERE x.extnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			   AND x.extname OPERATOR(pg_catalog.<>) 'kam'
