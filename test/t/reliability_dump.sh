#!/usr/bin/env bash
# State that must survive: pg_dump of a database with kam, bound tables,
# changed settings, a row-level security policy and whatever kam stores in its
# configuration tables (every table registered in pg_extension.extconfig, so
# stored models of later sections are covered), restored with pg_restore into
# a fresh cluster, reads the same from every view in schema kam; the
# configuration tables have the same rows (shipped defaults not duplicated),
# the policy is back, and pg_restore reports no error.  The snapshot store is
# on and filled: after the restore the views compute live until kam.refresh().
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=kam_dump_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/dump.XXXXXX")
chmod 755 "$work"
data2=$work/data2 sock2=$work/sock2
cleanup() {
	if [ -f "$data2/postmaster.pid" ]; then
		kam_as_server_user "$PG_BIN/pg_ctl" -D "$data2" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	[ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

KAM_TMP=$work kam_load_demo "$db" 2000 50000 11 >/dev/null
kam_psql -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT kam.set('period', 'quarter');
SELECT kam.set('churn_after', '3');
SELECT kam.set('rfm_period', 'week');
ALTER TABLE demo.customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_accounts ON demo.customers FOR SELECT USING (account_manager = current_user);
DO $$ BEGIN
	IF to_regclass('kam.customer_tier') IS NOT NULL THEN PERFORM kam.refresh_tier_snapshot(); END IF;
	IF to_regprocedure('kam.fit_models()') IS NOT NULL THEN PERFORM kam.fit_models(); END IF;
	-- the snapshot store on and filled: its tables, triggers and policies are dumped too
	IF to_regprocedure('kam.enable_snapshots()') IS NOT NULL THEN
		PERFORM kam.enable_snapshots();
		PERFORM kam.refresh();
	END IF;
END $$;
SQL

snapshot() { # snapshot PGHOST OUTDIR: every kam view and configuration table, sorted
	local host=$1 out=$2 rel
	mkdir -p "$out"
	for rel in $(PGHOST=$host kam_psql -d "$db" -At -c "
			SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'kam'::regnamespace
			   AND c.relkind = ANY (ARRAY['v', 'r', 'm']) ORDER BY 1"); do
		# a view that fails records its error, which must match too
		# (whether the snapshot store is read is checked below: no, until a refresh)
		local row="t::text"
		[ "$rel" = snapshot_status ] && row="(to_jsonb(t) - 'reads_store')::text"
		PGHOST=$host kam_psql -d "$db" -At -c "SELECT $row FROM kam.$rel t ORDER BY 1" >"$out/$rel" 2>&1 || true
	done
	PGHOST=$host kam_psql -d "$db" -At -c "SELECT schemaname, tablename, policyname, qual FROM pg_policies ORDER BY 1, 2, 3" >"$out/pg_policies"
	PGHOST=$host kam_psql -d "$db" -At -c "SELECT c::regclass, (SELECT count(*) FROM pg_class WHERE oid = c)
		FROM pg_extension e, unnest(e.extconfig) c WHERE e.extname = 'kam' ORDER BY 1" >"$out/extconfig"
}
snapshot "$PGHOST" "$work/before"
"$PG_BIN/pg_dump" -Fc -d "$db" -f "$work/kam.dump"

# a fresh cluster beside the test cluster, with the same kam build
mkdir -p "$sock2"
chown "$KAM_SERVER_USER" "$work" "$sock2"
kam_as_server_user "$PG_BIN/initdb" -D "$data2" -U postgres -A trust -E UTF8 --locale=C >"$work/initdb.log" 2>&1
kam_as_server_user "$PG_BIN/pg_ctl" -D "$data2" -l "$work/server2.log" -w -t 60 \
	-o "-c listen_addresses='' -c unix_socket_directories='$sock2' -c fsync=off ${KAM_STAGE:+-c extension_destdir=$KAM_STAGE}" \
	start >/dev/null
PGHOST=$sock2 kam_psql -d postgres -c "CREATE DATABASE $db" >/dev/null
set +e
"$PG_BIN/pg_restore" -h "$sock2" -d "$db" --exit-on-error "$work/kam.dump" 2>"$work/restore.log"
rc=$?
set -e
fail=0
if ((rc)) || [ -s "$work/restore.log" ]; then
	echo "FAILED  pg_restore (exit $rc):"; head -20 "$work/restore.log"; fail=1
fi
snapshot "$sock2" "$work/after"

for f in "$work"/before/*; do
	name=$(basename "$f")
	if [ ! -f "$work/after/$name" ]; then
		echo "FAILED  $name is missing after the restore"; fail=1
	elif ! cmp -s "$f" "$work/after/$name"; then
		echo "FAILED  $name differs after the restore:"; diff "$f" "$work/after/$name" | head -8; fail=1
	else
		echo "ok      $name identical after dump and restore ($(wc -l <"$f") rows)"
		if grep -q "^ERROR" "$f"; then echo "note    $name fails (before and after alike): $(grep -m1 "^ERROR" "$f")"; fi
	fi
done
for f in "$work"/after/*; do
	[ -f "$work/before/$(basename "$f")" ] || { echo "FAILED  $(basename "$f") appeared after the restore"; fail=1; }
done
# the snapshot store: the restored state names the old tables' OIDs, so the
# views compute live until the next refresh, which works and is read again
if PGHOST=$sock2 kam_psql -d "$db" -At -c "SELECT 1 FROM pg_proc WHERE proname = 'enable_snapshots'" | grep -q 1; then
	st=$(PGHOST=$sock2 kam_psql -d "$db" -At -c "SELECT reads_store FROM kam.snapshot_status" \
		-c "SET client_min_messages = warning" -c "SELECT kam.refresh() > 0" -c "SELECT reads_store FROM kam.snapshot_status")
	if [ "$(tr '\n' ' ' <<<"$st")" = "f t t " ]; then
		echo "ok      snapshot store restored: live until the next refresh, which works and is read"
	else
		echo "FAILED  snapshot store after the restore: reads_store, refresh, reads_store = $st"; fail=1
	fi
fi
# the changed settings came back, once each
grep -qx 'quarter' <(PGHOST=$sock2 kam_psql -d "$db" -At -c "SELECT kam.setting('period')") ||
	{ echo "FAILED  the period setting was lost"; fail=1; }
((fail == 0))
