#!/usr/bin/env bash
# Benchmark of the tier functions (not run by make check).
#   1. kam.abc over N values (default 1,000,000) against the same rule in SQL
#      with sum() OVER, and against a bare ORDER BY of the values;
#   2. kam.customer_tier end to end on the demo data set against a bare
#      GROUP BY customer over the orders and against the same columns in
#      hand-written SQL;
#   3. every tier view (SELECT * of all rows) against the same bare GROUP BY,
#      and, with KAM_BENCH_OLD=1 (the default up to 1,000,000 orders), the
#      previous definitions of the views (test/t/tiers_fast_oracle.sql).
# Each figure is the median of KAM_BENCH_RUNS (default 5) runs, reported as a
# ratio to the baseline measured in the same run.
#   bash test/bench/tiers.sh
#   KAM_BENCH_VALUES=1000000 KAM_BENCH_CUSTOMERS=20000 KAM_BENCH_ORDERS=500000 bash test/bench/tiers.sh
# KAM_BENCH_DB=name runs part 3 only, in database `name` of the server that
# PGHOST / PGPORT name (kam installed and bound, e.g. by kam_load_demo), so
# that a large data set is generated once:
#   KAM_BENCH_DB=big KAM_BENCH_RUNS=3 bash test/bench/tiers.sh
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
N=${KAM_BENCH_VALUES:-1000000}
CUSTOMERS=${KAM_BENCH_CUSTOMERS:-20000}
ORDERS=${KAM_BENCH_ORDERS:-500000}
RUNS=${KAM_BENCH_RUNS:-5}
tier_views="customer_tier tier_summary pareto_curve tier_changes tier_movements visit_compliance manager_visit_compliance period_kpis"
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# views_bench DB: part 3 (interleaved runs, as below)
views_bench() {
	local db=$1 old=${KAM_BENCH_OLD:-} i q v n
	local -A t
	n=$(kam_psql -d "$db" -At -c "SELECT count(*) FROM kam.orders")
	[ -n "$old" ] || { [ "$n" -le 1000000 ] && old=1 || old=0; }
	if [ "$old" = 1 ]; then
		kam_psql -d "$db" -c "DROP SCHEMA IF EXISTS oracle CASCADE" >/dev/null 2>&1
		kam_psql -d "$db" -q -f "$(dirname "$0")/../t/tiers_fast_oracle.sql"
	fi
	local names=(group) ; local -A sql=([group]="SELECT count(x.*) FROM (SELECT customer_id, sum(amount) FROM kam.orders GROUP BY 1) x")
	for v in $tier_views; do
		names+=("$v"); sql[$v]="SELECT count(x.*) FROM kam.$v x"
		if [ "$old" = 1 ]; then names+=("old_$v"); sql[old_$v]="SELECT count(x.*) FROM oracle.$v x"; fi
	done
	for ((i = 0; i < RUNS; i++)); do
		for q in "${names[@]}"; do
			t[$q]+="$(kam_psql -d "$db" -At -c '\timing on' -c "${sql[$q]}" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p') "
		done
	done
	for q in "${names[@]}"; do
		t[$q]=$(tr ' ' '\n' <<<"${t[$q]}" | grep . | median)
	done
	printf '\nkam tier views: %s orders; SELECT * (all rows), median of %s runs, ms and ratio to the bare GROUP BY\n' "$n" "$RUNS"
	printf '| view | ms | / GROUP BY |%s\n' "$([ "$old" = 1 ] && echo ' before (ms) | before / now |')"
	printf '|---|---|---|%s\n' "$([ "$old" = 1 ] && echo '---|---|')"
	awk -v g="${t[group]}" 'BEGIN { printf "| `SELECT customer_id, sum(amount) FROM kam.orders GROUP BY 1` | %.0f | 1.00 |\n", g }'
	for v in $tier_views; do
		awk -v v="$v" -v x="${t[$v]}" -v g="${t[group]}" -v o="${t[old_$v]:-}" 'BEGIN {
			printf "| `%s` | %.0f | %.2f |", v, x, x / g
			if (o != "") printf " %.0f | %.1f |", o, o / x
			printf "\n" }'
	done
}

