#!/usr/bin/env bash
# The tier views on the demo data (20,000 customers, ~500,000 orders, as_of
# 2025-12-31) against a second implementation of the same definitions in plain
# SQL over the raw demo tables (exact numeric sums, cume_dist, the default
# policy written as CASE), and with parallel query forced against serial.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=kam_tiers_views_$$
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}"
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT

kam_psql -d "$db" -At -F ' ' <<'SQL' | tee /dev/stderr | awk '
	$1 == "check" { n++; if ($3 != 0 || $4 < 1) { bad++; print "FAILED: " $0 } }
	END { if (n < 10) { print "too few checks: " n; exit 1 } exit bad > 0 }'
SET TimeZone = 'UTC';
SET jit = off;
CREATE TEMP TABLE kam_customer_tier AS SELECT * FROM kam.customer_tier;
CREATE TEMP TABLE kam_tier_summary AS SELECT * FROM kam.tier_summary;
CREATE TEMP TABLE kam_tier_movements AS SELECT * FROM kam.tier_movements;
CREATE TEMP TABLE kam_manager_visits AS SELECT * FROM kam.manager_visit_compliance;
SELECT kam.set('as_of', '2025-12-31');

-- revenue, shares, ABC and policy tier of every customer at a window end, from demo.orders
CREATE TEMP TABLE ref_ends AS
SELECT m::date AS period_start, (m + interval '1 month')::date - 1 AS end_date
  FROM generate_series('2023-01-01'::timestamp, '2025-12-01', '1 month') m;
CREATE TEMP TABLE ref_win AS
SELECT e.end_date, o.customer_id, sum(o.amount) AS revenue
  FROM ref_ends e
  JOIN demo.orders o ON o.ordered_at >= (e.end_date + 1) - interval '12 months' AND o.ordered_at < e.end_date + 1
 GROUP BY 1, 2;
CREATE TEMP TABLE ref_tier AS
WITH g AS (
	SELECT end_date, revenue, sum(revenue) AS gsum FROM ref_win WHERE revenue > 0 GROUP BY 1, 2),
