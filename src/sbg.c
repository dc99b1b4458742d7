/*
 * sbg.c -- shifted-beta-geometric contract model (Fader & Hardie 2007, "How
 * to project customer retention"; 2010, "Customer-base valuation in a
 * contractual setting")
 *
 * Each customer churns at the end of a period with probability theta,
 * theta ~ Beta(alpha, beta) across customers.  With T the period in which
 * the contract ends (T = 1: no renewal after the first period):
 *   P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta),
 *   S(t)     = B(alpha, beta + t) / B(alpha, beta),
 *   r_t      = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1).
 * LL = sum over churned customers of ln P(T = period) + sum over active
 * ones of ln S(period).
 *   DEL(d)  = sum_{t >= 0} S(t) / (1+d)^t = 2F1(1, beta; alpha+beta; 1/(1+d)),
 *   DERL(d | n-1 renewals) = (beta+n-1)/(alpha+beta+n-1)
 *                            2F1(1, beta+n; alpha+beta+n; 1/(1+d))
 * (Fader & Hardie 2010, eq. 6: the customer has made n-1 renewals and is
 * about to decide on the next; that payment is not discounted).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "fitstate.h"
#include "hessian.h"
#include "kam.h"
#include "specfun.h"
#include "value.h"

PG_FUNCTION_INFO_V1(kam_sbg_trans);
PG_FUNCTION_INFO_V1(kam_sbg_trans_w);
PG_FUNCTION_INFO_V1(kam_sbg_final);
PG_FUNCTION_INFO_V1(kam_sbg_survival);
PG_FUNCTION_INFO_V1(kam_sbg_retention);
PG_FUNCTION_INFO_V1(kam_sbg_del);
PG_FUNCTION_INFO_V1(kam_sbg_derl);

#define NPAR 2

typedef struct SbgData
{
	int			n;
	double	   *t;
	bool	   *churned;
	double	   *w;
	double		wsum;
} SbgData;

static void
sbg_add(FunctionCallInfo fcinfo, KamFitState *st, double w)
{
	int32		period = PG_GETARG_INT32(1);
	bool		churned = PG_GETARG_BOOL(2);
	double		key[2];

	if (churned ? period < 1 : period < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period must be >= %d for %s customer, got %d",
						churned ? 1 : 0, churned ? "a churned" : "an active", period),
				 errhint("period is the period in which a contract ended (1 = no renewal), or the number of periods an active customer has been observed.")));
	key[0] = period;
	key[1] = churned ? 1.0 : 0.0;
	kam_fitstate_add(st, key, w);
}

Datum
kam_sbg_trans(PG_FUNCTION_ARGS)
{
	return kam_fit2_accumulate(fcinfo, "sbg_fit", false, sbg_add);
}

Datum
kam_sbg_trans_w(PG_FUNCTION_ARGS)
{
	return kam_fit2_accumulate(fcinfo, "sbg_fit", true, sbg_add);
}

/* negative mean log-likelihood in theta = ln(alpha, beta) */
static double
sbg_objective(const double *theta, double *grad, void *arg)
{
	SbgData    *d = (SbgData *) arg;
	double		a = exp(theta[0]),
				b = exp(theta[1]);
	double		lb0 = kam_lbeta(a, b);
	double		ps_a = 0.0,
				ps_b = 0.0,
				ps_ab = 0.0;
	double		ll = 0.0,
				da = 0.0,
				db = 0.0;
	int			i;

	if (grad)
	{
		ps_a = kam_digamma(a);
		ps_b = kam_digamma(b);
		ps_ab = kam_digamma(a + b);
	}
	for (i = 0; i < d->n; i++)
	{
		double		t = d->t[i],
					w = d->w[i];

		if (d->churned[i])
		{
			ll += w * (kam_lbeta(a + 1.0, b + t - 1.0) - lb0);
			if (grad)
			{
				double		p = kam_digamma(a + b + t);

				da += w * (kam_digamma(a + 1.0) - p - ps_a + ps_ab);
				db += w * (kam_digamma(b + t - 1.0) - p - ps_b + ps_ab);
			}
		}
		else
		{
			ll += w * (kam_lbeta(a, b + t) - lb0);
			if (grad)
			{
				double		p = kam_digamma(a + b + t);

				da += w * (-p + ps_ab);
				db += w * (kam_digamma(b + t) - p - ps_b + ps_ab);
			}
		}
	}
	if (grad)
	{
		grad[0] = -a * da / d->wsum;
		grad[1] = -b * db / d->wsum;
	}
	return -ll / d->wsum;
}

