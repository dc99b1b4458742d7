-- ===========================================================================
-- 50 retention: activity signatures, customer and revenue movements, GRR/NRR,
-- cohorts and partial defection (definitions in the README, section
-- "retention").  src/activity.c makes the signatures; src/retention.c and
-- src/cohort.c compute every figure from them.
--
-- One pass: kam.activity() turns each customer's orders into a kam.activity
-- signature (the periods it ordered in, each with its exact revenue); the
-- aggregates below walk the signatures once and return every figure.
-- ===========================================================================

INSERT INTO @extschema@.setting_defaults (name, value, type, min_value, max_value, description) VALUES
	('shrink_periods', '3', 'integer', 1, 1000,
	 'Partial defection: length in periods of the two windows compared (the last ones and the ones before).'),
	('shrink_ratio', '0.5', 'float8', 0, 1,
	 'Partial defection: an active account is shrinking when its recent revenue fell below this share of the revenue before.')
ON CONFLICT (name) DO UPDATE SET value = excluded.value, type = excluded.type,
	min_value = excluded.min_value, max_value = excluded.max_value, description = excluded.description;

-- ---------------------------------------------------------------------------
-- The signature type
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.activity;

CREATE FUNCTION @extschema@.activity_in(cstring) RETURNS @extschema@.activity
	AS 'MODULE_PATHNAME', 'kam_activity_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.activity_out(@extschema@.activity) RETURNS cstring
	AS 'MODULE_PATHNAME', 'kam_activity_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.activity_recv(internal) RETURNS @extschema@.activity
	AS 'MODULE_PATHNAME', 'kam_activity_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.activity_send(@extschema@.activity) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kam_activity_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.activity (
	INPUT = @extschema@.activity_in,
	OUTPUT = @extschema@.activity_out,
	RECEIVE = @extschema@.activity_recv,
	SEND = @extschema@.activity_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.activity IS
	'One customer''s activity: reporting period, as-of date, and the periods with orders, each with its exact revenue';

-- ---------------------------------------------------------------------------
-- kam.activity(ordered_at, amount, period, as_of): the signature aggregate
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.activity_add(@extschema@.activity, timestamptz, float8, text, date)
RETURNS @extschema@.activity
	AS 'MODULE_PATHNAME', 'kam_activity_add_tstz' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.activity_add(@extschema@.activity, timestamp, float8, text, date)
RETURNS @extschema@.activity
	AS 'MODULE_PATHNAME', 'kam_activity_add_ts' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.activity_add(@extschema@.activity, date, float8, text, date)
RETURNS @extschema@.activity
	AS 'MODULE_PATHNAME', 'kam_activity_add_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.activity_combine(@extschema@.activity, @extschema@.activity)
RETURNS @extschema@.activity
	AS 'MODULE_PATHNAME', 'kam_activity_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.activity_final(@extschema@.activity)
