-- Plain-SQL oracle for the retention views (run by retention_oracle.sh with
-- -v period=... -v k=... -v w=... -v ratio=...).  Revenue sums are exact numeric; every figure is
-- compared with the view's float8 exactly (kam's sums are exact too).
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only on
SET client_min_messages = warning;
SELECT kam.set('period', :'period'), kam.set('churn_after', :'k'),
       kam.set('shrink_periods', :'w'), kam.set('shrink_ratio', :'ratio') \g /dev/null
SELECT kam.as_of() AS as_of,
       CASE WHEN :'period' = 'quarter' THEN '3 months' ELSE '1 ' || :'period' END AS step \gset

DROP TABLE IF EXISTS cp, periods, g, cls;
-- revenue per customer and period
CREATE TEMP TABLE cp AS
SELECT customer_id, date_trunc(:'period', ordered_at)::date AS p, sum(amount::numeric) AS r
  FROM kam.orders WHERE ordered_at < (:'as_of'::date + 1) GROUP BY 1, 2;
-- the periods, numbered, from the first with data to the as-of period
CREATE TEMP TABLE periods AS
SELECT row_number() OVER (ORDER BY p)::int AS i, p::date AS p
  FROM generate_series((SELECT min(p) FROM cp)::timestamp,
                       date_trunc(:'period', :'as_of'::date::timestamp), :'step'::interval) p;
-- every customer in every period from its first on
CREATE TEMP TABLE g AS
SELECT f.customer_id, pr.i, pr.p, COALESCE(cp.r, 0) AS r, cp.r IS NOT NULL AS act, pr.p = f.first AS is_first
  FROM (SELECT customer_id, min(p) AS first FROM cp GROUP BY 1) f
  JOIN periods pr ON pr.p >= f.first
  LEFT JOIN cp ON cp.customer_id = f.customer_id AND cp.p = pr.p;
-- live = ordered in one of the last k periods (churn_after)
CREATE TEMP TABLE cls AS
SELECT *, COALESCE(lag(live) OVER w, false) AS prev_live,
       COALESCE(lag(act) OVER w, false) AS prev_act, COALESCE(lag(r) OVER w, 0) AS prev_r
  FROM (SELECT *, count(*) FILTER (WHERE act) OVER (PARTITION BY customer_id ORDER BY i
                    ROWS BETWEEN :k - 1 PRECEDING AND CURRENT ROW) > 0 AS live
          FROM g) x
WINDOW w AS (PARTITION BY customer_id ORDER BY i);

CREATE TEMP VIEW o_periods AS
SELECT p AS period_start,
       count(*) FILTER (WHERE act) AS active,
       count(*) FILTER (WHERE act AND is_first) AS new,
       count(*) FILTER (WHERE act AND NOT is_first AND prev_live) AS retained,
       count(*) FILTER (WHERE NOT act AND prev_live AND NOT live) AS churned,
       count(*) FILTER (WHERE act AND NOT is_first AND NOT prev_live) AS reactivated,
       count(*) FILTER (WHERE prev_live) AS at_risk,
       sum(r) AS revenue, sum(prev_r) AS start_revenue,
       COALESCE(sum(r) FILTER (WHERE act AND is_first), 0) AS new_rev,
       COALESCE(sum(greatest(r - prev_r, 0)) FILTER (WHERE act AND NOT is_first AND prev_live), 0) AS expansion,
       COALESCE(sum(greatest(prev_r - r, 0)) FILTER (WHERE act AND NOT is_first AND prev_live), 0)
         + COALESCE(sum(prev_r) FILTER (WHERE NOT act AND prev_live AND live), 0) AS contraction,
       COALESCE(sum(prev_r) FILTER (WHERE NOT act AND prev_live AND NOT live), 0) AS churned_rev,
       COALESCE(sum(r) FILTER (WHERE act AND NOT is_first AND NOT prev_live), 0) AS reactivation_rev,
       sum(least(r, prev_r)) FILTER (WHERE prev_act) AS grr_num,
       sum(r) FILTER (WHERE prev_act) AS nrr_num,
       sum(prev_r) FILTER (WHERE prev_act) AS rr_den
  FROM cls GROUP BY p;

