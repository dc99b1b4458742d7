
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
	cal_next := @extschema@.next_period_start(calibration_end, unit)::timestamptz;
	hold_next := @extschema@.next_period_start(holdout_end, unit)::timestamptz;
	-- the holdout length in periods, as kam.rfm counts T
	duration := (@extschema@.rfm(calibration_end::timestamptz, 0::float8, holdout_end::timestamptz, unit)).t;
	RETURN QUERY
	WITH cal AS (
		SELECT o.customer_id, @extschema@.rfm(o.ordered_at, o.amount, calibration_end::timestamptz, unit) AS r
		  FROM @extschema@.orders o
		 WHERE o.ordered_at < cal_next
		 GROUP BY o.customer_id),
	hold AS (
		SELECT p.customer_id, count(*)::integer AS n, avg(p.v) AS m
		  FROM (SELECT o.customer_id, @extschema@.period_start(o.ordered_at::date, unit) AS period,
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
