#!/usr/bin/env bash
# Benchmark of the aggregates with a storable state (kam.concentration_state,
# kam.fit_state; not run by `make check`): kam.gini, kam.top_share and
# kam.bgnbd_fit over N synthetic rows, and kam.gini grouped into 1,000
# groups, each against a bare aggregate over the same rows (sum of the same
# columns, same grouping), serial (max_parallel_workers_per_gather = 0) and
# with the default parallel plan.  Run it on two builds to compare the state
# types' single-node cost: the ratios, not the milliseconds, are comparable.
# Each figure is the median of KAM_BENCH_RUNS (default 3) runs (after a
# warm-up), as a ratio to the baseline measured in the same run.
#   KAM_BENCH_ROWS  rows (default 2,000,000)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

rows=${KAM_BENCH_ROWS:-2000000}
runs=${KAM_BENCH_RUNS:-3}

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start -c shared_buffers=512MB -c work_mem=64MB
kam_psql -c "CREATE DATABASE bench" >/dev/null
kam_psql -d bench -c "CREATE EXTENSION kam" -c "CREATE TABLE vals AS
	SELECT g, (g::bigint * 7919 % 100003)::float8 / 7 AS v, (g % 20)::int AS x,
	       CASE WHEN g % 20 = 0 THEN 0 ELSE (g % 97)::float8 / 10 END AS tx, (10 + g % 13)::float8 AS t
	  FROM generate_series(1, $rows) g" -c "VACUUM ANALYZE vals" >/dev/null

# ms SETTING QUERY: median wall time of $runs runs (after one warm-up run)
ms() {
	local set=$1 q=$2 t times=() i
	kam_psql -d bench -o /dev/null -c "SET client_min_messages = error" -c "$set" -c "$q"
	for ((i = 0; i < runs; i++)); do
		t=$(kam_psql -d bench -o /dev/null -c "SET client_min_messages = error" -c "$set" -c '\timing on' -c "$q" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
		times+=("$t")
	done
	printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo
echo "rows=$rows runs=$runs (median ms; ratio to the bare aggregate of the same line)"
printf '| %-34s | %-8s | %9s | %9s | %6s |\n' query plan baseline kam kam/base
for plan in serial parallel; do
	if [ $plan = serial ]; then set="SET max_parallel_workers_per_gather = 0"; else set="RESET max_parallel_workers_per_gather"; fi
	while IFS='|' read -r label base q; do
		b=$(ms "$set" "$base")
		k=$(ms "$set" "$q")
		printf '| %-34s | %-8s | %9s | %9s | %6s |\n' "$label" $plan "$b" "$k" "$(ratio "$k" "$b")"
	done <<'Q'
gini|SELECT sum(v) FROM vals|SELECT kam.gini(v) FROM vals
top_share(0.2)|SELECT sum(v) FROM vals|SELECT kam.top_share(v, 0.2) FROM vals
gini by 1000 groups|SELECT g % 1000, sum(v) FROM vals GROUP BY 1|SELECT g % 1000, kam.gini(v) FROM vals GROUP BY 1
bgnbd_fit (histogram of x, tx, t)|SELECT sum(x), sum(tx), sum(t) FROM vals|SELECT kam.bgnbd_fit(x, tx, t) FROM vals
Q
done