-- 1. period KPIs
SELECT 'mismatch', 'period_kpis ' || :'period' || ' k=' || :'k' || ' w=' || :'w' || ' ratio=' || :'ratio', count(*)
  FROM (SELECT o.period_start, o.active, o.new, o.retained, o.churned, o.reactivated,
               o.churned::float8 / NULLIF(o.at_risk, 0)::float8 AS churn_rate,
               o.retained::float8 / NULLIF(o.at_risk, 0)::float8 AS retention_rate,
               o.revenue::float8 AS revenue,
               o.grr_num::float8 / NULLIF(o.rr_den::float8, 0) AS grr,
               o.nrr_num::float8 / NULLIF(o.rr_den::float8, 0) AS nrr
          FROM o_periods o) o
  FULL JOIN kam.period_kpis v USING (period_start)
  -- upgraded / downgraded are the tiers' movements (checked against their own
  -- plain-SQL oracle in tiers_views.sh): here, that every period carries them
  LEFT JOIN kam.tier_movements tm USING (period_start)
 WHERE (o.active, o.new, o.retained, o.churned, o.reactivated, o.churn_rate, o.retention_rate,
        o.revenue, o.grr, o.nrr)
       IS DISTINCT FROM
       (v.active, v.new, v.retained, v.churned, v.reactivated, v.churn_rate, v.retention_rate,
        v.revenue, v.grr, v.nrr)
    OR (v.upgraded, v.downgraded) IS DISTINCT FROM (tm.upgraded, tm.downgraded)
    OR tm.period_start IS NULL;

