
-- ---------------------------------------------------------------------------
-- Lifetime value: BG/NBD, Pareto/NBD, Gamma-Gamma and shifted-beta-geometric
-- models fitted by maximum likelihood (C: src/bgnbd.c, paretonbd.c,
-- gammagamma.c, sbg.c, clv.c), and closed-form CLV.
-- ---------------------------------------------------------------------------

-- The fit aggregates share one state: a weighted histogram of distinct
-- inputs, of the storable type kam.fit_state (so that Citus aggregates the
-- fits partially on the workers; src/fitstate.c).
CREATE TYPE @extschema@.fit_state;
CREATE FUNCTION @extschema@.fit_state_in(cstring) RETURNS @extschema@.fit_state
	AS 'MODULE_PATHNAME', 'kam_fit_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.fit_state_out(@extschema@.fit_state) RETURNS cstring
	AS 'MODULE_PATHNAME', 'kam_fit_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.fit_state_recv(internal) RETURNS @extschema@.fit_state
	AS 'MODULE_PATHNAME', 'kam_fit_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.fit_state_send(@extschema@.fit_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kam_fit_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fit_state_in(cstring) IS 'Text input function of type kam.fit_state; not for direct use';
COMMENT ON FUNCTION @extschema@.fit_state_out(@extschema@.fit_state) IS 'Text output function of type kam.fit_state; not for direct use';
COMMENT ON FUNCTION @extschema@.fit_state_recv(internal) IS 'Binary input function of type kam.fit_state; not for direct use';
COMMENT ON FUNCTION @extschema@.fit_state_send(@extschema@.fit_state) IS 'Binary output function of type kam.fit_state; not for direct use';
CREATE TYPE @extschema@.fit_state (
	INPUT = @extschema@.fit_state_in,
	OUTPUT = @extschema@.fit_state_out,
	RECEIVE = @extschema@.fit_state_recv,
	SEND = @extschema@.fit_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.fit_state IS
	'State of the fit and information aggregates: the weighted histogram of distinct input rows (and the model of an information aggregate); exact text form "v1 <keys> <rows> <- or [model,...]> {(key,...;weight),...}"';
CREATE FUNCTION @extschema@.fitstate_combine(@extschema@.fit_state, @extschema@.fit_state) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_fitstate_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fitstate_combine(@extschema@.fit_state, @extschema@.fit_state) IS
	'Combine function of the fit and information aggregates (kam.bgnbd_fit, paretonbd_fit, gammagamma_fit, sbg_fit, bgbb_fit, mbgnbd_fit, *_information); not for direct use';

-- BG/NBD ----------------------------------------------------------------------
CREATE TYPE @extschema@.bgnbd AS (
	r float8, alpha float8, a float8, b float8,
	log_likelihood float8, n float8, iterations integer, converged boolean);
COMMENT ON COLUMN @extschema@.bgnbd.r IS 'Shape of the gamma distribution of purchase rates';
COMMENT ON COLUMN @extschema@.bgnbd.alpha IS 'Scale of the gamma distribution of purchase rates, in time units of recency and t';
COMMENT ON COLUMN @extschema@.bgnbd.a IS 'First shape parameter of the beta distribution of dropout probabilities';
COMMENT ON COLUMN @extschema@.bgnbd.b IS 'Second shape parameter of the beta distribution of dropout probabilities';
COMMENT ON COLUMN @extschema@.bgnbd.log_likelihood IS 'Maximized log-likelihood of the fit';
COMMENT ON COLUMN @extschema@.bgnbd.n IS 'Customers fitted on (sum of weights)';
COMMENT ON COLUMN @extschema@.bgnbd.iterations IS 'Optimizer iterations (BFGS plus Nelder-Mead)';
COMMENT ON COLUMN @extschema@.bgnbd.converged IS 'True when the fit reached an interior maximum; do not use the parameters otherwise';
COMMENT ON TYPE @extschema@.bgnbd IS
	'BG/NBD purchase model (Fader, Hardie & Lee 2005) as fitted by kam.bgnbd_fit';

CREATE FUNCTION @extschema@.bgnbd_trans(@extschema@.fit_state, integer, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_bgnbd_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.bgnbd_trans(@extschema@.fit_state, integer, float8, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_bgnbd_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.bgnbd_final(@extschema@.fit_state) RETURNS @extschema@.bgnbd
AS 'MODULE_PATHNAME', 'kam_bgnbd_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_trans(@extschema@.fit_state, integer, float8, float8) IS 'Transition function of kam.bgnbd_fit; not for direct use';
COMMENT ON FUNCTION @extschema@.bgnbd_trans(@extschema@.fit_state, integer, float8, float8, float8) IS 'Transition function of kam.bgnbd_fit (weighted); not for direct use';
COMMENT ON FUNCTION @extschema@.bgnbd_final(@extschema@.fit_state) IS 'Final function of kam.bgnbd_fit (the maximum-likelihood fit); not for direct use';

CREATE AGGREGATE @extschema@.bgnbd_fit(frequency integer, recency float8, t float8) (
	SFUNC = @extschema@.bgnbd_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.bgnbd_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.bgnbd_fit(frequency integer, recency float8, t float8, weight float8) (
	SFUNC = @extschema@.bgnbd_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.bgnbd_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(integer, float8, float8) IS
	'Maximum-likelihood BG/NBD fit of one row per customer: frequency (repeat purchases), recency and t in one time unit';
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(integer, float8, float8, float8) IS
	'Maximum-likelihood BG/NBD fit of rows of frequency, recency and t (one time unit), each standing for weight customers';

CREATE FUNCTION @extschema@.expected_purchases(model @extschema@.bgnbd, horizon float8,
	frequency integer, recency float8, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_bgnbd_expected_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.bgnbd, float8, integer, float8, float8) IS
	'BG/NBD expected number of purchases in the next horizon periods of a customer';
CREATE FUNCTION @extschema@.p_alive(model @extschema@.bgnbd,
	frequency integer, recency float8, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_bgnbd_p_alive_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.bgnbd, integer, float8, float8) IS
	'BG/NBD probability that a customer is still active';

-- Pareto/NBD ------------------------------------------------------------------
CREATE TYPE @extschema@.paretonbd AS (
	r float8, alpha float8, s float8, beta float8,
	log_likelihood float8, n float8, iterations integer, converged boolean);
COMMENT ON COLUMN @extschema@.paretonbd.r IS 'Shape of the gamma distribution of purchase rates';
COMMENT ON COLUMN @extschema@.paretonbd.alpha IS 'Scale of the gamma distribution of purchase rates, in time units of recency and t';
COMMENT ON COLUMN @extschema@.paretonbd.s IS 'Shape of the gamma distribution of dropout rates';
COMMENT ON COLUMN @extschema@.paretonbd.beta IS 'Scale of the gamma distribution of dropout rates, in time units of recency and t';
COMMENT ON COLUMN @extschema@.paretonbd.log_likelihood IS 'Maximized log-likelihood of the fit';
COMMENT ON COLUMN @extschema@.paretonbd.n IS 'Customers fitted on (sum of weights)';
COMMENT ON COLUMN @extschema@.paretonbd.iterations IS 'Optimizer iterations (BFGS plus Nelder-Mead)';
COMMENT ON COLUMN @extschema@.paretonbd.converged IS 'True when the fit reached an interior maximum; do not use the parameters otherwise';
COMMENT ON TYPE @extschema@.paretonbd IS
	'Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987) as fitted by kam.paretonbd_fit';

CREATE FUNCTION @extschema@.paretonbd_trans(@extschema@.fit_state, integer, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_paretonbd_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.paretonbd_trans(@extschema@.fit_state, integer, float8, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_paretonbd_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.paretonbd_final(@extschema@.fit_state) RETURNS @extschema@.paretonbd
AS 'MODULE_PATHNAME', 'kam_paretonbd_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.paretonbd_trans(@extschema@.fit_state, integer, float8, float8) IS 'Transition function of kam.paretonbd_fit; not for direct use';
COMMENT ON FUNCTION @extschema@.paretonbd_trans(@extschema@.fit_state, integer, float8, float8, float8) IS 'Transition function of kam.paretonbd_fit (weighted); not for direct use';
COMMENT ON FUNCTION @extschema@.paretonbd_final(@extschema@.fit_state) IS 'Final function of kam.paretonbd_fit (the maximum-likelihood fit); not for direct use';

CREATE AGGREGATE @extschema@.paretonbd_fit(frequency integer, recency float8, t float8) (
	SFUNC = @extschema@.paretonbd_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.paretonbd_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.paretonbd_fit(frequency integer, recency float8, t float8, weight float8) (
	SFUNC = @extschema@.paretonbd_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.paretonbd_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.paretonbd_fit(integer, float8, float8) IS
	'Maximum-likelihood Pareto/NBD fit of one row per customer: frequency (repeat purchases), recency and t in one time unit';
COMMENT ON AGGREGATE @extschema@.paretonbd_fit(integer, float8, float8, float8) IS
	'Maximum-likelihood Pareto/NBD fit of rows of frequency, recency and t (one time unit), each standing for weight customers';

CREATE FUNCTION @extschema@.expected_purchases(model @extschema@.paretonbd, horizon float8,
	frequency integer, recency float8, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_paretonbd_expected_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.paretonbd, float8, integer, float8, float8) IS
	'Pareto/NBD expected number of purchases in the next horizon periods of a customer';
CREATE FUNCTION @extschema@.p_alive(model @extschema@.paretonbd,
	frequency integer, recency float8, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_paretonbd_p_alive_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.paretonbd, integer, float8, float8) IS
	'Pareto/NBD probability that a customer is still active';

-- Gamma-Gamma -----------------------------------------------------------------
CREATE TYPE @extschema@.gammagamma AS (
	p float8, q float8, v float8,
	log_likelihood float8, n float8, iterations integer, converged boolean);
COMMENT ON COLUMN @extschema@.gammagamma.p IS 'Shape of the gamma distribution of a customer''s spend per purchase';
COMMENT ON COLUMN @extschema@.gammagamma.q IS 'Shape of the gamma distribution of the spend scale across customers (mean spend finite when q > 1)';
COMMENT ON COLUMN @extschema@.gammagamma.v IS 'Scale of the gamma distribution of the spend scale across customers, in currency';
COMMENT ON COLUMN @extschema@.gammagamma.log_likelihood IS 'Maximized log-likelihood of the fit';
COMMENT ON COLUMN @extschema@.gammagamma.n IS 'Customers fitted on (sum of weights)';
COMMENT ON COLUMN @extschema@.gammagamma.iterations IS 'Optimizer iterations (BFGS plus Nelder-Mead)';
COMMENT ON COLUMN @extschema@.gammagamma.converged IS 'True when the fit reached an interior maximum; do not use the parameters otherwise';
COMMENT ON TYPE @extschema@.gammagamma IS
	'Gamma-Gamma spend model (Fader, Hardie & Lee 2005) as fitted by kam.gammagamma_fit';

CREATE FUNCTION @extschema@.gammagamma_trans(@extschema@.fit_state, integer, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_gammagamma_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.gammagamma_trans(@extschema@.fit_state, integer, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_gammagamma_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.gammagamma_final(@extschema@.fit_state) RETURNS @extschema@.gammagamma
AS 'MODULE_PATHNAME', 'kam_gammagamma_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gammagamma_trans(@extschema@.fit_state, integer, float8) IS 'Transition function of kam.gammagamma_fit; not for direct use';
COMMENT ON FUNCTION @extschema@.gammagamma_trans(@extschema@.fit_state, integer, float8, float8) IS 'Transition function of kam.gammagamma_fit (weighted); not for direct use';
COMMENT ON FUNCTION @extschema@.gammagamma_final(@extschema@.fit_state) IS 'Final function of kam.gammagamma_fit (the maximum-likelihood fit); not for direct use';

CREATE AGGREGATE @extschema@.gammagamma_fit(frequency integer, monetary float8) (
	SFUNC = @extschema@.gammagamma_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.gammagamma_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.gammagamma_fit(frequency integer, monetary float8, weight float8) (
	SFUNC = @extschema@.gammagamma_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.gammagamma_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.gammagamma_fit(integer, float8) IS
	'Maximum-likelihood Gamma-Gamma fit of one row per customer: frequency and monetary (mean spend per repeat purchase, currency); frequency 0 skipped';
COMMENT ON AGGREGATE @extschema@.gammagamma_fit(integer, float8, float8) IS
	'Maximum-likelihood Gamma-Gamma fit of rows of frequency and monetary (currency), each standing for weight customers';

CREATE FUNCTION @extschema@.expected_spend(model @extschema@.gammagamma,
	frequency integer, monetary float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_gammagamma_expected_spend' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_spend(@extschema@.gammagamma, integer, float8) IS
	'Gamma-Gamma expected mean spend per purchase of a customer';

-- CLV -------------------------------------------------------------------------
CREATE FUNCTION @extschema@.clv(model @extschema@.bgnbd, spend @extschema@.gammagamma,
	frequency integer, recency float8, t float8, monetary float8,
	months integer, monthly_discount float8, periods_per_month float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_bgnbd_clv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.clv(@extschema@.bgnbd, @extschema@.gammagamma, integer, float8, float8, float8, integer, float8, float8) IS
	'Discounted expected spend over the next months (lifetimes'' customer_lifetime_value), BG/NBD purchases';
CREATE FUNCTION @extschema@.clv(model @extschema@.paretonbd, spend @extschema@.gammagamma,
	frequency integer, recency float8, t float8, monetary float8,
	months integer, monthly_discount float8, periods_per_month float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_paretonbd_clv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.clv(@extschema@.paretonbd, @extschema@.gammagamma, integer, float8, float8, float8, integer, float8, float8) IS
	'Discounted expected spend over the next months (lifetimes'' customer_lifetime_value), Pareto/NBD purchases';

CREATE FUNCTION @extschema@.clv_simple(margin float8, retention float8, discount float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_clv_simple' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.clv_simple(float8, float8, float8) IS
	'Closed-form CLV m r / (1 + d - r) (Gupta & Lehmann 2003)';
CREATE FUNCTION @extschema@.clv_simple(margin float8, retention float8, discount float8,
	periods integer) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_clv_simple_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.clv_simple(float8, float8, float8, integer) IS
	'Closed-form CLV over a finite number of periods: sum m (r/(1+d))^t, t = 1..periods';

-- Shifted-beta-geometric (contracts) -----------------------------------------
CREATE TYPE @extschema@.sbg AS (
	alpha float8, beta float8,
	log_likelihood float8, n float8, iterations integer, converged boolean);
COMMENT ON COLUMN @extschema@.sbg.alpha IS 'First shape parameter of the beta distribution of churn probabilities per period';
COMMENT ON COLUMN @extschema@.sbg.beta IS 'Second shape parameter of the beta distribution of churn probabilities per period';
COMMENT ON COLUMN @extschema@.sbg.log_likelihood IS 'Maximized log-likelihood of the fit';
COMMENT ON COLUMN @extschema@.sbg.n IS 'Customers fitted on (sum of weights)';
COMMENT ON COLUMN @extschema@.sbg.iterations IS 'Optimizer iterations (BFGS plus Nelder-Mead)';
COMMENT ON COLUMN @extschema@.sbg.converged IS 'True when the fit reached an interior maximum; do not use the parameters otherwise';
COMMENT ON TYPE @extschema@.sbg IS
	'Shifted-beta-geometric contract model (Fader & Hardie 2007) as fitted by kam.sbg_fit';

CREATE FUNCTION @extschema@.sbg_trans(@extschema@.fit_state, integer, boolean) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_sbg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sbg_trans(@extschema@.fit_state, integer, boolean, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_sbg_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sbg_final(@extschema@.fit_state) RETURNS @extschema@.sbg
AS 'MODULE_PATHNAME', 'kam_sbg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_trans(@extschema@.fit_state, integer, boolean) IS 'Transition function of kam.sbg_fit; not for direct use';
COMMENT ON FUNCTION @extschema@.sbg_trans(@extschema@.fit_state, integer, boolean, float8) IS 'Transition function of kam.sbg_fit (weighted); not for direct use';
COMMENT ON FUNCTION @extschema@.sbg_final(@extschema@.fit_state) IS 'Final function of kam.sbg_fit (the maximum-likelihood fit); not for direct use';

CREATE AGGREGATE @extschema@.sbg_fit(period integer, churned boolean) (
	SFUNC = @extschema@.sbg_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.sbg_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.sbg_fit(period integer, churned boolean, weight float8) (
	SFUNC = @extschema@.sbg_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.sbg_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.sbg_fit(integer, boolean) IS
	'Maximum-likelihood sBG fit of one row per contract customer: the period it churned in, or the periods observed when still active';
COMMENT ON AGGREGATE @extschema@.sbg_fit(integer, boolean, float8) IS
	'Maximum-likelihood sBG fit of rows of period and churned, each standing for weight customers';

CREATE FUNCTION @extschema@.sbg_survival(model @extschema@.sbg, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_sbg_survival' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_survival(@extschema@.sbg, float8) IS
	'sBG probability that a new customer is still active after t periods';
CREATE FUNCTION @extschema@.sbg_retention(model @extschema@.sbg, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_sbg_retention' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_retention(@extschema@.sbg, float8) IS
	'sBG retention rate from period t - 1 to period t: S(t) / S(t - 1)';
CREATE FUNCTION @extschema@.sbg_del(model @extschema@.sbg, discount float8) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_sbg_del' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_del(@extschema@.sbg, float8) IS
	'sBG discounted expected lifetime of a new customer, payment at t = 0 counted (Fader & Hardie 2010)';
CREATE FUNCTION @extschema@.sbg_derl(model @extschema@.sbg, discount float8, renewals integer) RETURNS float8
AS 'MODULE_PATHNAME', 'kam_sbg_derl' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_derl(@extschema@.sbg, float8, integer) IS
	'sBG discounted expected residual lifetime of a customer who has renewed renewals times (Fader & Hardie 2010, eq. 6)';
