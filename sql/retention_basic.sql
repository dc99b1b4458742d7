-- Retention on hand-built customers, every figure worked out by hand.
-- Months Jan..Jun 2024, as of 2024-06-30:
--   A  Jan 100, Feb 100, -, Apr 50, May 80, Jun 80   leaves (Mar) and returns (Apr)
--   B  Feb 200, Mar 300                              joins and leaves
--   C  Jan 10, then Jun 40                           gap of 4 periods (> churn_after)
--   D  Jun 70                                        a single period, new in the as-of period
--   E  Jan..Mar 100, Apr..Jun 30                     still active but shrinking
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE TABLE ret_orders (customer text, at date, amount numeric(10,2));
INSERT INTO ret_orders VALUES
	('A', '2024-01-05', 60), ('A', '2024-01-20', 40), ('A', '2024-02-01', 100),
	('A', '2024-04-30', 50), ('A', '2024-05-15', 80), ('A', '2024-06-30', 80),
	('B', '2024-02-10', 200), ('B', '2024-03-10', 300),
	('C', '2024-01-31', 10), ('C', '2024-06-01', 40),
	('D', '2024-06-15', 70),
	('E', '2024-01-02', 100), ('E', '2024-02-02', 100), ('E', '2024-03-02', 100),
	('E', '2024-04-02', 30), ('E', '2024-05-02', 30), ('E', '2024-06-02', 30),
	-- after the as-of date: left out by the views
	('A', '2024-07-01', 999);
SELECT kam.bind_orders('ret_orders', 'customer', 'at', 'amount');
SELECT kam.set('as_of', '2024-06-30');

