#!/usr/bin/env bash
# Benchmark: the snapshot store (sql/kam/70_snapshots.sql).
#   bash test/bench/snapshots.sh [customers] [orders] [runs]
# Defaults: the demo size, 20,000 customers and 500,000 orders, 3 runs (the
# issue's 1M / 10M works too, given the time).  JIT off (see doc/snapshots.md).
# Medians of the runs, ratios within the same run:
#   1. kam.refresh() (full) against one live computation of every report view
#      (the sum of each view read live once: what a dashboard pays per round);
#   2. SELECT * of each view from the fresh store against the same view live;
#   3. the capture triggers' cost on the user's writes: a 10,000-row INSERT
#      and 200 one-row INSERTs (in one DO block) into the bound orders, with
#      the trigger and with it disabled, each rolled back, in a warm session
#      (the statement ran once before), alternating.  KAM_BENCH_PARTS=triggers
#      runs only this part;
#   4. after 1% new orders (half for existing customers spread over all of
#      them, half for new customers): SELECT * of each customer-local view,
#      read merged, against the same view live; the incremental kam.refresh()
#      against a full one over the same data (forced by a logged TRUNCATE), with
#      the time each spent in the customer-local and in the other views (from
#      pg_stat_statements, which the bench cluster preloads, tracking off
#      except in the refresh's session).  KAM_BENCH_PARTS=incremental runs only
#      this part.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

customers=${1:-20000}
orders=${2:-500000}
KAM_BENCH_RUNS=${3:-3}

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start -c shared_buffers=512MB -c work_mem=64MB -c max_parallel_workers_per_gather=2 -c jit=off \
	-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=none
