#!/usr/bin/env bash
# Benchmark of numeric amounts (not run by make check): SELECT * of every
# report view on the demo data bound three ways, in three databases of one
# cluster:
#   numeric  the demo's numeric(12,2) orders (kam.orders reads them through
#            kam.amount_float8);
#   cast     a view over them casting amount::float8 and margin::float8, what
#            kam.orders did before (numeric_float8's text round trip);
#   float8   a float8 copy of the same orders (the baseline).
# Each figure is the median of KAM_BENCH_RUNS (default 5) runs of the backend's
# CPU time for EXPLAIN (ANALYZE, TIMING OFF) of the query (from
# /proc/PID/schedstat, nanoseconds on a CPU: on a shared machine this leaves
# out the time spent waiting for one, which wall-clock figures do not); the
# runs of the three bindings alternate, and the ratios are to the float8 copy
# (target: numeric within 1.05x).
#   bash test/bench/numeric.sh
#   KAM_BENCH_CUSTOMERS=20000 KAM_BENCH_ORDERS=500000 KAM_BENCH_RUNS=3 bash test/bench/numeric.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# cpu_ms DB QUERY: the backend's CPU time for one EXPLAIN ANALYZE of QUERY, in ms
cpu_ms() {
	kam_psql -d "$1" -At <<SQL | tail -1
SET TimeZone = 'UTC';
SELECT pg_backend_pid() AS pid \\gset
\\set t0 \`awk '{ print \$1 }' /proc/:pid/schedstat\`
EXPLAIN (ANALYZE, TIMING OFF) $2;
\\set t1 \`awk '{ print \$1 }' /proc/:pid/schedstat\`
SELECT (:t1 - :t0) / 1e6;
SQL
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
customers=${KAM_BENCH_CUSTOMERS:-20000}
orders=${KAM_BENCH_ORDERS:-500000}

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start -c shared_buffers=512MB -c work_mem=256MB -c jit=off -c max_parallel_workers_per_gather=0
kam_load_demo kam_numeric "$customers" "$orders" 42 >/dev/null
for db in kam_cast kam_float8; do
	kam_psql -c "CREATE DATABASE $db TEMPLATE kam_numeric"
done
kam_psql -d kam_cast <<'SQL' >/dev/null
CREATE VIEW demo.orders_cast AS
SELECT order_id, customer_id, ordered_at, amount::float8 AS amount, margin::float8 AS margin FROM demo.orders;
SELECT kam.bind_orders('demo.orders_cast', 'customer_id', 'ordered_at', 'amount', 'margin');
SQL
kam_psql -d kam_float8 <<'SQL' >/dev/null
CREATE TABLE demo.orders_f8 AS
SELECT order_id, customer_id, ordered_at, amount::float8 AS amount, margin::float8 AS margin FROM demo.orders;
CREATE INDEX ON demo.orders_f8 (customer_id);
VACUUM ANALYZE demo.orders_f8;
SELECT kam.bind_orders('demo.orders_f8', 'customer_id', 'ordered_at', 'amount', 'margin');
SQL
for db in kam_numeric kam_cast kam_float8; do
	kam_psql -d "$db" -c "VACUUM ANALYZE" -c "SELECT count(*) FROM kam.fit_models()" >/dev/null
done
mapfile -t views < <(kam_psql -d kam_numeric -At -c "SELECT r.name FROM kam.report_views r
	WHERE to_regclass('kam.' || quote_ident(r.name)) IS NOT NULL ORDER BY r.position")

echo
echo "numeric amounts: $customers customers / $orders orders (demo data), backend CPU ms, median of $KAM_BENCH_RUNS runs;"
echo "ratios to the same view over a float8 copy of the orders, in the same run"
echo
echo "| view | float8 CPU ms | numeric CPU ms | ratio | numeric via ::float8 (before) CPU ms | ratio |"
echo "|---|---:|---:|---:|---:|---:|"
for v in kam.orders "${views[@]/#/kam.}"; do
	q="SELECT * FROM $v"
	ft=() nt=() ct=()
	for ((i = 0; i < KAM_BENCH_RUNS; i++)); do
		ft+=("$(cpu_ms kam_float8 "$q")")
		nt+=("$(cpu_ms kam_numeric "$q")")
		ct+=("$(cpu_ms kam_cast "$q")")
	done
	f=$(printf '%s\n' "${ft[@]}" | median)
	n=$(printf '%s\n' "${nt[@]}" | median)
	c=$(printf '%s\n' "${ct[@]}" | median)
	awk -v l="$v" -v f="$f" -v n="$n" -v c="$c" \
		'BEGIN { printf "| `%s` | %.0f | %.0f | %.2f | %.0f | %.2f |\n", l, f, n, n / f, c, c / f }'
done
