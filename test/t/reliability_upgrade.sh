#!/usr/bin/env bash
# ALTER EXTENSION kam UPDATE, tested for real.
#
#   1. The update graph: every sql/upgrade/FROM--TO.sql leads from FROM to
#      default_version (pg_extension_update_paths), and every release listed
#      in sql/upgrade/releases has such a path.
#   2. For every release in sql/upgrade/releases ("VERSION COMMIT"): that
#      commit is extracted (git archive), built with its own Makefile and
#      installed into a stage of its own; a throwaway cluster of this script's
#      own (the .so is swapped under it, so not the shared check cluster)
#      serves it.  As a database owner without superuser, like a real user:
#      CREATE EXTENSION kam VERSION 'old', the demo data bound, models fitted
#      and stored, policies edited, settings changed, the tier snapshot
#      refreshed, and a table of stored kam-typed values (rfm_state,
#      activity, survival) written.
#   3. The current build is installed over that stage (new kam.so, install
#      and update scripts), the cluster restarted, ALTER EXTENSION kam UPDATE
#      run as the owner; the update must leave no derived view or table
#      behind in schema kam; kam.rebuild_views() and
#      kam.refresh_tier_snapshot() then create the report views, which must
#      not be extension members.
#   4. A second database gets a fresh install with the same data and the same
#      steps, and the two are compared: the catalog of schema kam (every
#      member and non-member object with its definition, ACL, comment and
#      initial privileges, the extension's own row), the rows of every
#      configuration and shipped table, every report view and the tier
#      snapshot, and the stored kam-typed values read back.
# Prints ok / FAILED per comparison; exit 0 only when all are equal, 77 when
# the earlier release cannot be extracted (no git, or the commit is missing,
# as in a tarball).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

if [ -z "${KAM_STAGE:-}" ] || [ -z "${KAM_TMP:-}" ] || [ -z "${PGHOST:-}" ]; then
	echo "run this through make check (KAM_TESTS=reliability_upgrade make check): it needs the check cluster and stage"
	exit 77
fi
current=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$KAM_ROOT/kam.control")
releases_file=$KAM_ROOT/sql/upgrade/releases
OWNER=kam_owner
fail=0
ok() { printf 'ok      %s\n' "$*"; }
failed() { printf 'FAILED  %s\n' "$*"; fail=1; }

