#!/usr/bin/env bash
# The tier views against their previous definitions (the per-day window
# expansion, kept verbatim in tiers_fast_oracle.sql as plain views in schema
# oracle): EXCEPT ALL both ways, serially and with parallel query forced, on
# the demo data (month and quarter periods) and on hand-built orders that hit
# the edges: orders on the first and last day of a window and just outside,
# a customer whose orders have all left the window, customers tied in revenue
# at a tier threshold, refunds and negative totals, zero and NULL amounts,
# orders after as_of, customers without orders, a second time zone, every
# period length, an as_of in mid-period and on a leap day, policies with
# revenue rules, tied ranks and no catch-all tier, no policy at all, loyalty
# ladders with tied ranks and none, potentials (none, zero, negative, below
# and above the revenue, and none bound), one customer, and no orders at all.  The
# new views sum amounts exactly (money.h); the old ones summed
# amount::numeric: the rows must be equal.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

db=kam_tiers_fast_$$
hdb=kam_tiers_fast_hand_$$
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}" >/dev/null
kam_psql -d postgres -c "CREATE DATABASE $hdb" >/dev/null
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS $hdb" >/dev/null 2>&1 || true' EXIT

views="customer_tier tier_summary pareto_curve tier_changes tier_movements visit_compliance manager_visit_compliance period_kpis"

# checks LABEL VIEW...: SQL that compares each view with its oracle (one
# snapshot of the oracle, then kam serially and with parallel query forced)
checks() {
	local label=$1 v
	shift
	for v in "$@"; do
		cat <<SQL
CREATE TEMP TABLE o AS SELECT * FROM oracle.$v;
SELECT 'check', '$label', '$v', 'serial',
	   (SELECT count(*) FROM (SELECT * FROM kam.$v EXCEPT ALL SELECT * FROM o) x),
	   (SELECT count(*) FROM (SELECT * FROM o EXCEPT ALL SELECT * FROM kam.$v) x),
	   (SELECT count(*) FROM o);
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on;
SELECT 'check', '$label', '$v', 'parallel',
	   (SELECT count(*) FROM (SELECT * FROM kam.$v EXCEPT ALL SELECT * FROM o) x),
	   (SELECT count(*) FROM (SELECT * FROM o EXCEPT ALL SELECT * FROM kam.$v) x),
	   (SELECT count(*) FROM o);
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET force_parallel_mode;
DROP TABLE o;
SQL
	done
}

run() {
	kam_psql -d "$1" -At -F ' ' -v ON_ERROR_STOP=1
}

