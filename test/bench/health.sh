#!/usr/bin/env bash
# Benchmark of the account health views (not run by make check) on the demo
# data set (default 20,000 customers / 500,000 orders, every health input
# bound, lifetime-value models stored): each view read whole, against the
# bare GROUP BY customer over kam.orders and against kam.customer_tier and
# kam.tier_changes, which the views read.  Serial; once with JIT off and once
# with the server's default JIT settings.  Each figure is the median of
# KAM_BENCH_RUNS (default 5) runs of EXPLAIN (ANALYZE, TIMING OFF); the runs
# are interleaved, so that load from elsewhere falls on every query alike.
#   bash test/bench/health.sh
#   KAM_BENCH_CUSTOMERS=100000 KAM_BENCH_ORDERS=2000000 bash test/bench/health.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CUSTOMERS=${KAM_BENCH_CUSTOMERS:-20000}
ORDERS=${KAM_BENCH_ORDERS:-500000}

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start -c shared_buffers=256MB -c max_parallel_workers_per_gather=0
kam_load_demo kam_bench "$CUSTOMERS" "$ORDERS" 42 >/dev/null
kam_psql -d kam_bench -c "SELECT count(*) FROM kam.fit_models()" >/dev/null

names=(group tier changes health alerts portfolio dependence)
declare -A query=(
	[group]="SELECT customer_id, sum(amount) FROM kam.orders GROUP BY 1"
	[tier]="SELECT * FROM kam.customer_tier"
	[changes]="SELECT * FROM kam.tier_changes"
	[health]="SELECT * FROM kam.account_health"
	[alerts]="SELECT * FROM kam.account_alerts"
	[portfolio]="SELECT * FROM kam.manager_portfolio"
	[dependence]="SELECT * FROM kam.account_dependence")
declare -A label=(
	[group]="GROUP BY customer over kam.orders, baseline"
	[tier]="kam.customer_tier (read by every health view)"
	[changes]="kam.tier_changes (read by the alerts)"
	[health]="kam.account_health"
	[alerts]="kam.account_alerts"
	[portfolio]="kam.manager_portfolio"
	[dependence]="kam.account_dependence")

printf '\nkam account health benchmark: demo data %s customers, %s orders; serial; median of %s runs\n' \
	"$CUSTOMERS" "$ORDERS" "$KAM_BENCH_RUNS"
for jit in off on; do
	declare -A times=()
	for ((i = 0; i < KAM_BENCH_RUNS; i++)); do
		for q in "${names[@]}"; do
			times[$q]+="$(KAM_BENCH_RUNS=1 bench_ms kam_bench "SET jit = $jit" "${query[$q]}") "
		done
	done
	printf '\njit = %s\n| %-50s | %8s | %8s |\n|---|---:|---:|\n' "$jit" "query" "ms" "ratio"
	base=$(tr ' ' '\n' <<<"${times[group]}" | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	for q in "${names[@]}"; do
		t=$(tr ' ' '\n' <<<"${times[$q]}" | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
		bench_row "${label[$q]}" "$t" "$base"
	done
	unset times
done
