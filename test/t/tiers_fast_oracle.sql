-- The tier views as kam 0.2.0 defined them before the C tier functions (src/tier_*.c; the per-day
-- window expansion), kept verbatim as the oracle of test/t/tiers_fast_oracle.sh:
-- created as plain views in schema oracle, reading the kam.orders, kam.customers
-- and kam.visits of the test database.
CREATE SCHEMA oracle;

CREATE VIEW oracle.customer_tier AS
WITH ladder AS MATERIALIZED (
	SELECT l.stage, l.rank, l.min_purchase_periods, l.min_active_quarters, l.of_last_quarters
	  FROM kam.loyalty_ladder l),
p AS (
	-- qb: the starts of the trailing quarters K .. 1, then as_of + 1, ascending, so that
	-- width_bucket(day, qb) = b puts the day in quarter K + 1 - b (b = 0: before them)
	SELECT x.as_of, x.per, x.k, ((x.as_of + 1) - interval '12 months')::date AS win_start,
		   ARRAY(SELECT ((x.as_of + 1) - 3 * q * interval '1 month')::date
				   FROM generate_series(x.k, 0, -1) q) AS qb
	  FROM (SELECT kam.as_of() AS as_of, kam.setting('rfm_period'::pg_catalog.text) AS per,
				   COALESCE((SELECT max(l.of_last_quarters) FROM ladder l), 0) AS k) x),
hist AS (
	SELECT o.customer_id,
		   count(DISTINCT date_trunc(p.per, o.ordered_at)) AS periods,
		   COALESCE(bit_or(CASE WHEN b.b > 0 THEN 1::int8 << (p.k - b.b) END), 0) AS qmask,
		   sum(o.amount::numeric) FILTER (WHERE o.ordered_at >= p.win_start) AS revenue,
		   max(o.ordered_at::date) FILTER (WHERE o.ordered_at >= p.win_start) AS last_day,
		   count(DISTINCT o.ordered_at::date) FILTER (WHERE o.ordered_at >= p.win_start) AS days
	  FROM p, kam.orders o
	 CROSS JOIN LATERAL (SELECT width_bucket(o.ordered_at::date, p.qb) AS b) b
	 WHERE o.ordered_at < p.as_of + 1
	 GROUP BY o.customer_id),
base AS (
	-- the potential read through jsonb: the oracle exists whether or not one is bound
	SELECT c.customer_id, c.name, c.account_manager, (pg_catalog.to_jsonb(c) ->> 'potential')::float8 AS potential,
		   COALESCE(h.revenue, 0)::float8 AS revenue_12m, p.as_of - h.last_day AS recency_days,
		   COALESCE(h.days, 0) AS days, COALESCE(h.periods, 0) AS periods, COALESCE(h.qmask, 0) AS qmask
	  FROM p, kam.customers c
	  LEFT JOIN hist h ON h.customer_id = c.customer_id),
ranked AS (
	SELECT b.*,
		   kam.cumulative_share(b.revenue_12m) OVER wv AS cumulative_share,
		   kam.cumulative_share_above(b.revenue_12m) OVER wv AS share_above,
		   kam.abc(b.revenue_12m) OVER wv AS abc,
		   CASE WHEN b.days > 0 THEN ((5 * count(*) OVER wr + count(*) OVER wa - 1) / count(*) OVER wa)::integer END AS r_score,
		   CASE WHEN b.days > 0 THEN ((5 * count(*) OVER wf + count(*) OVER wa - 1) / count(*) OVER wa)::integer END AS f_score,
		   CASE WHEN b.days > 0 THEN ((5 * count(*) OVER wm + count(*) OVER wa - 1) / count(*) OVER wa)::integer END AS m_score
	  FROM base b
	WINDOW wv AS (ORDER BY b.revenue_12m DESC),
		   wa AS (PARTITION BY b.days > 0),
		   wr AS (PARTITION BY b.days > 0 ORDER BY b.recency_days DESC),
		   wf AS (PARTITION BY b.days > 0 ORDER BY b.days),
		   wm AS (PARTITION BY b.days > 0 ORDER BY b.revenue_12m)),
pol AS MATERIALIZED (
	SELECT t.tier, t.rank, t.share_cutoff, t.min_revenue FROM kam.tier_policy t),
tiered AS (
	SELECT r.*, t.tier, t.rank AS tier_rank
	  FROM ranked r
	  LEFT JOIN LATERAL (
		SELECT pol.tier, pol.rank
		  FROM pol
		 WHERE r.revenue_12m > 0
		   AND (pol.share_cutoff IS NULL OR r.share_above < pol.share_cutoff)
		   AND (pol.min_revenue IS NULL OR r.revenue_12m >= pol.min_revenue)
		 ORDER BY pol.rank, pol.tier
		 LIMIT 1) t ON true)
