
-- ===========================================================================
-- 90 security: company-wide tiers under row-level security, and what the
-- owner of a trusted install may change
--
-- Every kam view is security_invoker: a reader sees, and every figure is
-- computed over, only the rows the user's row-level security lets him read.
-- Tiers that rank a customer against the whole company (Pareto classes,
-- shares of total revenue) need every row, so they cannot be computed by an
-- account manager.  kam.refresh_tier_snapshot(), run by a role that row-level
-- security does not filter, stores kam.customer_tier for every customer in
-- the table kam.tier_snapshot, whose policy shows a reader exactly the
-- customers he can see in kam.customers: the same policy as the user's own
-- customers table, by construction.
-- ===========================================================================

-- A trusted install runs this script as the bootstrap superuser on behalf of
-- the database owner who ran CREATE EXTENSION; that owner must be able to bind
-- tables (views are created in schema kam) and change settings.
GRANT CREATE ON SCHEMA @extschema@ TO @extowner@;
GRANT INSERT, UPDATE, DELETE ON @extschema@.settings, @extschema@.bindings TO @extowner@;

-- Whether the reader sees this customer in kam.customers (the snapshot's
-- policy).  PL/pgSQL, so that the policy does not depend on the view, which
-- every rebinding drops and creates again; SECURITY INVOKER like every kam
-- function, so the reader's own row-level security decides.
CREATE FUNCTION @extschema@.customer_visible(p_customer anyelement)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN EXISTS (SELECT 1 FROM @extschema@.customers c WHERE c.customer_id = p_customer);
END
$$;

CREATE FUNCTION @extschema@.refresh_tier_snapshot()
RETURNS bigint
LANGUAGE plpgsql VOLATILE
-- row_security = off: a role that a policy would filter gets an error instead
-- of a snapshot computed over part of the rows
SET row_security = off
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	IF to_regclass('@extschema@.customer_tier') IS NULL THEN
		RAISE EXCEPTION 'kam.customer_tier does not exist'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Bind the orders and customers tables first (kam.bind_orders, kam.bind_customers).';
	END IF;
	-- compute first: a role that row-level security filters fails here, before
	-- anything is dropped
	CREATE TEMP TABLE kam_tier_snapshot_new ON COMMIT DROP AS
		SELECT t.*, pg_catalog.now() AS refreshed_at FROM @extschema@.customer_tier t;
	IF to_regclass('@extschema@.tier_snapshot') IS NOT NULL THEN
		DROP TABLE @extschema@.tier_snapshot;
	END IF;
	CREATE TABLE @extschema@.tier_snapshot AS SELECT * FROM pg_temp.kam_tier_snapshot_new;
	GET DIAGNOSTICS n = ROW_COUNT;
	DROP TABLE pg_temp.kam_tier_snapshot_new;
	ALTER TABLE @extschema@.tier_snapshot ENABLE ROW LEVEL SECURITY;
	CREATE POLICY visible_customers ON @extschema@.tier_snapshot FOR SELECT
		USING (@extschema@.customer_visible(customer_id));
	GRANT SELECT ON @extschema@.tier_snapshot TO PUBLIC;
	COMMENT ON TABLE @extschema@.tier_snapshot IS
		'kam.customer_tier over all customers, stored by kam.refresh_tier_snapshot(); each reader sees the customers kam.customers shows him.';
	RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION @extschema@.refresh_tier_snapshot() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.refresh_tier_snapshot() TO @extowner@;
