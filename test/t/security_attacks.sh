#!/usr/bin/env bash
# A database owner without superuser, who installs kam (it is trusted), tries
# to gain a superuser's rights through it, the three ways that worked on kam
# 0.1.0:
#   1. objects planted in a schema kam made before CREATE EXTENSION (an
#      operator kam.>(float8, int) and a function kam.unnest(text[]) that the
#      install script would have resolved to);
#   2. overloads planted after a normal install (kam.check_column(regclass,
#      text, name, text), which the untyped NULL of the bind functions chose);
#   3. code baked into views and policies (an aggregate kam.top_share(float8,
#      numeric) for the view's 0.2, a kam.customer_visible(integer) for the
#      snapshot policy), plus renaming schema kam or replacing a report view.
# Every trap, if it ever runs, logs itself and, run by a superuser, makes the
# attacker a superuser.  Then a real superuser makes the calls the attacks
# wait for: bind, rebuild, refresh the tier snapshot, fit and store models,
# read every view.  The attacker must never become a superuser, no trap may
# run, every attempt must fail with the documented error, and every view and
# policy may depend only on pg_catalog and kam's own member objects.
# Last, the roles: the owner (not a superuser) configures all of kam and may
# delegate; a reader reads, and cannot configure.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
atk=kam_atk_$$ other=kam_other_$$ deleg=kam_deleg_$$ reader=kam_reader_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/attacks.XXXXXX")
chmod 755 "$work"
dbs=()
cleanup() {
	local d
	for d in "${dbs[@]}"; do kam_psql -d postgres -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done
	for r in "$atk" "$other" "$deleg" "$reader"; do kam_psql -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true; done
	[ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail=0
ok() { echo "ok      $*"; }
bad() { echo "FAILED  $*"; fail=1; }

kam_psql -d postgres >/dev/null <<SQL
CREATE ROLE $atk LOGIN;
CREATE ROLE $other LOGIN;
CREATE ROLE $deleg LOGIN;
CREATE ROLE $reader LOGIN;
SQL
newdb() { # newdb NAME: a database the attacker owns, with the traps' log
	dbs+=("$1")
	kam_psql -d postgres -c "CREATE DATABASE $1 OWNER $atk" >/dev/null
	PGUSER=$atk kam_psql -d "$1" >/dev/null <<SQL
CREATE TABLE public.hits (what text, who name, super boolean);
GRANT INSERT, SELECT ON public.hits TO PUBLIC;
-- what every trap runs: log, and if the caller is a superuser, promote the attacker
CREATE FUNCTION public.trap(what text) RETURNS boolean LANGUAGE plpgsql AS \$\$
BEGIN
	INSERT INTO public.hits VALUES (what, current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user));
	IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
		EXECUTE format('ALTER ROLE %I SUPERUSER', '$atk');
	END IF;
	RETURN true;
END \$\$;
SQL
}
# attempt DB USER LABEL SQLSTATE SQL: the statement must fail with SQLSTATE
attempt() {
	local db=$1 user=$2 label=$3 want=$4 sql=$5 out
	if out=$(PGUSER=$user kam_psql -d "$db" -v VERBOSITY=verbose -c "$sql" 2>&1); then
		bad "$label: it worked"
	elif grep -q "ERROR:  $want" <<<"$out"; then
		ok "$label: refused ($want)"
	else
		bad "$label: unexpected error: $(grep -m1 ERROR <<<"$out")"
	fi
}
unharmed() { # unharmed DB LABEL: the attacker is no superuser and no trap ran
	local db=$1 label=$2 su hits
	su=$(kam_psql -d postgres -At -c "SELECT rolsuper FROM pg_roles WHERE rolname = '$atk'")
	hits=$(kam_psql -d "$db" -At -c "SELECT string_agg(what || ' as ' || who, '; ') FROM public.hits")
	if [ "$su" != f ]; then
		bad "$label: $atk became a superuser"
		kam_psql -d postgres -c "ALTER ROLE $atk NOSUPERUSER" >/dev/null
	elif [ -n "$hits" ]; then
		bad "$label: a trap ran: $hits"
	else
		ok "$label: $atk is no superuser and no trap ran"
	fi
}

# --- 1. planted before the install -------------------------------------------
newdb "kam_atk1_$$"
PGUSER=$atk kam_psql -d "kam_atk1_$$" >/dev/null <<'SQL'
CREATE SCHEMA kam;
CREATE FUNCTION kam.gt(float8, integer) RETURNS boolean LANGUAGE sql
	AS $$ SELECT public.trap('operator kam.>') AND $1 OPERATOR(pg_catalog.>) $2 $$;
CREATE OPERATOR kam.> (LEFTARG = float8, RIGHTARG = integer, FUNCTION = kam.gt);
CREATE FUNCTION kam.unnest(text[]) RETURNS SETOF text LANGUAGE sql
	AS $$ SELECT x FROM pg_catalog.unnest($1) x WHERE public.trap('kam.unnest') $$;
SQL
attempt "kam_atk1_$$" "$atk" "CREATE EXTENSION into a schema kam holding planted objects" 42P06 "CREATE EXTENSION kam"
unharmed "kam_atk1_$$" "planted schema"
# the same as a superuser installs it
attempt "kam_atk1_$$" postgres "a superuser's CREATE EXTENSION into the planted schema" 42P06 "CREATE EXTENSION kam"
unharmed "kam_atk1_$$" "planted schema, superuser install"
# an empty schema kam of another role's is refused too
newdb "kam_atk2_$$"
kam_psql -d "kam_atk2_$$" -c "CREATE SCHEMA kam AUTHORIZATION $other" >/dev/null
attempt "kam_atk2_$$" "$atk" "CREATE EXTENSION into an empty schema kam of another role" 42P06 "CREATE EXTENSION kam"
# an empty schema of the installer's own (as pg_restore makes) is taken over
newdb "kam_atk3_$$"
PGUSER=$atk kam_psql -d "kam_atk3_$$" -c "CREATE SCHEMA kam" -c "GRANT CREATE ON SCHEMA kam TO PUBLIC" \
	-c "CREATE EXTENSION kam" >/dev/null
acl=$(kam_psql -d "kam_atk3_$$" -At -c "SELECT nspowner::regrole || ' ' || has_schema_privilege('$atk', 'kam', 'CREATE')
	|| ' ' || has_schema_privilege('$reader', 'kam', 'CREATE') || ' ' || has_schema_privilege('$reader', 'kam', 'USAGE')
	FROM pg_namespace WHERE nspname = 'kam'")
if [ "$acl" = "postgres false false true" ]; then
	ok "an empty schema kam of the installer's is taken over: owned by the superuser, no CREATE for anyone else"
else
	bad "schema kam after the install into the installer's empty schema: owner, CREATE for $atk, CREATE / USAGE for others = $acl"
fi

# --- 2 and 3. planted after a normal install ---------------------------------
db=kam_atk4_$$
newdb "$db"
gen=$work/kamgen
cc -O2 -std=c99 -Wall -o "$gen" "$KAM_ROOT/test/demo/generate.c" -lm
"$gen" -c 2000 -o 40000 -s 11 -d "$work"
chmod 644 "$work"/*.csv
PGUSER=$atk kam_psql -d "$db" -f "$KAM_ROOT/test/demo/schema.sql" >/dev/null
for t in customers orders visits; do
	PGUSER=$atk kam_psql -d "$db" -c "\\copy demo.$t FROM '$work/$t.csv' WITH (FORMAT csv)" >/dev/null
done
# the owner installs kam and binds its tables, as the README says
PGUSER=$atk kam_psql -d "$db" -f "$KAM_ROOT/test/demo/bind.sql" >/dev/null
[ "$(kam_psql -d "$db" -At -c "SELECT extowner::regrole FROM pg_extension WHERE extname = 'kam'")" = "$atk" ] ||
	bad "kam was not installed by $atk"

attempt "$db" "$atk" "planting kam.check_column(regclass, text, name, text)" 42501 \
	"CREATE FUNCTION kam.check_column(regclass, text, name, text) RETURNS void LANGUAGE sql AS \$\$ SELECT public.trap('check_column') \$\$"
attempt "$db" "$atk" "planting the aggregate kam.top_share(float8, numeric)" 42501 \
	"CREATE AGGREGATE kam.top_share(float8, numeric) (SFUNC = float8pl, STYPE = float8, FINALFUNC = public.trap)"
attempt "$db" "$atk" "planting kam.customer_visible(integer)" 42501 \
	"CREATE FUNCTION kam.customer_visible(integer) RETURNS boolean LANGUAGE sql AS \$\$ SELECT public.trap('customer_visible') \$\$"
attempt "$db" "$atk" "planting a table in schema kam" 42501 "CREATE TABLE kam.planted (a int)"
attempt "$db" "$atk" "renaming schema kam to put a look-alike in its place" 42501 "ALTER SCHEMA kam RENAME TO kam_moved"
attempt "$db" "$atk" "replacing the report view kam.customer_tier" 42501 \
	"CREATE OR REPLACE VIEW kam.customer_tier AS SELECT * FROM kam.customer_tier WHERE public.trap('view')"
attempt "$db" "$atk" "dropping the report view kam.tier_summary" 42501 "DROP VIEW kam.tier_summary"
attempt "$db" "$atk" "replacing kam.setting(text)" 42501 \
	"CREATE OR REPLACE FUNCTION kam.setting(p_name text) RETURNS text LANGUAGE sql AS \$\$ SELECT 'x' \$\$"
# (a GRANT without the right only warns; what counts is the privilege after it)
PGUSER=$atk kam_psql -d "$db" -c "GRANT CREATE ON SCHEMA kam TO $atk" >/dev/null 2>&1 || true
if [ "$(kam_psql -d "$db" -At -c "SELECT has_schema_privilege('$atk', 'kam', 'CREATE')")" = f ]; then
	ok "granting itself CREATE on schema kam: no privilege granted"
else
	bad "$atk granted itself CREATE on schema kam"
fi
attempt "$db" "$atk" "writing the report-view registry" 42501 \
	"UPDATE kam.report_views SET definition = 'SELECT public.trap(''registry'')' WHERE name = 'tier_summary'"

# the superuser's later calls
kam_psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
SELECT kam.bind_customers('demo.customers', 'customer_id', 'name', 'account_manager');
SELECT kam.rebuild_views();
SELECT kam.refresh_tier_snapshot();
SELECT * FROM kam.fit_models();
SQL
views=$(kam_psql -d "$db" -At -c "SELECT relname FROM pg_class WHERE relnamespace = 'kam'::regnamespace AND relkind = 'v' ORDER BY 1")
for v in $views; do kam_psql -d "$db" -c "SELECT count(*) FROM kam.$v" >/dev/null; done
kam_psql -d "$db" -c "SELECT count(*) FROM kam.tier_snapshot" >/dev/null
unharmed "$db" "the superuser bound, rebuilt, refreshed, fitted and read all $(wc -w <<<"$views") views"

# What every view and policy depends on: pg_catalog and kam's members only.
deps=$(kam_psql -d "$db" -At <<'SQL'
WITH used AS (
	-- functions, operators and types the views' rules and the policies use
	SELECT d.refclassid, d.refobjid, d.classid, d.objid
	  FROM pg_depend d
	 WHERE (d.classid = 'pg_rewrite'::regclass
			AND d.objid IN (SELECT r.oid FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
							 WHERE c.relnamespace = 'kam'::regnamespace))
		OR (d.classid = 'pg_policy'::regclass
			AND d.objid IN (SELECT p.oid FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
							 WHERE c.relnamespace = 'kam'::regnamespace))),
ns AS (
	SELECT u.*, CASE u.refclassid
				WHEN 'pg_proc'::regclass THEN (SELECT p.pronamespace FROM pg_proc p WHERE p.oid = u.refobjid)
				WHEN 'pg_operator'::regclass THEN (SELECT o.oprnamespace FROM pg_operator o WHERE o.oid = u.refobjid)
				WHEN 'pg_type'::regclass THEN (SELECT t.typnamespace FROM pg_type t WHERE t.oid = u.refobjid)
				END AS nsp
	  FROM used u
	 WHERE u.refclassid = ANY (ARRAY['pg_proc', 'pg_operator', 'pg_type']::regclass[]))
SELECT pg_describe_object(n.refclassid, n.refobjid, 0) || ' used by ' || pg_describe_object(n.classid, n.objid, 0)
  FROM ns n
 WHERE n.nsp <> 'pg_catalog'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_depend e
					WHERE e.classid = n.refclassid AND e.objid = n.refobjid AND e.deptype = 'e'
					  AND e.refobjid = (SELECT x.oid FROM pg_extension x WHERE x.extname = 'kam'))
 ORDER BY 1
SQL
)
if [ -n "$deps" ]; then bad "views or policies use objects outside pg_catalog and kam:"; sed 's/^/    /' <<<"$deps"
else ok "every view and policy in schema kam uses only pg_catalog and kam's own objects"; fi

# --- roles --------------------------------------------------------------------
PGUSER=$atk kam_psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
SELECT kam.set('visit_weeks', '8');
SELECT kam.reset('visit_weeks');
INSERT INTO kam.tier_policy (tier, rank, share_cutoff, visits_per_week) VALUES ('Key', 1, 0.3, 3);
UPDATE kam.loyalty_ladder SET description = 'edited' WHERE stage = 'loyal';
DELETE FROM kam.rfm_segment_map WHERE r_score = 1 AND f_score = 1;
SELECT kam.reset_policy('rfm_segment_map');
SELECT count(*) FROM kam.fit_models();
SELECT kam.save_model('copy', kam.stored_bgnbd(), 'day');
DELETE FROM kam.models WHERE name = 'copy';
SELECT kam.refresh_tier_snapshot();
SELECT kam.rebuild_views();
-- delegation: another role gets what binding needs
GRANT EXECUTE ON FUNCTION kam.bind_visits(regclass, name, name), kam.bind(text, regclass, jsonb),
	kam.rebuild_views() TO $deleg;
GRANT INSERT, UPDATE, DELETE ON kam.bindings TO $deleg;
GRANT USAGE ON SCHEMA demo TO $deleg, $reader;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO $deleg, $reader;
SQL
ok "the owner ($atk, no superuser) set and reset a setting, edited every policy table, fitted and stored models, refreshed the snapshot"
if PGUSER=$deleg kam_psql -d "$db" -c "SELECT kam.bind_visits('demo.visits', 'customer_id', 'visited_at')" >/dev/null 2>&1; then
	ok "a role the owner granted to binds tables"
else
	bad "$deleg, granted by the owner, cannot bind"
fi
n=$(PGUSER=$reader kam_psql -d "$db" -At -c "SELECT count(*) FROM kam.customer_tier")
[ "$n" -gt 0 ] && ok "a reader reads the views ($n rows of kam.customer_tier)" || bad "a reader read $n rows"
attempt "$db" "$reader" "a reader changing a setting" 42501 "SELECT kam.set('visit_weeks', '8')"
attempt "$db" "$reader" "a reader binding" 42501 "SELECT kam.bind_visits('demo.visits', 'customer_id', 'visited_at')"
attempt "$db" "$reader" "a reader rebuilding the views" 42501 "SELECT kam.rebuild_views()"
attempt "$db" "$reader" "a reader editing a policy" 42501 "UPDATE kam.tier_policy SET visits_per_week = 9"
attempt "$db" "$reader" "a reader fitting models" 42501 "SELECT kam.fit_models()"
attempt "$db" "$reader" "a reader refreshing the snapshot" 42501 "SELECT kam.refresh_tier_snapshot()"
attempt "$db" "$reader" "a reader writing the snapshot" 42501 "DELETE FROM kam.tier_snapshot"

# --- a bound view of the owner's is not read by kam's functions as a superuser
PGUSER=$atk kam_psql -d "$db" >/dev/null <<'SQL'
CREATE VIEW public.orders_view AS SELECT o.* FROM demo.orders o WHERE public.trap('bound view');
SELECT kam.bind_orders('public.orders_view', 'customer_id', 'ordered_at', 'amount', 'margin');
SQL
attempt "$db" postgres "a superuser's refresh over the owner's bound view" 42501 "SELECT kam.refresh_tier_snapshot()"
attempt "$db" postgres "a superuser's fit over the owner's bound view" 42501 "SELECT kam.fit_models()"
unharmed "$db" "kam's functions refused to read the owner's view as a superuser"
((fail == 0))