# ---------------------------------------------------------------------------
# 1. The update graph, in the check cluster (its stage has the current build)
# ---------------------------------------------------------------------------
declare -A release_commit=()
while read -r v c; do
	[[ -z ${v:-} || $v == \#* ]] && continue
	release_commit[$v]=$c
done <"$releases_file"

path_to_current() { # path_to_current FROM: the update path FROM -> current, or nothing
	kam_psql -d postgres -At -c "SELECT path FROM pg_catalog.pg_extension_update_paths('kam')
		WHERE source = '$1' AND target = '$current'"
}
declare -A from=()
for s in "$KAM_ROOT"/sql/upgrade/*--*.sql; do
	[ -e "$s" ] || continue
	b=$(basename "$s" .sql)
	from[${b%%--*}]=1
done
for v in $(printf '%s\n' "${!from[@]}" "${!release_commit[@]}" | sort -u); do
	p=$(path_to_current "$v")
	if [ -n "$p" ]; then ok "update path $p"; else failed "no update path from $v to $current"; fi
done
((fail == 0)) || exit 1
if ((${#release_commit[@]} == 0)); then
	echo "no release listed in sql/upgrade/releases: nothing to upgrade from"
	exit 77
fi

# ---------------------------------------------------------------------------
# This script's own cluster
# ---------------------------------------------------------------------------
W=$KAM_TMP/upgrade
SOCK=$W/sock
DATA=$W/data
mkdir -p "$W" "$SOCK"
chown "$KAM_SERVER_USER" "$W" "$SOCK"

up_stop() {
	if [ -f "$DATA/postmaster.pid" ]; then
		kam_as_server_user "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
	fi
}
trap up_stop EXIT
trap 'exit 1' INT TERM	# so that the EXIT trap stops the cluster on a timeout too

# up_start STAGE: initdb (first time) and start, with extension_destdir = STAGE
up_start() {
	if [ ! -d "$DATA" ]; then
		kam_as_server_user "$PG_BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 \
			--locale=C >"$W/initdb.log" 2>&1 || { cat "$W/initdb.log" >&2; return 1; }
		{
			echo "listen_addresses = ''"
			echo "unix_socket_directories = '$SOCK'"
			echo "port = 5432"
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
			echo "logging_collector = off"
			# both databases must compute the same figures: no parallel plans
			# whose partial sums could add up in another order
			echo "max_parallel_workers_per_gather = 0"
			echo "extension_destdir = '$1'"
		} >>"$DATA/postgresql.conf"
	fi
	kam_as_server_user "$PG_BIN/pg_ctl" -D "$DATA" -l "$W/server.log" -w -t 60 start >/dev/null ||
		{ cat "$W/server.log" >&2; return 1; }
}

# q ROLE DB [psql args]: psql on this script's cluster
q() {
	local role=$1 db=$2
	shift 2
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p 5432 -U "$role" -d "$db" "$@"
}

# ---------------------------------------------------------------------------
# What a user does: load and bind the demo data, configure kam
# ---------------------------------------------------------------------------
DEMO=$W/demo
GEN=$W/kamgen
cc -O2 -std=c99 -Wall -o "$GEN" "$KAM_ROOT/test/demo/generate.c" -lm
mkdir -p "$DEMO"
"$GEN" -c 2000 -o 40000 -s 42 -d "$DEMO" >/dev/null

# load_demo DB VERSION: the demo tables, filled, and kam VERSION bound to them
# as test/demo/bind.sql does (all as the database owner)
load_demo() {
	local db=$1 version=$2 t
	q postgres postgres -c "CREATE DATABASE $db OWNER $OWNER"
	q "$OWNER" "$db" -f "$KAM_ROOT/test/demo/schema.sql"
	for t in customers orders visits; do
		q "$OWNER" "$db" -c "\\copy demo.$t FROM '$DEMO/$t.csv' WITH (FORMAT csv)"
	done
	q "$OWNER" "$db" -c "SET client_min_messages = warning" \
		-c "CREATE INDEX ON demo.orders (customer_id)" -c "CREATE INDEX ON demo.visits (customer_id)" \
		-c "ANALYZE demo.customers, demo.orders, demo.visits" \
		-c "CREATE EXTENSION kam VERSION '$version'"
	grep '^SELECT kam\.' "$KAM_ROOT/test/demo/bind.sql" | q "$OWNER" "$db" -f - >/dev/null
}

# as_owner DB MAY_FALL_BACK WHAT SQL: runs SQL as the database owner.  With
# MAY_FALL_BACK = yes (the old release, which may not grant it), a
# "permission denied" is reported and SQL is run as the superuser instead;
# otherwise it fails the test.
as_owner() {
	local db=$1 fallback=$2 what=$3 sql=$4 err
	if err=$(q "$OWNER" "$db" -c "$sql" 2>&1 >/dev/null); then
		return 0
	fi
	if [ "$fallback" = yes ] && [[ $err == *"permission denied"* ]]; then
		echo "note    $db: the owner may not $what ($(head -n 1 <<<"$err" | sed 's/^.*ERROR: *//')): done as the superuser"
		q postgres "$db" -c "$sql" >/dev/null
	else
		failed "$db: the owner cannot $what:"
		printf '%s\n' "$err" | head -n 5 | sed 's/^/    /'
	fi
}

# configure DB MAY_FALL_BACK: the configuration a user makes, the same steps in
# the same order in both databases (the fits depend on the settings in force)
configure() {
	local db=$1 fb=$2
	as_owner "$db" "$fb" "fit and store models" "SELECT * FROM kam.fit_models()"
	as_owner "$db" "$fb" "store a model" \
		"SELECT kam.save_model('bgnbd_by_hand', kam.stored_bgnbd(), 'day', '2025-12-31', 'stored by hand')"
	as_owner "$db" "$fb" "add a tier" \
		"INSERT INTO kam.tier_policy (tier, rank, share_cutoff, min_revenue, visits_per_week, description)
		 VALUES ('Key', 0, 0.2, 1000, 3, 'the very first accounts')"
	as_owner "$db" "$fb" "delete a shipped loyalty stage" "DELETE FROM kam.loyalty_ladder WHERE stage = 'loyal'"
	as_owner "$db" "$fb" "edit the RFM segment map" \
		"UPDATE kam.rfm_segment_map SET segment = 'champions' WHERE r_score = 5 AND f_score = 3"
	as_owner "$db" "$fb" "change settings" \
		"SELECT kam.set('period', 'quarter'), kam.set('churn_after', '2'), kam.set('visit_weeks', '8')"
	as_owner "$db" "$fb" "refresh the tier snapshot" "SELECT kam.refresh_tier_snapshot()"
	# stored kam-typed values, written by this database's kam
	as_owner "$db" "$fb" "store kam-typed values" "
		CREATE TABLE demo.stored_values AS
		SELECT o.customer_id,
			   kam.rfm_state(o.ordered_at, o.amount::float8) AS state,
			   kam.activity(o.ordered_at, o.amount::float8, 'month', '2025-12-31') AS activity
		  FROM demo.orders o GROUP BY o.customer_id;
		CREATE TABLE demo.stored_survival AS
		SELECT c.account_manager, kam.km_fit((c.customer_id % 37)::float8, c.customer_id % 3 = 0) AS s
		  FROM demo.customers c GROUP BY c.account_manager"
}

# rebuild DB: what the update's notice asks for, and a fresh install does too
rebuild() {
	as_owner "$1" no "rebuild the views" "SELECT kam.rebuild_views()"
	as_owner "$1" no "refresh the tier snapshot" "SELECT kam.refresh_tier_snapshot()"
}

# ---------------------------------------------------------------------------
# Comparing the updated and the fresh database
# ---------------------------------------------------------------------------
# ACLs are compared as sets (the order of aclitems is the order of the grants,
# which differs between an update and an install and means nothing), with a
# NULL ACL read as the default it stands for.
PRELUDE="SET search_path = pg_catalog;
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.acl(a aclitem[], k \"char\", o oid) RETURNS text LANGUAGE sql AS
\$\$ SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text), '') FROM unnest(coalesce(a, acldefault(k, o))) x \$\$;"

