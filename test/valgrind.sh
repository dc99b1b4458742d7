#!/usr/bin/env bash
# `make valgrind`: the pg_regress suite (sql/*.sql against expected/*.out) with
# the server under valgrind memcheck, every backend included.  Reports the
# memcheck errors (invalid reads/writes, uninitialised values, bad frees)
# whose stack passes through kam's own source files and fails when there is
# one; errors inside PostgreSQL alone are counted but not reported (Debian's
# server is not built with USE_VALGRIND, so its memory-context tricks and
# padding bytes written to disk show up as noise).  Not part of make check:
# it takes minutes (doc/reliability.md, "Memory errors").
set -euo pipefail
source "$(dirname "$0")/lib.sh"

kam_ensure_deps
if ! command -v valgrind >/dev/null; then
	kam_log "kam: installing valgrind"
	kam_as_root apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
start=$(date +%s)

data=$KAM_TMP/data sock=$KAM_TMP/sock vg=$KAM_TMP/valgrind
mkdir -p "$sock" "$vg"
chown "$KAM_SERVER_USER" "$KAM_TMP" "$sock" "$vg"
kam_as_server_user "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C >"$KAM_TMP/initdb.log" 2>&1
# PostgreSQL's own src/tools/valgrind.supp is not installed by Debian; these
# cover the server's known false positives outside kam.
cat >"$KAM_TMP/pg.supp" <<'SUPP'
{
   padding written to files, sockets and shared memory
   Memcheck:Param
   write(buf)
   obj:*
   ...
}
{
   padding sent
   Memcheck:Param
   sendto(msg)
   obj:*
   ...
}
{
   padding written with pwrite
   Memcheck:Param
   pwrite64(buf)
   obj:*
   ...
}
{
   epoll
   Memcheck:Param
   epoll_pwait(sigmask)
   obj:*
   ...
}
SUPP
kam_as_server_user valgrind --quiet --trace-children=yes --track-origins=yes --read-var-info=yes \
	--num-callers=30 --error-limit=no --leak-check=no --suppressions="$KAM_TMP/pg.supp" \
	--log-file="$vg/%p.log" \
	"$PG_BIN/postgres" -D "$data" -c listen_addresses= -c unix_socket_directories="$sock" -c port=5432 \
	-c fsync=off -c max_parallel_workers=4 -c extension_destdir="$KAM_STAGE" \
	>"$KAM_TMP/server.log" 2>&1 &
vgpid=$!
export PGHOST=$sock PGPORT=5432 PGUSER=postgres
for _ in $(seq 300); do
	"$PG_BIN/pg_isready" -q && break
	kill -0 $vgpid 2>/dev/null || { cat "$KAM_TMP/server.log" "$vg"/*.log >&2; exit 1; }
	sleep 1
done
cleanup_vg() {
	if [ -f "$data/postmaster.pid" ]; then kill -INT "$(head -n 1 "$data/postmaster.pid")" 2>/dev/null || true; sleep 5; fi
	kam_cleanup
}
trap cleanup_vg EXIT

mapfile -t REGRESS < <(cd "$KAM_ROOT/sql" && ls *.sql | sed 's/\.sql$//' | sort)
PG_REGRESS=$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress
set +e
(cd "$KAM_ROOT" && "$PG_REGRESS" --inputdir=. --outputdir="$KAM_TMP/regress" --bindir="$PG_BIN" \
	--host="$PGHOST" --port="$PGPORT" --user=postgres --dbname=kam_valgrind --load-extension=kam "${REGRESS[@]}")
regress_rc=$?
set -e
kill -INT "$(head -n 1 "$data/postmaster.pid")"
for _ in $(seq 120); do [ -f "$data/postmaster.pid" ] || break; sleep 1; done

# An error block is the run of lines between blank "==pid==" lines; keep those
# with a frame in one of kam's source files (or in kam.so, without debug info).
files=$(cd "$KAM_ROOT/src" && ls *.c | paste -sd'|')
kam_errors=$(cat "$vg"/*.log | awk -v pat="\\\\((${files}):[0-9]+\\\\)|kam[.]so\\\\)" '
	/^==[0-9]+== *$/ { if (block ~ pat) { print block; n++ } block = ""; next }
	{ block = block $0 "\n" }
	END { if (block ~ pat) { print block; n++ } }')
all=$( (grep -c "^==[0-9]*== \(Invalid\|Conditional\|Use of uninit\|Syscall param\|Mismatched\|Source and dest\)" "$vg"/*.log || true) | awk -F: '{s += $2} END {print s + 0}')
echo "valgrind: $(($(date +%s) - start)) s, $all memcheck errors in all, those through kam's code:"
if [ -n "$kam_errors" ]; then
	echo "$kam_errors"
	echo "valgrind FAILED: memcheck errors in kam's code"
	exit 1
fi
echo "none"
((regress_rc == 0)) || { echo "valgrind: the regression suite failed under valgrind"; exit 1; }
echo "valgrind passed"
