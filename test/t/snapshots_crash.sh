#!/usr/bin/env bash
# kam.refresh() interrupted and raced (sql/kam/70_snapshots.sql), on the demo
# data, where a refresh takes seconds:
#   - a refresh cancelled, and one whose backend is terminated
#     (pg_terminate_backend), midway: afterwards every store table and the
#     state of the last refresh are exactly those of the last completed
#     refresh, and the invalidations logged before are still there;
#   - while a refresh runs, readers are not blocked (lock_timeout 1 s) and a
#     second refresh waits (55P03 under lock_timeout);
#   - an order committed while a refresh runs is not lost: after that refresh
#     it is still pending, and the views equal the live computation;
#   - the next refresh stores what the live views compute.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=kam_snapcrash_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/snapcrash.XXXXXX")
cleanup() {
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	[ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# the demo data (20,000 customers, 500,000 orders): a refresh takes seconds
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}" >/dev/null
kam_psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
ALTER DATABASE $db SET jit = off;
SELECT count(*) FROM kam.fit_models();
SELECT kam.enable_snapshots();
SELECT kam.refresh();
SQL
fail=0
store_md5() { # every store table and the state row, as the superuser
	for t in $(kam_psql -d "$db" -At -c "SELECT relname FROM pg_class WHERE relnamespace = 'kam'::regnamespace
			AND relname LIKE 'snapshot\_%' AND relkind = 'r' AND relname NOT IN ('snapshot_log', 'snapshot_state') ORDER BY 1"); do
		kam_psql -d "$db" -At -c "SELECT '$t ' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) || ' ' || count(*) FROM kam.$t t"
	done
	kam_psql -d "$db" -At -c "SELECT t::text FROM kam.snapshot_state t"
}
views_equal_live() { # views_equal_live LABEL: every view as read = live
	local v a b
	for v in $(kam_psql -d "$db" -At -c "SELECT name FROM kam.report_views WHERE to_regclass('kam.' || name) IS NOT NULL ORDER BY position"); do
		a=$(kam_psql -d "$db" -At -c "SELECT md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM kam.$v t")
		b=$(kam_psql -d "$db" -At -c "SET kam.snapshot_reads = 'live'" -c "SELECT md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM kam.$v t")
		if [ "$a" != "$b" ]; then echo "FAILED  $1: kam.$v as read differs from live"; fail=1; fi
	done
}
# start_refresh NAME: a refresh in the background; waits until it has run 1.5 s
start_refresh() {
	PGAPPNAME=$1 kam_psql -d "$db" -c "SET client_min_messages = error" -c "SELECT kam.refresh()" >"$work/$1.out" 2>&1 &
	refresh_job=$!
	local i
	for i in $(seq 200); do
		if [ "$(kam_psql -d "$db" -At -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1'
				AND state = 'active' AND query LIKE '%kam.refresh()%' AND now() - query_start > interval '1.5 s'")" = 1 ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "FAILED  the refresh $1 did not start (or ended within 1.5 s: make the data larger)"
	cat "$work/$1.out"
	exit 1
}

# pending invalidations, then a refresh that is cancelled, and one that is terminated
kam_psql -d "$db" -c "INSERT INTO demo.orders SELECT (SELECT max(order_id) FROM demo.orders) + g, g * 37 % 6000 + 1,
	timestamptz '2025-12-30 10:00+00', 77, 7 FROM generate_series(1, 200) g" >/dev/null
store_md5 >"$work/before"
pending=$(kam_psql -d "$db" -At -c "SELECT pending_invalidations FROM kam.snapshot_status")
for how in cancel terminate; do
	start_refresh "kam_snap_$how"
	if [ $how = cancel ]; then
		# meanwhile readers are not blocked, and a second refresh waits
		if ! kam_psql -d "$db" -At -c "SET lock_timeout = '1s'" -c "SELECT count(*) FROM kam.customer_summary" \
				-c "SELECT count(*) FROM kam.snapshot_status" >/dev/null 2>"$work/reader.err"; then
			echo "FAILED  a reader was blocked by the refresh: $(cat "$work/reader.err")"; fail=1
		fi
		if out=$(kam_psql -d "$db" -v VERBOSITY=verbose -c "SET lock_timeout = '500ms'" -c "SELECT kam.refresh()" 2>&1); then
			echo "FAILED  a second refresh ran while one was running"; fail=1
		elif ! grep -q "55P03" <<<"$out"; then
			echo "FAILED  the second refresh failed otherwise than waiting for the lock: $out"; fail=1
		else
			echo "ok      while a refresh runs, readers read and a second refresh waits"
		fi
		kam_psql -d "$db" -At -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'kam_snap_$how'" >/dev/null
	else
		kam_psql -d "$db" -At -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kam_snap_$how'" >/dev/null
	fi
	if wait $refresh_job; then
		echo "FAILED  the refresh ($how) completed before it could be interrupted"; fail=1
	fi
	store_md5 >"$work/after_$how"
	if ! cmp -s "$work/before" "$work/after_$how"; then
		echo "FAILED  after the $how, the store is not the last completed refresh:"
		diff "$work/before" "$work/after_$how" | head -6
		fail=1
	elif [ "$(kam_psql -d "$db" -At -c "SELECT pending_invalidations FROM kam.snapshot_status")" != "$pending" ]; then
		echo "FAILED  after the $how, the pending invalidations changed"; fail=1
	else
		echo "ok      a refresh interrupted ($how, $(grep -m1 -o 'canceling statement due to user request\|terminating connection due to administrator command' "$work/kam_snap_$how.out")) leaves the last completed refresh"
	fi
done

# an order committed while a refresh runs stays pending after it
start_refresh kam_snap_race
kam_psql -d "$db" -c "INSERT INTO demo.orders SELECT (SELECT max(order_id) FROM demo.orders) + 1, 42, timestamptz '2025-12-31 09:00+00', 5000, 50" >/dev/null
wait $refresh_job || { echo "FAILED  the refresh failed: $(cat "$work/kam_snap_race.out")"; fail=1; }
read -r n reads <<<"$(kam_psql -d "$db" -At -F ' ' -c "SELECT pending_invalidations, reads_store FROM kam.snapshot_status")"
if [ "$n" != 1 ] || [ "$reads" != f ]; then
	echo "FAILED  the order committed during the refresh: $n pending, reads_store $reads (want 1, f)"; fail=1
else
	echo "ok      an order committed during a refresh stays pending after it"
fi
views_equal_live "after the raced refresh"

# the next refresh is correct
kam_psql -d "$db" -c "SET client_min_messages = error" -c "SELECT kam.refresh()" >/dev/null
if [ "$(kam_psql -d "$db" -At -c "SELECT pending_invalidations = 0 AND reads_store FROM kam.snapshot_status")" != t ]; then
	echo "FAILED  after the next refresh the views do not read the store"; fail=1
fi
views_equal_live "after the next refresh"
if ((fail)); then exit 1; fi
echo "ok      the next refresh stores what the live views compute"
