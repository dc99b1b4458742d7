/*
 * gammagamma.c -- Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM
 * and CLV: using iso-value curves"; Hardie's note 025)
 *
 * A customer's transaction values are Gamma(p, nu) with nu ~ Gamma(q, v);
 * for a customer with x > 0 repeat transactions of mean value m:
 *   LL = lnG(p x + q) - lnG(p x) - lnG(q) + q ln v + (p x - 1) ln m
 *        + p x ln x - (p x + q) ln(x m + v).
 * Customers with x = 0 carry no information on spend and are skipped.
 *   E[spend | x, m] = (1 - w) v p / (q - 1) + w m,  w = p x / (p x + q - 1);
 * x = 0 gives the population mean v p / (q - 1) (q > 1 needed for a mean).
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

PG_FUNCTION_INFO_V1(kam_gammagamma_trans);
PG_FUNCTION_INFO_V1(kam_gammagamma_trans_w);
PG_FUNCTION_INFO_V1(kam_gammagamma_final);
PG_FUNCTION_INFO_V1(kam_gammagamma_expected_spend);

#define NPAR 3

typedef struct GGData
{
	int			nx;
	double	   *xv;				/* distinct frequencies */
	int		   *xstart;
	double	   *wx;				/* weight of each frequency */
	double	   *wlogm;			/* sum of w ln m of each frequency */
	double	   *m;				/* entry's mean spend */
	double	   *w;
	double		wsum;
	double		wlogx;			/* sum of w x ln x */
	double		scale;			/* mean spend: the unit of v */
} GGData;

static void
check_spend(int32 x, double m)
{
	if (x < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be >= 0, got %d", x),
				 errhint("frequency is the number of repeat purchase periods.")));
	KAM_CHECK_FINITE(m, "monetary");
	if (x > 0 && m <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("monetary must be > 0 when frequency > 0, got %g", m),
				 errhint("The Gamma-Gamma model needs positive mean repeat spend; filter out returns and free orders.")));
}

static void
gg_add(FunctionCallInfo fcinfo, KamFitState *st, double w)
{
	int32		x = PG_GETARG_INT32(1);
	double		key[2];

	key[0] = x;
	key[1] = PG_GETARG_FLOAT8(2);
	check_spend(x, key[1]);
	if (x > 0)
		kam_fitstate_add(st, key, w);
}

Datum
kam_gammagamma_trans(PG_FUNCTION_ARGS)
{
	return kam_fit2_accumulate(fcinfo, "gammagamma_fit", false, gg_add);
}

Datum
kam_gammagamma_trans_w(PG_FUNCTION_ARGS)
{
	return kam_fit2_accumulate(fcinfo, "gammagamma_fit", true, gg_add);
}

/* negative mean log-likelihood in theta = ln(p, q, v) */
static double
gg_objective(const double *theta, double *grad, void *arg)
{
	GGData	   *d = (GGData *) arg;
	double		p = exp(theta[0]),
				q = exp(theta[1]),
				v = exp(theta[2]) * d->scale;
	double		lv = log(v),
				lg_q = lgamma(q),
				ps_q = grad ? kam_digamma(q) : 0.0;
	double		ll = d->wlogx * p,
				dp = 0.0,
				dq = 0.0,
				dv = 0.0;
	int			i,
				j;

	for (j = 0; j < d->nx; j++)
	{
		double		x = d->xv[j];
		double		px = p * x;
		double		sl = 0.0,
					sinv = 0.0;

		CHECK_FOR_INTERRUPTS();
		for (i = d->xstart[j]; i < d->xstart[j + 1]; i++)
		{
			double		u = x * d->m[i] + v;
			double		lu = log(u);

			sl += d->w[i] * lu;
			if (grad)
				sinv += d->w[i] / u;
		}
		ll += d->wx[j] * (lgamma(px + q) - lgamma(px) - lg_q + q * lv)
			+ (px - 1.0) * d->wlogm[j] - (px + q) * sl;
		if (grad)
		{
			double		ps_pxq = kam_digamma(px + q);

			dp += x * (d->wx[j] * (ps_pxq - kam_digamma(px)) + d->wlogm[j] - sl);
			dq += d->wx[j] * (ps_pxq - ps_q + lv) - sl;
			dv += d->wx[j] * q / v - (px + q) * sinv;
		}
	}
	if (grad)
	{
		dp += d->wlogx;
		grad[0] = -p * dp / d->wsum;
		grad[1] = -q * dq / d->wsum;
		grad[2] = -v * dv / d->wsum;
	}
	return -ll / d->wsum;
}

