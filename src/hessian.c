/*
 * hessian.c -- standard errors of kam's model fits from the observed
 * information (doc/value.md, "Standard errors")
 *
 * kam.<model>_information(model, data...) is an aggregate over the same
 * rows as kam.<model>_fit: the transition adds each row to the fit state
 * (the fit's own transition function, so the same checks) and records the
 * model in the state; the combine, serialize and deserialize functions are
 * the fits' own.  The final function builds the fit's objective over the
 * data (kam_<model>_problem: the negative mean log-likelihood f in
 * theta = ln(parameter / scale)) and differentiates the analytic gradient g
 * by central differences:
 *   H[i][j] = (g_i(theta + h e_j) - g_i(theta - h e_j)) / (2 h),  h = 1e-4,
 * a relative step of 1e-4 in parameter j, then symmetrized.  The observed
 * information of the natural parameters follows exactly, at any point:
 *   I[i][j] = n (H[i][j] - [i = j] g_i) / (p_i p_j).
 * kam.model_summary(model, information) inverts the information on the log
 * scale (D I D, D = diag(p), Cholesky), so that
 *   std_error_i = p_i sqrt(C_ii)            (delta method),
 *   95% interval  p_i exp(+-1.959964 sqrt(C_ii))   (Wald on ln p_i: positive).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "fitstate.h"
#include "hessian.h"
#include "kam.h"
#include "value.h"

#define HESS_STEP 1e-4
#define Z95 1.959963984540054
/* a model farther than this many standard errors from the optimum: WARNING */
#define OFF_OPTIMUM_SE 0.01

PG_FUNCTION_INFO_V1(kam_bgnbd_information_trans);
PG_FUNCTION_INFO_V1(kam_bgnbd_information_trans_w);
PG_FUNCTION_INFO_V1(kam_bgnbd_information_final);
PG_FUNCTION_INFO_V1(kam_paretonbd_information_trans);
PG_FUNCTION_INFO_V1(kam_paretonbd_information_trans_w);
PG_FUNCTION_INFO_V1(kam_paretonbd_information_final);
PG_FUNCTION_INFO_V1(kam_mbgnbd_information_trans);
PG_FUNCTION_INFO_V1(kam_mbgnbd_information_trans_w);
PG_FUNCTION_INFO_V1(kam_mbgnbd_information_final);
PG_FUNCTION_INFO_V1(kam_gammagamma_information_trans);
PG_FUNCTION_INFO_V1(kam_gammagamma_information_trans_w);
PG_FUNCTION_INFO_V1(kam_gammagamma_information_final);
PG_FUNCTION_INFO_V1(kam_sbg_information_trans);
PG_FUNCTION_INFO_V1(kam_sbg_information_trans_w);
PG_FUNCTION_INFO_V1(kam_sbg_information_final);
PG_FUNCTION_INFO_V1(kam_bgbb_information_trans);
PG_FUNCTION_INFO_V1(kam_bgbb_information_trans_w);
PG_FUNCTION_INFO_V1(kam_bgbb_information_final);
PG_FUNCTION_INFO_V1(kam_model_summary);
PG_FUNCTION_INFO_V1(kam_derivative_check);

/* the fits' transition functions (bgnbd.c, ...) */
extern Datum kam_bgnbd_trans(PG_FUNCTION_ARGS);
extern Datum kam_bgnbd_trans_w(PG_FUNCTION_ARGS);
extern Datum kam_paretonbd_trans(PG_FUNCTION_ARGS);
extern Datum kam_paretonbd_trans_w(PG_FUNCTION_ARGS);
extern Datum kam_mbgnbd_trans(PG_FUNCTION_ARGS);
extern Datum kam_mbgnbd_trans_w(PG_FUNCTION_ARGS);
extern Datum kam_gammagamma_trans(PG_FUNCTION_ARGS);
extern Datum kam_gammagamma_trans_w(PG_FUNCTION_ARGS);
extern Datum kam_sbg_trans(PG_FUNCTION_ARGS);
extern Datum kam_sbg_trans_w(PG_FUNCTION_ARGS);
extern Datum kam_bgbb_trans(PG_FUNCTION_ARGS);
extern Datum kam_bgbb_trans_w(PG_FUNCTION_ARGS);

