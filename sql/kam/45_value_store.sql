
-- ===========================================================================
-- 45 value store: stored lifetime-value models, kam.fit_models() and the
-- registered view kam.customer_value
--
-- The models of section 40 (kam.bgnbd, kam.gammagamma, ...) are plain values;
-- this section keeps fitted ones in kam.models (kept by pg_dump), refits the
-- default pair on kam.customer_summary, and scores every customer with them.
-- ===========================================================================

INSERT INTO @extschema@.setting_defaults (name, value, type, min_value, max_value, description) VALUES
	('clv_months', '12', 'integer', 1, 1200,
	 'Horizon, in months, of clv_12m in kam.customer_value.'),
	('clv_discount', '0.01', 'float8', 0, 1,
	 'Monthly discount rate of the CLV in kam.customer_value (0.01 = 1% a month).'),
	('clv_margin_ratio', '1', 'float8', 0, 1,
	 'Margin per unit of revenue for customers without margin data (1 = CLV of revenue).'),
	('clv_periods_per_month', NULL, 'float8', 0.0001, 1000000,
	 'rfm_period periods in a month for CLV; empty means 365.25/12 days (30.4375 a month, 4.348 weeks).')
ON CONFLICT (name) DO UPDATE SET value = excluded.value, type = excluded.type,
	min_value = excluded.min_value, max_value = excluded.max_value, description = excluded.description;

-- ---------------------------------------------------------------------------
-- The store.  parameters is the whole fitted value as jsonb (to_jsonb of the
-- composite, every field), so a stored model turns back into the composite
-- with jsonb_populate_record (kam.stored_bgnbd() and friends).  save_model()
-- writes the floats with extra_float_digits = 3, their shortest exact form,
-- whatever the session's setting, so the round trip is bit-exact.  period is
-- the rfm_period the data was summarized in: the unit of time of the BG/NBD
-- and Pareto/NBD rates, and for Gamma-Gamma the period whose purchases merge
-- into one spend; scoring refuses a model whose period differs from the
-- current rfm_period.
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.models (
	name text PRIMARY KEY CHECK (name OPERATOR(pg_catalog.<>) ''::pg_catalog.text),
	model_type text NOT NULL
		CHECK (model_type OPERATOR(pg_catalog.=) ANY (ARRAY['bgnbd', 'paretonbd', 'gammagamma', 'sbg', 'mbgnbd', 'bgbb']::pg_catalog.text[])),
	parameters jsonb NOT NULL CHECK (pg_catalog.jsonb_typeof(parameters) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text),
	period text CHECK (period OPERATOR(pg_catalog.=) ANY (ARRAY['day', 'week', 'month', 'quarter', 'year']::pg_catalog.text[])),
	as_of date,
	fitted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	rows bigint,
	log_likelihood float8,
	description text
);
COMMENT ON TABLE @extschema@.models IS
	'Stored lifetime-value models (BG/NBD, Pareto/NBD, Gamma-Gamma, sBG, MBG/NBD, BG/BB) by name, kept by pg_dump; kam.fit_models() stores ''bgnbd'' and ''gammagamma''';
COMMENT ON COLUMN @extschema@.models.name IS 'Model name (''bgnbd'' and ''gammagamma'' for kam.fit_models(); any name for yours)';
COMMENT ON COLUMN @extschema@.models.model_type IS 'Model type: bgnbd, paretonbd, gammagamma, sbg, mbgnbd or bgbb';
COMMENT ON COLUMN @extschema@.models.parameters IS 'The whole fitted composite as jsonb (parameters, log_likelihood, n, iterations, converged), floats exact';
COMMENT ON COLUMN @extschema@.models.period IS 'rfm_period the data was summarized in (day, week, ...): the time unit of the rates; NULL when it does not apply';
COMMENT ON COLUMN @extschema@.models.as_of IS 'As-of date of the data the model was fitted on';
COMMENT ON COLUMN @extschema@.models.fitted_at IS 'When the model was stored';
COMMENT ON COLUMN @extschema@.models.rows IS 'Customers the model was fitted on (sum of weights)';
COMMENT ON COLUMN @extschema@.models.log_likelihood IS 'Maximized log-likelihood of the fit';
COMMENT ON COLUMN @extschema@.models.description IS 'Free text';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.models', '');
GRANT SELECT ON @extschema@.models TO PUBLIC;

