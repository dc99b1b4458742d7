/*
 * bgnbd.c -- BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting
 * your customers the easy way"; Hardie's note 004)
 *
 * Per customer with x repeat purchases, last at t_x, observed for T:
 *   LL = lnG(r+x) - lnG(r) + r ln alpha + lnB(a, b+x) - lnB(a, b)
 *        + ln( (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) )
 * (the second bracket term is "dropped out at t_x").  The fit maximizes the
 * weighted sum over the distinct (x, t_x, T) of the histogram state on log
 * parameters with analytic gradients (optim.c).
 *
 * Scoring:
 *   P(alive) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
 *   E[Y(t) | alive] = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
 *                      2F1(r+x, b+x; a+b+x-1; z)],  z = t / (alpha+T+t).
 * Euler's transformation turns the bracket into
 *   1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z),
 * and writing 2F1(A, a-1; C; z) = 1 + (a-1) H with H from
 * kam_hyp2f1m1_over_b removes the pole at a = 1:
 *   E[Y(t) | alive] = (a+b+x-1) [ -L exprel((a-1) L) - e^((a-1) L) H ],
 * L = ln(1-z) = -ln(1 + t/(alpha+T)).  The series of H has terms of order
 * k^(a-r-x-2) z^k, all of one sign for a < 1 (no cancellation).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "fitstate.h"
#include "kam.h"
#include "specfun.h"
#include "value.h"

PG_FUNCTION_INFO_V1(kam_bgnbd_trans);
PG_FUNCTION_INFO_V1(kam_bgnbd_trans_w);
PG_FUNCTION_INFO_V1(kam_bgnbd_final);
PG_FUNCTION_INFO_V1(kam_bgnbd_expected_purchases);
PG_FUNCTION_INFO_V1(kam_bgnbd_p_alive_sql);

Datum
kam_bgnbd_trans(PG_FUNCTION_ARGS)
{
	return kam_rft_fit_accumulate(fcinfo, "bgnbd_fit", false);
}

Datum
kam_bgnbd_trans_w(PG_FUNCTION_ARGS)
{
	return kam_rft_fit_accumulate(fcinfo, "bgnbd_fit", true);
}

/*
 * Negative mean log-likelihood and its gradient in theta = ln(r, alpha, a, b).
 */
static double
bgnbd_objective(const double *theta, double *grad, void *arg)
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
		double		cx,
					la4 = 0.0,
					gb4 = 0.0,
					sl = 0.0,
					sdr = 0.0,
					sdal = 0.0,
					sw4 = 0.0;
		double		R = r + x;

		CHECK_FOR_INTERRUPTS();
		cx = lgamma(R) - lg_r + r * lalpha + lg_ab + lgamma(b + x) - lg_b - lgamma(a + b + x);
		if (x > 0)
		{
			la4 = la - log(b + x - 1.0);
			gb4 = -1.0 / (b + x - 1.0);
		}
		for (i = d->xstart[j]; i < d->xstart[j + 1]; i++)
		{
			double		w = d->w[i];
			double		lT = d->logT[d->ti[i]];
			double		A3 = -R * lT;

			if (x == 0)
			{
				sl += w * A3;
				if (grad)
				{
					sdr -= w * lT;
					sdal -= w * d->invT[d->ti[i]];
				}
			}
			else
			{
				double		ltx = d->logR[d->ri[i]];
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
		}
		ll += d->wx[j] * cx + sl;
		if (grad)
		{
			double		ps_abx = kam_digamma(a + b + x);

			dr += d->wx[j] * (kam_digamma(R) - ps_r + lalpha) + sdr;
			dal += d->wx[j] * r / alpha + R * sdal;
			da += d->wx[j] * (ps_ab - ps_abx) + sw4 / a;
			db += d->wx[j] * (ps_ab + kam_digamma(b + x) - ps_b - ps_abx) + sw4 * gb4;
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

/* P(alive | x, t_x, T) */
double
kam_bgnbd_p_alive(const double *m, int x, double tx, double T)
{
	double		r = m[0],
				alpha = m[1],
				a = m[2],
				b = m[3];
	double		lodds;

	if (x == 0)
		return 1.0;
	lodds = log(a) - log(b + x - 1.0) + (r + x) * (log(alpha + T) - log(alpha + tx));
	return 1.0 / (1.0 + exp(lodds));
}

/* E[purchases in (T, T + t] | alive, x, T] */
static double
bgnbd_expected_alive(const double *m, int x, double T, double t)
{
	double		r = m[0],
				alpha = m[1],
				a = m[2],
				b = m[3];
	double		L,
				z,
				H;

	if (t == 0.0)
		return 0.0;
	L = -log1p(t / (alpha + T));
	z = t / (alpha + T + t);
	H = kam_hyp2f1m1_over_b(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z);
	return (a + b + x - 1.0) * (-L * kam_exprel((a - 1.0) * L) - exp((a - 1.0) * L) * H);
}

/* bgnbd_expected_alive at n horizons t[0..n-1] (n <= KAM_HYP_MAXZ) */
void
kam_bgnbd_expected_alive_multi(const double *m, int x, double T, const double *t,
							   int n, double *out)
{
	double		r = m[0],
				alpha = m[1],
				a = m[2],
				b = m[3];
	double		z[KAM_HYP_MAXZ] = {0},
				H[KAM_HYP_MAXZ];
	int			j;

	Assert(n >= 1 && n <= KAM_HYP_MAXZ);
	for (j = 0; j < n; j++)
		z[j] = t[j] / (alpha + T + t[j]);
	kam_hyp2f1m1_over_b_multi(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z, n, H);
	for (j = 0; j < n; j++)
	{
		double		L = -log1p(t[j] / (alpha + T));

		out[j] = (t[j] == 0.0) ? 0.0 :
			(a + b + x - 1.0) * (-L * kam_exprel((a - 1.0) * L) - exp((a - 1.0) * L) * H[j]);
	}
}

/* the SQL entry points: value.c's, with the BG/NBD functions */
static const KamRftModel bgnbd_model = {
	.typname = "bgnbd",
	.fitname = "bgnbd_fit",
	.objective = bgnbd_objective,
	.time_scale = {false, true, false, false},	/* r, alpha, a, b */
	.p_alive = kam_bgnbd_p_alive,
	.expected_alive = bgnbd_expected_alive,
};

Datum
kam_bgnbd_final(PG_FUNCTION_ARGS)
{
	return kam_rft_fit_final(fcinfo, &bgnbd_model);
}

Datum
kam_bgnbd_expected_purchases(PG_FUNCTION_ARGS)
{
	return kam_rft_expected_purchases(fcinfo, &bgnbd_model);
}

Datum
kam_bgnbd_p_alive_sql(PG_FUNCTION_ARGS)
{
	return kam_rft_p_alive(fcinfo, &bgnbd_model);
}
