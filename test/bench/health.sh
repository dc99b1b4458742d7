#!/usr/bin/env bash
# Benchmark of the account health views (not run by make check) on the demo
# data set (default 20,000 customers / 500,000 orders, every health input
# bound, lifetime-value models stored): each view read whole, against the
# bare GROUP BY customer over kam.orders and against kam.customer_tier and
# kam.tier_changes, which the views read.  Serial; with JIT off and with the
# server's default JIT settings.  Each query is timed by EXPLAIN (ANALYZE,
# TIMING OFF) (the whole plan, no rows to the client) and by the CPU time of
# its backend (user + system, from /proc; the server runs on this machine),
# which load from other work on a shared machine inflates much less than the
# elapsed time.  Figures are medians of KAM_BENCH_RUNS (default 5) runs, as
# ratios to the GROUP BY of the same run; the runs are interleaved.
#   bash test/bench/health.sh
#   KAM_BENCH_CUSTOMERS=100000 KAM_BENCH_ORDERS=2000000 KAM_BENCH_RUNS=3 bash test/bench/health.sh
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

# run JIT QUERY: "elapsed_ms cpu_ms" of one run in a session of its own
run() {
	kam_psql -d kam_bench -At <<SQL | awk '/^cpu / { c[++n] = $2 } /^Execution Time:/ { t = $3 } END { print t, (c[2] - c[1]) * 10 }'
SET jit = $1;
SELECT pg_backend_pid() AS pid \gset
\setenv KAM_PID :pid
\! awk '{ print "cpu", \$14 + \$15 }' /proc/\$KAM_PID/stat
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) $2;
\! awk '{ print "cpu", \$14 + \$15 }' /proc/\$KAM_PID/stat
SQL
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

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
	[changes]="kam.tier_changes (read by alerts and portfolio)"
	[health]="kam.account_health"
	[alerts]="kam.account_alerts"
	[portfolio]="kam.manager_portfolio"
	[dependence]="kam.account_dependence")

printf '\nkam account health benchmark: demo data %s customers, %s orders; serial; median of %s runs; load average %s\n' \
	"$CUSTOMERS" "$ORDERS" "$KAM_BENCH_RUNS" "$(cut -d ' ' -f 1-3 /proc/loadavg)"
for jit in off on; do
	declare -A wall=() cpu=()
	for ((i = 0; i < KAM_BENCH_RUNS; i++)); do
		for q in "${names[@]}"; do
			read -r w c < <(run "$jit" "${query[$q]}")
			wall[$q]+="$w " cpu[$q]+="$c "
		done
	done
	bw=$(median <<<"${wall[group]}") bc=$(median <<<"${cpu[group]}")
	printf '\njit = %s\n| %-48s | %9s | %7s | %7s | %7s |\n|---|---:|---:|---:|---:|\n' "$jit" query "elapsed ms" ratio "CPU ms" ratio
	for q in "${names[@]}"; do
		awk -v l="${label[$q]}" -v w="$(median <<<"${wall[$q]}")" -v c="$(median <<<"${cpu[$q]}")" -v bw="$bw" -v bc="$bc" \
			'BEGIN { printf "| %-48s | %9.0f | %7.2f | %7.0f | %7.2f |\n", l, w, w / bw, c, c / bc }'
	done
	unset wall cpu
done