typedef bool (*KamProblemBuilder) (KamFitState *st, KamProblem *p);

bool
kam_rft_problem(KamFitState *st, KamProblem *p, KamObjective objective,
				const bool *time_scale, const char *fitname)
{
	KamRft	   *d = palloc(sizeof(KamRft));
	int			i;

	if (!kam_rft_build(st, d, fitname))
		return false;
	p->npar = KAM_RFT_NPAR;
	p->objective = objective;
	p->arg = d;
	for (i = 0; i < KAM_RFT_NPAR; i++)
		p->scale[i] = time_scale[i] ? d->scale : 1.0;
	p->wsum = d->wsum;
	return true;
}

/* ---------------------------------------------------------------------------
 * Linear algebra on small symmetric matrices
 */

/* Cholesky factor L (lower) of a; false unless a is positive definite. */
static bool
cholesky(int n, double a[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR],
		 double L[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR])
{
	int			i,
				j,
				k;

	memset(L, 0, sizeof(double) * KAM_OPTIM_MAXPAR * KAM_OPTIM_MAXPAR);
	for (j = 0; j < n; j++)
	{
		double		s = a[j][j];

		for (k = 0; k < j; k++)
			s -= L[j][k] * L[j][k];
		if (!(s > 0.0) || !isfinite(s))
			return false;
		L[j][j] = sqrt(s);
		for (i = j + 1; i < n; i++)
		{
			double		t = a[i][j];

			for (k = 0; k < j; k++)
				t -= L[i][k] * L[j][k];
			L[i][j] = t / L[j][j];
		}
	}
	return true;
}

/* x = A^-1 b from the Cholesky factor of A */
static void
chol_solve(int n, double L[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR], const double *b, double *x)
{
	double		y[KAM_OPTIM_MAXPAR];
	int			i,
				k;

	for (i = 0; i < n; i++)
	{
		y[i] = b[i];
		for (k = 0; k < i; k++)
			y[i] -= L[i][k] * y[k];
		y[i] /= L[i][i];
	}
	for (i = n - 1; i >= 0; i--)
	{
		x[i] = y[i];
		for (k = i + 1; k < n; k++)
			x[i] -= L[k][i] * x[k];
		x[i] /= L[i][i];
	}
}

/* ---------------------------------------------------------------------------
 * The Hessian
 */

static void
objective_error(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("the log-likelihood or its gradient is not finite near the model's parameters (%s)", what),
			 errhint("Pass a model fitted on these data: its parameters must be far from 0 and infinity.")));
}

/*
 * At the natural parameters params: g (gradient of f in theta) and Ht (the
 * central-difference Hessian of f in theta, symmetrized).
 */
