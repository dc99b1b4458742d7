#!/usr/bin/env bash
# kam fuzzing: calls every kam function, aggregate, window function and view
# (discovered from the catalog, so whatever lands later is covered) with random
# and extreme arguments, then checks that
#   - no backend crashed (psql kept its connection, the server log has no
#     "terminated by signal", the postmaster PID is unchanged),
#   - no call ran into the statement timeout,
#   - every error carries a SQLSTATE documented in a "SQLSTATE" table of
#     README.md or doc/*.md,
#     never class XX and never P0001.
#
#   bash test/fuzz/run.sh [--short | --long] [--seed N] [--calls N] [--timeout T]
#
# --short (default): 3,000 calls, the mode test/t/reliability_fuzz.sh runs in
# make check; --long (make fuzz): 100,000 calls.  Without a running test
# cluster (PGHOST unset) the script builds kam and starts its own, like
# make check.  The same seed gives the same calls.
set -euo pipefail
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
source "$FUZZ_DIR/../lib.sh"

calls=3000 seed=${KAM_FUZZ_SEED:-20251231} timeout=10s
while (($#)); do
	case $1 in
	--short) calls=3000 ;;
	--long) calls=100000 ;;
	--seed) seed=$2; shift ;;
	--calls) calls=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	*) echo "usage: run.sh [--short|--long] [--seed N] [--calls N] [--timeout T]" >&2; exit 2 ;;
	esac
	shift
done

own=
if [ -z "${PGHOST:-}" ]; then
	own=1
	kam_ensure_deps
	kam_workdir
	kam_build_stage
	kam_cluster_start
fi
work=$(mktemp -d "${KAM_TMP:-/tmp}/fuzz.XXXXXX")
db=kam_fuzz_$$
keep=${KAM_KEEP_TMP:-}
finish() {
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	[ -n "$keep" ] || rm -rf "$work"
	if [ -n "$own" ]; then KAM_KEEP_TMP=$keep kam_cleanup; fi
}
trap finish EXIT

kam_psql -d postgres -c "CREATE DATABASE $db" >/dev/null
kam_psql -d "$db" -f "$FUZZ_DIR/setup.sql" >/dev/null
kam_psql -d "$db" -At -F $'\t' -f "$FUZZ_DIR/catalog.sql" >"$work/catalog.tsv"
# words for text arguments: setting names and the columns of the bound tables
kam_psql -d "$db" -At -c "SELECT name FROM kam.setting_defaults UNION SELECT attname FROM pg_attribute
	WHERE attrelid = ANY (ARRAY['fuzz.orders', 'fuzz.customers', 'fuzz.visits']::regclass[]) AND attnum > 0" >"$work/names.txt"
postmaster_pid() { kam_psql -d "$db" -At -c "SELECT split_part(pg_read_file('postmaster.pid'), E'\n', 1)"; }
pid_before=$(postmaster_pid)
log_lines_before=0
if [ -n "${KAM_SERVER_LOG:-}" ] && [ -f "$KAM_SERVER_LOG" ]; then log_lines_before=$(wc -l <"$KAM_SERVER_LOG"); fi

echo "fuzz: $(wc -l <"$work/catalog.tsv") catalog entries, $calls calls, seed $seed, statement_timeout $timeout"
perl "$FUZZ_DIR/fuzz.pl" gen "$work/catalog.tsv" "$seed" "$calls" "$work/calls.sql" "$work/map.tsv" "$work/names.txt" \
	"$FUZZ_DIR/known.tsv"
start=$(date +%s)
set +e
PGOPTIONS="-c statement_timeout=$timeout -c client_min_messages=error" \
	"$PG_BIN/psql" -X -q -d "$db" -f "$work/calls.sql" >/dev/null 2>"$work/stderr.log"
psql_rc=$?
set -e
elapsed=$(($(date +%s) - start))
echo "fuzz: psql exited with $psql_rc after ${elapsed}s"

fail=0
perl "$FUZZ_DIR/fuzz.pl" check "$work/map.tsv" "$work/stderr.log" "$KAM_ROOT" "$FUZZ_DIR/known.tsv" || fail=1
if ((psql_rc > 1)); then
	echo "BAD: psql exited with $psql_rc (connection lost)"; tail -n 5 "$work/stderr.log"; fail=1
fi
pid_after=$(postmaster_pid || echo gone)
if [ "$pid_before" != "$pid_after" ]; then
	echo "BAD: postmaster PID changed ($pid_before -> $pid_after)"; fail=1
fi
if [ -n "${KAM_SERVER_LOG:-}" ] && [ -f "$KAM_SERVER_LOG" ]; then
	if tail -n +"$((log_lines_before + 1))" "$KAM_SERVER_LOG" |
		grep -E "terminated by signal|was terminated|PANIC|all server processes terminated"; then
		echo "BAD: the server log shows a crashed backend"; fail=1
	fi
else
	echo "note: no server log (KAM_SERVER_LOG unset): the log check was skipped"
fi
if ((fail)); then
	echo "fuzz FAILED (seed $seed; the calls are in $work/calls.sql, errors in $work/stderr.log)"
	keep=1
	exit 1
fi
echo "fuzz passed: $calls calls in ${elapsed}s, seed $seed"