if [ -n "${KAM_BENCH_DB:-}" ]; then
	views_bench "$KAM_BENCH_DB"
	exit 0
fi

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start -c shared_buffers=256MB -c work_mem=256MB -c jit=off -c max_parallel_workers_per_gather=0
kam_load_demo kam_bench "$CUSTOMERS" "$ORDERS" 42 >/dev/null
kam_psql -d kam_bench -c "CREATE TABLE bench_values AS
	SELECT g AS id, round((exp(4 + 1.5 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())))::numeric, 2)::float8 AS v
	  FROM generate_series(1, $N) g" -c "ANALYZE bench_values" >/dev/null
kam_psql -d kam_bench -c "SELECT setseed(0.42)" >/dev/null

# ms SQL: wall time of one run, in ms
ms() {
	kam_psql -d kam_bench -At -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
sort_sql="SELECT max(r) FROM (SELECT row_number() OVER (ORDER BY v DESC) AS r FROM bench_values) x"
sql_abc="SELECT count(*) FILTER (WHERE c = 'A'), count(*) FILTER (WHERE c = 'B') FROM (
	SELECT CASE WHEN v > 0 AND (run - grp) / total < 0.8 THEN 'A'
				WHEN v > 0 AND (run - grp) / total < 0.95 THEN 'B' ELSE 'C' END AS c
	  FROM (SELECT v, sum(v) FILTER (WHERE v > 0) OVER (ORDER BY v DESC) AS run,
				   sum(v) FILTER (WHERE v > 0) OVER (PARTITION BY v) AS grp,
				   sum(v) FILTER (WHERE v > 0) OVER () AS total
			  FROM bench_values) s) x"
kam_abc="SELECT count(*) FILTER (WHERE c = 'A'), count(*) FILTER (WHERE c = 'B') FROM (
	SELECT kam.abc(v) OVER (ORDER BY v DESC) AS c FROM bench_values) x"
# the two must agree before they are timed
a=$(kam_psql -d kam_bench -At -c "$sql_abc")
b=$(kam_psql -d kam_bench -At -c "$kam_abc")
[ "$a" = "$b" ] || { echo "kam.abc ($b) and the SQL rule ($a) disagree" >&2; exit 1; }

group_sql="SELECT count(x.*) FROM (SELECT customer_id, sum(amount) FROM kam.orders GROUP BY customer_id) x"
tier_sql="SELECT count(t.*) FROM kam.customer_tier t"
# the same columns in hand-written SQL (the demo's as_of 2025-12-31 and the default policies written in)
hand_tier_sql="WITH w AS (
	SELECT o.customer_id, sum(o.amount::numeric) AS revenue, '2025-12-31'::date - max(o.ordered_at)::date AS recency,
		   count(DISTINCT o.ordered_at::date) AS days
	  FROM kam.orders o WHERE o.ordered_at >= '2025-01-01' AND o.ordered_at < '2026-01-01' GROUP BY 1),
