
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
