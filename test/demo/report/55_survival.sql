-- Key-account report: how long customers stay (Kaplan-Meier over customer
-- lifetimes, kam.customer_survival).
\pset footer off
\echo
\echo '=== customer lifetime (Kaplan-Meier) ==='
WITH curve AS MATERIALIZED (SELECT * FROM kam.customer_survival)
SELECT kam.setting('period') AS period,
       kam.setting('churn_after') AS churn_after,
       max(at_risk) AS customers,
       sum(churned) AS churned,
       sum(censored) AS still_active,
       min(median_lifetime) AS median_lifetime
  FROM curve;
\echo 'Share of customers still buying more than k periods after their first order (95% limits):'
WITH curve AS MATERIALIZED (SELECT * FROM kam.customer_survival)
SELECT k AS periods,
       s.at_risk,
       round(s.survival::numeric, 4) AS survival,
       round(s.conf_low::numeric, 4) AS conf_low,
       round(s.conf_high::numeric, 4) AS conf_high
  FROM unnest(ARRAY[0, 1, 3, 6, 12, 18, 24, 30]) k
  CROSS JOIN LATERAL (SELECT c.* FROM curve c WHERE c.period_offset <= k
                      ORDER BY c.period_offset DESC LIMIT 1) s
 ORDER BY k;
