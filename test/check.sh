#!/usr/bin/env bash
# `make check`: every kam test, self-sufficient (installs what is missing, runs
# its own throwaway cluster). Runs
#   1. the pg_regress suite (sql/*.sql vs expected/*.out),
#   2. the same suite again with parallel query forced (identical output required),
#   3. every test/t/*.sh script (exit 0 pass, 77 skip, anything else fail),
# and ends with the line "N passed, N failed, N skipped".
# KAM_TESTS="pattern ..." limits step 3 to scripts whose name matches.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start

passed=0 failed=0 skipped=0
failures=()
report() { # report ok|fail|skip name [detail]
	case $1 in
	ok) passed=$((passed + 1)); printf 'ok      %s\n' "$2" ;;
	skip) skipped=$((skipped + 1)); printf 'skip    %s %s\n' "$2" "${3:-}" ;;
	*) failed=$((failed + 1)); failures+=("$2"); printf 'FAILED  %s\n' "$2" ;;
	esac
}

PG_REGRESS=$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress
mapfile -t REGRESS < <(cd "$KAM_ROOT/sql" && ls *.sql 2>/dev/null | sed 's/\.sql$//' | sort)

# run_regress LABEL OUTDIR: one pg_regress pass; each test is one result.
run_regress() {
	local label=$1 outdir=$2 line name
	mkdir -p "$outdir"
	set +e
	(cd "$KAM_ROOT" && "$PG_REGRESS" --inputdir=. --outputdir="$outdir" --bindir="$PG_BIN" \
		--host="$PGHOST" --port="$PGPORT" --user=postgres --dbname=kam_regress \
		--load-extension=kam "${REGRESS[@]}") >"$outdir/pg_regress.log" 2>&1
	set -e
	while IFS= read -r line; do
		# PostgreSQL <= 15: "test name ... ok"; 16+: TAP "ok 1 - name"
		if [[ $line =~ ^(test[[:space:]]+)?([a-z0-9_]+)[[:space:]]+\.\.\.[[:space:]]+(ok|FAILED|failed) ]]; then
			name=${BASH_REMATCH[2]}
			[ "${BASH_REMATCH[3]}" = ok ] && report ok "$label/$name" || report fail "$label/$name"
		elif [[ $line =~ ^(not[[:space:]]+)?ok[[:space:]]+[0-9]+[[:space:]]+-[[:space:]]+([a-z0-9_]+) ]]; then
			name=${BASH_REMATCH[2]}
			[ -z "${BASH_REMATCH[1]}" ] && report ok "$label/$name" || report fail "$label/$name"
		fi
	done <"$outdir/pg_regress.log"
	if [ -s "$outdir/regression.diffs" ]; then
		head -c 20000 "$outdir/regression.diffs"
	fi
}

if ((${#REGRESS[@]})); then
	run_regress regress "$KAM_TMP/regress"
	# Parallel query forced: plans run in workers, partial aggregation everywhere
	# it is possible; the output must not change.  The leader does not take part,
	# so partial states are built by the workers and combined, even for tables
	# small enough for one process to read before the workers start.
	if [ "$PG_MAJOR" -ge 16 ]; then force=debug_parallel_query; else force=force_parallel_mode; fi
	kam_psql -c "ALTER SYSTEM SET $force = regress" \
		-c "ALTER SYSTEM SET parallel_setup_cost = 0" -c "ALTER SYSTEM SET parallel_tuple_cost = 0" \
		-c "ALTER SYSTEM SET min_parallel_table_scan_size = 0" \
		-c "ALTER SYSTEM SET min_parallel_index_scan_size = 0" \
		-c "ALTER SYSTEM SET parallel_leader_participation = off" \
		-c "ALTER SYSTEM SET max_parallel_workers_per_gather = 2" -c "SELECT pg_reload_conf()" >/dev/null
	run_regress parallel "$KAM_TMP/parallel"
	kam_psql -c "ALTER SYSTEM RESET ALL" -c "SELECT pg_reload_conf()" >/dev/null
fi

# The demo data set, loaded once; scripts copy it with CREATE DATABASE ... TEMPLATE kam_demo.
kam_load_demo kam_demo 20000 500000 42 >/dev/null
export KAM_DEMO_DB=kam_demo

for t in "$KAM_ROOT"/test/t/*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ -n "${KAM_TESTS:-}" ] && ! [[ " $KAM_TESTS " =~ [[:space:]]$name[[:space:]] ]]; then continue; fi
	log=$KAM_TMP/t-$name.log
	set +e
	timeout 1200 bash "$t" >"$log" 2>&1
	rc=$?
	set -e
	case $rc in
	0) report ok "t/$name" ;;
	77) report skip "t/$name" "($(tail -n 1 "$log"))" ;;
	*) report fail "t/$name"; tail -n 40 "$log" | sed 's/^/    /' ;;
	esac
done

if grep -q "terminated by signal" "$KAM_SERVER_LOG"; then
	report fail "server-log: a backend was terminated by a signal"
	grep -B2 -A2 "terminated by signal" "$KAM_SERVER_LOG" | head -20
fi

if ((failed)); then printf 'failed: %s\n' "${failures[*]}"; fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
