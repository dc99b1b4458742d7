-- ===========================================================================
-- 10 rfm: the per-customer purchase summary (lifetimes semantics)
--   C: src/rfm.c (aggregate), src/rfm_io.c (state type I/O), src/period.c
-- ===========================================================================

CREATE FUNCTION @extschema@.period_start(d date, period text) RETURNS date
	AS 'MODULE_PATHNAME', 'kam_period_floor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.period_start(date, text) IS
	'First day of the period (day, ISO week from Monday, month, quarter, year) holding d';
CREATE FUNCTION @extschema@.next_period_start(d date, period text) RETURNS date
	AS 'MODULE_PATHNAME', 'kam_period_next' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_period_start(date, text) IS
	'First day of the period (day, week, month, quarter, year) after the one holding d';

-- The mergeable state: a customer's purchase periods (see src/rfm.h).
CREATE TYPE @extschema@.rfm_state;
CREATE FUNCTION @extschema@.rfm_state_in(cstring) RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_out(@extschema@.rfm_state) RETURNS cstring
	AS 'MODULE_PATHNAME', 'kam_rfm_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_recv(internal) RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_send(@extschema@.rfm_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kam_rfm_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_state_in(cstring) IS 'Text input function of type kam.rfm_state; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_state_out(@extschema@.rfm_state) IS 'Text output function of type kam.rfm_state; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_state_recv(internal) IS 'Binary input function of type kam.rfm_state; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_state_send(@extschema@.rfm_state) IS 'Binary output function of type kam.rfm_state; not for direct use';
CREATE TYPE @extschema@.rfm_state (
	INPUT = @extschema@.rfm_state_in,
	OUTPUT = @extschema@.rfm_state_out,
	RECEIVE = @extschema@.rfm_state_recv,
	SEND = @extschema@.rfm_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.rfm_state IS
	'Mergeable state of kam.rfm and kam.rfm_state: a customer''s purchase periods with their orders, latest time and exact revenue';

CREATE TYPE @extschema@.rfm_summary AS (
	first_at timestamptz,
	last_at timestamptz,
	orders bigint,
	revenue float8,
	frequency integer,
	recency float8,
	t float8,
	monetary float8
);
COMMENT ON TYPE @extschema@.rfm_summary IS
	'Per-customer purchase summary with lifetimes semantics, returned by kam.rfm and kam.rfm_summary';
COMMENT ON COLUMN @extschema@.rfm_summary.first_at IS 'Time of the earliest order kept';
COMMENT ON COLUMN @extschema@.rfm_summary.last_at IS 'Time of the latest order kept';
COMMENT ON COLUMN @extschema@.rfm_summary.orders IS 'Number of orders (rows) kept';
COMMENT ON COLUMN @extschema@.rfm_summary.revenue IS 'Sum of the amounts, in currency';
COMMENT ON COLUMN @extschema@.rfm_summary.frequency IS 'Repeat purchases: distinct purchase periods - 1';
COMMENT ON COLUMN @extschema@.rfm_summary.recency IS 'Last purchase period - first purchase period, in periods';
COMMENT ON COLUMN @extschema@.rfm_summary.t IS 'As-of period - first purchase period (customer age), in periods';
COMMENT ON COLUMN @extschema@.rfm_summary.monetary IS 'Mean revenue per repeat purchase period in currency (first period excluded; 0 when frequency = 0)';

-- Transition functions.  timestamptz input is floored in the session time
-- zone (STABLE); date and timestamp input without any time zone (IMMUTABLE).
CREATE FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, timestamptz, float8, timestamptz)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_accum_tz' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, timestamptz, float8, timestamptz, text)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_accum_tz' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, timestamp, float8, timestamp)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_accum_ts' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, timestamp, float8, timestamp, text)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_accum_ts' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, date, float8, date)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_accum_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, date, float8, date, text)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_accum_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, timestamptz, float8, timestamptz) IS 'Builds an as-of kam.rfm_state (the layout of kam.rfm''s state, storable); not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, timestamptz, float8, timestamptz, text) IS 'Builds an as-of kam.rfm_state (the layout of kam.rfm''s state, storable); not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, timestamp, float8, timestamp) IS 'Builds an as-of kam.rfm_state (the layout of kam.rfm''s state, storable); not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, timestamp, float8, timestamp, text) IS 'Builds an as-of kam.rfm_state (the layout of kam.rfm''s state, storable); not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, date, float8, date) IS 'Builds an as-of kam.rfm_state (the layout of kam.rfm''s state, storable); not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_accum(@extschema@.rfm_state, date, float8, date, text) IS 'Builds an as-of kam.rfm_state (the layout of kam.rfm''s state, storable); not for direct use';
CREATE FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, timestamptz, float8)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_state_accum_tz' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, timestamptz, float8, text)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_state_accum_tz' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, timestamp, float8)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_state_accum_ts' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, timestamp, float8, text)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_state_accum_ts' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, date, float8)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_state_accum_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, date, float8, text)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_state_accum_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, timestamptz, float8) IS 'Transition function of kam.rfm_state; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, timestamptz, float8, text) IS 'Transition function of kam.rfm_state; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, timestamp, float8) IS 'Transition function of kam.rfm_state; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, timestamp, float8, text) IS 'Transition function of kam.rfm_state; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, date, float8) IS 'Transition function of kam.rfm_state; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_state_accum(@extschema@.rfm_state, date, float8, text) IS 'Transition function of kam.rfm_state; not for direct use';

