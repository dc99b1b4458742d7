#!/usr/bin/env bash
# `make demo`: install what is missing, build and install kam, start a throwaway
# cluster on a private socket, load the seeded demo data set (20,000 customers,
# about 500,000 orders), print the key-account report, write it with charts as
# one self-contained HTML file (test/demo/report.sh; doc/report.md), stop the cluster.
# KAM_DEMO_CUSTOMERS / KAM_DEMO_ORDERS / KAM_DEMO_SEED change the data set;
# KAM_REPORT_HTML the HTML file (default: kam-report.html in the repository).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_install
kam_cluster_start
kam_log "kam: generating and loading the demo data set"
kam_load_demo kam_demo "${KAM_DEMO_CUSTOMERS:-20000}" "${KAM_DEMO_ORDERS:-500000}" "${KAM_DEMO_SEED:-42}" >/dev/null
for f in "$KAM_ROOT"/test/demo/report/*.sql; do
	kam_psql -d kam_demo -P pager=off -f "$f"
done
html=${KAM_REPORT_HTML:-$KAM_ROOT/kam-report.html}
bash "$KAM_ROOT/test/demo/report.sh" kam_demo "$html"
echo
echo "HTML report with charts: $(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
