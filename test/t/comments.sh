#!/usr/bin/env bash
# Self-describing objects: on the bound demo database, every object of schema
# kam has a comment (psql's \d+, Metabase, Superset and DBeaver show them).
# The list comes from the catalog, so objects added later are covered:
#   * every function, aggregate and procedure (pg_proc);
#   * every type except array types and the row types of tables and views
#     (standalone composite types included);
#   * every table and view (pg_class);
#   * every column of every view and table, and every attribute of every
#     composite type (pg_attribute).
# Every comment must be one sentence-ish: not blank, one line, < 400 characters.
# The tier snapshot is checked after a refresh too (its column comments are
# customer_tier's), and after a rebind (the comments are re-applied); then
# without the optional inputs (feedback, complaints, a potential), which the
# demo binds; and with snapshots on (the store tables).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=kam_comments_$$
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}" >/dev/null
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT

check() { # check LABEL: prints the offenders, returns 1 when there are any
	local out n
	out=$(kam_psql -d "$db" -At <<'SQL'
WITH obj AS (
	SELECT CASE p.prokind WHEN 'a' THEN 'aggregate ' WHEN 'p' THEN 'procedure ' WHEN 'w' THEN 'window function '
						  ELSE 'function ' END || p.oid::regprocedure::text AS what,
		   'pg_proc'::regclass AS cls, p.oid, 0 AS sub
	  FROM pg_proc p WHERE p.pronamespace = 'kam'::regnamespace
	UNION ALL
	SELECT 'type ' || t.oid::regtype::text, 'pg_type'::regclass, t.oid, 0
	  FROM pg_type t
	 WHERE t.typnamespace = 'kam'::regnamespace
	   AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
	   AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
	UNION ALL
	SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view ' ELSE 'table ' END
		   || c.oid::regclass::text, 'pg_class'::regclass, c.oid, 0
	  FROM pg_class c WHERE c.relnamespace = 'kam'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
	UNION ALL
	SELECT 'column ' || c.oid::regclass::text || '.' || quote_ident(a.attname), 'pg_class'::regclass, c.oid, a.attnum
	  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	 WHERE c.relnamespace = 'kam'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c'))
SELECT CASE WHEN d.description IS NULL OR btrim(d.description) = '' THEN 'no comment: '
			WHEN length(d.description) >= 400 THEN 'comment of ' || length(d.description) || ' characters: '
			ELSE 'comment of more than one line: ' END || o.what
  FROM obj o
  LEFT JOIN pg_description d ON d.classoid = o.cls AND d.objoid = o.oid AND d.objsubid = o.sub
 WHERE d.description IS NULL OR btrim(d.description) = '' OR length(d.description) >= 400
	OR d.description ~ '[\n\r]'
UNION ALL
-- the check itself must see kam's objects
SELECT 'too few objects checked: ' || count(*) FROM obj HAVING count(*) < 300
ORDER BY 1;
SQL
)
	if [ -n "$out" ]; then
		n=$(printf '%s\n' "$out" | wc -l)
		echo "FAILED  $1: $n objects without a proper comment:"
		printf '%s\n' "$out" | sed 's/^/    /'
		return 1
	fi
	echo "ok      $1: every object in schema kam has a comment"
}

fail=0
# every view exists on the demo data (the bindings are there)
missing=$(kam_psql -d "$db" -At -c "SELECT string_agg(r.name, ', ') FROM kam.report_views r
	WHERE to_regclass('kam.' || quote_ident(r.name)) IS NULL")
if [ -n "$missing" ]; then echo "FAILED  report views missing on the demo data: $missing"; fail=1; fi
check "bound demo database" || fail=1

kam_psql -d "$db" -c "SELECT kam.refresh_tier_snapshot()" >/dev/null
kam_psql -d "$db" -c "SELECT kam.unbind('visits')" \
	-c "SELECT kam.bind_visits('demo.visits', 'customer_id', 'visited_at')" >/dev/null
check "after a tier-snapshot refresh and a rebind" || fail=1

# tier_snapshot's columns say what customer_tier's say
diff=$(kam_psql -d "$db" -At -c "SELECT string_agg(a.attname, ', ')
	FROM pg_attribute a
	JOIN pg_attribute t ON t.attrelid = 'kam.tier_snapshot'::regclass AND t.attname = a.attname
   WHERE a.attrelid = 'kam.customer_tier'::regclass AND a.attnum > 0
	 AND col_description(a.attrelid, a.attnum) IS DISTINCT FROM col_description(t.attrelid, t.attnum)")
if [ -n "$diff" ]; then echo "FAILED  kam.tier_snapshot columns commented unlike kam.customer_tier: $diff"; fail=1
else echo "ok      kam.tier_snapshot columns have kam.customer_tier's comments"; fi

# the optional inputs unbound: kam.feedback, kam.complaints and
# kam.customers.potential exist only while they are bound (the demo binds them)
kam_psql -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT kam.unbind('feedback');
SELECT kam.unbind('complaints');
SELECT kam.bind_customers('demo.customers', 'customer_id', 'name', 'account_manager');
SQL
check "without feedback, complaints and a potential" || fail=1
grep '^SELECT kam\.' "$KAM_ROOT/test/demo/bind_health.sql" | kam_psql -d "$db" -f - >/dev/null

# every registered column comment names a column that exists (everything bound)
stale=$(kam_psql -d "$db" -At -c "SELECT string_agg(c.view_name || '.' || c.column_name, ', ')
	FROM kam.report_view_columns c
   WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a
					  WHERE a.attrelid = to_regclass('kam.' || quote_ident(c.view_name))
						AND a.attname = c.column_name AND a.attnum > 0 AND NOT a.attisdropped)")
if [ -n "$stale" ]; then echo "FAILED  kam.report_view_columns names columns that do not exist: $stale"; fail=1
else echo "ok      every row of kam.report_view_columns names an existing column"; fi

# with snapshots on: the store tables (one per report view) are commented too
kam_psql -d "$db" -c "SET client_min_messages = warning" -c "SELECT kam.enable_snapshots()" >/dev/null
check "with snapshots on" || fail=1
((fail == 0))
