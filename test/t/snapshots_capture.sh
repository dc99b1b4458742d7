#!/usr/bin/env bash
# The snapshot store's change capture (kam.snapshot_capture(), src/capture.c;
# kam.snapshot_sync_triggers, sql/kam/70_snapshots.sql).  Orders in a
# partitioned table, visits in a table with an inheritance child, snapshots on.
# For every write the rows logged in kam.snapshot_log must be exactly what a
# plain-SQL oracle computes from the rows the statement wrote (the distinct
# customer ids as text, sorted bytewise; old and new customer of an update;
# NULL for a TRUNCATE; nothing for a statement that touched no row), one row
# per binding of the table.  Also: a rebind to another customer column and a
# table bound twice give the triggers the new arguments; a partition created
# or attached after kam.enable_snapshots() is named in
# kam.snapshot_status.uncaptured (the views compute live) until
# kam.enable_snapshots() runs again, and PostgreSQL fires the root's
# statement triggers for a write through the root, not for one straight into
# the partition; replicated writes are captured (ENABLE ALWAYS); a writer
# without any privilege on the log is logged, and objects it plants (a temp
# table named like the log, an operator and a cast on the customer type in
# its own schema first on its search_path) are never used; the trigger
# function is SECURITY DEFINER, C, search_path pinned, not executable by PUBLIC.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=kam_snapcap_$$
writer=kam_capw_$$
cleanup() {
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	kam_psql -d postgres -c "DROP ROLE IF EXISTS $writer" >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail=0
ok() { echo "ok      $*"; }
bad() { echo "FAILED  $*"; fail=1; }
q() { kam_psql -d "$db" -At "$@"; }

kam_psql -d postgres -c "CREATE DATABASE $db" -c "CREATE ROLE $writer LOGIN" >/dev/null
q >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION kam;
CREATE TABLE orders_p (order_id bigint, customer_id bigint, alt_customer text, ordered_at timestamptz, amount numeric)
	PARTITION BY RANGE (ordered_at);
CREATE TABLE orders_old PARTITION OF orders_p FOR VALUES FROM (MINVALUE) TO ('2025-01-01');
CREATE TABLE orders_new PARTITION OF orders_p FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO orders_p SELECT g, g % 50, 'c' || (g % 7), timestamptz '2024-06-01' + g * interval '1 day', g FROM generate_series(1, 400) g
	WHERE timestamptz '2024-06-01' + g * interval '1 day' < '2026-01-01';
CREATE TABLE visits (customer_id bigint, visited_at timestamptz);
CREATE TABLE visits_2025 () INHERITS (visits);
INSERT INTO visits VALUES (1, '2024-03-01'), (2, '2024-04-01');
INSERT INTO visits_2025 VALUES (3, '2025-03-01');
SELECT kam.bind_orders('orders_p', 'customer_id', 'ordered_at', 'amount');
SELECT kam.bind_visits('visits', 'customer_id', 'visited_at');
SELECT kam.enable_snapshots();
SELECT kam.refresh();
GRANT USAGE ON SCHEMA public TO $writer;
GRANT INSERT, UPDATE, DELETE, SELECT, TRUNCATE ON orders_p, orders_old, orders_new, visits, visits_2025 TO $writer;
-- the oracle's input: what each statement wrote (old and new customers)
CREATE TABLE written (customer text);
GRANT ALL ON written TO $writer;
SQL

# check LABEL SQL ORACLE: run SQL (as \$user, default the owner) and compare
# the log rows it added (kind:ids, by kind) with ORACLE's rows (kind:ids)
check() {
	local label=$1 sql=$2 oracle=$3 before got want
	before=$(q -c "SELECT COALESCE(max(id), 0) FROM kam.snapshot_log")
	if [ -n "${user:-}" ]; then
		PGUSER=$user kam_psql -d "$db" -At -c "SET client_min_messages = warning" -c "$sql" >/dev/null
	else
		q -c "SET client_min_messages = warning" -c "$sql" >/dev/null
	fi
	got=$(q -c "SELECT COALESCE(string_agg(kind || ':' || COALESCE(array_to_string(customer_ids, ',', '<null>') || '#' || customer_count, 'ALL'), ' ' ORDER BY kind), '')
				FROM kam.snapshot_log WHERE id > $before")
	want=$(q -c "$oracle")
	if [ "$got" = "$want" ]; then ok "$label: logged $(cut -c1-60 <<<"$got")"; else bad "$label: logged '$got', want '$want'"; fi
}
# the oracle: the distinct texts of the written customers, bytewise order, '' for NULL
ids() { # ids KIND...: one kind:ids#n per kind from table written
	local out="" k
	for k in "$@"; do
		out+="$(q -c "SELECT '$k:' || string_agg(c, ',' ORDER BY convert_to(c, 'UTF8')) || '#' || count(*)
					   FROM (SELECT DISTINCT COALESCE(customer, '') AS c FROM written) d HAVING count(*) > 0") "
	done
	echo "SELECT '${out% }'"
}
written() { q -c "TRUNCATE written" -c "INSERT INTO written $1" >/dev/null; }

# inserts through the root (duplicates, a NULL customer, both partitions)
written "VALUES ('7'), ('7'), ('42'), ('100'), (NULL), ('9')"
check "an INSERT through the root" \
	"INSERT INTO orders_p (order_id, customer_id, ordered_at, amount) VALUES (1001, 7, '2024-08-01', 1), (1002, 7, '2025-08-01', 2), (1003, 42, '2025-02-01', 3), (1004, 100, '2024-07-01', 4), (1005, NULL, '2025-03-01', 5), (1006, 9, '2024-09-09', 6)" \
	"$(ids orders)"
# an update moving rows between customers and between partitions: old and new customers
written "SELECT customer_id::text FROM orders_p WHERE order_id BETWEEN 10 AND 20 UNION ALL SELECT (customer_id + 1000)::text FROM orders_p WHERE order_id BETWEEN 10 AND 20"
check "an UPDATE moving orders to other customers and partitions" \
	"UPDATE orders_p SET customer_id = customer_id + 1000, ordered_at = ordered_at + interval '200 days' WHERE order_id BETWEEN 10 AND 20" \
	"$(ids orders)"
# a delete straight into a partition
written "SELECT customer_id::text FROM orders_new WHERE order_id % 3 = 0"
check "a DELETE straight from a partition" "DELETE FROM orders_new WHERE order_id % 3 = 0" "$(ids orders)"
check "a statement that touches no row" "DELETE FROM orders_p WHERE order_id < 0" "SELECT ''"
check "a TRUNCATE of a partition" "TRUNCATE orders_old" "SELECT 'orders:ALL'"
# an inheritance child of the bound visits
written "VALUES ('3'), ('5')"
check "an UPDATE of an inheritance child" "UPDATE visits_2025 SET customer_id = 5" "$(ids visits)"
# a writer without privilege on the log, with planted objects: a temp table
# named like the log, and its own schema first with an = operator and a cast
# from bigint to text that record a hit
q >/dev/null <<SQL
SET client_min_messages = warning;
CREATE SCHEMA w AUTHORIZATION $writer;
CREATE TABLE public.hits (what text);
GRANT INSERT ON public.hits TO PUBLIC;
SQL
PGUSER=$writer kam_psql -d "$db" >/dev/null <<'SQL'
CREATE FUNCTION w.hit_eq(text, text) RETURNS boolean LANGUAGE sql AS $$ INSERT INTO public.hits VALUES ('='); SELECT true $$;
CREATE OPERATOR w.= (LEFTARG = text, RIGHTARG = text, FUNCTION = w.hit_eq);
CREATE FUNCTION w.textout(bigint) RETURNS text LANGUAGE sql AS $$ INSERT INTO public.hits VALUES ('textout'); SELECT 'x' $$;
CREATE FUNCTION w.format(text, bigint) RETURNS text LANGUAGE sql AS $$ INSERT INTO public.hits VALUES ('format'); SELECT 'x' $$;
SQL
written "VALUES ('11'), ('12')"
user=$writer check "an INSERT by a writer without privilege on the log, objects planted" \
	"SET search_path = w, pg_temp, public; CREATE TEMP TABLE snapshot_log (kind text, customer_ids text[], customer_count integer); INSERT INTO public.orders_p (order_id, customer_id, ordered_at, amount) VALUES (2001, 11, '2025-05-05', 1), (2002, 12, '2025-05-06', 1)" \
	"$(ids orders)"
hits=$(q -c "SELECT count(*) FROM public.hits")
[ "$hits" = 0 ] && ok "no planted object ran" || bad "planted objects ran $hits times"
# replicated writes: the owner's triggers are ENABLE ALWAYS
written "VALUES ('13')"
check "an INSERT with session_replication_role = replica" \
	"SET session_replication_role = replica; INSERT INTO orders_p (order_id, customer_id, ordered_at, amount) VALUES (2003, 13, '2025-05-07', 1)" \
	"$(ids orders)"

# the trigger function's properties
props=$(q -c "SELECT l.lanname, p.prosecdef, p.proconfig::text, has_function_privilege('public', p.oid, 'EXECUTE'), has_function_privilege('$writer', p.oid, 'EXECUTE')
			   FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.oid = 'kam.snapshot_capture()'::regprocedure")
[ "$props" = 'c|t|{"search_path=pg_catalog, pg_temp"}|f|f' ] && ok "kam.snapshot_capture() is C, SECURITY DEFINER, search_path pinned, not PUBLIC's" ||
	bad "kam.snapshot_capture(): lanname|prosecdef|proconfig|PUBLIC may|writer may = $props"

# a rebind to another customer column (of another type: visits unbound
# first), and the triggers carry the new one
q -c "SET client_min_messages = warning" -c "SELECT kam.unbind('visits')" -c "SELECT kam.bind_orders('orders_p', 'alt_customer', 'ordered_at', 'amount')" >/dev/null
n=$(q -c "SELECT count(*) FROM pg_trigger WHERE tgfoid = 'kam.snapshot_capture()'::regprocedure AND tgrelid IN ('visits'::regclass, 'visits_2025'::regclass)")
[ "$n" = 0 ] && ok "the tables no longer bound lost kam's triggers" || bad "the unbound visits tables keep $n triggers"
args=$(q -c "SELECT string_agg(DISTINCT encode(tgargs, 'escape'), ' ') FROM pg_trigger WHERE tgfoid = 'kam.snapshot_capture()'::regprocedure AND tgrelid = 'orders_new'::regclass")
[ "$args" = 'orders\000alt_customer\000' ] && ok "after a rebind the partitions' triggers read the new customer column" ||
	bad "after a rebind the triggers' arguments are $args"
written "VALUES ('zz'), ('Zz'), ('a')"
check "an INSERT after the rebind (text ids, bytewise order)" \
	"INSERT INTO orders_p (order_id, alt_customer, ordered_at, amount) VALUES (3001, 'zz', '2025-06-01', 1), (3002, 'Zz', '2024-06-01', 1), (3003, 'a', '2025-07-01', 1)" \
	"$(ids orders)"
# the orders table also bound as visits: one log row per binding
q -c "SET client_min_messages = warning" -c "SELECT kam.bind_visits('orders_p', 'alt_customer', 'ordered_at')" >/dev/null
written "VALUES ('q')"
check "an INSERT into a table bound as orders and as visits" \
	"INSERT INTO orders_p (order_id, alt_customer, ordered_at, amount) VALUES (3004, 'q', '2025-06-02', 1)" \
	"$(ids orders visits)"
q -c "SET client_min_messages = warning" -c "SELECT kam.unbind('visits')" >/dev/null

# a partition created after enabling: named as uncaptured, views live
q -c "SET client_min_messages = warning" -c "SELECT kam.refresh()" >/dev/null
st=$(q -c "SELECT reads_store, uncaptured::text FROM kam.snapshot_status")
[ "$st" = 't|{}' ] && ok "after a refresh the store is read and nothing is uncaptured" || bad "after a refresh reads_store|uncaptured = $st"
q -c "CREATE TABLE orders_2026 PARTITION OF orders_p FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" >/dev/null
q -c "CREATE TABLE orders_2027 (LIKE orders_p)" -c "ALTER TABLE orders_p ATTACH PARTITION orders_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')" >/dev/null
q -c "SET client_min_messages = warning" -c "SELECT kam.refresh()" >/dev/null
st=$(q -c "SELECT reads_store, uncaptured::text FROM kam.snapshot_status")
[ "$st" = 'f|{public.orders_2026,public.orders_2027}' ] && ok "a partition created and one attached after enabling: uncaptured, the views compute live" ||
	bad "with new partitions reads_store|uncaptured = $st"
# PostgreSQL: the root's statement triggers see rows routed to the new partition ...
written "VALUES ('n1')"
check "an INSERT through the root into the new partition" \
	"INSERT INTO orders_p (order_id, alt_customer, ordered_at, amount) VALUES (4001, 'n1', '2026-02-01', 1)" "$(ids orders)"
# ... but not a write straight into it
check "an INSERT straight into the new partition (no trigger there yet)" \
	"INSERT INTO orders_2026 (order_id, alt_customer, ordered_at, amount) VALUES (4002, 'n2', '2026-02-02', 1)" "SELECT ''"
q -c "SET client_min_messages = warning" -c "SELECT kam.enable_snapshots()" -c "SELECT kam.refresh()" >/dev/null
st=$(q -c "SELECT reads_store, uncaptured::text FROM kam.snapshot_status")
[ "$st" = 't|{}' ] && ok "kam.enable_snapshots() again captures the new partitions" || bad "after enabling again reads_store|uncaptured = $st"
written "VALUES ('n3')"
check "an INSERT straight into the new partition after enabling again" \
	"INSERT INTO orders_2027 (order_id, alt_customer, ordered_at, amount) VALUES (4003, 'n3', '2027-02-02', 1)" "$(ids orders)"
q -c "SET client_min_messages = warning" -c "SELECT kam.disable_snapshots()" >/dev/null
n=$(q -c "SELECT count(*) FROM pg_trigger WHERE tgfoid = 'kam.snapshot_capture()'::regprocedure")
[ "$n" = 0 ] && ok "kam.disable_snapshots() removes every capture trigger" || bad "$n capture triggers remain after disabling"

if ((fail)); then exit 1; fi
echo "ok      the capture trigger logs exactly the customers written"
