#!/usr/bin/env bash
# BG/BB and MBG/NBD against seeded simulations (test/value/simulate.c):
#   1. BG/BB scoring by Monte Carlo: 400,000 donors simulated at the
#      published donation-data parameters over 6 opportunities, their future
#      followed on.  Per (frequency, recency) pattern, the share alive at
#      opportunity 7, the mean number of transactions in opportunities 7..11
#      and the mean discounted number of future transactions (d = 0.1) must
#      agree with kam.p_alive, kam.expected_purchases and kam.dert within 4
#      standard errors.  A second population (n uniform 1..40, short
#      lifetimes, gamma > 1) is checked by sums over buckets of frequency
#      (sum over customers of observed - predicted, in standard errors),
#      which covers the extremes x = 0 at n = 40 and x = n.
#   2. MBG/NBD parameter recovery as test/t/value_recovery.sh: R = 20
#      replicates of 20,000 customers; every fit converges, the mean is within
#      4 sd/sqrt(R) of the truth, every replicate within 5 sd, 0 < sd < 25%.
#   3. MBG/NBD scoring by Monte Carlo on the same 400,000 customers: sums of
#      alive-at-T and of purchases in (T, T+39] against kam.p_alive and
#      kam.expected_purchases, per bucket of frequency, within 4 standard errors.
#   4. Both fits plan as partial (parallel) aggregates and give bit-identical
#      models with and without workers.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

db=kam_value_discrete_sim_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/value_discrete_sim.XXXXXX")
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cc -O2 -std=c99 -Wall -Werror -o "$work/simulate" "$KAM_ROOT/test/value/simulate.c" -lm

kam_psql -d postgres -c "CREATE DATABASE $db" >/dev/null
kam_psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE bb1 (rep int, x int, tx int, n int, alive int, future int, disc float8)" \
	-c "CREATE TABLE bb2 (rep int, x int, tx int, n int, alive int, future int, disc float8)" \
	-c "CREATE TABLE mbg (rep int, x int, tx float8, tt float8, alive int, future int)"
# the donation-data estimates, 6 opportunities, 5 future ones, d = 0.1
"$work/simulate" bgbb 400000 1 505 1.204 0.750 0.657 2.783 6 6 5 0.1 |
	kam_psql -d "$db" -c "\\copy bb1 FROM STDIN WITH (FORMAT csv)"
# short lifetimes (E[theta] = 0.86), gamma > 1, n uniform 1..40, 10 future ones, d = 0.05
"$work/simulate" bgbb 200000 1 606 0.5 3.0 2.5 0.4 1 40 10 0.05 |
	kam_psql -d "$db" -c "\\copy bb2 FROM STDIN WITH (FORMAT csv)"
# MBG/NBD near the CDNOW estimates, weeks, T uniform 26..78, horizon 39 weeks
"$work/simulate" mbgnbd 20000 20 707 0.525 6.183 0.891 1.614 26 78 39 |
	kam_psql -d "$db" -c "\\copy mbg FROM STDIN WITH (FORMAT csv)"

