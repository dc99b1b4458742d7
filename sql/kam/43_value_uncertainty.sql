
-- ===========================================================================
-- 43 value uncertainty: observed information, standard errors and 95%
-- confidence intervals of the fitted lifetime-value models (C:
-- src/hessian.c; doc/value.md, "Standard errors")
--
-- kam.<model>_information(model, <the fit's columns>) is an aggregate over
-- the rows the model was fitted on: the observed information matrix
-- (minus the Hessian of the log-likelihood, in nats) of the natural
-- parameters at the model.  kam.model_summary(model, information) turns it
-- into standard errors and intervals.  The information aggregates share the
-- fits' state type kam.fit_state and combine function (section 40).
-- ===========================================================================

CREATE FUNCTION @extschema@.bgnbd_information_trans(@extschema@.fit_state, @extschema@.bgnbd, integer, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_bgnbd_information_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_information_trans(@extschema@.fit_state, @extschema@.bgnbd, integer, float8, float8) IS
	'Transition function of kam.bgnbd_information: adds one customer (the units of kam.bgnbd_fit) to the state; not for direct use';
CREATE FUNCTION @extschema@.bgnbd_information_trans(@extschema@.fit_state, @extschema@.bgnbd, integer, float8, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_bgnbd_information_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_information_trans(@extschema@.fit_state, @extschema@.bgnbd, integer, float8, float8, float8) IS
	'Transition function of the weighted kam.bgnbd_information: adds a row standing for weight customers to the state; not for direct use';
CREATE FUNCTION @extschema@.bgnbd_information_final(@extschema@.fit_state) RETURNS float8[]
AS 'MODULE_PATHNAME', 'kam_bgnbd_information_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_information_final(@extschema@.fit_state) IS
	'Final function of kam.bgnbd_information: the observed information matrix at the model (per nat of log-likelihood); not for direct use';

CREATE AGGREGATE @extschema@.bgnbd_information(model @extschema@.bgnbd, frequency integer, recency float8, t float8) (
	SFUNC = @extschema@.bgnbd_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.bgnbd_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bgnbd_information(@extschema@.bgnbd, integer, float8, float8) IS
	'Observed information of a BG/NBD model over the rows it was fitted on: float8[][] (minus the Hessian of the log-likelihood in nats) of r, alpha, a, b (alpha in the time unit of recency and t); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';
CREATE AGGREGATE @extschema@.bgnbd_information(model @extschema@.bgnbd, frequency integer, recency float8, t float8, weight float8) (
	SFUNC = @extschema@.bgnbd_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.bgnbd_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bgnbd_information(@extschema@.bgnbd, integer, float8, float8, float8) IS
	'Observed information of a BG/NBD model over weighted rows (weight = customers a row stands for): float8[][] of r, alpha, a, b (alpha in the time unit of recency and t); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';

CREATE FUNCTION @extschema@.model_summary(model @extschema@.bgnbd, information float8[])
RETURNS TABLE (parameter text, estimate float8, std_error float8, lower_95 float8, upper_95 float8)
AS 'MODULE_PATHNAME', 'kam_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.bgnbd, float8[]) IS
	'Standard errors and 95% intervals of a BG/NBD model from kam.bgnbd_information: one row per parameter (r, alpha, a, b (alpha in the time unit of recency and t)), estimate, std_error and the bounds in the parameter''s unit';

CREATE FUNCTION @extschema@.paretonbd_information_trans(@extschema@.fit_state, @extschema@.paretonbd, integer, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_paretonbd_information_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.paretonbd_information_trans(@extschema@.fit_state, @extschema@.paretonbd, integer, float8, float8) IS
	'Transition function of kam.paretonbd_information: adds one customer (the units of kam.paretonbd_fit) to the state; not for direct use';
CREATE FUNCTION @extschema@.paretonbd_information_trans(@extschema@.fit_state, @extschema@.paretonbd, integer, float8, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_paretonbd_information_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.paretonbd_information_trans(@extschema@.fit_state, @extschema@.paretonbd, integer, float8, float8, float8) IS
	'Transition function of the weighted kam.paretonbd_information: adds a row standing for weight customers to the state; not for direct use';
CREATE FUNCTION @extschema@.paretonbd_information_final(@extschema@.fit_state) RETURNS float8[]
AS 'MODULE_PATHNAME', 'kam_paretonbd_information_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.paretonbd_information_final(@extschema@.fit_state) IS
	'Final function of kam.paretonbd_information: the observed information matrix at the model (per nat of log-likelihood); not for direct use';

CREATE AGGREGATE @extschema@.paretonbd_information(model @extschema@.paretonbd, frequency integer, recency float8, t float8) (
	SFUNC = @extschema@.paretonbd_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.paretonbd_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.paretonbd_information(@extschema@.paretonbd, integer, float8, float8) IS
	'Observed information of a Pareto/NBD model over the rows it was fitted on: float8[][] (minus the Hessian of the log-likelihood in nats) of r, alpha, s, beta (alpha and beta in the time unit of recency and t); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';
CREATE AGGREGATE @extschema@.paretonbd_information(model @extschema@.paretonbd, frequency integer, recency float8, t float8, weight float8) (
	SFUNC = @extschema@.paretonbd_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.paretonbd_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.paretonbd_information(@extschema@.paretonbd, integer, float8, float8, float8) IS
	'Observed information of a Pareto/NBD model over weighted rows (weight = customers a row stands for): float8[][] of r, alpha, s, beta (alpha and beta in the time unit of recency and t); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';

CREATE FUNCTION @extschema@.model_summary(model @extschema@.paretonbd, information float8[])
RETURNS TABLE (parameter text, estimate float8, std_error float8, lower_95 float8, upper_95 float8)
AS 'MODULE_PATHNAME', 'kam_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.paretonbd, float8[]) IS
	'Standard errors and 95% intervals of a Pareto/NBD model from kam.paretonbd_information: one row per parameter (r, alpha, s, beta (alpha and beta in the time unit of recency and t)), estimate, std_error and the bounds in the parameter''s unit';

CREATE FUNCTION @extschema@.mbgnbd_information_trans(@extschema@.fit_state, @extschema@.mbgnbd, integer, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_mbgnbd_information_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_information_trans(@extschema@.fit_state, @extschema@.mbgnbd, integer, float8, float8) IS
	'Transition function of kam.mbgnbd_information: adds one customer (the units of kam.mbgnbd_fit) to the state; not for direct use';
CREATE FUNCTION @extschema@.mbgnbd_information_trans(@extschema@.fit_state, @extschema@.mbgnbd, integer, float8, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_mbgnbd_information_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_information_trans(@extschema@.fit_state, @extschema@.mbgnbd, integer, float8, float8, float8) IS
	'Transition function of the weighted kam.mbgnbd_information: adds a row standing for weight customers to the state; not for direct use';
CREATE FUNCTION @extschema@.mbgnbd_information_final(@extschema@.fit_state) RETURNS float8[]
AS 'MODULE_PATHNAME', 'kam_mbgnbd_information_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_information_final(@extschema@.fit_state) IS
	'Final function of kam.mbgnbd_information: the observed information matrix at the model (per nat of log-likelihood); not for direct use';

CREATE AGGREGATE @extschema@.mbgnbd_information(model @extschema@.mbgnbd, frequency integer, recency float8, t float8) (
	SFUNC = @extschema@.mbgnbd_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.mbgnbd_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.mbgnbd_information(@extschema@.mbgnbd, integer, float8, float8) IS
	'Observed information of a MBG/NBD model over the rows it was fitted on: float8[][] (minus the Hessian of the log-likelihood in nats) of r, alpha, a, b (alpha in the time unit of recency and t); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';
CREATE AGGREGATE @extschema@.mbgnbd_information(model @extschema@.mbgnbd, frequency integer, recency float8, t float8, weight float8) (
	SFUNC = @extschema@.mbgnbd_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.mbgnbd_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.mbgnbd_information(@extschema@.mbgnbd, integer, float8, float8, float8) IS
	'Observed information of a MBG/NBD model over weighted rows (weight = customers a row stands for): float8[][] of r, alpha, a, b (alpha in the time unit of recency and t); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';

CREATE FUNCTION @extschema@.model_summary(model @extschema@.mbgnbd, information float8[])
RETURNS TABLE (parameter text, estimate float8, std_error float8, lower_95 float8, upper_95 float8)
AS 'MODULE_PATHNAME', 'kam_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.mbgnbd, float8[]) IS
	'Standard errors and 95% intervals of a MBG/NBD model from kam.mbgnbd_information: one row per parameter (r, alpha, a, b (alpha in the time unit of recency and t)), estimate, std_error and the bounds in the parameter''s unit';

CREATE FUNCTION @extschema@.gammagamma_information_trans(@extschema@.fit_state, @extschema@.gammagamma, integer, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_gammagamma_information_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gammagamma_information_trans(@extschema@.fit_state, @extschema@.gammagamma, integer, float8) IS
	'Transition function of kam.gammagamma_information: adds one customer (the units of kam.gammagamma_fit) to the state; not for direct use';
CREATE FUNCTION @extschema@.gammagamma_information_trans(@extschema@.fit_state, @extschema@.gammagamma, integer, float8, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_gammagamma_information_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gammagamma_information_trans(@extschema@.fit_state, @extschema@.gammagamma, integer, float8, float8) IS
	'Transition function of the weighted kam.gammagamma_information: adds a row standing for weight customers to the state; not for direct use';
CREATE FUNCTION @extschema@.gammagamma_information_final(@extschema@.fit_state) RETURNS float8[]
AS 'MODULE_PATHNAME', 'kam_gammagamma_information_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gammagamma_information_final(@extschema@.fit_state) IS
	'Final function of kam.gammagamma_information: the observed information matrix at the model (per nat of log-likelihood); not for direct use';

CREATE AGGREGATE @extschema@.gammagamma_information(model @extschema@.gammagamma, frequency integer, monetary float8) (
	SFUNC = @extschema@.gammagamma_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.gammagamma_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.gammagamma_information(@extschema@.gammagamma, integer, float8) IS
	'Observed information of a Gamma-Gamma model over the rows it was fitted on: float8[][] (minus the Hessian of the log-likelihood in nats) of p, q, v (v in currency); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';
CREATE AGGREGATE @extschema@.gammagamma_information(model @extschema@.gammagamma, frequency integer, monetary float8, weight float8) (
	SFUNC = @extschema@.gammagamma_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.gammagamma_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.gammagamma_information(@extschema@.gammagamma, integer, float8, float8) IS
	'Observed information of a Gamma-Gamma model over weighted rows (weight = customers a row stands for): float8[][] of p, q, v (v in currency); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';

CREATE FUNCTION @extschema@.model_summary(model @extschema@.gammagamma, information float8[])
RETURNS TABLE (parameter text, estimate float8, std_error float8, lower_95 float8, upper_95 float8)
AS 'MODULE_PATHNAME', 'kam_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.gammagamma, float8[]) IS
	'Standard errors and 95% intervals of a Gamma-Gamma model from kam.gammagamma_information: one row per parameter (p, q, v (v in currency)), estimate, std_error and the bounds in the parameter''s unit';

CREATE FUNCTION @extschema@.sbg_information_trans(@extschema@.fit_state, @extschema@.sbg, integer, boolean) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_sbg_information_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_information_trans(@extschema@.fit_state, @extschema@.sbg, integer, boolean) IS
	'Transition function of kam.sbg_information: adds one customer (the units of kam.sbg_fit) to the state; not for direct use';
CREATE FUNCTION @extschema@.sbg_information_trans(@extschema@.fit_state, @extschema@.sbg, integer, boolean, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_sbg_information_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_information_trans(@extschema@.fit_state, @extschema@.sbg, integer, boolean, float8) IS
	'Transition function of the weighted kam.sbg_information: adds a row standing for weight customers to the state; not for direct use';
CREATE FUNCTION @extschema@.sbg_information_final(@extschema@.fit_state) RETURNS float8[]
AS 'MODULE_PATHNAME', 'kam_sbg_information_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_information_final(@extschema@.fit_state) IS
	'Final function of kam.sbg_information: the observed information matrix at the model (per nat of log-likelihood); not for direct use';

CREATE AGGREGATE @extschema@.sbg_information(model @extschema@.sbg, period integer, churned boolean) (
	SFUNC = @extschema@.sbg_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.sbg_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.sbg_information(@extschema@.sbg, integer, boolean) IS
	'Observed information of a sBG model over the rows it was fitted on: float8[][] (minus the Hessian of the log-likelihood in nats) of alpha, beta (dimensionless); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';
CREATE AGGREGATE @extschema@.sbg_information(model @extschema@.sbg, period integer, churned boolean, weight float8) (
	SFUNC = @extschema@.sbg_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.sbg_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.sbg_information(@extschema@.sbg, integer, boolean, float8) IS
	'Observed information of a sBG model over weighted rows (weight = customers a row stands for): float8[][] of alpha, beta (dimensionless); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';

CREATE FUNCTION @extschema@.model_summary(model @extschema@.sbg, information float8[])
RETURNS TABLE (parameter text, estimate float8, std_error float8, lower_95 float8, upper_95 float8)
AS 'MODULE_PATHNAME', 'kam_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.sbg, float8[]) IS
	'Standard errors and 95% intervals of a sBG model from kam.sbg_information: one row per parameter (alpha, beta (dimensionless)), estimate, std_error and the bounds in the parameter''s unit';

CREATE FUNCTION @extschema@.bgbb_information_trans(@extschema@.fit_state, @extschema@.bgbb, integer, integer, integer) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_bgbb_information_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_information_trans(@extschema@.fit_state, @extschema@.bgbb, integer, integer, integer) IS
	'Transition function of kam.bgbb_information: adds one customer (the units of kam.bgbb_fit) to the state; not for direct use';
CREATE FUNCTION @extschema@.bgbb_information_trans(@extschema@.fit_state, @extschema@.bgbb, integer, integer, integer, float8) RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'kam_bgbb_information_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_information_trans(@extschema@.fit_state, @extschema@.bgbb, integer, integer, integer, float8) IS
	'Transition function of the weighted kam.bgbb_information: adds a row standing for weight customers to the state; not for direct use';
CREATE FUNCTION @extschema@.bgbb_information_final(@extschema@.fit_state) RETURNS float8[]
AS 'MODULE_PATHNAME', 'kam_bgbb_information_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_information_final(@extschema@.fit_state) IS
	'Final function of kam.bgbb_information: the observed information matrix at the model (per nat of log-likelihood); not for direct use';

CREATE AGGREGATE @extschema@.bgbb_information(model @extschema@.bgbb, frequency integer, recency integer, n_periods integer) (
	SFUNC = @extschema@.bgbb_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.bgbb_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bgbb_information(@extschema@.bgbb, integer, integer, integer) IS
	'Observed information of a BG/BB model over the rows it was fitted on: float8[][] (minus the Hessian of the log-likelihood in nats) of alpha, beta, gamma, delta (dimensionless); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';
CREATE AGGREGATE @extschema@.bgbb_information(model @extschema@.bgbb, frequency integer, recency integer, n_periods integer, weight float8) (
	SFUNC = @extschema@.bgbb_information_trans, STYPE = @extschema@.fit_state,
	FINALFUNC = @extschema@.bgbb_information_final,
	COMBINEFUNC = @extschema@.fitstate_combine,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bgbb_information(@extschema@.bgbb, integer, integer, integer, float8) IS
	'Observed information of a BG/BB model over weighted rows (weight = customers a row stands for): float8[][] of alpha, beta, gamma, delta (dimensionless); entry (i, j) in 1/(unit of parameter i x unit of parameter j); for kam.model_summary';

CREATE FUNCTION @extschema@.model_summary(model @extschema@.bgbb, information float8[])
RETURNS TABLE (parameter text, estimate float8, std_error float8, lower_95 float8, upper_95 float8)
AS 'MODULE_PATHNAME', 'kam_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.bgbb, float8[]) IS
	'Standard errors and 95% intervals of a BG/BB model from kam.bgbb_information: one row per parameter (alpha, beta, gamma, delta (dimensionless)), estimate, std_error and the bounds in the parameter''s unit';

-- The observed information of a stored model, kept in its parameters jsonb
-- under "information" (kam.stored_*() ignore the key).
CREATE FUNCTION @extschema@.save_model_information(name text, information float8[])
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF information IS NULL THEN
		RAISE EXCEPTION 'information must not be NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the result of kam.<model>_information(model, ...) over the rows the model was fitted on.';
	END IF;
	UPDATE @extschema@.models x
	   SET parameters = x.parameters OPERATOR(pg_catalog.||)
						pg_catalog.jsonb_build_object('information'::pg_catalog.text, pg_catalog.to_jsonb(information))
	 WHERE x.name OPERATOR(pg_catalog.=) save_model_information.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no stored model "%"', name
			USING ERRCODE = 'undefined_object',
				  HINT = 'kam.models lists the stored models; kam.save_model() stores one.';
	END IF;
	-- validates the matrix against the model (shape, symmetry, positive definite)
	PERFORM @extschema@.model_summary(save_model_information.name);
END
$$;
COMMENT ON FUNCTION @extschema@.save_model_information(text, float8[]) IS
	'Stores the observed information (kam.<model>_information, entry (i, j) in 1/(unit_i x unit_j)) with the stored model of that name, for kam.model_summary(name)';

CREATE FUNCTION @extschema@.model_summary(name text, information float8[] DEFAULT NULL)
RETURNS TABLE (parameter text, estimate float8, std_error float8, lower_95 float8, upper_95 float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m @extschema@.models;
	info float8[] := information;
BEGIN
	SELECT * INTO m FROM @extschema@.models x WHERE x.name OPERATOR(pg_catalog.=) model_summary.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no stored model "%"', name
			USING ERRCODE = 'undefined_object',
				  HINT = 'kam.models lists the stored models; kam.save_model() stores one.';
	END IF;
	IF info IS NULL THEN
		IF NOT m.parameters ? 'information' THEN
			RAISE EXCEPTION 'stored model "%" has no observed information', name
				USING ERRCODE = 'no_data_found',
					  DETAIL = 'Standard errors need the data the model was fitted on (models stored before kam 0.2.0, or by kam.save_model, have none).',
					  HINT = format('Run SELECT kam.save_model_information(%L, kam.%s_information(kam.stored_%s(%L), ...)) over the rows it was fitted on.',
									name, m.model_type, m.model_type, name);
		END IF;
		info := pg_catalog.translate((m.parameters->'information')::text, '[]', '{}')::float8[];
	END IF;
	IF m.model_type = 'bgnbd' THEN
		RETURN QUERY SELECT * FROM @extschema@.model_summary(pg_catalog.jsonb_populate_record(NULL::@extschema@.bgnbd, m.parameters), info);
	ELSIF m.model_type = 'paretonbd' THEN
		RETURN QUERY SELECT * FROM @extschema@.model_summary(pg_catalog.jsonb_populate_record(NULL::@extschema@.paretonbd, m.parameters), info);
	ELSIF m.model_type = 'gammagamma' THEN
		RETURN QUERY SELECT * FROM @extschema@.model_summary(pg_catalog.jsonb_populate_record(NULL::@extschema@.gammagamma, m.parameters), info);
	ELSIF m.model_type = 'sbg' THEN
		RETURN QUERY SELECT * FROM @extschema@.model_summary(pg_catalog.jsonb_populate_record(NULL::@extschema@.sbg, m.parameters), info);
	ELSIF m.model_type = 'mbgnbd' THEN
		RETURN QUERY SELECT * FROM @extschema@.model_summary(pg_catalog.jsonb_populate_record(NULL::@extschema@.mbgnbd, m.parameters), info);
	ELSIF m.model_type = 'bgbb' THEN
		RETURN QUERY SELECT * FROM @extschema@.model_summary(pg_catalog.jsonb_populate_record(NULL::@extschema@.bgbb, m.parameters), info);
	ELSE
		RAISE EXCEPTION 'stored model "%" has unknown type %', name, m.model_type
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'kam.models lists the stored models and their types.';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.model_summary(text, float8[]) IS
	'Standard errors and 95% intervals of the stored model of that name, from the given information or the one stored by kam.save_model_information; bounds in the parameter''s unit';

-- A test hook, not for use: the analytic gradients and the Hessian of every
-- model's fit objective against finite differences (sql/value_uncertainty.sql).
CREATE FUNCTION @extschema@.derivative_check()
RETURNS TABLE (model text, point integer, kind text, i integer, j integer, analytic float8, numerical float8)
AS 'MODULE_PATHNAME', 'kam_derivative_check' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.derivative_check() IS
	'Test hook only: on fixed data, each model''s analytic gradient and differenced-gradient Hessian of the negative mean log-likelihood (nats per customer, in ln parameters) against finite differences';
