-- ===========================================================================
-- 50 retention: activity signatures, customer and revenue movements, GRR/NRR,
-- cohorts and partial defection (definitions in doc/retention.md).  src/activity.c makes the signatures; src/retention.c and
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
COMMENT ON FUNCTION @extschema@.activity_in(cstring) IS 'Text input function of type kam.activity; not for direct use';
COMMENT ON FUNCTION @extschema@.activity_out(@extschema@.activity) IS 'Text output function of type kam.activity; not for direct use';
COMMENT ON FUNCTION @extschema@.activity_recv(internal) IS 'Binary input function of type kam.activity; not for direct use';
COMMENT ON FUNCTION @extschema@.activity_send(@extschema@.activity) IS 'Binary output function of type kam.activity; not for direct use';

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
COMMENT ON FUNCTION @extschema@.activity_add(@extschema@.activity, timestamptz, float8, text, date) IS 'Transition function of kam.activity; not for direct use';
COMMENT ON FUNCTION @extschema@.activity_add(@extschema@.activity, timestamp, float8, text, date) IS 'Transition function of kam.activity; not for direct use';
COMMENT ON FUNCTION @extschema@.activity_add(@extschema@.activity, date, float8, text, date) IS 'Transition function of kam.activity; not for direct use';
COMMENT ON FUNCTION @extschema@.activity_combine(@extschema@.activity, @extschema@.activity) IS 'Combine function of kam.activity and kam.activity_merge (merges two signatures); not for direct use';
COMMENT ON FUNCTION @extschema@.activity_final(@extschema@.activity) IS 'Final function of kam.activity; not for direct use';

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
COMMENT ON AGGREGATE @extschema@.activity(timestamptz, float8, text, date) IS
	'A customer''s activity signature: the periods (day, week, month, quarter, year; session time zone) with orders up to as_of, with their revenue';
COMMENT ON AGGREGATE @extschema@.activity(timestamp, float8, text, date) IS
	'A customer''s activity signature: the periods (day, week, month, quarter, year) with orders up to as_of, with their revenue';
COMMENT ON AGGREGATE @extschema@.activity(date, float8, text, date) IS
	'A customer''s activity signature: the periods (day, week, month, quarter, year) with orders up to as_of, with their revenue';

