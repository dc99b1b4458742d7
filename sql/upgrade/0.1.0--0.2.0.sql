
-- ===========================================================================
-- kam 0.1.0 -> 0.2.0: the migration, run before the sections are replayed
-- (see the Makefile).
--
-- 0.1.0 let the installing database owner create objects in schema kam, and
-- the report views were owned by whoever bound the tables.  Before anything
-- of 0.2.0 is created, schema kam must hold nothing that a role without
-- superuser made: such an object could capture a name the update uses and
-- run as the superuser that runs this script.  The derived objects (the
-- views over the bound tables and the tier snapshot) are dropped here; they
-- are rebuilt from the bindings, outside the update, by
--     SELECT kam.rebuild_views();     -- and, if you use it,
--     SELECT kam.refresh_tier_snapshot();
-- (objects created while an update script runs would become members of the
-- extension, which the next bind could not drop).
-- ===========================================================================
DO $migrate$
DECLARE
	derived pg_catalog.record;
	found pg_catalog.text;
BEGIN
	-- the derived objects, in reverse creation order; a user's view built on
	-- one of them stops the update with PostgreSQL's own message
	IF pg_catalog.to_regclass('@extschema@.tier_snapshot') IS NOT NULL THEN
		DROP TABLE @extschema@.tier_snapshot;
	END IF;
	FOR derived IN SELECT c.relname FROM pg_catalog.pg_class c
			  WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
				AND c.relkind OPERATOR(pg_catalog.=) 'v'::"char"
				AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
								 WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
								   AND d.objid OPERATOR(pg_catalog.=) c.oid
								   AND d.deptype OPERATOR(pg_catalog.=) 'e'::"char")
				AND (c.relname OPERATOR(pg_catalog.=) ANY (ARRAY['orders', 'customers', 'visits']::pg_catalog.name[])
					 OR c.relname::pg_catalog.text OPERATOR(pg_catalog.=) ANY (SELECT r.name FROM @extschema@.report_views r))
			  ORDER BY COALESCE((SELECT r.position FROM @extschema@.report_views r
								  WHERE r.name OPERATOR(pg_catalog.=) c.relname::pg_catalog.text), 0) DESC,
					   c.relname OPERATOR(pg_catalog.=) 'orders' LOOP
		EXECUTE pg_catalog.format('DROP VIEW @extschema@.%I', derived.relname);
	END LOOP;

	-- what is left must belong to a superuser
	SELECT pg_catalog.string_agg(o.what, ', ') INTO found
	  FROM (SELECT x.what FROM (
-- kam:schema-objects
			) x
		  JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) x.owner
		 WHERE NOT r.rolsuper
		 ORDER BY x.what LIMIT 10) o;
	IF found IS NOT NULL THEN
		RAISE EXCEPTION 'schema "@extschema@" holds objects that kam did not create'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Roles without superuser own %s.', found),
				  HINT = 'Move or drop those objects, then run ALTER EXTENSION kam UPDATE again.';
	END IF;
END
$migrate$;

-- 0.1.0's tier-snapshot policy function: the policy now compares with
-- kam.orders directly (sql/kam/90_security.sql).
DROP FUNCTION @extschema@.customer_visible(anyelement);

