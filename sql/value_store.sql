-- Model store (kam.models), kam.fit_models() and kam.customer_value:
-- settings, exact read-back, and every rejected input (with its SQLSTATE).
SET extra_float_digits = 0;
\set SHOW_CONTEXT never

-- settings and their ranges
SELECT name, value, default_value, type FROM kam.current_settings WHERE name LIKE 'clv%' ORDER BY name;
SELECT kam.set('clv_months', '0');
\echo :LAST_ERROR_SQLSTATE
SELECT kam.set('clv_months', '1201');
\echo :LAST_ERROR_SQLSTATE
SELECT kam.set('clv_discount', '-0.01');
\echo :LAST_ERROR_SQLSTATE
SELECT kam.set('clv_discount', 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT kam.set('clv_margin_ratio', '1.5');
\echo :LAST_ERROR_SQLSTATE
SELECT kam.set('clv_periods_per_month', '0');
\echo :LAST_ERROR_SQLSTATE
-- periods per month follow rfm_period (365.25 / 12 days a month) unless set
SELECT p, kam.period_days(p), 30.4375 / kam.period_days(p) AS per_month
  FROM unnest(ARRAY['day', 'week', 'month', 'quarter', 'year']) p;
SELECT kam.clv_periods_per_month();
SELECT kam.set('rfm_period', 'week');
SELECT kam.clv_periods_per_month() = 30.4375 / 7 AS weeks_per_month;
SELECT kam.set('clv_periods_per_month', '30');
SELECT kam.clv_periods_per_month();
SELECT kam.reset('clv_periods_per_month'), kam.reset('rfm_period');

-- a stored model reads back exactly (floats included)
SELECT name, model_type, period, as_of, rows, log_likelihood
  FROM kam.save_model('weekly', ROW(0.1 + 0.2, 1e-300, 1.0 / 3, 7e22, -9582.429, 2357, 12, true)::kam.bgnbd,
					  'week', '2025-12-31');
SELECT (kam.save_model('spend', ROW(6.25, 3.74, 15.44, -1.5, 946, 9, true)::kam.gammagamma, 'week')).name;
SELECT (kam.save_model('pnbd', ROW(0.553, 10.578, 0.606, 11.669, -9595.0, 2357, 20, true)::kam.paretonbd, 'week')).name;
SELECT (kam.save_model('regular', ROW(0.704, 1.182, -1611.2, 1000, 8, true)::kam.sbg)).name;
SELECT (kam.save_model('mbg', ROW(0.1 + 0.2, 5e-324, 2.0 / 3, 1e300, -9530.5, 2357, 30, true)::kam.mbgnbd, 'week')).name;
SELECT name, model_type, period FROM kam.save_model('donors', ROW(1.204, 0.75, 0.657, 1.0 / 7, -33225.6, 11104, 25, true)::kam.bgbb);
SELECT kam.stored_bgnbd('weekly') AS weekly_as_day_model;
\echo :LAST_ERROR_SQLSTATE
SELECT kam.set('rfm_period', 'week');
SELECT kam.stored_bgnbd('weekly') = ROW(0.1 + 0.2, 1e-300, 1.0 / 3, 7e22, -9582.429, 2357, 12, true)::kam.bgnbd
	   AS bgnbd_exact,
	   kam.stored_paretonbd('pnbd') = ROW(0.553, 10.578, 0.606, 11.669, -9595.0, 2357, 20, true)::kam.paretonbd
	   AS paretonbd_exact,
	   kam.stored_gammagamma('spend') = ROW(6.25, 3.74, 15.44, -1.5, 946, 9, true)::kam.gammagamma AS gammagamma_exact,
	   kam.stored_sbg('regular') = ROW(0.704, 1.182, -1611.2, 1000, 8, true)::kam.sbg AS sbg_exact,
	   kam.stored_mbgnbd('mbg') = ROW(0.1 + 0.2, 5e-324, 2.0 / 3, 1e300, -9530.5, 2357, 30, true)::kam.mbgnbd AS mbgnbd_exact,
	   kam.stored_bgbb('donors') = ROW(1.204, 0.75, 0.657, 1.0 / 7, -33225.6, 11104, 25, true)::kam.bgbb AS bgbb_exact;
-- their standard errors from a stored information matrix equal the direct call's
SELECT kam.save_model_information('donors', '{{4,1,0,0},{1,3,0,0},{0,0,2,0.5},{0,0,0.5,1}}'::float8[]);
SELECT (kam.save_model('mbg_se', ROW(0.5, 4, 0.8, 2.5, -9000, 2357, 20, true)::kam.mbgnbd, 'week')).name;
SELECT kam.save_model_information('mbg_se', '{{25,0,0,0},{0,0.25,0,0},{0,0,4,0},{0,0,0,1}}'::float8[]);
SELECT (SELECT array_agg(s ORDER BY s.parameter) FROM kam.model_summary('donors') s)
	   = (SELECT array_agg(s ORDER BY s.parameter)
			FROM kam.model_summary(kam.stored_bgbb('donors'), '{{4,1,0,0},{1,3,0,0},{0,0,2,0.5},{0,0,0.5,1}}'::float8[]) s)
	   AS bgbb_summary_stored,
	   (SELECT array_agg(s ORDER BY s.parameter) FROM kam.model_summary('mbg_se') s)
	   = (SELECT array_agg(s ORDER BY s.parameter)
			FROM kam.model_summary(kam.stored_mbgnbd('mbg_se'), '{{25,0,0,0},{0,0.25,0,0},{0,0,4,0},{0,0,0,1}}'::float8[]) s)
	   AS mbgnbd_summary_stored;
-- by hand: SE = sqrt of the inverse's diagonal; BG/BB: sqrt(3/11), sqrt(4/11)
-- for (alpha, beta) and sqrt(1/1.75), sqrt(2/1.75) for (gamma, delta);
-- MBG/NBD: 1/5, 1/0.5, 1/2, 1
SELECT parameter, round(std_error::numeric, 6) AS se FROM kam.model_summary('donors') ORDER BY parameter;
SELECT parameter, round(std_error::numeric, 6) AS se FROM kam.model_summary('mbg_se') ORDER BY parameter;
DELETE FROM kam.models WHERE name = 'mbg_se';
-- a BG/BB model is no MBG/NBD model
SELECT kam.stored_mbgnbd('donors');
\echo :LAST_ERROR_SQLSTATE
SELECT kam.reset('rfm_period');
-- replacing a model keeps one row
SELECT (kam.save_model('spend', ROW(6.5, 3.5, 15.0, -1.25, 950, 10, true)::kam.gammagamma)).rows;
SELECT name, model_type, period, rows FROM kam.models ORDER BY name;

-- rejected: no such model, wrong type, empty or NULL name, NULL or
-- unconverged model, unknown period
SELECT kam.stored_bgnbd();
\echo :LAST_ERROR_SQLSTATE
SELECT kam.stored_sbg('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT kam.stored_bgnbd('spend');
\echo :LAST_ERROR_SQLSTATE
SELECT kam.save_model('', ROW(6.25, 3.74, 15.44, -1.5, 946, 9, true)::kam.gammagamma);
\echo :LAST_ERROR_SQLSTATE
SELECT kam.save_model(NULL, ROW(6.25, 3.74, 15.44, -1.5, 946, 9, true)::kam.gammagamma);
\echo :LAST_ERROR_SQLSTATE
SELECT kam.save_model('x', NULL::kam.gammagamma);
\echo :LAST_ERROR_SQLSTATE
SELECT kam.save_model('x', ROW(6.25, 3.74, 15.44, -1.5, 946, 500, false)::kam.gammagamma);
\echo :LAST_ERROR_SQLSTATE
SELECT kam.save_model('x', ROW(0.2, 4, 0.8, 2.4, -1, 10, 3, true)::kam.bgnbd, 'fortnight');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS models FROM kam.models;
DELETE FROM kam.models;

-- fit_models needs the orders bound ...
SELECT * FROM kam.fit_models();
\echo :LAST_ERROR_SQLSTATE
-- ... and orders on or before as_of.  A small seeded history over 2024: 400
-- customers buying at exponentially distributed rates, dropping out after
-- each repeat purchase with a customer-specific probability (md5 as the
-- random source, so the data is the same everywhere), one customer without
-- orders and one whose repeat purchase was refunded.
CREATE FUNCTION vs_u(c int, tag text) RETURNS float8 LANGUAGE sql IMMUTABLE
	AS $$ SELECT (('x' || substr(md5(c || tag), 1, 8))::bit(32)::bigint + 0.5) / 4294967296.0 $$;
CREATE TABLE vs_orders (customer_id int, ordered_at timestamptz, amount numeric(10,2), margin numeric(10,2));
INSERT INTO vs_orders
WITH RECURSIVE cust AS (
	SELECT c, -ln(vs_u(c, 'rate')) * 0.04 AS lambda, 0.4 * vs_u(c, 'drop') AS p,
		   300 * vs_u(c, 'first') AS first_day, 20 + 200 * vs_u(c, 'size') AS size
	  FROM generate_series(1, 400) c
), o(c, k, day) AS (
	SELECT c, 0, first_day FROM cust
	UNION ALL
	SELECT o.c, o.k + 1, o.day - ln(vs_u(o.c, 'gap' || o.k)) / cust.lambda
	  FROM o JOIN cust USING (c)
	 WHERE (o.k = 0 OR vs_u(o.c, 'alive' || o.k) > cust.p)
	   AND o.day - ln(vs_u(o.c, 'gap' || o.k)) / cust.lambda < 366
)
SELECT o.c, timestamptz '2024-01-01 00:00+00' + o.day * interval '1 day',
	   round((cust.size * (0.5 + vs_u(o.c, 'amt' || o.k)))::numeric, 2),
	   round((cust.size * (0.5 + vs_u(o.c, 'amt' || o.k)) * (0.1 + 0.4 * vs_u(o.c, 'margin')))::numeric, 2)
  FROM o JOIN cust USING (c);
-- customer 402 returned its repeat purchase: mean repeat spend -50
INSERT INTO vs_orders VALUES (402, '2024-03-01 12:00+00', 50, 10), (402, '2024-04-01 12:00+00', -50, -10);
CREATE TABLE vs_customers AS
SELECT c AS customer_id, 'Customer ' || c AS name, 'Manager ' || c % 3 AS manager FROM generate_series(1, 402) c;
SELECT kam.bind_customers('vs_customers', 'customer_id', 'name', 'manager');
SELECT kam.bind_orders('vs_orders', 'customer_id', 'ordered_at', 'amount', 'margin');
SELECT kam.set('as_of', '2023-12-31');
SELECT * FROM kam.fit_models();
\echo :LAST_ERROR_SQLSTATE
SELECT kam.set('as_of', '2024-12-31');
SELECT name, model_type, period, as_of, rows, (parameters->>'converged')::boolean AS converged
  FROM kam.fit_models();
-- one row per customer; a one-time buyer is alive for sure; clv_12m is
-- kam.clv over 12 months at 1% times the customer's margin ratio
SELECT count(*) AS customers, count(p_alive) AS scored,
	   bool_and(v.p_alive IS NULL AND v.clv_12m IS NULL AND v.expected_spend IS NULL
				AND v.expected_purchases_90d IS NULL) FILTER (WHERE s.orders = 0) AS no_orders_null,
	   bool_and(p_alive = 1) FILTER (WHERE s.orders > 0 AND s.frequency = 0) AS one_timers_alive,
	   bool_and(p_alive > 0 AND p_alive <= 1) FILTER (WHERE s.orders > 0) AS p_alive_in_range,
	   bool_and(abs(v.clv_12m - kam.clv(kam.stored_bgnbd(), kam.stored_gammagamma(), s.frequency, s.recency, s.t,
										s.monetary, 12, 0.01, 30.4375) * (s.margin / s.revenue))
			   <= 1e-12 * abs(v.clv_12m)) FILTER (WHERE s.orders > 0) AS clv_margin,
	   bool_and(v.expected_purchases_90d = kam.expected_purchases(kam.stored_bgnbd(), 90, s.frequency, s.recency, s.t))
		   FILTER (WHERE s.orders > 0) AS purchases_90_days,
	   bool_and(v.historical_margin = s.margin AND v.historical_revenue = s.revenue)
		   FILTER (WHERE s.orders > 0) AS history
  FROM kam.customer_value v JOIN kam.customer_summary s USING (customer_id)
 WHERE customer_id <> 402;
-- P(no purchase in the next 90 days): the scoring function, NULL without
-- orders, at least the probability of having left
SELECT bool_and(v.p_no_purchase_90d = kam.probability_of_purchases(kam.stored_bgnbd(), 0, 90, s.frequency, s.recency, s.t))
		   FILTER (WHERE s.orders > 0) AS p_no_purchase_90d,
	   bool_and(v.p_no_purchase_90d IS NULL) FILTER (WHERE s.orders = 0) AS no_orders_null,
	   bool_and(v.p_no_purchase_90d >= 1 - v.p_alive - 1e-15 AND v.p_no_purchase_90d <= 1) FILTER (WHERE s.orders > 0) AS in_range
  FROM kam.customer_value v JOIN kam.customer_summary s USING (customer_id);
-- calibration / holdout split at the as-of date: the calibration part is
-- kam.customer_summary's (customers with orders), the holdout empty
SELECT count(*) = (SELECT count(*) FROM kam.customer_summary WHERE orders > 0) AS customers,
	   bool_and(c.frequency = s.frequency AND c.recency = s.recency AND c.t = s.t AND c.monetary = s.monetary)
		 AS summary_matches,
	   bool_and(c.holdout_frequency = 0 AND c.holdout_duration = 0) AS empty_holdout
  FROM kam.calibration_holdout(kam.as_of(), kam.as_of()) c
  JOIN kam.customer_summary s ON s.customer_id::text = c.customer_id;
-- not positive mean repeat spend: left out of the spend fit (349 rows above),
-- scored for purchases, no spend or CLV
SELECT s.frequency, s.monetary, v.p_alive > 0 AS p_alive, v.expected_purchases_90d > 0 AS purchases,
	   v.expected_spend, v.clv_12m
  FROM kam.customer_value v JOIN kam.customer_summary s USING (customer_id)
 WHERE customer_id = 402;
-- a fit that does not converge leaves the stored models as they were:
-- clockwork orders at fixed intervals show no dropout, and BG/NBD's a and b
-- run off to infinity
CREATE TABLE vs_clockwork AS
SELECT c AS customer_id, timestamptz '2024-01-01 10:00+00' + (first_day + k * gap) * interval '1 day' AS ordered_at,
	   20 + (c * 37 + k * 11) % 80 AS amount
  FROM generate_series(1, 400) c,
	   LATERAL (SELECT (c * 7919) % 200 AS first_day, 3 + (c * 104729) % 40 AS gap,
					   CASE WHEN c % 10 = 0 THEN 0 ELSE (c * 31) % 13 END AS n) p,
	   LATERAL generate_series(0, p.n) k
 WHERE first_day + k * gap < 360;
SELECT kam.bind_orders('vs_clockwork', 'customer_id', 'ordered_at', 'amount');
\set VERBOSITY terse
SELECT * FROM kam.fit_models();
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- the validation views refuse a calibration fit that does not converge
SELECT kam.set('validation_calibration_end', '2024-09-30');
\set VERBOSITY terse
SELECT * FROM kam.model_validation_errors;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT kam.reset('validation_calibration_end');
SELECT name, as_of, rows FROM kam.models ORDER BY name;
-- ... and so does a spend model without a finite mean: customers' spend
-- levels spread over five orders of magnitude give q < 1
CREATE TABLE vs_heavy AS
SELECT customer_id, ordered_at,
	   round((power(10, 5 * vs_u(customer_id, 'scale')) * (0.5 + vs_u(customer_id, ordered_at::text)))::numeric, 2) AS amount
  FROM vs_orders;
SELECT kam.bind_orders('vs_heavy', 'customer_id', 'ordered_at', 'amount');
\set VERBOSITY terse
SELECT * FROM kam.fit_models();
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT name, as_of, rows FROM kam.models ORDER BY name;
SELECT kam.bind_orders('vs_orders', 'customer_id', 'ordered_at', 'amount', 'margin');
-- validation views: settings; empty until validation_calibration_end is set
SELECT name, value, default_value, type FROM kam.current_settings WHERE name LIKE 'validation%' ORDER BY name;
SELECT kam.set('validation_max_frequency', '0');
\echo :LAST_ERROR_SQLSTATE
SELECT (SELECT count(*) FROM kam.model_validation_conditional) AS conditional,
	   (SELECT count(*) FROM kam.model_validation_histogram) AS histogram,
	   (SELECT count(*) FROM kam.model_validation_tracking) AS tracking,
	   (SELECT count(*) FROM kam.model_validation_errors) AS errors;
-- a holdout that ends before the calibration period is refused
SELECT kam.set('validation_calibration_end', '2024-09-30'), kam.set('validation_holdout_end', '2024-06-30');
SELECT * FROM kam.model_validation_conditional;
\echo :LAST_ERROR_SQLSTATE
-- calibration to 2024-09-30, holdout to the as-of date (2024-12-31): the
-- views agree with kam.calibration_holdout, kam.bgnbd_fit and
-- kam.conditional_expectations called by hand, and with each other
SELECT kam.reset('validation_holdout_end'), kam.set('validation_max_frequency', '3');
CREATE TABLE vs_fit AS SELECT kam.bgnbd_fit(frequency, recency, t) AS m FROM kam.calibration_holdout('2024-09-30', '2024-12-31');
SELECT count(*) = 4 AS four_groups,
	   bool_and(v.customers = e.customers AND v.actual = e.actual AND v.predicted = e.predicted) AS conditional_matches,
	   string_agg(v.frequency_label, ' ' ORDER BY v.frequency) AS labels
  FROM kam.model_validation_conditional v
  JOIN (SELECT e.* FROM vs_fit, kam.conditional_expectations(m, '2024-09-30', '2024-12-31', 3) e) e USING (frequency);
SELECT e.customers = (SELECT count(*) FROM kam.calibration_holdout('2024-09-30', '2024-12-31')) AS customers,
	   (e.r, e.alpha, e.a, e.b) = (SELECT (m).r, (m).alpha, (m).a, (m).b FROM vs_fit) AS same_fit,
	   e.holdout_periods = 92 AS holdout_periods,
	   e.actual_total = (SELECT sum(actual_total) FROM kam.model_validation_conditional) AS actual_total,
	   e.actual_total = (SELECT sum(actual) FROM kam.model_validation_tracking WHERE holdout) AS tracking_holdout,
	   abs(e.predicted_total - (SELECT sum(predicted_total) FROM kam.model_validation_conditional)) < 1e-9 * e.predicted_total
		 AS predicted_total,
	   abs(e.bias * e.customers - e.aggregate_error) < 1e-9 * abs(e.aggregate_error) AS bias_is_mean_error,
	   e.mae >= abs(e.bias) AND e.rmse >= e.mae AS mae_rmse_bias
  FROM kam.model_validation_errors e;
SELECT sum(actual) = (SELECT count(*) FROM kam.calibration_holdout('2024-09-30', '2024-12-31')) AS histogram_actual,
	   abs(sum(expected) - sum(actual)) < 1e-9 * sum(actual) AS histogram_expected_sums_to_customers,
	   bool_and(expected >= 0) AS expected_not_negative
  FROM kam.model_validation_histogram;
SELECT min(period) = (SELECT min(ordered_at)::date FROM vs_orders) AS starts_at_first_purchase,
	   max(period) = '2024-12-31' AS ends_at_holdout_end, count(*) = max(period_index) + 1 AS one_row_a_period,
	   (SELECT actual_cumulative FROM kam.model_validation_tracking WHERE period = '2024-09-30')
		 = (SELECT sum(frequency) FROM kam.calibration_holdout('2024-09-30', '2024-12-31')) AS calibration_repeats,
	   bool_and(expected >= 0) AS expected_not_negative
  FROM kam.model_validation_tracking;
-- in weeks and months: one row a period, the cohort's calibration repeats at
-- the calibration end's period, the holdout total as in the errors view
CREATE FUNCTION vs_tracking_checks() RETURNS TABLE (rfm_period text, periods boolean, calibration_repeats boolean,
													 holdout_total boolean, holdout_periods float8)
LANGUAGE sql AS $$
	SELECT kam.setting('rfm_period'),
		   (SELECT count(*) = max(period_index) + 1
				   AND min(period) = kam.period_start((SELECT min(ordered_at)::date FROM vs_orders), kam.setting('rfm_period'))
				   AND max(period) = kam.period_start('2024-12-31', kam.setting('rfm_period'))
				   AND bool_and(period = kam.period_start(period, kam.setting('rfm_period')))
			  FROM kam.model_validation_tracking),
		   (SELECT actual_cumulative FROM kam.model_validation_tracking
			 WHERE period = kam.period_start('2024-09-30', kam.setting('rfm_period')))
			 = (SELECT sum(frequency) FROM kam.calibration_holdout('2024-09-30', '2024-12-31')),
		   (SELECT sum(actual) FROM kam.model_validation_tracking WHERE holdout)
			 = (SELECT actual_total FROM kam.model_validation_errors),
		   (SELECT holdout_periods FROM kam.model_validation_errors)
$$;
SELECT kam.set('rfm_period', 'week');
SELECT * FROM vs_tracking_checks();
SELECT kam.set('rfm_period', 'month');
SELECT * FROM vs_tracking_checks();
DROP FUNCTION vs_tracking_checks();
SELECT kam.reset('rfm_period');
DROP TABLE vs_fit;
SELECT kam.reset('validation_calibration_end'), kam.reset('validation_max_frequency');
-- a model fitted on days is not scored on weeks
SELECT kam.set('rfm_period', 'week');
SELECT sum(clv_12m) FROM kam.customer_value;
\echo :LAST_ERROR_SQLSTATE
SELECT kam.reset('rfm_period');
SELECT kam.unbind('orders'), kam.unbind('customers');
DROP TABLE vs_orders, vs_customers, vs_clockwork, vs_heavy;
DROP FUNCTION vs_u(int, text);
SELECT kam.reset('as_of');
DELETE FROM kam.models;
-- a model name is 1 to 200 characters
SELECT kam.save_model(repeat('x', 201), NULL::kam.bgnbd, 'day');
