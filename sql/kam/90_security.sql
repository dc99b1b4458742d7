
-- ===========================================================================
-- 90 security: who may do what, and company-wide tiers under row-level
-- security
--
-- Roles (doc/security.md):
--   * configuring: the extension's owner, and the roles the owner grants to
--     (every grant below is WITH GRANT OPTION), may bind tables, change
--     settings and policies, fit and store models and refresh the tier
--     snapshot;
--   * reading: every role may read kam's views; each view is security_invoker,
--     so a reader sees what its own privileges and row-level security on the
--     bound tables let it see, and every figure is computed over those rows.
-- kam's objects and its schema belong to the role that installed them (the
-- bootstrap superuser of a trusted install); no other role can create
-- anything in schema kam (sql/script/schema.sql).
-- ===========================================================================


-- ---------------------------------------------------------------------------
-- Reading as a superuser.  A superuser who reads kam's views reads the bound
-- relations; where one is a view, its code runs as the reader, as with any
-- view a superuser reads (PostgreSQL's rule: a superuser should not query an
-- untrusted role's views).  kam's own functions that read all rows for the
-- company (the tier snapshot, the model fits) refuse to do that as a
-- superuser over a view that a role without superuser owns.
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.check_trusted_read(p_what text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rel regclass;
	owner regrole;
BEGIN
	IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user) THEN
		RETURN;
	END IF;
	SELECT b.relation, c.relowner::regrole INTO rel, owner
	  FROM @extschema@.bindings b
	  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) b.relation::oid
	  JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) c.relowner
	 WHERE c.relkind OPERATOR(pg_catalog.=) 'v'::"char" AND NOT r.rolsuper
	 ORDER BY b.kind LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '% does not read % as a superuser: it is a view owned by %', p_what, rel, owner
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The code of a view runs as the role that reads it.',
				  HINT = format('Run it as %s, or as another role without superuser that may read every row, or bind a table.', owner);
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.check_trusted_read(text) IS
'Refuses to read all rows for the company as a superuser when a bound relation is a view owned by a role without superuser; internal';

-- ---------------------------------------------------------------------------
-- Company-wide tiers.  Tiers that rank a customer against the whole company
-- (Pareto classes, shares of total revenue) need every row, so they cannot
-- be computed by an account manager whom row-level security restricts.
-- kam.refresh_tier_snapshot(), run by a role that row-level security does
-- not filter, stores kam.customer_tier for every customer in the table
-- kam.tier_snapshot.  Its policy shows a reader exactly the customers whose
-- orders that reader can see in kam.orders (through the reader's own
-- row-level security on the orders table): a company-wide customer directory
-- does not make another portfolio's accounts visible.
--
-- The table belongs to kam's owner and is kept in step with kam.customer_tier
-- by kam.rebuild_views(): created when customer_tier is, re-created (empty)
-- when customer_tier's columns change; the policy is dropped before the views
-- and created again after, since it depends on the view kam.orders.
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.tier_snapshot_detach()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF to_regclass('@extschema@.tier_snapshot') IS NOT NULL THEN
		LOCK TABLE @extschema@.tier_snapshot IN ACCESS EXCLUSIVE MODE;
		IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy p
					WHERE p.polrelid OPERATOR(pg_catalog.=) '@extschema@.tier_snapshot'::regclass::oid
					  AND p.polname OPERATOR(pg_catalog.=) 'visible_customers') THEN
			DROP POLICY visible_customers ON @extschema@.tier_snapshot;
		END IF;
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.tier_snapshot_detach() IS
'Drops the policy of kam.tier_snapshot before kam.rebuild_views() drops the views it depends on; internal';

CREATE FUNCTION @extschema@.tier_snapshot_attach()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	want text;
	have text;
	c record;
	owner text := (SELECT e.extowner::regrole::text FROM pg_catalog.pg_extension e
					WHERE e.extname OPERATOR(pg_catalog.=) 'kam');
