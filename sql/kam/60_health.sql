
-- ===========================================================================
-- 60 health: account health, the account manager's worklist and portfolio
--
-- Inputs, all optional beyond orders and customers: satisfaction surveys
-- (kam.bind_feedback), complaints (kam.bind_complaints) and each customer's
-- yearly purchasing potential (bind_customers' potential_column).  The
-- registered views read only kam's own bound views, so every reader's
-- row-level security applies; what is not bound shows as NULL (the
-- definitions name optional inputs as {feedback}, {complaints},
-- {visit_compliance} and {potential}, filled in by kam.optional_relations()).
-- doc/health.md defines every figure.
-- ===========================================================================

INSERT INTO @extschema@.setting_defaults (name, value, type, min_value, max_value, description) VALUES
	('feedback_scale_min', '0', 'float8', -1000000, 1000000,
	 'Lowest score of the satisfaction surveys (kam.bind_feedback); it maps to 0 of 100.'),
	('feedback_scale_max', '10', 'float8', -1000000, 1000000,
	 'Highest score of the satisfaction surveys (kam.bind_feedback); it maps to 100 of 100.'),
	('feedback_kind', NULL, 'text', NULL, NULL,
	 'Survey kind kam.account_health reads (the bound kind column); empty means every kind.')
ON CONFLICT (name) DO UPDATE SET value = excluded.value, type = excluded.type,
	min_value = excluded.min_value, max_value = excluded.max_value, description = excluded.description;

-- ---------------------------------------------------------------------------
-- Bindings
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.bind_feedback(relation regclass, customer_column name, time_column name,
										  score_column name, kind_column name DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.bind('feedback'::text, relation, jsonb_strip_nulls(jsonb_build_object(
		'customer'::text, customer_column, 'time'::text, time_column,
		'score'::text, score_column, 'kind'::text, kind_column)))
$$;
COMMENT ON FUNCTION @extschema@.bind_feedback(regclass, name, name, name, name) IS
'binds satisfaction surveys: customer, answer time, score (on the feedback_scale_min..max scale, default 0..10) and optionally the survey kind; creates kam.feedback';

CREATE FUNCTION @extschema@.bind_complaints(relation regclass, customer_column name, opened_column name,
											closed_column name DEFAULT NULL, severity_column name DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.bind('complaints'::text, relation, jsonb_strip_nulls(jsonb_build_object(
		'customer'::text, customer_column, 'opened'::text, opened_column,
		'closed'::text, closed_column, 'severity'::text, severity_column)))
$$;
COMMENT ON FUNCTION @extschema@.bind_complaints(regclass, name, name, name, name) IS
'binds complaints: customer, opening time, optionally closing time (NULL = open) and a numeric severity (higher = worse, NULL counts 1); creates kam.complaints';

-- The satisfaction scale: (min, max - min) from the settings, checked.
CREATE FUNCTION @extschema@.feedback_scale()
RETURNS float8[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	lo float8 := @extschema@.setting('feedback_scale_min'::pg_catalog.text)::float8;
	hi float8 := @extschema@.setting('feedback_scale_max'::pg_catalog.text)::float8;
BEGIN
	IF hi <= lo THEN
		RAISE EXCEPTION 'kam setting feedback_scale_max (%) must be above feedback_scale_min (%)', hi, lo
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Set the survey scale with kam.set(''feedback_scale_min'', ...) and kam.set(''feedback_scale_max'', ...).';
	END IF;
	RETURN ARRAY[lo, hi - lo];
END
$$;
COMMENT ON FUNCTION @extschema@.feedback_scale() IS
'the satisfaction survey scale as {minimum, width} in survey points; 22023 when feedback_scale_max is not above feedback_scale_min';

-- Whether kam.customer_value can score (the stored models it needs exist and
-- were fitted in the current rfm_period); kam.account_health reads
-- p_alive and CLV only then, and shows NULL otherwise (an error on a Citus
-- worker, whose kam.models is not the coordinator's).
CREATE FUNCTION @extschema@.value_models_ready()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN count(*) OPERATOR(pg_catalog.=) 2 THEN true
				WHEN @extschema@.check_not_citus_worker('kam.value_models_ready()'::pg_catalog.text,
														'stored models'::pg_catalog.text) THEN false END
	  FROM @extschema@.models m
	 WHERE (m.name, m.model_type) IN (('bgnbd'::pg_catalog.text, 'bgnbd'::pg_catalog.text),
									  ('gammagamma'::pg_catalog.text, 'gammagamma'::pg_catalog.text))
	   AND (m.period IS NULL OR m.period OPERATOR(pg_catalog.=) @extschema@.setting('rfm_period'::pg_catalog.text))
$$;
COMMENT ON FUNCTION @extschema@.value_models_ready() IS
'true when the stored models ''bgnbd'' and ''gammagamma'' exist in the current rfm_period, so kam.customer_value can be read (boolean)';

-- x limited to 0..1; NULL stays NULL (GREATEST and LEAST would skip it).
CREATE FUNCTION @extschema@.unit_clamp(x float8)
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN x OPERATOR(pg_catalog.<) 0::pg_catalog.float8 THEN 0::pg_catalog.float8
				WHEN x OPERATOR(pg_catalog.>) 1::pg_catalog.float8 THEN 1::pg_catalog.float8 ELSE x END
$$;
COMMENT ON FUNCTION @extschema@.unit_clamp(float8) IS
'x limited to the range 0..1 (a fraction); NULL for NULL';

-- ---------------------------------------------------------------------------
-- kam.health_policy: weights, scoring ranges and alert thresholds, one row per
-- parameter.  User-editable, kept by pg_dump like kam.tier_policy (see
-- 30_tiers: is_default, kam.deleted_defaults, kam.policy_guard).  A deleted
-- parameter reads as NULL: a NULL weight leaves its component out, a NULL
-- threshold turns its alert off.
-- ---------------------------------------------------------------------------
-- name -> allowed range and unit of every parameter
CREATE FUNCTION @extschema@.health_policy_range(p_name text)
RETURNS TABLE (min_value float8, max_value float8, unit text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT r.lo, r.hi, r.unit
	  FROM (VALUES
		('weight_recency'::pg_catalog.text, 0::pg_catalog.float8, 1000::pg_catalog.float8, 'weight'::pg_catalog.text),
		('weight_trend', 0, 1000, 'weight'),
		('weight_p_alive', 0, 1000, 'weight'),
		('weight_visits', 0, 1000, 'weight'),
		('weight_satisfaction', 0, 1000, 'weight'),
		('weight_complaints', 0, 1000, 'weight'),
		('recency_grace', 0, 100, 'usual gaps'),
		('recency_fade', 0.01, 100, 'usual gaps'),
		('trend_fade', 0.01, 1, 'revenue ratio'),
		('satisfaction_months', 1, 120, 'months'),
		('satisfaction_drop_penalty', 0, 10, 'points per point of drop'),
		('complaint_points', 0, 100, 'points per open complaint of severity 1'),
		('complaint_age_points', 0, 100, 'points per 30 days open, severity 1'),
		('alert_visit_compliance', 0, 1, 'compliance ratio'),
		('alert_key_tier_rank', 1, 1000, 'tier rank'),
		('alert_p_alive', 0, 1, 'probability'),
		('alert_revenue_drop', 0, 1, 'fraction of the previous 12 months'),
		('alert_satisfaction_drop', 0, 100, 'points of 100'),
		('alert_complaint_days', 0, 36500, 'days'),
		('alert_share_of_wallet_drop', 0, 100, 'share-of-wallet points (1 = 100%)'),
		('alert_new_account_days', 1, 36500, 'days'),
		('risk_p_alive', 0, 1, 'probability'),
		('risk_health', 0, 100, 'health points'),
		('priority_visit_overdue', 0, 1000, 'priority factor'),
		('priority_p_alive_low', 0, 1000, 'priority factor'),
		('priority_revenue_down', 0, 1000, 'priority factor'),
		('priority_tier_downgrade', 0, 1000, 'priority factor'),
		('priority_satisfaction_drop', 0, 1000, 'priority factor'),
		('priority_complaint_open', 0, 1000, 'priority factor'),
		('priority_share_of_wallet_falling', 0, 1000, 'priority factor'),
		('priority_new_key_account', 0, 1000, 'priority factor')) r(name, lo, hi, unit)
	 WHERE r.name OPERATOR(pg_catalog.=) p_name
$$;
COMMENT ON FUNCTION @extschema@.health_policy_range(text) IS
'the allowed range (inclusive) and the unit of a kam.health_policy parameter; no row for an unknown name';

CREATE FUNCTION @extschema@.health_policy_valid(p_name text, p_value float8)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE((SELECT p_value OPERATOR(pg_catalog.>=) r.min_value AND p_value OPERATOR(pg_catalog.<=) r.max_value
					   FROM @extschema@.health_policy_range(p_name) r), false)
$$;
COMMENT ON FUNCTION @extschema@.health_policy_valid(text, float8) IS
'true when p_name is a kam.health_policy parameter and p_value lies in its range (the table''s check)';

CREATE TABLE @extschema@.health_policy (
	name text PRIMARY KEY,
	value float8 NOT NULL CHECK (@extschema@.health_policy_valid(name, value)),
	description text,
	is_default boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.health_policy IS
'weights, scoring ranges and alert thresholds of kam.account_health, kam.account_alerts and kam.manager_portfolio, one row per parameter (unit: kam.health_policy_range(name)); a deleted parameter turns its component or alert off';
COMMENT ON COLUMN @extschema@.health_policy.name IS 'Parameter name (see kam.health_policy_range for its range and unit)';
COMMENT ON COLUMN @extschema@.health_policy.value IS 'Value of the parameter, in the unit kam.health_policy_range(name) gives (weight, usual gaps, days, probability, priority factor, ...)';
COMMENT ON COLUMN @extschema@.health_policy.description IS 'What the parameter does, in words';
COMMENT ON COLUMN @extschema@.health_policy.is_default IS 'True for a row shipped with kam (pg_dump keeps only the other rows); set to false when you edit it';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.health_policy', 'WHERE NOT is_default');
GRANT SELECT ON @extschema@.health_policy TO PUBLIC;

CREATE TRIGGER policy_user_rows BEFORE INSERT OR UPDATE ON @extschema@.health_policy
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_guard('name');
CREATE TRIGGER policy_deleted_defaults AFTER UPDATE OR DELETE ON @extschema@.health_policy
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_guard('name');
CREATE TRIGGER policy_truncate BEFORE TRUNCATE ON @extschema@.health_policy
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.policy_guard('name');

-- The shipped rows (is_default = true); kam.insert_default_policy('health_policy')
-- and kam.reset_policy('health_policy') call it.
CREATE FUNCTION @extschema@.insert_default_health_policy()
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
SET kam.resetting_policy = 'on'
AS $$
	INSERT INTO @extschema@.health_policy (name, value, description, is_default)
	SELECT d.name, d.value, d.description, true
	  FROM (VALUES
		('weight_recency'::pg_catalog.text, 20::pg_catalog.float8, 'weight of the recency component (days silent against the usual purchase gap)'::pg_catalog.text),
		('weight_trend', 20, 'weight of the revenue trend component (trailing 12 months against the 12 before)'),
		('weight_p_alive', 20, 'weight of the P(alive) component (stored BG/NBD model, kam.customer_value)'),
		('weight_visits', 10, 'weight of the visit compliance component (kam.visit_compliance)'),
		('weight_satisfaction', 15, 'weight of the satisfaction component (latest survey and its change)'),
		('weight_complaints', 15, 'weight of the open complaints component'),
		('recency_grace', 1, 'silence of up to this many usual purchase gaps scores 100'),
		('recency_fade', 2, 'beyond the grace, the recency score falls linearly to 0 over this many more usual gaps'),
		('trend_fade', 0.5, 'trend score: 100 at a revenue ratio of 1 or more, 0 at 1 - trend_fade or less, linear between'),
		('satisfaction_months', 12, 'surveys answered in this many months up to as_of count'),
		('satisfaction_drop_penalty', 1, 'satisfaction score = latest - penalty x drop from the survey before (0-100 points)'),
		('complaint_points', 20, 'each open complaint costs this many points of 100, times its severity'),
		('complaint_age_points', 10, 'and this many more per 30 days open, times its severity'),
		('alert_visit_compliance', 0.75, 'visit_overdue: visit compliance below this'),
		('alert_key_tier_rank', 2, 'key accounts: tiers of this rank or better (default Strategic and A)'),
		('alert_p_alive', 0.5, 'p_alive_low: a key account with P(alive) below this'),
		('alert_revenue_drop', 0.2, 'revenue_down: trailing-12-month revenue down by more than this fraction'),
		('alert_satisfaction_drop', 20, 'satisfaction_drop: latest survey this many points of 100 or more below the one before'),
		('alert_complaint_days', 30, 'complaint_open: a complaint open longer than this many days'),
		('alert_share_of_wallet_drop', 0.1, 'share_of_wallet_falling: share of wallet down by more than this (0.1 = 10 points)'),
		('alert_new_account_days', 365, 'new_key_account: first order within this many days, now in a key tier'),
		('risk_p_alive', 0.5, 'value at risk counts accounts with P(alive) below this'),
		('risk_health', 50, 'value at risk counts accounts with a health score below this'),
		('priority_visit_overdue', 1, 'priority = value at stake x this factor'),
		('priority_p_alive_low', 3, 'priority = value at stake x this factor'),
		('priority_revenue_down', 2, 'priority = value at stake x this factor'),
		('priority_tier_downgrade', 2, 'priority = value at stake x this factor'),
		('priority_satisfaction_drop', 1.5, 'priority = value at stake x this factor'),
		('priority_complaint_open', 2.5, 'priority = value at stake x this factor'),
		('priority_share_of_wallet_falling', 1, 'priority = value at stake x this factor'),
		('priority_new_key_account', 1, 'priority = value at stake x this factor')) d(name, value, description)
	ON CONFLICT (name) DO NOTHING	-- (called directly: the rows there stay)
$$;
COMMENT ON FUNCTION @extschema@.insert_default_health_policy() IS
'inserts the shipped rows of kam.health_policy (is_default = true) whose names are not there';

-- The shipped rows, once: on a fresh install, and on the update that creates
-- the table (it is empty then).  Afterwards the table holds rows or recorded
-- deletions, and the user's policy stays as it is.
SELECT @extschema@.insert_default_health_policy()
 WHERE NOT EXISTS (SELECT 1 FROM @extschema@.health_policy)
   AND NOT EXISTS (SELECT 1 FROM @extschema@.deleted_defaults d WHERE d.policy OPERATOR(pg_catalog.=) 'health_policy');

-- ---------------------------------------------------------------------------
-- Report views.  {pol} is the policy pivoted to one row (spliced in below).
-- Trailing 12 months ending at as_of = the days (as_of + 1 - 12 months) ..
-- as_of, the 12 before = (as_of + 1 - 24 months) .. (as_of - 12 months);
-- days are those of the local times in the time_zone setting's zone (p.tz),
-- as in kam.customer_tier.
-- ---------------------------------------------------------------------------
WITH f(name, body) AS (VALUES
	('{pol}', $f$
pol AS MATERIALIZED (
	SELECT max(h.value) FILTER (WHERE h.name = 'weight_recency') AS w_recency,
		   max(h.value) FILTER (WHERE h.name = 'weight_trend') AS w_trend,
		   max(h.value) FILTER (WHERE h.name = 'weight_p_alive') AS w_p_alive,
		   max(h.value) FILTER (WHERE h.name = 'weight_visits') AS w_visits,
		   max(h.value) FILTER (WHERE h.name = 'weight_satisfaction') AS w_satisfaction,
		   max(h.value) FILTER (WHERE h.name = 'weight_complaints') AS w_complaints,
		   max(h.value) FILTER (WHERE h.name = 'recency_grace') AS recency_grace,
		   max(h.value) FILTER (WHERE h.name = 'recency_fade') AS recency_fade,
		   max(h.value) FILTER (WHERE h.name = 'trend_fade') AS trend_fade,
		   max(h.value) FILTER (WHERE h.name = 'satisfaction_months') AS satisfaction_months,
		   max(h.value) FILTER (WHERE h.name = 'satisfaction_drop_penalty') AS satisfaction_drop_penalty,
		   max(h.value) FILTER (WHERE h.name = 'complaint_points') AS complaint_points,
		   max(h.value) FILTER (WHERE h.name = 'complaint_age_points') AS complaint_age_points,
		   max(h.value) FILTER (WHERE h.name = 'alert_visit_compliance') AS alert_visit_compliance,
		   max(h.value) FILTER (WHERE h.name = 'alert_key_tier_rank') AS alert_key_tier_rank,
		   max(h.value) FILTER (WHERE h.name = 'alert_p_alive') AS alert_p_alive,
		   max(h.value) FILTER (WHERE h.name = 'alert_revenue_drop') AS alert_revenue_drop,
		   max(h.value) FILTER (WHERE h.name = 'alert_satisfaction_drop') AS alert_satisfaction_drop,
		   max(h.value) FILTER (WHERE h.name = 'alert_complaint_days') AS alert_complaint_days,
		   max(h.value) FILTER (WHERE h.name = 'alert_share_of_wallet_drop') AS alert_share_of_wallet_drop,
		   max(h.value) FILTER (WHERE h.name = 'alert_new_account_days') AS alert_new_account_days,
		   max(h.value) FILTER (WHERE h.name = 'risk_p_alive') AS risk_p_alive,
		   max(h.value) FILTER (WHERE h.name = 'risk_health') AS risk_health,
		   max(h.value) FILTER (WHERE h.name = 'priority_visit_overdue') AS priority_visit_overdue,
		   max(h.value) FILTER (WHERE h.name = 'priority_p_alive_low') AS priority_p_alive_low,
		   max(h.value) FILTER (WHERE h.name = 'priority_revenue_down') AS priority_revenue_down,
		   max(h.value) FILTER (WHERE h.name = 'priority_tier_downgrade') AS priority_tier_downgrade,
		   max(h.value) FILTER (WHERE h.name = 'priority_satisfaction_drop') AS priority_satisfaction_drop,
		   max(h.value) FILTER (WHERE h.name = 'priority_complaint_open') AS priority_complaint_open,
		   max(h.value) FILTER (WHERE h.name = 'priority_share_of_wallet_falling') AS priority_share_of_wallet_falling,
		   max(h.value) FILTER (WHERE h.name = 'priority_new_key_account') AS priority_new_key_account
	  FROM @extschema@.health_policy h)$f$),
	-- the alert rows r (and h, the accounts of kam.account_health with what the
	-- alerts need), for kam.account_alerts and kam.manager_portfolio; needs
	-- {pol} and p before it
	('{alerts}', $f$
h AS MATERIALIZED (
	SELECT h.*, tp.rank AS tier_rank, tp.rank <= pol.alert_key_tier_rank AS key_account,
		   COALESCE(h.clv_12m, h.revenue_12m) AS value_at_stake,
		   CASE WHEN h.clv_12m IS NOT NULL THEN 'clv_12m' ELSE 'revenue_12m' END AS value_basis
	  FROM pol, @extschema@.account_health h
	  LEFT JOIN @extschema@.tier_policy tp ON tp.tier = h.tier),
moves AS (
	SELECT c.customer_id, c.movement, c.tier_before, c.tier_now, pb.rank AS rank_before
	  FROM @extschema@.tier_changes c
	  LEFT JOIN @extschema@.tier_policy pb ON pb.tier = c.tier_before),
r AS (
	-- (each row carries the account's columns the views show: joining r back
	-- to h would be estimated at |r| x |h| rows)
	SELECT h.customer_id, h.name, h.account_manager, h.tier, h.value_at_stake, h.value_basis, h.health_score, 'visit_overdue'::text AS reason, h.visit_compliance AS figure,
		   pol.alert_visit_compliance AS threshold, pol.priority_visit_overdue AS factor,
		   format('%s of %s required visits', h.actual_visits, h.required_visits) AS detail
	  FROM pol, h WHERE h.visit_compliance < pol.alert_visit_compliance
	UNION ALL
	SELECT h.customer_id, h.name, h.account_manager, h.tier, h.value_at_stake, h.value_basis, h.health_score, 'p_alive_low', h.p_alive, pol.alert_p_alive, pol.priority_p_alive_low,
		   format('key account (tier %s) with P(alive) %s', h.tier, round(h.p_alive::numeric, 3))
	  FROM pol, h WHERE h.key_account AND h.p_alive < pol.alert_p_alive
	UNION ALL
	SELECT h.customer_id, h.name, h.account_manager, h.tier, h.value_at_stake, h.value_basis, h.health_score, 'revenue_down', 1 - h.revenue_ratio, pol.alert_revenue_drop, pol.priority_revenue_down,
		   format('trailing-12-month revenue %s against %s the 12 months before',
				  round(h.revenue_12m::numeric, 2), round(h.revenue_prev_12m::numeric, 2))
	  FROM pol, h WHERE 1 - h.revenue_ratio > pol.alert_revenue_drop
	UNION ALL
	SELECT h.customer_id, h.name, h.account_manager, h.tier, h.value_at_stake, h.value_basis, h.health_score, 'tier_downgrade', (m.rank_before)::float8, NULL::float8, pol.priority_tier_downgrade,
		   format('tier %s one period ago, %s now', m.tier_before, m.tier_now)
	  FROM pol, h JOIN moves m ON m.customer_id = h.customer_id
	 WHERE m.movement = 'downgraded' AND pol.priority_tier_downgrade IS NOT NULL
	UNION ALL
	SELECT h.customer_id, h.name, h.account_manager, h.tier, h.value_at_stake, h.value_basis, h.health_score, 'satisfaction_drop', 100 * (h.satisfaction_previous - h.satisfaction_latest) / sc.width,
		   pol.alert_satisfaction_drop, pol.priority_satisfaction_drop,
		   format('latest survey %s, the one before %s', h.satisfaction_latest, h.satisfaction_previous)
	  FROM pol, (SELECT s[1] AS lo, s[2] AS width FROM @extschema@.feedback_scale() s) sc, h
	 WHERE 100 * (h.satisfaction_previous - h.satisfaction_latest) / sc.width >= pol.alert_satisfaction_drop
	UNION ALL
	SELECT h.customer_id, h.name, h.account_manager, h.tier, h.value_at_stake, h.value_basis, h.health_score, 'complaint_open', h.oldest_open_days::float8, pol.alert_complaint_days,
		   pol.priority_complaint_open,
		   format('%s complaint(s) open longer than %s days, the oldest %s days', h.long_open_complaints,
				  pol.alert_complaint_days, h.oldest_open_days)
	  FROM pol, h WHERE h.long_open_complaints > 0
	UNION ALL
	SELECT h.customer_id, h.name, h.account_manager, h.tier, h.value_at_stake, h.value_basis, h.health_score, 'share_of_wallet_falling', h.share_of_wallet_prev - h.share_of_wallet,
		   pol.alert_share_of_wallet_drop, pol.priority_share_of_wallet_falling,
		   format('share of wallet %s%%, %s%% the 12 months before', round((100 * h.share_of_wallet)::numeric, 1),
				  round((100 * h.share_of_wallet_prev)::numeric, 1))
	  FROM pol, h WHERE h.share_of_wallet_prev - h.share_of_wallet > pol.alert_share_of_wallet_drop
	UNION ALL
	SELECT h.customer_id, h.name, h.account_manager, h.tier, h.value_at_stake, h.value_basis, h.health_score, 'new_key_account', (p.as_of - h.first_order)::float8, pol.alert_new_account_days,
		   pol.priority_new_key_account,
		   format('first order %s, tier %s now (%s one period ago)', h.first_order, h.tier, COALESCE(m.tier_before, 'none'))
	  FROM p, pol, h JOIN moves m ON m.customer_id = h.customer_id
	 WHERE h.key_account AND p.as_of - h.first_order < pol.alert_new_account_days
	   AND (m.rank_before IS NULL OR m.rank_before > pol.alert_key_tier_rank))$f$)
),
v(name, position, requires, definition, description) AS (VALUES
('account_health', 600, ARRAY['orders', 'customers'], $v$
WITH p AS (
	SELECT x.as_of, x.tz, (x.as_of + 1)::timestamp AT TIME ZONE x.tz AS end_at,
		   ((x.as_of + 1) - interval '12 months')::date AS start_12m,
		   ((x.as_of + 1) - interval '24 months')::date AS start_24m,
		   @extschema@.setting('feedback_kind'::pg_catalog.text) AS feedback_kind,
		   @extschema@.setting('visit_weeks'::pg_catalog.text)::integer AS visit_weeks,
		   @extschema@.value_models_ready() AS models_ready
	  FROM (SELECT @extschema@.as_of() AS as_of, @extschema@.time_zone() AS tz) x),
{pol},
-- one pass over the orders, in customer and day order: consecutive orders of
-- a customer on different days are consecutive purchase days, so the gaps
-- between distinct purchase days are the positive day - lag(day)
ords AS (
	SELECT o.customer_id, (o.ordered_at AT TIME ZONE p.tz)::date AS day, o.amount
	  FROM p, @extschema@.orders o
	 WHERE o.ordered_at < p.end_at),
gaps AS (
	SELECT d.customer_id, d.day, d.amount,
		   d.day - lag(d.day) OVER (PARTITION BY d.customer_id ORDER BY d.day) AS gap
	  FROM ords d),
hist AS (
	SELECT g.customer_id, min(g.day) AS first_day, max(g.day) AS last_day,
		   COALESCE(sum(g.amount::numeric) FILTER (WHERE g.day >= p.start_12m), 0)::float8 AS revenue_12m,
		   COALESCE(sum(g.amount::numeric) FILTER (WHERE g.day >= p.start_24m AND g.day < p.start_12m), 0)::float8 AS revenue_prev_12m,
		   percentile_cont(0.5) WITHIN GROUP (ORDER BY g.gap) FILTER (WHERE g.gap > 0) AS usual_gap
	  FROM p, gaps g GROUP BY g.customer_id),
total AS (
	SELECT sum(h.revenue_12m::numeric) FILTER (WHERE h.revenue_12m > 0) AS revenue FROM hist h),
fb AS (
	SELECT f.customer_id, f.score,
		   row_number() OVER (PARTITION BY f.customer_id ORDER BY f.answered_at DESC, f.score) AS k
	  FROM p, pol, {feedback} f
	 WHERE f.answered_at < p.end_at
	   AND f.answered_at >= ((p.as_of + 1) - pol.satisfaction_months::integer * interval '1 month') AT TIME ZONE p.tz
	   AND f.score IS NOT NULL
	   AND (p.feedback_kind IS NULL OR f.kind = p.feedback_kind)),
sat AS MATERIALIZED (
	SELECT fb.customer_id,
		   max(fb.score) FILTER (WHERE fb.k = 1) AS latest, max(fb.score) FILTER (WHERE fb.k = 2) AS previous
	  FROM fb WHERE fb.k <= 2 GROUP BY fb.customer_id),
cmp AS MATERIALIZED (
	SELECT c.customer_id, count(*) AS open_complaints,
		   max(p.as_of - (c.opened_at AT TIME ZONE p.tz)::date) AS oldest_open_days,
		   count(*) FILTER (WHERE p.as_of - (c.opened_at AT TIME ZONE p.tz)::date > pol.alert_complaint_days) AS long_open_complaints,
		   sum(COALESCE(c.severity, 1)) AS open_severity,
		   sum(COALESCE(c.severity, 1) * (pol.complaint_points + pol.complaint_age_points * (p.as_of - (c.opened_at AT TIME ZONE p.tz)::date) / 30.0)) AS cost
	  FROM p, pol, {complaints} c
	 WHERE c.opened_at < p.end_at AND (c.closed_at IS NULL OR c.closed_at >= p.end_at)
	 GROUP BY c.customer_id),
-- the figures of kam.visit_compliance, computed here from the one read of
-- kam.customer_tier (reading that view would compute the tiers a second time)
vis AS MATERIALIZED (
	SELECT v.customer_id, count(*) AS visits
	  FROM p, {visits} v
	 WHERE v.visited_at >= ((p.as_of + 1) - 7 * p.visit_weeks)::timestamp AT TIME ZONE p.tz AND v.visited_at < p.end_at
	 GROUP BY v.customer_id),
-- (models_ready read from p: once, and on Citus by the coordinator, whose
-- kam.models the workers don't have; not MATERIALIZED: Citus 13 can't plan a
-- CTE of its own with customer_value's outer join and this pseudoconstant qual)
cv AS (
	SELECT x.customer_id, x.p_alive, x.clv_12m
	  FROM @extschema@.customer_value x WHERE (SELECT p.models_ready FROM p)),
a AS (
	SELECT t.customer_id, t.name, t.account_manager, t.tier, tp.rank AS tier_rank,
		   COALESCE(h.revenue_12m, 0) AS revenue_12m, COALESCE(h.revenue_prev_12m, 0) AS revenue_prev_12m,
		   (COALESCE(h.revenue_12m, 0)::numeric / total.revenue)::float8 AS revenue_share,
		   {potential} AS potential,
		   h.first_day AS first_order, h.last_day AS last_order,
		   p.as_of - h.last_day AS days_silent, h.usual_gap AS usual_gap_days,
		   CASE WHEN h.usual_gap > 0 THEN
				100 * @extschema@.unit_clamp((1 - ((p.as_of - h.last_day) / h.usual_gap - pol.recency_grace) / pol.recency_fade)::pg_catalog.float8) END AS recency_score,
		   CASE WHEN h.revenue_prev_12m > 0 THEN h.revenue_12m / h.revenue_prev_12m END AS revenue_ratio,
		   cv.p_alive, cv.clv_12m,
		   CASE WHEN {bound:visits} AND tp.visits_per_week > 0
				THEN COALESCE(vis.visits, 0) / (tp.visits_per_week * p.visit_weeks) END AS visit_compliance,
		   CASE WHEN {bound:visits} AND tp.tier IS NOT NULL THEN COALESCE(vis.visits, 0) END AS actual_visits,
		   CASE WHEN {bound:visits} AND tp.tier IS NOT NULL THEN tp.visits_per_week * p.visit_weeks END AS required_visits,
		   sat.latest AS satisfaction_latest, sat.previous AS satisfaction_previous,
		   100 * @extschema@.unit_clamp(((sat.latest - sc.lo) / sc.width)::pg_catalog.float8) AS latest_points,
		   100 * @extschema@.unit_clamp(((sat.previous - sc.lo) / sc.width)::pg_catalog.float8) AS previous_points,
		   CASE WHEN {bound:complaints} THEN COALESCE(cmp.open_complaints, 0) END AS open_complaints,
		   cmp.oldest_open_days, cmp.long_open_complaints, cmp.open_severity,
		   -- (a customer without orders and without open complaints has no complaints score)
		   CASE WHEN {bound:complaints} AND (h.last_day IS NOT NULL OR cmp.open_complaints > 0)
				THEN GREATEST(0, 100 - COALESCE(cmp.cost, 0)) END AS complaints_score,
		   pol.*
	  FROM p, pol, total, (SELECT s[1] AS lo, s[2] AS width FROM @extschema@.feedback_scale() s) sc,
		   @extschema@.customer_tier t
	  LEFT JOIN @extschema@.tier_policy tp ON tp.tier = t.tier
	  LEFT JOIN (SELECT DISTINCT ON (x.customer_id) x.* FROM @extschema@.customers x
				  ORDER BY x.customer_id) c ON c.customer_id = t.customer_id
	  LEFT JOIN hist h ON h.customer_id = t.customer_id
	  LEFT JOIN cv ON cv.customer_id = t.customer_id
	  LEFT JOIN vis ON vis.customer_id = t.customer_id
	  LEFT JOIN sat ON sat.customer_id = t.customer_id
	  LEFT JOIN cmp ON cmp.customer_id = t.customer_id),
s AS MATERIALIZED (
	SELECT a.*,
		   CASE WHEN a.revenue_ratio IS NOT NULL THEN
				100 * @extschema@.unit_clamp((1 - (1 - a.revenue_ratio) / a.trend_fade)::pg_catalog.float8) END AS trend_score,
		   100 * a.p_alive AS p_alive_score,
		   100 * @extschema@.unit_clamp(a.visit_compliance::pg_catalog.float8) AS visits_score,
		   CASE WHEN a.latest_points IS NOT NULL THEN
				GREATEST(0, a.latest_points - a.satisfaction_drop_penalty * GREATEST(0, COALESCE(a.previous_points - a.latest_points, 0))) END AS satisfaction_score
	  FROM a),
w AS (
	SELECT s.*,
		   CASE WHEN s.recency_score IS NOT NULL AND s.w_recency > 0 THEN s.w_recency END AS recency_weight,
		   CASE WHEN s.trend_score IS NOT NULL AND s.w_trend > 0 THEN s.w_trend END AS trend_weight,
		   CASE WHEN s.p_alive_score IS NOT NULL AND s.w_p_alive > 0 THEN s.w_p_alive END AS p_alive_weight,
		   CASE WHEN s.visits_score IS NOT NULL AND s.w_visits > 0 THEN s.w_visits END AS visits_weight,
		   CASE WHEN s.satisfaction_score IS NOT NULL AND s.w_satisfaction > 0 THEN s.w_satisfaction END AS satisfaction_weight,
		   CASE WHEN s.complaints_score IS NOT NULL AND s.w_complaints > 0 THEN s.w_complaints END AS complaints_weight
	  FROM s)
SELECT w.customer_id, w.name, w.account_manager, w.tier,
	   w.revenue_12m, w.revenue_prev_12m, w.revenue_share,
	   w.potential,
	   CASE WHEN w.potential > 0 THEN w.revenue_12m / w.potential END AS share_of_wallet,
	   CASE WHEN w.potential > 0 THEN w.revenue_prev_12m / w.potential END AS share_of_wallet_prev,
	   w.potential - w.revenue_12m AS headroom,
	   w.first_order, w.last_order, w.days_silent, w.usual_gap_days,
	   w.recency_score, w.recency_weight,
	   w.revenue_ratio, w.trend_score, w.trend_weight,
	   w.p_alive, w.clv_12m, w.p_alive_score, w.p_alive_weight,
	   w.visit_compliance, w.actual_visits, w.required_visits, w.visits_score, w.visits_weight,
	   w.satisfaction_latest, w.satisfaction_previous, w.satisfaction_score, w.satisfaction_weight,
	   w.open_complaints, w.oldest_open_days, w.long_open_complaints, w.open_severity,
	   w.complaints_score, w.complaints_weight,
	   array_remove(ARRAY[CASE WHEN w.recency_weight IS NOT NULL THEN 'recency'::text END,
						  CASE WHEN w.trend_weight IS NOT NULL THEN 'trend'::text END,
						  CASE WHEN w.p_alive_weight IS NOT NULL THEN 'p_alive'::text END,
						  CASE WHEN w.visits_weight IS NOT NULL THEN 'visits'::text END,
						  CASE WHEN w.satisfaction_weight IS NOT NULL THEN 'satisfaction'::text END,
						  CASE WHEN w.complaints_weight IS NOT NULL THEN 'complaints'::text END], NULL) AS components,
	   (COALESCE(w.recency_score * w.recency_weight, 0) + COALESCE(w.trend_score * w.trend_weight, 0)
		+ COALESCE(w.p_alive_score * w.p_alive_weight, 0) + COALESCE(w.visits_score * w.visits_weight, 0)
		+ COALESCE(w.satisfaction_score * w.satisfaction_weight, 0) + COALESCE(w.complaints_score * w.complaints_weight, 0))
	   / NULLIF(COALESCE(w.recency_weight, 0) + COALESCE(w.trend_weight, 0) + COALESCE(w.p_alive_weight, 0)
				+ COALESCE(w.visits_weight, 0) + COALESCE(w.satisfaction_weight, 0) + COALESCE(w.complaints_weight, 0), 0)
	   AS health_score
  FROM w
$v$,
'Per customer: trailing-12-month revenue and the 12 before, share of our revenue, share of wallet (revenue / potential) and headroom, and the health score 0-100 (weighted mean of the component sub-scores that have data: recency against the usual purchase gap, revenue trend, P(alive), visit compliance, satisfaction, open complaints; weights in kam.health_policy)'),

('account_alerts', 610, ARRAY['orders', 'customers'], $v$
WITH {pol},
p AS (SELECT @extschema@.as_of() AS as_of),
{alerts}
SELECT r.customer_id, r.name, r.account_manager, r.tier, r.reason, r.figure, r.threshold, r.detail,
	   r.value_at_stake, r.value_basis, r.health_score,
	   r.value_at_stake * r.factor AS priority,
	   row_number() OVER (PARTITION BY r.account_manager
						  ORDER BY r.value_at_stake * r.factor DESC NULLS LAST, r.customer_id::text, r.reason) AS manager_rank
  FROM r
 ORDER BY priority DESC NULLS LAST, r.customer_id::text, r.reason
$v$,
'One row per account and reason needing action now (visit_overdue, p_alive_low, revenue_down, tier_downgrade, satisfaction_drop, complaint_open, share_of_wallet_falling, new_key_account), with the figure and threshold behind it, the value at stake (CLV, else trailing-12-month revenue) and priority = value at stake x the reason''s factor; manager_rank 1..10 is each manager''s top ten'),

('manager_portfolio', 620, ARRAY['orders', 'customers'], $v$
WITH {pol},
p AS (SELECT @extschema@.as_of() AS as_of),
{alerts},
-- (kam.account_alerts' rows, from the same one read of kam.account_health)
al AS (
	SELECT r.customer_id, count(*) AS alerts FROM r GROUP BY r.customer_id),
t AS (
	SELECT h.*, COALESCE(h.clv_12m, h.revenue_12m) AS value,
		   (h.p_alive < pol.risk_p_alive OR h.health_score < pol.risk_health) AS at_risk
	  FROM pol, h
	 WHERE h.tier IS NOT NULL),
bytier AS (
	SELECT h.account_manager, h.tier, count(*) AS n FROM t h GROUP BY h.account_manager, h.tier),
tiers AS (
	SELECT b.account_manager, jsonb_object_agg(b.tier, b.n) AS accounts_by_tier
	  FROM bytier b GROUP BY b.account_manager),
alltiers AS (
	SELECT jsonb_object_agg(x.tier, x.n) AS accounts_by_tier
	  FROM (SELECT b.tier, sum(b.n) AS n FROM bytier b GROUP BY b.tier) x),
g AS (
	SELECT h.account_manager, GROUPING(h.account_manager) = 1 AS company,
		   count(*) AS accounts,
		   sum(h.revenue_12m::numeric)::float8 AS revenue_12m,
		   sum(h.clv_12m::numeric)::float8 AS clv_12m,
		   COALESCE(sum(h.value::numeric) FILTER (WHERE h.at_risk), 0)::float8 AS value_at_risk,
		   count(*) FILTER (WHERE h.at_risk) AS accounts_at_risk,
		   (sum(LEAST(h.actual_visits, h.required_visits)::numeric) FILTER (WHERE h.required_visits > 0)
			/ NULLIF(sum(h.required_visits::numeric) FILTER (WHERE h.required_visits > 0), 0))::float8 AS visit_compliance,
		   COALESCE(sum(al.alerts), 0) AS open_alerts,
		   count(al.alerts) AS accounts_with_alerts,
		   avg(h.health_score::numeric)::float8 AS avg_health	-- (numeric: the same figure whatever the order of the rows)
	  FROM t h LEFT JOIN al ON al.customer_id = h.customer_id
	 GROUP BY GROUPING SETS ((h.account_manager), ()))
SELECT CASE WHEN g.company THEN 'company' ELSE 'manager' END AS scope, g.account_manager,
	   g.accounts, CASE WHEN g.company THEN alltiers.accounts_by_tier ELSE tiers.accounts_by_tier END AS accounts_by_tier,
	   g.revenue_12m, g.clv_12m, g.value_at_risk, g.accounts_at_risk, g.visit_compliance,
	   g.open_alerts, g.accounts_with_alerts, g.avg_health
  FROM g CROSS JOIN alltiers
  LEFT JOIN tiers ON NOT g.company AND tiers.account_manager IS NOT DISTINCT FROM g.account_manager
 ORDER BY g.company, g.account_manager
$v$,
'Per account manager, and one company row (scope company): tiered accounts and their count per tier, trailing-12-month revenue, CLV, value at risk (CLV, else revenue, of accounts with P(alive) < risk_p_alive or health < risk_health), visit compliance, open alerts and average health'),

('account_dependence', 630, ARRAY['orders', 'customers'], $v$
SELECT h.customer_id, h.name, h.account_manager, h.tier, h.revenue_12m, h.revenue_share,
	   sum(h.revenue_share) OVER (ORDER BY h.revenue_share DESC NULLS LAST, h.customer_id::text
								  ROWS UNBOUNDED PRECEDING) AS cumulative_revenue_share,
	   h.health_score, h.components
  FROM @extschema@.account_health h
 WHERE h.revenue_12m > 0
 ORDER BY h.revenue_share DESC, h.customer_id::text
$v$,
'Dependence: per account with trailing-12-month revenue, its share of our total revenue (of the accounts the reader sees) and the cumulative share, next to its health score')
)
INSERT INTO @extschema@.report_views (name, position, requires, definition, description)
SELECT v.name, v.position, v.requires,
	   replace(replace(v.definition, '{alerts}', (SELECT f.body FROM f WHERE f.name = '{alerts}')),
			   '{pol}', (SELECT f.body FROM f WHERE f.name = '{pol}')),
	   v.description
  FROM v
ON CONFLICT (name) DO UPDATE SET position = excluded.position, requires = excluded.requires,
	definition = excluded.definition, description = excluded.description;

INSERT INTO @extschema@.report_view_columns (view_name, column_name, description) VALUES
	('account_health', 'customer_id', 'customer (your type)'),
	('account_health', 'name', 'customer name (NULL when not bound)'),
	('account_health', 'account_manager', 'account manager (NULL when not bound)'),
	('account_health', 'tier', 'policy tier from kam.customer_tier (NULL without positive trailing-12-month revenue)'),
	('account_health', 'revenue_12m', 'revenue in currency over the trailing 12 months ending at as_of'),
	('account_health', 'revenue_prev_12m', 'revenue in currency over the 12 months before the trailing 12'),
	('account_health', 'revenue_share', 'share (0-1) of the trailing-12-month revenue of the customers the reader sees'),
	('account_health', 'potential', 'yearly purchasing potential in currency per year (NULL when no potential column is bound)'),
	('account_health', 'share_of_wallet', 'share of wallet (0-1 when below potential): revenue_12m / potential; NULL without a positive potential'),
	('account_health', 'share_of_wallet_prev', 'share of wallet of the 12 months before: revenue_prev_12m / potential (ratio); NULL without a positive potential'),
	('account_health', 'headroom', 'potential - revenue_12m in currency per year (negative when we sell more than the potential)'),
	('account_health', 'first_order', 'date of the first order up to as_of'),
	('account_health', 'last_order', 'date of the last order up to as_of'),
	('account_health', 'days_silent', 'days from the last order to as_of'),
	('account_health', 'usual_gap_days', 'median gap in days between distinct purchase days (NULL with fewer than two)'),
	('account_health', 'recency_score', 'recency sub-score 0-100 (days silent against the usual gap)'),
	('account_health', 'recency_weight', 'weight of the recency component in health_score (NULL = left out)'),
	('account_health', 'revenue_ratio', 'revenue_12m / revenue_prev_12m (ratio; NULL without revenue in the 12 months before)'),
	('account_health', 'trend_score', 'revenue-trend sub-score 0-100'),
	('account_health', 'trend_weight', 'weight of the trend component in health_score (NULL = left out)'),
	('account_health', 'p_alive', 'probability (0-1) that the customer is still active, from kam.customer_value (NULL without stored models)'),
	('account_health', 'clv_12m', 'expected 12-month customer lifetime value in currency, from kam.customer_value (NULL without stored models)'),
	('account_health', 'p_alive_score', 'P(alive) sub-score 0-100'),
	('account_health', 'p_alive_weight', 'weight of the P(alive) component in health_score (NULL = left out)'),
	('account_health', 'visit_compliance', 'visits made / visits required by the tier over the last visit_weeks weeks (ratio; NULL when not applicable)'),
	('account_health', 'actual_visits', 'visits made over the last visit_weeks weeks (count; NULL when visits are not bound or no tier)'),
	('account_health', 'required_visits', 'visits the tier requires over the last visit_weeks weeks (count)'),
	('account_health', 'visits_score', 'visit-compliance sub-score 0-100'),
	('account_health', 'visits_weight', 'weight of the visits component in health_score (NULL = left out)'),
	('account_health', 'satisfaction_latest', 'latest survey score in the window, in survey points'),
	('account_health', 'satisfaction_previous', 'survey score before the latest one, in survey points'),
	('account_health', 'satisfaction_score', 'satisfaction sub-score 0-100'),
	('account_health', 'satisfaction_weight', 'weight of the satisfaction component in health_score (NULL = left out)'),
	('account_health', 'open_complaints', 'complaints open at as_of (count; NULL when complaints are not bound)'),
	('account_health', 'oldest_open_days', 'days the oldest open complaint has been open'),
	('account_health', 'long_open_complaints', 'complaints open longer than alert_complaint_days (count)'),
	('account_health', 'open_severity', 'sum of the severities of the open complaints (NULL severity counts 1)'),
	('account_health', 'complaints_score', 'open-complaints sub-score 0-100'),
	('account_health', 'complaints_weight', 'weight of the complaints component in health_score (NULL = left out)'),
	('account_health', 'components', 'names of the components used in health_score (text array)'),
	('account_health', 'health_score', 'health score 0-100: weighted mean of the sub-scores used (NULL when none is used)'),
	('account_alerts', 'customer_id', 'customer (your type)'),
	('account_alerts', 'name', 'customer name (NULL when not bound)'),
	('account_alerts', 'account_manager', 'account manager (NULL when not bound)'),
	('account_alerts', 'tier', 'policy tier now (NULL: none)'),
	('account_alerts', 'reason', 'why the account needs action: visit_overdue, p_alive_low, revenue_down, tier_downgrade, satisfaction_drop, complaint_open, share_of_wallet_falling or new_key_account'),
	('account_alerts', 'figure', 'the figure behind the alert, in the unit of its threshold (ratio, probability, fraction, rank, points of 100 or days)'),
	('account_alerts', 'threshold', 'the kam.health_policy threshold the figure crossed, same unit (NULL for tier_downgrade)'),
	('account_alerts', 'detail', 'the figures behind the alert in words (text)'),
	('account_alerts', 'value_at_stake', 'value at stake in currency: clv_12m, else revenue_12m'),
	('account_alerts', 'value_basis', 'which value value_at_stake is: clv_12m or revenue_12m'),
	('account_alerts', 'health_score', 'health score 0-100 of the account (kam.account_health)'),
	('account_alerts', 'priority', 'value_at_stake x the reason''s priority factor, in weighted currency'),
	('account_alerts', 'manager_rank', 'rank of the alert in its manager''s list (1 = highest priority)'),
	('manager_portfolio', 'scope', 'manager (one account manager) or company (every account)'),
	('manager_portfolio', 'account_manager', 'account manager (NULL on the company row, or for accounts without one)'),
	('manager_portfolio', 'accounts', 'accounts with a tier (count)'),
	('manager_portfolio', 'accounts_by_tier', 'accounts per tier as jsonb {tier: count}'),
	('manager_portfolio', 'revenue_12m', 'trailing-12-month revenue in currency'),
	('manager_portfolio', 'clv_12m', 'sum of the 12-month CLV in currency (NULL without stored models)'),
	('manager_portfolio', 'value_at_risk', 'CLV, else revenue, in currency of the accounts at risk (P(alive) < risk_p_alive or health < risk_health)'),
	('manager_portfolio', 'accounts_at_risk', 'accounts at risk (count)'),
	('manager_portfolio', 'visit_compliance', 'visits made (at most the required ones per account) / visits required (ratio 0-1)'),
	('manager_portfolio', 'open_alerts', 'rows of kam.account_alerts for these accounts (count)'),
	('manager_portfolio', 'accounts_with_alerts', 'accounts with at least one alert (count)'),
	('manager_portfolio', 'avg_health', 'mean health score 0-100 of the accounts'),
	('account_dependence', 'customer_id', 'customer (your type)'),
	('account_dependence', 'name', 'customer name (NULL when not bound)'),
	('account_dependence', 'account_manager', 'account manager (NULL when not bound)'),
	('account_dependence', 'tier', 'policy tier (NULL: none)'),
	('account_dependence', 'revenue_12m', 'trailing-12-month revenue in currency'),
	('account_dependence', 'revenue_share', 'share (0-1) of the trailing-12-month revenue of the accounts the reader sees'),
	('account_dependence', 'cumulative_revenue_share', 'share (0-1) of that revenue made by this account and every account above it'),
	('account_dependence', 'health_score', 'health score 0-100 (kam.account_health)'),
	('account_dependence', 'components', 'names of the components used in health_score (text array)')
ON CONFLICT (view_name, column_name) DO UPDATE SET description = excluded.description;

-- Statistics for kam's small configuration tables, now that they hold their
-- shipped rows: without them the planner takes each for hundreds of rows, the
-- per-customer tier and stage look-ups of kam.customer_tier are estimated
-- about 40 times too high, and every view over it crosses the server's
-- jit_above_cost (with the defaults, a read of kam.account_alerts then spends
-- seconds compiling).  Autovacuum does not analyze tables this small by
-- itself; an edit of a few rows leaves the estimate about right.
ANALYZE @extschema@.settings, @extschema@.setting_defaults, @extschema@.tier_policy,
		@extschema@.loyalty_ladder, @extschema@.rfm_segment_map, @extschema@.health_policy;
