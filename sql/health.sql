-- Account health, alerts and portfolio on hand-built accounts, as of
-- 2025-12-31.  Every expected figure is computed by hand in the comments.
SET client_min_messages = warning;
SET TIME ZONE 'UTC';
SELECT kam.set('as_of', '2025-12-31');
-- tiers by revenue only: Key (>= 10000, 1 visit a week), Std (the rest, none)
DELETE FROM kam.tier_policy;
INSERT INTO kam.tier_policy (tier, rank, min_revenue, visits_per_week) VALUES ('Key', 1, 10000, 1), ('Std', 2, NULL, 0);
UPDATE kam.health_policy SET value = 1 WHERE name = 'alert_key_tier_rank';

CREATE TABLE h_customers (id text, name text, manager text, potential numeric);
INSERT INTO h_customers VALUES ('A', 'regular 90-day buyer', 'm1', NULL), ('B', 'weekly buyer gone quiet', 'm1', NULL),
	('C', 'declining', 'm2', 50000), ('D', 'downgraded', 'm2', NULL), ('E', 'new key account', 'm2', NULL),
	('F', 'prospect', 'm1', NULL);
CREATE TABLE h_orders (cust text, day date, amount numeric);
-- A: every 90 days, 3000 each; the last on 2025-11-01 (60 days silent)
INSERT INTO h_orders VALUES ('A', '2024-08-08', 3000), ('A', '2024-11-06', 3000), ('A', '2025-02-04', 3000),
	('A', '2025-05-05', 3000), ('A', '2025-08-03', 3000), ('A', '2025-11-01', 3000);
-- B: weekly from 2025-09-06 to 2025-11-01, 100 each (9 orders)
INSERT INTO h_orders SELECT 'B', d::date, 100 FROM generate_series('2025-09-06'::date, '2025-11-01', '7 days') d;
-- C: 20000 in 2024, 10000 in 2025
INSERT INTO h_orders VALUES ('C', '2024-03-01', 10000), ('C', '2024-09-01', 10000), ('C', '2025-06-01', 5000), ('C', '2025-12-01', 5000);
-- D: 9000 on 2024-12-15, 2000 on 2025-07-01
INSERT INTO h_orders VALUES ('D', '2024-12-15', 9000), ('D', '2025-07-01', 2000);
-- E: one order of 15000 on 2025-12-10
INSERT INTO h_orders VALUES ('E', '2025-12-10', 15000);
CREATE TABLE h_visits (cust text, day date);
-- the last 4 weeks are 2025-12-04 .. 2025-12-31: A 2 visits, C 4, E 4 (Key requires 4)
INSERT INTO h_visits VALUES ('A', '2025-12-05'), ('A', '2025-12-20'),
	('C', '2025-12-04'), ('C', '2025-12-11'), ('C', '2025-12-18'), ('C', '2025-12-25'),
	('E', '2025-12-10'), ('E', '2025-12-15'), ('E', '2025-12-20'), ('E', '2025-12-30'),
	('B', '2025-11-01');	-- outside the window
CREATE TABLE h_feedback (cust text, answered date, score integer, kind text);
INSERT INTO h_feedback VALUES ('C', '2025-03-01', 9, 'nps'), ('C', '2025-10-01', 6, 'nps'),
	('E', '2025-12-20', 10, 'nps'), ('A', '2024-06-01', 2, 'nps');	-- A's is older than 12 months
CREATE TABLE h_complaints (cust text, opened date, closed date, severity integer);
INSERT INTO h_complaints VALUES ('B', '2025-11-01', NULL, 2), ('D', '2025-10-01', '2025-10-10', 3),
	('A', '2026-01-05', NULL, 1);	-- after as_of

-- bad input
SELECT kam.bind_feedback('h_feedback', 'cust', 'answered', 'kind');
SELECT kam.bind_complaints('h_complaints', 'cust', 'opened_at');
SELECT kam.bind_customers('h_customers', 'id', 'name', 'manager', 'name');
INSERT INTO kam.health_policy (name, value) VALUES ('weight_recency', -1);
INSERT INTO kam.health_policy (name, value) VALUES ('no_such_parameter', 1);

SELECT kam.bind_customers('h_customers', 'id', 'name', 'manager', 'potential');
SELECT kam.bind_orders('h_orders', 'cust', 'day', 'amount');
-- orders and customers only: no visits, surveys or complaints yet
SELECT customer_id, tier, revenue_12m, round(recency_score::numeric, 4) AS recency, round(trend_score::numeric, 4) AS trend,
	   visits_score, satisfaction_score, complaints_score, components, round(health_score::numeric, 4) AS health
  FROM kam.account_health ORDER BY customer_id;
SELECT kam.bind_visits('h_visits', 'cust', 'day');
SELECT kam.bind_feedback('h_feedback', 'cust', 'answered', 'score', 'kind');
SELECT kam.bind_complaints('h_complaints', 'cust', 'opened', 'closed', 'severity');

