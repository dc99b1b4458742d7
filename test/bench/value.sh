#!/usr/bin/env bash
# Benchmark of the lifetime-value models on N customers (default 1,000,000):
# every fit (BG/NBD, Pareto/NBD, MBG/NBD, Gamma-Gamma, BG/BB, sBG) and every
# per-customer scoring function, each the median of KAM_BENCH_RUNS runs
# (default 3, after one warm-up) and a ratio to a bare scan (count(*)) of
# the same table measured in the same run.
#
# The data are simulated directly (test/value/simulate.c, seed 7): the
# summary of BG/NBD purchases in whole days with T uniform on 1..1096 days
# and Gamma-Gamma spend (the continuous-time models, Gamma-Gamma on the
# customers with frequency > 0); BG/BB customers with 1..52 opportunities;
# sBG contracts observed for 1..12 periods.  Self-sufficient like make
# check: its own throwaway cluster with default settings (parallel query on).
#   bash test/bench/value.sh [customers]
#   KAM_BENCH_ONLY=regex: only the steps whose label matches (and the scans)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

N=${1:-1000000}
RUNS=${KAM_BENCH_RUNS:-3}
ONLY=${KAM_BENCH_ONLY:-.}
kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start

cc -O2 -std=c99 -Wall -o "$KAM_TMP/simulate" "$KAM_ROOT/test/value/simulate.c" -lm
kam_psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE summary (frequency integer, recency float8, t float8, monetary float8)" \
	-c "CREATE TABLE bb (rep int, frequency int, recency int, n_periods int, alive int, future int, disc float8)" \
	-c "CREATE TABLE contracts (rep int, period int, churned boolean)"
# r alpha a b (days) | p q v | T range
"$KAM_TMP/simulate" summary "$N" 1 7 0.6 40 1.1 12 4 3 250 1 1096 |
	kam_psql -c "\\copy summary FROM STDIN WITH (FORMAT csv)"
# BG/BB at the donation-data estimates, 1..52 opportunities
"$KAM_TMP/simulate" bgbb "$N" 1 7 1.204 0.750 0.657 2.783 1 52 1 0.1 |
	kam_psql -c "\\copy bb FROM STDIN WITH (FORMAT csv)"
# sBG at Fader & Hardie's "regular" segment, observed 1..12 periods
"$KAM_TMP/simulate" sbg "$N" 1 7 0.668 3.806 12 |
	kam_psql -c "\\copy contracts FROM STDIN WITH (FORMAT csv)"
kam_psql -c "VACUUM ANALYZE summary" -c "VACUUM ANALYZE bb" -c "VACUUM ANALYZE contracts"

kam_psql -v runs="$RUNS" -v only="$ONLY" <<'SQL'
\pset footer off
-- median wall time, in seconds, of :runs runs of q (after one warm-up run)
CREATE FUNCTION bench(q text, runs int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	times float8[] := '{}';
BEGIN
	EXECUTE q;
	FOR i IN 1..runs LOOP
		t0 := clock_timestamp();
		EXECUTE q;
		times := times || extract(epoch FROM clock_timestamp() - t0)::float8;
	END LOOP;
	RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(times) x);
END
$$;
CREATE TABLE m AS
SELECT (SELECT kam.bgnbd_fit(frequency, recency, t) FROM summary) AS bg,
	   (SELECT kam.paretonbd_fit(frequency, recency, t) FROM summary) AS pn,
	   (SELECT kam.mbgnbd_fit(frequency, recency, t) FROM summary) AS mb,
	   (SELECT kam.gammagamma_fit(frequency, monetary) FROM summary WHERE frequency > 0) AS gg,
	   (SELECT kam.bgbb_fit(frequency, recency, n_periods) FROM bb) AS bgbb,
	   (SELECT kam.sbg_fit(period, churned) FROM contracts) AS sbg;
SELECT (bg).r, (bg).alpha, (bg).a, (bg).b, (bg).converged AS bg_converged,
	   (gg).p, (gg).q, (gg).v, (gg).converged AS gg_converged FROM m;
SELECT (pn).r, (pn).alpha, (pn).s, (pn).beta, (pn).iterations, (pn).converged AS pn_converged,
	   (mb).r AS mb_r, (mb).a AS mb_a, (mb).converged AS mb_converged FROM m;
SELECT (bgbb).alpha, (bgbb).beta, (bgbb).gamma, (bgbb).delta, (bgbb).converged AS bgbb_converged,
	   (sbg).alpha AS sbg_alpha, (sbg).beta AS sbg_beta, (sbg).converged AS sbg_converged FROM m;
SELECT (SELECT count(DISTINCT (frequency, recency, t)) FROM summary) AS distinct_x_tx_t,
	   (SELECT count(DISTINCT (frequency, recency, n_periods)) FROM bb) AS distinct_bgbb;
