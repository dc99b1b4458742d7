-- Key-account report, part 1: the customer base at the as-of date.
\pset footer off
\echo
\echo '=== kam key-account report ==='
SELECT kam.as_of() AS as_of,
       count(*) AS customers,
       count(*) FILTER (WHERE orders > 0) AS with_orders,
       sum(orders) AS orders,
       round(sum(revenue)::numeric, 2) AS revenue,
       round(sum(margin)::numeric, 2) AS margin
  FROM kam.customer_summary;

\echo 'Is it 80/20? Share of revenue brought by the top 20% of customers:'
SELECT round((100 * sum(revenue) FILTER (WHERE rank <= 0.2 * n) / sum(revenue))::numeric, 1) AS top_20pct_revenue_share
  FROM (SELECT revenue, row_number() OVER (ORDER BY revenue DESC) AS rank, count(*) OVER () AS n
		  FROM kam.customer_summary) s;

\echo 'Customers by year of first order, and how many have not ordered for 6 months:'
SELECT extract(year FROM first_order_at)::int AS first_order_year,
	   count(*) AS customers,
	   count(*) FILTER (WHERE days_since_last_order > 182) AS silent_6_months,
	   round(avg(orders), 1) AS avg_orders,
	   round(sum(revenue)::numeric, 0) AS revenue
  FROM kam.customer_summary
 WHERE orders > 0
 GROUP BY 1 ORDER BY 1;
