#!/usr/bin/env bash
# Shared helpers for kam's self-sufficient scripts (make demo / check / bench):
#   kam_ensure_deps      install PostgreSQL server, headers and build tools if missing
#   kam_build_stage      build kam and install it into a private stage directory
#   kam_ensure_pg_cron   install pg_cron (postgresql-NN-cron) if missing; fails if it cannot
#   kam_cluster_start    initdb + start a throwaway cluster on a private unix socket
#   kam_load_demo DB ... generate the seeded demo data set and bind it in database DB
# The cluster never listens on TCP, so it can't collide with a system server on 5432,
# and it is stopped and removed when the calling script exits.

KAM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# PostgreSQL 15 (Debian 12's) when it is installed or installable; otherwise
# the newest installed server with headers, else the distribution's default
# (e.g. 16 on Ubuntu 24.04).  PG_MAJOR=N overrides.
kam_pick_pg_major() {
	local v
	[ -n "${PG_MAJOR:-}" ] && return 0
	for v in 15 $(ls /usr/lib/postgresql 2>/dev/null | sort -rn); do
		if [ -x "/usr/lib/postgresql/$v/bin/postgres" ] &&
			[ -f "/usr/include/postgresql/$v/server/postgres.h" ]; then
			PG_MAJOR=$v
			return 0
		fi
	done
	if apt-cache show postgresql-15 >/dev/null 2>&1; then
		PG_MAJOR=15
	else
		v=$(apt-cache depends postgresql 2>/dev/null | sed -n 's/.*Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1)
		PG_MAJOR=${v:-15}
	fi
}

kam_set_pg_paths() {
	kam_pick_pg_major
	PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
	PG_CONFIG=$PG_BIN/pg_config
	export PG_MAJOR PATH="$PG_BIN:$PATH"
}
kam_set_pg_paths

kam_log() { printf '%s\n' "$*" >&2; }

kam_as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian's postgresql-common creates and starts a "main" cluster on port 5432 when
# a server package is installed; kam never uses it, so we ask it not to.
kam_ensure_deps() {
	local need=()
	if [ ! -x "$PG_BIN/postgres" ] && [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ]; then
		# a fresh machine has no package lists yet: fetch them before choosing a version
		kam_as_root apt-get update -qq
		unset PG_MAJOR
		kam_set_pg_paths
	fi
	[ -x "$PG_BIN/postgres" ] || need+=("postgresql-$PG_MAJOR")
	# pgxs.mk ships with the client package; the server headers are what tells
	[ -f "/usr/include/postgresql/$PG_MAJOR/server/postgres.h" ] &&
		[ -f "$(dirname "$PG_BIN")/lib/pgxs/src/makefiles/pgxs.mk" ] || need+=("postgresql-server-dev-$PG_MAJOR")
	command -v cc >/dev/null && command -v make >/dev/null || need+=(build-essential)
	command -v runuser >/dev/null || need+=(util-linux)
	((${#need[@]})) || return 0
	kam_log "kam: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
		kam_as_root mkdir -p /etc/postgresql-common
		echo "create_main_cluster = false" | kam_as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
	fi
	kam_as_root apt-get update -qq
	kam_as_root apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${need[@]}" >/dev/null
}

# pg_cron, for the tests that schedule (test/t/snapshots_cron.sh); only those
# ask for it, and only their own clusters preload it.  Returns 1 when it is
# not installed and cannot be (no package for this server, no root).
kam_ensure_pg_cron() {
	[ -f "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ] && return 0
	[ "$(id -u)" = 0 ] || command -v sudo >/dev/null || return 1
	apt-cache show "postgresql-$PG_MAJOR-cron" >/dev/null 2>&1 || kam_as_root apt-get update -qq || return 1
	kam_log "kam: installing postgresql-$PG_MAJOR-cron"
	DEBIAN_FRONTEND=noninteractive kam_as_root apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"postgresql-$PG_MAJOR-cron" >/dev/null || return 1
	[ -f "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ]
}

# A private work directory for this run, owned by the user that runs the server.
kam_workdir() {
	KAM_TMP=$(mktemp -d /tmp/kam.XXXXXX)
	chmod 755 "$KAM_TMP"
	if [ "$(id -u)" = 0 ]; then
		KAM_SERVER_USER=postgres
	else
		KAM_SERVER_USER=$(id -un)
	fi
	export KAM_TMP KAM_SERVER_USER
}

kam_as_server_user() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$KAM_SERVER_USER" -- "$@"
	else
		"$@"
	fi
}

# Build and install into $KAM_TMP/stage; the server finds it through Debian's
# extension_destdir, so a test run never touches the system installation.
kam_build_stage() {
	local mk=(make -s -C "$KAM_ROOT" PG_CONFIG="$PG_CONFIG")
	"${mk[@]}" all >/dev/null
	KAM_STAGE=$KAM_TMP/stage
	"${mk[@]}" install DESTDIR="$KAM_STAGE" >/dev/null
	export KAM_STAGE
}

# Build and install into the system's PostgreSQL (what a DBA does).
kam_build_install() {
	make -s -C "$KAM_ROOT" PG_CONFIG="$PG_CONFIG" all >/dev/null
	kam_as_root make -s -C "$KAM_ROOT" PG_CONFIG="$PG_CONFIG" install >/dev/null
	KAM_STAGE=
}

# kam_cluster_start [-c name=value ...]: extra server settings.
kam_cluster_start() {
	local data=$KAM_TMP/data sock=$KAM_TMP/sock
	mkdir -p "$sock"
	chown "$KAM_SERVER_USER" "$KAM_TMP" "$sock"
	kam_as_server_user "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 \
		--locale=C >"$KAM_TMP/initdb.log" 2>&1 || { cat "$KAM_TMP/initdb.log" >&2; return 1; }
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$sock'"
		echo "port = 5432"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "max_worker_processes = 8"
		echo "max_parallel_workers = 4"
		echo "logging_collector = off"
		[ -n "${KAM_STAGE:-}" ] && echo "extension_destdir = '$KAM_STAGE'"
	} >>"$data/postgresql.conf"
	kam_as_server_user "$PG_BIN/pg_ctl" -D "$data" -l "$KAM_TMP/server.log" -w -t 60 \
		-o "$*" start >/dev/null || { cat "$KAM_TMP/server.log" >&2; return 1; }
	export PGHOST=$sock PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
	KAM_SERVER_LOG=$KAM_TMP/server.log
	export KAM_SERVER_LOG
}

kam_cluster_stop() {
	if [ -n "${KAM_TMP:-}" ] && [ -f "$KAM_TMP/data/postmaster.pid" ]; then
		kam_as_server_user "$PG_BIN/pg_ctl" -D "$KAM_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
}

kam_cleanup() {
	kam_cluster_stop
	if [ -n "${KAM_TMP:-}" ] && [ -z "${KAM_KEEP_TMP:-}" ]; then
		rm -rf "$KAM_TMP"
	elif [ -n "${KAM_TMP:-}" ]; then
		kam_log "kam: kept $KAM_TMP"
	fi
}

# kam_shared_data FILE...: sets $data to the team's data directory
# ($KAM_SHARED/data, default ../shared/data beside the clone), or skips the
# test (exit 77) when a FILE is not there: a user's clone has no ../shared.
kam_shared_data() {
	data=${KAM_SHARED:-$KAM_ROOT/../shared}/data
	local f
	for f in "$@"; do
		if [ ! -r "$data/$f" ]; then
			echo "skipped: $f not found in $data (set KAM_SHARED)"
			exit 77
		fi
	done
}

kam_psql() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# kam_load_demo DB [customers] [orders] [seed]: database DB gets schema demo with the
# generated customers, orders, visits, satisfaction surveys and complaints, kam
# installed and bound to them.
kam_load_demo() {
	local db=$1 customers=${2:-20000} orders=${3:-500000} seed=${4:-42}
	local gen=$KAM_TMP/kamgen out=$KAM_TMP/demo-$customers-$orders-$seed
	[ -x "$gen" ] || cc -O2 -std=c99 -Wall -o "$gen" "$KAM_ROOT/test/demo/generate.c" -lm
	mkdir -p "$out"
	"$gen" -c "$customers" -o "$orders" -s "$seed" -d "$out"
	kam_psql -d postgres -c "CREATE DATABASE $db"
	kam_psql -d "$db" -f "$KAM_ROOT/test/demo/schema.sql"
	for t in customers orders visits feedback complaints; do
		kam_psql -d "$db" -c "\\copy demo.$t FROM '$out/$t.csv' WITH (FORMAT csv)"
	done
	kam_psql -d "$db" -f "$KAM_ROOT/test/demo/bind.sql"
	kam_psql -d "$db" -f "$KAM_ROOT/test/demo/bind_health.sql"
}
