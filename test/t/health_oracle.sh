#!/usr/bin/env bash
# kam.account_health against a plain-SQL implementation of doc/health.md on
# the demo data (20,000 customers), with every input bound: the demo orders,
# customers and visits, plus generated satisfaction surveys, complaints and a
# purchasing potential.  The oracle reads the demo tables directly (exact
# numeric sums, the median gap from ranked gaps); only the tier comes from kam.customer_tier (tested by the tier
# tests).  Then kam.account_dependence's shares, and each alert of
# kam.account_alerts whose rule the oracle can state from its own figures.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

db=kam_health_oracle_$$
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}" >/dev/null
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT

kam_psql -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
-- a potential for 3 customers in 4 (0 for some: no share of wallet then)
ALTER TABLE demo.customers ADD COLUMN potential numeric(14,2);
UPDATE demo.customers SET potential = CASE WHEN customer_id % 4 = 0 THEN NULL
										   ELSE (customer_id % 97) * 250 END;
-- surveys for 1 customer in 3: one every 70 days back from as_of, scores 0..10
CREATE TABLE demo.feedback (customer_id bigint, answered_at timestamptz, score numeric, kind text);
INSERT INTO demo.feedback
SELECT c.customer_id, timestamptz '2025-12-31 12:00' - (k * 70 + c.customer_id % 50) * interval '1 day',
	   (c.customer_id * 7 + k * 3) % 11, CASE WHEN k % 2 = 0 THEN 'nps' ELSE 'csat' END
  FROM demo.customers c, generate_series(0, 6) k
 WHERE c.customer_id % 3 = 0;
-- complaints for 1 customer in 5: some closed, some open, severities 1..3 or NULL
CREATE TABLE demo.complaints (customer_id bigint, opened_at timestamptz, closed_at timestamptz, severity numeric);
INSERT INTO demo.complaints
SELECT c.customer_id, timestamptz '2025-12-31 09:00' - ((c.customer_id % 90) + k * 45) * interval '1 day',
	   CASE WHEN (c.customer_id + k) % 3 = 0 THEN timestamptz '2025-12-31 09:00' - (c.customer_id % 7) * interval '1 day'
			WHEN (c.customer_id + k) % 3 = 1 THEN timestamptz '2026-01-05' END,
	   CASE WHEN k = 2 THEN NULL ELSE 1 + (c.customer_id + k) % 3 END
  FROM demo.customers c, generate_series(0, 2) k
 WHERE c.customer_id % 5 = 0;
ANALYZE demo.customers, demo.feedback, demo.complaints;
SELECT kam.bind_customers('demo.customers', 'customer_id', 'name', 'account_manager', 'potential');
SELECT kam.bind_feedback('demo.feedback', 'customer_id', 'answered_at', 'score', 'kind');
SELECT kam.bind_complaints('demo.complaints', 'customer_id', 'opened_at', 'closed_at', 'severity');
SQL

