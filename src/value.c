/*
 * value.c -- helpers shared by kam's lifetime-value models
 *
 * The fitted models are composite types (kam.bgnbd, kam.paretonbd,
 * kam.gammagamma, kam.sbg): their parameters first, then log_likelihood
 * float8, n float8, iterations integer, converged boolean.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/typcache.h"

#include "fitstate.h"
#include "kam.h"
#include "value.h"

/*
 * Scoring functions are called once per customer with the same model: the
 * parameters read from a model are cached in fn_extra together with a copy
 * of the model tuple, and reused while the tuple's bytes are unchanged.
 */
#define MODEL_CACHE_SLOTS 2

typedef struct ModelCacheEntry
{
	int			argno;			/* -1: unused */
	uint32		len;
	char	   *data;
	double		params[KAM_OPTIM_MAXPAR];
} ModelCacheEntry;

typedef struct ModelCache
{
	ModelCacheEntry e[MODEL_CACHE_SLOTS];
} ModelCache;

/*
 * The first nparams attributes of the model composite at argno, each a
 * positive finite float8 (a model built by hand must be a valid one).
 */
void
kam_model_get(FunctionCallInfo fcinfo, int argno, int nparams, double *out,
			  const char *typname)
{
	HeapTupleHeader th = PG_GETARG_HEAPTUPLEHEADER(argno);
	uint32		len = HeapTupleHeaderGetDatumLength(th);
	ModelCache *cache = (ModelCache *) fcinfo->flinfo->fn_extra;
	ModelCacheEntry *ce = NULL;
	TupleDesc	desc;
	HeapTupleData tuple;
	int			i;

	Assert(nparams <= KAM_OPTIM_MAXPAR);
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ModelCache));
		for (i = 0; i < MODEL_CACHE_SLOTS; i++)
			cache->e[i].argno = -1;
		fcinfo->flinfo->fn_extra = cache;
	}
	for (i = 0; i < MODEL_CACHE_SLOTS; i++)
		if (cache->e[i].argno == argno || cache->e[i].argno == -1)
		{
			ce = &cache->e[i];
			break;
		}
	if (ce && ce->argno == argno && ce->len == len && memcmp(ce->data, th, len) == 0)
	{
		memcpy(out, ce->params, sizeof(double) * nparams);
		return;
	}

	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th),
								  HeapTupleHeaderGetTypMod(th));
	tuple.t_len = len;
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = th;
	if (desc->natts < nparams)
		elog(ERROR, "%s has %d attributes, expected at least %d", typname, desc->natts, nparams);
	for (i = 0; i < nparams; i++)
	{
		bool		isnull;
		Datum		d = heap_getattr(&tuple, i + 1, desc, &isnull);
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s parameter %s must not be null", typname, NameStr(att->attname)),
					 errhint("Use a model returned by the fit aggregate.")));
		out[i] = DatumGetFloat8(d);
		if (!(out[i] > 0.0 && isfinite(out[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s parameter %s must be a positive finite number, got %g",
							typname, NameStr(att->attname), out[i]),
					 errhint("Use a model returned by the fit aggregate.")));
	}
	ReleaseTupleDesc(desc);

	if (ce)
	{
		if (ce->data == NULL || ce->len < len)
		{
			if (ce->data)
				pfree(ce->data);
			ce->data = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len);
		}
		memcpy(ce->data, th, len);
		ce->len = len;
		ce->argno = argno;
		memcpy(ce->params, out, sizeof(double) * nparams);
	}
}

/* The fit's composite result; a WARNING when the optimizer did not converge. */
Datum
kam_fit_result(FunctionCallInfo fcinfo, const double *params, int nparams,
			   double log_likelihood, double n, const KamOptimResult *res,
			   const char *fname)
{
	TupleDesc	desc;
	Datum		values[KAM_OPTIM_MAXPAR + 4];
	bool		nulls[KAM_OPTIM_MAXPAR + 4];
	int			i;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "%s: return type must be a row type", fname);
	desc = BlessTupleDesc(desc);
	if (desc->natts != nparams + 4)
		elog(ERROR, "%s: unexpected result type", fname);
	memset(nulls, 0, sizeof(nulls));
	for (i = 0; i < nparams; i++)
		values[i] = Float8GetDatum(params[i]);
	values[nparams] = Float8GetDatum(log_likelihood);
	values[nparams + 1] = Float8GetDatum(n);
	values[nparams + 2] = Int32GetDatum(res->iterations);
	values[nparams + 3] = BoolGetDatum(res->converged);
	if (res->diverged)
		ereport(WARNING,
				(errmsg("%s did not converge: a parameter runs off to 0 or infinity", fname),
				 errdetail("The likelihood keeps increasing toward the boundary of the parameter space (%d iterations).",
						   res->iterations),
				 errhint("The data do not identify the model (for example no sign of heterogeneity or of dropout); do not use these parameters.")));
	else if (!res->converged)
		ereport(WARNING,
				(errmsg("%s did not converge", fname),
				 errdetail("The largest gradient component of the mean log-likelihood is %g after %d iterations.",
						   res->gradmax, res->iterations),
				 errhint("The data may not identify the model (too few customers or repeat purchases); do not use these parameters.")));
	return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

