/*
 * mbgnbd.c -- MBG/NBD purchase model (Batislam, Denizel & Filiztekin 2007,
 * "Empirical validation and comparison of models for customer base
 * analysis", IJRM 24; lifetimes' ModifiedBetaGeoFitter)
 *
 * As BG/NBD (bgnbd.c), except that the customer may drop out at time 0,
 * right after the first purchase, with the same probability p as after each
 * repeat purchase.  Alive at T after x repeat purchases has probability
 * (1-p)^(x+1), dropped after the last one p (1-p)^x, so per customer
 *   LL = lnG(r+x) - lnG(r) + r ln alpha + lnB(a, b+x+1) - lnB(a, b)
 *        + ln( (alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x) )
 * with the dropout term present for x = 0 too (t_x = 0).
 *
 * Scoring: the posterior of p of a customer alive at T is Beta(a, b+x+1),
 * BG/NBD's Beta(a, b+x) with b+1 for b, and the future is BG/NBD's, so
 *   P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))
 *   E[Y(t)]  = P(alive) (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
 *                        2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))],
 * which is BG/NBD's E[Y(t) | alive] at b+1 (kam_bgnbd_expected_alive_multi,
 * whose series has no pole at a = 1).
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

PG_FUNCTION_INFO_V1(kam_mbgnbd_trans);
PG_FUNCTION_INFO_V1(kam_mbgnbd_trans_w);
PG_FUNCTION_INFO_V1(kam_mbgnbd_final);
PG_FUNCTION_INFO_V1(kam_mbgnbd_expected_purchases);
PG_FUNCTION_INFO_V1(kam_mbgnbd_p_alive_sql);

#define NPAR 4

Datum
kam_mbgnbd_trans(PG_FUNCTION_ARGS)
{
	return kam_rft_fit_accumulate(fcinfo, "mbgnbd_fit", false);
}

Datum
kam_mbgnbd_trans_w(PG_FUNCTION_ARGS)
{
	return kam_rft_fit_accumulate(fcinfo, "mbgnbd_fit", true);
}

/*
 * Negative mean log-likelihood and its gradient in theta = ln(r, alpha, a, b).
 */
static double
mbgnbd_objective(const double *theta, double *grad, void *arg)
{
	KamRft	   *d = (KamRft *) arg;
	double		r = exp(theta[0]),
				alpha = exp(theta[1]) * d->scale,
				a = exp(theta[2]),
				b = exp(theta[3]);
	double		la = log(a),
				lalpha = log(alpha);
	double		ll = 0.0,
				dr = 0.0,
				dal = 0.0,
				da = 0.0,
				db = 0.0;
	double		lg_r = lgamma(r),
				lg_ab = lgamma(a + b),
				lg_b = lgamma(b);
	double		ps_r = 0.0,
				ps_ab = 0.0,
				ps_b = 0.0;
	int			i,
				j;

	if (grad)
	{
		ps_r = kam_digamma(r);
		ps_ab = kam_digamma(a + b);
		ps_b = kam_digamma(b);
	}
	kam_rft_logs(d, alpha);

	for (j = 0; j < d->nx; j++)
	{
		double		x = d->xv[j];
		double		R = r + x;
		double		cx,
					la4 = la - log(b + x),
					gb4 = -1.0 / (b + x),
					sl = 0.0,
					sdr = 0.0,
					sdal = 0.0,
					sw4 = 0.0;

		CHECK_FOR_INTERRUPTS();
		cx = lgamma(R) - lg_r + r * lalpha + lg_ab + lgamma(b + x + 1.0) - lg_b
			- lgamma(a + b + x + 1.0);
		for (i = d->xstart[j]; i < d->xstart[j + 1]; i++)
		{
			double		w = d->w[i];
			double		lT = d->logT[d->ti[i]];
			double		ltx = d->logR[d->ri[i]];
			double		A3 = -R * lT;
			double		A4 = la4 - R * ltx;
			double		e,
						w4;

			if (A4 > A3)
			{
				e = exp(A3 - A4);
				sl += w * (A4 + log1p(e));
				w4 = 1.0 / (1.0 + e);
			}
			else
			{
				e = exp(A4 - A3);
				sl += w * (A3 + log1p(e));
				w4 = e / (1.0 + e);
			}
			if (grad)
			{
				sdr -= w * ((1.0 - w4) * lT + w4 * ltx);
				sdal -= w * ((1.0 - w4) * d->invT[d->ti[i]] + w4 * d->invR[d->ri[i]]);
				sw4 += w * w4;
			}
		}
		ll += d->wx[j] * cx + sl;
		if (grad)
		{
			double		ps_abx = kam_digamma(a + b + x + 1.0);

			dr += d->wx[j] * (kam_digamma(R) - ps_r + lalpha) + sdr;
			dal += d->wx[j] * r / alpha + R * sdal;
			da += d->wx[j] * (ps_ab - ps_abx) + sw4 / a;
			db += d->wx[j] * (ps_ab + kam_digamma(b + x + 1.0) - ps_b - ps_abx) + sw4 * gb4;
		}
	}
	if (grad)
	{
		grad[0] = -r * dr / d->wsum;
		grad[1] = -alpha * dal / d->wsum;
		grad[2] = -a * da / d->wsum;
		grad[3] = -b * db / d->wsum;
	}
	return -ll / d->wsum;
}

