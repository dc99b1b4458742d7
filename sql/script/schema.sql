
-- ===========================================================================
-- kam's schema belongs to the role that runs this script (the bootstrap
-- superuser of a trusted install), and nobody else may create, rename or drop
-- anything in it: a schema owned by the installer would let the installer
-- rename it and put a look-alike in its place, or drop and re-create objects
-- that a superuser's later calls reach by name.  Privileges granted on it
-- before are revoked; every role may use it.  The report views that the
-- binding functions create live here too: kam.rebuild_views() creates them as
-- this owner (sql/kam/00_core.sql).
-- ===========================================================================
ALTER SCHEMA @extschema@ OWNER TO CURRENT_USER;
DO $acl$
DECLARE
	g pg_catalog.text;
BEGIN
	FOR g IN SELECT DISTINCT CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0::pg_catalog.oid THEN 'PUBLIC'
								   ELSE a.grantee::pg_catalog.regrole::pg_catalog.text END
			   FROM pg_catalog.pg_namespace n,
					LATERAL pg_catalog.aclexplode(n.nspacl) a
			  WHERE n.nspname OPERATOR(pg_catalog.=) '@extschema@'
				AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner LOOP
		EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA @extschema@ FROM %s CASCADE', g);
	END LOOP;
END
$acl$;
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;
