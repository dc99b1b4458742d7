#!/usr/bin/env bash
# Binary-input fuzzing of kam's base types (kam.rfm_state, kam.activity,
# kam.survival, and the aggregate states kam.concentration_state and
# kam.fit_state): test/fuzz/binfuzz.c, a small libpq client, sends seeded
# mutations of real values (truncated at every length, bytes appended, counts
# set to 0, -1, 2^31-1 and huge, random bytes, bit flips, other format, period
# and flag bytes, out-of-range dates, timestamps, sums and floats, entries
# reordered, dropped or spliced, the kam 0.1.0 layouts) as binary parameters
# of the type, so each goes straight to the type's receive function, as a
# role without superuser, to a backend whose address space is capped.
# Fails when a backend crashes, a rejection carries an undocumented SQLSTATE
# or XX000, P0001, 08P01, 53200 or 57014, or an accepted value does not
# round-trip (send -> recv -> send, out -> in -> out, text -> send).
#
#   bash test/t/reliability_binfuzz.sh [--seed N] [--iterations N] [--vmem KB]
#
# --iterations: random mutations per type (default 20,000: about 10 s, and a
# second pass of a quarter as many in a session with odd float, date and time
# zone settings);
# --vmem: the address-space cap of the postmaster and every backend
# (ulimit -v, default 2 GB).  KAM_BINFUZZ_SEED / KAM_BINFUZZ_ITERATIONS set
# the same.  The memory cap needs a cluster of its own: the test starts one
# under `ulimit -v`, which the postmaster and every backend it forks
# inherit, so the cap holds for exactly the server processes (not for the
# shared make-check cluster, whose other tests it would disturb).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

seed=${KAM_BINFUZZ_SEED:-20251231} iterations=${KAM_BINFUZZ_ITERATIONS:-20000} vmem_kb=2097152
while (($#)); do
	case $1 in
	--seed) seed=$2; shift ;;
	--iterations) iterations=$2; shift ;;
	--vmem) vmem_kb=$2; shift ;;
	*) echo "usage: reliability_binfuzz.sh [--seed N] [--iterations N] [--vmem KB]" >&2; exit 2 ;;
	esac
	shift
done

# kam built and staged: make check's stage when there is one, else our own
build_tmp=
if [ -z "${KAM_STAGE:-}" ] || [ ! -d "$KAM_STAGE" ]; then
	kam_ensure_deps
	kam_workdir
	build_tmp=$KAM_TMP
	kam_build_stage
fi
stage=$KAM_STAGE
# libpq's header, for the client (Debian: libpq-dev)
incdir=$("$PG_CONFIG" --includedir)
if [ ! -f "$incdir/libpq-fe.h" ]; then
	kam_log "kam: installing libpq-dev"
	kam_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libpq-dev >/dev/null
fi

# our own cluster, under the memory cap
t0=$(date +%s)
kam_workdir
KAM_STAGE=$stage
finish() {
	kam_cleanup
	if [ -n "$build_tmp" ] && [ -z "${KAM_KEEP_TMP:-}" ]; then rm -rf "$build_tmp"; fi
}
trap finish EXIT
(ulimit -v "$vmem_kb" && kam_cluster_start) || { echo "BAD: the capped cluster did not start"; exit 1; }
export PGHOST=$KAM_TMP/sock PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
KAM_SERVER_LOG=$KAM_TMP/server.log

cc -O2 -Wall -o "$KAM_TMP/binfuzz" "$KAM_ROOT/test/fuzz/binfuzz.c" -I"$incdir" -lpq -lm

postmaster_pid() { head -n 1 "$KAM_TMP/data/postmaster.pid"; }
pid_before=$(postmaster_pid)
cap_of() { awk '/^Max address space/ { print $4 }' "/proc/$1/limits"; }
cap=$(cap_of "$pid_before")
if [ "$cap" != "$((vmem_kb * 1024))" ]; then
	echo "BAD: the postmaster's address space limit is '$cap', not $((vmem_kb * 1024)) bytes"; exit 1
fi
# a backend inherits it, and an allocation past it fails with 53200, not a crash
backend_cap=$(kam_psql -At -c "SELECT pg_read_file('/proc/self/limits')" | awk '/^Max address space/ { print $4 }')
if [ "$backend_cap" != "$((vmem_kb * 1024))" ]; then
	echo "BAD: a backend's address space limit is '$backend_cap', not $((vmem_kb * 1024)) bytes"; exit 1
fi
set +e
oom=$(kam_psql -At -c "SELECT array_length(array_agg(repeat('x', 200000000 + g)), 1) FROM generate_series(1, 12) g" 2>&1)
set -e
case $oom in
*"out of memory"*) ;;
*) echo "BAD: a 2.4 GB allocation in a capped backend did not fail with out of memory: $oom"; exit 1 ;;
esac
echo "binfuzz: own cluster under ulimit -v $vmem_kb KB (postmaster $pid_before; a backend's limit: $backend_cap bytes; 2.4 GB in one backend: out of memory, as it should)"

kam_psql -c "CREATE ROLE kam_binfuzz LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" \
	-c "CREATE DATABASE kam_binfuzz" >/dev/null
kam_psql -d kam_binfuzz -f "$KAM_ROOT/test/fuzz/binfuzz_seeds.sql"
codes=$(perl "$KAM_ROOT/test/fuzz/fuzz.pl" codes "$KAM_ROOT")
log_lines_before=$(wc -l <"$KAM_SERVER_LOG")

fail=0
start=$(date +%s)
echo "binfuzz: setup took $((start - t0))s"
PGOPTIONS="-c statement_timeout=10s" "$KAM_TMP/binfuzz" -d "dbname=kam_binfuzz user=kam_binfuzz" -a "$codes" \
	-s "$seed" -n "$iterations" || fail=1
# again in a session whose settings change how PostgreSQL prints floats,
# dates and times: kam's text forms must not depend on them
echo "binfuzz: second pass with extra_float_digits=-15, DateStyle=German, TimeZone=Pacific/Kiritimati"
PGOPTIONS="-c statement_timeout=10s -c extra_float_digits=-15 -c DateStyle=German,DMY -c TimeZone=Pacific/Kiritimati" \
	"$KAM_TMP/binfuzz" -d "dbname=kam_binfuzz user=kam_binfuzz" -a "$codes" \
	-s "$((seed + 1))" -n "$((iterations / 4))" || fail=1
echo "binfuzz: $(($(date +%s) - start))s"

pid_after=$(postmaster_pid 2>/dev/null || echo gone)
if [ "$pid_before" != "$pid_after" ]; then
	echo "BAD: postmaster PID changed ($pid_before -> $pid_after)"; fail=1
fi
if tail -n +"$((log_lines_before + 1))" "$KAM_SERVER_LOG" |
	grep -E "terminated by signal|was terminated|PANIC|all server processes terminated"; then
	echo "BAD: the server log shows a crashed backend"; fail=1
fi
if ((fail)); then
	echo "binfuzz FAILED (seed $seed, $iterations iterations; replay a finding with"
	echo "  cc -o binfuzz test/fuzz/binfuzz.c -I$incdir -lpq -lm"
	echo "  ./binfuzz -d 'dbname=DB user=ROLE' -a '$codes' -t TYPE -x HEX"
	echo "in a database with test/fuzz/binfuzz_seeds.sql loaded (after CREATE ROLE kam_binfuzz LOGIN))"
	exit 1
fi
echo "binfuzz passed: seed $seed, $iterations mutations per type"
