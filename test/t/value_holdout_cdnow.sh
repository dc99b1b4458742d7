#!/usr/bin/env bash
# kam.calibration_holdout and kam.conditional_expectations on the CDNOW sample
# (2,357 customers; calibration to 1997-09-30, weeks 1-39; holdout to
# 1998-06-30), rfm_period day:
#   1. the calibration summary reproduces the published one
#      (cdnow_customers_summary_with_transactions.csv; recency and t / 7;
#      x exact, t_x, T and zbar within the file's rounding of 0.005);
#   2. the holdout purchase days and their mean value equal a plain-SQL count
#      over the raw transactions, and the holdout lasts 273 days (39 weeks);
#   3. BG/NBD fitted on the calibration output gives the published estimates
#      (r 0.243, alpha 4.414 weeks = 30.898 days, a 0.793, b 2.426);
#   4. kam.conditional_expectations with that model equals the same
#      computation written out (counts, actual means, mean of
#      kam.expected_purchases per calibration frequency 0..6, 7+), and is
#      printed for the record.
# Skipped where the data is absent.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
kam_shared_data CDNOW_sample.txt cdnow_customers_summary_with_transactions.csv
db=kam_holdout_cdnow_$$
tmp=$(mktemp -d "${KAM_TMP:-/tmp}/holdout_cdnow.XXXXXX")
trap 'rm -rf "$tmp"; kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
# whitespace-separated with CRLF line ends: sample id, YYYYMMDD date, dollar value
awk '{ sub(/\r$/, ""); print $2 "," $3 "," $5 }' "$data/CDNOW_sample.txt" >"$tmp/sample.csv"
kam_psql -d postgres -c "CREATE DATABASE $db" >/dev/null
kam_psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE sample (id int, day date, value float8)" \
	-c "CREATE TABLE published (id int, x int, t_x float8, t float8, zbar float8)" \
	-c "\\copy sample FROM '$tmp/sample.csv' WITH (FORMAT csv)"
kam_psql -d "$db" -c "\\copy published FROM '$data/cdnow_customers_summary_with_transactions.csv' WITH (FORMAT csv, HEADER)"
kam_psql -d "$db" <<'SQL'
\pset footer off
SET client_min_messages = warning;
CREATE FUNCTION check_that(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ok IS NOT TRUE THEN RAISE EXCEPTION 'FAILED: %', what; END IF;
	RAISE NOTICE 'ok: %', what;
END $$;
SET TimeZone = 'UTC';
CREATE TABLE orders AS SELECT id AS customer_id, day::timestamptz AS ordered_at, value AS amount FROM sample;
CREATE TABLE customers AS SELECT DISTINCT customer_id FROM orders;
SELECT kam.bind_customers('customers', 'customer_id');
SELECT kam.bind_orders('orders', 'customer_id', 'ordered_at', 'amount');
SELECT kam.set('rfm_period', 'day');
SET client_min_messages = notice;
CREATE TABLE ch AS SELECT * FROM kam.calibration_holdout('1997-09-30', '1998-06-30');

-- 1. calibration summary
SELECT check_that(count(*) = 2357 AND count(*) FILTER (WHERE c.frequency <> p.x
		OR abs(c.recency / 7 - p.t_x) > 0.005 + 1e-9 OR abs(c.t / 7 - p.t) > 0.005 + 1e-9
		OR abs(c.monetary - p.zbar) > 0.005 + 1e-9) = 0,
	'calibration summary of all 2,357 customers equals the published one')
  FROM ch c JOIN published p ON p.id = c.customer_id::int;

-- 2. holdout against plain SQL
CREATE TABLE hold AS
SELECT id, count(*) AS days, avg(v) AS mean_value
  FROM (SELECT id, day, sum(value) AS v FROM sample
		 WHERE day > '1997-09-30' AND day <= '1998-06-30' GROUP BY id, day) d GROUP BY id;
SELECT count(*) AS customers, sum(holdout_frequency) AS holdout_purchases,
	   count(*) FILTER (WHERE holdout_frequency > 0) AS active_in_holdout,
	   min(holdout_duration) AS duration_min, max(holdout_duration) AS duration_max FROM ch;
SELECT check_that(count(*) = 2357
		AND bool_and(c.holdout_frequency = COALESCE(h.days, 0)
					 AND abs(c.holdout_monetary - COALESCE(h.mean_value, 0)) <= 1e-9 * abs(c.holdout_monetary))
		AND bool_and(c.holdout_duration = 273),
	'holdout purchase days and mean value per day equal a plain-SQL count; the holdout is 273 days')
  FROM ch c LEFT JOIN hold h ON h.id = c.customer_id::int;

-- 3. BG/NBD fitted on the calibration output, in days
CREATE TABLE fit AS SELECT kam.bgnbd_fit(frequency, recency, t) AS m FROM ch;
SELECT round((m).r::numeric, 4) AS r, round(((m).alpha / 7)::numeric, 4) AS alpha_weeks,
	   round((m).a::numeric, 4) AS a, round((m).b::numeric, 4) AS b FROM fit;
SELECT check_that(abs((m).r - 0.243) < 0.0005 AND abs((m).alpha / 7 - 4.414) < 0.0005
		AND abs((m).a - 0.793) < 0.0005 AND abs((m).b - 2.426) < 0.0005,
	'BG/NBD on the calibration output gives the published CDNOW estimates')
  FROM fit;

-- 4. conditional expectations
CREATE TABLE ce AS SELECT e.* FROM fit, kam.conditional_expectations(m, '1997-09-30', '1998-06-30') e;
SELECT frequency, customers, round(actual::numeric, 3) AS actual, round(predicted::numeric, 3) AS predicted
  FROM ce ORDER BY frequency;
CREATE TABLE ce_oracle AS
SELECT LEAST(x, 7) AS frequency, count(*) AS customers, avg(COALESCE(h.days, 0)) AS actual,
	   avg(kam.expected_purchases(m, 273::float8, p.x, p.t_x * 7, p.t * 7)) AS predicted_from_published
  FROM published p LEFT JOIN hold h USING (id), fit GROUP BY 1;
SELECT check_that(count(*) = 8 AND bool_and(c.customers = o.customers AND abs(c.actual - o.actual) < 1e-12
		AND abs(c.predicted - o.predicted_from_published) < 0.01 * o.predicted_from_published),
	'conditional expectations equal the computation written out (predictions from the published, rounded summary within 1%)')
  FROM ce c JOIN ce_oracle o USING (frequency);
SELECT round(sum(customers * actual)::numeric, 1) AS holdout_purchases_actual,
	   round(sum(customers * predicted)::numeric, 1) AS holdout_purchases_predicted FROM ce;
SQL
echo "value_holdout_cdnow: calibration/holdout split and conditional expectations on CDNOW"