CREATE TABLE steps (step int, label text, q text);
INSERT INTO steps VALUES
	(1, 'bare scan of the summary (count(*))', 'SELECT count(*) FROM summary'),
	(2, 'kam.bgnbd_fit', 'SELECT kam.bgnbd_fit(frequency, recency, t) FROM summary'),
	(3, 'kam.paretonbd_fit', 'SELECT kam.paretonbd_fit(frequency, recency, t) FROM summary'),
	(4, 'kam.mbgnbd_fit', 'SELECT kam.mbgnbd_fit(frequency, recency, t) FROM summary'),
	(5, 'kam.gammagamma_fit (frequency > 0)', 'SELECT kam.gammagamma_fit(frequency, monetary) FROM summary WHERE frequency > 0'),
	(6, 'bare scan of the BG/BB table (count(*))', 'SELECT count(*) FROM bb'),
	(7, 'kam.bgbb_fit', 'SELECT kam.bgbb_fit(frequency, recency, n_periods) FROM bb'),
	(8, 'bare scan of the sBG table (count(*))', 'SELECT count(*) FROM contracts'),
	(9, 'kam.sbg_fit', 'SELECT kam.sbg_fit(period, churned) FROM contracts'),
	(10, 'BG/NBD kam.p_alive', 'SELECT sum(kam.p_alive(m.bg, s.frequency, s.recency, s.t)) FROM summary s, m'),
	(11, 'BG/NBD kam.expected_purchases(90)', 'SELECT sum(kam.expected_purchases(m.bg, 90, s.frequency, s.recency, s.t)) FROM summary s, m'),
	(12, 'BG/NBD kam.probability_of_purchases(0, 90)', 'SELECT sum(kam.probability_of_purchases(m.bg, 0, 90, s.frequency, s.recency, s.t)) FROM summary s, m'),
	(13, 'BG/NBD kam.clv, 12 months', 'SELECT sum(kam.clv(m.bg, m.gg, s.frequency, s.recency, s.t, s.monetary, 12, 0.01, 30.4375)) FROM summary s, m'),
	(14, 'Pareto/NBD kam.p_alive', 'SELECT sum(kam.p_alive(m.pn, s.frequency, s.recency, s.t)) FROM summary s, m'),
	(15, 'Pareto/NBD kam.expected_purchases(90)', 'SELECT sum(kam.expected_purchases(m.pn, 90, s.frequency, s.recency, s.t)) FROM summary s, m'),
	(16, 'Pareto/NBD kam.probability_of_purchases(0, 90)', 'SELECT sum(kam.probability_of_purchases(m.pn, 0, 90, s.frequency, s.recency, s.t)) FROM summary s, m'),
	(17, 'Pareto/NBD kam.clv, 12 months', 'SELECT sum(kam.clv(m.pn, m.gg, s.frequency, s.recency, s.t, s.monetary, 12, 0.01, 30.4375)) FROM summary s, m'),
	(18, 'MBG/NBD kam.p_alive', 'SELECT sum(kam.p_alive(m.mb, s.frequency, s.recency, s.t)) FROM summary s, m'),
	(19, 'MBG/NBD kam.expected_purchases(90)', 'SELECT sum(kam.expected_purchases(m.mb, 90, s.frequency, s.recency, s.t)) FROM summary s, m'),
	(20, 'MBG/NBD kam.probability_of_purchases(0, 90)', 'SELECT sum(kam.probability_of_purchases(m.mb, 0, 90, s.frequency, s.recency, s.t)) FROM summary s, m'),
	(21, 'Gamma-Gamma kam.expected_spend', 'SELECT sum(kam.expected_spend(m.gg, s.frequency, s.monetary)) FROM summary s, m'),
	(22, 'BG/BB kam.p_alive', 'SELECT sum(kam.p_alive(m.bgbb, b.frequency, b.recency, b.n_periods)) FROM bb b, m'),
	(23, 'BG/BB kam.expected_purchases(5)', 'SELECT sum(kam.expected_purchases(m.bgbb, 5, b.frequency, b.recency, b.n_periods)) FROM bb b, m'),
	(24, 'BG/BB kam.dert(0.1)', 'SELECT sum(kam.dert(m.bgbb, 0.1, b.frequency, b.recency, b.n_periods)) FROM bb b, m');
CREATE TABLE results AS
SELECT step, bench(q, :runs) AS seconds FROM steps
 WHERE label ~ 'bare scan' OR label ~ :'only' ORDER BY step;
-- each step's ratio is to the scan of the table it reads
SELECT s.label AS "step", round(r.seconds::numeric, 3) AS seconds,
	   round((r.seconds / (SELECT seconds FROM results WHERE step = CASE
		   WHEN s.q ~ 'FROM bb' THEN 6 WHEN s.q ~ 'FROM contracts' THEN 8 ELSE 1 END))::numeric, 1) AS "x scan"
  FROM results r JOIN steps s USING (step)
 ORDER BY r.step;
SQL
