#!/usr/bin/env bash
# Foundation benchmark: kam.rfm per customer against the SQL a DBA would write.
#   KAM_BENCH_CUSTOMERS (1,000,000) / KAM_BENCH_ORDERS (10,000,000): scale
#   KAM_BENCH_RUNS (5): runs per figure (the median is reported)
# Every figure is a ratio to a bare GROUP BY customer_id with count(*) in the
# same run, serial and with 2 parallel workers.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
customers=${KAM_BENCH_CUSTOMERS:-1000000}
orders=${KAM_BENCH_ORDERS:-10000000}

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start -c shared_buffers=2GB -c work_mem=256MB -c max_parallel_workers_per_gather=2 \
	-c jit=off -c max_wal_size=8GB
kam_log "bench: generating $customers customers / $orders orders"
cc -O2 -std=c99 -o "$KAM_TMP/kamgen" "$KAM_ROOT/test/demo/generate.c" -lm
mkdir -p "$KAM_TMP/data-bench"
"$KAM_TMP/kamgen" -c "$customers" -o "$orders" -s 7 -d "$KAM_TMP/data-bench"
db=kam_bench
kam_psql -c "CREATE DATABASE $db"
kam_psql -d "$db" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE orders (order_id bigint, customer_id bigint, ordered_at timestamptz, amount float8, margin float8)" \
	-c "\\copy orders FROM '$KAM_TMP/data-bench/orders.csv' WITH (FORMAT csv)" \
	-c "VACUUM ANALYZE orders"
rm -rf "$KAM_TMP/data-bench"
n=$(kam_psql -d "$db" -At -c "SELECT count(*) || ' orders, ' || count(DISTINCT customer_id) || ' customers' FROM orders")

q_scan="SELECT count(*) FROM orders"
q_group="SELECT customer_id, count(*) FROM orders GROUP BY customer_id"
q_plain="SELECT customer_id, count(*), sum(amount), min(ordered_at), max(ordered_at) FROM orders GROUP BY customer_id"
q_kam="SELECT customer_id, kam.rfm(ordered_at, amount, '2025-12-31'::timestamptz) FROM orders GROUP BY customer_id"
# the same definitions by hand: distinct days, a window for the first day, a filtered sum
q_sql="SELECT customer_id, count(*) AS orders, sum(amount) AS revenue,
		count(DISTINCT d) - 1 AS frequency, max(d) - min(d) AS recency, date '2025-12-31' - min(d) AS t,
		COALESCE(sum(amount) FILTER (WHERE d > first_d) / NULLIF(count(DISTINCT d) - 1, 0), 0) AS monetary
	FROM (SELECT o.customer_id, o.amount, o.ordered_at::date AS d,
				 min(o.ordered_at::date) OVER (PARTITION BY o.customer_id) AS first_d
			FROM orders o WHERE o.ordered_at::date <= date '2025-12-31') x
	GROUP BY customer_id"

echo
echo "kam.rfm benchmark: $n; median of $KAM_BENCH_RUNS runs; ratio to the bare GROUP BY of the same run"
for workers in 0 2; do
	setup="SET max_parallel_workers_per_gather = $workers"
	base=$(bench_ms "$db" "$setup" "$q_group")
	echo
	echo "workers: $workers"
	echo "| query | ms | ratio to GROUP BY |"
	echo "|---|---:|---:|"
	bench_row "pure scan: count(*)" "$(bench_ms "$db" "$setup" "$q_scan")" "$base"
	bench_row "bare GROUP BY customer_id, count(*)" "$base" "$base"
	bench_row "plain summary: count, sum, min, max" "$(bench_ms "$db" "$setup" "$q_plain")" "$base"
	bench_row "kam.rfm per customer" "$(bench_ms "$db" "$setup" "$q_kam")" "$base"
	bench_row "hand-written SQL, same definitions" "$(bench_ms "$db" "$setup" "$q_sql")" "$base"
done