out=$(kam_psql -d "$db" -At -F '|' <<'SQL'
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
fb AS (
	SELECT f.customer_id, f.score::numeric AS score,
		   row_number() OVER (PARTITION BY f.customer_id ORDER BY f.answered_at DESC, f.score) AS k
	  FROM demo.feedback f, p
	 WHERE f.answered_at < p.as_of + 1
	   AND f.answered_at >= (p.as_of + 1) - pg_temp.pol('satisfaction_months')::integer * interval '1 month'),
sat AS (
	SELECT fb.customer_id, min(fb.score) FILTER (WHERE fb.k = 1) AS latest, min(fb.score) FILTER (WHERE fb.k = 2) AS previous
	  FROM fb GROUP BY fb.customer_id),
cmp AS (
	SELECT c.customer_id, count(*) AS open_n, max(p.as_of - c.opened_at::date) AS oldest,
		   sum(COALESCE(c.severity, 1) * (pg_temp.pol('complaint_points')
				+ pg_temp.pol('complaint_age_points') * (p.as_of - c.opened_at::date) / 30.0)) AS cost
	  FROM demo.complaints c, p
	 WHERE c.opened_at < p.as_of + 1 AND (c.closed_at IS NULL OR c.closed_at >= p.as_of + 1)
	 GROUP BY c.customer_id),
total AS (SELECT sum(r12) AS r12 FROM hist WHERE r12 > 0),
a AS (
	SELECT c.customer_id, t.tier, COALESCE(h.r12, 0) AS r12, COALESCE(h.rp, 0) AS rp, c.potential,
		   COALESCE(h.r12, 0) / total.r12 AS revenue_share, h.first_day, h.last_day,
		   CASE WHEN u.usual > 0 THEN 100 * pg_temp.clamp(1 - ((p.as_of - h.last_day) / u.usual
				- pg_temp.pol('recency_grace')) / pg_temp.pol('recency_fade')) END AS recency,
		   CASE WHEN h.rp > 0 THEN 100 * pg_temp.clamp(1 - (1 - h.r12 / h.rp) / pg_temp.pol('trend_fade')) END AS trend,
		   CASE WHEN tp.visits_per_week > 0 THEN COALESCE(vis.visits, 0) / (tp.visits_per_week::numeric * p.weeks) END AS compliance,
		   CASE WHEN tp.tier IS NOT NULL THEN COALESCE(vis.visits, 0) END AS actual_visits,
		   s.latest, s.previous,
		   COALESCE(cmp.open_n, 0) AS open_n, cmp.oldest,
		   CASE WHEN h.last_day IS NOT NULL OR cmp.open_n > 0 THEN greatest(0, 100 - COALESCE(cmp.cost, 0)) END AS complaints
	  FROM p, total, demo.customers c
	  JOIN kam.customer_tier t ON t.customer_id = c.customer_id
	  LEFT JOIN kam.tier_policy tp ON tp.tier = t.tier
	  LEFT JOIN hist h ON h.customer_id = c.customer_id
	  LEFT JOIN usual u ON u.customer_id = c.customer_id
	  LEFT JOIN vis ON vis.customer_id = c.customer_id
	  LEFT JOIN sat s ON s.customer_id = c.customer_id
	  LEFT JOIN cmp ON cmp.customer_id = c.customer_id),
sc AS (
	SELECT a.*, 100 * pg_temp.clamp(a.compliance) AS visits,
		   CASE WHEN a.latest IS NOT NULL THEN greatest(0, 100 * pg_temp.clamp(a.latest / 10)
				- pg_temp.pol('satisfaction_drop_penalty')
				  * greatest(0, COALESCE(100 * pg_temp.clamp(a.previous / 10) - 100 * pg_temp.clamp(a.latest / 10), 0))) END AS satisfaction
	  FROM a)
SELECT sc.*,
	   (COALESCE(20 * sc.recency, 0) + COALESCE(20 * sc.trend, 0) + COALESCE(10 * sc.visits, 0)
		+ COALESCE(15 * sc.satisfaction, 0) + COALESCE(15 * sc.complaints, 0))
	   / NULLIF(CASE WHEN sc.recency IS NOT NULL THEN 20 ELSE 0 END + CASE WHEN sc.trend IS NOT NULL THEN 20 ELSE 0 END
				+ CASE WHEN sc.visits IS NOT NULL THEN 10 ELSE 0 END + CASE WHEN sc.satisfaction IS NOT NULL THEN 15 ELSE 0 END
				+ CASE WHEN sc.complaints IS NOT NULL THEN 15 ELSE 0 END, 0) AS health
  FROM sc;

-- the demo data exercises every component
SELECT 'covered|' || count(*) FILTER (WHERE recency IS NOT NULL) || '|' || count(*) FILTER (WHERE trend IS NOT NULL)
	   || '|' || count(*) FILTER (WHERE visits IS NOT NULL) || '|' || count(*) FILTER (WHERE satisfaction IS NOT NULL)
	   || '|' || count(*) FILTER (WHERE open_n > 0) || '|' || count(*) FILTER (WHERE potential > 0) FROM oracle;

SELECT 'mismatch|account_health|' || count(*)
  FROM oracle o FULL JOIN kam.account_health h ON h.customer_id = o.customer_id
 WHERE o.customer_id IS NULL OR h.customer_id IS NULL
	OR o.tier IS DISTINCT FROM h.tier
	OR NOT pg_temp.close(o.r12::float8, h.revenue_12m) OR NOT pg_temp.close(o.rp::float8, h.revenue_prev_12m)
	OR NOT pg_temp.close(o.revenue_share::float8, h.revenue_share)
	OR NOT pg_temp.close(o.potential::float8, h.potential)
	OR NOT pg_temp.close(CASE WHEN o.potential > 0 THEN (o.r12 / o.potential)::float8 END, h.share_of_wallet)
	OR NOT pg_temp.close(CASE WHEN o.potential > 0 THEN (o.rp / o.potential)::float8 END, h.share_of_wallet_prev)
	OR NOT pg_temp.close((o.potential - o.r12)::float8, h.headroom)
	OR o.first_day IS DISTINCT FROM h.first_order OR o.last_day IS DISTINCT FROM h.last_order
	OR NOT pg_temp.close(o.recency::float8, h.recency_score) OR NOT pg_temp.close(o.trend::float8, h.trend_score)
	OR NOT pg_temp.close(o.compliance::float8, h.visit_compliance) OR o.actual_visits IS DISTINCT FROM h.actual_visits
	OR NOT pg_temp.close(o.visits::float8, h.visits_score)
	OR NOT pg_temp.close(o.latest::float8, h.satisfaction_latest) OR NOT pg_temp.close(o.previous::float8, h.satisfaction_previous)
	OR NOT pg_temp.close(o.satisfaction::float8, h.satisfaction_score)
	OR o.open_n IS DISTINCT FROM h.open_complaints OR o.oldest IS DISTINCT FROM h.oldest_open_days
	OR NOT pg_temp.close(o.complaints::float8, h.complaints_score)
	OR h.p_alive IS NOT NULL	-- (no stored models on the demo data)
	OR NOT pg_temp.close(o.health::float8, h.health_score);

SELECT 'mismatch|account_dependence|' || count(*)
  FROM (SELECT o.customer_id, o.revenue_share,
			   sum(o.revenue_share) OVER (ORDER BY o.revenue_share DESC, o.customer_id::text) AS cum
		  FROM oracle o WHERE o.r12 > 0) o
  FULL JOIN kam.account_dependence d ON d.customer_id = o.customer_id
 WHERE o.customer_id IS NULL OR d.customer_id IS NULL
	OR NOT pg_temp.close(o.revenue_share::float8, d.revenue_share)
	OR abs(o.cum::float8 - d.cumulative_revenue_share) > 1e-9;

-- the alerts whose rules need only the oracle's figures
WITH want AS (
	SELECT o.customer_id, 'visit_overdue'::text AS reason FROM oracle o
	 WHERE o.compliance < pg_temp.pol('alert_visit_compliance')
	UNION ALL
	SELECT o.customer_id, 'revenue_down' FROM oracle o
	 WHERE o.rp > 0 AND 1 - o.r12 / o.rp > pg_temp.pol('alert_revenue_drop')
	UNION ALL
	SELECT o.customer_id, 'satisfaction_drop' FROM oracle o
	 WHERE 100 * (o.previous - o.latest) / 10 >= pg_temp.pol('alert_satisfaction_drop')
	UNION ALL
	SELECT o.customer_id, 'complaint_open' FROM oracle o
	 WHERE EXISTS (SELECT 1 FROM demo.complaints c WHERE c.customer_id = o.customer_id
					  AND c.opened_at < kam.as_of() + 1 AND (c.closed_at IS NULL OR c.closed_at >= kam.as_of() + 1)
					  AND kam.as_of() - c.opened_at::date > pg_temp.pol('alert_complaint_days'))
	UNION ALL
	SELECT o.customer_id, 'share_of_wallet_falling' FROM oracle o
	 WHERE o.potential > 0 AND (o.rp - o.r12) / o.potential > pg_temp.pol('alert_share_of_wallet_drop')),
got AS (
	SELECT a.customer_id, a.reason FROM kam.account_alerts a
	 WHERE a.reason IN ('visit_overdue', 'revenue_down', 'satisfaction_drop', 'complaint_open', 'share_of_wallet_falling'))
SELECT 'mismatch|account_alerts|' || count(*) || '|' || (SELECT count(*) FROM want)
  FROM ((TABLE want EXCEPT ALL TABLE got) UNION ALL (TABLE got EXCEPT ALL TABLE want)) x;
SQL
)
echo "$out"
bad=$(echo "$out" | awk -F'|' '/^mismatch/ && $3 != 0 {print}')
if [ -n "$bad" ]; then
	echo "FAILED: rows differ from the oracle:"; echo "$bad"; exit 1
fi
n=$(echo "$out" | grep -c '^mismatch' || true)
[ "$n" -eq 3 ] || { echo "FAILED: expected 3 mismatch lines, got $n"; exit 1; }
if echo "$out" | awk -F'|' '/^covered/ { for (i = 2; i <= NF; i++) if ($i == 0) bad = 1 } END { exit !bad }'; then
	echo "FAILED: a component has no data on the demo set"; exit 1
fi
echo "ok      kam.account_health, kam.account_dependence and kam.account_alerts equal the plain-SQL oracle"
