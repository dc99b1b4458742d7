#!/usr/bin/env bash
# Benchmark of the Kaplan-Meier capability (not run by `make check`):
#   1. kam.km_fit + kam.km_median over N synthetic observations with integer
#      durations (periods: 0..120) and with continuous durations (all
#      distinct), against a bare scan (count + sum over the same rows) and a
#      hand-written SQL Kaplan-Meier (GROUP BY time, window sums for the
#      number at risk, exp(sum(ln(1 - d/n))) for the product, the median
#      picked from the curve);
#   2. kam.customer_survival on the demo data set against the same curve in
#      plain SQL (per-customer first/last period with date_trunc, then the
#      SQL Kaplan-Meier above) and against the bare per-customer GROUP BY.
# Each figure is the median of KAM_BENCH_RUNS (5) runs, as a ratio to the
# baseline measured in the same run.
#   KAM_BENCH_ROWS       synthetic observations (default 10,000,000)
#   KAM_BENCH_CUSTOMERS  demo customers (default 1,000,000)
#   KAM_BENCH_ORDERS     demo orders (default 10,000,000)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

rows=${KAM_BENCH_ROWS:-10000000}
customers=${KAM_BENCH_CUSTOMERS:-1000000}
orders=${KAM_BENCH_ORDERS:-10000000}
runs=${KAM_BENCH_RUNS:-5}

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start -c shared_buffers=1GB -c work_mem=64MB
kam_log "kam bench: loading $customers customers / $orders orders and $rows observations"
kam_load_demo bench "$customers" "$orders" 42 >/dev/null
kam_psql -d bench -c "CREATE TABLE obs AS
	SELECT (g % 121)::float8 AS d_int, (g * 0.6180339887498949 % 1000)::float8 AS d_cont,
	       (g::bigint * 7919) % 10 < 7 AS e
	  FROM generate_series(1, $rows) g" -c "VACUUM ANALYZE obs" >/dev/null

# ms QUERY: median wall time of $runs runs (after one warm-up run)
ms() {
	local q=$1 t times=()
	kam_psql -d bench -o /dev/null -c "$q"
	for ((i = 0; i < runs; i++)); do
		t=$(kam_psql -d bench -o /dev/null -c '\timing on' -c "$q" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
		times+=("$t")
	done
	printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p"
}

sql_km() { # sql_km COLUMN: hand-written Kaplan-Meier median over obs
	cat <<SQL
WITH h AS (SELECT $1 AS t, count(*) FILTER (WHERE e) AS d, count(*) AS m FROM obs GROUP BY $1),
c AS (SELECT t, d, sum(m) OVER (ORDER BY t DESC) AS n FROM h),
k AS (SELECT t, exp(sum(ln(1 - d::float8 / n)) OVER (ORDER BY t)) AS s FROM c WHERE d < n)
SELECT min(t) FROM k WHERE s < 0.5
SQL
}

oracle_view=$(cat <<'SQL'
WITH cust AS (
	SELECT min(ordered_at)::date AS f, max(ordered_at)::date AS l FROM demo.orders
	 WHERE ordered_at::date <= (SELECT kam.as_of()) GROUP BY customer_id
), lt AS (
	SELECT (extract(year FROM l) * 12 + extract(month FROM l)) - (extract(year FROM f) * 12 + extract(month FROM f)) AS t,
	       (SELECT extract(year FROM a) * 12 + extract(month FROM a) FROM kam.as_of() a)
	     - (extract(year FROM l) * 12 + extract(month FROM l)) >= 1 AS e
	  FROM cust
), h AS (SELECT t, count(*) FILTER (WHERE e) AS d, count(*) AS m FROM lt GROUP BY t),
c AS (SELECT t, d, m, sum(m) OVER (ORDER BY t DESC) AS n FROM h)
SELECT t, n, d, m - d, exp(sum(ln(1 - d::float8 / n)) OVER (ORDER BY t)) FROM c WHERE d < n
SQL
)

base_int=$(ms "SELECT count(*), sum(d_int) FROM obs")
kam_int=$(ms "SELECT kam.km_median(kam.km_fit(d_int, e)) FROM obs")
sql_int=$(ms "$(sql_km d_int)")
base_cont=$(ms "SELECT count(*), sum(d_cont) FROM obs")
kam_cont=$(ms "SELECT kam.km_median(kam.km_fit(d_cont, e)) FROM obs")
sql_cont=$(ms "$(sql_km d_cont)")
base_view=$(ms "SELECT count(*) FROM (SELECT customer_id, min(ordered_at), max(ordered_at) FROM demo.orders GROUP BY customer_id) x")
kam_view=$(ms "SELECT * FROM kam.customer_survival")
sql_view=$(ms "$oracle_view")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "rows=$rows customers=$customers orders=$orders runs=$runs (median ms; ratio to the baseline of the same line)"
printf '| %-46s | %10s | %10s | %10s | %9s | %9s |\n' "query" "baseline" "kam" "SQL" "kam/base" "SQL/kam"
printf '| %-46s | %10s | %10s | %10s | %9s | %9s |\n' "km_fit, integer durations (121 times)" "$base_int" "$kam_int" "$sql_int" "$(ratio "$kam_int" "$base_int")" "$(ratio "$sql_int" "$kam_int")"
printf '| %-46s | %10s | %10s | %10s | %9s | %9s |\n' "km_fit, continuous durations (all distinct)" "$base_cont" "$kam_cont" "$sql_cont" "$(ratio "$kam_cont" "$base_cont")" "$(ratio "$sql_cont" "$kam_cont")"
printf '| %-46s | %10s | %10s | %10s | %9s | %9s |\n' "customer_survival (month)" "$base_view" "$kam_view" "$sql_view" "$(ratio "$kam_view" "$base_view")" "$(ratio "$sql_view" "$kam_view")"