BEGIN
	IF to_regclass('@extschema@.customer_tier') IS NOT NULL THEN
		SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
			   OPERATOR(pg_catalog.||) ', refreshed_at timestamp with time zone'
		  INTO want
		  FROM pg_catalog.pg_attribute a
		 WHERE a.attrelid OPERATOR(pg_catalog.=) '@extschema@.customer_tier'::regclass::oid
		   AND a.attnum OPERATOR(pg_catalog.>) 0::int2 AND NOT a.attisdropped;
		IF to_regclass('@extschema@.tier_snapshot') IS NOT NULL THEN
			SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
			  INTO have
			  FROM pg_catalog.pg_attribute a
			 WHERE a.attrelid OPERATOR(pg_catalog.=) '@extschema@.tier_snapshot'::regclass::oid
			   AND a.attnum OPERATOR(pg_catalog.>) 0::int2 AND NOT a.attisdropped;
			IF have OPERATOR(pg_catalog.<>) want THEN
				IF EXISTS (SELECT 1 FROM @extschema@.tier_snapshot) THEN
					RAISE NOTICE 'kam.tier_snapshot was emptied: kam.customer_tier has other columns now'
						USING HINT = 'Run SELECT kam.refresh_tier_snapshot() to store the tiers again.';
				END IF;
				DROP TABLE @extschema@.tier_snapshot;
			END IF;
		END IF;
		IF to_regclass('@extschema@.tier_snapshot') IS NULL THEN
			EXECUTE format('CREATE TABLE @extschema@.tier_snapshot (%s)', want);
			ALTER TABLE @extschema@.tier_snapshot ENABLE ROW LEVEL SECURITY;
			GRANT SELECT ON @extschema@.tier_snapshot TO PUBLIC;
			EXECUTE format('GRANT INSERT, DELETE ON @extschema@.tier_snapshot TO %s WITH GRANT OPTION', owner);
			-- what refresh_tier_snapshot() writes (its privileges decide who)
			CREATE POLICY refresh_delete ON @extschema@.tier_snapshot FOR DELETE USING (true);
			CREATE POLICY refresh_insert ON @extschema@.tier_snapshot FOR INSERT WITH CHECK (true);
			COMMENT ON TABLE @extschema@.tier_snapshot IS
				'kam.customer_tier over all customers, stored by kam.refresh_tier_snapshot(); each reader sees the customers whose orders it can see in kam.orders.';
		END IF;
		-- its columns' comments are kam.customer_tier's
		FOR c IN SELECT a.attname,
						CASE WHEN a.attname OPERATOR(pg_catalog.=) 'refreshed_at' THEN 'Time kam.refresh_tier_snapshot() stored the row'
							 ELSE pg_catalog.col_description(t.attrelid, t.attnum) END AS description
				   FROM pg_catalog.pg_attribute a
				   LEFT JOIN pg_catalog.pg_attribute t
					 ON t.attrelid OPERATOR(pg_catalog.=) '@extschema@.customer_tier'::regclass::oid
					AND t.attname OPERATOR(pg_catalog.=) a.attname AND t.attnum OPERATOR(pg_catalog.>) 0::int2
				  WHERE a.attrelid OPERATOR(pg_catalog.=) '@extschema@.tier_snapshot'::regclass::oid
					AND a.attnum OPERATOR(pg_catalog.>) 0::int2 AND NOT a.attisdropped LOOP
			EXECUTE format('COMMENT ON COLUMN @extschema@.tier_snapshot.%I IS %L', c.attname, c.description);
		END LOOP;
	END IF;
	IF to_regclass('@extschema@.tier_snapshot') IS NULL THEN
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy p
				WHERE p.polrelid OPERATOR(pg_catalog.=) '@extschema@.tier_snapshot'::regclass::oid
				  AND p.polname OPERATOR(pg_catalog.=) 'visible_customers') THEN
		DROP POLICY visible_customers ON @extschema@.tier_snapshot;
	END IF;
	IF to_regclass('@extschema@.orders') IS NOT NULL THEN
		CREATE POLICY visible_customers ON @extschema@.tier_snapshot FOR SELECT
			USING (customer_id OPERATOR(pg_catalog.=) ANY (SELECT o.customer_id FROM @extschema@.orders o));
	ELSE
		-- nothing bound: nobody sees another's accounts
		CREATE POLICY visible_customers ON @extschema@.tier_snapshot FOR SELECT USING (false);
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.tier_snapshot_attach() IS
'Creates kam.tier_snapshot with kam.customer_tier''s columns and comments (re-created when they change) and its row-level policy; internal';

-- The company-wide tiers, into a temporary table, with row_security = off:
-- a role that a policy would filter gets an error (42501) instead of tiers
-- computed over part of the rows.
CREATE FUNCTION @extschema@.tier_snapshot_compute()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET row_security = off
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF to_regclass('pg_temp.kam_tier_snapshot_new') IS NOT NULL THEN
		DROP TABLE pg_temp.kam_tier_snapshot_new;
	END IF;
	CREATE TEMP TABLE kam_tier_snapshot_new ON COMMIT DROP AS
		SELECT t.*, pg_catalog.now() AS refreshed_at FROM @extschema@.customer_tier t;
END
$$;
COMMENT ON FUNCTION @extschema@.tier_snapshot_compute() IS
'Computes kam.customer_tier over all rows (row_security off) into a temporary table for kam.refresh_tier_snapshot(); internal';

