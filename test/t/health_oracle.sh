#!/usr/bin/env bash
# kam.account_health, kam.account_alerts, kam.manager_portfolio and
# kam.account_dependence against a plain-SQL implementation of doc/health.md
# (test/t/health_oracle.sql) on the demo data (20,000 customers) with every
# input bound: orders, customers with their potential, visits, satisfaction
# surveys and complaints (test/demo/generate.c), and stored lifetime-value
# models (kam.fit_models()).  Three runs, each of which must match on every
# row and column:
#   1. serial;
#   2. with parallel query forced (as make check's second regress pass);
#   3. as an account manager that row-level security on every demo table
#      limits to its own accounts: kam and the oracle both see only those,
#      and every alert and portfolio row the manager reads is its own.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

db=kam_health_oracle_$$
role=kam_health_mgr_$$
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}" >/dev/null
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true' EXIT
kam_psql -d postgres -c "CREATE ROLE $role LOGIN" >/dev/null

# One manager's portfolio goes to the role; row-level security: a manager
# sees its customers and their orders, visits, surveys and complaints.
kam_psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
UPDATE demo.customers SET account_manager = '$role'
 WHERE account_manager = (SELECT min(account_manager) FROM demo.customers);
ALTER TABLE demo.customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_accounts ON demo.customers FOR SELECT USING (account_manager = current_user);
DO \$\$
DECLARE t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['orders', 'visits', 'feedback', 'complaints'] LOOP
		EXECUTE format('ALTER TABLE demo.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY own_rows ON demo.%I FOR SELECT USING (EXISTS (SELECT 1 FROM demo.customers c
							WHERE c.customer_id = %I.customer_id AND c.account_manager = current_user))', t, t);
	END LOOP;
END
\$\$;
GRANT USAGE ON SCHEMA demo TO $role;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO $role;
ANALYZE demo.customers;
SELECT count(*) FROM kam.fit_models();
SQL

oracle() { # oracle LABEL [psql options before the oracle]
	local label=$1
	shift
	kam_psql -d "$db" -At -F '|' "$@" -f "$KAM_ROOT/test/t/health_oracle.sql" | sed "s/^/$label|/"
}
if [ "$PG_MAJOR" -ge 16 ]; then force=debug_parallel_query; else force=force_parallel_mode; fi
out=$(
	oracle serial
	oracle parallel -c "SET $force = regress" -c "SET parallel_setup_cost = 0" -c "SET parallel_tuple_cost = 0" \
		-c "SET min_parallel_table_scan_size = 0" -c "SET min_parallel_index_scan_size = 0" \
		-c "SET parallel_leader_participation = off" -c "SET max_parallel_workers_per_gather = 2"
	oracle rls -c "SET ROLE $role"
)
echo "$out"
fail=0
bad=$(echo "$out" | awk -F'|' '$2 == "mismatch" && $4 != 0 {print}')
if [ -n "$bad" ]; then
	echo "FAILED: rows differ from the oracle:"; echo "$bad"; fail=1
fi
n=$(echo "$out" | awk -F'|' '$2 == "mismatch"' | wc -l)
[ "$n" -eq 15 ] || { echo "FAILED: expected 15 mismatch lines (5 views x 3 runs), got $n"; fail=1; }
# every component has data, and every alert reason occurs, in every run
if echo "$out" | awk -F'|' '$2 == "covered" { for (i = 3; i <= NF; i++) if ($i == 0) bad = 1 } END { exit !bad }'; then
	echo "FAILED: a component has no data"; fail=1
fi
for reason in visit_overdue p_alive_low revenue_down tier_downgrade satisfaction_drop complaint_open \
	share_of_wallet_falling new_key_account; do
	c=$(echo "$out" | awk -F'|' -v r="$reason" '$2 == "reasons" && $3 ~ "(^|,)" r "=" {n++} END {print n + 0}')
	[ "$c" -eq 3 ] || { echo "FAILED: alert reason $reason missing from $((3 - c)) of the runs"; fail=1; }
done

# what the manager reads is its own: every alert and every manager row
mine=$(kam_psql -d "$db" -At -F '|' -c "SET ROLE $role" -c "
	SELECT (SELECT count(*) FROM kam.account_alerts),
		   (SELECT count(*) FROM kam.account_alerts WHERE account_manager IS DISTINCT FROM current_user),
		   (SELECT count(*) FROM kam.manager_portfolio WHERE scope = 'manager' AND account_manager IS DISTINCT FROM current_user),
		   (SELECT count(*) FROM kam.account_alerts a WHERE a.manager_rank <= 10)")
all=$(kam_psql -d "$db" -At -c "SELECT count(*) FROM kam.account_alerts WHERE account_manager = '$role'")
IFS='|' read -r n foreign other top <<<"$mine"
if [ "$n" -eq 0 ] || [ "$foreign" -ne 0 ] || [ "$other" -ne 0 ] || [ "$top" -gt 10 ]; then
	echo "FAILED: as $role: $n alerts, $foreign of other managers, $other other managers' portfolio rows, $top ranked 1-10"; fail=1
else
	echo "ok      row-level security: $role reads $n alerts (all its own; $all in the company-wide list), its top ten ranked 1-10"
fi
((fail == 0)) || exit 1
echo "ok      kam.account_health, kam.account_alerts, kam.manager_portfolio and kam.account_dependence equal the plain-SQL oracle (serial, parallel, row-level security)"