-- Days in one rfm_period period (calendar averages: a year is 365.25 days).
CREATE FUNCTION @extschema@.period_days(p_period text)
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN p_period OPERATOR(pg_catalog.=) 'day' THEN 1.0::pg_catalog.float8
				WHEN p_period OPERATOR(pg_catalog.=) 'week' THEN 7.0::pg_catalog.float8
				WHEN p_period OPERATOR(pg_catalog.=) 'month' THEN 30.4375::pg_catalog.float8
				WHEN p_period OPERATOR(pg_catalog.=) 'quarter' THEN 91.3125::pg_catalog.float8
				WHEN p_period OPERATOR(pg_catalog.=) 'year' THEN 365.25::pg_catalog.float8 END
$$;
COMMENT ON FUNCTION @extschema@.period_days(text) IS
	'Days in a period: day 1, week 7, month 30.4375, quarter 91.3125, year 365.25 (NULL for anything else)';

-- rfm_period periods per month used by kam.customer_value's CLV.
CREATE FUNCTION @extschema@.clv_periods_per_month()
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(@extschema@.setting('clv_periods_per_month'::pg_catalog.text)::pg_catalog.float8,
					30.4375::pg_catalog.float8 OPERATOR(pg_catalog./)
					@extschema@.period_days(@extschema@.setting('rfm_period'::pg_catalog.text)))
$$;
COMMENT ON FUNCTION @extschema@.clv_periods_per_month() IS
	'rfm_period periods per month used by kam.customer_value''s CLV: the clv_periods_per_month setting, else 30.4375 days / kam.period_days(rfm_period)';

-- Stores (or replaces) a model; the common part of the save_model overloads.
CREATE FUNCTION @extschema@.save_model_jsonb(p_name text, p_type text, p_model jsonb,
											 p_period text, p_as_of date, p_description text)
RETURNS @extschema@.models
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m @extschema@.models;
BEGIN
	IF p_name IS NULL THEN
		RAISE EXCEPTION 'model name must not be NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Name the model, e.g. ''bgnbd''.';
	END IF;
	IF p_name = '' OR length(p_name) > 200 THEN
		RAISE EXCEPTION 'model name must have 1 to 200 characters'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Name the model, e.g. ''bgnbd''.';
	END IF;
	IF p_model IS NULL OR p_model = 'null'::jsonb THEN
		RAISE EXCEPTION 'model must not be NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the result of a fit aggregate such as kam.bgnbd_fit().';
	END IF;
	IF (p_model->>'converged')::boolean IS DISTINCT FROM true THEN
		RAISE EXCEPTION 'the % model "%" did not converge', p_type, p_name
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('The fit stopped after %s iterations at log-likelihood %s.',
								  p_model->>'iterations', p_model->>'log_likelihood'),
				  HINT = 'Only converged fits are stored: check the data the model was fitted on.';
	END IF;
	IF p_period IS NOT NULL AND NOT p_period = ANY (ARRAY['day', 'week', 'month', 'quarter', 'year']) THEN
		RAISE EXCEPTION 'invalid period "%"', p_period
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use day, week, month, quarter or year: the unit of recency and T the model was fitted on.';
	END IF;
	INSERT INTO @extschema@.models AS x (name, model_type, parameters, period, as_of, fitted_at,
										 rows, log_likelihood, description)
	VALUES (p_name, p_type, p_model, p_period, p_as_of, now(),
			(p_model->>'n')::numeric::bigint, (p_model->>'log_likelihood')::float8, p_description)
	ON CONFLICT (name) DO UPDATE
		SET model_type = excluded.model_type, parameters = excluded.parameters,
			period = excluded.period, as_of = excluded.as_of, fitted_at = excluded.fitted_at,
			rows = excluded.rows, log_likelihood = excluded.log_likelihood,
			description = excluded.description
	RETURNING * INTO m;
	RETURN m;
