#!/usr/bin/env bash
# Upgrade path.  Every release after 0.1.0 ships sql/upgrade/kam--A--B.sql.
# This test
#   1. checks that every version named by an upgrade script has a path to
#      default_version (pg_extension_update_paths) and that no script starts
#      from or leads to a version that is not a release;
#   2. for every earlier release A (a git tag vA or A whose tree has
#      sql/kam/*.sql): installs A (its install script rebuilt from the tag,
#      with the current shared library), runs ALTER EXTENSION kam UPDATE, and
#      compares the extension's catalog (every member object with its
#      definition: functions, aggregates, types, operators, casts, tables, views,
#      config tables, the rows of its shipped tables) with a fresh install.
# With no earlier release (only 0.1.0 so far) it exits 77 after step 1.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
current=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$KAM_ROOT/kam.control")
extdir=${KAM_STAGE:-}$("$PG_CONFIG" --sharedir)/extension
db=kam_upgrade_$$
added=()
cleanup() {
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS ${db}_fresh" -c "DROP DATABASE IF EXISTS ${db}_old" >/dev/null 2>&1 || true
	for f in "${added[@]}"; do rm -f "$f"; done
}
trap cleanup EXIT

# 1. the update graph
mapfile -t scripts < <(cd "$KAM_ROOT" && ls sql/upgrade/kam--*--*.sql 2>/dev/null || true)
declare -A from=()
for s in "${scripts[@]}"; do
	b=$(basename "$s" .sql); b=${b#kam--}
	from[${b%%--*}]=1
done
fail=0
kam_psql -d postgres -c "CREATE DATABASE ${db}_fresh" >/dev/null
for v in "${!from[@]}"; do
	path=$(kam_psql -d "${db}_fresh" -At -c "SELECT path FROM pg_extension_update_paths('kam')
		WHERE source = '$v' AND target = '$current'")
	if [ -z "$path" ]; then echo "FAILED  no update path from $v to $current"; fail=1; else echo "ok      update path $path"; fi
done
((fail == 0)) || exit 1

# 2. earlier releases: git tags that name a version
releases=()
if git -C "$KAM_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	for tag in $(git -C "$KAM_ROOT" tag --list); do
		v=${tag#v}
		[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] && [ "$v" != "$current" ] || continue
		git -C "$KAM_ROOT" ls-tree --name-only "$tag" sql/kam/ | grep -q '\.sql$' || continue
		releases+=("$tag")
	done
fi
if ((${#releases[@]} == 0)); then
	if ((${#scripts[@]})); then
		echo "FAILED  upgrade scripts exist but no earlier release is tagged to install"; exit 1
	fi
	echo "no release before $current: nothing to upgrade from yet (update graph checked)"
	exit 77
fi

catalog() { # catalog DB: every member object of kam with its definition, sorted
	kam_psql -d "$1" -At <<'SQL'
SELECT pg_describe_object(d.classid, d.objid, 0) || ' | ' ||
	   coalesce(CASE d.classid
			WHEN 'pg_proc'::regclass THEN (SELECT pg_get_functiondef(p.oid) || p.proparallel::text || p.provolatile::text
				|| coalesce(p.proconfig::text, '') FROM pg_proc p WHERE p.oid = d.objid AND p.prokind <> 'a')
			WHEN 'pg_class'::regclass THEN (SELECT c.relkind::text || coalesce(pg_get_viewdef(c.oid), '') ||
				(SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || a.attnotnull::text, ', ' ORDER BY a.attnum)
				   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
				FROM pg_class c WHERE c.oid = d.objid)
			WHEN 'pg_type'::regclass THEN (SELECT t.typinput || ' ' || t.typoutput || ' ' || t.typreceive || ' ' ||
				t.typsend || ' ' || t.typlen || t.typalign::text FROM pg_type t WHERE t.oid = d.objid)
		END, '')
  FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid AND d.refclassid = 'pg_extension'::regclass
 WHERE e.extname = 'kam' AND d.deptype = 'e'
UNION ALL
SELECT 'aggregate ' || a.aggfnoid::regprocedure || ' | ' || a.aggtransfn || ' ' || a.aggcombinefn || ' ' ||
	   a.aggfinalfn || ' ' || a.aggserialfn || ' ' || a.aggdeserialfn || ' ' || a.aggtranstype::regtype || ' ' ||
	   coalesce(a.agginitval, '') || ' ' || p.proparallel::text
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid WHERE p.pronamespace = 'kam'::regnamespace
UNION ALL
SELECT 'config ' || c::regclass FROM pg_extension e, unnest(e.extconfig) c WHERE e.extname = 'kam'
UNION ALL
SELECT 'setting default ' || s::text FROM kam.setting_defaults s
UNION ALL
SELECT 'report view ' || r::text FROM kam.report_views r
ORDER BY 1;
SQL
}
kam_psql -d "${db}_fresh" -c "CREATE EXTENSION kam" >/dev/null
catalog "${db}_fresh" >"$KAM_TMP/upgrade.fresh"
for tag in "${releases[@]}"; do
	v=${tag#v}
	f=$extdir/kam--$v.sql
	if [ ! -f "$f" ]; then
		git -C "$KAM_ROOT" ls-tree --name-only "$tag" sql/kam/ | grep '\.sql$' | sort |
			while read -r s; do git -C "$KAM_ROOT" show "$tag:$s"; done >"$f"
		added+=("$f")
	fi
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS ${db}_old" -c "CREATE DATABASE ${db}_old" >/dev/null
	kam_psql -d "${db}_old" -c "CREATE EXTENSION kam VERSION '$v'" -c "ALTER EXTENSION kam UPDATE" >/dev/null
	got=$(kam_psql -d "${db}_old" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'kam'")
	catalog "${db}_old" >"$KAM_TMP/upgrade.$v"
	if [ "$got" = "$current" ] && cmp -s "$KAM_TMP/upgrade.fresh" "$KAM_TMP/upgrade.$v"; then
		echo "ok      $v -> $current equals a fresh install"
	else
		echo "FAILED  $v -> $got differs from a fresh $current install:"
		diff "$KAM_TMP/upgrade.fresh" "$KAM_TMP/upgrade.$v" | head -20
		fail=1
	fi
done
((fail == 0))
