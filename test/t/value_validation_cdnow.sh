#!/usr/bin/env bash
# The kam.model_validation_* views on the CDNOW sample (2,357 customers;
# calibration to 1997-09-30, weeks 1-39; holdout to 1998-06-30, weeks 40-78),
# rfm_period day, against:
#   1. the published figures: the BG/NBD fit on the calibration period
#      (Fader, Hardie & Lee 2005: r 0.243, alpha 4.414 weeks, a 0.793,
#      b 2.426) and the calibration data (../shared/data/README.md: 1,411
#      customers without a repeat purchase, 2,457 repeat purchase days);
#   2. an independent plain-SQL computation from the raw transactions: the
#      per-customer summary and holdout counted by hand, and every expected
#      value from the closed forms of FHL 2005 (eq. 8 for P(X(t) = x), eq. 9
#      for E[X(t)], eq. 10 for E[X(T, T+t)], 2F1 summed term by term): the
#      conditional expectations, the histogram, the daily tracking series and
#      the error figures, to 1e-9 relative;
#   3. row-level security: a role that sees the even customers only gets what
#      the views give over a table holding only those customers;
#   4. serial = parallel (forced parallel plans), row for row, as text.
# The figures are printed for the record (README's table).  Skipped where the
# data is absent.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
kam_shared_data CDNOW_sample.txt
db=kam_validation_cdnow_$$
role=kam_validation_even_$$
tmp=$(mktemp -d "${KAM_TMP:-/tmp}/validation_cdnow.XXXXXX")
trap 'rm -rf "$tmp"; kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true' EXIT
# whitespace-separated with CRLF line ends: sample id, YYYYMMDD date, dollar value
awk '{ sub(/\r$/, ""); print $2 "," $3 "," $5 }' "$data/CDNOW_sample.txt" >"$tmp/sample.csv"
kam_psql -d postgres -c "CREATE DATABASE $db" -c "CREATE ROLE $role" >/dev/null
kam_psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE sample (id int, day date, value float8)" \
	-c "\\copy sample FROM '$tmp/sample.csv' WITH (FORMAT csv)"