RETURNS @extschema@.activity
	AS 'MODULE_PATHNAME', 'kam_activity_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE @extschema@.activity(ordered_at timestamptz, amount float8, period text, as_of date) (
	SFUNC = @extschema@.activity_add,
	STYPE = @extschema@.activity,
	FINALFUNC = @extschema@.activity_final,
	COMBINEFUNC = @extschema@.activity_combine,
	PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.activity(ordered_at timestamp, amount float8, period text, as_of date) (
	SFUNC = @extschema@.activity_add,
	STYPE = @extschema@.activity,
	FINALFUNC = @extschema@.activity_final,
	COMBINEFUNC = @extschema@.activity_combine,
	PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.activity(ordered_at date, amount float8, period text, as_of date) (
	SFUNC = @extschema@.activity_add,
	STYPE = @extschema@.activity,
	FINALFUNC = @extschema@.activity_final,
	COMBINEFUNC = @extschema@.activity_combine,
	PARALLEL = SAFE
);

-- Merges signatures computed separately (other nodes, other order tables).
CREATE AGGREGATE @extschema@.activity_merge(@extschema@.activity) (
	SFUNC = @extschema@.activity_combine,
	STYPE = @extschema@.activity,
	COMBINEFUNC = @extschema@.activity_combine,
	PARALLEL = SAFE
);

-- ---------------------------------------------------------------------------
-- One customer: kam.activity_summary(activity, churn_after, shrink_periods, shrink_ratio)
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.retention_customer AS (
	first_period date,
	tenure_periods integer,
	active_periods integer,
	last_active_period date,
	status text,
	shrinking boolean,
	revenue_change float8,
	recent_revenue float8
);

CREATE FUNCTION @extschema@.activity_summary(activity @extschema@.activity, churn_after integer,
											 shrink_periods integer, shrink_ratio float8)
RETURNS @extschema@.retention_customer
	AS 'MODULE_PATHNAME', 'kam_activity_summary' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- ---------------------------------------------------------------------------
-- Per period: kam.retention_periods(activity, churn_after) -> kam.retention_period[]
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.retention_period AS (
	period_start date,
	active bigint,
	new bigint,
	retained bigint,
	dormant bigint,
	churned bigint,
	reactivated bigint,
	at_risk bigint,
	churn_rate float8,
	retention_rate float8,
	revenue float8,
	start_revenue float8,
	new_revenue float8,
	expansion float8,
	contraction float8,
	churned_revenue float8,
	reactivation_revenue float8,
	end_revenue float8,
	grr float8,
	nrr float8
);

CREATE FUNCTION @extschema@.retention_add(internal, @extschema@.activity, integer) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_retention_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.retention_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_retention_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- one serialization for both period-table aggregates (retention_periods, trailing_retention)
CREATE FUNCTION @extschema@.period_table_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kam_period_table_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.period_table_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_period_table_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.retention_final(internal) RETURNS @extschema@.retention_period[]
	AS 'MODULE_PATHNAME', 'kam_retention_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.retention_periods(activity @extschema@.activity, churn_after integer) (
	SFUNC = @extschema@.retention_add,
	STYPE = internal,
	FINALFUNC = @extschema@.retention_final,
	COMBINEFUNC = @extschema@.retention_combine,
	SERIALFUNC = @extschema@.period_table_serialize,
	DESERIALFUNC = @extschema@.period_table_deserialize,
	PARALLEL = SAFE
);

-- ---------------------------------------------------------------------------
-- Cohorts: kam.cohort_matrix(activity) -> kam.cohort_cell[]
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.cohort_cell AS (
	cohort date,
	period_offset integer,
	cohort_size bigint,
	active bigint,
	active_or_after bigint,
	retention float8,
	retention_or_after float8,
	revenue_retention float8
);

CREATE FUNCTION @extschema@.cohort_add(internal, @extschema@.activity) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_cohort_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.cohort_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_cohort_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.cohort_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kam_cohort_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cohort_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_cohort_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cohort_final(internal) RETURNS @extschema@.cohort_cell[]
	AS 'MODULE_PATHNAME', 'kam_cohort_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.cohort_matrix(activity @extschema@.activity) (
	SFUNC = @extschema@.cohort_add,
	STYPE = internal,
	FINALFUNC = @extschema@.cohort_final,
	COMBINEFUNC = @extschema@.cohort_combine,
	SERIALFUNC = @extschema@.cohort_serialize,
	DESERIALFUNC = @extschema@.cohort_deserialize,
	PARALLEL = SAFE
);

-- ---------------------------------------------------------------------------
-- Trailing windows: kam.trailing_retention(activity, window_periods) -> kam.trailing_period[]
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.trailing_period AS (
	period_start date,
	customers bigint,
	start_revenue float8,
	end_revenue float8,
	grr float8,
	nrr float8
);

CREATE FUNCTION @extschema@.trailing_add(internal, @extschema@.activity, integer) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_trailing_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.trailing_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_trailing_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.trailing_final(internal) RETURNS @extschema@.trailing_period[]
	AS 'MODULE_PATHNAME', 'kam_trailing_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.trailing_retention(activity @extschema@.activity, window_periods integer) (
	SFUNC = @extschema@.trailing_add,
	STYPE = internal,
	FINALFUNC = @extschema@.trailing_final,
	COMBINEFUNC = @extschema@.trailing_combine,
	SERIALFUNC = @extschema@.period_table_serialize,
	DESERIALFUNC = @extschema@.period_table_deserialize,
	PARALLEL = SAFE
);