END
$$;
COMMENT ON FUNCTION @extschema@.save_model_jsonb(text, text, jsonb, text, date, text) IS
	'Stores or replaces a converged model given as jsonb (the common part of kam.save_model); internal';

CREATE FUNCTION @extschema@.save_model(name text, model @extschema@.bgnbd, period text,
									   as_of date DEFAULT NULL, description text DEFAULT NULL)
RETURNS @extschema@.models
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 3
AS $$
	SELECT @extschema@.save_model_jsonb(name, 'bgnbd'::pg_catalog.text, pg_catalog.to_jsonb(model), period, as_of, description)
$$;
COMMENT ON FUNCTION @extschema@.save_model(text, @extschema@.bgnbd, text, date, text) IS
	'Stores (or replaces) a converged BG/NBD model in kam.models under a name, with the rfm_period its rates are per';

CREATE FUNCTION @extschema@.save_model(name text, model @extschema@.paretonbd, period text,
									   as_of date DEFAULT NULL, description text DEFAULT NULL)
RETURNS @extschema@.models
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 3
AS $$
	SELECT @extschema@.save_model_jsonb(name, 'paretonbd'::pg_catalog.text, pg_catalog.to_jsonb(model), period, as_of, description)
$$;
COMMENT ON FUNCTION @extschema@.save_model(text, @extschema@.paretonbd, text, date, text) IS
	'Stores (or replaces) a converged Pareto/NBD model in kam.models under a name, with the rfm_period its rates are per';

-- period: the rfm_period whose per-period purchase sums the spend was fitted
-- on (purchases in one period merge), or NULL when that does not matter.
CREATE FUNCTION @extschema@.save_model(name text, model @extschema@.gammagamma, period text DEFAULT NULL,
									   as_of date DEFAULT NULL, description text DEFAULT NULL)
RETURNS @extschema@.models
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 3
AS $$
	SELECT @extschema@.save_model_jsonb(name, 'gammagamma'::pg_catalog.text, pg_catalog.to_jsonb(model), period, as_of, description)
$$;
COMMENT ON FUNCTION @extschema@.save_model(text, @extschema@.gammagamma, text, date, text) IS
	'Stores (or replaces) a converged Gamma-Gamma model in kam.models under a name, with the rfm_period whose purchases merge into one spend';

CREATE FUNCTION @extschema@.save_model(name text, model @extschema@.sbg,
									   as_of date DEFAULT NULL, description text DEFAULT NULL)
RETURNS @extschema@.models
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 3
AS $$
	SELECT @extschema@.save_model_jsonb(name, 'sbg'::pg_catalog.text, pg_catalog.to_jsonb(model), NULL::pg_catalog.text, as_of, description)
$$;
COMMENT ON FUNCTION @extschema@.save_model(text, @extschema@.sbg, date, text) IS
	'Stores (or replaces) a converged sBG contract model in kam.models under a name';

CREATE FUNCTION @extschema@.save_model(name text, model @extschema@.mbgnbd, period text,
									   as_of date DEFAULT NULL, description text DEFAULT NULL)
RETURNS @extschema@.models
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 3
AS $$
	SELECT @extschema@.save_model_jsonb(name, 'mbgnbd'::pg_catalog.text, pg_catalog.to_jsonb(model), period, as_of, description)
$$;
COMMENT ON FUNCTION @extschema@.save_model(text, @extschema@.mbgnbd, text, date, text) IS
	'Stores (or replaces) a converged MBG/NBD model in kam.models under a name, with the rfm_period its rates are per';

-- BG/BB counts opportunities, not periods of the calendar: no period.
CREATE FUNCTION @extschema@.save_model(name text, model @extschema@.bgbb,
									   as_of date DEFAULT NULL, description text DEFAULT NULL)
RETURNS @extschema@.models
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 3
AS $$
	SELECT @extschema@.save_model_jsonb(name, 'bgbb'::pg_catalog.text, pg_catalog.to_jsonb(model), NULL::pg_catalog.text, as_of, description)
$$;
COMMENT ON FUNCTION @extschema@.save_model(text, @extschema@.bgbb, date, text) IS
	'Stores (or replaces) a converged BG/BB model (discrete opportunities) in kam.models under a name';

