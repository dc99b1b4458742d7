#!/usr/bin/env bash
# Catalog checks of kam's security promises, over everything installed (so
# later sections are covered), and the trusted install:
#   - only kam.rebuild_views() and the snapshot store's trigger
#     kam.snapshot_capture() are SECURITY DEFINER (sql/kam/00_core.sql and
#     70_snapshots.sql say why), and only the roles the owner grants may run them;
#   - no role but kam's owner may create objects in schema kam;
#   - every plpgsql or SQL function of kam pins search_path (SET search_path);
#   - every view in schema kam, the bound ones included, is security_invoker;
#   - kam.control says trusted, and a database owner without superuser installs
#     kam, binds tables, changes a setting and reads every view.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=kam_security_$$ owner=kam_owner_$$
cleanup() {
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS $owner" >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail=0
check() { # check LABEL QUERY: QUERY lists offenders; none is a pass
	local out
	out=$(kam_psql -d "$db" -At -c "$2")
	if [ -n "$out" ]; then echo "FAILED  $1:"; sed 's/^/    /' <<<"$out"; fail=1; else echo "ok      $1"; fi
}

kam_psql -d postgres -c "CREATE ROLE $owner LOGIN" -c "CREATE DATABASE $db OWNER $owner" >/dev/null
# the install, the bindings and the reads, all by the non-superuser owner
PGUSER=$owner kam_psql -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION kam;
CREATE TABLE shop_orders (customer text, at timestamptz, total numeric(12,2), margin numeric(12,2));
CREATE TABLE shop_customers (customer text PRIMARY KEY, title text, rep text);
CREATE TABLE shop_visits (customer text, at timestamptz);
INSERT INTO shop_customers VALUES ('a', 'A', 'x'), ('b', 'B', 'y');
INSERT INTO shop_orders VALUES ('a', '2025-01-05', 100, 10), ('a', '2025-03-01', 50, 5), ('b', '2025-02-01', 70, 7);
INSERT INTO shop_visits VALUES ('a', '2025-02-01');
SELECT kam.bind_orders('shop_orders', 'customer', 'at', 'total', 'margin');
SELECT kam.bind_customers('shop_customers', 'customer', 'title', 'rep');
SELECT kam.bind_visits('shop_visits', 'customer', 'at');
SELECT kam.set('as_of', '2025-12-31');
SQL
if [ "$(kam_psql -d "$db" -At -c "SELECT extowner::regrole FROM pg_extension WHERE extname = 'kam'")" = "$owner" ]; then
	echo "ok      trusted: $owner (no superuser) installed kam, bound its tables and changed a setting"
else
	echo "FAILED  kam was not installed by the owner"; fail=1
fi
views=$(kam_psql -d "$db" -At -c "SELECT relname FROM pg_class WHERE relnamespace = 'kam'::regnamespace AND relkind = 'v' ORDER BY 1")
for v in $views; do
	if ! out=$(PGUSER=$owner kam_psql -d "$db" -At -c "SELECT count(*) FROM kam.$v" 2>&1); then
		echo "FAILED  $owner cannot read kam.$v: $out"; fail=1
	fi
done
echo "ok      $owner read all $(wc -w <<<"$views") kam views"
grep -Eq '^[[:space:]]*trusted[[:space:]]*=[[:space:]]*true' "$KAM_ROOT/kam.control" ||
	{ echo "FAILED  kam.control does not say trusted = true"; fail=1; }

check "only kam.rebuild_views() and the snapshot trigger kam.snapshot_capture() are SECURITY DEFINER, and PUBLIC may not run them" \
	"SELECT p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = 'kam'::regnamespace AND p.prosecdef
	    AND (p.oid <> ALL (ARRAY['kam.rebuild_views()', 'kam.snapshot_capture()']::regprocedure[])
	         OR has_function_privilege('public', p.oid, 'EXECUTE'))"
check "no role but kam's owner may create in schema kam" \
	"SELECT r.rolname FROM pg_roles r, pg_namespace n WHERE n.nspname = 'kam' AND r.oid <> n.nspowner
	    AND has_schema_privilege(r.oid, n.oid, 'CREATE') AND NOT r.rolsuper"
check "every plpgsql and SQL function of kam sets search_path" \
	"SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
	  WHERE p.pronamespace = 'kam'::regnamespace AND l.lanname = ANY (ARRAY['plpgsql', 'sql'])
	    AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')"
check "every view in schema kam is security_invoker" \
	"SELECT c.oid::regclass FROM pg_class c WHERE c.relnamespace = 'kam'::regnamespace AND c.relkind = 'v'
	    AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)"
((fail == 0))
