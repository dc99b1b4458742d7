-- Key-account report: account health and this week's worklist.  Each
-- account manager's three most urgent alerts (kam.account_alerts, ordered by
-- priority = value at stake x the reason's weight in kam.health_policy), and
-- the portfolio: value at risk per manager and company-wide
-- (kam.manager_portfolio; CLV of accounts with P(alive) < 0.5 or health < 50).
\pset footer off
-- (kam.account_alerts and kam.manager_portfolio read kam.tier_changes, whose
-- plan is estimated high enough for the default JIT settings to compile it
-- at length: see doc/health.md, Cost)
SET jit = off;
\echo
\echo '=== account health: each manager''s top alerts ==='
SELECT a.account_manager, a.manager_rank AS "#", a.customer_id, a.name, a.tier, a.reason,
       round(a.value_at_stake::numeric, 0) AS value_at_stake, round(a.health_score::numeric, 0) AS health,
       a.detail
  FROM kam.account_alerts a
 WHERE a.manager_rank <= 3
 ORDER BY a.account_manager NULLS LAST, a.manager_rank;

\echo
\echo 'Alerts by reason (every account and reason needing action):'
SELECT reason, count(*) AS alerts, count(DISTINCT customer_id) AS accounts,
       round(sum(value_at_stake)::numeric, 0) AS value_at_stake
  FROM kam.account_alerts
 GROUP BY reason
 ORDER BY sum(priority) DESC;

\echo
\echo 'Value at risk per manager, largest first, and company-wide (the last row):'
SELECT CASE WHEN scope = 'company' THEN '(company)' ELSE account_manager END AS account_manager,
       accounts, round(revenue_12m::numeric, 0) AS revenue_12m, round(clv_12m::numeric, 0) AS clv_12m,
       round(value_at_risk::numeric, 0) AS value_at_risk, accounts_at_risk,
       round(100 * visit_compliance::numeric, 1) AS visit_compliance_pct,
       open_alerts, round(avg_health::numeric, 1) AS avg_health
  FROM kam.manager_portfolio
 ORDER BY scope = 'company', value_at_risk DESC, account_manager;
