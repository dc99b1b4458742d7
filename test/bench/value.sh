#!/usr/bin/env bash
# Benchmark of the lifetime-value models on N customers' summaries (default
# 1,000,000): BG/NBD fit, Gamma-Gamma fit, and CLV scoring of every customer,
# each as the median of 5 runs (after one warm-up) and as a ratio to a bare
# scan (count(*)) of the same summary table measured in the same run.
#
# The summaries are simulated directly (test/value/simulate.c summary: BG/NBD
# purchases in days with T uniform on 1..1096 days, Gamma-Gamma spend, seed
# 7), so no order table is needed.  Self-sufficient like make check: its own
# throwaway cluster with default settings (parallel query on).
#   bash test/bench/value.sh [customers]
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

N=${1:-1000000}
kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start

cc -O2 -std=c99 -Wall -o "$KAM_TMP/simulate" "$KAM_ROOT/test/value/simulate.c" -lm
kam_psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE summary (frequency integer, recency float8, t float8, monetary float8)"
# r alpha a b (days) | p q v | T range
"$KAM_TMP/simulate" summary "$N" 1 7 0.6 40 1.1 12 4 3 250 1 1096 |
	kam_psql -c "\\copy summary FROM STDIN WITH (FORMAT csv)"
kam_psql -c "VACUUM ANALYZE summary"

kam_psql <<'SQL'
\pset footer off
-- median wall time, in seconds, of 5 runs of q (after one warm-up run)
CREATE FUNCTION bench(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	times float8[] := '{}';
BEGIN
	EXECUTE q;
	FOR i IN 1..5 LOOP
		t0 := clock_timestamp();
		EXECUTE q;
		times := times || extract(epoch FROM clock_timestamp() - t0)::float8;
	END LOOP;
	RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(times) x);
END
$$;
CREATE TABLE m AS
SELECT (SELECT kam.bgnbd_fit(frequency, recency, t) FROM summary) AS bg,
	   (SELECT kam.gammagamma_fit(frequency, monetary) FROM summary WHERE frequency > 0) AS gg;
SELECT (bg).r, (bg).alpha, (bg).a, (bg).b, (bg).converged AS bg_converged,
	   (gg).p, (gg).q, (gg).v, (gg).converged AS gg_converged FROM m;
CREATE TABLE results AS
SELECT step, bench(q) AS seconds
  FROM (VALUES
	(1, 'SELECT count(*) FROM summary'),
	(2, 'SELECT kam.bgnbd_fit(frequency, recency, t) FROM summary'),
	(3, 'SELECT kam.gammagamma_fit(frequency, monetary) FROM summary WHERE frequency > 0'),
	(4, 'SELECT sum(kam.clv(m.bg, m.gg, s.frequency, s.recency, s.t, s.monetary, 12, 0.01, 30.4375)) FROM summary s, m'),
	(5, 'SELECT sum(kam.p_alive(m.bg, s.frequency, s.recency, s.t) + kam.expected_purchases(m.bg, 90, s.frequency, s.recency, s.t) + kam.expected_spend(m.gg, s.frequency, s.monetary)) FROM summary s, m')
  ) v(step, q) ORDER BY step;
SELECT v.label AS "step", round(r.seconds::numeric, 3) AS seconds,
	   round((r.seconds / (SELECT seconds FROM results WHERE step = 1))::numeric, 1) AS "x scan"
  FROM results r
  JOIN (VALUES (1, 'bare scan (count(*))'), (2, 'kam.bgnbd_fit'), (3, 'kam.gammagamma_fit (frequency > 0)'),
			   (4, 'kam.clv, 12 months, every customer'),
			   (5, 'p_alive + expected_purchases + expected_spend, every customer')) v(step, label)
	USING (step)
 ORDER BY r.step;
SQL