Datum
kam_mbgnbd_final(PG_FUNCTION_ARGS)
{
	KamFitState *st;
	KamRft		d;
	double		theta[NPAR],
				params[NPAR];
	KamOptimResult res;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = kam_fitstate_arg(fcinfo, 0);
	if (!kam_rft_build(st, &d, "mbgnbd_fit"))
		PG_RETURN_NULL();

	/* start: r = 1, alpha from the mean purchase rate, a = b = 1 */
	theta[0] = 0.0;
	theta[1] = log(d.sum_wt / d.sum_wx / d.scale);
	theta[2] = 0.0;
	theta[3] = 0.0;
	kam_minimize(mbgnbd_objective, &d, NPAR, theta, &res);
	for (i = 0; i < NPAR; i++)
		params[i] = exp(theta[i]);
	params[1] *= d.scale;
	PG_RETURN_DATUM(kam_fit_result(fcinfo, params, NPAR, -res.f * d.wsum, d.wsum,
								   &res, "mbgnbd_fit"));
}

/* P(alive | x, t_x, T): below 1 for x = 0 too (dropout at time 0) */
double
kam_mbgnbd_p_alive(const double *m, int x, double tx, double T)
{
	double		lodds = log(m[2]) - log(m[3] + x)
		+ (m[0] + x) * (log(m[1] + T) - log(m[1] + tx));

	return 1.0 / (1.0 + exp(lodds));
}

Datum
kam_mbgnbd_expected_purchases(PG_FUNCTION_ARGS)
{
	double		m[NPAR],
				mb[NPAR];
	double		horizon = PG_GETARG_FLOAT8(1);
	int32		x = PG_GETARG_INT32(2);
	double		tx = PG_GETARG_FLOAT8(3);
	double		T = PG_GETARG_FLOAT8(4);
	double		e;

	kam_model_get(fcinfo, 0, NPAR, m, "mbgnbd");
	kam_check_horizon(horizon, "horizon");
	kam_check_rft(x, tx, T);
	memcpy(mb, m, sizeof(mb));
	mb[3] = m[3] + 1.0;
	kam_bgnbd_expected_alive_multi(mb, x, T, &horizon, 1, &e);
	PG_RETURN_FLOAT8(e * kam_mbgnbd_p_alive(m, x, tx, T));
}

Datum
kam_mbgnbd_p_alive_sql(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	int32		x = PG_GETARG_INT32(1);
	double		tx = PG_GETARG_FLOAT8(2);
	double		T = PG_GETARG_FLOAT8(3);

	kam_model_get(fcinfo, 0, NPAR, m, "mbgnbd");
	kam_check_rft(x, tx, T);
	PG_RETURN_FLOAT8(kam_mbgnbd_p_alive(m, x, tx, T));
}

/* the fit's objective over the data of st, for the information aggregate */
bool
kam_mbgnbd_problem(KamFitState *st, KamProblem *p)
{
	static const bool time_scale[NPAR] = {false, true, false, false};	/* r, alpha, a, b */

	return kam_rft_problem(st, p, mbgnbd_objective, time_scale, "mbgnbd_fit");
}