-- The stored model p_name as jsonb, checked to be of type p_type and, for
-- models with a unit of time, fitted in the current rfm_period.
CREATE FUNCTION @extschema@.stored_model(p_name text, p_type text)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m @extschema@.models;
	unit text;
BEGIN
	SELECT * INTO m FROM @extschema@.models x WHERE x.name = p_name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no stored model "%"', p_name
			USING ERRCODE = 'undefined_object',
				  HINT = CASE WHEN p_name = ANY (ARRAY['bgnbd', 'gammagamma'])
							  THEN 'Run SELECT * FROM kam.fit_models(); to fit and store the default models.'
							  ELSE 'kam.models lists the stored models; kam.save_model() stores one.' END;
	END IF;
	IF m.model_type <> p_type THEN
		RAISE EXCEPTION 'stored model "%" is a % model, not %', p_name, m.model_type, p_type
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'kam.models lists the stored models and their types.';
	END IF;
	unit := @extschema@.setting('rfm_period'::pg_catalog.text);
	IF m.period IS NOT NULL AND m.period <> unit THEN
		RAISE EXCEPTION 'stored model "%" was fitted on recency and T in %s, but rfm_period is now %',
			p_name, m.period, unit
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Its rates are per period, so scoring it on another unit would be wrong.',
				  HINT = 'Refit with SELECT * FROM kam.fit_models(); or set rfm_period back.';
	END IF;
	RETURN m.parameters;
END
$$;
COMMENT ON FUNCTION @extschema@.stored_model(text, text) IS
	'Parameters of a stored model as jsonb, checked to be of the given type and fitted in the current rfm_period; internal';

CREATE FUNCTION @extschema@.stored_bgnbd(name text DEFAULT 'bgnbd')
RETURNS @extschema@.bgnbd
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.jsonb_populate_record(NULL::@extschema@.bgnbd, @extschema@.stored_model(name, 'bgnbd'::pg_catalog.text))
$$;
COMMENT ON FUNCTION @extschema@.stored_bgnbd(text) IS
	'The stored BG/NBD model of that name (default ''bgnbd'') as kam.bgnbd, for scoring';

CREATE FUNCTION @extschema@.stored_paretonbd(name text DEFAULT 'paretonbd')
RETURNS @extschema@.paretonbd
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.jsonb_populate_record(NULL::@extschema@.paretonbd, @extschema@.stored_model(name, 'paretonbd'::pg_catalog.text))
$$;
COMMENT ON FUNCTION @extschema@.stored_paretonbd(text) IS
	'The stored Pareto/NBD model of that name (default ''paretonbd'') as kam.paretonbd, for scoring';

CREATE FUNCTION @extschema@.stored_gammagamma(name text DEFAULT 'gammagamma')
RETURNS @extschema@.gammagamma
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.jsonb_populate_record(NULL::@extschema@.gammagamma, @extschema@.stored_model(name, 'gammagamma'::pg_catalog.text))
$$;
COMMENT ON FUNCTION @extschema@.stored_gammagamma(text) IS
	'The stored Gamma-Gamma model of that name (default ''gammagamma'') as kam.gammagamma, for scoring';

CREATE FUNCTION @extschema@.stored_sbg(name text)
RETURNS @extschema@.sbg
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.jsonb_populate_record(NULL::@extschema@.sbg, @extschema@.stored_model(name, 'sbg'::pg_catalog.text))
$$;
COMMENT ON FUNCTION @extschema@.stored_sbg(text) IS
	'The stored sBG model of that name as kam.sbg, for scoring';

CREATE FUNCTION @extschema@.stored_mbgnbd(name text DEFAULT 'mbgnbd')
RETURNS @extschema@.mbgnbd
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.jsonb_populate_record(NULL::@extschema@.mbgnbd, @extschema@.stored_model(name, 'mbgnbd'::pg_catalog.text))
$$;
COMMENT ON FUNCTION @extschema@.stored_mbgnbd(text) IS
	'The stored MBG/NBD model of that name (default ''mbgnbd'') as kam.mbgnbd, for scoring';

