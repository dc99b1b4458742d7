#!/usr/bin/env bash
# Every retention view against a plain-SQL implementation of the same
# definitions (window functions and self-joins over exact numeric sums) on the
# demo data, for several periods and churn_after values; the revenue identity
# for every period; parallel query on and off give identical results.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

db=kam_ret_oracle_$$
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}"
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT

# check PERIOD CHURN_AFTER SHRINK_PERIODS SHRINK_RATIO: compares every view
# with the oracle; prints the number of mismatching rows per view.
check() {
	kam_psql -d "$db" -v period="$1" -v k="$2" -v w="$3" -v ratio="$4" \
		-f "$KAM_ROOT/test/t/retention_oracle.sql"
}

out=$(check month 1 3 0.5; check month 3 2 0.8; check quarter 2 2 0.5; check year 1 1 0.9)
echo "$out"
bad=$(echo "$out" | awk -F'|' '/^mismatch/ && $3 != 0 {print}')
if [ -n "$bad" ]; then
	echo "FAILED: rows differ from the oracle:"; echo "$bad"; exit 1
fi
n=$(echo "$out" | grep -c '^mismatch' || true)
[ "$n" -eq 28 ] || { echo "FAILED: expected 28 mismatch lines, got $n"; exit 1; }

# Parallel on and off: identical output of every view (and a parallel plan).
dump() {
	kam_psql -d "$db" -At "$@" \
		-c "SELECT * FROM kam.period_kpis ORDER BY 1" \
		-c "SELECT * FROM kam.revenue_movements ORDER BY 1" \
		-c "SELECT * FROM kam.cohort_retention ORDER BY 1, 2" \
		-c "SELECT * FROM kam.customer_retention ORDER BY 1" \
		-c "SELECT * FROM kam.revenue_retention_ttm ORDER BY 1"
}
kam_psql -d "$db" -c "SELECT kam.set('period', 'month'), kam.set('churn_after', '2')" >/dev/null
serial=$(PGOPTIONS="-c max_parallel_workers_per_gather=0" dump | md5sum)
par_opts="-c max_parallel_workers_per_gather=2 -c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0 -c enable_hashagg=off"
parallel=$(PGOPTIONS="$par_opts" dump | md5sum)
plan=$(PGOPTIONS="$par_opts" kam_psql -d "$db" -At -c "EXPLAIN SELECT * FROM kam.period_kpis")
echo "$plan" | grep -q "Partial" || { echo "FAILED: no partial aggregation in the parallel plan:"; echo "$plan"; exit 1; }
[ "$serial" = "$parallel" ] || { echo "FAILED: parallel and serial results differ"; exit 1; }
echo "parallel and serial identical"
