#!/usr/bin/env bash
# kam's views through node-postgres (`pg` from npm, installed by this test
# into a throwaway folder; skipped only when node or pg cannot be installed):
# customer ids keep the user's type (bigint, uuid, text), money and shares
# arrive as documented in doc/clients.md, timestamptz as Dates naming the
# right instant (the process runs with TZ=Asia/Tokyo, the sessions in other
# zones).  The checks are test/clients/check.js; the data test/clients/setup.sh.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$KAM_ROOT/test/clients/setup.sh"
work=$(mktemp -d "${KAM_TMP:-/tmp}/clients_node.XXXXXX")
chmod 755 "$work"
cleanup() {
	clients_teardown
	[ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	kam_log "kam: installing nodejs and npm"
	export DEBIAN_FRONTEND=noninteractive
	kam_as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1 ||
		{ kam_as_root apt-get update -qq >/dev/null 2>&1 &&
			kam_as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1; } || true
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "skip: node and npm are not installed and could not be installed with apt"
	exit 77
fi
mkdir -p "$work/npm"
echo '{ "private": true }' >"$work/npm/package.json"
if ! (cd "$work/npm" && npm install --no-audit --no-fund --loglevel=error --cache "$work/npm-cache" pg@8) >"$work/npm.log" 2>&1; then
	tail -n 5 "$work/npm.log"
	echo "skip: npm could not install pg (node-postgres)"
	exit 77
fi

clients_setup "kam_clients_node_$$"
TZ=Asia/Tokyo NODE_PATH=$work/npm/node_modules node "$KAM_ROOT/test/clients/check.js" "${clients_dbs[@]}"