SELECT t.customer_id, t.name, t.account_manager, t.revenue_12m, t.cumulative_share, t.abc, t.tier,
	   t.r_score, t.f_score, t.m_score, m.segment, st.stage,
	   -- share of wallet (issue 15, added after the rewrite)
	   CASE WHEN t.potential > 0 THEN t.revenue_12m / t.potential END AS share_of_wallet,
	   t.potential - t.revenue_12m AS headroom
  FROM tiered t
  LEFT JOIN kam.rfm_segment_map m ON m.r_score = t.r_score AND m.f_score = t.f_score
  LEFT JOIN LATERAL (
	SELECT s.stage
	  FROM (SELECT l.stage, l.rank,
				   bool_and((l.min_purchase_periods IS NULL OR t.periods >= l.min_purchase_periods)
							AND (l.min_active_quarters IS NULL
								 OR bit_count((t.qmask & ((1::int8 << l.of_last_quarters) - 1))::bit(64)) >= l.min_active_quarters))
					   OVER (ORDER BY l.rank, l.stage) AS reached
			  FROM ladder l) s
	 WHERE s.reached
	 ORDER BY s.rank DESC, s.stage DESC
	 LIMIT 1) st ON true
;

CREATE VIEW oracle.tier_summary AS
WITH c AS (
	SELECT t.tier, t.revenue_12m FROM oracle.customer_tier t WHERE t.tier IS NOT NULL),
tot AS (
	SELECT count(*) AS customers, sum(c.revenue_12m::numeric) AS revenue,
		   kam.gini(c.revenue_12m) AS gini,
		   kam.top_share(c.revenue_12m, 0.2::pg_catalog.float8) AS top_20_share,
		   kam.pareto_fraction(c.revenue_12m, 0.8::pg_catalog.float8) AS pareto_80_fraction
	  FROM c),
per AS (
	SELECT c.tier, count(*) AS customers, sum(c.revenue_12m::numeric) AS revenue
	  FROM c GROUP BY c.tier)
SELECT pol.tier, pol.rank, pol.visits_per_week,
	   COALESCE(per.customers, 0) AS customers,
	   (COALESCE(per.customers, 0)::numeric / NULLIF(tot.customers, 0))::float8 AS customer_share,
	   COALESCE(per.revenue, 0)::float8 AS revenue_12m,
	   (COALESCE(per.revenue, 0) / NULLIF(tot.revenue, 0))::float8 AS revenue_share,
	   tot.gini, tot.top_20_share, tot.pareto_80_fraction
  FROM kam.tier_policy pol
  LEFT JOIN per ON per.tier = pol.tier
 CROSS JOIN tot
 ORDER BY pol.rank, pol.tier
;

CREATE VIEW oracle.pareto_curve AS
WITH c AS (
	SELECT t.revenue_12m AS v FROM oracle.customer_tier t WHERE t.revenue_12m > 0),
s AS (
	SELECT c.v::numeric AS v, row_number() OVER w AS i, sum(c.v::numeric) OVER w AS cum
	  FROM c WINDOW w AS (ORDER BY c.v DESC ROWS UNBOUNDED PRECEDING)),
n AS (
	SELECT count(*) AS n, sum(c.v::numeric) AS total FROM c),
g AS (
	SELECT k AS point, n.n, n.total,
		   CASE WHEN n.n <= 100 THEN k ELSE (k * n.n) / 100 END AS i,
		   CASE WHEN n.n <= 100 THEN 0 ELSE ((k * n.n) % 100) / 100.0 END AS frac,
		   CASE WHEN n.n <= 100 THEN k::numeric / n.n ELSE k / 100.0 END AS x
	  FROM n, generate_series(0, LEAST(n.n, 100)) k
	 WHERE n.n > 0)
SELECT g.point::integer AS point, g.x::float8 AS customer_fraction,
	   ((COALESCE(s1.cum, 0) + g.frac * COALESCE(s2.v, 0)) / g.total)::float8 AS revenue_fraction
  FROM g
  LEFT JOIN s s1 ON s1.i = g.i
  LEFT JOIN s s2 ON s2.i = g.i + 1
 ORDER BY g.point
;

CREATE VIEW oracle.tier_changes AS
WITH p AS (
	SELECT kam.as_of() AS as_of,
		   ((kam.as_of() + 1)
			- CASE WHEN kam.setting('period'::pg_catalog.text) = 'quarter' THEN interval '3 months'
				   ELSE ('1 ' || kam.setting('period'::pg_catalog.text))::interval END)::date - 1 AS before),
ends AS (
	SELECT 1 AS end_no, p.before AS end_date FROM p
	UNION ALL
	SELECT 2, p.as_of FROM p),
