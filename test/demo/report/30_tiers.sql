-- Key-account report, part 3: tiers, concentration, top accounts, visit compliance.
\pset footer off
\echo
\echo '--- Account tiers (trailing 12 months) ---'
SELECT tier, customers, round(customer_share::numeric * 100, 1) AS "customers %",
	   round(revenue_12m::numeric, 0) AS revenue_12m, round(revenue_share::numeric * 100, 1) AS "revenue %",
	   visits_per_week
  FROM kam.tier_summary ORDER BY rank;
\echo
\echo '--- Concentration of trailing-12-month revenue over the active accounts ---'
SELECT round(gini::numeric, 3) AS gini,
	   round(top_20_share::numeric * 100, 1) AS "revenue of the top 20% of customers, %",
	   round(pareto_80_fraction::numeric * 100, 1) AS "customers making 80% of revenue, %"
  FROM kam.tier_summary LIMIT 1;
\echo
\echo '--- Top 10 accounts ---'
SELECT customer_id, name, account_manager, round(revenue_12m::numeric, 0) AS revenue_12m,
	   round(cumulative_share::numeric * 100, 1) AS "cumulative %", tier, segment, stage
  FROM kam.customer_tier ORDER BY revenue_12m DESC, customer_id LIMIT 10;
\echo
\echo '--- Tier movements, last 6 periods ---'
SELECT * FROM (SELECT * FROM kam.tier_movements ORDER BY period_start DESC LIMIT 6) m ORDER BY period_start;
\echo
\echo '--- Visit compliance by account manager (last 4 weeks) ---'
SELECT account_manager, accounts_with_target AS accounts, compliant_accounts AS compliant,
	   required_visits AS required, actual_visits AS made, round(compliance::numeric * 100, 1) AS "compliance %"
  FROM kam.manager_visit_compliance ORDER BY compliance, account_manager LIMIT 10;
