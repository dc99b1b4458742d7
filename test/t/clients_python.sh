#!/usr/bin/env bash
# kam's views through psycopg2, Debian's python3-psycopg2 (installed when
# missing; skipped only when it cannot be): customer ids keep the user's type
# (bigint, uuid, text), money and shares arrive as documented in
# doc/clients.md, timestamptz as aware datetimes naming the right instant.
# The checks are test/clients/check.py; the data test/clients/setup.sh.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$KAM_ROOT/test/clients/setup.sh"
work=$(mktemp -d "${KAM_TMP:-/tmp}/clients_py.XXXXXX")
chmod 755 "$work"
cleanup() {
	clients_teardown
	[ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# Debian's python3 with Debian's psycopg2 (a python3 earlier on PATH, e.g. pyenv's, would not see it)
py=/usr/bin/python3
if ! { [ -x "$py" ] && "$py" -c 'import psycopg2' 2>/dev/null; }; then
	kam_log "kam: installing python3-psycopg2"
	export DEBIAN_FRONTEND=noninteractive
	kam_as_root apt-get install -y -qq --no-install-recommends python3 python3-psycopg2 >/dev/null 2>&1 ||
		{ kam_as_root apt-get update -qq >/dev/null 2>&1 &&
			kam_as_root apt-get install -y -qq --no-install-recommends python3 python3-psycopg2 >/dev/null 2>&1; } || true
fi
if ! { [ -x "$py" ] && "$py" -c 'import psycopg2' 2>/dev/null; }; then
	echo "skip: python3-psycopg2 could not be installed with apt"
	exit 77
fi

clients_setup "kam_clients_py_$$"
"$py" "$KAM_ROOT/test/clients/check.py" "${clients_dbs[@]}"