-- 2. revenue movements, and the identity (exact in the oracle; kam's floats
--    are the correctly rounded exact sums, so they equal the oracle's)
SELECT 'mismatch', 'revenue_movements ' || :'period' || ' k=' || :'k' || ' w=' || :'w' || ' ratio=' || :'ratio', count(*)
  FROM o_periods o FULL JOIN kam.revenue_movements v USING (period_start)
 WHERE (o.start_revenue::float8, o.new_rev::float8, o.expansion::float8, o.contraction::float8,
        o.churned_rev::float8, o.reactivation_rev::float8, o.revenue::float8)
       IS DISTINCT FROM
       (v.start_revenue, v.new, v.expansion, v.contraction, v.churned, v.reactivation, v.end_revenue)
    OR o.start_revenue + o.new_rev + o.expansion + o.reactivation_rev - o.contraction - o.churned_rev
       <> o.revenue
    OR abs(v.start_revenue + v.new + v.expansion + v.reactivation - v.contraction - v.churned - v.end_revenue)
       > 1e-9 * greatest(1, abs(v.end_revenue));

-- the identity of the customer counts: at_risk(p) = active(p-1) carried (live(p-1))
SELECT 'mismatch', 'count identity ' || :'period' || ' k=' || :'k' || ' w=' || :'w' || ' ratio=' || :'ratio', count(*)
  FROM (SELECT period_start, active, new, retained, reactivated FROM kam.period_kpis) v
 WHERE v.active <> v.new + v.retained + v.reactivated;

-- 3. cohorts
SELECT 'mismatch', 'cohort_retention ' || :'period' || ' k=' || :'k' || ' w=' || :'w' || ' ratio=' || :'ratio', count(*)
  FROM (WITH f AS (SELECT cp.customer_id, min(pr.i) AS fi, max(pr.i) AS li
                     FROM cp JOIN periods pr USING (p) GROUP BY 1),
             cells AS (SELECT c.fi, o.k
                         FROM (SELECT DISTINCT fi FROM f) c,
                              generate_series(0, (SELECT max(i) FROM periods) - c.fi) o(k)),
             act AS (SELECT f.fi, pr.i - f.fi AS k, count(*) AS n, sum(cp.r) AS rev
                       FROM cp JOIN periods pr USING (p) JOIN f USING (customer_id) GROUP BY 1, 2)
        SELECT pc.p AS cohort, cells.k AS period_offset,
               (SELECT count(*) FROM f WHERE f.fi = cells.fi) AS cohort_size,
               COALESCE(a.n, 0) AS active,
               (SELECT count(*) FROM f WHERE f.fi = cells.fi AND f.li >= cells.fi + cells.k) AS active_or_after,
               COALESCE(a.rev, 0)::float8 / NULLIF(a0.rev::float8, 0) AS revenue_retention
          FROM cells
          JOIN periods pc ON pc.i = cells.fi
          LEFT JOIN act a ON a.fi = cells.fi AND a.k = cells.k
          LEFT JOIN act a0 ON a0.fi = cells.fi AND a0.k = 0) o
  FULL JOIN kam.cohort_retention v USING (cohort, period_offset)
 WHERE (o.cohort_size, o.active, o.active_or_after,
        o.active::float8 / o.cohort_size::float8, o.active_or_after::float8 / o.cohort_size::float8,
        o.revenue_retention)
       IS DISTINCT FROM
       (v.cohort_size, v.active, v.active_or_after, v.retention, v.retention_or_after, v.revenue_retention);

-- 4. customers
SELECT 'mismatch', 'customer_retention ' || :'period' || ' k=' || :'k' || ' w=' || :'w' || ' ratio=' || :'ratio', count(*)
  FROM (WITH last_i AS (SELECT max(i) AS pi FROM periods),
             c AS (SELECT cp.customer_id, pr.i, cp.r,
                          lead(pr.i) OVER (PARTITION BY cp.customer_id ORDER BY pr.i) AS next_i
                     FROM cp JOIN periods pr USING (p))
        SELECT c.customer_id, cu.name, cu.account_manager,
               (SELECT pi FROM last_i) - min(c.i) + 1 AS tenure_periods,
               count(*) AS active_periods,
               (SELECT p FROM periods WHERE i = max(c.i)) AS last_active_period,
               CASE WHEN max(c.i) < (SELECT pi FROM last_i) - :k + 1 THEN 'churned'
                    WHEN bool_or(c.next_i - c.i - 1 >= :k) THEN 'reactivated'
                    ELSE 'active' END AS status,
               max(c.i) >= (SELECT pi FROM last_i) - :k + 1
                 AND min(c.i) <= (SELECT pi FROM last_i) - 2 * :w + 1
                 AND COALESCE(sum(c.r) FILTER (WHERE c.i BETWEEN (SELECT pi FROM last_i) - 2 * :w + 1
                                                             AND (SELECT pi FROM last_i) - :w), 0) > 0
                 AND COALESCE(sum(c.r) FILTER (WHERE c.i > (SELECT pi FROM last_i) - :w), 0)::float8
                     < :ratio * COALESCE(sum(c.r) FILTER (WHERE c.i BETWEEN (SELECT pi FROM last_i) - 2 * :w + 1
                                                                      AND (SELECT pi FROM last_i) - :w), 0)::float8
                 AS shrinking,
               (COALESCE(sum(c.r) FILTER (WHERE c.i > (SELECT pi FROM last_i) - :w), 0)
                - COALESCE(sum(c.r) FILTER (WHERE c.i BETWEEN (SELECT pi FROM last_i) - 2 * :w + 1
                                                         AND (SELECT pi FROM last_i) - :w), 0))::float8
                 AS revenue_change
          FROM c LEFT JOIN demo.customers cu USING (customer_id)
         GROUP BY c.customer_id, cu.name, cu.account_manager) o
  FULL JOIN kam.customer_retention v USING (customer_id)
 WHERE (o.name, o.account_manager, o.tenure_periods, o.active_periods, o.last_active_period,
        o.status, o.shrinking, o.revenue_change)
       IS DISTINCT FROM
       (v.name, v.account_manager, v.tenure_periods, v.active_periods, v.last_active_period,
        v.status, v.shrinking, v.revenue_change);

-- 5. trailing twelve months (always months, whatever the period setting)
SELECT 'mismatch', 'revenue_retention_ttm ' || :'period' || ' k=' || :'k' || ' w=' || :'w' || ' ratio=' || :'ratio', count(*)
  FROM (WITH m AS (SELECT customer_id, date_trunc('month', ordered_at)::date AS p, sum(amount::numeric) AS r
                     FROM kam.orders WHERE ordered_at < (:'as_of'::date + 1) GROUP BY 1, 2),
             months AS (SELECT p::date AS month
                          FROM generate_series((SELECT min(p) FROM m) + interval '23 months',
                                               date_trunc('month', :'as_of'::date), '1 month') p),
             w AS (SELECT months.month, m.customer_id,
                          COALESCE(sum(m.r) FILTER (WHERE m.p <= months.month - interval '12 months'), 0) AS before,
                          COALESCE(sum(m.r) FILTER (WHERE m.p > months.month - interval '12 months'), 0) AS after
                     FROM months JOIN m ON m.p > months.month - interval '24 months' AND m.p <= months.month
                    GROUP BY 1, 2)
        SELECT months.month, count(w.customer_id) AS customers,
               COALESCE(sum(w.before), 0)::float8 AS start_revenue,
               COALESCE(sum(w.after), 0)::float8 AS end_revenue,
               sum(least(w.before, w.after))::float8 / NULLIF(sum(w.before)::float8, 0) AS grr,
               sum(w.after)::float8 / NULLIF(sum(w.before)::float8, 0) AS nrr
          FROM months LEFT JOIN w ON w.month = months.month AND w.before > 0
         GROUP BY months.month) o
  FULL JOIN kam.revenue_retention_ttm v USING (month)
 WHERE (o.customers, o.start_revenue, o.end_revenue, o.grr, o.nrr)
       IS DISTINCT FROM (v.customers, v.start_revenue, v.end_revenue, v.grr, v.nrr);

-- the comparison must not be vacuous
SELECT 'mismatch', 'row counts ' || :'period' || ' k=' || :'k' || ' w=' || :'w' || ' ratio=' || :'ratio',
       ((SELECT count(*) FROM kam.period_kpis) <> (SELECT count(*) FROM periods))::int
     + ((SELECT count(*) FROM kam.customer_retention) <> (SELECT count(DISTINCT customer_id) FROM cp))::int
     + ((SELECT count(*) FROM kam.cohort_retention) = 0)::int
     + ((SELECT count(*) FROM kam.revenue_retention_ttm) = 0)::int
     + ((SELECT count(*) FROM kam.period_kpis WHERE churned > 0 AND reactivated > 0) = 0)::int
     + ((SELECT count(*) FROM kam.customer_retention WHERE shrinking) = 0)::int;