CREATE FUNCTION @extschema@.stored_bgbb(name text)
RETURNS @extschema@.bgbb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.jsonb_populate_record(NULL::@extschema@.bgbb, @extschema@.stored_model(name, 'bgbb'::pg_catalog.text))
$$;
COMMENT ON FUNCTION @extschema@.stored_bgbb(text) IS
	'The stored BG/BB model of that name as kam.bgbb, for scoring';

-- Fits BG/NBD on every customer with orders and Gamma-Gamma on the repeat
-- customers with a positive mean repeat spend, from kam.customer_summary as of
-- kam.as_of(), and stores them as 'bgnbd' and 'gammagamma'.  All or nothing:
-- a fit that fails or does not converge, or a spend model without a finite
-- mean (q <= 1), raises an error and the stored models stay as they were.
CREATE FUNCTION @extschema@.fit_models()
RETURNS SETOF @extschema@.models
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	bg @extschema@.bgnbd;
	gg @extschema@.gammagamma;
	unit text := @extschema@.setting('rfm_period'::pg_catalog.text);
	day date := @extschema@.as_of();
BEGIN
	IF to_regclass('@extschema@.customer_summary') IS NULL THEN
		RAISE EXCEPTION 'kam.customer_summary does not exist'
			USING ERRCODE = 'undefined_table',
				  HINT = 'Bind the orders with kam.bind_orders() first.';
	END IF;
	-- one fit at a time: the stored pair always comes from one fit
	LOCK TABLE @extschema@.models IN SHARE ROW EXCLUSIVE MODE;
	PERFORM @extschema@.check_trusted_read('kam.fit_models()'::text);
	-- SELECT (fit).* INTO, not bg := (SELECT fit ...): Citus would evaluate the
	-- scalar subquery into an intermediate result, in text for a composite
	-- type, and lose digits when the session's extra_float_digits is below 1
	SELECT (@extschema@.bgnbd_fit(s.frequency::integer, s.recency::float8, s.t::float8)).* INTO bg
	  FROM @extschema@.customer_summary s
	 WHERE s.orders > 0;
	IF bg IS NULL THEN
		RAISE EXCEPTION 'no customer has orders on or before %', day
			USING ERRCODE = 'no_data_found',
				  HINT = 'Check kam.orders and the as_of setting.';
	END IF;
	IF bg.converged IS NOT TRUE THEN
		RAISE EXCEPTION 'the BG/NBD fit on kam.customer_summary did not converge'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('It stopped after %s iterations at r %s, alpha %s, a %s, b %s.',
								  bg.iterations, bg.r, bg.alpha, bg.a, bg.b),
				  HINT = 'The stored models are unchanged; check the summary (frequency, recency, t).';
	END IF;
	SELECT (@extschema@.gammagamma_fit(s.frequency::integer, s.monetary::float8)).* INTO gg
	  FROM @extschema@.customer_summary s
	 WHERE s.frequency > 0 AND s.monetary > 0;
	IF gg IS NULL THEN
		RAISE EXCEPTION 'no repeat customer has a positive mean repeat spend on or before %', day
			USING ERRCODE = 'no_data_found',
				  HINT = 'The Gamma-Gamma spend model needs customers with frequency > 0 and monetary > 0.';
	END IF;
	IF gg.converged IS NOT TRUE THEN
		RAISE EXCEPTION 'the Gamma-Gamma fit on kam.customer_summary did not converge'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('It stopped after %s iterations at p %s, q %s, v %s.',
								  gg.iterations, gg.p, gg.q, gg.v),
				  HINT = 'The stored models are unchanged; check the mean repeat spend (monetary).';
	END IF;
	IF gg.q <= 1 THEN
		RAISE EXCEPTION 'the Gamma-Gamma fit on kam.customer_summary has q <= 1, so its mean spend is infinite'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('p %s, q %s, v %s: kam.customer_value could not score any customer with it.',
								  gg.p, gg.q, gg.v),
				  HINT = 'The spend varies too much between customers for the model; the stored models are unchanged.';
	END IF;
	RETURN NEXT @extschema@.save_model('bgnbd'::text, bg, unit, day,
		'BG/NBD purchase model fitted by kam.fit_models() on kam.customer_summary'::text);
	RETURN NEXT @extschema@.save_model('gammagamma'::text, gg, unit, day,
		'Gamma-Gamma spend model fitted by kam.fit_models() on kam.customer_summary'::text);
