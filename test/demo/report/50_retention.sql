-- Key-account report: retention (customer movements, revenue retention, cohorts,
-- shrinking accounts), per the `period` and `churn_after` settings.
\echo
\echo '--- Retention: the last 12 periods ---'
SELECT period_start, active, new, retained, churned, reactivated,
       round((100 * churn_rate)::numeric, 1) AS churn_pct,
       round(revenue::numeric, 0) AS revenue,
       round((100 * grr)::numeric, 1) AS grr_pct,
       round((100 * nrr)::numeric, 1) AS nrr_pct
  FROM (SELECT * FROM kam.period_kpis ORDER BY period_start DESC LIMIT 12) k
 ORDER BY period_start;

\echo
\echo '--- Revenue retention, trailing twelve months ---'
SELECT month, customers, round(start_revenue::numeric, 0) AS prior_12m_revenue,
       round(end_revenue::numeric, 0) AS last_12m_revenue,
       round((100 * grr)::numeric, 1) AS grr_pct, round((100 * nrr)::numeric, 1) AS nrr_pct
  FROM kam.revenue_retention_ttm ORDER BY month DESC LIMIT 1;

\echo
\echo '--- Cohorts: % of each cohort active k periods after its first order (last 12 cohorts) ---'
SELECT cohort, max(cohort_size) AS size,
       round(100 * max(retention) FILTER (WHERE period_offset = 1)) AS "k=1",
       round(100 * max(retention) FILTER (WHERE period_offset = 2)) AS "k=2",
       round(100 * max(retention) FILTER (WHERE period_offset = 3)) AS "k=3",
       round(100 * max(retention) FILTER (WHERE period_offset = 6)) AS "k=6",
       round(100 * max(retention) FILTER (WHERE period_offset = 9)) AS "k=9",
       round(100 * max(retention_or_after) FILTER (WHERE period_offset = 3)) AS "k>=3",
       round(100 * max(revenue_retention) FILTER (WHERE period_offset = 3)) AS "rev k=3"
  FROM kam.cohort_retention
 WHERE cohort > (SELECT max(cohort) FROM kam.cohort_retention) - interval '12 months'
 GROUP BY cohort ORDER BY cohort;

\echo
\echo '--- Shrinking key accounts (recent revenue below half of the periods before) ---'
SELECT customer_id, name, account_manager, status, tenure_periods,
       round(revenue_change::numeric, 2) AS revenue_change
  FROM kam.customer_retention
 WHERE shrinking
 ORDER BY revenue_change, customer_id
 LIMIT 10;
