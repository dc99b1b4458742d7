#!/usr/bin/env bash
# Memory at scale (not run by make check):
#   bash test/bench/reliability.sh     (also run by make bench)
#   KAM_BENCH_CUSTOMERS (1,000,000) / KAM_BENCH_ORDERS (10,000,000): scale
# Loads the seeded demo data set at that scale into a throwaway cluster and
# runs kam.rfm grouped by customer over all orders, once with the default
# work_mem (4MB) and hash_mem_multiplier (2) and once with work_mem = 64kB,
# reporting the time, the backend's peak resident memory (VmHWM), the hash
# aggregate's batches and disk usage; then repeats kam.rfm 1,000 times in one
# session and reports the memory contexts' total and VmRSS before and after.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
customers=${KAM_BENCH_CUSTOMERS:-1000000} orders=${KAM_BENCH_ORDERS:-10000000}
kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start
t0=$(date +%s)
kam_load_demo kam_mem "$customers" "$orders" 42 >/dev/null
echo "loaded $customers customers, $(kam_psql -d kam_mem -At -c "SELECT count(*) FROM demo.orders") orders in $(($(date +%s) - t0)) s"

status="(SELECT string_agg(l, ' ') FROM regexp_split_to_table(pg_read_file('/proc/' || pg_backend_pid() || '/status'), E'\\n') l
	WHERE l LIKE 'VmHWM%' OR l LIKE 'VmRSS%' OR l LIKE 'RssAnon%')"
for wm in 4MB 64kB; do
	echo "== kam.rfm by customer, work_mem $wm, hash_mem_multiplier 2, no parallel workers"
	kam_psql -d kam_mem -At -c "SET work_mem = '$wm'" -c "SET max_parallel_workers_per_gather = 0" \
		-c "SET enable_sort = off" -c "SET enable_indexscan = off" -c "SELECT 'before: ' || $status" \
		-c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT customer_id, kam.rfm(ordered_at, amount::float8, '2025-12-31'::timestamptz)
			FROM demo.orders GROUP BY customer_id" -c "SELECT 'after: ' || $status" |
		grep -E "before|after|HashAggregate|Batches|Disk|Execution Time"
done
echo "== 1,000 repetitions of kam.rfm over 200 customers in one session"
{
	echo "\\o /dev/null"
	for i in $(seq 100); do echo "SELECT customer_id, kam.rfm(ordered_at, amount::float8, '2025-12-31'::timestamptz) FROM demo.orders WHERE customer_id < 200 GROUP BY 1;"; done
	echo "\\o"
	echo "SELECT 'after 100: contexts ' || sum(total_bytes) || ' bytes, ' || $status FROM pg_backend_memory_contexts;"
	echo "\\o /dev/null"
	for i in $(seq 1000); do echo "SELECT customer_id, kam.rfm(ordered_at, amount::float8, '2025-12-31'::timestamptz) FROM demo.orders WHERE customer_id < 200 GROUP BY 1;"; done
	echo "\\o"
	echo "SELECT 'after 1,100: contexts ' || sum(total_bytes) || ' bytes, ' || $status FROM pg_backend_memory_contexts;"
} >"$KAM_TMP/repeat.sql"
kam_psql -d kam_mem -At -f "$KAM_TMP/repeat.sql"
