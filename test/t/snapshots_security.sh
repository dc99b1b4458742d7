#!/usr/bin/env bash
# Who may do what with the snapshot store (sql/kam/70_snapshots.sql), in a
# trusted install: the database owner $atk (no superuser) installs kam, so it
# configures kam, and kam's objects belong to the bootstrap superuser; the
# capture trigger and kam.rebuild_views() run as that superuser.
#   - a reader cannot enable, disable or refresh, write the store, its log or
#     state, read which customers are pending, or attach kam's trigger;
#   - enabling needs the caller's own TRIGGER privilege on every bound table
#     (kam.rebuild_views() running as the superuser does not lend it);
#   - traps: a bound view of $atk's with code in it, read by a superuser's
#     kam.refresh() (refused, as for the tier snapshot) or run by
#     kam.enable_snapshots(); the bound customer column renamed and replaced
#     by a column of $atk's enum type with a cast to text of $atk's, which the
#     capture trigger (running as the superuser) would call.  No trap may run
#     and $atk must not become a superuser.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
atk=kam_satk_$$ other=kam_sother_$$ reader=kam_sreader_$$
db=kam_snapsec_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/snapsec.XXXXXX")
chmod 755 "$work"
cleanup() {
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	for r in "$atk" "$other" "$reader"; do kam_psql -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true; done
	[ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail=0
ok() { echo "ok      $*"; }
bad() { echo "FAILED  $*"; fail=1; }
attempt() { # attempt USER LABEL SQLSTATE SQL: the statement must fail with SQLSTATE
	local user=$1 label=$2 want=$3 sql=$4 out
	if out=$(PGUSER=$user kam_psql -d "$db" -v VERBOSITY=verbose -c "$sql" 2>&1); then
		bad "$label: it worked"
	elif grep -q "ERROR:  $want" <<<"$out"; then
		ok "$label: refused ($want)"
	else
		bad "$label: unexpected error: $(grep -m1 ERROR <<<"$out")"
	fi
}
unharmed() {
	local su hits
	su=$(kam_psql -d postgres -At -c "SELECT rolsuper FROM pg_roles WHERE rolname = '$atk'")
	hits=$(kam_psql -d "$db" -At -c "SELECT string_agg(what || ' as ' || who, '; ') FROM public.hits")
	if [ "$su" != f ]; then
		bad "$1: $atk became a superuser"
		kam_psql -d postgres -c "ALTER ROLE $atk NOSUPERUSER" >/dev/null
	elif [ -n "$hits" ]; then
		bad "$1: a trap ran: $hits"
	else
		ok "$1: $atk is no superuser and no trap ran"
	fi
}

kam_psql -d postgres >/dev/null <<SQL
CREATE ROLE $atk LOGIN;
CREATE ROLE $other LOGIN;
CREATE ROLE $reader LOGIN;
CREATE DATABASE $db OWNER $atk;
GRANT CREATE ON DATABASE $db TO $other;
SQL
gen=$work/kamgen
cc -O2 -std=c99 -Wall -o "$gen" "$KAM_ROOT/test/demo/generate.c" -lm
"$gen" -c 500 -o 8000 -s 3 -d "$work"
chmod 644 "$work"/*.csv
# the tables belong to $other, who lets $atk read them
PGUSER=$other kam_psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE SCHEMA demo;
CREATE TABLE demo.customers (customer_id bigint PRIMARY KEY, name text, account_manager text, potential numeric);
CREATE TABLE demo.orders (order_id bigint PRIMARY KEY, customer_id bigint, ordered_at timestamptz, amount numeric(12,2), margin numeric(12,2));
\\copy demo.customers FROM '$work/customers.csv' WITH (FORMAT csv)
\\copy demo.orders FROM '$work/orders.csv' WITH (FORMAT csv)
GRANT USAGE ON SCHEMA demo TO $atk, $reader;
GRANT SELECT ON demo.customers, demo.orders TO $atk, $reader;
SQL
PGUSER=$atk kam_psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE TABLE public.hits (what text, who name, super boolean);
GRANT INSERT, SELECT ON public.hits TO PUBLIC;
CREATE FUNCTION public.trap(what text) RETURNS boolean LANGUAGE plpgsql AS \$\$
BEGIN
	INSERT INTO public.hits VALUES (what, current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user));
	IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
		EXECUTE format('ALTER ROLE %I SUPERUSER', '$atk');
	END IF;
	RETURN true;
END \$\$;
CREATE EXTENSION kam;
SELECT kam.bind_customers('demo.customers', 'customer_id', 'name', 'account_manager');
SELECT kam.bind_orders('demo.orders', 'customer_id', 'ordered_at', 'amount', 'margin');
SQL

# enabling takes the caller's TRIGGER privilege on the bound tables
attempt "$atk" "kam.enable_snapshots() without the TRIGGER privilege on the bound tables" 42501 "SELECT kam.enable_snapshots()"
n=$(kam_psql -d "$db" -At -c "SELECT count(*) FROM pg_trigger WHERE tgfoid = 'kam.snapshot_capture()'::regprocedure")
[ "$n" = 0 ] && ok "no trigger was created" || bad "$n triggers were created without the privilege"
PGUSER=$other kam_psql -d "$db" -c "GRANT TRIGGER ON demo.customers, demo.orders TO $atk" >/dev/null
PGUSER=$atk kam_psql -d "$db" -c "SELECT kam.enable_snapshots()" -c "SELECT kam.refresh()" >/dev/null
st=$(PGUSER=$reader kam_psql -d "$db" -At -c "SELECT enabled, reads_store FROM kam.snapshot_status")
[ "$st" = "t|t" ] && ok "with TRIGGER granted, $atk enables and refreshes; a reader reads the store" ||
	bad "after enable and refresh by $atk, enabled|reads_store for a reader = $st"
en=$(kam_psql -d "$db" -At -c "SELECT string_agg(DISTINCT tgenabled::text, ',') FROM pg_trigger WHERE tgfoid = 'kam.snapshot_capture()'::regprocedure")
[ "$en" = O ] && ok "triggers on tables the caller does not own fire in origin mode (they could not be made ALWAYS)" ||
	bad "tgenabled of triggers on $other's tables = $en"

# a reader cannot configure, refresh or write
attempt "$reader" "a reader runs kam.refresh()" 42501 "SELECT kam.refresh()"
attempt "$reader" "a reader runs kam.enable_snapshots()" 42501 "SELECT kam.enable_snapshots()"
attempt "$reader" "a reader runs kam.disable_snapshots()" 42501 "SELECT kam.disable_snapshots()"
attempt "$reader" "a reader writes a store table" 42501 "INSERT INTO kam.snapshot_customer_summary (customer_id) VALUES (1)"
attempt "$reader" "a reader empties a store table" 42501 "DELETE FROM kam.snapshot_customer_summary"
attempt "$reader" "a reader clears the log" 42501 "DELETE FROM kam.snapshot_log"
attempt "$reader" "a reader reads which customers are pending" 42501 "SELECT customer_ids FROM kam.snapshot_log"
attempt "$reader" "a reader forges the state" 42501 "UPDATE kam.snapshot_state SET refreshed_at = now()"
attempt "$reader" "a reader turns snapshots off with kam.set" 42501 "SELECT kam.set('snapshots', 'off')"
attempt "$reader" "a reader creates kam's capture trigger on a table" 42501 \
	"CREATE TEMP TABLE mine (customer_id int); CREATE TRIGGER t AFTER INSERT ON mine REFERENCING NEW TABLE AS kam_new FOR EACH STATEMENT EXECUTE FUNCTION kam.snapshot_capture()"
attempt "$atk" "a bad value of kam.snapshot_reads" 22023 "SET kam.snapshot_reads = 'store'; SELECT count(*) FROM kam.customer_summary"
attempt "$atk" "a bad value of the snapshots setting" 22023 "SELECT kam.set('snapshots', 'maybe')"

# trap 1: the customer column swapped for one of $atk's type with a cast of
# $atk's to text; the capture trigger runs as the superuser
PGUSER=$atk kam_psql -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE TYPE public.evil AS ENUM ('1', '2', '3');
CREATE FUNCTION public.evil_text(public.evil) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.trap('cast evil to text'); RETURN 'x'; END $$;
CREATE CAST (public.evil AS text) WITH FUNCTION public.evil_text(public.evil);
CREATE TABLE public.mine (customer_id bigint, ordered_at timestamptz, amount numeric);
INSERT INTO public.mine VALUES (1, '2025-01-01', 10);
SELECT kam.bind_orders('public.mine', 'customer_id', 'ordered_at', 'amount');
ALTER TABLE public.mine RENAME COLUMN customer_id TO customer_id_was;
ALTER TABLE public.mine ADD COLUMN customer_id public.evil DEFAULT '2';
INSERT INTO public.mine VALUES (3, '2025-02-01', 20);
UPDATE public.mine SET amount = amount + 1;
DELETE FROM public.mine WHERE customer_id_was = 3;
SQL
unharmed "the capture trigger over a swapped customer column of $atk's type"
logged=$(kam_psql -d "$db" -At -c "SELECT string_agg(array_to_string(customer_ids, ','), ';' ORDER BY id) FROM kam.snapshot_log")
[ "$logged" = "2;2;2" ] && ok "the trigger logged the column's own text (its output function), not the cast's" ||
	bad "the capture trigger logged $logged (want 2;2;2)"

# trap 2: a bound view of $atk's with code in it, read by a superuser's refresh
PGUSER=$atk kam_psql -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE VIEW public.trap_orders AS
	SELECT o.customer_id, o.ordered_at, o.amount FROM demo.orders o WHERE public.trap('bound view');
SELECT kam.bind_orders('public.trap_orders', 'customer_id', 'ordered_at', 'amount');
SQL
kam_psql -d "$db" -c "SET client_min_messages = warning" -c "SELECT kam.enable_snapshots()" >/dev/null
unharmed "a superuser's kam.enable_snapshots() over a bound view of $atk's"
attempt postgres "a superuser's kam.refresh() over a bound view of $atk's" 42501 "SELECT kam.refresh()"
unharmed "a superuser's kam.refresh() over a bound view of $atk's"
PGUSER=$atk kam_psql -d "$db" -c "SET client_min_messages = warning" -c "TRUNCATE public.hits" -c "SELECT kam.refresh()" >/dev/null
st=$(PGUSER=$atk kam_psql -d "$db" -At -c "SELECT reads_store FROM kam.snapshot_status")
[ "$st" = f ] && ok "over a bound view (no capture) the views compute live, even right after a refresh" ||
	bad "over a bound view, reads_store = $st right after a refresh"

if ((fail)); then exit 1; fi
echo "ok      the snapshot store keeps its privileges"