-- Merges signatures computed separately (other nodes, other order tables).
CREATE AGGREGATE @extschema@.activity_merge(@extschema@.activity) (
	SFUNC = @extschema@.activity_combine,
	STYPE = @extschema@.activity,
	COMBINEFUNC = @extschema@.activity_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.activity_merge(@extschema@.activity) IS
	'Merges activity signatures of one customer computed separately (other nodes, other order tables)';

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
COMMENT ON TYPE @extschema@.retention_customer IS
	'One customer''s retention status, returned by kam.activity_summary';
COMMENT ON COLUMN @extschema@.retention_customer.first_period IS 'First day of the period of the first order';
COMMENT ON COLUMN @extschema@.retention_customer.tenure_periods IS 'Periods from the first period to the as-of period, both included';
COMMENT ON COLUMN @extschema@.retention_customer.active_periods IS 'Periods with orders';
COMMENT ON COLUMN @extschema@.retention_customer.last_active_period IS 'First day of the last period with an order';
COMMENT ON COLUMN @extschema@.retention_customer.status IS 'active, churned (no order in the last churn_after periods) or reactivated';
COMMENT ON COLUMN @extschema@.retention_customer.shrinking IS 'True when recent revenue fell below shrink_ratio of the revenue of the window before (partial defection)';
COMMENT ON COLUMN @extschema@.retention_customer.revenue_change IS 'Revenue of the last shrink_periods periods minus that of the shrink_periods before, in currency';
COMMENT ON COLUMN @extschema@.retention_customer.recent_revenue IS 'Revenue of the last shrink_periods periods, in currency';

CREATE FUNCTION @extschema@.activity_summary(activity @extschema@.activity, churn_after integer,
											 shrink_periods integer, shrink_ratio float8)
RETURNS @extschema@.retention_customer
	AS 'MODULE_PATHNAME', 'kam_activity_summary' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.activity_summary(@extschema@.activity, integer, integer, float8) IS
	'Retention status of one customer from its signature: tenure, active periods, status, shrinking flag and revenue change';

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
COMMENT ON TYPE @extschema@.retention_period IS
	'Customer and revenue movements of one reporting period, returned (as an array) by kam.retention_periods';
COMMENT ON COLUMN @extschema@.retention_period.period_start IS 'First day of the period';
COMMENT ON COLUMN @extschema@.retention_period.active IS 'Customers with an order in the period';
COMMENT ON COLUMN @extschema@.retention_period.new IS 'Customers whose first order is in the period';
COMMENT ON COLUMN @extschema@.retention_period.retained IS 'Customers active in the period and live in the one before';
COMMENT ON COLUMN @extschema@.retention_period.dormant IS 'Customers live before, inactive now but not yet churned (fewer than churn_after quiet periods)';
COMMENT ON COLUMN @extschema@.retention_period.churned IS 'Customers live in the period before and not live now (their churn_after-th quiet period)';
COMMENT ON COLUMN @extschema@.retention_period.reactivated IS 'Customers active in the period that had been lost before';
COMMENT ON COLUMN @extschema@.retention_period.at_risk IS 'Customers live in the period before (retained + dormant + churned)';
COMMENT ON COLUMN @extschema@.retention_period.churn_rate IS 'churned / at_risk, share 0-1 (NULL when at_risk = 0)';
COMMENT ON COLUMN @extschema@.retention_period.retention_rate IS 'retained / at_risk, share 0-1 (NULL when at_risk = 0)';
COMMENT ON COLUMN @extschema@.retention_period.revenue IS 'Revenue of the period in currency';
COMMENT ON COLUMN @extschema@.retention_period.start_revenue IS 'Revenue of the period before, in currency';
COMMENT ON COLUMN @extschema@.retention_period.new_revenue IS 'Revenue of new customers in currency';
COMMENT ON COLUMN @extschema@.retention_period.expansion IS 'Revenue growth of retained customers in currency';
COMMENT ON COLUMN @extschema@.retention_period.contraction IS 'Revenue decline of retained and dormant customers in currency';
COMMENT ON COLUMN @extschema@.retention_period.churned_revenue IS 'Revenue of the period before of churned customers, in currency';
COMMENT ON COLUMN @extschema@.retention_period.reactivation_revenue IS 'Revenue of reactivated customers in currency';
COMMENT ON COLUMN @extschema@.retention_period.end_revenue IS 'start + new + expansion + reactivation - contraction - churned, in currency';
COMMENT ON COLUMN @extschema@.retention_period.grr IS 'Gross revenue retention, ratio 0-1, of the customers active in the period before (NULL when their revenue was 0)';
COMMENT ON COLUMN @extschema@.retention_period.nrr IS 'Net revenue retention, ratio (1 = kept all), of the customers active in the period before';

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
COMMENT ON FUNCTION @extschema@.retention_add(internal, @extschema@.activity, integer) IS 'Transition function of kam.retention_periods; not for direct use';
COMMENT ON FUNCTION @extschema@.retention_combine(internal, internal) IS 'Combine function of kam.retention_periods; not for direct use';
COMMENT ON FUNCTION @extschema@.period_table_serialize(internal) IS 'Serialize function of kam.retention_periods and kam.trailing_retention; not for direct use';
COMMENT ON FUNCTION @extschema@.period_table_deserialize(bytea, internal) IS 'Deserialize function of kam.retention_periods and kam.trailing_retention; not for direct use';
COMMENT ON FUNCTION @extschema@.retention_final(internal) IS 'Final function of kam.retention_periods; not for direct use';

CREATE AGGREGATE @extschema@.retention_periods(activity @extschema@.activity, churn_after integer) (
	SFUNC = @extschema@.retention_add,
	STYPE = internal,
	FINALFUNC = @extschema@.retention_final,
	COMBINEFUNC = @extschema@.retention_combine,
	SERIALFUNC = @extschema@.period_table_serialize,
	DESERIALFUNC = @extschema@.period_table_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.retention_periods(@extschema@.activity, integer) IS
	'Per reporting period, customer and revenue movements of all signatures, a customer lost after churn_after quiet periods';

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
COMMENT ON TYPE @extschema@.cohort_cell IS
	'One cohort and period offset of the cohort matrix, returned (as an array) by kam.cohort_matrix';
COMMENT ON COLUMN @extschema@.cohort_cell.cohort IS 'First day of the period of the cohort''s first orders';
COMMENT ON COLUMN @extschema@.cohort_cell.period_offset IS 'Periods since the cohort period (0 = the cohort period)';
COMMENT ON COLUMN @extschema@.cohort_cell.cohort_size IS 'Customers in the cohort';
COMMENT ON COLUMN @extschema@.cohort_cell.active IS 'Customers of the cohort active at this offset';
COMMENT ON COLUMN @extschema@.cohort_cell.active_or_after IS 'Customers of the cohort active at this offset or later';
COMMENT ON COLUMN @extschema@.cohort_cell.retention IS 'active / cohort_size, share 0-1';
COMMENT ON COLUMN @extschema@.cohort_cell.retention_or_after IS 'active_or_after / cohort_size, share 0-1';
COMMENT ON COLUMN @extschema@.cohort_cell.revenue_retention IS 'Cohort revenue at this offset / its revenue at offset 0, ratio (NULL when that was 0)';

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
COMMENT ON FUNCTION @extschema@.cohort_add(internal, @extschema@.activity) IS 'Transition function of kam.cohort_matrix; not for direct use';
COMMENT ON FUNCTION @extschema@.cohort_combine(internal, internal) IS 'Combine function of kam.cohort_matrix; not for direct use';
COMMENT ON FUNCTION @extschema@.cohort_serialize(internal) IS 'Serialize function of kam.cohort_matrix; not for direct use';
COMMENT ON FUNCTION @extschema@.cohort_deserialize(bytea, internal) IS 'Deserialize function of kam.cohort_matrix; not for direct use';
COMMENT ON FUNCTION @extschema@.cohort_final(internal) IS 'Final function of kam.cohort_matrix; not for direct use';

CREATE AGGREGATE @extschema@.cohort_matrix(activity @extschema@.activity) (
	SFUNC = @extschema@.cohort_add,
	STYPE = internal,
	FINALFUNC = @extschema@.cohort_final,
	COMBINEFUNC = @extschema@.cohort_combine,
	SERIALFUNC = @extschema@.cohort_serialize,
	DESERIALFUNC = @extschema@.cohort_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cohort_matrix(@extschema@.activity) IS
	'Cohort retention matrix of the signatures: one cell per cohort (period of the first order) and period offset';

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
COMMENT ON TYPE @extschema@.trailing_period IS
	'Trailing-window revenue retention of one period, returned (as an array) by kam.trailing_retention';
COMMENT ON COLUMN @extschema@.trailing_period.period_start IS 'First day of the last period of the current window';
COMMENT ON COLUMN @extschema@.trailing_period.customers IS 'Customers with positive revenue in the earlier window';
COMMENT ON COLUMN @extschema@.trailing_period.start_revenue IS 'Their revenue in the earlier window, in currency';
COMMENT ON COLUMN @extschema@.trailing_period.end_revenue IS 'Their revenue in the current window, in currency';
COMMENT ON COLUMN @extschema@.trailing_period.grr IS 'Gross revenue retention: sum of min(end, start) / start, ratio 0-1';
COMMENT ON COLUMN @extschema@.trailing_period.nrr IS 'Net revenue retention: end / start revenue, ratio (1 = kept all)';

CREATE FUNCTION @extschema@.trailing_add(internal, @extschema@.activity, integer) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_trailing_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.trailing_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'kam_trailing_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.trailing_final(internal) RETURNS @extschema@.trailing_period[]
	AS 'MODULE_PATHNAME', 'kam_trailing_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trailing_add(internal, @extschema@.activity, integer) IS 'Transition function of kam.trailing_retention; not for direct use';
COMMENT ON FUNCTION @extschema@.trailing_combine(internal, internal) IS 'Combine function of kam.trailing_retention; not for direct use';
COMMENT ON FUNCTION @extschema@.trailing_final(internal) IS 'Final function of kam.trailing_retention; not for direct use';

CREATE AGGREGATE @extschema@.trailing_retention(activity @extschema@.activity, window_periods integer) (
	SFUNC = @extschema@.trailing_add,
	STYPE = internal,
	FINALFUNC = @extschema@.trailing_final,
	COMBINEFUNC = @extschema@.trailing_combine,
	SERIALFUNC = @extschema@.period_table_serialize,
	DESERIALFUNC = @extschema@.period_table_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trailing_retention(@extschema@.activity, integer) IS
	'Per period, GRR and NRR of the window of window_periods periods ending with it against the window before';

-- ---------------------------------------------------------------------------
-- Report views.  Settings are read once per query (scalar subqueries); orders
-- after the as-of date are left out; periods are those of the local times in
-- the time_zone setting's zone.
-- ---------------------------------------------------------------------------
INSERT INTO @extschema@.report_views (name, position, requires, definition, description) VALUES
('customer_activity', 500, ARRAY['orders'], $v$
SELECT o.customer_id,
       @extschema@.activity(o.ordered_at AT TIME ZONE (SELECT @extschema@.time_zone()), o.amount,
                            (SELECT @extschema@.setting('period'::pg_catalog.text)),
                            (SELECT @extschema@.as_of())) AS activity
  FROM @extschema@.orders o
 WHERE o.ordered_at < (SELECT (@extschema@.as_of() OPERATOR(pg_catalog.+) 1)::pg_catalog.timestamp
                              AT TIME ZONE @extschema@.time_zone())
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
          FROM (SELECT @extschema@.activity(o.ordered_at AT TIME ZONE (SELECT @extschema@.time_zone()), o.amount,
                                            'month'::pg_catalog.text, (SELECT @extschema@.as_of())) AS activity
                  FROM @extschema@.orders o
                 WHERE o.ordered_at < (SELECT (@extschema@.as_of() OPERATOR(pg_catalog.+) 1)::pg_catalog.timestamp
                                              AT TIME ZONE @extschema@.time_zone())
                 GROUP BY o.customer_id) a) s,
       unnest(s.x) r
$v$, 'Trailing-twelve-month GRR and NRR: the 12 months ending with month against the 12 before')
ON CONFLICT (name) DO UPDATE SET position = excluded.position, requires = excluded.requires,
	definition = excluded.definition, description = excluded.description;

INSERT INTO @extschema@.report_view_columns (view_name, column_name, description) VALUES
	('customer_activity', 'customer_id', 'Customer (your type)'),
	('customer_activity', 'activity', 'kam.activity signature: the periods (setting period) with orders up to as_of, with their revenue'),
	('period_kpis', 'period_start', 'First day of the reporting period (setting period)'),
	('period_kpis', 'active', 'Customers with an order in the period'),
	('period_kpis', 'new', 'Customers whose first order is in the period'),
	('period_kpis', 'retained', 'Customers active in the period and live in the one before'),
	('period_kpis', 'churned', 'Customers lost in the period (their churn_after-th quiet period)'),
	('period_kpis', 'reactivated', 'Customers active again in the period after having been lost'),
	('period_kpis', 'churn_rate', 'Churned / customers live in the period before, share 0-1'),
	('period_kpis', 'retention_rate', 'Retained / customers live in the period before, share 0-1'),
	('period_kpis', 'revenue', 'Revenue of the period in currency'),
	('period_kpis', 'grr', 'Gross revenue retention of the customers active in the period before, ratio 0-1'),
	('period_kpis', 'nrr', 'Net revenue retention of the customers active in the period before, ratio (1 = kept all)'),
	('period_kpis', 'upgraded', 'Customers whose policy tier went up in the period (kam.tier_movements)'),
	('period_kpis', 'downgraded', 'Customers whose policy tier went down in the period (kam.tier_movements)'),
	('revenue_movements', 'period_start', 'First day of the reporting period (setting period)'),
	('revenue_movements', 'start_revenue', 'Revenue of the period before, in currency'),
	('revenue_movements', 'new', 'Revenue of new customers in currency'),
	('revenue_movements', 'expansion', 'Revenue growth of retained customers in currency'),
	('revenue_movements', 'contraction', 'Revenue decline of retained and dormant customers in currency'),
	('revenue_movements', 'churned', 'Revenue lost with churned customers (their revenue of the period before), in currency'),
	('revenue_movements', 'reactivation', 'Revenue of reactivated customers in currency'),
	('revenue_movements', 'end_revenue', 'Revenue of the period in currency: start + new + expansion + reactivation - contraction - churned'),
	('cohort_retention', 'cohort', 'First day of the period of the cohort''s first orders'),
	('cohort_retention', 'period_offset', 'Periods since the cohort period (0 = the cohort period)'),
	('cohort_retention', 'cohort_size', 'Customers in the cohort'),
	('cohort_retention', 'active', 'Customers of the cohort active at this offset'),
	('cohort_retention', 'active_or_after', 'Customers of the cohort active at this offset or later'),
	('cohort_retention', 'retention', 'active / cohort_size, share 0-1'),
	('cohort_retention', 'retention_or_after', 'active_or_after / cohort_size, share 0-1'),
	('cohort_retention', 'revenue_retention', 'Cohort revenue at this offset / its revenue at offset 0, ratio'),
	('customer_retention', 'customer_id', 'Customer (your type)'),
	('customer_retention', 'name', 'Customer name (NULL when not bound)'),
	('customer_retention', 'account_manager', 'Account manager (NULL when not bound)'),
	('customer_retention', 'tenure_periods', 'Periods from the first order''s period to the as-of period, both included'),
	('customer_retention', 'active_periods', 'Periods with orders'),
	('customer_retention', 'last_active_period', 'First day of the last period with an order'),
	('customer_retention', 'status', 'active, churned (no order in the last churn_after periods) or reactivated'),
	('customer_retention', 'shrinking', 'True when revenue of the last shrink_periods periods fell below shrink_ratio of the shrink_periods before'),
	('customer_retention', 'revenue_change', 'Revenue of the last shrink_periods periods minus that of the shrink_periods before, in currency'),
	('revenue_retention_ttm', 'month', 'First day of the last month of the trailing 12 months'),
	('revenue_retention_ttm', 'customers', 'Customers with positive revenue in the 12 months before'),
	('revenue_retention_ttm', 'start_revenue', 'Their revenue in the 12 months before, in currency'),
	('revenue_retention_ttm', 'end_revenue', 'Their revenue in the trailing 12 months, in currency'),
	('revenue_retention_ttm', 'grr', 'Trailing-12-month gross revenue retention, ratio 0-1'),
	('revenue_retention_ttm', 'nrr', 'Trailing-12-month net revenue retention, ratio (1 = kept all)')
ON CONFLICT (view_name, column_name) DO UPDATE SET description = excluded.description;