-- Recency: A usual gap 90, 60 days silent: 60/90 <= grace 1 -> 100.  B usual gap 7,
-- 60 silent: 1 - (60/7 - 1)/2 < 0 -> 0.  C gaps 184, 273, 183 -> median 184, 30 silent -> 100.
-- D gap 198, 183 silent -> 100.  E one purchase day: no gap, no recency score.
-- Trend: A 12000 / 6000 = 2 -> 100; C 10000 / 20000 = 0.5 -> 1 - 0.5/0.5 = 0;
-- D 2000 / 9000 -> 0; B and E had no revenue in 2024: no trend.
-- Visits (Key requires 4 in 4 weeks): A 2/4 -> 50, C 4/4 -> 100, E 4/4 -> 100; B, D (Std) none required.
-- Satisfaction (0..10 -> 0..100): C latest 6 -> 60, the one before 9 -> 90, drop 30: 60 - 30 = 30;
-- E latest 10 -> 100.  A's survey is older than 12 months.
-- Complaints: B one open since 2025-11-01 (60 days), severity 2: 2 x (20 + 10 x 60/30) = 80 -> 20;
-- D's is closed, A's opens after as_of: 100.  F has no orders: no score.
-- Health (weights recency 20, trend 20, visits 10, satisfaction 15, complaints 15):
--   A (20x100 + 20x100 + 10x50 + 15x100) / 65 = 6000/65 = 92.3077
--   B (20x0 + 15x20) / 35 = 8.5714
--   C (20x100 + 20x0 + 10x100 + 15x30 + 15x100) / 80 = 4950/80 = 61.875
--   D (20x100 + 20x0 + 15x100) / 55 = 63.6364
--   E (10x100 + 15x100 + 15x100) / 40 = 100
SELECT customer_id, tier, revenue_12m, revenue_prev_12m, usual_gap_days, days_silent,
	   round(recency_score::numeric, 4) AS recency, round(trend_score::numeric, 4) AS trend,
	   visits_score, satisfaction_score, complaints_score, components, round(health_score::numeric, 4) AS health
  FROM kam.account_health ORDER BY customer_id;
-- weights shown only for the components used; revenue share of 39900; share of wallet:
-- C 10000/50000 = 0.2, the year before 20000/50000 = 0.4, headroom 40000
SELECT customer_id, recency_weight, trend_weight, p_alive_weight, visits_weight, satisfaction_weight, complaints_weight,
	   round(revenue_share::numeric, 4) AS revenue_share, potential, share_of_wallet, share_of_wallet_prev, headroom,
	   open_complaints, oldest_open_days, open_severity
  FROM kam.account_health ORDER BY customer_id;

-- Alerts (no stored models: value at stake = trailing revenue), priority = value x factor:
--   C revenue_down 0.5 > 0.2: 10000 x 2 = 20000
--   C satisfaction_drop 30 points >= 20: 10000 x 1.5 = 15000
--   E new_key_account, first order 21 days ago, no tier a month ago: 15000 x 1 = 15000
--   A visit_overdue 0.5 < 0.75: 12000 x 1 = 12000
--   C share_of_wallet_falling 0.4 - 0.2 = 0.2 > 0.1: 10000 x 1 = 10000
--   D revenue_down 1 - 2000/9000 = 0.7778: 2000 x 2 = 4000
--   D tier_downgrade Key (11000 in the window ending 2025-11-30) -> Std: 2000 x 2 = 4000
--   B complaint_open 60 days > 30: 900 x 2.5 = 2250
SELECT customer_id, account_manager, reason, round(figure::numeric, 4) AS figure, threshold, detail,
	   value_at_stake, value_basis, priority, manager_rank
  FROM kam.account_alerts;

-- Portfolio: m1 = A, B (F has no tier); m2 = C, D, E.
--   m1 value at risk: B (health 8.57 < 50) 900; visits 2 of 4 = 0.5; alerts 2; health (92.3077 + 8.5714)/2
--   m2 none at risk; visits 8 of 8; alerts 6; health (61.875 + 63.6364 + 100)/3
--   company: 39900, at risk 900, visits 10 of 12, alerts 8, health 326.3905/5
SELECT scope, account_manager, accounts, accounts_by_tier, revenue_12m, clv_12m, value_at_risk, accounts_at_risk,
	   round(visit_compliance::numeric, 4) AS visit_compliance, open_alerts, accounts_with_alerts,
	   round(avg_health::numeric, 4) AS avg_health
  FROM kam.manager_portfolio;
SELECT customer_id, round(revenue_share::numeric, 4) AS revenue_share,
	   round(cumulative_revenue_share::numeric, 4) AS cumulative, round(health_score::numeric, 4) AS health
  FROM kam.account_dependence;

-- Policy edits: weights re-weight at once; a deleted weight leaves its component out
UPDATE kam.health_policy SET value = 0 WHERE name = 'weight_visits';
DELETE FROM kam.health_policy WHERE name = 'weight_complaints';
-- A (2000 + 2000) / 40 = 100; B only recency: 0
SELECT customer_id, components, round(health_score::numeric, 4) AS health FROM kam.account_health WHERE customer_id IN ('A', 'B') ORDER BY 1;
SELECT policy, key FROM kam.deleted_defaults WHERE policy = 'health_policy';
SELECT kam.reset_policy('health_policy');
SELECT count(*) AS rows, bool_and(is_default) AS all_default FROM kam.health_policy;
-- a survey kind filter: no 'csat' surveys, so no satisfaction scores
SELECT kam.set('feedback_kind', 'csat');
SELECT count(satisfaction_score) AS scored FROM kam.account_health;
SELECT kam.reset('feedback_kind');
-- an empty survey scale is an error when read
SELECT kam.set('feedback_scale_max', '0');
SELECT count(*) FROM kam.account_health;
SELECT kam.reset('feedback_scale_max');
-- unbinding complaints: their component goes, the views stay
SELECT kam.unbind('complaints');
SELECT customer_id, open_complaints, complaints_score, components FROM kam.account_health WHERE customer_id = 'B';
-- leave the database as found: nothing bound, shipped policies, default settings
SELECT kam.unbind(k) FROM unnest(ARRAY['feedback', 'visits', 'customers', 'orders']) k;
SELECT kam.reset_policy('tier_policy'), kam.reset_policy('health_policy'), kam.reset('as_of');
DROP TABLE h_customers, h_orders, h_visits, h_feedback, h_complaints;
