-- kam.customer_survival on hand-built orders.  Lifetime = last - first order
-- period (orders on or before as_of); churned when as_of period - last
-- period >= churn_after, otherwise censored.
SET timezone = 'UTC';
-- the days are the time_zone setting's (an earlier test's binding may have stored another zone)
SELECT kam.set('time_zone', 'UTC');
CREATE TABLE surv_orders (cust text, at timestamptz, amount numeric);
INSERT INTO surv_orders VALUES
	('A', '2024-01-10', 10), ('A', '2024-03-05', 10), ('A', '2024-06-01', 10),
	('B', '2024-01-20', 10), ('B', '2024-02-10', 10),
	('C', '2024-02-15', 10),
	('D', '2024-03-01', 10), ('D', '2024-05-31 23:00', 10),
	('E', '2024-04-01', 10), ('E', '2024-07-01', 10),           -- July is after as_of
	('F', '2024-08-01', 10),                                    -- only after as_of
	('G', '2023-12-31 23:30', 10), ('G', '2024-06-15 22:00', 10),
	('H', '2024-05-05', 10), ('H', '2024-06-16 00:00', 10),     -- the 16th is after as_of
	(NULL, '2024-01-01', 10);
SELECT kam.bind_orders('surv_orders', 'cust', 'at', 'amount');
SELECT name, position, requires FROM kam.report_views WHERE name = 'customer_survival';
SELECT c.reloptions FROM pg_class c WHERE c.oid = 'kam.customer_survival'::regclass;
SELECT kam.set('as_of', '2024-06-15');

-- month, churn_after 1: A 5 censored, B 1 churned, C 0 churned, D 2 churned,
-- E 0 churned, G 6 censored, H 0 churned.  S(0) = 4/7, S(1) = 4/7 * 3/4 =
-- 3/7, S(2) = 3/7 * 2/3 = 2/7; median 1 (first S < 0.5).
SELECT period_offset, at_risk, churned, censored, survival,
       survival = CASE WHEN period_offset = 0 THEN 4.0/7 WHEN period_offset = 1 THEN (4.0/7) * (3.0/4)
                       ELSE ((4.0/7) * (3.0/4)) * (2.0/3) END AS hand,
       median_lifetime
  FROM kam.customer_survival ORDER BY period_offset;
-- the view is km_fit over the lifetimes: same standard errors and limits
SELECT v.std_err = k.std_err AND v.conf_low = k.conf_low AND v.conf_high = k.conf_high AS same
  FROM kam.customer_survival v
  JOIN kam.km_curve('{(0,3,0),(1,1,0),(2,1,0),(5,0,1),(6,0,1)}') k ON k."time" = v.period_offset;

-- churn_after 2: D (May) and H (May) are still censored.  S(0) = 5/7,
-- S(1) = 5/7 * 3/4 = 15/28 > 0.5: no median.
SELECT kam.set('churn_after', '2');
SELECT period_offset, at_risk, churned, censored, survival, median_lifetime
  FROM kam.customer_survival ORDER BY period_offset;

-- quarter, churn_after 2: nobody has been silent for 2 quarters, so all are
-- censored: A 1, B 0, C 0, D 1, E 0, G 2, H 0.
SELECT kam.set('period', 'quarter');
SELECT period_offset, at_risk, churned, censored, survival, median_lifetime
  FROM kam.customer_survival ORDER BY period_offset;
SELECT kam.reset('churn_after');
-- quarter, churn_after 1: B and C (last order in Q1) churned at 0: S(0) = 5/7
SELECT period_offset, at_risk, churned, censored, survival, median_lifetime
  FROM kam.customer_survival ORDER BY period_offset;
SELECT kam.reset('period');

-- the time_zone setting decides the period of a timestamptz and the end of
-- the as-of day, not the session's TimeZone (UTC here).  In New York (month, churn_after 1): A's
-- 2024-06-01 00:00 UTC order falls in May (Jan -> May: 4, churned), D's
-- 03-01 in February (Feb -> May: 3, churned), E's 04-01 in March (0,
-- churned), H's 06-16 00:00 UTC on the 15th (May -> June: 1, censored), B 1
-- churned, C 0 churned, G 6 censored.  S(0) = 5/7, S(1) = 5/7 * 4/5 = 4/7,
-- S(3) = 4/7 * 2/3 = 8/21, S(4) = 8/21 * 1/2 = 4/21; median 3.
SELECT kam.set('time_zone', 'America/New_York');
SELECT period_offset, at_risk, churned, censored, survival, median_lifetime
  FROM kam.customer_survival ORDER BY period_offset;
SELECT kam.set('time_zone', 'UTC');

-- no orders up to as_of: no rows
SELECT kam.set('as_of', '2020-01-01');
SELECT count(*) FROM kam.customer_survival;
SELECT kam.reset('as_of');
SELECT kam.unbind('orders');