-- ---------------------------------------------------------------------------
-- Report views.  Settings are read once per query (scalar subqueries); orders
-- after the as-of date are left out.
-- ---------------------------------------------------------------------------
INSERT INTO @extschema@.report_views (name, position, requires, definition, description) VALUES
('customer_activity', 500, ARRAY['orders'], $v$
SELECT o.customer_id,
       @extschema@.activity(o.ordered_at, o.amount,
                            (SELECT @extschema@.setting('period'::pg_catalog.text)),
                            (SELECT @extschema@.as_of())) AS activity
  FROM @extschema@.orders o
 WHERE o.ordered_at < (SELECT (@extschema@.as_of() OPERATOR(pg_catalog.+) 1)::pg_catalog.timestamptz)
 GROUP BY o.customer_id
$v$, 'One kam.activity signature per customer (period and as_of from the settings)'),

('period_kpis', 510, ARRAY['orders', 'customers'], $v$
SELECT r.period_start, r.active, r.new, r.retained, r.churned, r.reactivated,
       r.churn_rate, r.retention_rate, r.revenue, r.grr, r.nrr,
       tm.upgraded, tm.downgraded
  FROM (SELECT @extschema@.retention_periods(a.activity,
                   (SELECT @extschema@.setting('churn_after'::pg_catalog.text)::integer)) AS x
          FROM @extschema@.customer_activity a) s
 CROSS JOIN LATERAL unnest(s.x) r
  LEFT JOIN @extschema@.tier_movements tm ON tm.period_start = r.period_start
$v$, 'Customers per period: active, new, retained, churned, reactivated, rates, revenue, GRR and NRR'),

('revenue_movements', 511, ARRAY['orders'], $v$
SELECT r.period_start, r.start_revenue, r.new_revenue AS new, r.expansion, r.contraction,
       r.churned_revenue AS churned, r.reactivation_revenue AS reactivation, r.end_revenue
  FROM (SELECT @extschema@.retention_periods(a.activity,
                   (SELECT @extschema@.setting('churn_after'::pg_catalog.text)::integer)) AS x
          FROM @extschema@.customer_activity a) s,
       unnest(s.x) r
$v$, 'Revenue per period: start + new + expansion + reactivation - contraction - churned = end'),

('cohort_retention', 520, ARRAY['orders'], $v$
SELECT r.cohort, r.period_offset, r.cohort_size, r.active, r.active_or_after,
       r.retention, r.retention_or_after, r.revenue_retention
  FROM (SELECT @extschema@.cohort_matrix(a.activity) AS x
          FROM @extschema@.customer_activity a) s,
       unnest(s.x) r
$v$, 'Cohort retention in long format: cohort (period of the first order), offset, counts, rates, revenue retention'),

('customer_retention', 530, ARRAY['orders'], $v$
SELECT x.customer_id, c.name, c.account_manager,
       s.tenure_periods, s.active_periods, s.last_active_period,
       s.status, s.shrinking, s.revenue_change
  FROM @extschema@.customer_activity x
 CROSS JOIN LATERAL @extschema@.activity_summary(x.activity,
                   (SELECT @extschema@.setting('churn_after'::pg_catalog.text)::integer),
                   (SELECT @extschema@.setting('shrink_periods'::pg_catalog.text)::integer),
                   (SELECT @extschema@.setting('shrink_ratio'::pg_catalog.text)::float8)) s
  LEFT JOIN @extschema@.customers c ON c.customer_id = x.customer_id
$v$, 'Per customer with orders: tenure, active periods, status (active | churned | reactivated), shrinking, revenue change'),

('revenue_retention_ttm', 540, ARRAY['orders'], $v$
SELECT r.period_start AS month, r.customers, r.start_revenue, r.end_revenue, r.grr, r.nrr
  FROM (SELECT @extschema@.trailing_retention(a.activity, 12::pg_catalog.int4) AS x
          FROM (SELECT @extschema@.activity(o.ordered_at, o.amount, 'month'::pg_catalog.text,
                                            (SELECT @extschema@.as_of())) AS activity
                  FROM @extschema@.orders o
                 WHERE o.ordered_at < (SELECT (@extschema@.as_of() OPERATOR(pg_catalog.+) 1)::pg_catalog.timestamptz)
                 GROUP BY o.customer_id) a) s,
       unnest(s.x) r
$v$, 'Trailing-twelve-month GRR and NRR: the 12 months ending with month against the 12 before')
ON CONFLICT (name) DO UPDATE SET position = excluded.position, requires = excluded.requires,
	definition = excluded.definition, description = excluded.description;