END
$$;
COMMENT ON FUNCTION @extschema@.fit_models() IS
	'Fits BG/NBD and Gamma-Gamma on kam.customer_summary as of kam.as_of() and stores them as ''bgnbd'' and ''gammagamma'' (all or nothing)';

-- ---------------------------------------------------------------------------
-- kam.customer_value: one row per customer, scored with the stored models
-- 'bgnbd' and 'gammagamma'.  Customers without orders get NULL scores (the
-- models describe customers from their first purchase on); repeat customers
-- whose mean repeat spend is not positive (refunds) get NULL expected_spend
-- and clv_12m, which the Gamma-Gamma model does not define.  clv_12m is in
-- margin: the expected revenue over clv_months months, discounted monthly,
-- times the customer's own margin ratio (margin / revenue) when margins are
-- bound, else the clv_margin_ratio setting.
-- ---------------------------------------------------------------------------
INSERT INTO @extschema@.report_views (name, position, requires, definition, description) VALUES
('customer_value', 400, ARRAY['orders', 'customers'], $view$
SELECT s.customer_id,
	   s.name,
	   s.account_manager,
	   s.revenue AS historical_revenue,
	   COALESCE(s.margin, s.revenue OPERATOR(pg_catalog.*) m.margin_ratio) AS historical_margin,
	   CASE WHEN s.orders OPERATOR(pg_catalog.>) 0
			THEN @extschema@.p_alive(ROW(m.bg_r, m.bg_alpha, m.bg_a, m.bg_b, m.bg_ll, m.bg_n, m.bg_it, m.bg_ok)::@extschema@.bgnbd,
									 s.frequency::integer, s.recency::float8, s.t::float8) END AS p_alive,
	   CASE WHEN s.orders OPERATOR(pg_catalog.>) 0
			THEN @extschema@.expected_purchases(ROW(m.bg_r, m.bg_alpha, m.bg_a, m.bg_b, m.bg_ll, m.bg_n, m.bg_it, m.bg_ok)::@extschema@.bgnbd,
												m.horizon_90d, s.frequency::integer,
												s.recency::float8, s.t::float8) END AS expected_purchases_90d,
	   CASE WHEN s.orders OPERATOR(pg_catalog.>) 0
				 AND (s.frequency OPERATOR(pg_catalog.=) 0 OR s.monetary OPERATOR(pg_catalog.>) 0)
			THEN @extschema@.expected_spend(ROW(m.gg_p, m.gg_q, m.gg_v, m.gg_ll, m.gg_n, m.gg_it, m.gg_ok)::@extschema@.gammagamma,
											s.frequency::integer, s.monetary::float8) END AS expected_spend,
	   CASE WHEN s.orders OPERATOR(pg_catalog.>) 0
				 AND (s.frequency OPERATOR(pg_catalog.=) 0 OR s.monetary OPERATOR(pg_catalog.>) 0)
			THEN @extschema@.clv(ROW(m.bg_r, m.bg_alpha, m.bg_a, m.bg_b, m.bg_ll, m.bg_n, m.bg_it, m.bg_ok)::@extschema@.bgnbd,
								 ROW(m.gg_p, m.gg_q, m.gg_v, m.gg_ll, m.gg_n, m.gg_it, m.gg_ok)::@extschema@.gammagamma,
								 s.frequency::integer, s.recency::float8, s.t::float8,
								 s.monetary::float8, m.months, m.discount, m.periods_per_month)
				 OPERATOR(pg_catalog.*)
				 CASE WHEN s.margin IS NOT NULL AND s.revenue OPERATOR(pg_catalog.<>) 0
					  THEN s.margin OPERATOR(pg_catalog./) s.revenue
					  ELSE m.margin_ratio END END AS clv_12m,
	   CASE WHEN s.orders OPERATOR(pg_catalog.>) 0
			THEN @extschema@.probability_of_purchases(ROW(m.bg_r, m.bg_alpha, m.bg_a, m.bg_b, m.bg_ll, m.bg_n, m.bg_it, m.bg_ok)::@extschema@.bgnbd,
													  0::integer, m.horizon_90d, s.frequency::integer,
													  s.recency::float8, s.t::float8) END AS p_no_purchase_90d
  FROM @extschema@.customer_summary s
 -- the models as their float8 fields, made kam.bgnbd / kam.gammagamma per row:
 -- on Citus this one row goes to the workers as an intermediate result, which
 -- carries a composite type as text, short of digits when the session's
 -- extra_float_digits is below 1 (a float8 goes in binary)
 CROSS JOIN (SELECT (SELECT (@extschema@.stored_bgnbd()).r) AS bg_r,
					(SELECT (@extschema@.stored_bgnbd()).alpha) AS bg_alpha,
					(SELECT (@extschema@.stored_bgnbd()).a) AS bg_a,
					(SELECT (@extschema@.stored_bgnbd()).b) AS bg_b,
					(SELECT (@extschema@.stored_bgnbd()).log_likelihood) AS bg_ll,
					(SELECT (@extschema@.stored_bgnbd()).n) AS bg_n,
					(SELECT (@extschema@.stored_bgnbd()).iterations) AS bg_it,
					(SELECT (@extschema@.stored_bgnbd()).converged) AS bg_ok,
					(SELECT (@extschema@.stored_gammagamma()).p) AS gg_p,
					(SELECT (@extschema@.stored_gammagamma()).q) AS gg_q,
					(SELECT (@extschema@.stored_gammagamma()).v) AS gg_v,
					(SELECT (@extschema@.stored_gammagamma()).log_likelihood) AS gg_ll,
					(SELECT (@extschema@.stored_gammagamma()).n) AS gg_n,
					(SELECT (@extschema@.stored_gammagamma()).iterations) AS gg_it,
					(SELECT (@extschema@.stored_gammagamma()).converged) AS gg_ok,
					(SELECT @extschema@.setting('clv_months'::pg_catalog.text)::integer) AS months,
					(SELECT @extschema@.setting('clv_discount'::pg_catalog.text)::float8) AS discount,
					(SELECT @extschema@.setting('clv_margin_ratio'::pg_catalog.text)::float8) AS margin_ratio,
					(SELECT @extschema@.clv_periods_per_month()) AS periods_per_month,
					(SELECT 90.0::float8 OPERATOR(pg_catalog./)
							@extschema@.period_days(@extschema@.setting('rfm_period'::pg_catalog.text))) AS horizon_90d) m
$view$,
 'Per customer: history, P(alive), expected purchases in the next 90 days, expected spend per purchase, CLV over clv_months (default 12) in margin and P(no purchase in the next 90 days), from the stored models ''bgnbd'' and ''gammagamma'' (kam.fit_models()).')