out=$(
	{
		echo "SET TimeZone = 'UTC'; SET jit = off;"
		cat "$KAM_ROOT/test/t/tiers_fast_oracle.sql"
		# shellcheck disable=SC2086
		checks demo_month $views
		echo "SELECT kam.set('period', 'quarter');"
		checks demo_quarter tier_changes tier_movements period_kpis
		# the aggregates' own partial states (combine, serialize, deserialize): ungrouped,
		# against numeric sums, and kam.tier_movements over stored vectors, parallel = serial
		cat <<'SQL'
SELECT kam.set('period', 'month');
CREATE FUNCTION pg_temp.plan_has(q text, pat text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	l text;
BEGIN
	FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		IF l LIKE pat THEN
			RETURN 1;
		END IF;
	END LOOP;
	RETURN 0;
END
$$;
CREATE TEMP TABLE ends AS
SELECT array_agg((m + interval '1 month')::date - 1 ORDER BY m) AS e
  FROM generate_series('2023-01-01'::timestamp, '2025-12-01', '1 month') m;
CREATE TABLE vec AS
SELECT o.customer_id, kam.revenue_12m(o.ordered_at, o.amount, (SELECT e FROM ends)) AS r
  FROM kam.orders o GROUP BY 1;
CREATE TEMP TABLE pol AS
SELECT array_agg(share_cutoff ORDER BY rank, tier) AS c, array_agg(min_revenue ORDER BY rank, tier) AS m,
	   array_agg(rank ORDER BY rank, tier) AS r FROM kam.tier_policy;
CREATE TEMP TABLE total_ref AS
SELECT array_agg(s ORDER BY j) AS r FROM (
	SELECT j, (SELECT sum(o.amount::numeric)::float8 FROM demo.orders o
				WHERE o.ordered_at >= ((SELECT e FROM ends)[j] + 1) - interval '12 months'
				  AND o.ordered_at < (SELECT e FROM ends)[j] + 1) AS s
	  FROM generate_series(1, 36) j) x;
CREATE TEMP TABLE s AS
SELECT (SELECT kam.revenue_12m(o.ordered_at, o.amount, (SELECT e FROM ends)) FROM kam.orders o) AS total,
	   (SELECT kam.tier_movements(v.r, (SELECT c FROM pol), (SELECT m FROM pol), (SELECT r FROM pol)) FROM vec v) AS moves;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on;
SELECT 'check', 'aggregates', 'parallel_plans', 'partial',
	   1 - pg_temp.plan_has('SELECT kam.tier_movements(v.r, (SELECT c FROM pol), (SELECT m FROM pol), (SELECT r FROM pol)) FROM vec v', '%Partial Aggregate%'),
	   1 - pg_temp.plan_has('SELECT kam.revenue_12m(o.ordered_at, o.amount, (SELECT e FROM ends)) FROM kam.orders o', '%Partial Aggregate%'),
	   1;
SELECT 'check', 'aggregates', 'revenue_12m', 'parallel_vs_numeric',
	   (SELECT (kam.revenue_12m(o.ordered_at, o.amount, (SELECT e FROM ends)) IS DISTINCT FROM (SELECT r FROM total_ref))::int
		  FROM kam.orders o),
	   (SELECT (total IS DISTINCT FROM (SELECT r FROM total_ref))::int FROM s), 36;
SELECT 'check', 'aggregates', 'tier_movements', 'parallel_vs_serial',
	   (SELECT (kam.tier_movements(v.r, pol.c, pol.m, pol.r) IS DISTINCT FROM (SELECT moves FROM s))::int
		  FROM vec v, pol),
	   (SELECT ((SELECT array_agg(moves[k][j] ORDER BY k, j) FROM generate_series(1, 2) k, generate_series(2, 36) j)
				IS DISTINCT FROM
				(SELECT array_agg(x ORDER BY k, period_start)
				   FROM oracle.tier_movements, LATERAL (VALUES (1, upgraded), (2, downgraded)) v(k, x)
				  WHERE period_start > '2023-01-01'))::int
		  FROM s), 36;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET force_parallel_mode;
SQL
	} | run "$db"

	{
		cat <<'SQL'
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET jit = off;
CREATE EXTENSION kam;
CREATE SCHEMA hand;
CREATE TABLE hand.customers (id int PRIMARY KEY, name text, manager text, potential numeric(12, 2));
CREATE TABLE hand.orders (customer int, at timestamptz, amount numeric(12, 2));
CREATE TABLE hand.visits (customer int, at timestamptz);
-- potentials for the share of wallet: none, zero, negative, below and above the revenue
INSERT INTO hand.customers
SELECT g, 'c' || g, 'm' || (g % 3), (ARRAY[NULL, 0, -50, 100, 2000.5])[1 + g % 5] FROM generate_series(1, 40) g;
SELECT kam.bind_customers('hand.customers', 'id', 'name', 'manager', 'potential');
SELECT kam.bind_orders('hand.orders', 'customer', 'at', 'amount');
SELECT kam.bind_visits('hand.visits', 'customer', 'at');
-- the cases, as_of 2025-06-30 (windows of the monthly ends run from the 1st of a month)
CREATE TABLE hand.cases (customer int, at timestamptz, amount numeric(12, 2));
INSERT INTO hand.cases VALUES
	-- first and last instant of the window ending 2025-06-30, and just outside it
	(1, '2024-07-01 00:00:00', 100), (1, '2025-06-30 23:59:59.999999', 50),
	(1, '2024-06-30 23:59:59.999999', 1000), (1, '2025-07-01 00:00:00', 1000),
	-- all orders older than the windows of the last year
	(2, '2022-03-05 10:00', 400), (2, '2023-01-10 10:00', 300),
	-- four customers tied in revenue (at the Strategic / A thresholds)
	(3, '2025-03-01 09:00', 250), (4, '2025-04-01 09:00', 250), (5, '2025-05-01 09:00', 125),
	(5, '2025-05-02 09:00', 125), (6, '2025-02-01 09:00', 250),
	-- refunds: net zero, net negative, a zero amount, NULL amounts
	(7, '2025-01-10 12:00', 80), (7, '2025-01-11 12:00', -80),
	(8, '2025-02-10 12:00', 30), (8, '2025-02-11 12:00', -75.5),
	(9, '2025-03-10 12:00', 0),
	(10, '2025-03-10 12:00', NULL), (10, '2024-11-10 12:00', NULL),
	-- orders only after as_of
	(11, '2025-08-01 12:00', 999),
	-- a customer growing, one shrinking (tier movements)
	(12, '2024-09-15 08:00', 10), (12, '2025-04-15 08:00', 300), (12, '2025-06-15 08:00', 300),
	(13, '2024-08-15 08:00', 900), (13, '2025-01-15 08:00', 5);
-- and a seeded spread of ordinary orders over three and a half years
SELECT setseed(0.25);
INSERT INTO hand.cases
SELECT 14 + (random() * 24)::int, '2022-01-01'::timestamptz + random() * interval '1300 days',
	   round((random() * 400 - 20)::numeric, 2)
  FROM generate_series(1, 600);
INSERT INTO hand.visits
SELECT 1 + (random() * 39)::int, '2025-04-01'::timestamptz + random() * interval '120 days'
  FROM generate_series(1, 200);
INSERT INTO hand.orders SELECT * FROM hand.cases;
SQL
		cat "$KAM_ROOT/test/t/tiers_fast_oracle.sql"
		for tz in UTC America/Sao_Paulo; do
			# the oracle floors in the session's zone, the views in the time_zone setting's
			echo "SET TimeZone = '$tz'; SELECT kam.set('time_zone', '$tz');"
			for asof in 2025-06-30 2025-06-15 2024-02-29; do
				echo "SELECT kam.set('as_of', '$asof');"
				echo "SELECT kam.set('period', 'month');"
				# shellcheck disable=SC2086
				checks "hand_${tz}_${asof}_month" $views
				# the other views do not read the period setting
				for period in quarter year week day; do
					echo "SELECT kam.set('period', '$period');"
					checks "hand_${tz}_${asof}_$period" tier_changes tier_movements period_kpis
				done
			done
		done
		echo "SELECT kam.set('as_of', '2025-06-30'); SELECT kam.set('period', 'month'); SET TimeZone = 'UTC'; SELECT kam.set('time_zone', 'UTC');"
		# policies: revenue rules, tied ranks, no catch-all; then none
		cat <<'SQL'
DELETE FROM kam.tier_policy;
INSERT INTO kam.tier_policy (tier, rank, share_cutoff, min_revenue, visits_per_week) VALUES
	('Gold', 1, 0.6, 500, 2), ('Silver', 2, NULL, 200, 1), ('Silver2', 2, 0.9, NULL, 1), ('Bronze', 3, NULL, 50, 0);
SQL
		# shellcheck disable=SC2086
		checks hand_policy $views
		echo "DELETE FROM kam.tier_policy;"
		# shellcheck disable=SC2086
		checks hand_no_policy $views
		echo "SELECT kam.reset_policy('tier_policy');"
		# loyalty ladders: tied ranks (stage order decides), a rung without rules,
		# one that only counts periods and one of 40 quarters; then no ladder
		cat <<'SQL'
DELETE FROM kam.loyalty_ladder;
INSERT INTO kam.loyalty_ladder (stage, rank, min_purchase_periods, min_active_quarters, of_last_quarters) VALUES
	('a_any', 1, NULL, NULL, NULL), ('b_two', 2, 2, NULL, NULL), ('a_tied', 2, NULL, 1, 2),
	('c_busy', 3, 5, 2, 3), ('d_long', 4, NULL, 4, 40);
SQL
		checks hand_ladder customer_tier
		echo "DELETE FROM kam.loyalty_ladder;"
		checks hand_no_ladder customer_tier
		echo "SELECT kam.reset_policy('loyalty_ladder');"
		# one customer, with and without orders
		echo "DELETE FROM hand.orders WHERE customer <> 12; DELETE FROM hand.visits WHERE customer <> 12; DELETE FROM hand.customers WHERE id <> 12;"
		# shellcheck disable=SC2086
		checks hand_one_customer $views
		echo "TRUNCATE hand.orders;"
		checks hand_one_customer_no_orders customer_tier tier_summary pareto_curve tier_changes
		echo "INSERT INTO hand.customers SELECT g, 'c' || g, 'm' || (g % 3) FROM generate_series(1, 40) g WHERE g <> 12;"
		# no potential bound: share_of_wallet and headroom NULL (the rebind rebuilds
		# the views the oracle reads, so the oracle goes first and comes back)
		echo "DROP SCHEMA oracle CASCADE; SELECT kam.bind_customers('hand.customers', 'id', 'name', 'manager');"
		cat "$KAM_ROOT/test/t/tiers_fast_oracle.sql"
		checks hand_no_potential customer_tier
		# shellcheck disable=SC2086
		checks hand_no_orders $views
	} | run "$hdb"
)
echo "$out" | grep '^check' | awk '{ print }' >&2
echo "$out" | awk '
	$1 == "check" { n++; if ($5 != 0 || $6 != 0) { bad++; print "FAILED: " $0 } if ($7 > 0) rows++ }
	END {
		if (n < 300) { print "too few checks: " n; exit 1 }
		if (rows < 200) { print "too few checks with rows: " rows; exit 1 }
		exit bad > 0
	}'