-- churn_after = 1 (the issue's definitions).  By hand:
--   Feb: B new; A, E retained; C churned (1/3); GRR = NRR = 200/210
--   Mar: B, E retained; A churned (1/3); GRR = 300/400, NRR = 400/400
--   Apr: E retained, B churned (1/2), A reactivated; GRR = NRR = 30/400
--   May: A, E retained; GRR = 80/80, NRR = 110/80
--   Jun: D new, C reactivated, A, E retained; GRR = NRR = 110/110
SELECT * FROM kam.period_kpis ORDER BY period_start;
-- upgraded / downgraded in kam.period_kpis are the tiers' movements of the same period
SELECT count(*) AS periods, count(*) FILTER (WHERE (k.upgraded, k.downgraded) IS DISTINCT FROM (t.upgraded, t.downgraded)) AS differ
  FROM kam.period_kpis k LEFT JOIN kam.tier_movements t USING (period_start);
-- start + new + expansion + reactivation - contraction - churned = end:
--   Feb 210 + 200 - 10 = 400; Mar 400 + 100 (B) - 100 (A) = 400;
--   Apr 400 + 50 (A) - 70 (E) - 300 (B) = 80; May 80 + 30 (A) = 110; Jun 110 + 70 + 40 = 220
SELECT *, start_revenue + new + expansion + reactivation - contraction - churned = end_revenue AS identity
  FROM kam.revenue_movements ORDER BY period_start;
-- A: gap Feb->Apr (1 period) = reactivated; B lost; C reactivated after 4 periods;
-- D new; E: Apr..Jun 90 < 0.5 * Jan..Mar 300 -> shrinking, change -210
SELECT * FROM kam.customer_retention ORDER BY customer_id;
-- Jan cohort A, C, E: on = 3 2 1 2 2 3, on-or-after = 3 throughout,
-- revenue 210 200 100 80 110 150 (/210); Feb cohort B: 1 1 0 0 0, revenue 200 300 0..;
-- Jun cohort D; no one started in Mar..May, so no rows for them
SELECT cohort, period_offset, cohort_size, active, active_or_after,
       round(retention::numeric, 6) AS retention, round(retention_or_after::numeric, 6) AS retention_or_after,
       round(revenue_retention::numeric, 6) AS revenue_retention
  FROM kam.cohort_retention ORDER BY cohort, period_offset;

-- churn_after = 2: a customer is lost only after 2 inactive periods in a row.
--   Feb: C inactive once = dormant (neither retained nor churned); at risk A, C, E
--   Mar: A dormant, C churned (2nd inactive period), B, E retained; at risk 4
--   Apr: A retained (was not lost), B dormant; May: B churned; Jun: C reactivated
--   revenue: a dormant customer's revenue of p-1 is contraction; churned revenue is then 0
--   (its revenue in p-1 was 0), e.g. Mar 400 + 100 - 100 (A) - 0 (C) = 400,
--   Apr 400 + 50 (A) - 70 (E) - 300 (B) = 80
SELECT kam.set('churn_after', '2');
SELECT * FROM kam.period_kpis ORDER BY period_start;
SELECT *, start_revenue + new + expansion + reactivation - contraction - churned = end_revenue AS identity
  FROM kam.revenue_movements ORDER BY period_start;
-- A's one-period gap is no longer a loss: active; C (gap 4) still reactivated
SELECT customer_id, status FROM kam.customer_retention ORDER BY customer_id;
-- the complete per-period record (dormant, at_risk) from the aggregate itself
SELECT r.period_start, r.dormant, r.at_risk, r.retained + r.dormant + r.churned = r.at_risk AS partition
  FROM (SELECT kam.retention_periods(activity, 2) AS x FROM kam.customer_activity) s, unnest(s.x) r
 ORDER BY 1;
SELECT kam.reset('churn_after');

-- shrink settings: a 2-period window (Mar..Apr vs May..Jun) at 0.9
SELECT kam.set('shrink_periods', '2'), kam.set('shrink_ratio', '0.9');
SELECT customer_id, shrinking, revenue_change FROM kam.customer_retention ORDER BY customer_id;
SELECT kam.reset('shrink_periods'), kam.reset('shrink_ratio');

-- quarters: Q1 A 200, B 500, C 10, E 300; Q2 A 210, C 40, D 70, E 90 (B churned, D new)
--   GRR = (200 + 0 + 10 + 90) / 1010, NRR = (210 + 0 + 40 + 90) / 1010
SELECT kam.set('period', 'quarter');
SELECT * FROM kam.period_kpis ORDER BY period_start;
SELECT kam.reset('period');

-- trailing windows (kam.revenue_retention_ttm needs 24 months of data; the
-- aggregate itself takes any window): 2-month windows ending Apr, May, Jun.
-- Jun: earlier window Mar..Apr: B 300, A 50, E 130; later May..Jun: B 0, A 160, E 60
--   GRR = (0 + 50 + 60) / 480, NRR = 220 / 480
SELECT r.* FROM (SELECT kam.trailing_retention(activity, 2) AS x FROM kam.customer_activity) s, unnest(s.x) r;
SELECT count(*) AS ttm_rows FROM kam.revenue_retention_ttm;

-- a single period: everyone is new, rates and GRR/NRR are NULL
DELETE FROM ret_orders WHERE at < '2024-06-01';
SELECT * FROM kam.period_kpis;
SELECT * FROM kam.revenue_movements;
SELECT * FROM kam.cohort_retention;
SELECT customer_id, tenure_periods, active_periods, status, shrinking, revenue_change
  FROM kam.customer_retention ORDER BY 1;

-- an empty table: no rows anywhere, the aggregates return NULL
DELETE FROM ret_orders;
SELECT count(*) FROM kam.period_kpis;
SELECT count(*) FROM kam.revenue_movements;
SELECT count(*) FROM kam.cohort_retention;
SELECT count(*) FROM kam.customer_retention;
SELECT count(*) FROM kam.revenue_retention_ttm;
SELECT kam.activity(at, amount::float8, 'month', '2024-06-30') IS NULL AS activity_null,
       kam.retention_periods(NULL::kam.activity, 1) IS NULL AS periods_null,
       kam.cohort_matrix(NULL::kam.activity) IS NULL AS cohorts_null
  FROM ret_orders;

SELECT kam.unbind('orders');
SELECT kam.reset('as_of');
DROP TABLE ret_orders;
