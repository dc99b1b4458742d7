-- Key-account report, part 4: lifetime value.  Fits BG/NBD and Gamma-Gamma
-- on the customer summary (kam.fit_models()), then lists the accounts worth
-- most over the next clv_months months and the value held by accounts that
-- have probably left (P(alive) < 0.5).
\pset footer off
\echo
\echo 'Lifetime value: BG/NBD (purchases) and Gamma-Gamma (spend) fitted as of the as-of date:'
SELECT name, model_type AS model, rows AS customers, round(log_likelihood::numeric, 1) AS log_likelihood,
       CASE WHEN model_type = 'bgnbd'
            THEN format('r %s, alpha %s, a %s, b %s (per %s)',
                        round((parameters->>'r')::numeric, 3), round((parameters->>'alpha')::numeric, 3),
                        round((parameters->>'a')::numeric, 3), round((parameters->>'b')::numeric, 3), period)
            ELSE format('p %s, q %s, v %s',
                        round((parameters->>'p')::numeric, 3), round((parameters->>'q')::numeric, 3),
                        round((parameters->>'v')::numeric, 3)) END AS parameters
  FROM kam.fit_models();

\echo
\echo 'Top 10 accounts by CLV (margin over the next 12 months, discounted 1% a month):'
SELECT customer_id, name, account_manager,
       round(historical_revenue::numeric, 0) AS revenue_to_date,
       round(p_alive::numeric, 3) AS p_alive,
       round(expected_purchases_90d::numeric, 1) AS purchases_90d,
       round(expected_spend::numeric, 2) AS spend_per_order,
       round(clv_12m::numeric, 0) AS clv
  FROM kam.customer_value
 ORDER BY clv_12m DESC NULLS LAST, customer_id
 LIMIT 10;

\echo
\echo 'Value at risk: accounts that have probably left (P(alive) < 0.5):'
SELECT count(*) FILTER (WHERE p_alive < 0.5) AS accounts_at_risk,
       round(100.0 * count(*) FILTER (WHERE p_alive < 0.5) / count(*), 1) AS pct_of_accounts,
       round((100 * sum(historical_revenue) FILTER (WHERE p_alive < 0.5) / sum(historical_revenue))::numeric, 1)
           AS pct_of_revenue_to_date,
       round((100 * sum(clv_12m) FILTER (WHERE p_alive < 0.5) / sum(clv_12m))::numeric, 1) AS pct_of_clv,
       round(sum(clv_12m)::numeric, 0) AS total_clv
  FROM kam.customer_value
 WHERE p_alive IS NOT NULL;