# catalog: schema kam and everything in it, member or not, with definitions.
# No OIDs: objects are named (regclass, regprocedure, pg_describe_object).
CATALOG=$(cat <<'SQL'
CREATE TEMP TABLE m AS
SELECT d.classid, d.objid, d.objsubid FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT e.oid FROM pg_extension e WHERE e.extname = 'kam');
CREATE FUNCTION pg_temp.member(c regclass, o oid) RETURNS text LANGUAGE sql AS
$$ SELECT CASE WHEN EXISTS (SELECT 1 FROM m WHERE m.classid = c AND m.objid = o) THEN 'member' ELSE 'NOT a member' END $$;
\pset tuples_only on
\pset format unaligned
SELECT 'extension ' || e.extname || ' ' || e.extversion || ' owner=' || e.extowner::regrole ||
	   ' schema=' || e.extnamespace::regnamespace || ' relocatable=' || e.extrelocatable ||
	   ' config=' || coalesce(e.extconfig::regclass[]::text, '-') || ' condition=' || coalesce(e.extcondition::text, '-')
  FROM pg_extension e WHERE e.extname = 'kam';
SELECT 'schema ' || n.nspname || ' owner=' || n.nspowner::regrole || ' acl=' || pg_temp.acl(n.nspacl, 'n', n.nspowner) ||
	   ' comment=' || coalesce(obj_description(n.oid, 'pg_namespace'), '-') || ' ' || pg_temp.member('pg_namespace', n.oid)
  FROM pg_namespace n WHERE n.nspname = 'kam';