-- kam.rfm's state is internal in 0.2.0 (sql/kam/10_rfm.sql), which CREATE OR
-- REPLACE AGGREGATE cannot change from 0.1.0's kam.rfm_state; the replayed
-- section creates the aggregates again.  (A user's view over kam.rfm stops
-- the update with PostgreSQL's own message: drop it, update, re-create it.)
DROP AGGREGATE @extschema@.rfm(timestamptz, float8, timestamptz);
DROP AGGREGATE @extschema@.rfm(timestamptz, float8, timestamptz, pg_catalog.text);
DROP AGGREGATE @extschema@.rfm(timestamp, float8, timestamp);
DROP AGGREGATE @extschema@.rfm(timestamp, float8, timestamp, pg_catalog.text);
DROP AGGREGATE @extschema@.rfm(date, float8, date);
DROP AGGREGATE @extschema@.rfm(date, float8, date, pg_catalog.text);

-- kam.gini, kam.top_share and kam.pareto_fraction have a storable state type
-- in 0.2.0 (sql/kam/30_tiers.sql), so that Citus aggregates them on the
-- workers; CREATE OR REPLACE AGGREGATE cannot change 0.1.0's internal state,
-- and their support functions take the new type: drop them, create the type
-- (the replay leaves CREATE TYPE out) with the install's definitions, and the
-- replayed section creates the functions and aggregates again.
DROP AGGREGATE @extschema@.gini(float8);
DROP AGGREGATE @extschema@.top_share(float8, float8);
DROP AGGREGATE @extschema@.pareto_fraction(float8, float8);
DROP FUNCTION @extschema@.gini_trans(internal, float8);
DROP FUNCTION @extschema@.top_share_trans(internal, float8, float8);
DROP FUNCTION @extschema@.pareto_fraction_trans(internal, float8, float8);
DROP FUNCTION @extschema@.concentration_combine(internal, internal);
DROP FUNCTION @extschema@.concentration_serialize(internal);
DROP FUNCTION @extschema@.concentration_deserialize(bytea, internal);
DROP FUNCTION @extschema@.gini_final(internal);
DROP FUNCTION @extschema@.top_share_final(internal);
DROP FUNCTION @extschema@.pareto_fraction_final(internal);
CREATE TYPE @extschema@.concentration_state;
CREATE FUNCTION @extschema@.concentration_state_in(cstring) RETURNS @extschema@.concentration_state
	AS 'MODULE_PATHNAME', 'kam_concentration_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.concentration_state_out(@extschema@.concentration_state) RETURNS cstring
	AS 'MODULE_PATHNAME', 'kam_concentration_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.concentration_state_recv(internal) RETURNS @extschema@.concentration_state
	AS 'MODULE_PATHNAME', 'kam_concentration_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.concentration_state_send(@extschema@.concentration_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kam_concentration_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.concentration_state (
	INPUT = @extschema@.concentration_state_in,
	OUTPUT = @extschema@.concentration_state_out,
	RECEIVE = @extschema@.concentration_state_recv,
	SEND = @extschema@.concentration_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.concentration_state IS
	'State of kam.gini, kam.top_share, kam.pareto_fraction and kam.pareto_sums: every non-negative value seen and the fraction or share; exact text form "v1 <fraction or -> {<value>,...}"';

-- The same for the model fits (sql/kam/40_value.sql): their shared state is
-- the storable type kam.fit_state in 0.2.0.
DROP AGGREGATE @extschema@.bgnbd_fit(integer, float8, float8);
DROP AGGREGATE @extschema@.bgnbd_fit(integer, float8, float8, float8);
DROP AGGREGATE @extschema@.paretonbd_fit(integer, float8, float8);
DROP AGGREGATE @extschema@.paretonbd_fit(integer, float8, float8, float8);
DROP AGGREGATE @extschema@.gammagamma_fit(integer, float8);
DROP AGGREGATE @extschema@.gammagamma_fit(integer, float8, float8);
DROP AGGREGATE @extschema@.sbg_fit(integer, boolean);
DROP AGGREGATE @extschema@.sbg_fit(integer, boolean, float8);
DROP FUNCTION @extschema@.bgnbd_trans(internal, integer, float8, float8);
DROP FUNCTION @extschema@.bgnbd_trans(internal, integer, float8, float8, float8);
DROP FUNCTION @extschema@.bgnbd_final(internal);
DROP FUNCTION @extschema@.paretonbd_trans(internal, integer, float8, float8);
DROP FUNCTION @extschema@.paretonbd_trans(internal, integer, float8, float8, float8);
DROP FUNCTION @extschema@.paretonbd_final(internal);
DROP FUNCTION @extschema@.gammagamma_trans(internal, integer, float8);
DROP FUNCTION @extschema@.gammagamma_trans(internal, integer, float8, float8);
DROP FUNCTION @extschema@.gammagamma_final(internal);
DROP FUNCTION @extschema@.sbg_trans(internal, integer, boolean);
DROP FUNCTION @extschema@.sbg_trans(internal, integer, boolean, float8);
DROP FUNCTION @extschema@.sbg_final(internal);
DROP FUNCTION @extschema@.fitstate_combine(internal, internal);
DROP FUNCTION @extschema@.fitstate_serialize(internal);
DROP FUNCTION @extschema@.fitstate_deserialize(bytea, internal);
CREATE TYPE @extschema@.fit_state;
CREATE FUNCTION @extschema@.fit_state_in(cstring) RETURNS @extschema@.fit_state
	AS 'MODULE_PATHNAME', 'kam_fit_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.fit_state_out(@extschema@.fit_state) RETURNS cstring
	AS 'MODULE_PATHNAME', 'kam_fit_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.fit_state_recv(internal) RETURNS @extschema@.fit_state
	AS 'MODULE_PATHNAME', 'kam_fit_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.fit_state_send(@extschema@.fit_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kam_fit_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.fit_state (
	INPUT = @extschema@.fit_state_in,
	OUTPUT = @extschema@.fit_state_out,
	RECEIVE = @extschema@.fit_state_recv,
	SEND = @extschema@.fit_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.fit_state IS
	'State of the fit and information aggregates: the weighted histogram of distinct input rows (and the model of an information aggregate); exact text form "v1 <keys> <rows> <- or [model,...]> {(key,...;weight),...}"';

-- 0.2.0's registry of view column comments (sql/kam/00_core.sql); the replayed
-- section fills it, grants and comments it.
CREATE TABLE @extschema@.report_view_columns (
	view_name text NOT NULL,
	column_name text NOT NULL,
	description text NOT NULL,
	PRIMARY KEY (view_name, column_name)
);

-- New composite types of 0.2.0 (sql/kam/42_value_discrete.sql; the replay
-- leaves CREATE TYPE out): the same definitions as the install's.
CREATE TYPE @extschema@.bgbb AS (
	alpha float8, beta float8, gamma float8, delta float8,
	log_likelihood float8, n float8, iterations integer, converged boolean);
COMMENT ON TYPE @extschema@.bgbb IS
	'BG/BB model for discrete transaction opportunities (Fader, Hardie & Shang 2010) as fitted by kam.bgbb_fit; all four parameters are dimensionless.';
CREATE TYPE @extschema@.mbgnbd AS (
	r float8, alpha float8, a float8, b float8,
	log_likelihood float8, n float8, iterations integer, converged boolean);
COMMENT ON TYPE @extschema@.mbgnbd IS
	'MBG/NBD purchase model (Batislam, Denizel & Filiztekin 2007) as fitted by kam.mbgnbd_fit; alpha is in the time unit of recency and t, r, a and b are dimensionless.';

-- kam.models stores the two new model types (sql/kam/45_value_store.sql).
ALTER TABLE @extschema@.models DROP CONSTRAINT models_model_type_check;
ALTER TABLE @extschema@.models ADD CONSTRAINT models_model_type_check
	CHECK (model_type OPERATOR(pg_catalog.=) ANY (ARRAY['bgnbd', 'paretonbd', 'gammagamma', 'sbg', 'mbgnbd', 'bgbb']::pg_catalog.text[]));

-- Account health (sql/kam/60_health.sql): two new binding kinds (the
-- kam.bindings CHECK over kam.binding_kinds() is replaced by the replayed
-- section 00_core, as the install sets it), the policy table kam.health_policy (its shipped rows are inserted by the replayed
-- section, since the table is empty), and bind_customers' new
-- potential_column (CREATE OR REPLACE cannot add a parameter; no extension
-- object depends on the old signature).
ALTER TABLE @extschema@.deleted_defaults DROP CONSTRAINT deleted_defaults_policy_check;
ALTER TABLE @extschema@.deleted_defaults ADD CONSTRAINT deleted_defaults_policy_check
	CHECK (policy OPERATOR(pg_catalog.=) ANY (ARRAY['tier_policy', 'loyalty_ladder', 'rfm_segment_map', 'health_policy']::pg_catalog.text[]));
DROP FUNCTION @extschema@.bind_customers(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name);

CREATE FUNCTION @extschema@.health_policy_range(p_name text)
RETURNS TABLE (min_value float8, max_value float8, unit text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT NULL::pg_catalog.float8, NULL::pg_catalog.float8, NULL::pg_catalog.text WHERE false $$;
CREATE FUNCTION @extschema@.health_policy_valid(p_name text, p_value float8)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT false $$;
-- (both replaced by the replayed section before any row is inserted)
CREATE TABLE @extschema@.health_policy (
	name text PRIMARY KEY,
	value float8 NOT NULL CHECK (@extschema@.health_policy_valid(name, value)),
	description text,
	is_default boolean NOT NULL DEFAULT false
);
CREATE TRIGGER policy_user_rows BEFORE INSERT OR UPDATE ON @extschema@.health_policy
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_guard('name');
CREATE TRIGGER policy_deleted_defaults AFTER UPDATE OR DELETE ON @extschema@.health_policy
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_guard('name');
CREATE TRIGGER policy_truncate BEFORE TRUNCATE ON @extschema@.health_policy
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.policy_guard('name');

-- The snapshot store (sql/kam/70_snapshots.sql): a boolean setting type for
-- its two settings, the invalidation log, the state of the last refresh and
-- the list of customer-local views (the replayed section comments, grants and
-- fills them); the time_zone setting (sql/kam/00_core.sql) has a type of its
-- own.
ALTER TABLE @extschema@.setting_defaults DROP CONSTRAINT setting_defaults_type_check;
ALTER TABLE @extschema@.setting_defaults ADD CONSTRAINT setting_defaults_type_check
	CHECK (type OPERATOR(pg_catalog.=) ANY (ARRAY['date', 'period', 'integer', 'float8', 'text', 'boolean', 'time_zone']::pg_catalog.text[]));
CREATE TABLE @extschema@.snapshot_log (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind text NOT NULL,
	customer_ids text[],
	customer_count integer,
	logged_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE TABLE @extschema@.snapshot_state (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	refreshed_at timestamptz NOT NULL,
	duration interval NOT NULL,
	customers bigint NOT NULL,
	fingerprint text NOT NULL,
	bindings_fingerprint text NOT NULL,
	failed_views text[] NOT NULL,
	incremental boolean NOT NULL DEFAULT false
);
CREATE TABLE @extschema@.snapshot_local_views (
	name text PRIMARY KEY,
	customer_column text NOT NULL,
	reason text NOT NULL
);
