
-- ===========================================================================
-- 30 tiers: Pareto/ABC classification, concentration, RFM segments, policy
-- tiers with service levels, the loyalty ladder, tier movements and visit
-- compliance.  C functions in src/abc.c and src/concentration.c.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- ABC window functions: OVER (ORDER BY value DESC), see src/abc.c
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.abc(value float8)
RETURNS text
AS 'MODULE_PATHNAME', 'kam_abc'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.abc(float8) IS
'ABC class (A/B/C) of each row by the 80/95 cumulative-share rule; use OVER (ORDER BY value DESC)';

CREATE FUNCTION @extschema@.abc(value float8, a_share float8, b_share float8)
RETURNS text
AS 'MODULE_PATHNAME', 'kam_abc'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.abc(float8, float8, float8) IS
'ABC class (A/B/C) by the cumulative-share rule with the given cut-offs; use OVER (ORDER BY value DESC)';

CREATE FUNCTION @extschema@.cumulative_share(value float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'kam_cumulative_share'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cumulative_share(float8) IS
'share of the positive total held by this row''s tie group and all groups above it; use OVER (ORDER BY value DESC)';

CREATE FUNCTION @extschema@.cumulative_share_above(value float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'kam_cumulative_share_above'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cumulative_share_above(float8) IS
'share of the positive total held by the tie groups ranked above this row (the quantity the ABC rule compares); use OVER (ORDER BY value DESC)';

CREATE FUNCTION @extschema@.tier_scores(revenue_12m float8, recency_days integer, purchase_days bigint)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'kam_tier_scores'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tier_scores(float8, integer, bigint) IS
'{cumulative_share, share_above, r_score, f_score, m_score} of each row of kam.customer_tier, from one read of the window: shares as kam.cumulative_share(_above) ordered by revenue_12m descending, quintiles 1-5 among rows with purchase_days > 0; use OVER (), see src/tier_scores.c';

-- ---------------------------------------------------------------------------
-- Concentration aggregates, see src/concentration.c.  The state is the list
-- of values, of the storable type kam.concentration_state (so that Citus
-- aggregates it partially on the workers); the final functions sort it (and
-- only rearrange it, so the state stays valid: READ_ONLY).
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.concentration_state;
CREATE FUNCTION @extschema@.concentration_state_in(cstring) RETURNS @extschema@.concentration_state
	AS 'MODULE_PATHNAME', 'kam_concentration_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.concentration_state_out(@extschema@.concentration_state) RETURNS cstring
	AS 'MODULE_PATHNAME', 'kam_concentration_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.concentration_state_recv(internal) RETURNS @extschema@.concentration_state
	AS 'MODULE_PATHNAME', 'kam_concentration_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.concentration_state_send(@extschema@.concentration_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kam_concentration_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.concentration_state_in(cstring) IS 'Text input function of type kam.concentration_state; not for direct use';
COMMENT ON FUNCTION @extschema@.concentration_state_out(@extschema@.concentration_state) IS 'Text output function of type kam.concentration_state; not for direct use';
COMMENT ON FUNCTION @extschema@.concentration_state_recv(internal) IS 'Binary input function of type kam.concentration_state; not for direct use';
COMMENT ON FUNCTION @extschema@.concentration_state_send(@extschema@.concentration_state) IS 'Binary output function of type kam.concentration_state; not for direct use';
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

CREATE FUNCTION @extschema@.gini_trans(@extschema@.concentration_state, float8)
RETURNS @extschema@.concentration_state AS 'MODULE_PATHNAME', 'kam_gini_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.top_share_trans(@extschema@.concentration_state, float8, float8)
RETURNS @extschema@.concentration_state AS 'MODULE_PATHNAME', 'kam_top_share_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.pareto_fraction_trans(@extschema@.concentration_state, float8, float8)
RETURNS @extschema@.concentration_state AS 'MODULE_PATHNAME', 'kam_pareto_fraction_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.concentration_combine(@extschema@.concentration_state, @extschema@.concentration_state)
RETURNS @extschema@.concentration_state AS 'MODULE_PATHNAME', 'kam_concentration_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.gini_final(@extschema@.concentration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'kam_gini_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.top_share_final(@extschema@.concentration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'kam_top_share_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.pareto_fraction_final(@extschema@.concentration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'kam_pareto_fraction_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gini_trans(@extschema@.concentration_state, float8) IS 'transition function of kam.gini; not for direct use';
COMMENT ON FUNCTION @extschema@.top_share_trans(@extschema@.concentration_state, float8, float8) IS 'transition function of kam.top_share; not for direct use';
COMMENT ON FUNCTION @extschema@.pareto_fraction_trans(@extschema@.concentration_state, float8, float8) IS 'transition function of kam.pareto_fraction; not for direct use';
COMMENT ON FUNCTION @extschema@.concentration_combine(@extschema@.concentration_state, @extschema@.concentration_state) IS 'combine function of kam.gini, kam.top_share, kam.pareto_fraction and kam.pareto_sums; not for direct use';
COMMENT ON FUNCTION @extschema@.gini_final(@extschema@.concentration_state) IS 'final function of kam.gini; not for direct use';
COMMENT ON FUNCTION @extschema@.top_share_final(@extschema@.concentration_state) IS 'final function of kam.top_share; not for direct use';
COMMENT ON FUNCTION @extschema@.pareto_fraction_final(@extschema@.concentration_state) IS 'final function of kam.pareto_fraction; not for direct use';

CREATE AGGREGATE @extschema@.gini(value float8) (
	SFUNC = @extschema@.gini_trans,
	STYPE = @extschema@.concentration_state,
	FINALFUNC = @extschema@.gini_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = @extschema@.concentration_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gini(float8) IS
'population Gini coefficient of non-negative values (zeros count)';

CREATE FUNCTION @extschema@.pareto_sums_trans(@extschema@.concentration_state, float8)
RETURNS @extschema@.concentration_state AS 'MODULE_PATHNAME', 'kam_pareto_sums_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pareto_sums_trans(@extschema@.concentration_state, float8) IS
'transition function of kam.pareto_sums; internal';

CREATE FUNCTION @extschema@.pareto_sums_final(@extschema@.concentration_state)
RETURNS numeric[] AS 'MODULE_PATHNAME', 'kam_pareto_sums_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pareto_sums_final(@extschema@.concentration_state) IS
'final function of kam.pareto_sums; internal';

CREATE AGGREGATE @extschema@.pareto_sums(value float8) (
	SFUNC = @extschema@.pareto_sums_trans,
	STYPE = @extschema@.concentration_state,
	FINALFUNC = @extschema@.pareto_sums_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = @extschema@.concentration_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_sums(float8) IS
'the exact sums of kam.pareto_curve over non-negative values, m = min(n, 100) + 1 points (customer i_k = k, or k n / 100 past 100): elements 1..m the sum of the i_k largest as numeric, m+1..2m the (i_k + 1)-th largest (NULL past the last)';

CREATE AGGREGATE @extschema@.top_share(value float8, fraction float8) (
	SFUNC = @extschema@.top_share_trans,
	STYPE = @extschema@.concentration_state,
	FINALFUNC = @extschema@.top_share_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = @extschema@.concentration_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.top_share(float8, float8) IS
'share of the total held by the top `fraction` of rows (Lorenz curve, linear between rows)';

CREATE AGGREGATE @extschema@.pareto_fraction(value float8, share float8) (
	SFUNC = @extschema@.pareto_fraction_trans,
	STYPE = @extschema@.concentration_state,
	FINALFUNC = @extschema@.pareto_fraction_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = @extschema@.concentration_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_fraction(float8, float8) IS
'smallest fraction of rows (largest first) whose values reach `share` of the total';

-- ---------------------------------------------------------------------------
-- Trailing-12-month revenue at many period ends, and tier movements between
-- consecutive ends, see src/tier_revenue.c and src/tier_movements.c: the per-period tier views
-- (kam.tier_changes, kam.tier_movements) read each order once.
-- ---------------------------------------------------------------------------
-- timestamptz input is floored in the session time zone (STABLE), timestamp
-- input as it is (IMMUTABLE; the report views pass ordered_at AT TIME ZONE
-- the time_zone setting)
CREATE FUNCTION @extschema@.revenue_12m_trans(internal, timestamptz, float8, date[])
RETURNS internal AS 'MODULE_PATHNAME', 'kam_revenue_12m_trans'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.revenue_12m_trans(internal, timestamp, float8, date[])
RETURNS internal AS 'MODULE_PATHNAME', 'kam_revenue_12m_trans_ts'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.revenue_12m_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'kam_revenue_12m_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.revenue_12m_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'kam_revenue_12m_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.revenue_12m_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'kam_revenue_12m_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.revenue_12m_final(internal)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kam_revenue_12m_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.revenue_12m_trans(internal, timestamptz, float8, date[]) IS 'transition function of kam.revenue_12m; not for direct use';
COMMENT ON FUNCTION @extschema@.revenue_12m_trans(internal, timestamp, float8, date[]) IS 'transition function of kam.revenue_12m over local times; not for direct use';
COMMENT ON FUNCTION @extschema@.revenue_12m_combine(internal, internal) IS 'combine function of kam.revenue_12m; not for direct use';
COMMENT ON FUNCTION @extschema@.revenue_12m_serialize(internal) IS 'serialize function of kam.revenue_12m; not for direct use';
COMMENT ON FUNCTION @extschema@.revenue_12m_deserialize(bytea, internal) IS 'deserialize function of kam.revenue_12m; not for direct use';
COMMENT ON FUNCTION @extschema@.revenue_12m_final(internal) IS 'final function of kam.revenue_12m; not for direct use';

CREATE AGGREGATE @extschema@.revenue_12m(ordered_at timestamptz, amount float8, ends date[]) (
	SFUNC = @extschema@.revenue_12m_trans,
	STYPE = internal,
	SSPACE = 200,				-- bytes per customer, typically: lets the planner hash-aggregate
	FINALFUNC = @extschema@.revenue_12m_final,
	COMBINEFUNC = @extschema@.revenue_12m_combine,
	SERIALFUNC = @extschema@.revenue_12m_serialize,
	DESERIALFUNC = @extschema@.revenue_12m_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.revenue_12m(timestamptz, float8, date[]) IS
'exact revenue of the orders in the trailing 12 months ending at each of the ascending ends (days ((end + 1) - 12 months) .. end in the session time zone), NULL where none has an amount';
CREATE AGGREGATE @extschema@.revenue_12m(ordered_at timestamp, amount float8, ends date[]) (
	SFUNC = @extschema@.revenue_12m_trans,
	STYPE = internal,
	SSPACE = 200,
	FINALFUNC = @extschema@.revenue_12m_final,
	COMBINEFUNC = @extschema@.revenue_12m_combine,
	SERIALFUNC = @extschema@.revenue_12m_serialize,
	DESERIALFUNC = @extschema@.revenue_12m_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.revenue_12m(timestamp, float8, date[]) IS
'exact revenue of the orders in the trailing 12 months ending at each of the ascending ends (days ((end + 1) - 12 months) .. end of the local times given), NULL where none has an amount';

CREATE FUNCTION @extschema@.tier_days_trans(internal, timestamptz, date, text, int4)
RETURNS internal AS 'MODULE_PATHNAME', 'kam_tier_days_trans'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tier_days_trans(internal, timestamp, date, text, int4)
RETURNS internal AS 'MODULE_PATHNAME', 'kam_tier_days_trans_ts'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tier_days_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'kam_tier_days_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tier_days_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'kam_tier_days_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tier_days_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'kam_tier_days_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tier_days_final(internal)
RETURNS int8[] AS 'MODULE_PATHNAME', 'kam_tier_days_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tier_days_trans(internal, timestamptz, date, text, int4) IS 'transition function of kam.tier_days; not for direct use';
COMMENT ON FUNCTION @extschema@.tier_days_trans(internal, timestamp, date, text, int4) IS 'transition function of kam.tier_days over local times; not for direct use';
COMMENT ON FUNCTION @extschema@.tier_days_combine(internal, internal) IS 'combine function of kam.tier_days; not for direct use';
COMMENT ON FUNCTION @extschema@.tier_days_serialize(internal) IS 'serialize function of kam.tier_days; not for direct use';
COMMENT ON FUNCTION @extschema@.tier_days_deserialize(bytea, internal) IS 'deserialize function of kam.tier_days; not for direct use';
COMMENT ON FUNCTION @extschema@.tier_days_final(internal) IS 'final function of kam.tier_days; not for direct use';

CREATE AGGREGATE @extschema@.tier_days(ordered_at timestamptz, as_of date, period text, quarters int4) (
	SFUNC = @extschema@.tier_days_trans,
	STYPE = internal,
	SSPACE = 100,				-- bytes per customer, typically: lets the planner hash-aggregate
	FINALFUNC = @extschema@.tier_days_final,
	COMBINEFUNC = @extschema@.tier_days_combine,
	SERIALFUNC = @extschema@.tier_days_serialize,
	DESERIALFUNC = @extschema@.tier_days_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tier_days(timestamptz, date, text, int4) IS
'one customer''s purchase-day figures up to as_of, as int8[]: distinct periods over the history, mask of the trailing 3-month windows with an order (bit 0 = latest, `quarters` of them), distinct days in the trailing 12 months, days since the last of them (NULL without); days in the session time zone';
CREATE AGGREGATE @extschema@.tier_days(ordered_at timestamp, as_of date, period text, quarters int4) (
	SFUNC = @extschema@.tier_days_trans,
	STYPE = internal,
	SSPACE = 100,
	FINALFUNC = @extschema@.tier_days_final,
	COMBINEFUNC = @extschema@.tier_days_combine,
	SERIALFUNC = @extschema@.tier_days_serialize,
	DESERIALFUNC = @extschema@.tier_days_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tier_days(timestamp, date, text, int4) IS
'one customer''s purchase-day figures up to as_of, as int8[], as kam.tier_days(timestamptz, ...) but over local times (e.g. ordered_at AT TIME ZONE zone): no time zone involved';

CREATE FUNCTION @extschema@.policy_tier(revenue_12m float8, share_above float8, share_cutoff float8[], min_revenue float8[])
RETURNS int4 AS 'MODULE_PATHNAME', 'kam_policy_tier'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.policy_tier(float8, float8, float8[], float8[]) IS
'position (1-based) in the policy arrays (rank, tier order; NULL element = no rule) of the first tier whose rules a customer meets: revenue > 0, share_above < share_cutoff, revenue >= min_revenue; NULL for none';

CREATE FUNCTION @extschema@.loyalty_stage(periods bigint, qmask bigint, min_purchase_periods integer[],
										  min_active_quarters integer[], of_last_quarters integer[])
RETURNS int4 AS 'MODULE_PATHNAME', 'kam_loyalty_stage'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.loyalty_stage(bigint, bigint, integer[], integer[], integer[]) IS
'position (1-based) in the ladder arrays (rank, stage order; NULL element = no rule) of the last rung of kam.loyalty_ladder a customer climbs to: periods >= min_purchase_periods and at least min_active_quarters of the latest of_last_quarters bits of qmask (kam.tier_days) set, for it and every rung before; NULL for none';

CREATE FUNCTION @extschema@.tier_movements_trans(internal, float8[], float8[], float8[], int4[])
RETURNS internal AS 'MODULE_PATHNAME', 'kam_tier_movements_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tier_movements_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'kam_tier_movements_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tier_movements_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'kam_tier_movements_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tier_movements_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'kam_tier_movements_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tier_movements_final(internal)
RETURNS int8[] AS 'MODULE_PATHNAME', 'kam_tier_movements_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tier_movements_trans(internal, float8[], float8[], float8[], int4[]) IS 'transition function of kam.tier_movements; not for direct use';
COMMENT ON FUNCTION @extschema@.tier_movements_combine(internal, internal) IS 'combine function of kam.tier_movements; not for direct use';
COMMENT ON FUNCTION @extschema@.tier_movements_serialize(internal) IS 'serialize function of kam.tier_movements; not for direct use';
COMMENT ON FUNCTION @extschema@.tier_movements_deserialize(bytea, internal) IS 'deserialize function of kam.tier_movements; not for direct use';
COMMENT ON FUNCTION @extschema@.tier_movements_final(internal) IS 'final function of kam.tier_movements; not for direct use';

CREATE AGGREGATE @extschema@.tier_movements(revenue_12m float8[], share_cutoff float8[], min_revenue float8[], tier_rank int4[]) (
	SFUNC = @extschema@.tier_movements_trans,
	STYPE = internal,
	FINALFUNC = @extschema@.tier_movements_final,
	COMBINEFUNC = @extschema@.tier_movements_combine,
	SERIALFUNC = @extschema@.tier_movements_serialize,
	DESERIALFUNC = @extschema@.tier_movements_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tier_movements(float8[], float8[], float8[], int4[]) IS
'over customers'' kam.revenue_12m vectors and the policy tiers (arrays in rank, tier order): per end, customers whose tier went up (row 1) or down (row 2) from the previous end';

-- ---------------------------------------------------------------------------
-- Policy tables: user-editable, kept by pg_dump, shipped with defaults.
--
-- Every policy table has a column is_default, true only on the rows this
-- script ships; pg_dump keeps the rows WHERE NOT is_default.  Triggers keep
-- the user's edits out of the shipped set:
--   * an inserted or updated row is always a user row (is_default = false);
--   * a user row replaces the shipped row with the same key;
--   * deleting, truncating or re-keying a shipped row records its key in
--     kam.deleted_defaults (kept by pg_dump).
-- On restore CREATE EXTENSION ships the defaults again, then the dumped user
-- rows replace their shipped namesakes and the dumped deletions delete theirs,
-- so the restored tables equal the dumped ones, with no duplicate.
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.deleted_defaults (
	policy text NOT NULL CHECK (policy OPERATOR(pg_catalog.=) ANY (ARRAY['tier_policy', 'loyalty_ladder', 'rfm_segment_map', 'health_policy']::pg_catalog.text[])),
	key jsonb NOT NULL,
	PRIMARY KEY (policy, key)
);
COMMENT ON TABLE @extschema@.deleted_defaults IS
'keys of the shipped policy rows you deleted, re-keyed or truncated, so that a restored dump deletes them again (kept by pg_dump)';
COMMENT ON COLUMN @extschema@.deleted_defaults.policy IS 'policy table of the deleted row: tier_policy, loyalty_ladder or rfm_segment_map';
COMMENT ON COLUMN @extschema@.deleted_defaults.key IS 'primary key of the deleted shipped row as jsonb, e.g. {"tier": "B"}';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.deleted_defaults', '');
GRANT SELECT ON @extschema@.deleted_defaults TO PUBLIC;

CREATE TABLE @extschema@.tier_policy (
	tier text PRIMARY KEY,
	rank integer NOT NULL,			-- 1 = best; a customer gets the best tier whose rule it meets
	share_cutoff float8 CHECK (share_cutoff OPERATOR(pg_catalog.>) 0::pg_catalog.float8
							 AND share_cutoff OPERATOR(pg_catalog.<=) 1::pg_catalog.float8),
	min_revenue float8 CHECK (min_revenue OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
							AND min_revenue OPERATOR(pg_catalog.<) 'Infinity'::pg_catalog.float8),
	visits_per_week float8 NOT NULL DEFAULT 0
		CHECK (visits_per_week OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
			   AND visits_per_week OPERATOR(pg_catalog.<) 'Infinity'::pg_catalog.float8),
	description text,
	is_default boolean NOT NULL DEFAULT false
);
COMMENT ON COLUMN @extschema@.tier_policy.tier IS 'tier name';
COMMENT ON COLUMN @extschema@.tier_policy.rank IS 'rank of the tier, 1 = best; a customer gets the best-ranked tier whose rule it meets';
COMMENT ON COLUMN @extschema@.tier_policy.share_cutoff IS 'rule: share (0-1) of revenue held by the customers ranked above must be below this; NULL = no such rule';
COMMENT ON COLUMN @extschema@.tier_policy.min_revenue IS 'rule: trailing-12-month revenue must be at least this, in currency; NULL = no such rule';
COMMENT ON COLUMN @extschema@.tier_policy.visits_per_week IS 'service level: account-manager visits per week the tier requires';
COMMENT ON COLUMN @extschema@.tier_policy.description IS 'free text';
COMMENT ON COLUMN @extschema@.tier_policy.is_default IS 'true on the rows kam ships, false on yours (pg_dump keeps yours)';
COMMENT ON TABLE @extschema@.tier_policy IS
'account tiers: a customer with positive trailing-12-month revenue gets the best-ranked tier whose rule it meets (share of the customers ranked above it < share_cutoff, revenue >= min_revenue; an empty rule matches everyone)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.tier_policy', 'WHERE NOT is_default');
GRANT SELECT ON @extschema@.tier_policy TO PUBLIC;

CREATE TABLE @extschema@.loyalty_ladder (
	stage text PRIMARY KEY,
	rank integer NOT NULL,			-- a customer climbs while it meets each rung, lowest rank first
	min_purchase_periods integer CHECK (min_purchase_periods OPERATOR(pg_catalog.>=) 0),
	min_active_quarters integer,
	of_last_quarters integer CHECK (of_last_quarters OPERATOR(pg_catalog.>=) 1 AND of_last_quarters OPERATOR(pg_catalog.<=) 40),
	description text,
	is_default boolean NOT NULL DEFAULT false,
	CHECK ((min_active_quarters IS NULL) OPERATOR(pg_catalog.=) (of_last_quarters IS NULL)),
	CHECK (min_active_quarters OPERATOR(pg_catalog.>=) 0 AND min_active_quarters OPERATOR(pg_catalog.<=) of_last_quarters)
);
COMMENT ON COLUMN @extschema@.loyalty_ladder.stage IS 'stage name';
COMMENT ON COLUMN @extschema@.loyalty_ladder.rank IS 'position of the rung; a customer climbs while it meets each rung, lowest rank first';
COMMENT ON COLUMN @extschema@.loyalty_ladder.min_purchase_periods IS 'rule: at least this many purchase periods (setting rfm_period) over the whole history; NULL = no such rule';
COMMENT ON COLUMN @extschema@.loyalty_ladder.min_active_quarters IS 'rule: orders in at least this many of the last of_last_quarters quarters; NULL = no such rule';
COMMENT ON COLUMN @extschema@.loyalty_ladder.of_last_quarters IS 'number of trailing 3-month windows ending at as_of that min_active_quarters counts in (1-40)';
COMMENT ON COLUMN @extschema@.loyalty_ladder.description IS 'free text';
COMMENT ON COLUMN @extschema@.loyalty_ladder.is_default IS 'true on the rows kam ships, false on yours (pg_dump keeps yours)';
COMMENT ON TABLE @extschema@.loyalty_ladder IS
'loyalty-ladder stages: a customer''s stage is the highest rung such that it meets that rung and every rung below (purchase periods in the rfm_period setting over its history; active quarters = trailing 3-month windows ending at kam.as_of())';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.loyalty_ladder', 'WHERE NOT is_default');
GRANT SELECT ON @extschema@.loyalty_ladder TO PUBLIC;

CREATE TABLE @extschema@.rfm_segment_map (
	r_score integer NOT NULL CHECK (r_score OPERATOR(pg_catalog.>=) 1 AND r_score OPERATOR(pg_catalog.<=) 5),
	f_score integer NOT NULL CHECK (f_score OPERATOR(pg_catalog.>=) 1 AND f_score OPERATOR(pg_catalog.<=) 5),
	segment text NOT NULL,
	is_default boolean NOT NULL DEFAULT false,
	PRIMARY KEY (r_score, f_score)
);
COMMENT ON COLUMN @extschema@.rfm_segment_map.r_score IS 'recency score 1-5 (5 = most recent order)';
COMMENT ON COLUMN @extschema@.rfm_segment_map.f_score IS 'frequency score 1-5 (5 = most purchase days)';
COMMENT ON COLUMN @extschema@.rfm_segment_map.segment IS 'segment name, e.g. champions, at_risk, hibernating';
COMMENT ON COLUMN @extschema@.rfm_segment_map.is_default IS 'true on the rows kam ships, false on yours (pg_dump keeps yours)';
COMMENT ON TABLE @extschema@.rfm_segment_map IS
'RFM segment of each recency/frequency score pair (scores 1-5, 5 = most recent / most frequent)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rfm_segment_map', 'WHERE NOT is_default');
GRANT SELECT ON @extschema@.rfm_segment_map TO PUBLIC;

-- The shipped rows of each policy table (is_default = true).  Called by this
-- script and by kam.reset_policy().
CREATE FUNCTION @extschema@.insert_default_policy(p_policy text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF p_policy = 'tier_policy' THEN
		INSERT INTO @extschema@.tier_policy (tier, rank, share_cutoff, min_revenue, visits_per_week, description, is_default) VALUES
			('Strategic', 1, 0.50, NULL, 2, 'the accounts making the first half of revenue', true),
			('A', 2, 0.80, NULL, 1, 'the accounts making up to 80% of revenue', true),
			('B', 3, 0.95, NULL, 0.25, 'the accounts making up to 95% of revenue', true),
			('C', 4, NULL, NULL, 0, 'the rest', true);
	ELSIF p_policy = 'loyalty_ladder' THEN
		INSERT INTO @extschema@.loyalty_ladder (stage, rank, min_purchase_periods, min_active_quarters, of_last_quarters, description, is_default) VALUES
			('prospect', 0, 0, NULL, NULL, 'no orders yet', true),
			('first_time', 1, 1, NULL, NULL, 'one purchase period', true),
			('repeat', 2, 2, NULL, NULL, 'two or more purchase periods', true),
			('regular', 3, NULL, 3, 4, 'orders in at least 3 of the last 4 quarters', true),
			('loyal', 4, NULL, 7, 8, 'regular, and orders in at least 7 of the last 8 quarters', true);
	ELSIF p_policy = 'rfm_segment_map' THEN
		INSERT INTO @extschema@.rfm_segment_map (r_score, f_score, segment, is_default)
		SELECT r, f,
			   CASE WHEN r <= 2 AND f <= 2 THEN 'hibernating'
					WHEN r <= 2 AND f <= 4 THEN 'at_risk'
					WHEN r <= 2 THEN 'cant_lose'
					WHEN r = 3 AND f <= 2 THEN 'about_to_sleep'
					WHEN r = 3 AND f = 3 THEN 'need_attention'
					WHEN r = 5 AND f >= 4 THEN 'champions'
					WHEN f >= 4 THEN 'loyal_customers'
					WHEN r = 4 AND f = 1 THEN 'promising'
					WHEN r = 5 AND f = 1 THEN 'new_customers'
					ELSE 'potential_loyalists' END,
			   true
		  FROM generate_series(1, 5) r, generate_series(1, 5) f;
	ELSIF p_policy = 'health_policy' THEN
		PERFORM @extschema@.insert_default_health_policy();	-- 60_health
	ELSE
		RAISE EXCEPTION 'unknown kam policy "%"', p_policy
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The policies are tier_policy, loyalty_ladder, rfm_segment_map and health_policy.';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.insert_default_policy(text) IS
'inserts the shipped rows of a policy table (used by the install and kam.reset_policy); internal';
-- kam:install-only (an update keeps the user's policy rows as they are)
SELECT @extschema@.insert_default_policy(p.policy)
  FROM (VALUES ('tier_policy'::pg_catalog.text), ('loyalty_ladder'), ('rfm_segment_map')) p(policy);
-- kam:end

-- Row trigger on the policy tables; TG_ARGV lists the key columns.
CREATE FUNCTION @extschema@.policy_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	old_key jsonb;
	new_key jsonb;
BEGIN
	IF current_setting('kam.resetting_policy', true) = 'on' THEN
		-- kam.reset_policy() puts the shipped rows back
		RETURN CASE WHEN TG_OP = 'INSERT' THEN NEW END;
	END IF;
	IF TG_OP = 'TRUNCATE' THEN
		EXECUTE format('INSERT INTO @extschema@.deleted_defaults (policy, key) '
					   'SELECT %L, (SELECT jsonb_object_agg(c, to_jsonb(t) -> c) FROM unnest($1) c) '
					   'FROM @extschema@.%I t WHERE t.is_default ON CONFLICT DO NOTHING',
					   TG_TABLE_NAME, TG_TABLE_NAME)
			USING TG_ARGV;
		RETURN NULL;
	END IF;
	IF TG_OP <> 'INSERT' THEN
		SELECT jsonb_object_agg(c, to_jsonb(OLD) -> c) INTO old_key FROM unnest(TG_ARGV) c;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		SELECT jsonb_object_agg(c, to_jsonb(NEW) -> c) INTO new_key FROM unnest(TG_ARGV) c;
	END IF;

	IF TG_WHEN = 'BEFORE' THEN
		-- rows written by users are user rows; a user row replaces the shipped
		-- row with the same key
		NEW.is_default := false;
		IF TG_OP = 'INSERT' OR new_key <> old_key THEN
			EXECUTE format('DELETE FROM @extschema@.%I t WHERE t.is_default AND to_jsonb(t) @> $1',
						   TG_TABLE_NAME)
				USING new_key;
		END IF;
		RETURN NEW;
	END IF;

	-- AFTER UPDATE / DELETE of a shipped row: remember that it is gone
	IF OLD.is_default AND (TG_OP = 'DELETE' OR new_key <> old_key) THEN
		INSERT INTO @extschema@.deleted_defaults (policy, key)
		VALUES (TG_TABLE_NAME, old_key) ON CONFLICT DO NOTHING;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.policy_guard() IS
'trigger function of the policy tables: keeps your rows apart from the shipped ones and records deleted shipped rows; not for direct use';

CREATE TRIGGER policy_user_rows BEFORE INSERT OR UPDATE ON @extschema@.tier_policy
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_guard('tier');
CREATE TRIGGER policy_deleted_defaults AFTER UPDATE OR DELETE ON @extschema@.tier_policy
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_guard('tier');
CREATE TRIGGER policy_truncate BEFORE TRUNCATE ON @extschema@.tier_policy
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.policy_guard('tier');
CREATE TRIGGER policy_user_rows BEFORE INSERT OR UPDATE ON @extschema@.loyalty_ladder
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_guard('stage');
CREATE TRIGGER policy_deleted_defaults AFTER UPDATE OR DELETE ON @extschema@.loyalty_ladder
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_guard('stage');
CREATE TRIGGER policy_truncate BEFORE TRUNCATE ON @extschema@.loyalty_ladder
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.policy_guard('stage');
CREATE TRIGGER policy_user_rows BEFORE INSERT OR UPDATE ON @extschema@.rfm_segment_map
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_guard('r_score', 'f_score');
CREATE TRIGGER policy_deleted_defaults AFTER UPDATE OR DELETE ON @extschema@.rfm_segment_map
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_guard('r_score', 'f_score');
CREATE TRIGGER policy_truncate BEFORE TRUNCATE ON @extschema@.rfm_segment_map
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.policy_guard('r_score', 'f_score');

-- A recorded deletion deletes the shipped row it names (this is what makes a
-- restored dump drop the defaults the user had deleted).
CREATE FUNCTION @extschema@.deleted_defaults_apply()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	EXECUTE format('DELETE FROM @extschema@.%I t WHERE t.is_default AND to_jsonb(t) @> $1', NEW.policy)
		USING NEW.key;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.deleted_defaults_apply() IS
'trigger function of kam.deleted_defaults: deletes the shipped row a recorded deletion names; not for direct use';
CREATE TRIGGER deleted_defaults_apply AFTER INSERT ON @extschema@.deleted_defaults
	FOR EACH ROW EXECUTE FUNCTION @extschema@.deleted_defaults_apply();

-- kam.reset_policy(policy): the shipped rows again, the user's rows and
-- recorded deletions gone.
CREATE FUNCTION @extschema@.reset_policy(policy text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET kam.resetting_policy = 'on'
AS $$
BEGIN
	IF policy IS NULL OR NOT policy = ANY (ARRAY['tier_policy', 'loyalty_ladder', 'rfm_segment_map', 'health_policy']) THEN
		RAISE EXCEPTION 'unknown kam policy "%"', policy
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The policies are tier_policy, loyalty_ladder, rfm_segment_map and health_policy.';
	END IF;
	EXECUTE format('DELETE FROM @extschema@.%I', policy);
	DELETE FROM @extschema@.deleted_defaults d WHERE d.policy = reset_policy.policy;
	PERFORM @extschema@.insert_default_policy(policy);
END
$$;
COMMENT ON FUNCTION @extschema@.reset_policy(text) IS
'puts back the shipped rows of a policy table (tier_policy, loyalty_ladder or rfm_segment_map), dropping your rows and recorded deletions';

CREATE FUNCTION @extschema@.rfm_segment(r integer, f integer)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	seg text;
BEGIN
	IF r < 1 OR r > 5 OR f < 1 OR f > 5 THEN
		RAISE EXCEPTION 'RFM scores must be between 1 and 5, got r = % and f = %', r, f
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Scores are quintiles: 1 = least recent or frequent, 5 = most.';
	END IF;
	SELECT m.segment INTO seg FROM @extschema@.rfm_segment_map m
	 WHERE m.r_score = r AND m.f_score = f;
	RETURN seg;
END
$$;
COMMENT ON FUNCTION @extschema@.rfm_segment(integer, integer) IS
'RFM segment name of a recency and frequency score (1-5) from kam.rfm_segment_map';

INSERT INTO @extschema@.setting_defaults (name, value, type, min_value, max_value, description) VALUES
	('visit_weeks', '4', 'integer', 1, 520,
	 'Weeks of visits, ending at as_of, that kam.visit_compliance counts against each tier''s visits per week.')
ON CONFLICT (name) DO UPDATE SET value = excluded.value, type = excluded.type,
	min_value = excluded.min_value, max_value = excluded.max_value, description = excluded.description;

-- ---------------------------------------------------------------------------
-- Report views.  The definitions share fragments, spliced in below:
--   {rev}    per customer, its trailing-12-month revenue at every end of CTE
--            ends (end_no 1, 2, ... in end_date order, end_date) as one
--            float8[] indexed by end_no (kam.revenue_12m: each order read once,
--            exact sums; orders outside every window are skipped by the
--            aggregate, not by a WHERE on run-time bounds, whose row estimate
--            of 0.5% led the planner to a serial plan);
--   {tiered} the policy tier of each row of CTE ranked (revenue_12m,
--            share_above).
-- Trailing 12 months ending at day e = the days ((e + 1) - 12 months) .. e.
-- Days, here and in every report view, are those of the local times in the
-- zone of the time_zone setting (kam.time_zone(), read once): the views pass
-- ordered_at AT TIME ZONE zone to the timestamp forms of the aggregates.
-- ---------------------------------------------------------------------------
WITH f(name, body) AS (VALUES
	('{rev}', $f$
rev AS (
	SELECT o.customer_id,
		   @extschema@.revenue_12m(o.ordered_at AT TIME ZONE (SELECT @extschema@.time_zone()), o.amount,
								   (SELECT array_agg(e.end_date ORDER BY e.end_no) FROM ends e)) AS revenue
	  FROM @extschema@.orders o
	 GROUP BY o.customer_id)$f$),
	('{tiered}', $f$
pol AS MATERIALIZED (
	SELECT array_agg(t.tier ORDER BY t.rank, t.tier) AS tiers, array_agg(t.rank ORDER BY t.rank, t.tier) AS ranks,
		   array_agg(t.share_cutoff ORDER BY t.rank, t.tier) AS share_cutoff,
		   array_agg(t.min_revenue ORDER BY t.rank, t.tier) AS min_revenue
	  FROM @extschema@.tier_policy t),
tiered AS (
	SELECT r.*, pol.tiers[x.i] AS tier, pol.ranks[x.i] AS tier_rank
	  FROM ranked r
	 CROSS JOIN pol
	 CROSS JOIN LATERAL (SELECT @extschema@.policy_tier(r.revenue_12m, r.share_above,
														pol.share_cutoff, pol.min_revenue) AS i) x)$f$)
),
v(name, position, requires, definition, description) AS (VALUES
('customer_tier', 300, ARRAY['orders', 'customers'], $v$
WITH ladder AS MATERIALIZED (
	-- the rungs in (rank, stage) order, for kam.loyalty_stage
	SELECT array_agg(l.stage ORDER BY l.rank, l.stage) AS stages,
		   array_agg(l.min_purchase_periods ORDER BY l.rank, l.stage) AS min_periods,
		   array_agg(l.min_active_quarters ORDER BY l.rank, l.stage) AS min_quarters,
		   array_agg(l.of_last_quarters ORDER BY l.rank, l.stage) AS of_last,
		   max(l.of_last_quarters) AS k
	  FROM @extschema@.loyalty_ladder l),
p AS MATERIALIZED (
	-- k: the trailing quarters the ladder reads (materialized: the settings are read once)
	SELECT x.as_of, x.per, x.k, ARRAY[x.as_of] AS ends, x.tz
	  FROM (SELECT @extschema@.as_of() AS as_of, @extschema@.setting('rfm_period'::pg_catalog.text) AS per,
				   @extschema@.time_zone() AS tz,
				   COALESCE((SELECT l.k FROM ladder l), 0) AS k) x),
hist AS (
	-- one pass: kam.tier_days gives periods, quarter mask, purchase days and recency,
	-- kam.revenue_12m the exact trailing-12-month revenue
	-- (p through scalar subqueries: evaluated once, not joined to every order; the
	-- aggregates skip orders after as_of, a customer with only such orders gets
	-- the figures of one without orders)
	SELECT o.customer_id,
		   @extschema@.tier_days(o.ordered_at AT TIME ZONE (SELECT p.tz FROM p), (SELECT p.as_of FROM p),
								 (SELECT p.per FROM p), (SELECT p.k FROM p)) AS d,
		   @extschema@.revenue_12m(o.ordered_at AT TIME ZONE (SELECT p.tz FROM p), o.amount,
								   (SELECT p.ends FROM p)) AS r
	  FROM @extschema@.orders o
	 GROUP BY o.customer_id),
base AS (
	-- {potential}: the bound potential column, or NULL (kam.optional_relations())
	SELECT c.customer_id, c.name, c.account_manager, {potential} AS potential,
		   COALESCE(h.r[1], 0) AS revenue_12m, h.d[4]::integer AS recency_days,
		   COALESCE(h.d[3], 0) AS days, COALESCE(h.d[1], 0) AS periods, COALESCE(h.d[2], 0) AS qmask
	  FROM @extschema@.customers c
	  LEFT JOIN hist h ON h.customer_id = c.customer_id),
ranked AS (
	-- kam.tier_scores: the shares of kam.cumulative_share(_above) and the R, F and
	-- M quintiles from one read of the customers (no window sort); the ABC rule
	-- of kam.abc on the share above
	SELECT s.customer_id, s.name, s.account_manager, s.potential, s.revenue_12m, s.recency_days, s.days,
		   s.periods, s.qmask, s.sc[1] AS cumulative_share, s.sc[2] AS share_above,
		   CASE WHEN s.sc[2] OPERATOR(pg_catalog.<) 0.8::pg_catalog.float8 THEN 'A'
				WHEN s.sc[2] OPERATOR(pg_catalog.<) 0.95::pg_catalog.float8 THEN 'B' ELSE 'C' END AS abc,
		   s.sc[3]::integer AS r_score, s.sc[4]::integer AS f_score, s.sc[5]::integer AS m_score
	  FROM (SELECT b.*, @extschema@.tier_scores(b.revenue_12m, b.recency_days, b.days) OVER () AS sc
			  FROM base b) s),
{tiered}
SELECT t.customer_id, t.name, t.account_manager, t.revenue_12m, t.cumulative_share, t.abc, t.tier,
	   t.r_score, t.f_score, t.m_score, m.segment,
	   l.stages[@extschema@.loyalty_stage(t.periods, t.qmask, l.min_periods, l.min_quarters, l.of_last)] AS stage,
	   CASE WHEN t.potential > 0 THEN t.revenue_12m / t.potential END AS share_of_wallet,
	   t.potential - t.revenue_12m AS headroom
  FROM tiered t
 CROSS JOIN ladder l
  LEFT JOIN @extschema@.rfm_segment_map m ON m.r_score = t.r_score AND m.f_score = t.f_score
$v$,
'Each customer''s trailing-12-month revenue, ABC class, policy tier, RFM scores and segment, loyalty stage, and share of wallet and headroom against its potential at kam.as_of()'),

('tier_summary', 310, ARRAY['orders', 'customers'], $v$
WITH c AS (
	SELECT t.tier, t.revenue_12m FROM @extschema@.customer_tier t WHERE t.tier IS NOT NULL),
tot AS (
	SELECT count(*) AS customers, sum(c.revenue_12m::numeric) AS revenue,
		   @extschema@.gini(c.revenue_12m) AS gini,
		   @extschema@.top_share(c.revenue_12m, 0.2::pg_catalog.float8) AS top_20_share,
		   @extschema@.pareto_fraction(c.revenue_12m, 0.8::pg_catalog.float8) AS pareto_80_fraction
	  FROM c),
per AS (
	SELECT c.tier, count(*) AS customers, sum(c.revenue_12m::numeric) AS revenue
	  FROM c GROUP BY c.tier)
SELECT pol.tier, pol.rank, pol.visits_per_week,
	   COALESCE(per.customers, 0) AS customers,
	   (COALESCE(per.customers, 0)::numeric / NULLIF(tot.customers, 0))::float8 AS customer_share,
	   COALESCE(per.revenue, 0)::float8 AS revenue_12m,
	   (COALESCE(per.revenue, 0) / NULLIF(tot.revenue, 0))::float8 AS revenue_share,
	   tot.gini, tot.top_20_share, tot.pareto_80_fraction
  FROM @extschema@.tier_policy pol
  LEFT JOIN per ON per.tier = pol.tier
 CROSS JOIN tot
 ORDER BY pol.rank, pol.tier
$v$,
'Customers and trailing-12-month revenue per policy tier, with the concentration of revenue (Gini, share of the top 20%, fraction of customers making 80%)'),

('pareto_curve', 320, ARRAY['orders', 'customers'], $v$
WITH c AS (
	SELECT t.revenue_12m AS v FROM @extschema@.customer_tier t WHERE t.revenue_12m > 0),
n AS (
	-- kam.pareto_sums: the exact running sums at the points only (one sort in C,
	-- no numeric window over every customer)
	SELECT count(*) AS n, sum(c.v::numeric) AS total, @extschema@.pareto_sums(c.v) AS s FROM c),
g AS (
	SELECT k AS point, n.n, n.total, n.s, LEAST(n.n, 100) + 1 AS m,
		   CASE WHEN n.n <= 100 THEN 0 ELSE ((k * n.n) % 100) / 100.0 END AS frac,
		   CASE WHEN n.n <= 100 THEN k::numeric / n.n ELSE k / 100.0 END AS x
	  FROM n, generate_series(0, LEAST(n.n, 100)) k
	 WHERE n.n > 0)
SELECT g.point::integer AS point, g.x::float8 AS customer_fraction,
	   ((g.s[g.point + 1] + g.frac * COALESCE(g.s[g.m + g.point + 1], 0)) / g.total)::float8 AS revenue_fraction
  FROM g
 ORDER BY g.point
$v$,
'Pareto (Lorenz) curve of trailing-12-month revenue: the share of revenue made by the top customer_fraction of customers, in at most 101 points'),

('tier_changes', 330, ARRAY['orders', 'customers'], $v$
WITH p AS (
	SELECT @extschema@.as_of() AS as_of,
		   ((@extschema@.as_of() + 1)
			- CASE WHEN @extschema@.setting('period'::pg_catalog.text) = 'quarter' THEN interval '3 months'
				   ELSE ('1 ' || @extschema@.setting('period'::pg_catalog.text))::interval END)::date - 1 AS before),
ends AS (
	SELECT 1 AS end_no, p.before AS end_date FROM p
	UNION ALL
	SELECT 2, p.as_of FROM p),
{rev},
pol AS MATERIALIZED (
	SELECT array_agg(t.tier ORDER BY t.rank, t.tier) AS tiers, array_agg(t.rank ORDER BY t.rank, t.tier) AS ranks,
		   array_agg(t.share_cutoff ORDER BY t.rank, t.tier) AS share_cutoff,
		   array_agg(t.min_revenue ORDER BY t.rank, t.tier) AS min_revenue
	  FROM @extschema@.tier_policy t),
ranked AS (
	-- the share above of each end's revenue among the customers with revenue
	-- there (kam.tier_scores: one read of the customers, no window sort)
	SELECT r.customer_id, r.revenue[1] AS rev_before, r.revenue[2] AS rev_now,
		   (@extschema@.tier_scores(r.revenue[1], NULL::pg_catalog.int4, 0::pg_catalog.int8) OVER ())[2] AS above_before,
		   (@extschema@.tier_scores(r.revenue[2], NULL::pg_catalog.int4, 0::pg_catalog.int8) OVER ())[2] AS above_now
	  FROM rev r),
tiered AS (
	SELECT r.customer_id, r.rev_before, r.rev_now, pol.tiers[b.i] AS tier_before, pol.ranks[b.i] AS rank_before,
		   pol.tiers[n.i] AS tier_now, pol.ranks[n.i] AS rank_now
	  FROM ranked r
	 CROSS JOIN pol
	 CROSS JOIN LATERAL (SELECT @extschema@.policy_tier(r.rev_before, r.above_before,
														pol.share_cutoff, pol.min_revenue) AS i) b
	 CROSS JOIN LATERAL (SELECT @extschema@.policy_tier(r.rev_now, r.above_now,
														pol.share_cutoff, pol.min_revenue) AS i) n)
SELECT t.customer_id, c.name, c.account_manager,
	   p.before AS as_of_before, p.as_of,
	   t.tier_before, t.tier_now,
	   CASE WHEN t.tier_before IS NOT NULL THEN t.rev_before END AS revenue_12m_before,
	   CASE WHEN t.tier_now IS NOT NULL THEN t.rev_now END AS revenue_12m_now,
	   CASE WHEN t.tier_before IS NULL THEN 'new'
			WHEN t.tier_now IS NULL THEN 'lost'
			WHEN t.rank_now < t.rank_before THEN 'upgraded'
			WHEN t.rank_now > t.rank_before THEN 'downgraded'
			ELSE 'unchanged' END AS movement
  FROM tiered t
 CROSS JOIN p
  LEFT JOIN @extschema@.customers c ON c.customer_id = t.customer_id
 WHERE t.tier_before IS NOT NULL OR t.tier_now IS NOT NULL
$v$,
'Each customer''s tier at kam.as_of() and one period earlier, and its movement: upgraded, downgraded, unchanged, new or lost'),

('tier_movements', 340, ARRAY['orders', 'customers'], $v$
WITH p AS (
	SELECT @extschema@.as_of() AS as_of, @extschema@.setting('period'::pg_catalog.text) AS per,
		   CASE WHEN @extschema@.setting('period'::pg_catalog.text) = 'quarter' THEN interval '3 months'
				ELSE ('1 ' || @extschema@.setting('period'::pg_catalog.text))::interval END AS len,
		   @extschema@.time_zone() AS tz),
first_order AS (
	-- the bound as a scalar subquery, not a join with p: a parallel scan can take it
	-- (and the first order's day in ends, not here: Citus can't push a subquery
	-- in the target list of this aggregate)
	SELECT min(o.ordered_at) AS first_at FROM @extschema@.orders o
	 WHERE o.ordered_at < (SELECT (p.as_of + 1)::timestamp AT TIME ZONE p.tz FROM p)),
ends AS (
	SELECT (row_number() OVER (ORDER BY s))::integer AS end_no, s::date AS period_start,
		   LEAST((s + p.len)::date - 1, p.as_of) AS end_date
	  FROM p, first_order f,
		   -- kam.period_start: the same periods as date_trunc, and an infinite
		   -- first order is an error (22008) rather than an endless series
		   generate_series(@extschema@.period_start((f.first_at AT TIME ZONE p.tz)::date, p.per)::timestamp,
						   @extschema@.period_start(p.as_of, p.per)::timestamp, p.len) s),
{rev},
pol AS (
	SELECT array_agg(t.share_cutoff ORDER BY t.rank, t.tier) AS share_cutoff,
		   array_agg(t.min_revenue ORDER BY t.rank, t.tier) AS min_revenue,
		   array_agg(t.rank ORDER BY t.rank, t.tier) AS tier_rank
	  FROM @extschema@.tier_policy t),
m AS (
	SELECT @extschema@.tier_movements(r.revenue, pol.share_cutoff, pol.min_revenue, pol.tier_rank) AS m
	  FROM rev r, pol)
SELECT e.period_start,
	   COALESCE(m.m[1][e.end_no], 0) AS upgraded,
	   COALESCE(m.m[2][e.end_no], 0) AS downgraded
  FROM ends e
  LEFT JOIN m ON true
 ORDER BY e.period_start
$v$,
'Per reporting period (setting period): customers whose tier went up or down between the trailing-12-month windows ending at the previous and this period''s end (the current period ends at kam.as_of())'),

('visit_compliance', 350, ARRAY['orders', 'customers', 'visits'], $v$
WITH p AS (
	SELECT @extschema@.as_of() AS as_of, @extschema@.setting('visit_weeks'::pg_catalog.text)::integer AS weeks,
		   @extschema@.time_zone() AS tz),
v AS (
	SELECT v.customer_id, count(*) AS visits
	  FROM p, @extschema@.visits v
	 WHERE v.visited_at >= ((p.as_of + 1) - 7 * p.weeks)::timestamp AT TIME ZONE p.tz
	   AND v.visited_at < (p.as_of + 1)::timestamp AT TIME ZONE p.tz
	 GROUP BY v.customer_id)
SELECT t.customer_id, t.name, t.account_manager, t.tier, pol.visits_per_week, p.weeks,
	   pol.visits_per_week * p.weeks AS required_visits,
	   COALESCE(v.visits, 0) AS actual_visits,
	   CASE WHEN pol.visits_per_week > 0 THEN COALESCE(v.visits, 0) / (pol.visits_per_week * p.weeks) END AS compliance,
	   COALESCE(v.visits, 0) >= pol.visits_per_week * p.weeks AS compliant
  FROM p, @extschema@.customer_tier t
  JOIN @extschema@.tier_policy pol ON pol.tier = t.tier
  LEFT JOIN v ON v.customer_id = t.customer_id
$v$,
'Per tiered customer: the visits its tier requires over the last visit_weeks weeks, the visits made, and the compliance ratio'),

('manager_visit_compliance', 360, ARRAY['orders', 'customers', 'visits'], $v$
SELECT c.account_manager,
	   count(*) AS accounts,
	   count(*) FILTER (WHERE c.required_visits > 0) AS accounts_with_target,
	   count(*) FILTER (WHERE c.required_visits > 0 AND c.compliant) AS compliant_accounts,
	   sum(c.required_visits::numeric)::float8 AS required_visits,
	   sum(c.actual_visits)::bigint AS actual_visits,
	   (sum(LEAST(c.actual_visits, c.required_visits)::numeric) / NULLIF(sum(c.required_visits::numeric), 0))::float8 AS compliance
  FROM @extschema@.visit_compliance c
 GROUP BY c.account_manager
 ORDER BY c.account_manager
$v$,
'Visit compliance per account manager: over-visiting one account does not make up for another (compliance counts at most the required visits of each)')
)
INSERT INTO @extschema@.report_views (name, position, requires, definition, description)
SELECT v.name, v.position, v.requires,
	   replace(replace(v.definition,
		   '{rev}', (SELECT f.body FROM f WHERE f.name = '{rev}')),
		   '{tiered}', (SELECT f.body FROM f WHERE f.name = '{tiered}')),
	   v.description
  FROM v
ON CONFLICT (name) DO UPDATE SET position = excluded.position, requires = excluded.requires,
	definition = excluded.definition, description = excluded.description;

INSERT INTO @extschema@.report_view_columns (view_name, column_name, description) VALUES
	('customer_tier', 'customer_id', 'customer (your type)'),
	('customer_tier', 'name', 'customer name (NULL when not bound)'),
	('customer_tier', 'account_manager', 'account manager (NULL when not bound)'),
	('customer_tier', 'revenue_12m', 'revenue in currency over the trailing 12 months ending at as_of'),
	('customer_tier', 'cumulative_share', 'share (0-1) of total trailing-12-month revenue held by this customer''s tie group and all customers above it'),
	('customer_tier', 'abc', 'ABC class by the 80/95 cumulative-share rule: A, B or C'),
	('customer_tier', 'tier', 'policy tier from kam.tier_policy (NULL without positive trailing-12-month revenue)'),
	('customer_tier', 'r_score', 'recency score 1-5 (5 = most recent order) among customers with orders in the trailing 12 months'),
	('customer_tier', 'f_score', 'frequency score 1-5 (5 = most purchase days in the trailing 12 months)'),
	('customer_tier', 'm_score', 'monetary score 1-5 (5 = most trailing-12-month revenue)'),
	('customer_tier', 'segment', 'RFM segment of the recency and frequency scores, from kam.rfm_segment_map'),
	('customer_tier', 'stage', 'loyalty-ladder stage reached, from kam.loyalty_ladder'),
	('customer_tier', 'share_of_wallet', 'share of wallet (0-1 when below potential): revenue_12m / potential; NULL without a bound potential column or a positive potential'),
	('customer_tier', 'headroom', 'potential - revenue_12m in currency per year (negative when we sell more than the potential; NULL without a potential)'),
	('tier_summary', 'tier', 'policy tier'),
	('tier_summary', 'rank', 'rank of the tier (1 = best)'),
	('tier_summary', 'visits_per_week', 'account-manager visits per week the tier requires'),
	('tier_summary', 'customers', 'number of customers in the tier'),
	('tier_summary', 'customer_share', 'share (0-1) of the tiered customers in this tier'),
	('tier_summary', 'revenue_12m', 'trailing-12-month revenue of the tier in currency'),
	('tier_summary', 'revenue_share', 'share (0-1) of the trailing-12-month revenue of tiered customers made by this tier'),
	('tier_summary', 'gini', 'Gini coefficient (0-1) of trailing-12-month revenue over all tiered customers (same on every row)'),
	('tier_summary', 'top_20_share', 'share (0-1) of revenue made by the top 20% of tiered customers (same on every row)'),
	('tier_summary', 'pareto_80_fraction', 'smallest fraction (0-1) of tiered customers making 80% of revenue (same on every row)'),
	('pareto_curve', 'point', 'point number, from 0'),
	('pareto_curve', 'customer_fraction', 'fraction (0-1) of customers, largest trailing-12-month revenue first (x axis)'),
	('pareto_curve', 'revenue_fraction', 'share (0-1) of trailing-12-month revenue made by that fraction of customers (y axis)'),
	('tier_changes', 'customer_id', 'customer (your type)'),
	('tier_changes', 'name', 'customer name (NULL when not bound)'),
	('tier_changes', 'account_manager', 'account manager (NULL when not bound)'),
	('tier_changes', 'as_of_before', 'end of the earlier trailing-12-month window: one period (setting period) before as_of'),
	('tier_changes', 'as_of', 'end of the current trailing-12-month window (kam.as_of())'),
	('tier_changes', 'tier_before', 'policy tier at as_of_before (NULL: none)'),
	('tier_changes', 'tier_now', 'policy tier at as_of (NULL: none)'),
	('tier_changes', 'revenue_12m_before', 'trailing-12-month revenue at as_of_before in currency'),
	('tier_changes', 'revenue_12m_now', 'trailing-12-month revenue at as_of in currency'),
	('tier_changes', 'movement', 'upgraded, downgraded, unchanged, new (no tier before) or lost (no tier now)'),
	('tier_movements', 'period_start', 'first day of the reporting period (setting period)'),
	('tier_movements', 'upgraded', 'customers whose tier went up from the previous period end to this one'),
	('tier_movements', 'downgraded', 'customers whose tier went down from the previous period end to this one'),
	('visit_compliance', 'customer_id', 'customer (your type)'),
	('visit_compliance', 'name', 'customer name (NULL when not bound)'),
	('visit_compliance', 'account_manager', 'account manager (NULL when not bound)'),
	('visit_compliance', 'tier', 'policy tier of the customer'),
	('visit_compliance', 'visits_per_week', 'visits per week the tier requires'),
	('visit_compliance', 'weeks', 'weeks counted, ending at as_of (setting visit_weeks)'),
	('visit_compliance', 'required_visits', 'visits the tier requires over those weeks (visits_per_week x weeks)'),
	('visit_compliance', 'actual_visits', 'visits made over those weeks'),
	('visit_compliance', 'compliance', 'actual / required visits as a ratio (1 = on target; NULL when none required)'),
	('visit_compliance', 'compliant', 'true when actual visits reach the required visits'),
	('manager_visit_compliance', 'account_manager', 'account manager'),
	('manager_visit_compliance', 'accounts', 'tiered accounts of the manager'),
	('manager_visit_compliance', 'accounts_with_target', 'accounts whose tier requires visits'),
	('manager_visit_compliance', 'compliant_accounts', 'accounts with a visit target that met it'),
	('manager_visit_compliance', 'required_visits', 'visits required over the last visit_weeks weeks, all accounts'),
	('manager_visit_compliance', 'actual_visits', 'visits made over the last visit_weeks weeks, all accounts'),
	('manager_visit_compliance', 'compliance', 'visits made (at most the required ones per account) / required visits, as a ratio (1 = on target)')
ON CONFLICT (view_name, column_name) DO UPDATE SET description = excluded.description;