g AS (SELECT revenue, sum(revenue) AS gsum FROM w WHERE revenue > 0 GROUP BY 1),
c AS (
	SELECT revenue,
		   COALESCE(sum(gsum) OVER (ORDER BY revenue DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
			   / sum(gsum) OVER () AS above,
		   sum(gsum) OVER (ORDER BY revenue DESC ROWS UNBOUNDED PRECEDING) / sum(gsum) OVER () AS share
	  FROM g),
scored AS (
	SELECT w.*, ceil(5 * cume_dist() OVER (ORDER BY recency DESC))::int AS r,
		   ceil(5 * cume_dist() OVER (ORDER BY days))::int AS f,
		   ceil(5 * cume_dist() OVER (ORDER BY revenue))::int AS m
	  FROM w),
h AS (
	SELECT o.customer_id, count(DISTINCT o.ordered_at::date) AS days,
		   count(DISTINCT CASE WHEN o.ordered_at >= '2025-01-01' THEN date_trunc('quarter', o.ordered_at) END) AS q4,
		   count(DISTINCT CASE WHEN o.ordered_at >= '2024-01-01' THEN date_trunc('quarter', o.ordered_at) END) AS q8
	  FROM kam.orders o WHERE o.ordered_at < '2026-01-01' GROUP BY 1)
SELECT count(x.*) FROM (
SELECT k.customer_id, k.name, k.account_manager, COALESCE(s.revenue, 0)::float8 AS revenue_12m,
	   COALESCE(c.share, 1)::float8 AS cumulative_share,
	   CASE WHEN c.above < 0.8 THEN 'A' WHEN c.above < 0.95 THEN 'B' ELSE 'C' END AS abc,
	   CASE WHEN c.above < 0.5 THEN 'Strategic' WHEN c.above < 0.8 THEN 'A' WHEN c.above < 0.95 THEN 'B'
			WHEN c.above IS NOT NULL THEN 'C' END AS tier,
	   s.r, s.f, s.m,
	   CASE WHEN s.r IS NULL THEN NULL
			WHEN s.r <= 2 AND s.f <= 2 THEN 'hibernating' WHEN s.r <= 2 AND s.f <= 4 THEN 'at_risk'
			WHEN s.r <= 2 THEN 'cant_lose' WHEN s.r = 3 AND s.f <= 2 THEN 'about_to_sleep'
			WHEN s.r = 3 AND s.f = 3 THEN 'need_attention' WHEN s.r = 5 AND s.f >= 4 THEN 'champions'
			WHEN s.f >= 4 THEN 'loyal_customers' WHEN s.r = 4 AND s.f = 1 THEN 'promising'
			WHEN s.r = 5 AND s.f = 1 THEN 'new_customers' ELSE 'potential_loyalists' END AS segment,
	   CASE WHEN h.days IS NULL THEN 'prospect' WHEN h.days >= 2 AND h.q4 >= 3 AND h.q8 >= 7 THEN 'loyal'
			WHEN h.days >= 2 AND h.q4 >= 3 THEN 'regular' WHEN h.days >= 2 THEN 'repeat'
			ELSE 'first_time' END AS stage
  FROM kam.customers k
  LEFT JOIN scored s ON s.customer_id = k.customer_id
  LEFT JOIN c ON c.revenue = s.revenue
  LEFT JOIN h ON h.customer_id = k.customer_id) x"

# the runs are interleaved (one of each query per round) so that load from
# elsewhere on the machine falls on every query alike
declare -A times
names=(sort sql abc group tier hand)
declare -A query=([sort]=$sort_sql [sql]=$sql_abc [abc]=$kam_abc [group]=$group_sql [tier]=$tier_sql [hand]=$hand_tier_sql)
for ((i = 0; i < RUNS; i++)); do
	for q in "${names[@]}"; do
		times[$q]+="$(ms "${query[$q]}") "
	done
done
for q in "${names[@]}"; do
	declare "t_$q=$(tr ' ' '\n' <<<"${times[$q]}" | grep . | median)"
done

printf '\nkam tiers benchmark: %s values; demo data %s customers, %s orders; median of %s runs\n' \
	"$N" "$CUSTOMERS" "$ORDERS" "$RUNS"
printf '| %-52s | %10s | %8s |\n' "query" "ms" "ratio"
printf '|%s|%s|%s|\n' "------------------------------------------------------" "------------" "----------"
awk -v s="$t_sort" -v q="$t_sql" -v k="$t_abc" -v g="$t_group" -v t="$t_tier" -v h="$t_hand" 'BEGIN {
	printf "| %-52s | %10.0f | %8.2f |\n", "ORDER BY value DESC (row_number), baseline", s, 1
	printf "| %-52s | %10.0f | %8.2f |\n", "ABC rule in SQL with sum() OVER", q, q / s
	printf "| %-52s | %10.0f | %8.2f |\n", "kam.abc(v) OVER (ORDER BY v DESC)", k, k / s
	printf "| %-52s | %10s | %8.2f |\n", "kam.abc / SQL", "", k / q
	printf "| %-52s | %10.0f | %8.2f |\n", "GROUP BY customer over kam.orders, baseline", g, 1
	printf "| %-52s | %10.0f | %8.2f |\n", "the same columns in hand-written SQL", h, h / g
	printf "| %-52s | %10.0f | %8.2f |\n", "kam.customer_tier (all columns, end to end)", t, t / g
	printf "| %-52s | %10s | %8.2f |\n", "kam.customer_tier / hand-written SQL", "", t / h
}'

views_bench kam_bench