SELECT 'member ' || pg_describe_object(m.classid, m.objid, m.objsubid) FROM m ORDER BY 1;
-- objects of schema kam that are members of no extension and not parts of a
-- relation or type kam made (rowtypes, array types, indexes, constraints)
SELECT 'function ' || p.oid::regprocedure || ' ' || pg_temp.member('pg_proc', p.oid) ||
	   E'\n  kind=' || p.prokind::text || ' owner=' || p.proowner::regrole || ' language=' || l.lanname ||
	   ' security_definer=' || p.prosecdef || ' leakproof=' || p.proleakproof || ' strict=' || p.proisstrict ||
	   ' returns_set=' || p.proretset || ' volatility=' || p.provolatile::text || ' parallel=' || p.proparallel::text ||
	   ' cost=' || p.procost || ' rows=' || p.prorows || ' support=' || p.prosupport ||
	   E'\n  arguments=' || pg_get_function_arguments(p.oid) || E'\n  result=' || coalesce(pg_get_function_result(p.oid), '-') ||
	   E'\n  config=' || coalesce(p.proconfig::text, '-') || E'\n  acl=' || pg_temp.acl(p.proacl, 'f', p.proowner) ||
	   E'\n  probin=' || coalesce(p.probin, '-') || E'\n  prosrc=' || p.prosrc ||
	   E'\n  comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'kam'::regnamespace ORDER BY 1;
SELECT 'aggregate ' || a.aggfnoid::regprocedure || ': kind=' || a.aggkind::text || ' direct_args=' || a.aggnumdirectargs ||
	   ' sfunc=' || a.aggtransfn::oid::regprocedure || ' stype=' || a.aggtranstype::regtype || ' sspace=' || a.aggtransspace ||
	   ' finalfunc=' || a.aggfinalfn::oid::regprocedure || ' finalextra=' || a.aggfinalextra || ' finalmodify=' || a.aggfinalmodify::text ||
	   ' combinefunc=' || a.aggcombinefn::oid::regprocedure || ' serialfunc=' || a.aggserialfn::oid::regprocedure ||
	   ' deserialfunc=' || a.aggdeserialfn::oid::regprocedure || ' msfunc=' || a.aggmtransfn::oid::regprocedure ||
	   ' minvfunc=' || a.aggminvtransfn::oid::regprocedure || ' mfinalfunc=' || a.aggmfinalfn::oid::regprocedure ||
	   ' mstype=' || a.aggmtranstype::regtype || ' mfinalextra=' || a.aggmfinalextra || ' mfinalmodify=' || a.aggmfinalmodify::text ||
	   ' sortop=' || a.aggsortop::regoperator || ' initcond=' || coalesce(a.agginitval, '-') ||
	   ' minitcond=' || coalesce(a.aggminitval, '-')
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'kam'::regnamespace ORDER BY 1;
SELECT 'type ' || t.oid::regtype || ' ' || pg_temp.member('pg_type', t.oid) ||
	   ': type=' || t.typtype::text || ' len=' || t.typlen || ' byval=' || t.typbyval || ' category=' || t.typcategory::text ||
	   ' preferred=' || t.typispreferred || ' delim=' || t.typdelim::text || ' align=' || t.typalign::text || ' storage=' || t.typstorage::text ||
	   ' input=' || t.typinput::oid::regprocedure || ' output=' || t.typoutput::oid::regprocedure ||
	   ' receive=' || t.typreceive::oid::regprocedure || ' send=' || t.typsend::oid::regprocedure ||
	   ' modin=' || t.typmodin::oid::regprocedure || ' modout=' || t.typmodout::oid::regprocedure ||
	   ' analyze=' || t.typanalyze::oid::regprocedure || ' subscript=' || t.typsubscript::oid::regprocedure ||
	   ' element=' || t.typelem::regtype || ' array=' || t.typarray::regtype || ' base=' || t.typbasetype::regtype ||
	   ' notnull=' || t.typnotnull || ' default=' || coalesce(t.typdefault, '-') ||
	   ' owner=' || t.typowner::regrole || ' acl=' || pg_temp.acl(t.typacl, 'T', t.typowner) ||
	   ' comment=' || coalesce(obj_description(t.oid, 'pg_type'), '-')
  FROM pg_type t WHERE t.typnamespace = 'kam'::regnamespace ORDER BY 1;
