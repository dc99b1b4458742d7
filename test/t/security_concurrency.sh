#!/usr/bin/env bash
# Concurrent maintenance: for a bounded time, several sessions bind, unbind,
# rebuild and refresh at once while readers read the views.  kam's
# maintenance functions take one lock first (kam.bindings, SHARE ROW
# EXCLUSIVE; the tier snapshot's refresh takes the snapshot's), so they run
# one after the other: the only thing a session may see is a wait.  Required:
#   - no error in any session (a deadlock, 42P07 duplicate view, 23505
#     duplicate binding, "relation does not exist" would all be failures);
#   - afterwards every view exists and equals, row for row, what the same
#     bindings gave before the run (the serial result).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=kam_conc_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/conc.XXXXXX")
seconds=${KAM_CONC_SECONDS:-20}
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; [ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"' EXIT
KAM_TMP=$work kam_load_demo "$db" 1000 20000 5 >/dev/null
kam_psql -d "$db" -c "SELECT count(*) FROM kam.fit_models()" >/dev/null

views() { kam_psql -d "$db" -At -c "SELECT relname FROM pg_class WHERE relnamespace = 'kam'::regnamespace
	AND relkind IN ('v', 'r') AND relname NOT IN ('current_settings') AND relname IN
	(SELECT name FROM kam.report_views UNION ALL VALUES ('orders'), ('customers'), ('visits')) ORDER BY 1"; }
snapshot() { # snapshot DIR: every view's rows, sorted
	mkdir -p "$1"
	# (a view that fails records its error, which must be the same too)
	for v in $(views); do kam_psql -d "$db" -At -c "SELECT t::text FROM kam.$v t ORDER BY 1" >"$1/$v" 2>&1 || true; done
}
snapshot "$work/before"
kam_psql -d "$db" -c "SELECT kam.refresh_tier_snapshot()" >/dev/null
kam_psql -d "$db" -At -c "SELECT (to_jsonb(t) - 'refreshed_at')::text FROM kam.tier_snapshot t ORDER BY 1" >"$work/snap.before"

deadline=$((SECONDS + seconds))
session() { # session NAME ALLOWED SQL...: repeat the statements until the deadline;
	# ALLOWED: the SQLSTATEs (a regex) this session may get, or '' for none
	local name=$1 allowed=$2 n=0 out
	shift 2
	while ((SECONDS < deadline)); do
		if ! out=$(kam_psql -d "$db" -v VERBOSITY=verbose -c "SET client_min_messages = warning" "$@" 2>&1 >/dev/null); then
			if [ -z "$allowed" ] || ! grep -Eq "^ERROR:  ($allowed):" <<<"$out"; then
				printf '%s\n--- round %s\n' "$out" "$n" >>"$work/err.$name"
			fi
		fi
		n=$((n + 1))
	done
	echo "$n" >"$work/count.$name"
}
# Two sessions of each kind (the same call racing itself is the likeliest
# clash), and one that unbinds and binds the orders again, so that binds also
# race from the state with no views at all.  While the orders are unbound,
# reading a report view fails with 42P01 (it does not exist) and a refresh
# with 55000 (kam.customer_tier does not exist): those are allowed there;
# every other error is a failure.
for i in 1 2; do
	session bind_customers$i '' -c "SELECT kam.bind_customers('demo.customers', 'customer_id', 'name', 'account_manager', 'potential')" &
	session bind_orders$i '' -c "SELECT kam.bind_orders('demo.orders', 'customer_id', 'ordered_at', 'amount', 'margin')" &
	session rebuild$i '' -c "SELECT kam.rebuild_views()" &
	session refresh$i '55000' -c "SELECT kam.refresh_tier_snapshot()" &
done
session orders '' -c "SELECT kam.unbind('orders')" -c "SELECT kam.bind_orders('demo.orders', 'customer_id', 'ordered_at', 'amount', 'margin')" &
session visits '' -c "SELECT kam.unbind('visits')" -c "SELECT kam.bind_visits('demo.visits', 'customer_id', 'visited_at')" &
session reader '42P01' -c "SELECT count(*) FROM kam.customer_tier" -c "SELECT count(*) FROM kam.tier_summary" \
	-c "SELECT count(*) FROM kam.customer_summary" -c "SELECT count(*) FROM kam.tier_snapshot" &
wait
# the last round of the orders session may have ended between its unbind and bind
kam_psql -d "$db" -c "SELECT kam.bind_orders('demo.orders', 'customer_id', 'ordered_at', 'amount', 'margin')" >/dev/null

fail=0
for f in "$work"/count.*; do
	name=${f##*/count.}
	if [ -s "$work/err.$name" ]; then
		echo "FAILED  session $name ($(cat "$f") rounds) got errors:"
		grep -m3 "ERROR" "$work/err.$name" | sed 's/^/    /'
		fail=1
	else
		echo "ok      session $name: $(cat "$f") rounds, no error"
	fi
done
snapshot "$work/after"
if diff -r "$work/before" "$work/after" >"$work/diff"; then
	echo "ok      afterwards all $(ls "$work/after" | wc -l) views exist and equal the serial result"
else
	echo "FAILED  the views after the run differ from before:"; head -20 "$work/diff"; fail=1
fi
kam_psql -d "$db" -At -c "SELECT (to_jsonb(t) - 'refreshed_at')::text FROM kam.tier_snapshot t ORDER BY 1" >"$work/snap.after"
if cmp -s "$work/snap.before" "$work/snap.after" && [ -s "$work/snap.after" ]; then
	echo "ok      the tier snapshot holds the same tiers ($(wc -l <"$work/snap.after") customers)"
else
	echo "FAILED  the tier snapshot differs after the run"; fail=1
fi
((fail == 0))