if [ "$PG_MAJOR" -ge 16 ]; then force=debug_parallel_query; else force=force_parallel_mode; fi
kam_psql -d "$db" -v role="$role" -v force="$force" <<'SQL'
\pset footer off
SET client_min_messages = warning;
CREATE FUNCTION check_that(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ok IS NOT TRUE THEN RAISE EXCEPTION 'FAILED: %', what; END IF;
	RAISE NOTICE 'ok: %', what;
END $$;
CREATE FUNCTION close(x float8, y float8, tol float8 DEFAULT 1e-9) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT abs(x - y) <= tol * greatest(abs(x), abs(y), 1e-300) $$;
SET TimeZone = 'UTC';
CREATE TABLE orders AS SELECT id AS customer_id, day::timestamptz AS ordered_at, value AS amount FROM sample;
SELECT kam.bind_orders('orders', 'customer_id', 'ordered_at', 'amount');
SELECT kam.set('rfm_period', 'day');
SET client_min_messages = notice;

SELECT check_that((SELECT count(*) FROM kam.model_validation_conditional) = 0
		AND (SELECT count(*) FROM kam.model_validation_histogram) = 0
		AND (SELECT count(*) FROM kam.model_validation_tracking) = 0
		AND (SELECT count(*) FROM kam.model_validation_errors) = 0,
	'without validation_calibration_end the validation views are empty');
SELECT kam.set('validation_calibration_end', '1997-09-30');
SELECT kam.set('validation_holdout_end', '1998-06-30');
CREATE TABLE v_cond AS SELECT * FROM kam.model_validation_conditional;
CREATE TABLE v_hist AS SELECT * FROM kam.model_validation_histogram;
CREATE TABLE v_track AS SELECT * FROM kam.model_validation_tracking;
CREATE TABLE v_err AS SELECT * FROM kam.model_validation_errors;

-- 1. published figures
SELECT round(r::numeric, 4) AS r, round((alpha / 7)::numeric, 4) AS alpha_weeks, round(a::numeric, 4) AS a,
	   round(b::numeric, 4) AS b, customers, holdout_periods FROM v_err;
SELECT check_that(abs(r - 0.243) < 0.0005 AND abs(alpha / 7 - 4.414) < 0.0005
		AND abs(a - 0.793) < 0.0005 AND abs(b - 2.426) < 0.0005 AND customers = 2357 AND holdout_periods = 273,
	'the model fitted inside the views is the published calibration fit (FHL 2005), on 2,357 customers, holdout 273 days')
  FROM v_err;
SELECT check_that((SELECT customers FROM v_cond WHERE frequency = 0) = 1411
		AND (SELECT actual FROM v_hist WHERE frequency = 0) = 1411
		AND (SELECT sum(customers) FROM v_cond) = 2357 AND (SELECT sum(actual) FROM v_hist) = 2357
		AND (SELECT actual_cumulative FROM v_track WHERE period = '1997-09-30') = 2457,
	'1,411 customers without repeat purchase, 2,457 repeat purchase days in the calibration period (published summary)');

-- 2. the oracle: per-customer summary and holdout from the raw rows
CREATE TABLE days AS SELECT DISTINCT id, day FROM sample;
CREATE TABLE cust AS
SELECT id, count(*) FILTER (WHERE day <= '1997-09-30') - 1 AS x,
	   (max(day) FILTER (WHERE day <= '1997-09-30') - min(day))::float8 AS t_x,
	   ('1997-09-30'::date - min(day))::float8 AS big_t,
	   count(*) FILTER (WHERE day > '1997-09-30' AND day <= '1998-06-30') AS x_star,
	   min(day) AS first_day
  FROM days GROUP BY id HAVING min(day) <= '1997-09-30';
CREATE TABLE m AS SELECT r, alpha, a, b FROM v_err;
-- 2F1(p, q; c; z) summed term by term (ratios of consecutive terms; 0 < z < 1)
CREATE FUNCTION h2f1(p float8, q float8, c float8, z float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT 1 + sum(CASE WHEN l > -700 THEN exp(l) ELSE 0 END) FROM (
		SELECT sum(ln(p + k - 1) + ln(q + k - 1) - ln(c + k - 1) - ln(k) + ln(z)) OVER (ORDER BY k) AS l
		  FROM generate_series(1, 4000) k) s
$$;
-- prod_{i=0}^{n-1} (s + i), 1 when n <= 0
CREATE FUNCTION rising(s float8, n int) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(exp(sum(ln(s + i))), 1) FROM generate_series(0, n - 1) i
$$;
-- FHL 2005 eq. 10: E[X(T, T + t) | x, t_x, T]
CREATE FUNCTION cond_e(r float8, al float8, a float8, b float8, x int, t_x float8, big_t float8, t float8)
RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT (a + b + x - 1) / (a - 1)
		   * (1 - ((al + big_t) / (al + big_t + t)) ^ (r + x) * h2f1(r + x, b + x, a + b + x - 1, t / (al + big_t + t)))
		   / (1 + CASE WHEN x > 0 THEN a / (b + x - 1) * ((al + big_t) / (al + t_x)) ^ (r + x) ELSE 0 END)
$$;
-- FHL 2005 eq. 9: E[X(t)]
CREATE FUNCTION new_e(r float8, al float8, a float8, b float8, t float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN t = 0 THEN 0 ELSE
		   (a + b - 1) / (a - 1) * (1 - (al / (al + t)) ^ r * h2f1(r, b, a + b - 1, t / (al + t))) END
$$;
-- FHL 2005 eq. 8: P(X(t) = x)
CREATE FUNCTION p_x(r float8, al float8, a float8, b float8, x int, t float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT rising(b, x) / rising(a + b, x) * rising(r, x) / rising(1, x) * (al / (al + t)) ^ r * (t / (al + t)) ^ x
		   + CASE WHEN x > 0 THEN a * rising(b, x - 1) / rising(a + b, x)
				  * (1 - (al / (al + t)) ^ r * (SELECT sum(rising(r, j) / rising(1, j) * (t / (al + t)) ^ j)
												   FROM generate_series(0, x - 1) j)) ELSE 0 END
$$;
CREATE TABLE pred AS SELECT c.*, cond_e(m.r, m.alpha, m.a, m.b, c.x::int, c.t_x, c.big_t, 273) AS e FROM cust c, m;

-- conditional expectations
CREATE TABLE o_cond AS
SELECT least(x, 7) AS frequency, count(*) AS customers, avg(x_star::float8) AS actual, avg(e) AS predicted,
	   sum(x_star) AS actual_total, sum(e) AS predicted_total
  FROM pred GROUP BY 1;
SELECT v.frequency_label AS frequency, v.customers, round(v.actual::numeric, 3) AS actual,
	   round(v.predicted::numeric, 3) AS predicted, round(o.predicted::numeric, 3) AS oracle
  FROM v_cond v JOIN o_cond o USING (frequency) ORDER BY v.frequency;
SELECT check_that(count(*) = 8 AND bool_and(v.customers = o.customers AND v.actual_total = o.actual_total
		AND close(v.actual, o.actual) AND close(v.predicted, o.predicted) AND close(v.predicted_total, o.predicted_total)
		AND v.frequency_label = v.frequency || CASE WHEN v.frequency = 7 THEN '+' ELSE '' END),
	'model_validation_conditional equals the plain-SQL count and FHL eq. 10 (1e-9)')
  FROM v_cond v JOIN o_cond o USING (frequency);

-- histogram
CREATE TABLE o_hist AS
SELECT f AS frequency, (SELECT count(*) FROM cust WHERE least(x, 7) = f) AS actual,
	   CASE WHEN f < 7 THEN (SELECT sum(p_x(m.r, m.alpha, m.a, m.b, f, c.big_t)) FROM cust c, m)
			ELSE (SELECT sum(1 - (SELECT sum(p_x(m.r, m.alpha, m.a, m.b, j, c.big_t)) FROM generate_series(0, 6) j))
					FROM cust c, m) END AS expected
  FROM generate_series(0, 7) f;
SELECT v.frequency_label AS frequency, v.actual, round(v.expected::numeric, 1) AS expected,
	   round(o.expected::numeric, 1) AS oracle
  FROM v_hist v JOIN o_hist o USING (frequency) ORDER BY v.frequency;
SELECT check_that(count(*) = 8 AND bool_and(v.actual = o.actual AND close(v.expected, o.expected))
		AND abs(sum(v.expected) - 2357) < 1e-9,
	'model_validation_histogram equals the plain-SQL count and the sum of FHL eq. 8 over the customers (1e-9)')
  FROM v_hist v JOIN o_hist o USING (frequency);

-- tracking, every day from 1997-01-01 to 1998-06-30
CREATE TABLE curve AS SELECT t, new_e(m.r, m.alpha, m.a, m.b, t::float8) AS e FROM m, generate_series(0, 545) t;
CREATE TABLE o_track AS
SELECT d::date AS period,
	   (SELECT count(*) FROM days s JOIN cust c USING (id) WHERE s.day <= d::date AND s.day > c.first_day) AS actual_cumulative,
	   (SELECT sum(k.e) FROM cust c JOIN curve k ON k.t = d::date - c.first_day WHERE c.first_day <= d::date) AS expected_cumulative
  FROM generate_series('1997-01-01'::timestamp, '1998-06-30', '1 day') d;
SELECT v.period, v.actual_cumulative, round(v.expected_cumulative::numeric, 1) AS expected_cumulative,
	   round(o.expected_cumulative::numeric, 1) AS oracle
  FROM v_track v JOIN o_track o USING (period)
 WHERE v.period IN ('1997-03-31', '1997-06-30', '1997-09-30', '1997-12-31', '1998-03-31', '1998-06-30') ORDER BY 1;
SELECT check_that(count(*) = 546 AND count(o.period) = 546
		AND bool_and(v.actual_cumulative = o.actual_cumulative AND close(v.expected_cumulative, o.expected_cumulative)
					 AND v.holdout = (v.period > '1997-09-30') AND v.period_index = v.period - '1997-01-01'::date)
		AND sum(v.actual) = max(o.actual_cumulative) AND close(sum(v.expected), max(o.expected_cumulative)),
	'model_validation_tracking equals the plain-SQL count and the sum of FHL eq. 9 over the customers, every day (1e-9)')
  FROM v_track v LEFT JOIN o_track o USING (period);

-- errors
CREATE TABLE o_err AS
SELECT sum(x_star) AS actual_total, sum(e) AS predicted_total, avg(abs(e - x_star)) AS mae,
	   sqrt(avg((e - x_star) ^ 2)) AS rmse, avg(e - x_star) AS bias FROM pred;
SELECT v.actual_total, round(v.predicted_total::numeric, 1) AS predicted_total,
	   round(v.aggregate_error::numeric, 1) AS aggregate_error, round(v.aggregate_error_pct::numeric, 2) AS error_pct,
	   round(v.mae::numeric, 4) AS mae, round(v.rmse::numeric, 4) AS rmse, round(v.bias::numeric, 4) AS bias
  FROM v_err v;
SELECT check_that(v.actual_total = o.actual_total AND close(v.predicted_total, o.predicted_total)
		AND close(v.aggregate_error, o.predicted_total - o.actual_total)
		AND close(v.aggregate_error_pct, 100 * (o.predicted_total - o.actual_total) / o.actual_total)
		AND close(v.mae, o.mae) AND close(v.rmse, o.rmse) AND close(v.bias, o.bias)
		AND v.actual_total = (SELECT sum(actual) FROM v_track WHERE holdout),
	'model_validation_errors equals the plain-SQL error figures (1e-9); its holdout total is the tracking one')
  FROM v_err v, o_err o;

-- 3. row-level security: the even customers
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY even ON orders FOR SELECT USING (customer_id % 2 = 0);
GRANT SELECT ON orders TO :"role";
CREATE TABLE rls AS SELECT 'x'::text AS kind, ''::text AS row WHERE false;
GRANT INSERT ON rls TO :"role";
SET ROLE :"role";
INSERT INTO rls SELECT 'conditional', t::text FROM kam.model_validation_conditional t;
INSERT INTO rls SELECT 'histogram', t::text FROM kam.model_validation_histogram t;
INSERT INTO rls SELECT 'tracking', t::text FROM kam.model_validation_tracking t;
INSERT INTO rls SELECT 'errors', t::text FROM kam.model_validation_errors t;
RESET ROLE;
CREATE TABLE orders_even AS SELECT * FROM orders WHERE customer_id % 2 = 0;
SELECT kam.bind_orders('orders_even', 'customer_id', 'ordered_at', 'amount');
CREATE TABLE even AS
SELECT 'conditional' AS kind, t::text AS row FROM kam.model_validation_conditional t
UNION ALL SELECT 'histogram', t::text FROM kam.model_validation_histogram t
UNION ALL SELECT 'tracking', t::text FROM kam.model_validation_tracking t
UNION ALL SELECT 'errors', t::text FROM kam.model_validation_errors t;
SELECT check_that((SELECT count(*) FROM rls) > 500 AND (SELECT count(*) FROM rls WHERE kind = 'errors') = 1
		AND NOT EXISTS (SELECT * FROM rls EXCEPT SELECT * FROM even)
		AND NOT EXISTS (SELECT * FROM even EXCEPT SELECT * FROM rls)
		AND (SELECT customers FROM kam.model_validation_errors) < 2357,
	'under row-level security (even customers only) the views equal the views over a table of those customers');
SELECT kam.bind_orders('orders', 'customer_id', 'ordered_at', 'amount');

-- 4. serial = parallel
CREATE TABLE serial AS
SELECT 'conditional' AS kind, t::text AS row FROM kam.model_validation_conditional t
UNION ALL SELECT 'histogram', t::text FROM kam.model_validation_histogram t
UNION ALL SELECT 'tracking', t::text FROM kam.model_validation_tracking t
UNION ALL SELECT 'errors', t::text FROM kam.model_validation_errors t;
SET :force = on;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE parallel AS
SELECT 'conditional' AS kind, t::text AS row FROM kam.model_validation_conditional t
UNION ALL SELECT 'histogram', t::text FROM kam.model_validation_histogram t
UNION ALL SELECT 'tracking', t::text FROM kam.model_validation_tracking t
UNION ALL SELECT 'errors', t::text FROM kam.model_validation_errors t;
RESET :force;
SELECT check_that((SELECT count(*) FROM serial) = 8 + 8 + 546 + 1
		AND NOT EXISTS (SELECT * FROM serial EXCEPT SELECT * FROM parallel)
		AND NOT EXISTS (SELECT * FROM parallel EXCEPT SELECT * FROM serial),
	'serial and forced-parallel plans give the same rows, as text');
SQL
echo "value_validation_cdnow: validation views on CDNOW against the published fit and a plain-SQL oracle"