/* frequency, recency and T of one customer, as every purchase model needs them */
void
kam_check_rft(double frequency, double recency, double t)
{
	if (frequency < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be >= 0, got %g", frequency),
				 errhint("frequency is the number of repeat purchase periods.")));
	KAM_CHECK_FINITE(recency, "recency");
	KAM_CHECK_FINITE(t, "t");
	if (recency < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must be >= 0, got %g", recency),
				 errhint("recency is the time from the first to the last purchase.")));
	if (t < recency)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("t must be >= recency, got t %g and recency %g", t, recency),
				 errhint("t is the time from the first purchase to the end of observation.")));
	if (frequency == 0 && recency != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must be 0 when frequency is 0, got %g", recency),
				 errhint("Customers without repeat purchases have recency 0.")));
}

/*
 * Transition of the purchase-model fits (BG/NBD, Pareto/NBD), which take the
 * same (frequency, recency, t [, weight]) rows: a row with a NULL argument is
 * skipped, the others go into the fit's input histogram.
 */
Datum
kam_rft_fit_accumulate(FunctionCallInfo fcinfo, const char *fname, bool weighted)
{
	KamFitState *st = kam_fitstate_get(fcinfo, 3, fname);
	double		key[3];

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || (weighted && PG_ARGISNULL(4)))
		KAM_FITSTATE_RETURN(st);
	key[0] = PG_GETARG_INT32(1);
	key[1] = PG_GETARG_FLOAT8(2);
	key[2] = PG_GETARG_FLOAT8(3);
	kam_check_rft(key[0], key[1], key[2]);
	kam_fitstate_add(st, key, weighted ? kam_fit_weight_arg(fcinfo, 4) : 1.0);
	KAM_FITSTATE_RETURN(st);
}

/*
 * Transition of the two-column fits (Gamma-Gamma, sBG): (state, a, b
 * [, weight]).  A row with a NULL argument is skipped; add() checks the
 * others and adds them to the histogram with the row's weight.
 */
Datum
kam_fit2_accumulate(FunctionCallInfo fcinfo, const char *fname, bool weighted,
					void (*add) (FunctionCallInfo fcinfo, KamFitState *st, double weight))
{
	KamFitState *st = kam_fitstate_get(fcinfo, 2, fname);

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) && (!weighted || !PG_ARGISNULL(3)))
		add(fcinfo, st, weighted ? kam_fit_weight_arg(fcinfo, 3) : 1.0);
	KAM_FITSTATE_RETURN(st);
}

/*
 * Final function of a purchase-model fit: the maximum likelihood parameters
 * of the histogram, NULL without input.  The time-scale parameters are
 * fitted in units of the mean T (d.scale) and reported in T's unit.
 */
Datum
kam_rft_fit_final(FunctionCallInfo fcinfo, const KamRftModel *model)
{
	KamFitState *st;
	KamRft		d;
	double		theta[KAM_RFT_NPAR],
				params[KAM_RFT_NPAR];
	KamOptimResult res;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = kam_fitstate_arg(fcinfo, 0);
	if (!kam_rft_build(st, &d, model->fitname))
		PG_RETURN_NULL();

	/*
	 * start: every parameter 1 (a time scale: the mean T), except alpha
	 * (the second) from the mean purchase rate
	 */
	for (i = 0; i < KAM_RFT_NPAR; i++)
		theta[i] = 0.0;
	theta[1] = log(d.sum_wt / d.sum_wx / d.scale);
	kam_minimize(model->objective, &d, KAM_RFT_NPAR, theta, &res);
	for (i = 0; i < KAM_RFT_NPAR; i++)
	{
		params[i] = exp(theta[i]);
		if (model->time_scale[i])
			params[i] *= d.scale;
	}
	PG_RETURN_DATUM(kam_fit_result(fcinfo, params, KAM_RFT_NPAR, -res.f * d.wsum, d.wsum,
								   &res, model->fitname));
}

/* expected_purchases(model, horizon, frequency, recency, t) */
Datum
kam_rft_expected_purchases(FunctionCallInfo fcinfo, const KamRftModel *model)
{
	double		m[KAM_RFT_NPAR];
	double		horizon = PG_GETARG_FLOAT8(1);
	int32		x = PG_GETARG_INT32(2);
	double		tx = PG_GETARG_FLOAT8(3);
	double		T = PG_GETARG_FLOAT8(4);

	kam_model_get(fcinfo, 0, KAM_RFT_NPAR, m, model->typname);
	kam_check_horizon(horizon, "horizon");
	kam_check_rft(x, tx, T);
	PG_RETURN_FLOAT8(model->expected_alive(m, x, T, horizon) *
					 model->p_alive(m, x, tx, T));
}

/* p_alive(model, frequency, recency, t) */
Datum
kam_rft_p_alive(FunctionCallInfo fcinfo, const KamRftModel *model)
{
	double		m[KAM_RFT_NPAR];
	int32		x = PG_GETARG_INT32(1);
	double		tx = PG_GETARG_FLOAT8(2);
	double		T = PG_GETARG_FLOAT8(3);

	kam_model_get(fcinfo, 0, KAM_RFT_NPAR, m, model->typname);
	kam_check_rft(x, tx, T);
	PG_RETURN_FLOAT8(model->p_alive(m, x, tx, T));
}

void
kam_check_horizon(double horizon, const char *argname)
{
	KAM_CHECK_FINITE(horizon, argname);
	if (horizon < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be >= 0, got %g", argname, horizon),
				 errhint("Pass a horizon in the same time unit as recency and t.")));
}

void
kam_check_discount(double discount, const char *argname)
{
	KAM_CHECK_FINITE(discount, argname);
	if (discount < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be >= 0, got %g", argname, discount),
				 errhint("Pass a discount rate per period, e.g. 0.01 for 1%%.")));
}
