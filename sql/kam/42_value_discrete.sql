
-- ---------------------------------------------------------------------------
-- Lifetime value, discrete opportunities and dropout at time 0: the BG/BB
-- model (Fader, Hardie & Shang 2010) and the MBG/NBD model (Batislam,
-- Denizel & Filiztekin 2007), fitted by maximum likelihood (C: src/bgbb.c,
-- src/mbgnbd.c; doc/value_discrete.md).  The fits share the weighted
-- histogram state of the other model fits (40_value.sql).
-- ---------------------------------------------------------------------------

-- BG/BB -----------------------------------------------------------------------
CREATE TYPE @extschema@.bgbb AS (
	alpha float8, beta float8, gamma float8, delta float8,
	log_likelihood float8, n float8, iterations integer, converged boolean);
COMMENT ON TYPE @extschema@.bgbb IS
	'BG/BB model for discrete transaction opportunities (Fader, Hardie & Shang 2010) as fitted by kam.bgbb_fit; all four parameters are dimensionless.';
COMMENT ON COLUMN @extschema@.bgbb.alpha IS 'First shape parameter of the beta distribution of per-opportunity transaction probabilities';
COMMENT ON COLUMN @extschema@.bgbb.beta IS 'Second shape parameter of the beta distribution of per-opportunity transaction probabilities';
COMMENT ON COLUMN @extschema@.bgbb.gamma IS 'First shape parameter of the beta distribution of per-opportunity dropout probabilities';
COMMENT ON COLUMN @extschema@.bgbb.delta IS 'Second shape parameter of the beta distribution of per-opportunity dropout probabilities';
COMMENT ON COLUMN @extschema@.bgbb.log_likelihood IS 'Maximized log-likelihood of the fit';
COMMENT ON COLUMN @extschema@.bgbb.n IS 'Customers fitted on (sum of weights)';
COMMENT ON COLUMN @extschema@.bgbb.iterations IS 'Optimizer iterations';
COMMENT ON COLUMN @extschema@.bgbb.converged IS 'True when the fit reached an interior maximum; do not use the parameters otherwise';

CREATE FUNCTION @extschema@.bgbb_trans(@extschema@.fit_state, integer, integer, integer) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_bgbb_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_trans(@extschema@.fit_state, integer, integer, integer) IS
	'Transition function of kam.bgbb_fit: adds one customer (counts of opportunities) to the fit state.';