ON CONFLICT (name) DO UPDATE SET position = excluded.position, requires = excluded.requires,
	definition = excluded.definition, description = excluded.description;

INSERT INTO @extschema@.report_view_columns (view_name, column_name, description) VALUES
	('customer_value', 'customer_id', 'Customer (your type)'),
	('customer_value', 'name', 'Customer name (NULL when not bound)'),
	('customer_value', 'account_manager', 'Account manager (NULL when not bound)'),
	('customer_value', 'historical_revenue', 'Revenue to date in currency'),
	('customer_value', 'historical_margin', 'Margin to date in currency (without a bound margin column: revenue x setting clv_margin_ratio)'),
	('customer_value', 'p_alive', 'Probability (0-1) that the customer is still active, from the stored BG/NBD model (NULL without orders)'),
	('customer_value', 'expected_purchases_90d', 'Expected purchases (purchase periods) in the next 90 days, from the stored BG/NBD model'),
	('customer_value', 'expected_spend', 'Expected revenue per future purchase in currency, from the stored Gamma-Gamma model'),
	('customer_value', 'clv_12m', 'Customer lifetime value in currency of margin: discounted expected margin over the next clv_months months (default 12)'),
	('customer_value', 'p_no_purchase_90d', 'Probability (0-1) of no purchase in the next 90 days, from the stored BG/NBD model (NULL without orders)')
ON CONFLICT (view_name, column_name) DO UPDATE SET description = excluded.description;
