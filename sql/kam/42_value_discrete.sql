
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

CREATE FUNCTION @extschema@.bgbb_trans(internal, integer, integer, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'kam_bgbb_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_trans(internal, integer, integer, integer) IS
	'Transition function of kam.bgbb_fit: adds one customer (counts of opportunities) to the fit state.';
CREATE FUNCTION @extschema@.bgbb_trans(internal, integer, integer, integer, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'kam_bgbb_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_trans(internal, integer, integer, integer, float8) IS
	'Transition function of the weighted kam.bgbb_fit: adds a row standing for weight customers to the fit state.';
CREATE FUNCTION @extschema@.bgbb_final(internal) RETURNS @extschema@.bgbb
AS 'MODULE_PATHNAME', 'kam_bgbb_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_final(internal) IS
	'Final function of kam.bgbb_fit: maximizes the BG/BB likelihood (log-likelihood in nats).';

CREATE AGGREGATE @extschema@.bgbb_fit(frequency integer, recency integer, n_periods integer) (
	SFUNC = @extschema@.bgbb_trans, STYPE = internal,
	FINALFUNC = @extschema@.bgbb_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	SERIALFUNC = @extschema@.fitstate_serialize,
	DESERIALFUNC = @extschema@.fitstate_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bgbb_fit(integer, integer, integer) IS
	'Fits BG/BB to one row per customer: frequency and recency in opportunities (0..n_periods), n_periods opportunities observed.';
CREATE AGGREGATE @extschema@.bgbb_fit(frequency integer, recency integer, n_periods integer, weight float8) (
	SFUNC = @extschema@.bgbb_trans, STYPE = internal,
	FINALFUNC = @extschema@.bgbb_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	SERIALFUNC = @extschema@.fitstate_serialize,
	DESERIALFUNC = @extschema@.fitstate_deserialize,
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