daily AS (
	SELECT o.customer_id, o.ordered_at::date AS day, sum(o.amount::numeric) AS amount
	  FROM kam.orders o
	 WHERE o.ordered_at < (SELECT max(e.end_date) + 1 FROM ends e)
	   AND o.ordered_at >= (SELECT min(e.end_date) + 1 FROM ends e) - interval '12 months'
	 GROUP BY o.customer_id, o.ordered_at::date),
bounds AS (
	SELECT array_agg(e.end_date ORDER BY e.end_no) AS ends,
		   array_agg(((e.end_date + 1) - interval '12 months')::date ORDER BY e.end_no) AS starts
	  FROM ends e),
win AS (
	-- the windows holding a day are the ends numbered from (ends before the day) + 1
	-- to (window starts on or before the day): found by binary search, not a range join
	SELECT j.end_no, d.customer_id, sum(d.amount)::float8 AS revenue_12m,
		   max(d.day) AS last_day, count(*) AS days
	  FROM daily d
	 CROSS JOIN LATERAL generate_series(width_bucket(d.day - 1, (SELECT b.ends FROM bounds b)) + 1,
										width_bucket(d.day, (SELECT b.starts FROM bounds b))) j(end_no)
	 GROUP BY j.end_no, d.customer_id),
ranked AS (
	SELECT w.*, kam.cumulative_share_above(w.revenue_12m)
		   OVER (PARTITION BY w.end_no ORDER BY w.revenue_12m DESC) AS share_above
	  FROM win w),
pol AS MATERIALIZED (
	SELECT t.tier, t.rank, t.share_cutoff, t.min_revenue FROM kam.tier_policy t),
tiered AS (
	SELECT r.*, t.tier, t.rank AS tier_rank
	  FROM ranked r
	  LEFT JOIN LATERAL (
		SELECT pol.tier, pol.rank
		  FROM pol
		 WHERE r.revenue_12m > 0
		   AND (pol.share_cutoff IS NULL OR r.share_above < pol.share_cutoff)
		   AND (pol.min_revenue IS NULL OR r.revenue_12m >= pol.min_revenue)
		 ORDER BY pol.rank, pol.tier
		 LIMIT 1) t ON true),
cur AS (SELECT * FROM tiered t WHERE t.end_no = 2 AND t.tier IS NOT NULL),
prev AS (SELECT * FROM tiered t WHERE t.end_no = 1 AND t.tier IS NOT NULL)
SELECT COALESCE(cur.customer_id, prev.customer_id) AS customer_id, c.name, c.account_manager,
	   p.before AS as_of_before, p.as_of,
	   prev.tier AS tier_before, cur.tier AS tier_now,
	   prev.revenue_12m AS revenue_12m_before, cur.revenue_12m AS revenue_12m_now,
	   CASE WHEN prev.tier IS NULL THEN 'new'
			WHEN cur.tier IS NULL THEN 'lost'
			WHEN cur.tier_rank < prev.tier_rank THEN 'upgraded'
			WHEN cur.tier_rank > prev.tier_rank THEN 'downgraded'
			ELSE 'unchanged' END AS movement
  FROM cur
  FULL JOIN prev ON prev.customer_id = cur.customer_id
 CROSS JOIN p
  LEFT JOIN kam.customers c ON c.customer_id = COALESCE(cur.customer_id, prev.customer_id)
;

CREATE VIEW oracle.tier_movements AS
WITH p AS (
	SELECT kam.as_of() AS as_of, kam.setting('period'::pg_catalog.text) AS per,
		   CASE WHEN kam.setting('period'::pg_catalog.text) = 'quarter' THEN interval '3 months'
				ELSE ('1 ' || kam.setting('period'::pg_catalog.text))::interval END AS len),
first_order AS (
	SELECT min(o.ordered_at)::date AS day FROM p, kam.orders o WHERE o.ordered_at < p.as_of + 1),
ends AS (
	SELECT (row_number() OVER (ORDER BY s))::integer AS end_no, s::date AS period_start,
		   LEAST((s + p.len)::date - 1, p.as_of) AS end_date
	  FROM p, first_order f,
		   -- kam.period_start: the same periods as date_trunc, and an infinite
		   -- first order is an error (22008) rather than an endless series
		   generate_series(kam.period_start(f.day, p.per)::timestamp,
						   kam.period_start(p.as_of, p.per)::timestamp, p.len) s),
daily AS (
	SELECT o.customer_id, o.ordered_at::date AS day, sum(o.amount::numeric) AS amount
	  FROM kam.orders o
	 WHERE o.ordered_at < (SELECT max(e.end_date) + 1 FROM ends e)
	   AND o.ordered_at >= (SELECT min(e.end_date) + 1 FROM ends e) - interval '12 months'
	 GROUP BY o.customer_id, o.ordered_at::date),
