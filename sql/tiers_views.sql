-- Tier views on a small hand-computed data set, as_of 2025-12-31.
--
-- Trailing 12 months = 2025-01-01 .. 2025-12-31; one period earlier (month)
-- = the 12 months ending 2025-11-30 (2024-12-01 .. 2025-11-30).
--   c1  100 on the 1st of Mar/Jun/Sep/Dec 2024 and 2025 -> 400 now, 400 before;
--       active in all 8 trailing quarters: loyal
--   c2  200 on 2025-05-15, 08-15, 11-15 -> 600 / 600; 3 of the last 4 quarters: regular
--   c3  1000 on 2025-12-30, 500 on 12-31 -> 1500 / 0; two purchase days, 1 quarter: repeat
--   c4  300 on 2025-02-01 -> 300 / 300: first_time
--   c5  50 on 2023-06-01 -> 0 / 0: first_time, no tier
--   c6  no orders: prospect
--   c7  -20 on 2025-07-01 (a refund) and 99 on 2026-01-05 (after as_of, ignored): first_time, no tier
--   c8  50 on 2025-01-15, 250 on 2025-12-10 -> 300 / 50: repeat
--   c9  10 on 2024-12-15 -> 0 / 10: first_time
-- Now: total 3100 = c3 1500 | c2 600 | c1 400 | c4 300, c8 300 (a tie).
--   shares above: c3 0 -> Strategic; c2 1500/3100 = .4839 -> Strategic; c1 2100/3100 = .6774 -> A;
--   c4, c8 2500/3100 = .8065 -> B (ABC: A, A, A, B, B).  Cumulative shares .4839, .6774,
--   .8065, 1, 1; customers without positive revenue: C, cumulative share 1, no tier.
-- Before: total 1360 = c2 600 | c1 400 | c4 300 | c8 50 | c9 10: above 0, .4412, .7353,
--   .9559, .9926 -> Strategic, Strategic, A, C, C.
-- Movements: c1 Strategic -> A downgraded, c2 unchanged, c3 new, c4 A -> B downgraded,
--   c8 C -> B upgraded, c9 C -> none lost.
-- RFM over the 6 customers with orders in the window (n = 6, score = ceil(5 * cume_dist)):
--   R (days since last order, most recent = 5): c4 333 -> 1, c7 183 -> 2, c2 46 -> 3, c1 30 -> 4,
--     c8 21 -> 5, c3 0 -> 5
--   F (purchase days): c4 1, c7 1 -> 2/6 -> 2; c3 2, c8 2 -> 4/6 -> 4; c2 3 -> 5; c1 4 -> 5
--   M (revenue): c7 -20 -> 1; c4, c8 300 -> 3/6 -> 3; c1 400 -> 4; c2 600 -> 5; c3 1500 -> 5
--   segments: c1 R4 F5 loyal_customers, c2 R3 F5 loyal_customers, c3 R5 F4 champions,
--   c4 R1 F2 hibernating, c7 R2 F2 hibernating, c8 R5 F4 champions.
-- start from the default settings and policies whatever ran before
DELETE FROM kam.settings;
CREATE TABLE tv_customers (id text PRIMARY KEY, name text, manager text);
INSERT INTO tv_customers VALUES
	('c1', 'One', 'Mia'), ('c2', 'Two', 'Mia'), ('c3', 'Three', 'Tom'), ('c4', 'Four', 'Tom'),
	('c5', 'Five', 'Mia'), ('c6', 'Six', 'Tom'), ('c7', 'Seven', 'Mia'), ('c8', 'Eight', 'Tom'),
	('c9', 'Nine', 'Mia');
CREATE TABLE tv_orders (id text, at date, amount numeric(10,2));
INSERT INTO tv_orders VALUES
	('c1', '2024-03-01', 100), ('c1', '2024-06-01', 100), ('c1', '2024-09-01', 100), ('c1', '2024-12-01', 100),
	('c1', '2025-03-01', 100), ('c1', '2025-06-01', 100), ('c1', '2025-09-01', 100), ('c1', '2025-12-01', 100),
	('c2', '2025-05-15', 200), ('c2', '2025-08-15', 200), ('c2', '2025-11-15', 200),
	('c3', '2025-12-30', 1000), ('c3', '2025-12-31', 500),
	('c4', '2025-02-01', 300),
	('c5', '2023-06-01', 50),
	('c7', '2025-07-01', -20), ('c7', '2026-01-05', 99),
	('c8', '2025-01-15', 50), ('c8', '2025-12-10', 250),
	('c9', '2024-12-15', 10);
-- visits over the last 4 weeks (2025-12-04 .. 2025-12-31)
CREATE TABLE tv_visits (id text, at timestamp);
INSERT INTO tv_visits
SELECT 'c3', d FROM generate_series('2025-12-05'::timestamp, '2025-12-30', '5 days') d	-- 6 visits
UNION ALL SELECT 'c3', '2025-12-03 12:00'		-- before the 4 weeks
UNION ALL SELECT 'c3', '2026-01-02 09:00'		-- after as_of
UNION ALL SELECT 'c2', d FROM generate_series('2025-12-04'::timestamp, '2025-12-31', '3 days') d	-- 10 visits
UNION ALL SELECT 'c4', '2025-12-31 23:00';
SELECT kam.bind_customers('tv_customers', 'id', 'name', 'manager');
SELECT kam.bind_orders('tv_orders', 'id', 'at', 'amount');
SELECT kam.bind_visits('tv_visits', 'id', 'at');
SELECT kam.set('as_of', '2025-12-31');