kam_psql -d "$db" <<'SQL'
\pset footer off
CREATE FUNCTION check_that(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ok IS NOT TRUE THEN RAISE EXCEPTION 'FAILED: %', what; END IF;
	RAISE NOTICE 'ok: %', what;
END $$;

-- 1. BG/BB Monte Carlo, per pattern
CREATE TABLE bbm AS SELECT ROW(1.204, 0.750, 0.657, 2.783, 0, 0, 0, true)::kam.bgbb AS m;
CREATE TABLE bb1_check AS
SELECT x, tx, count(*) AS donors,
	avg(alive) AS sim_alive, kam.p_alive(m, x, tx, 6) AS p_alive,
	(avg(alive) - kam.p_alive(m, x, tx, 6))
		/ sqrt(kam.p_alive(m, x, tx, 6) * (1 - kam.p_alive(m, x, tx, 6)) / count(*)) AS z_alive,
	avg(future) AS sim_future, kam.expected_purchases(m, 5, x, tx, 6) AS expected,
	(avg(future) - kam.expected_purchases(m, 5, x, tx, 6)) / (stddev_samp(future) / sqrt(count(*))) AS z_future,
	avg(disc) AS sim_dert, kam.dert(m, 0.1, x, tx, 6) AS dert,
	(avg(disc) - kam.dert(m, 0.1, x, tx, 6)) / (stddev_samp(disc) / sqrt(count(*))) AS z_dert
FROM bb1, bbm GROUP BY x, tx, m;
SELECT x, tx, donors, round(sim_alive, 4) AS sim_alive, round(p_alive::numeric, 4) AS p_alive,
	round(sim_future, 4) AS sim_future, round(expected::numeric, 4) AS expected,
	round(sim_dert::numeric, 4) AS sim_dert, round(dert::numeric, 4) AS dert,
	round(z_alive::numeric, 2) AS z_alive, round(z_future::numeric, 2) AS z_future, round(z_dert::numeric, 2) AS z_dert
FROM bb1_check ORDER BY x, tx;
SELECT check_that(count(*) = 22 AND bool_and(abs(z_alive) < 4 AND abs(z_future) < 4 AND abs(z_dert) < 4),
	'BG/BB p_alive, expected_purchases and dert agree with 400,000 simulated donors in all 22 patterns (|z| < 4)')
FROM bb1_check;

-- second population, by buckets of frequency
CREATE TABLE bbm2 AS SELECT ROW(0.5, 3.0, 2.5, 0.4, 0, 0, 0, true)::kam.bgbb AS m;
CREATE TABLE bb2_scored AS
SELECT b.*, kam.p_alive(m, x, tx, n) AS pa, kam.expected_purchases(m, 10, x, tx, n) AS e,
	kam.dert(m, 0.05, x, tx, n) AS d
FROM bb2 b, bbm2;
CREATE TABLE bb2_check AS
SELECT CASE WHEN x = 0 THEN '0' WHEN x = n THEN 'x = n' WHEN x <= 2 THEN '1-2' ELSE '3+' END AS bucket,
	count(*) AS customers, sum(alive) AS sim_alive, sum(pa) AS p_alive,
	(sum(alive) - sum(pa)) / sqrt(sum(pa * (1 - pa))) AS z_alive,
	sum(future) AS sim_future, sum(e) AS expected,
	(sum(future) - sum(e)) / sqrt(sum((future - e) ^ 2)) AS z_future,
	sum(disc) AS sim_dert, sum(d) AS dert,
	(sum(disc) - sum(d)) / sqrt(sum((disc - d) ^ 2)) AS z_dert,
	bool_and(pa BETWEEN 0 AND 1 AND e >= 0 AND d >= 0) AS in_range
FROM bb2_scored GROUP BY 1;
SELECT bucket, customers, sim_alive, round(p_alive::numeric, 1) AS p_alive, sim_future,
	round(expected::numeric, 1) AS expected, round(sim_dert::numeric, 1) AS sim_dert, round(dert::numeric, 1) AS dert,
	round(z_alive::numeric, 2) AS z_alive, round(z_future::numeric, 2) AS z_future, round(z_dert::numeric, 2) AS z_dert
FROM bb2_check ORDER BY bucket;
SELECT check_that(count(*) = 4 AND bool_and(in_range AND abs(z_alive) < 4 AND abs(z_future) < 4 AND abs(z_dert) < 4),
	'BG/BB scoring agrees with 200,000 simulated customers with n = 1..40 in every frequency bucket (|z| < 4)')
FROM bb2_check;

-- the fit recovers the simulation's parameters (one large sample)
SELECT (kam.bgbb_fit(x, tx, n)).* FROM bb1 \gset f_
SELECT check_that(:'f_converged' AND abs(:f_alpha - 1.204) < 0.1 AND abs(:f_beta - 0.750) < 0.06
	AND abs(:f_gamma - 0.657) < 0.06 AND abs(:f_delta - 2.783) < 0.4,
	format('bgbb_fit on the 400,000 simulated donors: %s %s %s %s', round(:f_alpha, 3), round(:f_beta, 3),
		round(:f_gamma, 3), round(:f_delta, 3)));

-- 2. MBG/NBD parameter recovery
CREATE TABLE truth (param text, value float8);
INSERT INTO truth VALUES ('r', 0.525), ('alpha', 6.183), ('a', 0.891), ('b', 1.614);
CREATE TABLE fits AS SELECT rep, to_jsonb(kam.mbgnbd_fit(x, tx, tt)) AS fit FROM mbg GROUP BY rep;
CREATE TABLE verdict AS
SELECT t.param, t.value AS truth, round(avg((f.fit->>t.param)::float8)::numeric, 4) AS mean_estimate,
	round(stddev_samp((f.fit->>t.param)::float8)::numeric, 4) AS sd,
	round(((avg((f.fit->>t.param)::float8) - t.value) / (stddev_samp((f.fit->>t.param)::float8) / sqrt(count(*))))::numeric, 2) AS z_mean,
	round((max(abs((f.fit->>t.param)::float8 - t.value)) / stddev_samp((f.fit->>t.param)::float8))::numeric, 2) AS max_z,
	count(*) AS fits, bool_and((f.fit->>'converged')::boolean) AS converged
FROM fits f, truth t GROUP BY t.param, t.value;
SELECT *, converged AND abs(z_mean) < 4 AND max_z < 5 AND sd > 0 AND sd < 0.25 * truth AND fits = 20 AS ok
FROM verdict ORDER BY param;
SELECT check_that(count(*) = 4 AND bool_and(converged AND abs(z_mean) < 4 AND max_z < 5 AND sd > 0
	AND sd < 0.25 * truth AND fits = 20), 'MBG/NBD recovers r, alpha, a, b from 20 replicates of 20,000 customers')
FROM verdict;

-- 3. MBG/NBD scoring against the simulated future, at the true parameters
CREATE TABLE mbgm AS SELECT ROW(0.525, 6.183, 0.891, 1.614, 0, 0, 0, true)::kam.mbgnbd AS m;
CREATE TABLE mbg_check AS
SELECT CASE WHEN x = 0 THEN '0' WHEN x <= 2 THEN '1-2' WHEN x <= 6 THEN '3-6' ELSE '7+' END AS bucket,
	count(*) AS customers, sum(alive) AS sim_alive, sum(pa) AS p_alive,
	(sum(alive) - sum(pa)) / sqrt(sum(pa * (1 - pa))) AS z_alive,
	sum(future) AS sim_future, sum(e) AS expected,
	(sum(future) - sum(e)) / sqrt(sum((future - e) ^ 2)) AS z_future
FROM (SELECT s.*, kam.p_alive(m, x, tx, tt) AS pa, kam.expected_purchases(m, 39, x, tx, tt) AS e
	  FROM mbg s, mbgm) s GROUP BY 1;
SELECT bucket, customers, sim_alive, round(p_alive::numeric, 1) AS p_alive, sim_future, round(expected::numeric, 1) AS expected,
	round(z_alive::numeric, 2) AS z_alive, round(z_future::numeric, 2) AS z_future
FROM mbg_check ORDER BY bucket;
SELECT check_that(count(*) = 4 AND bool_and(abs(z_alive) < 4 AND abs(z_future) < 4),
	'MBG/NBD p_alive (below 1 at x = 0) and expected_purchases agree with 400,000 simulated customers (|z| < 4)')
FROM mbg_check;

-- 4. parallel plans, identical models
ALTER TABLE bb1 SET (parallel_workers = 2);
ALTER TABLE mbg SET (parallel_workers = 2);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE par AS SELECT (SELECT kam.bgbb_fit(x, tx, n) FROM bb1) AS bb, (SELECT kam.mbgnbd_fit(x, tx, tt) FROM mbg) AS mb;
CREATE FUNCTION plan_has_partial(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE line text; found boolean := false;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN ' || q LOOP
		IF line LIKE '%Partial Aggregate%' THEN found := true; END IF;
	END LOOP;
	RETURN found;
END $$;
SELECT check_that(plan_has_partial('SELECT kam.bgbb_fit(x, tx, n) FROM bb1')
	AND plan_has_partial('SELECT kam.mbgnbd_fit(x, tx, tt) FROM mbg'), 'bgbb_fit and mbgnbd_fit plan as partial aggregates');
SET max_parallel_workers_per_gather = 0;
SELECT check_that((SELECT kam.bgbb_fit(x, tx, n) FROM bb1) = bb AND (SELECT kam.mbgnbd_fit(x, tx, tt) FROM mbg) = mb,
	'serial and parallel fits are bit-identical') FROM par;
SQL
echo "value_discrete_sim: BG/BB and MBG/NBD scoring agree with simulation; MBG/NBD parameters recovered"