CREATE FUNCTION @extschema@.rfm_combine(@extschema@.rfm_state, @extschema@.rfm_state)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_combine(@extschema@.rfm_state, @extschema@.rfm_state) IS
	'Combine function of kam.rfm, kam.rfm_state and kam.rfm_merge (merges two states); not for direct use';
CREATE FUNCTION @extschema@.rfm_final(@extschema@.rfm_state) RETURNS @extschema@.rfm_summary
	AS 'MODULE_PATHNAME', 'kam_rfm_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_final(@extschema@.rfm_state) IS 'Summary of an as-of kam.rfm_state (built by kam.rfm_accum); not for direct use';
CREATE FUNCTION @extschema@.rfm_state_final(@extschema@.rfm_state) RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_state_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_state_final(@extschema@.rfm_state) IS 'Final function of kam.rfm_state and kam.rfm_merge; not for direct use';

-- kam.rfm's own state: the as-of layout as an internal value, grown in the
-- aggregate context, shipped between parallel workers as kam.rfm_state bytes
-- (src/rfm.c).  kam.rfm_accum and kam.rfm_final above build and summarize
-- the same layout as a storable kam.rfm_state.
CREATE FUNCTION @extschema@.rfm_agg_accum(internal, timestamptz, float8, timestamptz)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_rfm_agg_accum_tz' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_agg_accum(internal, timestamptz, float8, timestamptz, text)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_rfm_agg_accum_tz' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_agg_accum(internal, timestamp, float8, timestamp)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_rfm_agg_accum_ts' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_agg_accum(internal, timestamp, float8, timestamp, text)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_rfm_agg_accum_ts' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_agg_accum(internal, date, float8, date)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_rfm_agg_accum_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_agg_accum(internal, date, float8, date, text)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_rfm_agg_accum_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_agg_accum(internal, timestamptz, float8, timestamptz) IS 'Transition function of kam.rfm; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_agg_accum(internal, timestamptz, float8, timestamptz, text) IS 'Transition function of kam.rfm; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_agg_accum(internal, timestamp, float8, timestamp) IS 'Transition function of kam.rfm; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_agg_accum(internal, timestamp, float8, timestamp, text) IS 'Transition function of kam.rfm; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_agg_accum(internal, date, float8, date) IS 'Transition function of kam.rfm; not for direct use';
COMMENT ON FUNCTION @extschema@.rfm_agg_accum(internal, date, float8, date, text) IS 'Transition function of kam.rfm; not for direct use';
CREATE FUNCTION @extschema@.rfm_agg_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_rfm_agg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_agg_combine(internal, internal) IS 'Combine function of kam.rfm; not for direct use';
CREATE FUNCTION @extschema@.rfm_agg_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kam_rfm_agg_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_agg_serialize(internal) IS 'Serialization function of kam.rfm (the state as kam.rfm_state bytes); not for direct use';
CREATE FUNCTION @extschema@.rfm_agg_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_rfm_agg_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_agg_deserialize(bytea, internal) IS 'Deserialization function of kam.rfm; not for direct use';
CREATE FUNCTION @extschema@.rfm_agg_final(internal) RETURNS @extschema@.rfm_summary
	AS 'MODULE_PATHNAME', 'kam_rfm_agg_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_agg_final(internal) IS 'Final function of kam.rfm; not for direct use';

