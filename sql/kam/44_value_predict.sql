
-- ---------------------------------------------------------------------------
-- Lifetime value, predictions: the distribution of future purchases
-- (P(exactly n purchases)) and the expected purchases of a new customer
-- (the population curve E[X(t)]).  C: src/predict.c.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.probability_of_purchases(model @extschema@.bgnbd, n integer,
	horizon float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_bgnbd_prob_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.probability_of_purchases(@extschema@.bgnbd, integer, float8) IS
	'BG/NBD probability (0-1) that a new customer makes exactly n repeat purchases in the first horizon time units after the first purchase (Fader, Hardie & Lee 2005, eq. 8)';
CREATE FUNCTION @extschema@.probability_of_purchases(model @extschema@.bgnbd, n integer,
	horizon float8, frequency integer, recency float8, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_bgnbd_prob_n_customer' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.probability_of_purchases(@extschema@.bgnbd, integer, float8, integer, float8, float8) IS
	'BG/NBD probability (0-1) that a customer with this frequency, recency and t makes exactly n purchases in the next horizon time units';

CREATE FUNCTION @extschema@.probability_of_purchases(model @extschema@.mbgnbd, n integer,
	horizon float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_mbgnbd_prob_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.probability_of_purchases(@extschema@.mbgnbd, integer, float8) IS
	'MBG/NBD probability (0-1) that a new customer makes exactly n repeat purchases in the first horizon time units after the first purchase';
CREATE FUNCTION @extschema@.probability_of_purchases(model @extschema@.mbgnbd, n integer,
	horizon float8, frequency integer, recency float8, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_mbgnbd_prob_n_customer' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.probability_of_purchases(@extschema@.mbgnbd, integer, float8, integer, float8, float8) IS
	'MBG/NBD probability (0-1) that a customer with this frequency, recency and t makes exactly n purchases in the next horizon time units';

CREATE FUNCTION @extschema@.probability_of_purchases(model @extschema@.paretonbd, n integer,
	horizon float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_paretonbd_prob_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.probability_of_purchases(@extschema@.paretonbd, integer, float8) IS
	'Pareto/NBD probability (0-1) that a new customer makes exactly n repeat purchases in the first horizon time units after the first purchase (Fader & Hardie''s note on the Pareto/NBD PMF)';
CREATE FUNCTION @extschema@.probability_of_purchases(model @extschema@.paretonbd, n integer,
	horizon float8, frequency integer, recency float8, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_paretonbd_prob_n_customer' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.probability_of_purchases(@extschema@.paretonbd, integer, float8, integer, float8, float8) IS
	'Pareto/NBD probability (0-1) that a customer with this frequency, recency and t makes exactly n purchases in the next horizon time units';

CREATE FUNCTION @extschema@.expected_purchases(model @extschema@.bgnbd, horizon float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_bgnbd_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.bgnbd, float8) IS
	'BG/NBD expected repeat purchases of a new customer in the first horizon time units (Fader, Hardie & Lee 2005, eq. 9: the population curve)';
CREATE FUNCTION @extschema@.expected_purchases(model @extschema@.paretonbd, horizon float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_paretonbd_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.paretonbd, float8) IS
	'Pareto/NBD expected repeat purchases of a new customer in the first horizon time units (Schmittlein, Morrison & Colombo 1987)';
CREATE FUNCTION @extschema@.expected_purchases(model @extschema@.mbgnbd, horizon float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_mbgnbd_expected_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.mbgnbd, float8) IS
	'MBG/NBD expected repeat purchases of a new customer in the first horizon time units (lifetimes'' ModifiedBetaGeoFitter)';

-- ---------------------------------------------------------------------------
-- Validation: calibration / holdout split of the bound orders (lifetimes'
-- calibration_and_holdout_data) and the conditional-expectations check
-- (Fader, Hardie & Lee 2005, figure 4).  Both read kam.orders as the caller
-- (row-level security applies) in rfm_period periods; customer_id is the
-- bound customer id as text (join with customer_id::text).
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.calibration_holdout(calibration_end date, holdout_end date)
RETURNS TABLE (customer_id text, frequency integer, recency float8, t float8, monetary float8,
			   holdout_frequency integer, holdout_monetary float8, holdout_duration float8)
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	unit text := @extschema@.setting('rfm_period'::pg_catalog.text);
	tz text := @extschema@.time_zone();	-- the days of the order times
	cal_next timestamptz;
	hold_next timestamptz;
	duration float8;
BEGIN
	IF holdout_end < calibration_end THEN
		RAISE EXCEPTION 'holdout_end % is before calibration_end %', holdout_end, calibration_end
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The holdout period runs from the period after calibration_end to holdout_end.';
	END IF;
	IF calibration_end = '-infinity'::date OR holdout_end = 'infinity'::date THEN
		RAISE EXCEPTION 'calibration_end and holdout_end must be finite dates'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the last day of the calibration period and of the holdout period.';
	END IF;
	IF to_regclass('@extschema@.orders') IS NULL THEN
		RAISE EXCEPTION 'kam.orders does not exist'
			USING ERRCODE = 'undefined_table',
				  HINT = 'Bind the orders with kam.bind_orders() first.';
	END IF;
	PERFORM @extschema@.check_trusted_read('kam.calibration_holdout()'::text);
	cal_next := @extschema@.next_period_start(calibration_end, unit)::timestamp AT TIME ZONE tz;
	hold_next := @extschema@.next_period_start(holdout_end, unit)::timestamp AT TIME ZONE tz;
	-- the holdout length in periods, as kam.rfm counts T
	duration := (@extschema@.rfm(calibration_end, 0::float8, holdout_end, unit)).t;
	RETURN QUERY
	WITH cal AS (
		SELECT o.customer_id, @extschema@.rfm(o.ordered_at AT TIME ZONE tz, o.amount, calibration_end::timestamp, unit) AS r
		  FROM @extschema@.orders o
		 WHERE o.ordered_at < cal_next
		 GROUP BY o.customer_id),
	hold AS (
		SELECT p.customer_id, count(*)::integer AS n, avg(p.v) AS m
		  FROM (SELECT o.customer_id, @extschema@.period_start((o.ordered_at AT TIME ZONE tz)::date, unit) AS period,
					   sum(o.amount) AS v
				  FROM @extschema@.orders o
				 WHERE o.ordered_at >= cal_next AND o.ordered_at < hold_next
				 GROUP BY o.customer_id, 2) p
		 GROUP BY p.customer_id)
	SELECT c.customer_id::text, (c.r).frequency, (c.r).recency, (c.r).t, (c.r).monetary,
		   COALESCE(h.n, 0), COALESCE(h.m, 0::float8), duration
	  FROM cal c LEFT JOIN hold h ON h.customer_id = c.customer_id
	 ORDER BY 1;
END
$$;
COMMENT ON FUNCTION @extschema@.calibration_holdout(date, date) IS
	'Per customer with an order on or before calibration_end: the calibration summary (frequency, recency, t in rfm_period periods, monetary in currency), the purchase periods and mean value per purchase period (currency) in the holdout up to holdout_end, and the holdout length in periods (lifetimes'' calibration_and_holdout_data)';

CREATE FUNCTION @extschema@.conditional_expectations(model @extschema@.bgnbd, calibration_end date,
	holdout_end date, max_frequency integer DEFAULT 7)
RETURNS TABLE (frequency integer, customers bigint, actual float8, predicted float8)
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF max_frequency < 0 OR max_frequency > 1000 THEN
		RAISE EXCEPTION 'max_frequency must be in 0..1000, got %', max_frequency
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Customers with max_frequency or more calibration purchases form the last group (7: 0..6 and 7+).';
	END IF;
	RETURN QUERY
	SELECT LEAST(c.frequency, max_frequency), count(*),
		   avg(c.holdout_frequency::float8),
		   avg(@extschema@.expected_purchases(model, c.holdout_duration, c.frequency, c.recency, c.t))
	  FROM @extschema@.calibration_holdout(calibration_end, holdout_end) c
	 GROUP BY 1 ORDER BY 1;
END
$$;
COMMENT ON FUNCTION @extschema@.conditional_expectations(@extschema@.bgnbd, date, date, integer) IS
	'Conditional-expectations check (Fader, Hardie & Lee 2005, fig. 4): per calibration frequency 0..max_frequency (the last group max_frequency or more), customers and the mean actual and BG/NBD-predicted purchase periods in the holdout';

-- ---------------------------------------------------------------------------
-- Validation views: does the model predict?  Driven by the settings below; a
-- BG/NBD model is fitted inside, on the calibration rows only (never on the
-- holdout, and never the stored 'bgnbd', which has seen it), and checked
-- against what happened in the holdout:
--   model_validation_conditional  FHL 2005 fig. 4: mean holdout purchases per
--                                 calibration frequency, actual and predicted
--   model_validation_histogram    calibration frequencies, actual and expected
--                                 (Fader, Hardie & Lee, note 014)
--   model_validation_tracking     cumulative repeat purchases of the cohort per
--                                 period, actual and expected (FHL 2005 fig. 2, 3)
--   model_validation_errors       one row: the fit, the per-customer errors and
--                                 the aggregate holdout forecast error
-- Without validation_calibration_end they are empty.  They read kam.orders as
-- the reader (row-level security applies: each reader validates on the
-- customers visible to them).
-- ---------------------------------------------------------------------------
INSERT INTO @extschema@.setting_defaults (name, value, type, min_value, max_value, description) VALUES
	('validation_calibration_end', NULL, 'date', NULL, NULL,
	 'Last day of the calibration period of the kam.model_validation_* views; empty means not configured (the views are empty).'),
	('validation_holdout_end', NULL, 'date', NULL, NULL,
	 'Last day of the holdout period of the kam.model_validation_* views; empty means the as-of date.'),
	('validation_max_frequency', '7', 'integer', 1, 1000,
	 'Calibration frequencies from this one up form the last group of kam.model_validation_conditional and _histogram (7: 0..6 and 7+).')
ON CONFLICT (name) DO UPDATE SET value = excluded.value, type = excluded.type,
	min_value = excluded.min_value, max_value = excluded.max_value, description = excluded.description;

-- Raises unless the calibration fit converged; returns it unchanged.
CREATE FUNCTION @extschema@.validation_converged(model @extschema@.bgnbd)
RETURNS @extschema@.bgnbd
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF model IS NOT NULL AND model.converged IS NOT TRUE THEN
		RAISE EXCEPTION 'the BG/NBD fit on the calibration period did not converge'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('It stopped after %s iterations at r %s, alpha %s, a %s, b %s.',
								  model.iterations, model.r, model.alpha, model.a, model.b),
				  HINT = 'Check the settings validation_calibration_end and rfm_period: the calibration period needs repeat purchases.';
	END IF;
	RETURN model;
END
$$;
COMMENT ON FUNCTION @extschema@.validation_converged(@extschema@.bgnbd) IS
	'The calibration fit of the kam.model_validation_* views, or an error when it did not converge; internal';

-- Per customer of the calibration cohort: kam.calibration_holdout at the
-- validation settings, the BG/NBD model fitted on those calibration rows (the
-- same value on every row) and its prediction of the holdout purchases.
CREATE FUNCTION @extschema@.validation_customers()
RETURNS TABLE (customer_id text, frequency integer, recency float8, t float8,
			   holdout_frequency integer, holdout_duration float8, predicted float8,
			   model @extschema@.bgnbd, calibration_end date, holdout_end date)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	cal date := @extschema@.setting('validation_calibration_end'::pg_catalog.text)::date;
	hold date := COALESCE(@extschema@.setting('validation_holdout_end'::pg_catalog.text)::date,
						  @extschema@.as_of());
BEGIN
	IF cal IS NULL THEN
		RETURN;
	END IF;
	RETURN QUERY
	WITH ch AS MATERIALIZED (
		SELECT * FROM @extschema@.calibration_holdout(cal, hold)),
	f AS (
		SELECT @extschema@.validation_converged(@extschema@.bgnbd_fit(ch.frequency, ch.recency, ch.t)) AS m
		  FROM ch)
	SELECT ch.customer_id, ch.frequency, ch.recency, ch.t, ch.holdout_frequency, ch.holdout_duration,
		   @extschema@.expected_purchases(f.m, ch.holdout_duration, ch.frequency, ch.recency, ch.t),
		   f.m, cal, hold
	  FROM ch CROSS JOIN f
	 ORDER BY 1;
END
$$;
COMMENT ON FUNCTION @extschema@.validation_customers() IS
	'Per customer with an order on or before the validation_calibration_end setting: kam.calibration_holdout to validation_holdout_end (default the as-of date), the BG/NBD model fitted on the calibration rows and its expected holdout purchases; no rows without validation_calibration_end; internal';

INSERT INTO @extschema@.report_views (name, position, requires, definition, description) VALUES
('model_validation_conditional', 410, ARRAY['orders'], $view$
SELECT g.frequency,
	   g.frequency::pg_catalog.text OPERATOR(pg_catalog.||)
		   CASE WHEN g.frequency OPERATOR(pg_catalog.=) g.top THEN '+' ELSE '' END AS frequency_label,
	   g.customers, g.actual, g.predicted, g.actual_total, g.predicted_total
  FROM (SELECT LEAST(v.frequency, s.top) AS frequency, s.top,
			   pg_catalog.count(*) AS customers,
			   pg_catalog.avg(v.holdout_frequency::pg_catalog.float8) AS actual,
			   pg_catalog.avg(v.predicted) AS predicted,
			   pg_catalog.sum(v.holdout_frequency)::pg_catalog.int8 AS actual_total,
			   pg_catalog.sum(v.predicted) AS predicted_total
		  FROM @extschema@.validation_customers() v
		 CROSS JOIN (SELECT @extschema@.setting('validation_max_frequency'::pg_catalog.text)::integer AS top) s
		 GROUP BY 1, 2) g
$view$,
 'Conditional expectations (Fader, Hardie & Lee 2005, fig. 4): per calibration frequency 0.. validation_max_frequency (the last group that or more), customers and their mean holdout purchases, actual and predicted by BG/NBD fitted on the calibration period (settings validation_calibration_end, validation_holdout_end; empty without the first)'),
('model_validation_histogram', 411, ARRAY['orders'], $view$
WITH v AS MATERIALIZED (SELECT * FROM @extschema@.validation_customers()),
s AS (SELECT @extschema@.setting('validation_max_frequency'::pg_catalog.text)::integer AS top),
m AS (SELECT v.model FROM v LIMIT 1),
g AS (SELECT v.t, pg_catalog.count(*) AS n FROM v GROUP BY v.t),
e AS (SELECT x.x AS frequency,
			 pg_catalog.sum(g.n::pg_catalog.float8 OPERATOR(pg_catalog.*)
							@extschema@.probability_of_purchases(m.model, x.x, g.t)) AS expected
		FROM m CROSS JOIN s CROSS JOIN g
	   CROSS JOIN LATERAL pg_catalog.generate_series(0, s.top OPERATOR(pg_catalog.-) 1) x(x)
	   GROUP BY 1),
a AS (SELECT LEAST(v.frequency, s.top) AS frequency, pg_catalog.count(*) AS actual
		FROM v CROSS JOIN s GROUP BY 1)
SELECT f.f AS frequency,
	   f.f::pg_catalog.text OPERATOR(pg_catalog.||)
		   CASE WHEN f.f OPERATOR(pg_catalog.=) s.top THEN '+' ELSE '' END AS frequency_label,
	   COALESCE(a.actual, 0::pg_catalog.int8) AS actual,
	   CASE WHEN f.f OPERATOR(pg_catalog.<) s.top THEN e.expected
			ELSE (SELECT pg_catalog.count(*) FROM v)::pg_catalog.float8 OPERATOR(pg_catalog.-)
				 (SELECT pg_catalog.sum(e2.expected) FROM e e2) END AS expected
  FROM m CROSS JOIN s
 CROSS JOIN LATERAL pg_catalog.generate_series(0, s.top) f(f)
  LEFT JOIN a ON a.frequency OPERATOR(pg_catalog.=) f.f
  LEFT JOIN e ON e.frequency OPERATOR(pg_catalog.=) f.f
$view$,
 'Calibration frequency histogram (lifetimes'' plot_period_transactions; Fader, Hardie & Lee, note 014): customers with 0, 1, .. validation_max_frequency or more repeat purchases in the calibration period, actual and expected by BG/NBD fitted on it (the sum over customers of P(X(T) = x)); empty without validation_calibration_end'),
('model_validation_tracking', 412, ARRAY['orders'], $view$
WITH v AS MATERIALIZED (SELECT * FROM @extschema@.validation_customers()),
c AS (SELECT v.model, v.calibration_end, v.holdout_end, s.unit, s.tz,
			 @extschema@.period_start(v.calibration_end, s.unit) AS calibration_period,
			 CASE s.unit WHEN 'day' THEN '1 day'::pg_catalog.interval WHEN 'week' THEN '7 days'::pg_catalog.interval
						 WHEN 'month' THEN '1 month'::pg_catalog.interval WHEN 'quarter' THEN '3 months'::pg_catalog.interval
						 ELSE '1 year'::pg_catalog.interval END AS step
		FROM v CROSS JOIN (SELECT @extschema@.setting('rfm_period'::pg_catalog.text) AS unit,
								  @extschema@.time_zone() AS tz) s
	   LIMIT 1),
-- the periods, numbered from the earliest first purchase of the cohort (k = 0)
p AS (SELECT x.d::pg_catalog.date AS period,
			 (pg_catalog.row_number() OVER (ORDER BY x.d) OPERATOR(pg_catalog.-) 1)::integer AS k
		FROM c CROSS JOIN LATERAL pg_catalog.generate_series(
			 c.calibration_period::pg_catalog.timestamp OPERATOR(pg_catalog.-)
				 (c.step OPERATOR(pg_catalog.*) (SELECT pg_catalog.max(v.t) FROM v)),
			 @extschema@.period_start(c.holdout_end, c.unit)::pg_catalog.timestamp, c.step) x(d)),
-- customers by the period of their first purchase (t periods before the calibration end)
born AS (SELECT (p.k OPERATOR(pg_catalog.-) v.t::integer) AS k, pg_catalog.count(*) AS n
		   FROM v CROSS JOIN c JOIN p ON p.period OPERATOR(pg_catalog.=) c.calibration_period
		  GROUP BY 1),
-- purchase periods of the cohort (the first ones included)
bought AS (SELECT b.period, pg_catalog.count(*) AS n
			 FROM (SELECT DISTINCT o.customer_id,
						  @extschema@.period_start((o.ordered_at AT TIME ZONE c.tz)::pg_catalog.date, c.unit) AS period
					 FROM @extschema@.orders o CROSS JOIN c
					WHERE o.ordered_at OPERATOR(pg_catalog.<)
						  (@extschema@.next_period_start(c.holdout_end, c.unit)::pg_catalog.timestamp AT TIME ZONE c.tz)) b
			 JOIN v ON v.customer_id OPERATOR(pg_catalog.=) b.customer_id::pg_catalog.text
			GROUP BY 1),
-- E[X(j)] of a new customer, j periods after the first purchase
curve AS MATERIALIZED (SELECT j.j, @extschema@.expected_purchases(c.model, j.j::pg_catalog.float8) AS e
			FROM c CROSS JOIN LATERAL pg_catalog.generate_series(0, (SELECT pg_catalog.max(p.k) FROM p)) j(j)),
ex AS (SELECT p.k, pg_catalog.sum(born.n::pg_catalog.float8 OPERATOR(pg_catalog.*) curve.e) AS e
		 FROM p JOIN born ON born.k OPERATOR(pg_catalog.<=) p.k
		 JOIN curve ON curve.j OPERATOR(pg_catalog.=) (p.k OPERATOR(pg_catalog.-) born.k)
		GROUP BY p.k),
x AS (SELECT p.period, p.k,
			 COALESCE(bought.n, 0::pg_catalog.int8) OPERATOR(pg_catalog.-) COALESCE(born.n, 0::pg_catalog.int8) AS actual,
			 ex.e AS expected_cumulative
		FROM p
		JOIN ex ON ex.k OPERATOR(pg_catalog.=) p.k
		LEFT JOIN bought ON bought.period OPERATOR(pg_catalog.=) p.period
		LEFT JOIN born ON born.k OPERATOR(pg_catalog.=) p.k)
SELECT x.period, x.k AS period_index,
	   x.period OPERATOR(pg_catalog.>) c.calibration_period AS holdout,
	   x.actual,
	   x.expected_cumulative OPERATOR(pg_catalog.-)
		   COALESCE(pg_catalog.lag(x.expected_cumulative) OVER (ORDER BY x.k), 0::pg_catalog.float8) AS expected,
	   (pg_catalog.sum(x.actual) OVER (ORDER BY x.k))::pg_catalog.int8 AS actual_cumulative,
	   x.expected_cumulative
  FROM x CROSS JOIN c
$view$,
 'Tracking (Fader, Hardie & Lee 2005, fig. 2, 3): per rfm_period period up to validation_holdout_end, repeat purchases of the customers who bought by validation_calibration_end, actual and expected by BG/NBD fitted on the calibration period (sum of E[X(t)] since each first purchase), per period and cumulative; empty without validation_calibration_end'),
('model_validation_errors', 413, ARRAY['orders'], $view$
SELECT g.calibration_end, g.holdout_end, g.holdout_periods, g.customers,
	   (g.model).r AS r, (g.model).alpha AS alpha, (g.model).a AS a, (g.model).b AS b,
	   g.actual_total, g.predicted_total,
	   g.predicted_total OPERATOR(pg_catalog.-) g.actual_total::pg_catalog.float8 AS aggregate_error,
	   100::pg_catalog.float8 OPERATOR(pg_catalog.*)
		   (g.predicted_total OPERATOR(pg_catalog.-) g.actual_total::pg_catalog.float8)
		   OPERATOR(pg_catalog./) NULLIF(g.actual_total, 0::pg_catalog.int8)::pg_catalog.float8 AS aggregate_error_pct,
	   g.mae, g.rmse, g.bias
  FROM (SELECT v.model, v.calibration_end, v.holdout_end, v.holdout_duration AS holdout_periods,
			   pg_catalog.count(*) AS customers,
			   pg_catalog.sum(v.holdout_frequency)::pg_catalog.int8 AS actual_total,
			   pg_catalog.sum(v.predicted) AS predicted_total,
			   pg_catalog.avg(pg_catalog.abs(v.predicted OPERATOR(pg_catalog.-) v.holdout_frequency::pg_catalog.float8)) AS mae,
			   pg_catalog.sqrt(pg_catalog.avg((v.predicted OPERATOR(pg_catalog.-) v.holdout_frequency::pg_catalog.float8)
											  OPERATOR(pg_catalog.^) 2::pg_catalog.float8)) AS rmse,
			   pg_catalog.avg(v.predicted OPERATOR(pg_catalog.-) v.holdout_frequency::pg_catalog.float8) AS bias
		  FROM @extschema@.validation_customers() v
		 GROUP BY 1, 2, 3, 4) g
$view$,
 'Holdout forecast errors of BG/NBD fitted on the calibration period (settings validation_calibration_end, validation_holdout_end): the fitted parameters, total holdout purchases actual and predicted, the aggregate error (predicted - actual, and in % of actual), and the per-customer MAE, RMSE and bias (mean predicted - actual); one row, none without validation_calibration_end')
ON CONFLICT (name) DO UPDATE SET position = excluded.position, requires = excluded.requires,
	definition = excluded.definition, description = excluded.description;

INSERT INTO @extschema@.report_view_columns (view_name, column_name, description) VALUES
	('model_validation_conditional', 'frequency', 'Repeat purchases (purchase periods after the first) in the calibration period; the last group, validation_max_frequency, holds that many or more'),
	('model_validation_conditional', 'frequency_label', 'The frequency as text, with + on the last group (e.g. 7+)'),
	('model_validation_conditional', 'customers', 'Customers with that calibration frequency'),
	('model_validation_conditional', 'actual', 'Mean purchase periods per customer in the holdout period, as observed'),
	('model_validation_conditional', 'predicted', 'Mean purchase periods per customer in the holdout period, predicted by BG/NBD fitted on the calibration period'),
	('model_validation_conditional', 'actual_total', 'Purchase periods of these customers in the holdout period, as observed'),
	('model_validation_conditional', 'predicted_total', 'Purchase periods of these customers in the holdout period, predicted (sum of kam.expected_purchases)'),
	('model_validation_histogram', 'frequency', 'Repeat purchases in the calibration period; the last row, validation_max_frequency, counts that many or more'),
	('model_validation_histogram', 'frequency_label', 'The frequency as text, with + on the last row (e.g. 7+)'),
	('model_validation_histogram', 'actual', 'Customers with that calibration frequency'),
	('model_validation_histogram', 'expected', 'Customers expected with that calibration frequency: sum over the customers of P(X(T) = frequency) under BG/NBD fitted on the calibration period (the last row: the rest)'),
	('model_validation_tracking', 'period', 'First day of the rfm_period period'),
	('model_validation_tracking', 'period_index', 'Periods since the first purchase of the earliest customer of the cohort (0)'),
	('model_validation_tracking', 'holdout', 'True for periods after validation_calibration_end''s period (the holdout)'),
	('model_validation_tracking', 'actual', 'Repeat purchase periods of the cohort in this period, as observed'),
	('model_validation_tracking', 'expected', 'Repeat purchase periods of the cohort in this period, expected by BG/NBD fitted on the calibration period'),
	('model_validation_tracking', 'actual_cumulative', 'Repeat purchase periods of the cohort up to the end of this period, as observed'),
	('model_validation_tracking', 'expected_cumulative', 'Repeat purchase periods of the cohort expected up to the end of this period: sum over the customers of E[X(t)], t the periods since their first purchase'),
	('model_validation_errors', 'calibration_end', 'Last day of the calibration period (setting validation_calibration_end)'),
	('model_validation_errors', 'holdout_end', 'Last day of the holdout period (setting validation_holdout_end, else the as-of date)'),
	('model_validation_errors', 'holdout_periods', 'Length of the holdout period in rfm_period periods'),
	('model_validation_errors', 'customers', 'Customers with an order on or before calibration_end (the cohort the model is fitted on)'),
	('model_validation_errors', 'r', 'BG/NBD r fitted on the calibration period (shape of the purchase-rate distribution)'),
	('model_validation_errors', 'alpha', 'BG/NBD alpha fitted on the calibration period, in rfm_period periods (scale of the purchase-rate distribution)'),
	('model_validation_errors', 'a', 'BG/NBD a fitted on the calibration period (drop-out probability distribution)'),
	('model_validation_errors', 'b', 'BG/NBD b fitted on the calibration period (drop-out probability distribution)'),
	('model_validation_errors', 'actual_total', 'Purchase periods of the cohort in the holdout period, as observed'),
	('model_validation_errors', 'predicted_total', 'Purchase periods of the cohort in the holdout period, predicted by BG/NBD fitted on the calibration period'),
	('model_validation_errors', 'aggregate_error', 'predicted_total - actual_total, in purchase periods (positive: the model overpredicts)'),
	('model_validation_errors', 'aggregate_error_pct', 'aggregate_error in % of actual_total (NULL when actual_total is 0)'),
	('model_validation_errors', 'mae', 'Mean absolute error of the per-customer holdout forecast, in purchase periods'),
	('model_validation_errors', 'rmse', 'Root mean squared error of the per-customer holdout forecast, in purchase periods'),
	('model_validation_errors', 'bias', 'Mean of predicted - actual per customer, in purchase periods (aggregate_error / customers)')
ON CONFLICT (view_name, column_name) DO UPDATE SET description = excluded.description;