SELECT 'relation ' || c.oid::regclass || ' ' || pg_temp.member('pg_class', c.oid) ||
	   ': kind=' || c.relkind::text || ' owner=' || c.relowner::regrole ||
	   ' acl=' || pg_temp.acl(c.relacl, (CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner) ||
	   ' rls=' || c.relrowsecurity || ' force_rls=' || c.relforcerowsecurity || ' persistence=' || c.relpersistence::text ||
	   ' options=' || coalesce(c.reloptions::text, '-') || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '-') ||
	   coalesce((SELECT string_agg(E'\n  column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
							   CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END ||
							   coalesce(' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid), '') ||
							   coalesce(' COLLATE ' || co.collname, '') ||
							   ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text ||
							   coalesce(' acl=' || a.attacl::text, '') ||
							   coalesce(' comment=' || col_description(c.oid, a.attnum), ''), '' ORDER BY a.attnum)
				  FROM pg_attribute a
				  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
				  LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 'default'::regcollation
				 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') ||
	   coalesce((SELECT string_agg(E'\n  constraint ' || k.conname || ' ' || pg_get_constraintdef(k.oid), '' ORDER BY k.conname)
				  FROM pg_constraint k WHERE k.conrelid = c.oid), '') ||
	   coalesce((SELECT string_agg(E'\n  index ' || pg_get_indexdef(i.indexrelid), '' ORDER BY 1)
				  FROM pg_index i WHERE i.indrelid = c.oid), '') ||
	   coalesce((SELECT string_agg(E'\n  trigger ' || pg_get_triggerdef(g.oid) || ' enabled=' || g.tgenabled::text, '' ORDER BY g.tgname)
				  FROM pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal), '') ||
	   coalesce((SELECT string_agg(E'\n  policy ' || y.polname || ' cmd=' || y.polcmd::text || ' permissive=' || y.polpermissive ||
							   ' roles=' || y.polroles::regrole[]::text ||
							   ' using=' || coalesce(pg_get_expr(y.polqual, y.polrelid), '-') ||
							   ' check=' || coalesce(pg_get_expr(y.polwithcheck, y.polrelid), '-'), '' ORDER BY y.polname)
				  FROM pg_policy y WHERE y.polrelid = c.oid), '') ||
	   CASE WHEN c.relkind IN ('v', 'm') THEN E'\n  view ' || pg_get_viewdef(c.oid) ELSE '' END
  FROM pg_class c WHERE c.relnamespace = 'kam'::regnamespace ORDER BY 1;
SELECT 'operator ' || o.oid::regoperator || ' ' || pg_temp.member('pg_operator', o.oid) || ': code=' || o.oprcode::oid::regprocedure ||
	   ' result=' || o.oprresult::regtype || ' commutator=' || o.oprcom::regoperator || ' negator=' || o.oprnegate::regoperator ||
	   ' restrict=' || o.oprrest::oid::regprocedure || ' join=' || o.oprjoin::oid::regprocedure ||
	   ' merges=' || o.oprcanmerge || ' hashes=' || o.oprcanhash || ' owner=' || o.oprowner::regrole ||
	   ' comment=' || coalesce(obj_description(o.oid, 'pg_operator'), '-')
  FROM pg_operator o WHERE o.oprnamespace = 'kam'::regnamespace ORDER BY 1;
SELECT 'operator class ' || k.opcname || ' ' || pg_temp.member('pg_opclass', k.oid) FROM pg_opclass k
 WHERE k.opcnamespace = 'kam'::regnamespace ORDER BY 1;
SELECT 'operator family ' || f.opfname || ' ' || pg_temp.member('pg_opfamily', f.oid) FROM pg_opfamily f
 WHERE f.opfnamespace = 'kam'::regnamespace ORDER BY 1;
SELECT 'cast ' || pg_describe_object('pg_cast'::regclass, k.oid, 0) || ' ' || pg_temp.member('pg_cast', k.oid) ||
	   ': function=' || k.castfunc::regprocedure || ' context=' || k.castcontext::text || ' method=' || k.castmethod::text
  FROM pg_cast k
 WHERE k.oid IN (SELECT m.objid FROM m WHERE m.classid = 'pg_cast'::regclass)
	OR (SELECT t.typnamespace FROM pg_type t WHERE t.oid = k.castsource) = 'kam'::regnamespace
	OR (SELECT t.typnamespace FROM pg_type t WHERE t.oid = k.casttarget) = 'kam'::regnamespace
 ORDER BY 1;
-- anything else that is a member (collations, event triggers, ...) is named
-- by the member list above; their comments:
SELECT 'comment on ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ': ' || d.description
  FROM pg_description d JOIN m ON m.classid = d.classoid AND m.objid = d.objoid
 WHERE d.classoid NOT IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass, 'pg_operator'::regclass)
 ORDER BY 1;
-- the privileges pg_dump takes as the extension's own (it dumps only changes
-- from these)
SELECT 'initial privileges of ' || pg_describe_object(i.classoid, i.objoid, i.objsubid) || ' (' || i.privtype::text || '): ' ||
	   (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(i.initprivs) x)
  FROM pg_init_privs i
 WHERE (i.classoid, i.objoid) IN (SELECT m.classid, m.objid FROM m)
	OR (i.classoid = 'pg_namespace'::regclass AND i.objoid = 'kam'::regnamespace)
	OR (i.classoid = 'pg_class'::regclass AND i.objoid IN (SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'kam'::regnamespace))
 ORDER BY 1;
SQL
)

