#!/usr/bin/env bash
# Lifetime-value models benchmark: the fit aggregates and kam.clv on customer
# summaries simulated from BG/NBD + Gamma-Gamma (test/bench/value_models_sim.c).
#   KAM_BENCH_CUSTOMERS (1,000,000): customers
#   KAM_BENCH_PARETO (100,000): customers for the (slower) Pareto/NBD fit
#   KAM_BENCH_RUNS (5): runs per figure (the median is reported)
# Every figure is a ratio to a pure scan of the same summary table (count and
# sums of the four columns) in the same run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
customers=${KAM_BENCH_CUSTOMERS:-1000000}
pareto=${KAM_BENCH_PARETO:-100000}

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start -c shared_buffers=1GB -c work_mem=256MB -c jit=off
kam_log "bench: simulating $customers customers"
cc -O2 -std=c99 -o "$KAM_TMP/value_sim" "$KAM_ROOT/test/bench/value_models_sim.c" -lm
"$KAM_TMP/value_sim" "$customers" 7 >"$KAM_TMP/value_sim.csv"
chmod 644 "$KAM_TMP/value_sim.csv"
db=kam_bench_value
kam_psql -c "CREATE DATABASE $db"
kam_psql -d "$db" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE s (id int, frequency int, recency float8, t float8, monetary float8)" \
	-c "\\copy s FROM '$KAM_TMP/value_sim.csv' WITH (FORMAT csv)" \
	-c "VACUUM ANALYZE s" \
	-c "CREATE TABLE m AS SELECT kam.bgnbd_fit(frequency, recency, t) AS bg,
		kam.gammagamma_fit(frequency, monetary) AS gg FROM s"
rm -f "$KAM_TMP/value_sim.csv"
info=$(kam_psql -d "$db" -At -c "SELECT count(*) || ' customers, ' || count(DISTINCT (frequency, recency, t))
	|| ' distinct (x, t_x, T), ' || count(DISTINCT (frequency, monetary)) FILTER (WHERE frequency > 0)
	|| ' distinct (x, m); BG/NBD ' || (SELECT format('r %s alpha %s a %s b %s', round((bg).r::numeric, 3),
	round((bg).alpha::numeric, 2), round((bg).a::numeric, 3), round((bg).b::numeric, 3)) FROM m) FROM s")

q_scan="SELECT count(*), sum(frequency), sum(recency), sum(t), sum(monetary) FROM s"
echo
echo "Lifetime-value benchmark: $info; median of $KAM_BENCH_RUNS runs; ratio to the pure scan of the same run"
for workers in 0 2; do
	setup="SET max_parallel_workers_per_gather = $workers"
	base=$(bench_ms "$db" "$setup" "$q_scan")
	echo
	echo "workers: $workers"
	echo "| query | ms | ratio to scan |"
	echo "|---|---:|---:|"
	bench_row "pure scan: count and sums" "$base" "$base"
	bench_row "kam.bgnbd_fit" "$(bench_ms "$db" "$setup" "SELECT kam.bgnbd_fit(frequency, recency, t) FROM s")" "$base"
	bench_row "kam.gammagamma_fit" "$(bench_ms "$db" "$setup" "SELECT kam.gammagamma_fit(frequency, monetary) FROM s")" "$base"
	bench_row "kam.p_alive, every customer" \
		"$(bench_ms "$db" "$setup" "SELECT sum(kam.p_alive(bg, frequency, recency, t)) FROM s, m")" "$base"
	bench_row "kam.clv 12 months, every customer" \
		"$(bench_ms "$db" "$setup" "SELECT sum(kam.clv(bg, gg, frequency, recency, t, monetary, 12, 0.01, 30)) FROM s, m")" "$base"
	bench_row "kam.paretonbd_fit, first $pareto customers" \
		"$(bench_ms "$db" "$setup" "SELECT kam.paretonbd_fit(frequency, recency, t) FROM s WHERE id <= $pareto")" "$base"
done