CREATE FUNCTION @extschema@.bgbb_trans(@extschema@.fit_state, integer, integer, integer, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_bgbb_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_trans(@extschema@.fit_state, integer, integer, integer, float8) IS
	'Transition function of the weighted kam.bgbb_fit: adds a row standing for weight customers to the fit state.';
CREATE FUNCTION @extschema@.bgbb_final(@extschema@.fit_state) RETURNS @extschema@.bgbb
AS 'MODULE_PATHNAME', 'kam_bgbb_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_final(@extschema@.fit_state) IS
	'Final function of kam.bgbb_fit: maximizes the BG/BB likelihood (log-likelihood in nats).';

CREATE AGGREGATE @extschema@.bgbb_fit(frequency integer, recency integer, n_periods integer) (
	SFUNC = @extschema@.bgbb_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.bgbb_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bgbb_fit(integer, integer, integer) IS
	'Fits BG/BB to one row per customer: frequency and recency in opportunities (0..n_periods), n_periods opportunities observed.';
CREATE AGGREGATE @extschema@.bgbb_fit(frequency integer, recency integer, n_periods integer, weight float8) (
	SFUNC = @extschema@.bgbb_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.bgbb_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bgbb_fit(integer, integer, integer, float8) IS
	'Fits BG/BB to rows of (frequency, recency, n_periods) in opportunities, each standing for weight customers.';

CREATE FUNCTION @extschema@.expected_purchases(model @extschema@.bgbb, n_future integer,
	frequency integer, recency integer, n_periods integer) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_bgbb_expected_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.bgbb, integer, integer, integer, integer) IS
	'BG/BB expected number of transactions of a customer in the next n_future opportunities.';
CREATE FUNCTION @extschema@.p_alive(model @extschema@.bgbb,
	frequency integer, recency integer, n_periods integer) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_bgbb_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.bgbb, integer, integer, integer) IS
	'BG/BB probability (0..1) that a customer is still alive at the next opportunity, n_periods + 1.';
CREATE FUNCTION @extschema@.dert(model @extschema@.bgbb, discount float8,
	frequency integer, recency integer, n_periods integer) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_bgbb_dert' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dert(@extschema@.bgbb, float8, integer, integer, integer) IS
	'BG/BB discounted expected residual transactions (in transactions, discount per opportunity; the next one is discounted once).';

-- MBG/NBD ---------------------------------------------------------------------
CREATE TYPE @extschema@.mbgnbd AS (
	r float8, alpha float8, a float8, b float8,
	log_likelihood float8, n float8, iterations integer, converged boolean);
COMMENT ON TYPE @extschema@.mbgnbd IS
	'MBG/NBD purchase model (Batislam, Denizel & Filiztekin 2007) as fitted by kam.mbgnbd_fit; alpha is in the time unit of recency and t, r, a and b are dimensionless.';
COMMENT ON COLUMN @extschema@.mbgnbd.r IS 'Shape of the gamma distribution of purchase rates';
COMMENT ON COLUMN @extschema@.mbgnbd.alpha IS 'Scale of the gamma distribution of purchase rates, in time units of recency and t';
COMMENT ON COLUMN @extschema@.mbgnbd.a IS 'First shape parameter of the beta distribution of dropout probabilities (dropout possible at every purchase, the first included)';
COMMENT ON COLUMN @extschema@.mbgnbd.b IS 'Second shape parameter of the beta distribution of dropout probabilities';
COMMENT ON COLUMN @extschema@.mbgnbd.log_likelihood IS 'Maximized log-likelihood of the fit';
COMMENT ON COLUMN @extschema@.mbgnbd.n IS 'Customers fitted on (sum of weights)';
COMMENT ON COLUMN @extschema@.mbgnbd.iterations IS 'Optimizer iterations';
COMMENT ON COLUMN @extschema@.mbgnbd.converged IS 'True when the fit reached an interior maximum; do not use the parameters otherwise';

CREATE FUNCTION @extschema@.mbgnbd_trans(@extschema@.fit_state, integer, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_mbgnbd_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_trans(@extschema@.fit_state, integer, float8, float8) IS
	'Transition function of kam.mbgnbd_fit: adds one customer (recency and t in one time unit) to the fit state.';
CREATE FUNCTION @extschema@.mbgnbd_trans(@extschema@.fit_state, integer, float8, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_mbgnbd_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_trans(@extschema@.fit_state, integer, float8, float8, float8) IS
	'Transition function of the weighted kam.mbgnbd_fit: adds a row standing for weight customers to the fit state.';
CREATE FUNCTION @extschema@.mbgnbd_final(@extschema@.fit_state) RETURNS @extschema@.mbgnbd
AS 'MODULE_PATHNAME', 'kam_mbgnbd_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_final(@extschema@.fit_state) IS
	'Final function of kam.mbgnbd_fit: maximizes the MBG/NBD likelihood (log-likelihood in nats).';

CREATE AGGREGATE @extschema@.mbgnbd_fit(frequency integer, recency float8, t float8) (
	SFUNC = @extschema@.mbgnbd_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.mbgnbd_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(integer, float8, float8) IS
	'Fits MBG/NBD to one row per customer: repeat purchase periods, recency and t in one time unit.';
CREATE AGGREGATE @extschema@.mbgnbd_fit(frequency integer, recency float8, t float8, weight float8) (
	SFUNC = @extschema@.mbgnbd_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.mbgnbd_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(integer, float8, float8, float8) IS
	'Fits MBG/NBD to rows of (frequency, recency, t) in one time unit, each standing for weight customers.';

CREATE FUNCTION @extschema@.expected_purchases(model @extschema@.mbgnbd, horizon float8,
	frequency integer, recency float8, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_mbgnbd_expected_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.mbgnbd, float8, integer, float8, float8) IS
	'MBG/NBD expected number of purchases of a customer in the next horizon time units (the unit of recency and t).';
CREATE FUNCTION @extschema@.p_alive(model @extschema@.mbgnbd,
	frequency integer, recency float8, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_mbgnbd_p_alive_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.mbgnbd, integer, float8, float8) IS
	'MBG/NBD probability (0..1) that a customer is still active; below 1 even without repeat purchases.';