c AS (
	SELECT end_date, revenue,
		   COALESCE(sum(gsum) OVER (PARTITION BY end_date ORDER BY revenue DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS above,
		   sum(gsum) OVER (PARTITION BY end_date ORDER BY revenue DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS through,
		   sum(gsum) OVER (PARTITION BY end_date) AS total
	  FROM g)
SELECT w.end_date, w.customer_id, w.revenue, c.above / c.total AS share_above, c.through / c.total AS share,
	   CASE WHEN c.above / c.total < 0.5 THEN 'Strategic' WHEN c.above / c.total < 0.8 THEN 'A'
			WHEN c.above / c.total < 0.95 THEN 'B' ELSE 'C' END AS tier,
	   CASE WHEN c.above / c.total < 0.5 THEN 1 WHEN c.above / c.total < 0.8 THEN 2
			WHEN c.above / c.total < 0.95 THEN 3 ELSE 4 END AS tier_rank
  FROM ref_win w JOIN c ON c.end_date = w.end_date AND c.revenue = w.revenue;

-- customer_tier
CREATE TEMP TABLE ref_customer_tier AS
WITH w AS (
	SELECT o.customer_id, sum(o.amount) AS revenue, '2025-12-31'::date - max(o.ordered_at)::date AS recency,
		   count(DISTINCT o.ordered_at::date) AS days
	  FROM demo.orders o WHERE o.ordered_at >= '2025-01-01' AND o.ordered_at < '2026-01-01' GROUP BY 1),
scored AS (
	SELECT w.*, ceil(5 * cume_dist() OVER (ORDER BY recency DESC))::int AS r,
		   ceil(5 * cume_dist() OVER (ORDER BY days))::int AS f,
		   ceil(5 * cume_dist() OVER (ORDER BY revenue))::int AS m
	  FROM w),
h AS (
	SELECT o.customer_id, count(DISTINCT o.ordered_at::date) AS days,
		   count(DISTINCT CASE WHEN o.ordered_at >= '2025-01-01' THEN date_trunc('quarter', o.ordered_at) END) AS q4,
		   count(DISTINCT CASE WHEN o.ordered_at >= '2024-01-01' THEN date_trunc('quarter', o.ordered_at) END) AS q8
	  FROM demo.orders o WHERE o.ordered_at < '2026-01-01' GROUP BY 1),
anyorders AS (SELECT DISTINCT customer_id FROM demo.orders)
SELECT c.customer_id, c.name, c.account_manager, COALESCE(s.revenue, 0)::float8 AS revenue_12m,
	   CASE WHEN t.share IS NOT NULL THEN t.share ELSE 1 END::float8 AS cumulative_share,
	   CASE WHEN t.share_above < 0.8 THEN 'A' WHEN t.share_above < 0.95 THEN 'B' ELSE 'C' END AS abc,
	   t.tier, s.r, s.f, s.m,
	   CASE WHEN s.r IS NULL THEN NULL
			WHEN s.r <= 2 AND s.f <= 2 THEN 'hibernating' WHEN s.r <= 2 AND s.f <= 4 THEN 'at_risk'
			WHEN s.r <= 2 THEN 'cant_lose' WHEN s.r = 3 AND s.f <= 2 THEN 'about_to_sleep'
			WHEN s.r = 3 AND s.f = 3 THEN 'need_attention' WHEN s.r = 5 AND s.f >= 4 THEN 'champions'
			WHEN s.f >= 4 THEN 'loyal_customers' WHEN s.r = 4 AND s.f = 1 THEN 'promising'
			WHEN s.r = 5 AND s.f = 1 THEN 'new_customers' ELSE 'potential_loyalists' END AS segment,
	   CASE WHEN h.days IS NULL THEN 'prospect'
			WHEN h.days >= 2 AND h.q4 >= 3 AND h.q8 >= 7 THEN 'loyal'
			WHEN h.days >= 2 AND h.q4 >= 3 THEN 'regular'
			WHEN h.days >= 2 THEN 'repeat'
			ELSE 'first_time' END AS stage
  FROM demo.customers c
  LEFT JOIN scored s ON s.customer_id = c.customer_id
  LEFT JOIN ref_tier t ON t.customer_id = c.customer_id AND t.end_date = '2025-12-31'
  LEFT JOIN h ON h.customer_id = c.customer_id;
SELECT 'check', 'customer_tier',
	   count(*) FILTER (WHERE k.customer_id IS NULL OR r.customer_id IS NULL
		   OR k.name IS DISTINCT FROM r.name OR k.account_manager IS DISTINCT FROM r.account_manager
		   OR k.revenue_12m <> r.revenue_12m OR abs(k.cumulative_share - r.cumulative_share) > 1e-12
		   OR k.abc <> r.abc OR k.tier IS DISTINCT FROM r.tier OR k.r_score IS DISTINCT FROM r.r
		   OR k.f_score IS DISTINCT FROM r.f OR k.m_score IS DISTINCT FROM r.m
		   OR k.segment IS DISTINCT FROM r.segment OR k.stage IS DISTINCT FROM r.stage),
	   count(*)
  FROM kam_customer_tier k FULL JOIN ref_customer_tier r USING (customer_id);
-- the demo data reaches every class and tier, most segments and every stage but prospect (every
-- demo customer has ordered)
SELECT 'check', 'customer_tier_coverage', 0,
	   (SELECT count(DISTINCT abc) FROM kam_customer_tier) = 3 AND (SELECT count(DISTINCT tier) FROM kam_customer_tier) = 4
	   AND (SELECT count(DISTINCT segment) FROM kam_customer_tier) >= 9 AND (SELECT count(DISTINCT stage) FROM kam_customer_tier) >= 4;

-- tier_summary
WITH c AS (SELECT tier, revenue_12m::numeric AS v FROM ref_customer_tier WHERE tier IS NOT NULL),
o AS (SELECT v, row_number() OVER (ORDER BY v) AS i, count(*) OVER () AS n, sum(v) OVER () AS total FROM c),
d AS (SELECT v, row_number() OVER (ORDER BY v DESC) AS j, n, total, sum(v) OVER (ORDER BY v DESC ROWS UNBOUNDED PRECEDING) AS cum FROM o),
conc AS (
	SELECT (SELECT sum((2 * i - n - 1) * v) / (max(n) * max(total)) FROM o) AS gini,
		   (SELECT (sum(v) FILTER (WHERE j <= floor(0.2 * n)) + (0.2 * max(n) - floor(0.2 * max(n)))
					* COALESCE(max(v) FILTER (WHERE j = floor(0.2 * n) + 1), 0)) / max(total) FROM d) AS top20,
		   (SELECT (x.j - 1 + (0.8 * x.total - (x.cum - x.v)) / x.v) / x.n
			  FROM (SELECT * FROM d WHERE cum >= 0.8 * total ORDER BY j LIMIT 1) x) AS pareto80),
per AS (SELECT tier, count(*) AS n, sum(v) AS rev FROM c GROUP BY tier),
ref AS (
	SELECT per.tier, per.n, per.n::numeric / sum(per.n) OVER () AS cshare, per.rev, per.rev / sum(per.rev) OVER () AS rshare,
		   conc.gini, conc.top20, conc.pareto80
	  FROM per, conc)
SELECT 'check', 'tier_summary',
	   count(*) FILTER (WHERE r.tier IS NULL OR k.customers <> r.n OR abs(k.customer_share - r.cshare::float8) > 1e-12
		   OR abs(k.revenue_12m - r.rev::float8) > 1e-6 OR abs(k.revenue_share - r.rshare::float8) > 1e-12
		   OR abs(k.gini - r.gini::float8) > 1e-12 OR abs(k.top_20_share - r.top20::float8) > 1e-12
		   OR abs(k.pareto_80_fraction - r.pareto80::float8) > 1e-12),
	   count(*)
  FROM kam_tier_summary k LEFT JOIN ref r USING (tier);

-- pareto_curve against kam.top_share (the C aggregate) at each point
SELECT 'check', 'pareto_curve',
	   count(*) FILTER (WHERE abs(k.revenue_fraction - (SELECT kam.top_share(c.revenue_12m, k.customer_fraction)
			FROM ref_customer_tier c WHERE c.revenue_12m > 0)) > 1e-12 OR k.customer_fraction <> k.point / 100.0),
	   count(*) - 100
  FROM kam.pareto_curve k;

-- tier_changes: windows ending 2025-11-30 and 2025-12-31
WITH a AS (SELECT * FROM ref_tier WHERE end_date = '2025-12-31'),
b AS (SELECT * FROM ref_tier WHERE end_date = '2025-11-30'),
ref AS (
	SELECT COALESCE(a.customer_id, b.customer_id) AS customer_id, b.tier AS tier_before, a.tier AS tier_now,
		   CASE WHEN b.tier IS NULL THEN 'new' WHEN a.tier IS NULL THEN 'lost'
				WHEN a.tier_rank < b.tier_rank THEN 'upgraded' WHEN a.tier_rank > b.tier_rank THEN 'downgraded'
				ELSE 'unchanged' END AS movement
	  FROM a FULL JOIN b ON a.customer_id = b.customer_id)
SELECT 'check', 'tier_changes',
	   count(*) FILTER (WHERE k.customer_id IS NULL OR r.customer_id IS NULL OR k.tier_before IS DISTINCT FROM r.tier_before
		   OR k.tier_now IS DISTINCT FROM r.tier_now OR k.movement <> r.movement),
	   count(*) FILTER (WHERE r.movement = 'upgraded') * count(*) FILTER (WHERE r.movement = 'lost')
  FROM kam.tier_changes k FULL JOIN ref r USING (customer_id);

-- tier_movements: every month end 2023-01 .. 2025-12
WITH ref AS (
	SELECT e.period_start,
		   count(*) FILTER (WHERE a.tier_rank < b.tier_rank) AS up,
		   count(*) FILTER (WHERE a.tier_rank > b.tier_rank) AS down
	  FROM ref_ends e
	  LEFT JOIN ref_tier a ON a.end_date = e.end_date
	  LEFT JOIN ref_tier b ON b.customer_id = a.customer_id
		   AND b.end_date = (date_trunc('month', e.end_date) - interval '1 day')::date
	 GROUP BY e.period_start)
SELECT 'check', 'tier_movements',
	   count(*) FILTER (WHERE k.period_start IS NULL OR r.period_start IS NULL OR k.upgraded <> r.up OR k.downgraded <> r.down),
	   sum(r.up) * sum(r.down)
  FROM kam_tier_movements k FULL JOIN ref r USING (period_start);

-- visit_compliance and the manager roll-up: visits 2025-12-04 .. 2025-12-31
CREATE TEMP TABLE ref_visits AS
SELECT c.customer_id, c.account_manager, c.tier,
	   CASE c.tier WHEN 'Strategic' THEN 8 WHEN 'A' THEN 4 WHEN 'B' THEN 1 ELSE 0 END AS required,
	   (SELECT count(*) FROM demo.visits v WHERE v.customer_id = c.customer_id
		   AND v.visited_at >= '2025-12-04' AND v.visited_at < '2026-01-01') AS actual
  FROM ref_customer_tier c WHERE c.tier IS NOT NULL;
SELECT 'check', 'visit_compliance',
	   count(*) FILTER (WHERE k.customer_id IS NULL OR r.customer_id IS NULL OR k.tier <> r.tier
		   OR k.account_manager <> r.account_manager OR k.required_visits <> r.required OR k.actual_visits <> r.actual
		   OR k.compliance IS DISTINCT FROM (CASE WHEN r.required > 0 THEN r.actual::float8 / r.required END)
		   OR k.compliant <> (r.actual >= r.required)),
	   count(*) FILTER (WHERE r.actual > 0)
  FROM kam.visit_compliance k FULL JOIN ref_visits r USING (customer_id);
WITH ref AS (
	SELECT account_manager, count(*) AS accounts, count(*) FILTER (WHERE required > 0) AS targeted,
		   count(*) FILTER (WHERE required > 0 AND actual >= required) AS compliant,
		   sum(required) AS required, sum(actual) AS actual,
		   sum(LEAST(actual, required))::numeric / NULLIF(sum(required), 0) AS compliance
	  FROM ref_visits GROUP BY 1)
SELECT 'check', 'manager_visit_compliance',
	   count(*) FILTER (WHERE k.account_manager IS NULL OR r.account_manager IS NULL OR k.accounts <> r.accounts
		   OR k.accounts_with_target <> r.targeted OR k.compliant_accounts <> r.compliant
		   OR k.required_visits <> r.required OR k.actual_visits <> r.actual
		   OR abs(k.compliance - r.compliance::float8) > 1e-12),
	   count(*)
  FROM kam_manager_visits k FULL JOIN ref r USING (account_manager);

-- parallel query forced gives the same rows
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET force_parallel_mode = on;
CREATE TEMP TABLE par_customer_tier AS SELECT * FROM kam.customer_tier;
CREATE TEMP TABLE par_summary AS SELECT * FROM kam.tier_summary;
CREATE TEMP TABLE par_movements AS SELECT * FROM kam.tier_movements;
CREATE TEMP TABLE par_visits AS SELECT * FROM kam.manager_visit_compliance;
RESET force_parallel_mode;
RESET max_parallel_workers_per_gather;
SELECT 'check', 'parallel_customer_tier',
	   (SELECT count(*) FROM (SELECT * FROM par_customer_tier EXCEPT ALL SELECT * FROM kam_customer_tier) x)
	   + (SELECT count(*) FROM (SELECT * FROM kam_customer_tier EXCEPT ALL SELECT * FROM par_customer_tier) x),
	   (SELECT count(*) FROM par_customer_tier);
SELECT 'check', 'parallel_tier_summary',
	   (SELECT count(*) FROM (SELECT * FROM par_summary EXCEPT ALL SELECT * FROM kam_tier_summary) x),
	   (SELECT count(*) FROM par_summary);
SELECT 'check', 'parallel_tier_movements',
	   (SELECT count(*) FROM (SELECT * FROM par_movements EXCEPT ALL SELECT * FROM kam_tier_movements) x),
	   (SELECT count(*) FROM par_movements);
SELECT 'check', 'parallel_manager_visits',
	   (SELECT count(*) FROM (SELECT * FROM par_visits EXCEPT ALL SELECT * FROM kam_manager_visits) x),
	   (SELECT count(*) FROM par_visits);
SQL