t0=$(date +%s)
kam_load_demo bench "$customers" "$orders" 42 >/dev/null
kam_log "loaded $customers customers, $orders orders in $(($(date +%s) - t0)) s"
kam_psql -d bench >/dev/null <<'SQL'
SET client_min_messages = warning;
VACUUM ANALYZE demo.orders;
SELECT count(*) FROM kam.fit_models();
SELECT kam.enable_snapshots();
SELECT kam.refresh();
SQL
views=$(kam_psql -d bench -At -c "SELECT name FROM kam.report_views WHERE to_regclass('kam.' || name) IS NOT NULL ORDER BY position")
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# view_ratios A B VIEWS: a table row per view of the medians of A[view] and
# B[view] (space-separated ms, associative arrays named A and B) and A / B
view_ratios() {
	local -n a=$1 b=$2
	local v s l
	for v in $3; do
		s=$(tr ' ' '\n' <<<"${a[$v]}" | grep . | median)
		l=$(tr ' ' '\n' <<<"${b[$v]}" | grep . | median)
		awk -v v="$v" -v s="$s" -v l="$l" 'BEGIN { printf "| `kam.%s` | %.1f | %.1f | %.3f |\n", v, s, l, s / l }'
	done
}
# wall ms of one statement (psql's \timing), client transfer included
wall_ms() { kam_psql -d bench -At -c "$1" -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*$/\1/p' | tail -n 1; }

declare -A store live
refresh_t=() alllive_t=()
# KAM_BENCH_PARTS=triggers or incremental: only part 3 or 4
parts=${KAM_BENCH_PARTS:-all}
[ "$parts" = all ] && KAM_VIEW_RUNS=$KAM_BENCH_RUNS || KAM_VIEW_RUNS=0
for ((r = 0; r < KAM_VIEW_RUNS; r++)); do
	refresh_t+=("$(wall_ms "SET client_min_messages = warning" "SELECT kam.refresh()")")
	sum=0
	for v in $views; do
		s=$(wall_ms "SELECT 1" "SELECT * FROM kam.$v")
		l=$(wall_ms "SET kam.snapshot_reads = 'live'" "SELECT * FROM kam.$v")
		store[$v]+="$s "
		live[$v]+="$l "
		sum=$(awk -v a="$sum" -v b="$l" 'BEGIN { print a + b }')
	done
	alllive_t+=("$sum")
done
fresh=$(kam_psql -d bench -At -c "SELECT reads_store FROM kam.snapshot_status")
[ "$fresh" = t ] || { kam_log "bench: the store was not fresh"; exit 1; }

if ((KAM_VIEW_RUNS)); then
rf=$(printf '%s\n' "${refresh_t[@]}" | median)
al=$(printf '%s\n' "${alllive_t[@]}" | median)
echo "### Snapshot store: $customers customers, $orders orders, median of $KAM_BENCH_RUNS, JIT off"
echo
echo "| what | ms | ratio |"
echo "|---|---:|---:|"
bench_row "every report view read live once (sum), baseline" "$al" "$al"
bench_row "\`kam.refresh()\` (full)" "$rf" "$al"
echo
echo "| view | store ms | live ms | store / live |"
echo "|---|---:|---:|---:|"
view_ratios store live "$views"
fi

if [ "$parts" = all ] || [ "$parts" = incremental ]; then
kam_psql -d bench -c "CREATE EXTENSION pg_stat_statements" >/dev/null
locals=$(kam_psql -d bench -At -c "SELECT l.name FROM kam.snapshot_local_views l JOIN kam.report_views r USING (name)
	WHERE to_regclass('kam.' || l.name) IS NOT NULL ORDER BY r.position")
new_orders=$((orders / 100))
# ms the refresh just run spent in the statements that write the stores of
# the customer-local views (LOCAL = true) or of the others
split_ms() {
	kam_psql -d bench -At -c "SELECT coalesce(round(sum(total_exec_time)::numeric, 1), 0) FROM pg_stat_statements
		WHERE query ~ '^(INSERT INTO|DELETE FROM) kam\.snapshot_[a-z_]+'
		  AND (substring(query from 'kam\.snapshot_([a-z_]+)') = ANY (string_to_array('$(tr '\n' ' ' <<<"$locals")', ' '))) = $1"
}
# refresh_ms: ms of kam.refresh() with pg_stat_statements tracking it, reset first; then the split
refresh_ms() {
	kam_psql -d bench -At -c "SELECT pg_stat_statements_reset()" >/dev/null
	wall_ms "SET client_min_messages = warning; SET pg_stat_statements.track = 'all'" "SELECT kam.refresh()"
}
declare -A merged mlive
inc_t=() full_t=() inc_local=() inc_other=() full_local=() full_other=() inc_n=()
for ((r = 0; r < KAM_BENCH_RUNS; r++)); do
	kam_psql -d bench -At -c "SET client_min_messages = warning" -c "SELECT kam.refresh()" >/dev/null
	# 1% new orders: half spread over the existing customers, half for new ones (10 orders each)
	kam_psql -d bench >/dev/null <<SQL
SET client_min_messages = warning;
INSERT INTO demo.customers (customer_id, name, account_manager)
SELECT m + g, 'bench new ' || (m + g), 'mgr 1' FROM generate_series(1, $((new_orders / 20))) g,
	(SELECT max(customer_id) AS m FROM demo.customers) x;
INSERT INTO demo.orders (order_id, customer_id, ordered_at, amount, margin)
SELECT m + g, CASE WHEN g % 2 = 0 THEN 1 + (g * 7919) % $customers
				   ELSE (SELECT max(customer_id) FROM demo.customers) - (g / 2) % $((new_orders / 20)) END,
	   timestamptz '2025-12-30 10:00+00' - interval '1 day' * (g % 300), 10 + g % 90, 1
  FROM generate_series(1, $new_orders) g, (SELECT max(order_id) AS m FROM demo.orders) x;
SQL
	[ "$(kam_psql -d bench -At -c "SELECT reads_merged FROM kam.snapshot_status")" = t ] ||
		{ kam_log "bench: the local views do not read merged"; exit 1; }
	for v in $locals; do
		merged[$v]+="$(wall_ms "SELECT 1" "SELECT * FROM kam.$v") "
		mlive[$v]+="$(wall_ms "SET kam.snapshot_reads = 'live'" "SELECT * FROM kam.$v") "
	done
	inc_t+=("$(refresh_ms)")
	inc_local+=("$(split_ms true)") inc_other+=("$(split_ms false)")
	[ "$(kam_psql -d bench -At -c "SELECT last_refresh_incremental FROM kam.snapshot_status")" = t ] ||
		{ kam_log "bench: the refresh was not incremental"; exit 1; }
	inc_n+=("$(kam_psql -d bench -At -c "SELECT customers_recomputed FROM kam.snapshot_status")")
	# the same data, refreshed in full: a logged TRUNCATE rules the incremental refresh out
	kam_psql -d bench -c "INSERT INTO kam.snapshot_log (kind, customer_ids) VALUES ('orders', NULL)" >/dev/null
	full_t+=("$(refresh_ms)")
	full_local+=("$(split_ms true)") full_other+=("$(split_ms false)")
done
it=$(printf '%s\n' "${inc_t[@]}" | median)
ft=$(printf '%s\n' "${full_t[@]}" | median)
echo
echo "### Incremental refresh and merged reads after $new_orders new orders (1%; $(printf '%s\n' "${inc_n[@]}" | median) customers logged), median of $KAM_BENCH_RUNS"
echo
echo "| refresh | ms | ratio | in the customer-local views ms | in the other views ms |"
echo "|---|---:|---:|---:|---:|"
awk -v t="$ft" -v l="$(printf '%s\n' "${full_local[@]}" | median)" -v o="$(printf '%s\n' "${full_other[@]}" | median)" \
	'BEGIN { printf "| full `kam.refresh()`, baseline | %.0f | 1.00 | %.0f | %.0f |\n", t, l, o }'
awk -v t="$it" -v b="$ft" -v l="$(printf '%s\n' "${inc_local[@]}" | median)" -v o="$(printf '%s\n' "${inc_other[@]}" | median)" \
	'BEGIN { printf "| incremental `kam.refresh()` | %.0f | %.3f | %.0f | %.0f |\n", t, t / b, l, o }'
echo
echo "| customer-local view, 1% pending | merged ms | live ms | merged / live |"
echo "|---|---:|---:|---:|"
view_ratios merged mlive "$locals"
kam_psql -d bench -At -c "SET client_min_messages = warning" -c "SELECT kam.refresh()" >/dev/null
fi
[ "$parts" = incremental ] && exit 0

# the triggers' cost: the same statements with the triggers enabled and disabled
ins10k="INSERT INTO demo.orders SELECT m + g, 1 + (g * 7919) % $customers, timestamptz '2025-12-30 10:00+00', 10 + g % 90, 1
	FROM generate_series(1, 10000) g, (SELECT max(order_id) AS m FROM demo.orders) x"
ins1="DO \$\$ DECLARE m bigint := (SELECT max(order_id) FROM demo.orders); BEGIN
	FOR i IN 1..200 LOOP INSERT INTO demo.orders VALUES (m + i, 1 + (i * 7919) % $customers, timestamptz '2025-12-30 10:00+00', 25, 2); END LOOP; END \$\$"
off="ALTER TABLE demo.orders DISABLE TRIGGER kam_snapshot_insert"
# timed(OFF STATEMENT): ms of STATEMENT in a warm session (it ran once before,
# rolled back, as on a pooled connection), OFF = the ALTER that disables the trigger or empty
timed() {
	kam_psql -d bench -At -c "BEGIN" -c "$2" -c "ROLLBACK" -c "BEGIN" ${1:+-c "$1"} -c '\timing on' -c "$2" \
		-c '\timing off' -c "ROLLBACK" | sed -n 's/^Time: \([0-9.]*\) ms.*$/\1/p'
}
with10=() without10=() with1=() without1=()
for ((r = 0; r < KAM_BENCH_RUNS * 2 + 1; r++)); do
	with10+=("$(timed "" "$ins10k")")
	without10+=("$(timed "$off" "$ins10k")")
	with1+=("$(timed "" "$ins1")")
	without1+=("$(timed "$off" "$ins1")")
done
w10=$(printf '%s\n' "${with10[@]}" | median)
o10=$(printf '%s\n' "${without10[@]}" | median)
w1=$(printf '%s\n' "${with1[@]}" | median)
o1=$(printf '%s\n' "${without1[@]}" | median)
echo
echo "| write into the bound orders (median of $((KAM_BENCH_RUNS * 2 + 1)), warm session, rolled back) | without triggers ms | with triggers ms | ratio | added per statement ms |"
echo "|---|---:|---:|---:|---:|"
awk -v a="$o10" -v b="$w10" 'BEGIN { printf "| one 10,000-row INSERT | %.1f | %.1f | %.2f | %.2f |\n", a, b, b / a, b - a }'
awk -v a="$o1" -v b="$w1" 'BEGIN { printf "| 200 one-row INSERTs (one DO block) | %.1f | %.1f | %.2f | %.3f |\n", a, b, b / a, (b - a) / 200 }'