/* The fit's data of st; false when st holds no customers. */
static bool
sbg_build(KamFitState *st, SbgData *dp)
{
	SbgData		d;
	double		wchurn = 0.0;
	int			i;

	kam_fitstate_sort(st);
	if (st->nentries == 0)
		return false;
	d.n = (int) st->nentries;
	d.t = palloc(sizeof(double) * d.n);
	d.churned = palloc(sizeof(bool) * d.n);
	d.w = palloc(sizeof(double) * d.n);
	d.wsum = 0.0;
	for (i = 0; i < d.n; i++)
	{
		d.t[i] = st->entries[i].key[0];
		d.churned[i] = st->entries[i].key[1] != 0.0;
		d.w[i] = kam_fit_weight(&st->entries[i].weight);
		d.wsum += d.w[i];
		if (d.churned[i])
			wchurn += d.w[i];
	}
	if (!(wchurn > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sbg_fit needs at least one churned customer"),
				 errhint("Churn cannot be estimated from customers who all stayed.")));
	if (d.n == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sbg_fit needs customers in more than one (period, churned) group"),
				 errhint("The spread of churn across customers cannot be estimated from one group.")));
	*dp = d;
	return true;
}

Datum
kam_sbg_final(PG_FUNCTION_ARGS)
{
	KamFitState *st;
	SbgData		d;
	double		theta[NPAR],
				params[NPAR];
	KamOptimResult res;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = kam_fitstate_arg(fcinfo, 0);
	if (!sbg_build(st, &d))
		PG_RETURN_NULL();

	theta[0] = 0.0;
	theta[1] = 0.0;
	kam_minimize(sbg_objective, &d, NPAR, theta, &res);
	for (i = 0; i < NPAR; i++)
		params[i] = exp(theta[i]);
	PG_RETURN_DATUM(kam_fit_result(fcinfo, params, NPAR, -res.f * d.wsum, d.wsum,
								   &res, "sbg_fit"));
}

static double
period_arg(FunctionCallInfo fcinfo, int argno, double min)
{
	double		t = PG_GETARG_FLOAT8(argno);

	KAM_CHECK_FINITE(t, "t");
	if (t < min)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("t must be >= %g, got %g", min, t),
				 errhint("t counts contract periods.")));
	return t;
}

static double
discount_arg(FunctionCallInfo fcinfo, int argno)
{
	double		d = PG_GETARG_FLOAT8(argno);

	KAM_CHECK_FINITE(d, "discount");
	if (d <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("discount must be > 0, got %g", d),
				 errhint("Pass a discount rate per period, e.g. 0.1 for 10%%.")));
	return d;
}

/* S(t) = B(alpha, beta + t) / B(alpha, beta), t >= 0 */
Datum
kam_sbg_survival(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	double		t;

	kam_model_get(fcinfo, 0, NPAR, m, "sbg");
	t = period_arg(fcinfo, 1, 0.0);
	PG_RETURN_FLOAT8(exp(kam_lbeta(m[0], m[1] + t) - kam_lbeta(m[0], m[1])));
}

/* r_t = (beta + t - 1) / (alpha + beta + t - 1), t >= 1 */
Datum
kam_sbg_retention(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	double		t;

	kam_model_get(fcinfo, 0, NPAR, m, "sbg");
	t = period_arg(fcinfo, 1, 1.0);
	PG_RETURN_FLOAT8((m[1] + t - 1.0) / (m[0] + m[1] + t - 1.0));
}

Datum
kam_sbg_del(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	double		d;

	kam_model_get(fcinfo, 0, NPAR, m, "sbg");
	d = discount_arg(fcinfo, 1);
	PG_RETURN_FLOAT8(kam_hyp2f1(1.0, m[1], m[0] + m[1], 1.0 / (1.0 + d)));
}

Datum
kam_sbg_derl(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	double		d,
				n;
	int32		renewals = PG_GETARG_INT32(2);

	kam_model_get(fcinfo, 0, NPAR, m, "sbg");
	d = discount_arg(fcinfo, 1);
	if (renewals < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("renewals must be >= 0, got %d", renewals),
				 errhint("renewals is the number of times the customer has renewed so far.")));
	n = renewals + 1.0;
	PG_RETURN_FLOAT8((m[1] + n - 1.0) / (m[0] + m[1] + n - 1.0) *
					 kam_hyp2f1(1.0, m[1] + n, m[0] + m[1] + n, 1.0 / (1.0 + d)));
}

/* the fit's objective over the data of st, for the information aggregate */
bool
kam_sbg_problem(KamFitState *st, KamProblem *p)
{
	SbgData    *d = palloc(sizeof(SbgData));

	if (!sbg_build(st, d))
		return false;
	p->npar = NPAR;
	p->objective = sbg_objective;
	p->arg = d;
	p->scale[0] = p->scale[1] = 1.0;
	p->wsum = d->wsum;
	return true;
}