SELECT customer_id, revenue_12m, round(cumulative_share::numeric, 10) AS cumulative_share, abc, tier,
	   r_score, f_score, m_score, segment, stage
  FROM kam.customer_tier ORDER BY customer_id;

-- Strategic c3 c2: 2 customers, 2100 (2100/3100 = .6774193548); A c1: 400 (.1290322581);
-- B c4 c8: 600 (.1935483871).  Gini of 1500 600 400 300 300: sorted 300 300 400 600 1500,
-- weights -4 -2 0 2 4 -> 5400 / (5 * 3100) = .3483870968; top 20% = c3 = 1500/3100 =
-- .4838709677; 80% = 2480 = 1500 + 600 + .95 * 400 -> 2.95/5 = .59.
SELECT tier, rank, visits_per_week, customers, customer_share, revenue_12m,
	   round(revenue_share::numeric, 10) AS revenue_share, round(gini::numeric, 10) AS gini,
	   round(top_20_share::numeric, 10) AS top_20_share, round(pareto_80_fraction::numeric, 10) AS pareto_80_fraction
  FROM kam.tier_summary;

-- 5 customers: one point per customer: 0, 1500, 2100, 2500, 2800, 3100 (/3100)
SELECT point, customer_fraction, round(revenue_fraction::numeric, 10) AS revenue_fraction FROM kam.pareto_curve;

SELECT customer_id, name, account_manager, as_of_before, as_of, tier_before, tier_now,
	   revenue_12m_before, revenue_12m_now, movement
  FROM kam.tier_changes ORDER BY customer_id;

-- The last period repeats tier_changes (as_of is a month end): 1 up (c8), 2 down (c1, c4).
-- Periods run from the first order's month (2023-06) to December 2025: 31 rows.
SELECT count(*) AS periods, min(period_start) AS first_period FROM kam.tier_movements;
SELECT * FROM kam.tier_movements WHERE period_start = '2025-12-01';

-- Required visits over 4 weeks: Strategic 2/week -> 8, A 1/week -> 4, B .25/week -> 1.
-- c3 6 of 8 (.75), c2 10 of 8 (1.25), c1 0 of 4, c4 1 of 1, c8 0 of 1.
SELECT customer_id, account_manager, tier, visits_per_week, weeks, required_visits, actual_visits,
	   compliance, compliant
  FROM kam.visit_compliance ORDER BY customer_id;
-- Mia: c1 c2, required 12, made 10, counted min(10, 8) + 0 = 8 -> 8/12; Tom: c3 c4 c8,
-- required 10, made 7, counted 6 + 1 + 0 -> .7
SELECT account_manager, accounts, accounts_with_target, compliant_accounts, required_visits,
	   actual_visits, round(compliance::numeric, 10) AS compliance
  FROM kam.manager_visit_compliance;
SELECT kam.set('visit_weeks', '1');
-- one week (2025-12-25 .. 31): c3 visits on 12-25 and 12-30 -> 2 of 2
SELECT customer_id, required_visits, actual_visits, compliance FROM kam.visit_compliance
 WHERE customer_id = 'c3';
-- zero weeks is rejected
\set VERBOSITY terse
SELECT kam.set('visit_weeks', '0');
\set VERBOSITY default
SELECT kam.reset('visit_weeks');

-- a policy edit shows at once: an absolute rule (revenue >= 1000) as the top tier
INSERT INTO kam.tier_policy (tier, rank, min_revenue, visits_per_week) VALUES ('Key', 0, 1000, 3);
SELECT customer_id, tier FROM kam.customer_tier WHERE tier IS NOT NULL ORDER BY customer_id;
DELETE FROM kam.tier_policy WHERE tier = 'Key';
-- and a segment rename
UPDATE kam.rfm_segment_map SET segment = 'stars' WHERE r_score = 5 AND f_score = 4;
SELECT customer_id, segment FROM kam.customer_tier WHERE r_score = 5 ORDER BY customer_id;
SELECT kam.reset_policy('rfm_segment_map');
SELECT kam.reset_policy('tier_policy');

-- views in quarters: one period earlier = 2025-09-30
SELECT kam.set('period', 'quarter');
SELECT DISTINCT as_of_before FROM kam.tier_changes;
SELECT count(*) AS periods, min(period_start) FROM kam.tier_movements;
SELECT kam.reset('period');

-- no orders bound: the views are not there; unbinding drops them
SELECT kam.unbind('visits');
SELECT to_regclass('kam.visit_compliance') AS visit_compliance, to_regclass('kam.customer_tier') AS customer_tier;
SELECT kam.unbind('orders');
SELECT to_regclass('kam.customer_tier') AS customer_tier;
SELECT kam.unbind('customers');
SELECT kam.reset('as_of');
