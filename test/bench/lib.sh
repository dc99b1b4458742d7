#!/usr/bin/env bash
# Benchmark helpers: timings come from EXPLAIN (ANALYZE, TIMING OFF), which runs
# the whole plan but sends no rows to the client; each figure is the median of
# KAM_BENCH_RUNS runs (default 5) and is reported as a ratio to a baseline
# measured in the same run.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

KAM_BENCH_RUNS=${KAM_BENCH_RUNS:-5}

# bench_ms DB SETUP_SQL QUERY: median execution time in ms over KAM_BENCH_RUNS runs
bench_ms() {
	local db=$1 setup=$2 query=$3 i t times=()
	for ((i = 0; i < KAM_BENCH_RUNS; i++)); do
		t=$(kam_psql -d "$db" -At -c "$setup" -c "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) $query" |
			sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p')
		[ -n "$t" ] || { kam_log "bench: no timing for: $query"; return 1; }
		times+=("$t")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# bench_row LABEL MS BASELINE_MS: one markdown table row
bench_row() {
	awk -v l="$1" -v t="$2" -v b="$3" 'BEGIN { printf "| %s | %.0f | %.2f |\n", l, t, t / b }'
}