# dump DB NAME SQL: SQL's output (or its error) in DB, into $W/NAME.DB
dump() {
	local db=$1 name=$2 sql=$3
	printf '%s\n%s\n' "$PRELUDE" "$sql" | q postgres "$db" -At -f - >"$W/$name.$db" 2>&1
}
# compare NAME SQL: SQL's output in the updated and in the fresh database
compare() {
	local name=$1 sql=$2
	local db
	for db in "$UPD" "$FRESH"; do
		if ! dump "$db" "$name" "$sql"; then
			failed "$name: the query fails in $db:"
			grep -m 3 -e '^psql:' -e '^DETAIL' -e '^HINT' "$W/$name.$db" | sed 's/^/    /'
			return 0
		fi
	done
	if cmp -s "$W/$name.$UPD" "$W/$name.$FRESH"; then
		ok "$from_version -> $current equals a fresh install: $name ($(wc -l <"$W/$name.$FRESH") lines)"
	else
		failed "$from_version -> $current differs from a fresh install: $name (< updated, > fresh)"
		diff "$W/$name.$UPD" "$W/$name.$FRESH" | head -n 40 | cut -c 1-300 | sed 's/^/    /'
	fi
}
# compare_dump: what pg_dump --schema-only makes of the two databases (the
# extension's members are left to CREATE EXTENSION; what it dumps besides is
# decided by pg_init_privs and extconfig, and the report views are dumped)
compare_dump() {
	local db
	for db in "$UPD" "$FRESH"; do
		"$PG_BIN/pg_dump" -h "$SOCK" -p 5432 -U postgres --schema-only -d "$db" >"$W/pg_dump.$db.raw" 2>&1 ||
			{ failed "pg_dump of $db fails:"; head -n 5 "$W/pg_dump.$db.raw" | sed 's/^/    /'; return 0; }
		# the \restrict key of newer pg_dumps is random in every dump
		sed -E 's/^\\(un)?restrict .*/\\\1restrict KEY/' "$W/pg_dump.$db.raw" >"$W/pg_dump.$db"
	done
	if cmp -s "$W/pg_dump.$UPD" "$W/pg_dump.$FRESH"; then
		ok "$from_version -> $current equals a fresh install: pg_dump --schema-only ($(wc -l <"$W/pg_dump.$FRESH") lines)"
	else
		failed "$from_version -> $current differs from a fresh install: pg_dump --schema-only (< updated, > fresh)"
		diff "$W/pg_dump.$UPD" "$W/pg_dump.$FRESH" | head -n 40 | cut -c 1-300 | sed 's/^/    /'
	fi
}
# rows TABLE [COLUMN ...]: the rows of TABLE, without COLUMNs, in a stable order
rows() {
	local t=$1 drop=''
	shift
	for c in "$@"; do drop="$drop - '$c'"; done
	echo "SELECT (to_jsonb(t) $drop)::text FROM $t t ORDER BY 1;"
}

