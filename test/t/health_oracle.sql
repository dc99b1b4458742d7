-- The plain-SQL oracle of doc/health.md (test/t/health_oracle.sh runs it).
-- It reads the demo tables directly (exact numeric sums, the median gap from
-- ranked gaps of distinct purchase days) and takes from kam only what other
-- tests prove: the tier (kam.customer_tier), the tier one period ago
-- (kam.tier_changes) and P(alive) and CLV (kam.customer_value).  It computes
-- every column of kam.account_health, the rows of kam.account_alerts (their
-- figure, value at stake, priority, order and manager rank),
-- kam.manager_portfolio and kam.account_dependence, and kam.customer_tier's
-- share of wallet and headroom, and prints one line
-- "mismatch|VIEW|rows that differ" per view.  Run as a role that row-level
-- security filters, the oracle sees what the role sees, as kam does.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
-- (JIT off: the answers are the same, and with the default settings compiling
-- the large plans of these views takes longer than running them)
SET jit = off;
CREATE FUNCTION pg_temp.close(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE
AS $$ SELECT (a IS NULL AND b IS NULL) OR abs(a - b) <= 1e-9 * greatest(1, abs(a), abs(b)) $$;
CREATE FUNCTION pg_temp.clamp(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE WHEN x < 0 THEN 0 WHEN x > 1 THEN 1 ELSE x END $$;
CREATE FUNCTION pg_temp.pol(n text) RETURNS numeric LANGUAGE sql STABLE
AS $$ SELECT value::numeric FROM kam.health_policy WHERE name = n $$;

CREATE TEMP TABLE oracle AS
WITH p AS (
	SELECT kam.as_of() AS as_of, ((kam.as_of() + 1) - interval '12 months')::date AS s12,
		   ((kam.as_of() + 1) - interval '24 months')::date AS s24,
		   kam.setting('visit_weeks')::integer AS weeks),
d AS (
	SELECT o.customer_id, o.ordered_at::date AS day, sum(o.amount) AS amount
	  FROM demo.orders o, p WHERE o.ordered_at < p.as_of + 1 GROUP BY 1, 2),
hist AS (
	SELECT d.customer_id, min(d.day) AS first_day, max(d.day) AS last_day,
		   COALESCE(sum(d.amount) FILTER (WHERE d.day >= p.s12), 0) AS r12,
		   COALESCE(sum(d.amount) FILTER (WHERE d.day >= p.s24 AND d.day < p.s12), 0) AS rp
	  FROM d, p GROUP BY d.customer_id),
-- each purchase day's gap to the previous one, ranked: the median is the
-- middle one, or the mean of the middle two
g AS (
	SELECT x.customer_id, x.gap, row_number() OVER (PARTITION BY x.customer_id ORDER BY x.gap) AS i,
		   count(*) OVER (PARTITION BY x.customer_id) AS n
	  FROM (SELECT d.customer_id, d.day - lag(d.day) OVER (PARTITION BY d.customer_id ORDER BY d.day) AS gap
			  FROM d) x
	 WHERE x.gap IS NOT NULL),
usual AS (
	SELECT g.customer_id, avg(g.gap::numeric) AS usual
	  FROM g WHERE g.i IN ((g.n + 1) / 2, (g.n + 2) / 2) GROUP BY g.customer_id),
vis AS (
	SELECT v.customer_id, count(*) AS visits FROM demo.visits v, p
	 WHERE v.visited_at >= (p.as_of + 1) - 7 * p.weeks AND v.visited_at < p.as_of + 1 GROUP BY 1),
-- surveys of the last satisfaction_months months; of two at the same time the
-- lower score counts as the later one
fb AS (
	SELECT f.customer_id, f.score::numeric AS score,
		   row_number() OVER (PARTITION BY f.customer_id ORDER BY f.answered_at DESC, f.score) AS k
	  FROM demo.feedback f, p
	 WHERE f.answered_at < p.as_of + 1
	   AND f.answered_at >= (p.as_of + 1) - pg_temp.pol('satisfaction_months')::integer * interval '1 month'),
sat AS (
	SELECT fb.customer_id, min(fb.score) FILTER (WHERE fb.k = 1) AS latest, min(fb.score) FILTER (WHERE fb.k = 2) AS previous
	  FROM fb GROUP BY fb.customer_id),
-- complaints open at the end of as_of
cmp AS (
	SELECT c.customer_id, count(*) AS open_n, max(p.as_of - c.opened_at::date) AS oldest,
		   count(*) FILTER (WHERE p.as_of - c.opened_at::date > pg_temp.pol('alert_complaint_days')) AS long_n,
		   sum(c.severity) AS severity,
		   sum(c.severity * (pg_temp.pol('complaint_points')
				+ pg_temp.pol('complaint_age_points') * (p.as_of - c.opened_at::date) / 30.0)) AS cost
	  FROM demo.complaints c, p
	 WHERE c.opened_at < p.as_of + 1 AND (c.closed_at IS NULL OR c.closed_at >= p.as_of + 1)
	 GROUP BY c.customer_id),
total AS (SELECT sum(r12) AS r12 FROM hist WHERE r12 > 0),
a AS (
	SELECT c.customer_id, c.account_manager, t.tier, tp.rank AS tier_rank,
		   COALESCE(h.r12, 0) AS r12, COALESCE(h.rp, 0) AS rp, c.potential,
		   COALESCE(h.r12, 0) / total.r12 AS revenue_share, h.first_day, h.last_day,
		   CASE WHEN u.usual > 0 THEN 100 * pg_temp.clamp(1 - ((p.as_of - h.last_day) / u.usual
				- pg_temp.pol('recency_grace')) / pg_temp.pol('recency_fade')) END AS recency,
		   CASE WHEN h.rp > 0 THEN 100 * pg_temp.clamp(1 - (1 - h.r12 / h.rp) / pg_temp.pol('trend_fade')) END AS trend,
		   v.p_alive::numeric AS p_alive, v.clv_12m::numeric AS clv,
		   CASE WHEN tp.visits_per_week > 0 THEN COALESCE(vis.visits, 0) / (tp.visits_per_week::numeric * p.weeks) END AS compliance,
		   CASE WHEN tp.tier IS NOT NULL THEN COALESCE(vis.visits, 0) END AS actual_visits,
		   CASE WHEN tp.tier IS NOT NULL THEN tp.visits_per_week::numeric * p.weeks END AS required_visits,
		   s.latest, s.previous,
		   COALESCE(cmp.open_n, 0) AS open_n, cmp.oldest, cmp.long_n, cmp.severity,
		   CASE WHEN h.last_day IS NOT NULL OR cmp.open_n > 0 THEN greatest(0, 100 - COALESCE(cmp.cost, 0)) END AS complaints
	  FROM p, total, demo.customers c
	  JOIN kam.customer_tier t ON t.customer_id = c.customer_id
	  LEFT JOIN kam.tier_policy tp ON tp.tier = t.tier
	  LEFT JOIN kam.customer_value v ON v.customer_id = c.customer_id
	  LEFT JOIN hist h ON h.customer_id = c.customer_id
	  LEFT JOIN usual u ON u.customer_id = c.customer_id
	  LEFT JOIN vis ON vis.customer_id = c.customer_id
	  LEFT JOIN sat s ON s.customer_id = c.customer_id
	  LEFT JOIN cmp ON cmp.customer_id = c.customer_id),
sc AS (
	SELECT a.*, 100 * pg_temp.clamp(a.compliance) AS visits, 100 * a.p_alive AS alive,
		   CASE WHEN a.latest IS NOT NULL THEN greatest(0, 100 * pg_temp.clamp(a.latest / 10)
				- pg_temp.pol('satisfaction_drop_penalty')
				  * greatest(0, COALESCE(100 * pg_temp.clamp(a.previous / 10) - 100 * pg_temp.clamp(a.latest / 10), 0))) END AS satisfaction
	  FROM a)
SELECT sc.*,
	   (COALESCE(20 * sc.recency, 0) + COALESCE(20 * sc.trend, 0) + COALESCE(20 * sc.alive, 0) + COALESCE(10 * sc.visits, 0)
		+ COALESCE(15 * sc.satisfaction, 0) + COALESCE(15 * sc.complaints, 0))
	   / NULLIF(CASE WHEN sc.recency IS NOT NULL THEN 20 ELSE 0 END + CASE WHEN sc.trend IS NOT NULL THEN 20 ELSE 0 END
				+ CASE WHEN sc.alive IS NOT NULL THEN 20 ELSE 0 END
				+ CASE WHEN sc.visits IS NOT NULL THEN 10 ELSE 0 END + CASE WHEN sc.satisfaction IS NOT NULL THEN 15 ELSE 0 END
				+ CASE WHEN sc.complaints IS NOT NULL THEN 15 ELSE 0 END, 0) AS health,
	   COALESCE(sc.clv, sc.r12) AS value
  FROM sc;

-- the data exercises every component and every alert reason (printed, and
-- checked by the script)
SELECT 'covered|' || count(*) FILTER (WHERE recency IS NOT NULL) || '|' || count(*) FILTER (WHERE trend IS NOT NULL)
	   || '|' || count(*) FILTER (WHERE alive IS NOT NULL)
	   || '|' || count(*) FILTER (WHERE visits IS NOT NULL) || '|' || count(*) FILTER (WHERE satisfaction IS NOT NULL)
	   || '|' || count(*) FILTER (WHERE open_n > 0) || '|' || count(*) FILTER (WHERE potential > 0) FROM oracle;

SELECT 'mismatch|account_health|' || count(*)
  FROM oracle o FULL JOIN kam.account_health h ON h.customer_id = o.customer_id
 WHERE o.customer_id IS NULL OR h.customer_id IS NULL
	OR o.tier IS DISTINCT FROM h.tier OR o.account_manager IS DISTINCT FROM h.account_manager
	OR NOT pg_temp.close(o.r12::float8, h.revenue_12m) OR NOT pg_temp.close(o.rp::float8, h.revenue_prev_12m)
	OR NOT pg_temp.close(o.revenue_share::float8, h.revenue_share)
	OR NOT pg_temp.close(o.potential::float8, h.potential)
	OR NOT pg_temp.close(CASE WHEN o.potential > 0 THEN (o.r12 / o.potential)::float8 END, h.share_of_wallet)
	OR NOT pg_temp.close(CASE WHEN o.potential > 0 THEN (o.rp / o.potential)::float8 END, h.share_of_wallet_prev)
	OR NOT pg_temp.close((o.potential - o.r12)::float8, h.headroom)
	OR o.first_day IS DISTINCT FROM h.first_order OR o.last_day IS DISTINCT FROM h.last_order
	OR NOT pg_temp.close(o.recency::float8, h.recency_score) OR NOT pg_temp.close(o.trend::float8, h.trend_score)
	OR NOT pg_temp.close(o.p_alive::float8, h.p_alive) OR NOT pg_temp.close(o.clv::float8, h.clv_12m)
	OR NOT pg_temp.close(o.alive::float8, h.p_alive_score)
	OR NOT pg_temp.close(o.compliance::float8, h.visit_compliance) OR o.actual_visits IS DISTINCT FROM h.actual_visits
	OR NOT pg_temp.close(o.required_visits::float8, h.required_visits::float8)
	OR NOT pg_temp.close(o.visits::float8, h.visits_score)
	OR NOT pg_temp.close(o.latest::float8, h.satisfaction_latest) OR NOT pg_temp.close(o.previous::float8, h.satisfaction_previous)
	OR NOT pg_temp.close(o.satisfaction::float8, h.satisfaction_score)
	OR o.open_n IS DISTINCT FROM h.open_complaints OR o.oldest IS DISTINCT FROM h.oldest_open_days
	OR o.long_n IS DISTINCT FROM h.long_open_complaints OR NOT pg_temp.close(o.severity::float8, h.open_severity::float8)
	OR NOT pg_temp.close(o.complaints::float8, h.complaints_score)
	OR NOT pg_temp.close(o.health::float8, h.health_score);

-- kam.customer_tier's share of wallet and headroom, from the same revenue and potential
SELECT 'mismatch|customer_tier|' || count(*)
  FROM oracle o FULL JOIN kam.customer_tier t ON t.customer_id = o.customer_id
 WHERE o.customer_id IS NULL OR t.customer_id IS NULL
	OR NOT pg_temp.close(CASE WHEN o.potential > 0 THEN (o.r12 / o.potential)::float8 END, t.share_of_wallet)
	OR NOT pg_temp.close((o.potential - o.r12)::float8, t.headroom);

SELECT 'mismatch|account_dependence|' || count(*)
  FROM (SELECT o.customer_id, o.revenue_share,
			   sum(o.revenue_share) OVER (ORDER BY o.revenue_share DESC, o.customer_id::text) AS cum
		  FROM oracle o WHERE o.r12 > 0) o
  FULL JOIN kam.account_dependence d ON d.customer_id = o.customer_id
 WHERE o.customer_id IS NULL OR d.customer_id IS NULL
	OR NOT pg_temp.close(o.revenue_share::float8, d.revenue_share)
	OR abs(o.cum::float8 - d.cumulative_revenue_share) > 1e-9;

-- every alert rule, from the oracle's figures (the tier one period ago from
-- kam.tier_changes)
CREATE TEMP TABLE want AS
WITH k AS (
	SELECT o.*, o.tier_rank <= pg_temp.pol('alert_key_tier_rank') AS key_account, m.movement, pb.rank AS rank_before,
		   m.customer_id IS NOT NULL AS moved
	  FROM oracle o
	  LEFT JOIN kam.tier_changes m ON m.customer_id = o.customer_id
	  LEFT JOIN kam.tier_policy pb ON pb.tier = m.tier_before),
r AS (
	SELECT k.customer_id, 'visit_overdue'::text AS reason, k.compliance AS figure FROM k
	 WHERE k.compliance < pg_temp.pol('alert_visit_compliance')
	UNION ALL
	SELECT k.customer_id, 'p_alive_low', k.p_alive FROM k
	 WHERE k.key_account AND k.p_alive < pg_temp.pol('alert_p_alive')
	UNION ALL
	SELECT k.customer_id, 'revenue_down', 1 - k.r12 / k.rp FROM k
	 WHERE k.rp > 0 AND 1 - k.r12 / k.rp > pg_temp.pol('alert_revenue_drop')
	UNION ALL
	SELECT k.customer_id, 'tier_downgrade', k.rank_before FROM k WHERE k.movement = 'downgraded'
	UNION ALL
	SELECT k.customer_id, 'satisfaction_drop', 100 * (k.previous - k.latest) / 10 FROM k
	 WHERE 100 * (k.previous - k.latest) / 10 >= pg_temp.pol('alert_satisfaction_drop')
	UNION ALL
	SELECT k.customer_id, 'complaint_open', k.oldest FROM k WHERE k.long_n > 0
	UNION ALL
	SELECT k.customer_id, 'share_of_wallet_falling', (k.rp - k.r12) / k.potential FROM k
	 WHERE k.potential > 0 AND (k.rp - k.r12) / k.potential > pg_temp.pol('alert_share_of_wallet_drop')
	UNION ALL
	SELECT k.customer_id, 'new_key_account', kam.as_of() - k.first_day FROM k
	 WHERE k.moved AND k.key_account AND kam.as_of() - k.first_day < pg_temp.pol('alert_new_account_days')
	   AND (k.rank_before IS NULL OR k.rank_before > pg_temp.pol('alert_key_tier_rank')))
SELECT r.customer_id, o.account_manager, r.reason, r.figure, o.value, o.value * pg_temp.pol('priority_' || r.reason) AS priority
  FROM r JOIN oracle o USING (customer_id);
-- the view's order: priority descending, then customer_id as text, reason;
-- manager_rank: the same order within each manager's alerts
CREATE TEMP TABLE want_ranked AS
SELECT w.*, row_number() OVER (ORDER BY w.priority DESC NULLS LAST, w.customer_id::text, w.reason) AS pos,
	   row_number() OVER (PARTITION BY w.account_manager
						  ORDER BY w.priority DESC NULLS LAST, w.customer_id::text, w.reason) AS manager_rank
  FROM want w;
SELECT 'reasons|' || string_agg(reason || '=' || n, ',' ORDER BY reason)
  FROM (SELECT reason, count(*) AS n FROM want GROUP BY reason) x;
SELECT 'mismatch|account_alerts|' || count(*)
  FROM want_ranked o
  FULL JOIN (SELECT a.*, row_number() OVER () AS pos FROM kam.account_alerts a) a
	ON a.customer_id = o.customer_id AND a.reason = o.reason
 WHERE o.customer_id IS NULL OR a.customer_id IS NULL
	OR a.pos <> o.pos OR a.manager_rank <> o.manager_rank
	OR a.account_manager IS DISTINCT FROM o.account_manager
	OR NOT pg_temp.close(o.figure::float8, a.figure)
	OR NOT pg_temp.close(o.value::float8, a.value_at_stake)
	OR NOT pg_temp.close(o.priority::float8, a.priority);

-- the portfolio: accounts with a tier, per manager and company-wide
SELECT 'mismatch|manager_portfolio|' || count(*)
  FROM (SELECT o.account_manager, GROUPING(o.account_manager) = 1 AS company, count(*) AS accounts,
			   sum(o.r12) AS r12, sum(o.clv) AS clv,
			   COALESCE(sum(o.value) FILTER (WHERE o.p_alive < pg_temp.pol('risk_p_alive')
												 OR o.health < pg_temp.pol('risk_health')), 0) AS var,
			   count(*) FILTER (WHERE o.p_alive < pg_temp.pol('risk_p_alive') OR o.health < pg_temp.pol('risk_health')) AS n_risk,
			   sum(least(o.actual_visits, o.required_visits)) FILTER (WHERE o.required_visits > 0)
				   / sum(o.required_visits) FILTER (WHERE o.required_visits > 0) AS compliance,
			   sum((SELECT count(*) FROM want w WHERE w.customer_id = o.customer_id)) AS alerts,
			   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM want w WHERE w.customer_id = o.customer_id)) AS with_alerts,
			   avg(o.health) AS health
		  FROM oracle o WHERE o.tier IS NOT NULL
		 GROUP BY GROUPING SETS ((o.account_manager), ())) o
  FULL JOIN kam.manager_portfolio m
	ON (m.scope = 'company') = o.company AND m.account_manager IS NOT DISTINCT FROM o.account_manager
 WHERE o.accounts IS NULL OR m.accounts IS NULL OR m.accounts <> o.accounts
	OR NOT pg_temp.close(o.r12::float8, m.revenue_12m) OR NOT pg_temp.close(o.clv::float8, m.clv_12m)
	OR NOT pg_temp.close(o.var::float8, m.value_at_risk) OR m.accounts_at_risk <> o.n_risk
	OR NOT pg_temp.close(o.compliance::float8, m.visit_compliance)
	OR m.open_alerts <> o.alerts OR m.accounts_with_alerts <> o.with_alerts
	OR NOT pg_temp.close(o.health::float8, m.avg_health)
	OR (SELECT sum(v::integer) FROM jsonb_each_text(m.accounts_by_tier) x(k, v)) <> m.accounts;
