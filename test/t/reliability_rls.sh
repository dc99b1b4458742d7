#!/usr/bin/env bash
# Who sees what: two non-superuser account managers, a row-level security
# policy on the user's customers (account_manager = current_user) and orders,
# visits, satisfaction surveys and complaints (their customer is visible).  For every view in schema kam (found
# in pg_class, so views that land later are covered):
#   - what each role reads equals the same view computed by the superuser with
#     kam bound to copies of only that role's rows (so no figure, total or
#     rank leaks a row the role cannot see);
#   - every customer_id a role reads is one of its own customers;
#   - the two roles read different things (the policy did filter).
# Then the company-wide tier snapshot (sql/kam/90_security.sql), when
# kam.customer_tier exists: refreshed by the superuser, each role sees the
# company-wide tiers of exactly its own customers; a role that row-level
# security filters cannot refresh it.
#
# Two modes (both run): "restricted", where each role sees only its own
# customers, and "directory", a company-wide customer directory (no policy on
# customers) with the orders and visits restricted to each role's accounts.
# In the directory mode the oracle has every customer and only the role's
# orders, visits, surveys and complaints, and the snapshot must show a role exactly the customers whose
# orders it can see: a readable directory entry does not reveal another
# portfolio's tiers or revenue.
set -euo pipefail
if [ $# -eq 0 ]; then
	rc=0
	for m in restricted directory; do
		echo "=== mode $m"
		bash "$0" "$m" || rc=1
	done
	exit $rc
fi
mode=$1
source "$(dirname "$0")/../lib.sh"
db=kam_rls_$$
ra=kam_rls_a_$$ rb=kam_rls_b_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/rls.XXXXXX")
cleanup() {
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	kam_psql -d postgres -c "DROP ROLE IF EXISTS $ra" -c "DROP ROLE IF EXISTS $rb" >/dev/null 2>&1 || true
	[ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# a small demo data set of its own (2,000 customers, 50,000 orders): the
# policies make every order row a subquery probe
KAM_TMP=$work kam_load_demo "$db" 2000 50000 7 >/dev/null
kam_psql -d postgres -c "CREATE ROLE $ra LOGIN" -c "CREATE ROLE $rb LOGIN" >/dev/null

kam_psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
-- two portfolios handed to the two roles
UPDATE demo.customers SET account_manager = '$ra'
 WHERE account_manager = (SELECT min(account_manager) FROM demo.customers);
UPDATE demo.customers SET account_manager = '$rb'
 WHERE account_manager = (SELECT max(account_manager) FROM demo.customers WHERE account_manager <> '$ra');
ALTER TABLE demo.orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE demo.visits ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_orders ON demo.orders FOR SELECT
	USING (EXISTS (SELECT 1 FROM demo.customers c WHERE c.customer_id = orders.customer_id
											  AND c.account_manager = current_user));
CREATE POLICY own_visits ON demo.visits FOR SELECT
	USING (EXISTS (SELECT 1 FROM demo.customers c WHERE c.customer_id = visits.customer_id
											  AND c.account_manager = current_user));
ALTER TABLE demo.feedback ENABLE ROW LEVEL SECURITY;
ALTER TABLE demo.complaints ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_feedback ON demo.feedback FOR SELECT
	USING (EXISTS (SELECT 1 FROM demo.customers c WHERE c.customer_id = feedback.customer_id
											  AND c.account_manager = current_user));
CREATE POLICY own_complaints ON demo.complaints FOR SELECT
	USING (EXISTS (SELECT 1 FROM demo.customers c WHERE c.customer_id = complaints.customer_id
											  AND c.account_manager = current_user));
-- statistics that know the two new managers, as autovacuum would give them
ANALYZE demo.customers;
SQL
if [ "$mode" = restricted ]; then
	kam_psql -d "$db" >/dev/null <<SQL
ALTER TABLE demo.customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_accounts ON demo.customers FOR SELECT USING (account_manager = current_user);
SQL
fi
kam_psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
GRANT USAGE ON SCHEMA demo TO $ra, $rb;
GRANT SELECT ON demo.customers, demo.orders, demo.visits, demo.feedback, demo.complaints TO $ra, $rb;
-- stored models (value-store), fitted over all rows by the superuser
DO \$\$ BEGIN
	IF to_regprocedure('kam.fit_models()') IS NOT NULL THEN PERFORM kam.fit_models(); END IF;
END \$\$;
SQL

views=$(kam_psql -d "$db" -At -c "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'kam'::regnamespace
	AND c.relkind = 'v' AND c.relname <> ALL (ARRAY['current_settings', 'snapshot_status']) ORDER BY 1")
dump_views() { # dump_views ROLE OUTPREFIX: every kam view as ROLE, one sorted file each
	local role=$1 out=$2 v
	for v in $views; do
		# a view that fails records its error, which must match too
		kam_psql -d "$db" -At -c "SET ROLE $role" -c "SELECT t::text FROM kam.$v t ORDER BY 1" >"$out.$v" 2>&1 || true
	done
}
dump_views "$ra" "$work/a"
dump_views "$rb" "$work/b"

# The oracle: the superuser, kam bound to copies of one role's rows only.
oracle() { # oracle ROLE OUTPREFIX (a schema of its own: a bound table is never dropped)
	kam_psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE SCHEMA only_$1;
CREATE TABLE only_$1.customers AS SELECT * FROM demo.customers WHERE account_manager = '$1' OR '$mode' = 'directory';
CREATE TABLE only_$1.orders AS SELECT o.* FROM demo.orders o JOIN demo.customers c USING (customer_id) WHERE c.account_manager = '$1';
CREATE TABLE only_$1.visits AS SELECT v.* FROM demo.visits v JOIN demo.customers c USING (customer_id) WHERE c.account_manager = '$1';
CREATE TABLE only_$1.feedback AS SELECT f.* FROM demo.feedback f JOIN demo.customers c USING (customer_id) WHERE c.account_manager = '$1';
CREATE TABLE only_$1.complaints AS SELECT x.* FROM demo.complaints x JOIN demo.customers c USING (customer_id) WHERE c.account_manager = '$1';
SELECT kam.bind_customers('only_$1.customers', 'customer_id', 'name', 'account_manager', 'potential');
SELECT kam.bind_orders('only_$1.orders', 'customer_id', 'ordered_at', 'amount', 'margin');
SELECT kam.bind_visits('only_$1.visits', 'customer_id', 'visited_at');
SELECT kam.bind_feedback('only_$1.feedback', 'customer_id', 'answered_at', 'score', 'kind');
SELECT kam.bind_complaints('only_$1.complaints', 'customer_id', 'opened_at', 'closed_at', 'severity');
SQL
	dump_views postgres "$2"
}
oracle "$ra" "$work/oa"
oracle "$rb" "$work/ob"
kam_psql -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT kam.bind_customers('demo.customers', 'customer_id', 'name', 'account_manager', 'potential');
SELECT kam.bind_orders('demo.orders', 'customer_id', 'ordered_at', 'amount', 'margin');
SELECT kam.bind_visits('demo.visits', 'customer_id', 'visited_at');
SELECT kam.bind_feedback('demo.feedback', 'customer_id', 'answered_at', 'score', 'kind');
SELECT kam.bind_complaints('demo.complaints', 'customer_id', 'opened_at', 'closed_at', 'severity');
SQL

fail=0
for v in $views; do
	for r in a b; do
		role=$ra; [ $r = a ] || role=$rb
		if ! cmp -s "$work/$r.$v" "$work/o$r.$v"; then
			echo "FAILED  kam.$v as $role differs from the view over only $role's rows:"
			diff "$work/o$r.$v" "$work/$r.$v" | head -6
			fail=1
		fi
		# every customer_id the role reads is its own (in the directory mode
		# the oracle above is the statement: nothing but the directory and the
		# role's own orders shapes what it reads)
		if [ "$mode" = restricted ] && kam_psql -d "$db" -At -c "SELECT 1 FROM pg_attribute WHERE attrelid = 'kam.$v'::regclass
				AND attname = 'customer_id'" | grep -q 1; then
			leaked=$(kam_psql -d "$db" -At -c "SET ROLE $role" -c "SELECT count(*) FROM kam.$v t
				WHERE t.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM demo.customers c
				WHERE c.customer_id = t.customer_id)")
			# (demo.customers as the role shows only its customers)
			if [ "$leaked" != 0 ]; then echo "FAILED  kam.$v shows $role $leaked foreign customers"; fail=1; fi
		fi
	done
	# (the directory itself reads the same for everyone)
	if [ -s "$work/a.$v" ] && cmp -s "$work/a.$v" "$work/b.$v" && ! [ "$mode.$v" = directory.customers ]; then
		echo "FAILED  kam.$v reads the same for both roles: the policy did not filter"; fail=1
	fi
	[ -s "$work/a.$v" ] || echo "note    kam.$v is empty for $ra"
	if grep -q "^ERROR" "$work/a.$v"; then echo "note    kam.$v fails (for the roles and the oracle alike): $(grep -m1 "^ERROR" "$work/a.$v")"; fi
	((fail)) || echo "ok      kam.$v: each role sees exactly what its own rows give ($(wc -l <"$work/a.$v") / $(wc -l <"$work/b.$v") rows)"
done

# The company-wide tier snapshot.
if [ "$(kam_psql -d "$db" -At -c "SELECT to_regclass('kam.customer_tier') IS NOT NULL")" = t ]; then
	n=$(kam_psql -d "$db" -At -c "SELECT kam.refresh_tier_snapshot()")
	all=$(kam_psql -d "$db" -At -c "SELECT count(*) FROM kam.customer_tier")
	[ "$n" = "$all" ] || { echo "FAILED  the snapshot stored $n of $all customers"; fail=1; }
	# rebinding (which drops and recreates kam.customers) still works, and the
	# snapshot's policy follows the new views
	if ! kam_psql -d "$db" -c "SELECT kam.bind_customers('demo.customers', 'customer_id', 'name', 'account_manager', 'potential')" >/dev/null; then
		echo "FAILED  rebinding after the snapshot"; fail=1
	fi
	for role in "$ra" "$rb"; do
		bad=$(kam_psql -d "$db" -At -c "CREATE TEMP TABLE whole AS SELECT * FROM kam.customer_tier" \
			-c "GRANT SELECT ON whole TO $role" -c "SET ROLE $role" -c "
			SELECT (SELECT count(*) FROM kam.tier_snapshot) || ' ' ||
				   (SELECT count(*) FROM whole w WHERE w.customer_id IN (SELECT o.customer_id FROM demo.orders o)) || ' ' ||
				   (SELECT count(*) FROM kam.tier_snapshot s JOIN whole w USING (customer_id)
					 WHERE (to_jsonb(s) - 'refreshed_at') IS DISTINCT FROM to_jsonb(w))")
		set -- $bad
		if [ "$1" != "$2" ] || [ "$3" != 0 ] || [ "$1" = 0 ]; then
			echo "FAILED  tier snapshot as $role: $1 rows for $2 customers with orders it can see, $3 differ from the company-wide tiers"; fail=1
		else
			echo "ok      tier snapshot ($mode): $role sees the company-wide tiers of the $1 customers whose orders it can see, no other"
		fi
	done
	kam_psql -d "$db" -c "GRANT EXECUTE ON FUNCTION kam.refresh_tier_snapshot() TO $ra" >/dev/null
	if out=$(kam_psql -d "$db" -c "SET ROLE $ra" -c "SELECT kam.refresh_tier_snapshot()" 2>&1); then
		echo "FAILED  $ra, filtered by row-level security, refreshed the company-wide snapshot"; fail=1
	elif grep -q "row-level security\|permission denied" <<<"$out"; then
		echo "ok      a role filtered by row-level security cannot refresh the snapshot"
	else
		echo "FAILED  unexpected error from the refresh by $ra: $out"; fail=1
	fi
else
	echo "note    kam.customer_tier does not exist yet: the tier snapshot was not checked"
fi
((fail == 0))