# ---------------------------------------------------------------------------
# 2-4. Every release
# ---------------------------------------------------------------------------
# test_release: steps 2-4 for $from_version at $commit
test_release() {
	src=$W/src-$from_version
	stage=$W/stage-$from_version
	mkdir -p "$src" "$stage"
	git -C "$KAM_ROOT" archive "$commit" | tar -x -C "$src"
	got=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$src/kam.control")
	[ "$got" = "$from_version" ] || { failed "commit $commit is version $got, not $from_version"; return; }
	# its own Makefile only (0.1.0's test scripts are not used)
	make -s -j2 -C "$src" PG_CONFIG="$PG_CONFIG" all >"$W/build-$from_version.log" 2>&1 ||
		{ tail -n 20 "$W/build-$from_version.log"; failed "release $from_version does not build"; return; }
	make -s -C "$src" PG_CONFIG="$PG_CONFIG" install DESTDIR="$stage" >>"$W/build-$from_version.log" 2>&1
	ok "release $from_version built from $commit"

	up_start "$stage"
	q postgres postgres -c "CREATE ROLE $OWNER LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
	UPD=kam_updated FRESH=kam_fresh

	# the old release, used as a user would
	load_demo "$UPD" "$from_version"
	configure "$UPD" yes

	# the update: the current build over the same stage, a restart (the old
	# kam.so goes), ALTER EXTENSION as the owner
	make -s -C "$KAM_ROOT" PG_CONFIG="$PG_CONFIG" install DESTDIR="$stage" >/dev/null
	up_stop
	up_start "$stage"
	if out=$(q "$OWNER" "$UPD" -c "ALTER EXTENSION kam UPDATE" 2>&1); then
		ok "ALTER EXTENSION kam UPDATE from $from_version as the owner"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
	else
		failed "ALTER EXTENSION kam UPDATE from $from_version:"
		printf '%s\n' "$out" | sed 's/^/    /'
		return
	fi
	v=$(q postgres "$UPD" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'kam'")
	[ "$v" = "$current" ] && ok "kam is $current after the update" || failed "kam is $v after the update, not $current"

	# the update creates no derived object: every relation left in schema kam
	# is one of the extension's own
	extra=$(q postgres "$UPD" -At -c "SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY 1) FROM pg_class c
		WHERE c.relnamespace = 'kam'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')")
	[ -z "$extra" ] && ok "after the update schema kam holds only the extension's members (no report view, no snapshot)" ||
		failed "after the update schema kam holds relations that are not members: $extra"

	rebuild "$UPD"
	# the report views whose bindings exist, and kam.orders / customers /
	# visits, exist now and are not members (the next bind drops them)
	views_sql="SELECT string_agg(x.name || CASE WHEN c.oid IS NULL THEN ' (missing)'
			WHEN EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
			THEN ' (a member)' ELSE '' END, ', ' ORDER BY x.name)
		FROM (SELECT r.name FROM kam.report_views r WHERE r.requires <@ (SELECT array_agg(b.kind) FROM kam.bindings b)
			  UNION ALL SELECT b.kind FROM kam.bindings b UNION ALL SELECT 'tier_snapshot') x
		LEFT JOIN pg_class c ON c.relname = x.name AND c.relnamespace = 'kam'::regnamespace"
	got=$(q postgres "$UPD" -At -c "$views_sql")
	if [[ $got == *"(missing)"* || $got == *"(a member)"* ]]; then
		failed "after kam.rebuild_views(): $got"
	else
		ok "after kam.rebuild_views() the report views exist and are not extension members ($(tr -cd , <<<"$got" | wc -c) + 1 relations)"
	fi

	# the same, installed fresh
	load_demo "$FRESH" "$current"
	configure "$FRESH" no
	rebuild "$FRESH"

	compare catalog "$CATALOG"
	compare_dump
	compare settings "$(rows kam.settings)"
	compare bindings "$(rows kam.bindings)"
	# fitted_at: when the fit ran
	compare models "$(rows kam.models fitted_at)"
	compare tier_policy "$(rows kam.tier_policy)"
	compare loyalty_ladder "$(rows kam.loyalty_ladder)"
	compare rfm_segment_map "$(rows kam.rfm_segment_map)"
	compare deleted_defaults "$(rows kam.deleted_defaults)"
	compare setting_defaults "$(rows kam.setting_defaults)"
	compare report_views "$(rows kam.report_views)"
	# refreshed_at: when the refresh ran
	compare tier_snapshot "$(rows kam.tier_snapshot refreshed_at)"
	for view in orders customers visits $(q postgres "$FRESH" -At -c "SELECT r.name FROM kam.report_views r
			WHERE to_regclass('kam.' || quote_ident(r.name)) IS NOT NULL ORDER BY r.position"); do
		compare "view kam.$view" "$(rows "kam.$view")"
	done

	# values written by the old kam.so, read by the new one, against the same
	# values written fresh: their text, and kam functions over them
	compare "stored kam.rfm_state and kam.activity values (text)" \
		"SELECT s.customer_id || ' ' || s.state::text || ' ' || s.activity::text FROM demo.stored_values s ORDER BY s.customer_id;"
	compare "stored kam.rfm_state and kam.activity values (kam.rfm_summary, kam.activity_summary)" \
		"SELECT s.customer_id || ' ' || kam.rfm_summary(s.state, '2025-12-31'::date)::text || ' ' ||
				kam.activity_summary(s.activity, 1, 3, 0.5::float8)::text
		   FROM demo.stored_values s ORDER BY s.customer_id;
		 SELECT kam.rfm_summary(kam.rfm_merge(s.state), '2025-12-31'::date)::text FROM demo.stored_values s;
		 SELECT kam.activity_summary(kam.activity_merge(s.activity), 1, 3, 0.5::float8)::text FROM demo.stored_values s;"
	compare "stored kam.survival values (text, kam.km_median, kam.km_curve)" \
		"SELECT s.account_manager || ' ' || s.s::text || ' ' || coalesce(kam.km_median(s.s)::text, '-') || ' ' ||
				(SELECT string_agg(k::text, ';') FROM kam.km_curve(s.s) k)
		   FROM demo.stored_survival s ORDER BY 1;"

}

if ! command -v git >/dev/null; then
	echo "git is not installed: cannot extract the releases to update from"
	exit 77
fi
if ! err=$(git -C "$KAM_ROOT" rev-parse --git-dir 2>&1); then
	echo "no usable git repository at $KAM_ROOT (a tarball?): cannot extract the releases to update from ($(head -n 1 <<<"$err"))"
	exit 77
fi
for from_version in $(printf '%s\n' "${!release_commit[@]}" | sort -V); do
	commit=${release_commit[$from_version]}
	if ! git -C "$KAM_ROOT" cat-file -e "$commit^{commit}" 2>/dev/null; then
		echo "release $from_version: commit $commit is not in this repository (shallow clone?): cannot test the update from it"
		exit 77
	fi
	test_release
	up_stop
	rm -rf "$DATA"
	if ((fail == 0)); then ok "$from_version -> $current: the updated database equals a fresh install"; fi
done
((fail == 0))