-- kam.rfm: the summary in one pass.  Rows whose period is after as_of's are
-- left out; rows with a NULL time or amount are left out.
CREATE AGGREGATE @extschema@.rfm(ordered_at timestamptz, amount float8, as_of timestamptz) (
	SFUNC = @extschema@.rfm_agg_accum, STYPE = internal, SSPACE = 256,
	FINALFUNC = @extschema@.rfm_agg_final, COMBINEFUNC = @extschema@.rfm_agg_combine,
	SERIALFUNC = @extschema@.rfm_agg_serialize, DESERIALFUNC = @extschema@.rfm_agg_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm(ordered_at timestamptz, amount float8, as_of timestamptz, period text) (
	SFUNC = @extschema@.rfm_agg_accum, STYPE = internal, SSPACE = 256,
	FINALFUNC = @extschema@.rfm_agg_final, COMBINEFUNC = @extschema@.rfm_agg_combine,
	SERIALFUNC = @extschema@.rfm_agg_serialize, DESERIALFUNC = @extschema@.rfm_agg_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm(ordered_at timestamp, amount float8, as_of timestamp) (
	SFUNC = @extschema@.rfm_agg_accum, STYPE = internal, SSPACE = 256,
	FINALFUNC = @extschema@.rfm_agg_final, COMBINEFUNC = @extschema@.rfm_agg_combine,
	SERIALFUNC = @extschema@.rfm_agg_serialize, DESERIALFUNC = @extschema@.rfm_agg_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm(ordered_at timestamp, amount float8, as_of timestamp, period text) (
	SFUNC = @extschema@.rfm_agg_accum, STYPE = internal, SSPACE = 256,
	FINALFUNC = @extschema@.rfm_agg_final, COMBINEFUNC = @extschema@.rfm_agg_combine,
	SERIALFUNC = @extschema@.rfm_agg_serialize, DESERIALFUNC = @extschema@.rfm_agg_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm(ordered_at date, amount float8, as_of date) (
	SFUNC = @extschema@.rfm_agg_accum, STYPE = internal, SSPACE = 256,
	FINALFUNC = @extschema@.rfm_agg_final, COMBINEFUNC = @extschema@.rfm_agg_combine,
	SERIALFUNC = @extschema@.rfm_agg_serialize, DESERIALFUNC = @extschema@.rfm_agg_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm(ordered_at date, amount float8, as_of date, period text) (
	SFUNC = @extschema@.rfm_agg_accum, STYPE = internal, SSPACE = 256,
	FINALFUNC = @extschema@.rfm_agg_final, COMBINEFUNC = @extschema@.rfm_agg_combine,
	SERIALFUNC = @extschema@.rfm_agg_serialize, DESERIALFUNC = @extschema@.rfm_agg_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.rfm(timestamptz, float8, timestamptz) IS
	'Purchase summary of a customer''s orders as of a time, in days (timestamptz floored in the session time zone)';
COMMENT ON AGGREGATE @extschema@.rfm(timestamptz, float8, timestamptz, text) IS
	'Purchase summary of a customer''s orders as of a time, in periods of day, week, month, quarter or year (session time zone)';
COMMENT ON AGGREGATE @extschema@.rfm(timestamp, float8, timestamp) IS
	'Purchase summary of a customer''s orders as of a time, in days (no time zone)';
COMMENT ON AGGREGATE @extschema@.rfm(timestamp, float8, timestamp, text) IS
	'Purchase summary of a customer''s orders as of a time, in periods of day, week, month, quarter or year (no time zone)';
COMMENT ON AGGREGATE @extschema@.rfm(date, float8, date) IS
	'Purchase summary of a customer''s orders as of a date, in days';
COMMENT ON AGGREGATE @extschema@.rfm(date, float8, date, text) IS
	'Purchase summary of a customer''s orders as of a date, in periods of day, week, month, quarter or year';

-- Incremental roll-ups: states per slice (kam.rfm_state), merged
-- (kam.rfm_merge), finalized as of a date (kam.rfm_summary).
CREATE AGGREGATE @extschema@.rfm_state(ordered_at timestamptz, amount float8) (
	SFUNC = @extschema@.rfm_state_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_state_final, COMBINEFUNC = @extschema@.rfm_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm_state(ordered_at timestamptz, amount float8, period text) (
	SFUNC = @extschema@.rfm_state_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_state_final, COMBINEFUNC = @extschema@.rfm_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm_state(ordered_at timestamp, amount float8) (
	SFUNC = @extschema@.rfm_state_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_state_final, COMBINEFUNC = @extschema@.rfm_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm_state(ordered_at timestamp, amount float8, period text) (
	SFUNC = @extschema@.rfm_state_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_state_final, COMBINEFUNC = @extschema@.rfm_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm_state(ordered_at date, amount float8) (
	SFUNC = @extschema@.rfm_state_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_state_final, COMBINEFUNC = @extschema@.rfm_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm_state(ordered_at date, amount float8, period text) (
	SFUNC = @extschema@.rfm_state_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_state_final, COMBINEFUNC = @extschema@.rfm_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.rfm_state(timestamptz, float8) IS
	'Mergeable purchase state of orders, in days (session time zone), for kam.rfm_merge and kam.rfm_summary';
COMMENT ON AGGREGATE @extschema@.rfm_state(timestamptz, float8, text) IS
	'Mergeable purchase state of orders in the given periods (session time zone), for kam.rfm_merge and kam.rfm_summary';
COMMENT ON AGGREGATE @extschema@.rfm_state(timestamp, float8) IS
	'Mergeable purchase state of orders, in days (no time zone), for kam.rfm_merge and kam.rfm_summary';
COMMENT ON AGGREGATE @extschema@.rfm_state(timestamp, float8, text) IS
	'Mergeable purchase state of orders in the given periods (no time zone), for kam.rfm_merge and kam.rfm_summary';
COMMENT ON AGGREGATE @extschema@.rfm_state(date, float8) IS
	'Mergeable purchase state of orders, in days, for kam.rfm_merge and kam.rfm_summary';
COMMENT ON AGGREGATE @extschema@.rfm_state(date, float8, text) IS
	'Mergeable purchase state of orders in the given periods, for kam.rfm_merge and kam.rfm_summary';
CREATE AGGREGATE @extschema@.rfm_merge(state @extschema@.rfm_state) (
	SFUNC = @extschema@.rfm_combine, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_state_final, COMBINEFUNC = @extschema@.rfm_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.rfm_merge(@extschema@.rfm_state) IS
	'Merges kam.rfm_state states (roll-up of slices) into one state';

CREATE FUNCTION @extschema@.rfm_summary(state @extschema@.rfm_state, as_of timestamptz)
	RETURNS @extschema@.rfm_summary
	AS 'MODULE_PATHNAME', 'kam_rfm_summary_tz' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_summary(state @extschema@.rfm_state, as_of timestamp)
	RETURNS @extschema@.rfm_summary
	AS 'MODULE_PATHNAME', 'kam_rfm_summary_ts' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_summary(state @extschema@.rfm_state, as_of date)
	RETURNS @extschema@.rfm_summary
	AS 'MODULE_PATHNAME', 'kam_rfm_summary_date' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_summary(@extschema@.rfm_state, timestamptz) IS
	'Purchase summary of a kam.rfm_state as of a time (session time zone), in the state''s periods';
COMMENT ON FUNCTION @extschema@.rfm_summary(@extschema@.rfm_state, timestamp) IS
	'Purchase summary of a kam.rfm_state as of a time (no time zone), in the state''s periods';
COMMENT ON FUNCTION @extschema@.rfm_summary(@extschema@.rfm_state, date) IS
	'Purchase summary of a kam.rfm_state as of a date, in the state''s periods';

-- kam.customer_summary: one row per bound customer, as of the as_of setting,
-- in rfm_period periods.  Customers without orders have orders = 0.
INSERT INTO @extschema@.report_views (name, position, requires, definition, description) VALUES
('customer_summary', 100, ARRAY['orders', 'customers'], $view$
SELECT c.customer_id,
	   c.name,
	   c.account_manager,
	   s.first_at AS first_order_at,
	   s.last_at AS last_order_at,
	   COALESCE((s.r).orders, 0) AS orders,
	   COALESCE((s.r).revenue, 0) AS revenue,
	   s.margin,
	   COALESCE((s.r).frequency, 0) AS frequency,
	   COALESCE((s.r).recency, 0) AS recency,
	   (s.r).t,
	   COALESCE((s.r).monetary, 0) AS monetary,
	   (SELECT @extschema@.as_of()) - (s.last_at AT TIME ZONE (SELECT @extschema@.time_zone()))::date AS days_since_last_order
  FROM @extschema@.customers c
  -- periods of the local times in the time_zone setting's zone (kam.time_zone(),
  -- read once); first and last order times as the instants they are (the
  -- rows kam.rfm keeps: a time and an amount, up to the as-of period)
  LEFT JOIN (SELECT o.customer_id,
					@extschema@.rfm(o.ordered_at AT TIME ZONE (SELECT @extschema@.time_zone()), o.amount,
									(SELECT @extschema@.as_of()::timestamp),
									(SELECT @extschema@.setting('rfm_period'::pg_catalog.text))) AS r,
					min(o.ordered_at) FILTER (WHERE o.amount IS NOT NULL) AS first_at,
					max(o.ordered_at) FILTER (WHERE o.amount IS NOT NULL) AS last_at,
					sum(o.margin::numeric)::float8 AS margin
			   FROM @extschema@.orders o
			  WHERE o.ordered_at < (SELECT @extschema@.next_period_start(@extschema@.as_of(),
																		  @extschema@.setting('rfm_period'::pg_catalog.text))::timestamp
										   AT TIME ZONE @extschema@.time_zone())
			  GROUP BY o.customer_id) s ON s.customer_id = c.customer_id
$view$, 'One row per customer: orders, revenue, margin and the lifetimes RFM summary (frequency, recency, T in rfm_period periods, monetary) as of kam.as_of().')
ON CONFLICT (name) DO UPDATE SET position = excluded.position, requires = excluded.requires,
	definition = excluded.definition, description = excluded.description;

INSERT INTO @extschema@.report_view_columns (view_name, column_name, description) VALUES
	('customer_summary', 'customer_id', 'Customer (your type)'),
	('customer_summary', 'name', 'Customer name (NULL when not bound)'),
	('customer_summary', 'account_manager', 'Account manager (NULL when not bound)'),
	('customer_summary', 'first_order_at', 'Time of the first order on or before as_of'),
	('customer_summary', 'last_order_at', 'Time of the last order on or before as_of'),
	('customer_summary', 'orders', 'Number of orders on or before as_of'),
	('customer_summary', 'revenue', 'Revenue to date in currency (sum of amount)'),
	('customer_summary', 'margin', 'Margin to date in currency (exact sum of the margin column; NULL when none is bound)'),
	('customer_summary', 'frequency', 'Repeat purchases: distinct purchase periods (setting rfm_period) - 1'),
	('customer_summary', 'recency', 'Last purchase period - first purchase period, in rfm_period periods'),
	('customer_summary', 't', 'Customer age: as-of period - first purchase period, in rfm_period periods (NULL without orders)'),
	('customer_summary', 'monetary', 'Mean revenue per repeat purchase period in currency (first period excluded; 0 when frequency = 0)'),
	('customer_summary', 'days_since_last_order', 'Days from the last order to as_of')
ON CONFLICT (view_name, column_name) DO UPDATE SET description = excluded.description;