/* The fit's data of st; false when st holds no customers. */
static bool
gg_build(KamFitState *st, GGData *dp)
{
	GGData		d;
	double		wm = 0.0;
	int			n,
				i,
				j;

	kam_fitstate_sort(st);
	n = (int) st->nentries;
	if (n == 0)
		return false;

	memset(&d, 0, sizeof(d));
	d.xv = palloc(sizeof(double) * n);
	d.xstart = palloc(sizeof(int) * (n + 1));
	d.wx = palloc0(sizeof(double) * n);
	d.wlogm = palloc0(sizeof(double) * n);
	d.m = palloc(sizeof(double) * n);
	d.w = palloc(sizeof(double) * n);
	j = -1;
	for (i = 0; i < n; i++)
	{
		const KamFitEntry *e = &st->entries[i];
		double		x = e->key[0];

		d.w[i] = kam_fit_weight(&e->weight);
		d.m[i] = e->key[1];
		if (j < 0 || x != d.xv[j])
		{
			j++;
			d.xv[j] = x;
			d.xstart[j] = i;
		}
		d.wx[j] += d.w[i];
		d.wlogm[j] += d.w[i] * log(d.m[i]);
		d.wsum += d.w[i];
		d.wlogx += d.w[i] * x * log(x);
		wm += d.w[i] * d.m[i];
	}
	d.nx = j + 1;
	d.xstart[d.nx] = n;
	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gammagamma_fit needs at least 2 distinct (frequency, monetary) values with frequency > 0, got %d", n),
				 errhint("Fit the spend model on more customers with repeat purchases.")));

	d.scale = wm / d.wsum;
	*dp = d;
	return true;
}

Datum
kam_gammagamma_final(PG_FUNCTION_ARGS)
{
	KamFitState *st;
	GGData		d;
	double		theta[NPAR],
				params[NPAR];
	KamOptimResult res;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = kam_fitstate_arg(fcinfo, 0);
	if (!gg_build(st, &d))
		PG_RETURN_NULL();

	/* start: p = 1, q = 2, v = mean spend (so the prior mean v p/(q-1) fits) */
	theta[0] = 0.0;
	theta[1] = log(2.0);
	theta[2] = 0.0;
	kam_minimize(gg_objective, &d, NPAR, theta, &res);
	for (i = 0; i < NPAR; i++)
		params[i] = exp(theta[i]);
	params[2] *= d.scale;
	PG_RETURN_DATUM(kam_fit_result(fcinfo, params, NPAR, -res.f * d.wsum, d.wsum,
								   &res, "gammagamma_fit"));
}

double
kam_gammagamma_spend(const double *m, int x, double monetary)
{
	double		p = m[0],
				q = m[1],
				v = m[2];
	double		w;

	if (q <= 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gammagamma parameter q must be > 1 for an expected spend, got %g", q),
				 errhint("The model has no finite mean spend; check the fit.")));
	if (x == 0)
		return v * p / (q - 1.0);
	w = p * x / (p * x + q - 1.0);
	return (1.0 - w) * v * p / (q - 1.0) + w * monetary;
}

Datum
kam_gammagamma_expected_spend(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	int32		x = PG_GETARG_INT32(1);
	double		monetary = PG_GETARG_FLOAT8(2);

	kam_model_get(fcinfo, 0, NPAR, m, "gammagamma");
	check_spend(x, monetary);
	PG_RETURN_FLOAT8(kam_gammagamma_spend(m, x, monetary));
}

/* the fit's objective over the data of st, for the information aggregate */
bool
kam_gammagamma_problem(KamFitState *st, KamProblem *p)
{
	GGData	   *d = palloc(sizeof(GGData));

	if (!gg_build(st, d))
		return false;
	p->npar = NPAR;
	p->objective = gg_objective;
	p->arg = d;
	p->scale[0] = p->scale[1] = 1.0;
	p->scale[2] = d->scale;
	p->wsum = d->wsum;
	return true;
}