-- Stores kam.customer_tier for every customer; returns the rows stored.  All
-- or nothing: the tiers are computed before the old rows go, and readers see
-- the old snapshot until the new one is committed.
CREATE FUNCTION @extschema@.refresh_tier_snapshot()
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	IF to_regclass('@extschema@.tier_snapshot') IS NULL THEN
		RAISE EXCEPTION 'kam.customer_tier does not exist'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Bind the orders and customers tables first (kam.bind_orders, kam.bind_customers).';
	END IF;
	-- one refresh at a time (readers are not blocked)
	LOCK TABLE @extschema@.tier_snapshot IN EXCLUSIVE MODE;
	-- (a rebuild that unbound the orders may have run while we waited)
	IF to_regclass('@extschema@.customer_tier') IS NULL THEN
		RAISE EXCEPTION 'kam.customer_tier does not exist'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Bind the orders table first (kam.bind_orders).';
	END IF;
	PERFORM @extschema@.check_trusted_read('kam.refresh_tier_snapshot()'::text);
	PERFORM @extschema@.tier_snapshot_compute();
	DELETE FROM @extschema@.tier_snapshot;
	INSERT INTO @extschema@.tier_snapshot SELECT * FROM pg_temp.kam_tier_snapshot_new;
	GET DIAGNOSTICS n = ROW_COUNT;
	DROP TABLE pg_temp.kam_tier_snapshot_new;
	RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh_tier_snapshot() IS
'Stores kam.customer_tier for every customer in kam.tier_snapshot (all or nothing) and returns the number of rows stored';

-- Grants, last: every function above exists now.
DO $grants$
DECLARE
	owner pg_catalog.text := (SELECT e.extowner::pg_catalog.regrole::pg_catalog.text
								FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'kam');
	f pg_catalog.regprocedure;
BEGIN
	-- configuration tables
	EXECUTE pg_catalog.format('GRANT INSERT, UPDATE, DELETE ON @extschema@.settings, @extschema@.bindings,
		@extschema@.models, @extschema@.deleted_defaults TO %s WITH GRANT OPTION', owner);
	EXECUTE pg_catalog.format('GRANT INSERT, UPDATE, DELETE, TRUNCATE ON @extschema@.tier_policy,
		@extschema@.loyalty_ladder, @extschema@.rfm_segment_map, @extschema@.health_policy TO %s WITH GRANT OPTION', owner);
	-- the snapshot store's log (its customers: the incremental refresh and
	-- merged reads) and state (kam.refresh, kam.disable_snapshots)
	EXECUTE pg_catalog.format('GRANT SELECT, DELETE ON @extschema@.snapshot_log TO %s WITH GRANT OPTION', owner);
	EXECUTE pg_catalog.format('GRANT INSERT, UPDATE, DELETE ON @extschema@.snapshot_state TO %s WITH GRANT OPTION', owner);
	-- a trigger on a table runs kam.snapshot_capture() as kam's owner: only
	-- those who configure kam may attach it (kam.snapshot_sync_triggers)
	EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION @extschema@.snapshot_capture() FROM PUBLIC');
	EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION @extschema@.snapshot_capture() TO %s WITH GRANT OPTION', owner);
	-- the functions that change kam's configuration or stored data: not for
	-- every role (their table privileges would stop a reader anyway; this
	-- says so in the catalog, and keeps rebuild_views, which runs as kam's
	-- owner, for those who configure)
	FOR f IN SELECT p.oid::pg_catalog.regprocedure FROM pg_catalog.pg_proc p
			  WHERE p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
				AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['set', 'reset', 'bind', 'bind_orders',
					'bind_customers', 'bind_visits', 'bind_feedback', 'bind_complaints', 'unbind', 'rebuild_views', 'reset_policy',
					'insert_default_policy', 'insert_default_health_policy', 'save_model', 'save_model_jsonb', 'save_model_information', 'fit_models',
					'refresh_tier_snapshot', 'tier_snapshot_compute',
					'enable_snapshots', 'disable_snapshots', 'refresh', 'snapshot_check_reads',
					'schedule_refresh', 'unschedule_refresh']::pg_catalog.name[]) LOOP
		EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
		EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s WITH GRANT OPTION', f, owner);
	END LOOP;
	-- only kam.rebuild_views() (running as kam's owner) calls these
	FOR f IN SELECT p.oid::pg_catalog.regprocedure FROM pg_catalog.pg_proc p
			  WHERE p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
				AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['tier_snapshot_detach',
					'tier_snapshot_attach', 'snapshot_attach', 'snapshot_sync_stores']::pg_catalog.name[]) LOOP
		EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
	END LOOP;
END
$grants$;
