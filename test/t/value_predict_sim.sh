#!/usr/bin/env bash
# kam.probability_of_purchases and kam.expected_purchases(model, horizon)
# against seeded simulations (test/value/simulate.c), CDNOW-like parameters
# in weeks:
#   1. new customers, horizon 39 weeks: BG/NBD, MBG/NBD (200,000 each) and
#      Pareto/NBD (200,000): the share with exactly n = 0..7 repeat purchases
#      and with 8 or more against P(X(39) = n) (binomial z), and the mean
#      against E[X(39)] (z of the sample mean), |z| < 4;
#   2. customers with a history (T uniform 26..78, the process followed on
#      for 39 weeks), BG/NBD, MBG/NBD and Pareto/NBD: per bucket of frequency and per
#      n = 0..3, the number of customers with exactly n future purchases
#      against the sum of their probabilities, z = (observed - sum p) /
#      sqrt(sum p (1-p)) (Poisson-binomial), |z| < 4.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

db=kam_value_predict_sim_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/value_predict_sim.XXXXXX")
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cc -O2 -std=c99 -Wall -Werror -o "$work/simulate" "$KAM_ROOT/test/value/simulate.c" -lm

kam_psql -d postgres -c "CREATE DATABASE $db" >/dev/null
kam_psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE new_bg (rep int, x int, tx float8, tt float8)" \
	-c "CREATE TABLE new_pn (rep int, x int, tx float8, tt float8)" \
	-c "CREATE TABLE new_mb (rep int, x int, tx float8, tt float8, alive int, future int)" \
	-c "CREATE TABLE old_bg (rep int, x int, tx float8, tt float8, alive int, future int)" \
	-c "CREATE TABLE old_mb (rep int, x int, tx float8, tt float8, alive int, future int)" \
	-c "CREATE TABLE old_pn (rep int, x int, tx float8, tt float8, alive int, future int)"
# BG/NBD at the published CDNOW estimates; MBG/NBD near its CDNOW estimates
bg="0.243 4.414 0.793 2.426"
mb="0.525 6.183 0.891 1.614"
"$work/simulate" bgnbd 200000 1 811 $bg 39 39 | kam_psql -d "$db" -c "\\copy new_bg FROM STDIN WITH (FORMAT csv)"
"$work/simulate" paretonbd 200000 1 812 0.553 10.578 0.606 11.669 39 39 |
	kam_psql -d "$db" -c "\\copy new_pn FROM STDIN WITH (FORMAT csv)"
"$work/simulate" mbgnbd 200000 1 813 $mb 39 39 1 | kam_psql -d "$db" -c "\\copy new_mb FROM STDIN WITH (FORMAT csv)"
"$work/simulate" bgnbdf 200000 1 814 $bg 26 78 39 | kam_psql -d "$db" -c "\\copy old_bg FROM STDIN WITH (FORMAT csv)"
"$work/simulate" mbgnbd 200000 1 815 $mb 26 78 39 | kam_psql -d "$db" -c "\\copy old_mb FROM STDIN WITH (FORMAT csv)"
"$work/simulate" paretonbdf 200000 1 816 0.553 10.578 0.606 11.669 26 78 39 |
	kam_psql -d "$db" -c "\\copy old_pn FROM STDIN WITH (FORMAT csv)"