static void
problem_hessian(const KamProblem *p, const double *params, double *g,
				double Ht[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR])
{
	double		theta[KAM_OPTIM_MAXPAR] = {0},
				t[KAM_OPTIM_MAXPAR],
				gp[KAM_OPTIM_MAXPAR],
				gm[KAM_OPTIM_MAXPAR];
	int			n = p->npar,
				i,
				j;

	for (i = 0; i < n; i++)
		theta[i] = log(params[i] / p->scale[i]);
	if (!isfinite(p->objective(theta, g, p->arg)))
		objective_error("at the model");
	for (j = 0; j < n; j++)
	{
		memcpy(t, theta, sizeof(double) * n);
		t[j] = theta[j] + HESS_STEP;
		if (!isfinite(p->objective(t, gp, p->arg)))
			objective_error("above the model");
		t[j] = theta[j] - HESS_STEP;
		if (!isfinite(p->objective(t, gm, p->arg)))
			objective_error("below the model");
		for (i = 0; i < n; i++)
			Ht[i][j] = (gp[i] - gm[i]) / (2.0 * HESS_STEP);
	}
	for (i = 0; i < n; i++)
	{
		if (!isfinite(g[i]))
			objective_error("gradient");
		for (j = 0; j < i; j++)
			Ht[i][j] = Ht[j][i] = 0.5 * (Ht[i][j] + Ht[j][i]);
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (!isfinite(Ht[i][j]))
				objective_error("Hessian");
}

static ArrayType *
matrix_array(int n, double m[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR])
{
	Datum		elems[KAM_OPTIM_MAXPAR * KAM_OPTIM_MAXPAR];
	int			dims[2] = {n, n},
				lbs[2] = {1, 1};
	int			i,
				j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			elems[i * n + j] = Float8GetDatum(m[i][j]);
	return construct_md_array(elems, NULL, 2, dims, lbs, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * Final function: the observed information matrix of the natural parameters
 * (float8[npar][npar]), NULL without input.
 */
static Datum
information_final(FunctionCallInfo fcinfo, KamProblemBuilder build, int npar,
				  const char *fname)
{
	KamFitState *st;
	KamProblem	p;
	double		g[KAM_OPTIM_MAXPAR],
				Ht[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR],
				I[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR],
				L[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR],
				J[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR];
	int			i,
				j;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = kam_fitstate_arg(fcinfo, 0);
	if (st->nmodel == 0)
		PG_RETURN_NULL();
	if (st->nmodel != npar)
		elog(ERROR, "%s: state holds %d parameters, expected %d", fname, st->nmodel, npar);
	if (!build(st, &p))
		PG_RETURN_NULL();
	Assert(p.npar == npar);
	problem_hessian(&p, st->model, g, Ht);
	for (i = 0; i < npar; i++)
		for (j = 0; j < npar; j++)
		{
			J[i][j] = p.wsum * Ht[i][j];
			I[i][j] = p.wsum * (Ht[i][j] - (i == j ? g[i] : 0.0)) /
				(st->model[i] * st->model[j]);
		}

	/*
	 * The information is that of the maximum likelihood estimate only at the
	 * optimum: warn when the Newton step to it exceeds 0.01 standard errors
	 * in some parameter (the model was fitted on other data).
	 */
	if (cholesky(npar, J, L))
	{
		double		gt[KAM_OPTIM_MAXPAR],
					step[KAM_OPTIM_MAXPAR],
					e[KAM_OPTIM_MAXPAR],
					col[KAM_OPTIM_MAXPAR],
					worst = 0.0;

		for (i = 0; i < npar; i++)
			gt[i] = p.wsum * g[i];
		chol_solve(npar, L, gt, step);
		for (i = 0; i < npar; i++)
		{
			memset(e, 0, sizeof(e));
			e[i] = 1.0;
			chol_solve(npar, L, e, col);
			worst = Max(worst, fabs(step[i]) / sqrt(col[i]));
		}
		if (worst > OFF_OPTIMUM_SE)
			ereport(WARNING,
					(errmsg("%s: the model is not the maximum likelihood fit of these data", fname),
					 errdetail("The optimum is %.3g standard errors away in some parameter.", worst),
					 errhint("Standard errors describe the fit of the same rows: pass the model the fit aggregate returned for them.")));
	}
	PG_RETURN_ARRAYTYPE_P(matrix_array(npar, I));
}

/*
 * Transition: (state, model, the fit's arguments...).  The fit's own
 * transition function adds the row (with its checks), called with the model
 * argument removed; the model goes into the state.  A NULL model skips the
 * row.
 */
static Datum
information_trans(FunctionCallInfo fcinfo, PGFunction trans, int npar, const char *typname)
{
	LOCAL_FCINFO(sub, 8);
	int			nargs = PG_NARGS();
	KamFitState *st;
	Datum		result;
	double		m[KAM_OPTIM_MAXPAR];
	int			i;

	Assert(nargs >= 3 && nargs <= 7);
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	kam_model_get(fcinfo, 1, npar, m, typname);
	InitFunctionCallInfoData(*sub, fcinfo->flinfo, nargs - 1, fcinfo->fncollation,
							 fcinfo->context, NULL);
	sub->args[0] = fcinfo->args[0];
	for (i = 2; i < nargs; i++)
		sub->args[i - 1] = fcinfo->args[i];
	result = trans(sub);
	if (sub->isnull)
		elog(ERROR, "%s information: transition returned NULL", typname);
	st = (KamFitState *) DatumGetEOHP(result);
	kam_fitstate_set_model(st, m, npar);
	PG_RETURN_DATUM(result);
}

#define INFORMATION_FUNCS(model, npar) \
Datum \
kam_##model##_information_trans(PG_FUNCTION_ARGS) \
{ \
	return information_trans(fcinfo, kam_##model##_trans, npar, #model); \
} \
Datum \
kam_##model##_information_trans_w(PG_FUNCTION_ARGS) \
{ \
	return information_trans(fcinfo, kam_##model##_trans_w, npar, #model); \
} \
Datum \
kam_##model##_information_final(PG_FUNCTION_ARGS) \
{ \
	return information_final(fcinfo, kam_##model##_problem, npar, #model "_information"); \
}

INFORMATION_FUNCS(bgnbd, 4)
INFORMATION_FUNCS(paretonbd, 4)
INFORMATION_FUNCS(mbgnbd, 4)
INFORMATION_FUNCS(gammagamma, 3)
INFORMATION_FUNCS(sbg, 2)
INFORMATION_FUNCS(bgbb, 4)

/* ---------------------------------------------------------------------------
 * kam.model_summary(model, information)
 */

static void
summary_error(const char *msg)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", msg),
			 errhint("Pass the matrix kam.<model>_information(model, ...) returned for this model.")));
}

Datum
kam_model_summary(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HeapTupleHeader th;
	ArrayType  *arr;
	TupleDesc	mdesc,
				rdesc;
	HeapTupleData tuple;
	Datum	   *elems;
	bool	   *enulls;
	int			nelems,
				n,
				i,
				j;
	double		p[KAM_OPTIM_MAXPAR],
				J[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR],
				L[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR];
	char	   *names[KAM_OPTIM_MAXPAR];
	const char *typname;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	th = PG_GETARG_HEAPTUPLEHEADER(0);
	arr = PG_GETARG_ARRAYTYPE_P(1);

	mdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th), HeapTupleHeaderGetTypMod(th));
	typname = format_type_be(HeapTupleHeaderGetTypeId(th));
	/* the parameters: the float8 attributes before log_likelihood */
	for (n = 0; n < mdesc->natts; n++)
		if (strcmp(NameStr(TupleDescAttr(mdesc, n)->attname), "log_likelihood") == 0)
			break;
	if (n < 1 || n > KAM_OPTIM_MAXPAR || n == mdesc->natts)
		elog(ERROR, "model_summary: %s is not a kam model type", typname);

	if (ARR_NDIM(arr) != 2 || ARR_DIMS(arr)[0] != n || ARR_DIMS(arr)[1] != n)
		summary_error(psprintf("information must be a %d x %d matrix for a %s model", n, n, typname));
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &enulls, &nelems);

	tuple.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = th;
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		d = heap_getattr(&tuple, i + 1, mdesc, &isnull);

		names[i] = pstrdup(NameStr(TupleDescAttr(mdesc, i)->attname));
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s parameter %s must not be null", typname, names[i]),
					 errhint("Use a model returned by the fit aggregate.")));
		p[i] = DatumGetFloat8(d);
		if (!(p[i] > 0.0 && isfinite(p[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s parameter %s must be a positive finite number, got %g",
							typname, names[i], p[i]),
					 errhint("Use a model returned by the fit aggregate.")));
	}
	ReleaseTupleDesc(mdesc);

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
		{
			double		a,
						b;

			if (enulls[i * n + j] || enulls[j * n + i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("information must not contain NULL"),
						 errhint("Pass the matrix kam.<model>_information(model, ...) returned for this model.")));
			a = DatumGetFloat8(elems[i * n + j]);
			b = DatumGetFloat8(elems[j * n + i]);
			if (!isfinite(a))
				summary_error("information must contain finite numbers only");
			if (fabs(a - b) > 1e-8 * (fabs(a) + fabs(b)))
				summary_error("information must be a symmetric matrix");
			/* on the log scale: D I D */
			J[i][j] = 0.5 * (a + b) * p[i] * p[j];
		}
	if (!cholesky(n, J, L))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the information matrix of this %s model is not positive definite", typname),
				 errdetail("The log-likelihood is not strictly concave at the model: the data do not determine every parameter."),
				 errhint("Standard errors exist only at an interior maximum; check that the fit converged on these data.")));

	rdesc = rsinfo->setDesc;
	for (i = 0; i < n; i++)
	{
		double		e[KAM_OPTIM_MAXPAR] = {0},
					col[KAM_OPTIM_MAXPAR],
					se;
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		e[i] = 1.0;
		chol_solve(n, L, e, col);
		se = sqrt(col[i]);		/* of ln p_i */
		values[0] = CStringGetTextDatum(names[i]);
		values[1] = Float8GetDatum(p[i]);
		values[2] = Float8GetDatum(p[i] * se);
		values[3] = Float8GetDatum(p[i] * exp(-Z95 * se));
		values[4] = Float8GetDatum(p[i] * exp(Z95 * se));
		tuplestore_putvalues(rsinfo->setResult, rdesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------------
 * kam.derivative_check(): a test hook (sql/value_uncertainty.sql).  For every
 * model, on a fixed small data set and at three parameter points, the
 * analytic gradient of the fit's objective against central differences of
 * the objective (step 1e-6 in theta), and the Hessian from differenced
 * gradients (what the information aggregates use) against second
 * differences of the objective (step 1e-3).
 */

/* fixed data: 60 rows per model, every kind of row the likelihood has */
static void
check_data(const char *model, KamFitState *st)
{
	int			i;

	for (i = 0; i < 60; i++)
	{
		double		key[3] = {0, 0, 0};
		double		w = 1 + i % 3;

		if (strcmp(model, "gammagamma") == 0)
		{
			key[0] = 1 + i % 6;
			key[1] = 10.5 + (i * 13) % 40;
		}
		else if (strcmp(model, "sbg") == 0)
		{
			key[0] = i < 48 ? 1 + i % 8 : 8;
			key[1] = i < 48 ? 1.0 : 0.0;
		}
		else if (strcmp(model, "bgbb") == 0)
		{
			key[0] = i % 7;
			key[1] = key[0] == 0 ? 0 : key[0] + (i / 7) % (7 - (int) key[0]);
			key[2] = 6;
		}
		else
		{
			key[2] = 20 + (i * 7) % 21;
			key[0] = (i * 5) % 7;
			key[1] = key[0] == 0 ? 0 : key[2] * ((i * 3) % 10 + 1) / 11.0;
		}
		kam_fitstate_add(st, key, w);
	}
}

typedef struct CheckModel
{
	const char *name;
	int			nkeys;
	KamProblemBuilder build;
	double		points[3][KAM_OPTIM_MAXPAR];
} CheckModel;

static const CheckModel check_models[] = {
	{"bgnbd", 3, kam_bgnbd_problem,
	{{0.5, 5, 0.8, 2.5}, {1.5, 20, 0.3, 4}, {0.25, 2, 2.0, 0.7}}},
	{"paretonbd", 3, kam_paretonbd_problem,
	{{0.8, 8, 1.0, 20}, {0.3, 2, 0.5, 5}, {2, 40, 3, 60}}},
	{"mbgnbd", 3, kam_mbgnbd_problem,
	{{0.5, 5, 0.8, 2.5}, {1.5, 20, 0.3, 4}, {0.25, 2, 2.0, 0.7}}},
	{"gammagamma", 2, kam_gammagamma_problem,
	{{6, 4, 15}, {2, 1.5, 40}, {10, 8, 5}}},
	{"sbg", 2, kam_sbg_problem,
	{{0.7, 1.2}, {3, 10}, {0.2, 0.4}}},
	{"bgbb", 3, kam_bgbb_problem,
	{{1.2, 0.75, 0.66, 2.8}, {0.5, 2, 1.5, 0.5}, {3, 3, 0.3, 4}}},
};

static double
f_at(const KamProblem *p, const double *theta, int i, double hi, int j, double hj)
{
	double		t[KAM_OPTIM_MAXPAR];

	memcpy(t, theta, sizeof(double) * p->npar);
	if (i >= 0)
		t[i] += hi;
	if (j >= 0)
		t[j] += hj;
	return p->objective(t, NULL, p->arg);
}

static void
check_row(ReturnSetInfo *rsinfo, const char *model, int point, const char *kind,
		  int i, int j, double analytic, double numeric)
{
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};

	values[0] = CStringGetTextDatum(model);
	values[1] = Int32GetDatum(point);
	values[2] = CStringGetTextDatum(kind);
	values[3] = Int32GetDatum(i);
	values[4] = Int32GetDatum(j);
	values[5] = Float8GetDatum(analytic);
	values[6] = Float8GetDatum(numeric);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum
kam_derivative_check(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			m;

	InitMaterializedSRF(fcinfo, 0);
	for (m = 0; m < lengthof(check_models); m++)
	{
		const CheckModel *cm = &check_models[m];
		KamFitState *st = kam_fitstate_create(CurrentMemoryContext, cm->nkeys);
		KamProblem	p;
		int			k;

		check_data(cm->name, st);
		if (!cm->build(st, &p))
			elog(ERROR, "derivative_check: no data for %s", cm->name);
		for (k = 0; k < 3; k++)
		{
			double		theta[KAM_OPTIM_MAXPAR],
						g[KAM_OPTIM_MAXPAR],
						Ht[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR];
			const double hg = 1e-6,
						hh = 1e-3;
			double		f0;
			int			i,
						j;

			for (i = 0; i < p.npar; i++)
				theta[i] = log(cm->points[k][i] / p.scale[i]);
			problem_hessian(&p, cm->points[k], g, Ht);
			f0 = f_at(&p, theta, -1, 0, -1, 0);
			for (i = 0; i < p.npar; i++)
				check_row(rsinfo, cm->name, k + 1, "gradient", i + 1, 0, g[i],
						  (f_at(&p, theta, i, hg, -1, 0) - f_at(&p, theta, i, -hg, -1, 0)) / (2 * hg));
			for (i = 0; i < p.npar; i++)
				for (j = i; j < p.npar; j++)
				{
					double		num;

					if (i == j)
						num = (f_at(&p, theta, i, hh, -1, 0) - 2 * f0 +
							   f_at(&p, theta, i, -hh, -1, 0)) / (hh * hh);
					else
						num = (f_at(&p, theta, i, hh, j, hh) - f_at(&p, theta, i, hh, j, -hh)
							   - f_at(&p, theta, i, -hh, j, hh) + f_at(&p, theta, i, -hh, j, -hh))
							/ (4 * hh * hh);
					check_row(rsinfo, cm->name, k + 1, "hessian", i + 1, j + 1, Ht[i][j], num);
				}
		}
	}
	return (Datum) 0;
}
