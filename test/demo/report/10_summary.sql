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