kam_psql -d "$db" <<'SQL'
\pset footer off
CREATE FUNCTION check_that(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ok IS NOT TRUE THEN RAISE EXCEPTION 'FAILED: %', what; END IF;
	RAISE NOTICE 'ok: %', what;
END $$;
CREATE TABLE models AS SELECT ROW(0.243, 4.414, 0.793, 2.426, 0, 0, 0, true)::kam.bgnbd AS bg,
	ROW(0.525, 6.183, 0.891, 1.614, 0, 0, 0, true)::kam.mbgnbd AS mb,
	ROW(0.553, 10.578, 0.606, 11.669, 0, 0, 0, true)::kam.paretonbd AS pn;

-- 1. new customers
CREATE TABLE new_check AS
WITH sim AS (
	SELECT 'bgnbd' AS model, x FROM new_bg UNION ALL SELECT 'mbgnbd', x FROM new_mb
	UNION ALL SELECT 'paretonbd', x FROM new_pn),
 counts AS (
	SELECT model, least(x, 8) AS n, count(*) AS obs, sum(count(*)) OVER (PARTITION BY model) AS total
	  FROM sim GROUP BY 1, 2),
 pr AS (
	SELECT c.*, CASE WHEN model = 'bgnbd' THEN
				CASE WHEN n < 8 THEN kam.probability_of_purchases(bg, n::integer, 39::float8)
					 ELSE 1 - (SELECT sum(kam.probability_of_purchases(bg, k, 39::float8)) FROM generate_series(0, 7) k) END
			WHEN model = 'mbgnbd' THEN
				CASE WHEN n < 8 THEN kam.probability_of_purchases(mb, n::integer, 39::float8)
					 ELSE 1 - (SELECT sum(kam.probability_of_purchases(mb, k, 39::float8)) FROM generate_series(0, 7) k) END
			ELSE
				CASE WHEN n < 8 THEN kam.probability_of_purchases(pn, n::integer, 39::float8)
					 ELSE 1 - (SELECT sum(kam.probability_of_purchases(pn, k, 39::float8)) FROM generate_series(0, 7) k) END
			END AS p
	  FROM counts c, models)
SELECT model, n, obs, total, obs / total AS share, p, (obs - total * p) / sqrt(total * p * (1 - p)) AS z FROM pr;
SELECT model, n, obs, round(share, 5) AS share, round(p::numeric, 5) AS p, round(z::numeric, 2) AS z
  FROM new_check ORDER BY model, n;
SELECT check_that(count(*) = 27 AND bool_and(abs(z) < 4),
	'P(X(39) = n), n = 0..7 and 8+, of new BG/NBD, MBG/NBD and Pareto/NBD customers agree with 200,000 simulated each (|z| < 4)')
  FROM new_check;

CREATE TABLE mean_check AS
SELECT 'bgnbd' AS model, avg(x) AS sim, kam.expected_purchases(bg, 39::float8) AS e,
	   (avg(x) - kam.expected_purchases(bg, 39::float8)) / (stddev_samp(x) / sqrt(count(*))) AS z
  FROM new_bg, models GROUP BY bg
UNION ALL
SELECT 'mbgnbd', avg(x), kam.expected_purchases(mb, 39::float8),
	   (avg(x) - kam.expected_purchases(mb, 39::float8)) / (stddev_samp(x) / sqrt(count(*)))
  FROM new_mb, models GROUP BY mb
UNION ALL
SELECT 'paretonbd', avg(x), kam.expected_purchases(pn, 39::float8),
	   (avg(x) - kam.expected_purchases(pn, 39::float8)) / (stddev_samp(x) / sqrt(count(*)))
  FROM new_pn, models GROUP BY pn;
SELECT model, round(sim, 5) AS simulated, round(e::numeric, 5) AS expected, round(z::numeric, 2) AS z
  FROM mean_check ORDER BY model;
SELECT check_that(count(*) = 3 AND bool_and(abs(z) < 4),
	'E[X(39)] of new BG/NBD, MBG/NBD and Pareto/NBD customers agrees with the simulated mean (|z| < 4)')
  FROM mean_check;

-- 2. customers with a history
CREATE TABLE old_scored AS
SELECT 'bgnbd' AS model, o.x, o.future, n,
	   kam.probability_of_purchases(bg, n, 39::float8, o.x, o.tx, o.tt) AS p
  FROM old_bg o, models, generate_series(0, 3) n
UNION ALL
SELECT 'mbgnbd', o.x, o.future, n,
	   kam.probability_of_purchases(mb, n, 39::float8, o.x, o.tx, o.tt)
  FROM old_mb o, models, generate_series(0, 3) n
UNION ALL
SELECT 'paretonbd', o.x, o.future, n,
	   kam.probability_of_purchases(pn, n, 39::float8, o.x, o.tx, o.tt)
  FROM old_pn o, models, generate_series(0, 3) n;
CREATE TABLE old_check AS
SELECT model, bucket, n, count(*) AS customers, count(*) FILTER (WHERE future = n) AS obs, sum(p) AS expected,
	   (count(*) FILTER (WHERE future = n) - sum(p)) / sqrt(sum(p * (1 - p))) AS z
  FROM (SELECT *, CASE WHEN x < 3 THEN x::text WHEN x < 6 THEN '3-5' ELSE '6+' END AS bucket FROM old_scored) s
 GROUP BY 1, 2, 3;
SELECT model, bucket, n, customers, obs, round(expected::numeric, 1) AS expected, round(z::numeric, 2) AS z
  FROM old_check ORDER BY model, bucket, n;
SELECT check_that(count(*) = 60 AND bool_and(abs(z) < 4),
	'P(n purchases in the next 39 weeks | x, t_x, T), n = 0..3, agrees with 200,000 simulated BG/NBD, MBG/NBD and Pareto/NBD customers in every frequency bucket (|z| < 4)')
  FROM old_check;
SQL
echo "value_predict_sim: probability_of_purchases and the population expected_purchases agree with simulation"
