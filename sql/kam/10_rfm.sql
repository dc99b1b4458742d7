-- ===========================================================================
-- 10 rfm: the per-customer purchase summary (lifetimes semantics)
--   C: src/rfm.c (aggregate), src/rfm_io.c (state type I/O), src/period.c
-- ===========================================================================

CREATE FUNCTION @extschema@.period_start(d date, period text) RETURNS date
	AS 'MODULE_PATHNAME', 'kam_period_floor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.next_period_start(d date, period text) RETURNS date
	AS 'MODULE_PATHNAME', 'kam_period_next' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

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
CREATE TYPE @extschema@.rfm_state (
	INPUT = @extschema@.rfm_state_in,
	OUTPUT = @extschema@.rfm_state_out,
	RECEIVE = @extschema@.rfm_state_recv,
	SEND = @extschema@.rfm_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

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

CREATE FUNCTION @extschema@.rfm_combine(@extschema@.rfm_state, @extschema@.rfm_state)
	RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_final(@extschema@.rfm_state) RETURNS @extschema@.rfm_summary
	AS 'MODULE_PATHNAME', 'kam_rfm_final' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_final(@extschema@.rfm_state) RETURNS @extschema@.rfm_state
	AS 'MODULE_PATHNAME', 'kam_rfm_state_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- kam.rfm: the summary in one pass.  Rows whose period is after as_of's are
-- left out; rows with a NULL time or amount are left out.
CREATE AGGREGATE @extschema@.rfm(ordered_at timestamptz, amount float8, as_of timestamptz) (
	SFUNC = @extschema@.rfm_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_final, COMBINEFUNC = @extschema@.rfm_combine,
	SSPACE = 256, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm(ordered_at timestamptz, amount float8, as_of timestamptz, period text) (
	SFUNC = @extschema@.rfm_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_final, COMBINEFUNC = @extschema@.rfm_combine,
	SSPACE = 256, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm(ordered_at timestamp, amount float8, as_of timestamp) (
	SFUNC = @extschema@.rfm_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_final, COMBINEFUNC = @extschema@.rfm_combine,
	SSPACE = 256, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm(ordered_at timestamp, amount float8, as_of timestamp, period text) (
	SFUNC = @extschema@.rfm_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_final, COMBINEFUNC = @extschema@.rfm_combine,
	SSPACE = 256, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm(ordered_at date, amount float8, as_of date) (
	SFUNC = @extschema@.rfm_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_final, COMBINEFUNC = @extschema@.rfm_combine,
	SSPACE = 256, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rfm(ordered_at date, amount float8, as_of date, period text) (
	SFUNC = @extschema@.rfm_accum, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_final, COMBINEFUNC = @extschema@.rfm_combine,
	SSPACE = 256, PARALLEL = SAFE);

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
CREATE AGGREGATE @extschema@.rfm_merge(state @extschema@.rfm_state) (
	SFUNC = @extschema@.rfm_combine, STYPE = @extschema@.rfm_state,
	FINALFUNC = @extschema@.rfm_state_final, COMBINEFUNC = @extschema@.rfm_combine, PARALLEL = SAFE);

CREATE FUNCTION @extschema@.rfm_summary(state @extschema@.rfm_state, as_of timestamptz)
	RETURNS @extschema@.rfm_summary
	AS 'MODULE_PATHNAME', 'kam_rfm_summary_tz' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_summary(state @extschema@.rfm_state, as_of timestamp)
	RETURNS @extschema@.rfm_summary
	AS 'MODULE_PATHNAME', 'kam_rfm_summary_ts' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_summary(state @extschema@.rfm_state, as_of date)
	RETURNS @extschema@.rfm_summary
	AS 'MODULE_PATHNAME', 'kam_rfm_summary_date' LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- kam.customer_summary: one row per bound customer, as of the as_of setting,
-- in rfm_period periods.  Customers without orders have orders = 0.
INSERT INTO @extschema@.report_views (name, position, requires, definition, description) VALUES
('customer_summary', 100, ARRAY['orders', 'customers'], $view$
SELECT c.customer_id,
	   c.name,
	   c.account_manager,
	   (s.r).first_at AS first_order_at,
	   (s.r).last_at AS last_order_at,
	   COALESCE((s.r).orders, 0) AS orders,
	   COALESCE((s.r).revenue, 0) AS revenue,
	   s.margin,
	   COALESCE((s.r).frequency, 0) AS frequency,
	   COALESCE((s.r).recency, 0) AS recency,
	   (s.r).t,
	   COALESCE((s.r).monetary, 0) AS monetary,
	   (SELECT @extschema@.as_of()) - ((s.r).last_at)::date AS days_since_last_order
  FROM @extschema@.customers c
  LEFT JOIN (SELECT o.customer_id,
					@extschema@.rfm(o.ordered_at, o.amount,
									(SELECT @extschema@.as_of()::timestamptz),
									(SELECT @extschema@.setting('rfm_period'::pg_catalog.text))) AS r,
					sum(o.margin::numeric)::float8 AS margin
			   FROM @extschema@.orders o
			  WHERE o.ordered_at < (SELECT @extschema@.next_period_start(@extschema@.as_of(),
																		  @extschema@.setting('rfm_period'::pg_catalog.text))::timestamptz)
			  GROUP BY o.customer_id) s ON s.customer_id = c.customer_id
$view$, 'One row per customer: orders, revenue, margin and the lifetimes RFM summary (frequency, recency, T in rfm_period periods, monetary) as of kam.as_of().')
ON CONFLICT (name) DO UPDATE SET position = excluded.position, requires = excluded.requires,
	definition = excluded.definition, description = excluded.description;
