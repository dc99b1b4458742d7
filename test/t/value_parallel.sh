#!/usr/bin/env bash
# The model fits run as parallel aggregates (EXPLAIN shows Partial Aggregate)
# and give bit-identical models with and without workers; a running fit
# responds to query cancel.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=kam_value_parallel_$$
kam_psql -d postgres -c "CREATE DATABASE $db"
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null' EXIT

kam_psql -d "$db" <<'SQL'
CREATE EXTENSION kam;
CREATE FUNCTION check_that(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ok IS NOT TRUE THEN RAISE EXCEPTION 'FAILED: %', what; END IF;
	RAISE NOTICE 'ok: %', what;
END $$;
-- 50,000 customers from the BG/NBD story (lambda ~ Gamma(1, 20), dropout
-- p ~ Beta(1, 3), T up to 700 days, whole days) with Gamma-Gamma-like spend,
-- and contracts from the sBG story (theta ~ Beta(1, 3), observed 9 periods)
SELECT setseed(0.42);
CREATE TABLE c AS
SELECT i AS id, -ln(random()) / 20 AS lambda, 1 - random() ^ (1.0 / 3) AS p,
	floor(1 + 700 * random())::float8 AS t, (-ln(random()) - ln(random()) - ln(random())) / 30 AS nu,
	1 - random() ^ (1.0 / 3) AS theta
FROM generate_series(1, 50000) i;
CREATE TABLE s AS
WITH RECURSIVE buys(id, k, at, z, alive) AS (
	SELECT id, 0, 0::float8, 0::float8, true FROM c
	UNION ALL
	SELECT b.id, b.k + 1, b.at - ln(random()) / c.lambda, -ln(random()), random() >= c.p
	FROM buys b JOIN c USING (id)
	WHERE b.alive AND b.at <= c.t AND b.k < 300)
SELECT c.id, count(DISTINCT floor(b.at)) FILTER (WHERE b.at <= c.t)::int - 1 AS x,
	max(floor(b.at)) FILTER (WHERE b.at <= c.t) AS tx, c.t,
	coalesce(round((avg(b.z) FILTER (WHERE b.k > 0 AND b.at <= c.t) / c.nu)::numeric, 2)::float8, 0) AS m,
	least(9, 1 + floor(ln(random()) / ln(1 - c.theta)))::int AS period
FROM c JOIN buys b USING (id) GROUP BY c.id, c.t, c.nu, c.theta;
ALTER TABLE s ADD COLUMN churned boolean;
UPDATE s SET churned = period < 9, m = greatest(m, 0.01) WHERE true;
UPDATE s SET m = 0 WHERE x = 0;
ANALYZE s;
-- for the cancel test below: 400,000 customers whose purchase times are not
-- whole days, so that nearly every one is a (x, t_x, T) of its own and the
-- Pareto/NBD likelihood has a grid point per customer (about 1.5 s to fit,
-- against 0.1 s for s)
CREATE TABLE sc AS SELECT s.x, CASE WHEN s.x > 0 THEN s.tx + 0.9 * random() ELSE 0 END AS tx, s.t + 0.95 AS t
  FROM s, generate_series(1, 8) k;

CREATE TABLE serial AS SELECT kam.bgnbd_fit(x, tx, t) AS bg, kam.paretonbd_fit(x, tx, t) AS pn,
	kam.gammagamma_fit(x, m) AS gg, kam.sbg_fit(period, churned) AS sbg FROM s;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
DO $$
DECLARE l text; partial boolean := false;
BEGIN
	FOR l IN EXPLAIN SELECT kam.bgnbd_fit(x, tx, t), kam.paretonbd_fit(x, tx, t),
		kam.gammagamma_fit(x, m), kam.sbg_fit(period, churned) FROM s LOOP
		IF l LIKE '%Partial Aggregate%' THEN partial := true; END IF;
	END LOOP;
	PERFORM check_that(partial, 'the fits are planned as partial aggregates');
END $$;
CREATE TABLE par AS SELECT kam.bgnbd_fit(x, tx, t) AS bg, kam.paretonbd_fit(x, tx, t) AS pn,
	kam.gammagamma_fit(x, m) AS gg, kam.sbg_fit(period, churned) AS sbg FROM s;
SELECT check_that((p.bg).converged AND (p.pn).converged AND (p.gg).converged AND (p.sbg).converged,
	'all four fits converge') FROM par p;
SELECT check_that(p.bg = q.bg AND p.pn = q.pn AND p.gg = q.gg AND p.sbg = q.sbg,
	format('parallel fits identical to serial: %s', p.bg)) FROM par p, serial q;

SQL

# Query cancel reaches the optimizer: a statement timeout that fires while the
# Pareto/NBD final function optimizes (the scan of sc's 400,000 rows takes
# about 50 ms, the fit about 1.5 s) ends the statement promptly.
start=$(date +%s%N)
if out=$(kam_psql -d "$db" -c "SET max_parallel_workers_per_gather = 0" -c "SET statement_timeout = '300ms'" \
	-c "SELECT kam.paretonbd_fit(x, tx, t) FROM sc" 2>&1); then
	echo "FAILED: the fit finished before the statement timeout: $out"
	exit 1
fi
ms=$((($(date +%s%N) - start) / 1000000))
case $out in
*"canceling statement due to statement timeout"*) ;;
*) echo "FAILED: unexpected error: $out"; exit 1 ;;
esac
if ((ms > 1500)); then
	echo "FAILED: cancel took ${ms} ms"
	exit 1
fi
echo "ok: statement timeout cancels a running fit (${ms} ms)"
echo "parallel fits identical to serial; fits respond to cancel"