bounds AS (
	SELECT array_agg(e.end_date ORDER BY e.end_no) AS ends,
		   array_agg(((e.end_date + 1) - interval '12 months')::date ORDER BY e.end_no) AS starts
	  FROM ends e),
win AS (
	-- the windows holding a day are the ends numbered from (ends before the day) + 1
	-- to (window starts on or before the day): found by binary search, not a range join
	SELECT j.end_no, d.customer_id, sum(d.amount)::float8 AS revenue_12m,
		   max(d.day) AS last_day, count(*) AS days
	  FROM daily d
	 CROSS JOIN LATERAL generate_series(width_bucket(d.day - 1, (SELECT b.ends FROM bounds b)) + 1,
										width_bucket(d.day, (SELECT b.starts FROM bounds b))) j(end_no)
	 GROUP BY j.end_no, d.customer_id),
ranked AS (
	SELECT w.*, kam.cumulative_share_above(w.revenue_12m)
		   OVER (PARTITION BY w.end_no ORDER BY w.revenue_12m DESC) AS share_above
	  FROM win w),
pol AS MATERIALIZED (
	SELECT t.tier, t.rank, t.share_cutoff, t.min_revenue FROM kam.tier_policy t),
tiered AS (
	SELECT r.*, t.tier, t.rank AS tier_rank
	  FROM ranked r
	  LEFT JOIN LATERAL (
		SELECT pol.tier, pol.rank
		  FROM pol
		 WHERE r.revenue_12m > 0
		   AND (pol.share_cutoff IS NULL OR r.share_above < pol.share_cutoff)
		   AND (pol.min_revenue IS NULL OR r.revenue_12m >= pol.min_revenue)
		 ORDER BY pol.rank, pol.tier
		 LIMIT 1) t ON true)
SELECT e.period_start,
	   count(*) FILTER (WHERE cur.tier_rank < prev.tier_rank) AS upgraded,
	   count(*) FILTER (WHERE cur.tier_rank > prev.tier_rank) AS downgraded
  FROM ends e
  LEFT JOIN (tiered cur JOIN tiered prev ON prev.customer_id = cur.customer_id AND prev.end_no = cur.end_no - 1)
	ON cur.end_no = e.end_no
 GROUP BY e.period_start
 ORDER BY e.period_start
;

CREATE VIEW oracle.visit_compliance AS
WITH p AS (
	SELECT kam.as_of() AS as_of, kam.setting('visit_weeks'::pg_catalog.text)::integer AS weeks),
v AS (
	SELECT v.customer_id, count(*) AS visits
	  FROM p, kam.visits v
	 WHERE v.visited_at >= (p.as_of + 1) - 7 * p.weeks AND v.visited_at < p.as_of + 1
	 GROUP BY v.customer_id)
SELECT t.customer_id, t.name, t.account_manager, t.tier, pol.visits_per_week, p.weeks,
	   pol.visits_per_week * p.weeks AS required_visits,
	   COALESCE(v.visits, 0) AS actual_visits,
	   CASE WHEN pol.visits_per_week > 0 THEN COALESCE(v.visits, 0) / (pol.visits_per_week * p.weeks) END AS compliance,
	   COALESCE(v.visits, 0) >= pol.visits_per_week * p.weeks AS compliant
  FROM p, oracle.customer_tier t
  JOIN kam.tier_policy pol ON pol.tier = t.tier
  LEFT JOIN v ON v.customer_id = t.customer_id
;

CREATE VIEW oracle.manager_visit_compliance AS
SELECT c.account_manager,
	   count(*) AS accounts,
	   count(*) FILTER (WHERE c.required_visits > 0) AS accounts_with_target,
	   count(*) FILTER (WHERE c.required_visits > 0 AND c.compliant) AS compliant_accounts,
	   sum(c.required_visits::numeric)::float8 AS required_visits,
	   sum(c.actual_visits)::bigint AS actual_visits,
	   (sum(LEAST(c.actual_visits, c.required_visits)::numeric) / NULLIF(sum(c.required_visits::numeric), 0))::float8 AS compliance
  FROM oracle.visit_compliance c
 GROUP BY c.account_manager
 ORDER BY c.account_manager
;

CREATE VIEW oracle.period_kpis AS
SELECT r.period_start, r.active, r.new, r.retained, r.churned, r.reactivated,
       r.churn_rate, r.retention_rate, r.revenue, r.grr, r.nrr,
       tm.upgraded, tm.downgraded
  FROM (SELECT kam.retention_periods(a.activity,
                   (SELECT kam.setting('churn_after'::pg_catalog.text)::integer)) AS x
          FROM kam.customer_activity a) s
 CROSS JOIN LATERAL unnest(s.x) r
  LEFT JOIN oracle.tier_movements tm ON tm.period_start = r.period_start
;
