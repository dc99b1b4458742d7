/*
 * paretonbd.c -- Pareto/NBD purchase model (Schmittlein, Morrison & Colombo
 * 1987; Fader & Hardie's note 009 on its likelihood)
 *
 * Per customer with x repeat purchases, last at t_x, observed for T:
 *   L = G(r+x) alpha^r beta^s / G(r) [ (alpha+T)^-(r+x) (beta+T)^-s
 *       + s \int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau ].
 * The integral is the A0 term of the note: (s/(r+s+x)) A0 = s \int, whose
 * 2F1 form is the difference of two nearly equal values for some customers.
 * kam evaluates the integral itself, so no cancellation occurs: with
 * g = min(alpha, beta) and u = ln(g + tau) the integrand
 * exp(phi(u)), phi = u - (r+x) ln(alpha+tau) - (s+1) ln(beta+tau), is
 * log-concave with slope <= 1; it is summed with 8-point Gauss-Legendre
 * panels of width h <= 1 with |phi'| h <= 2 (relative error ~1e-15 against
 * the 2F1 series), until the rest of the integrand is below e^-40 of the
 * sum.  The gradient differentiates under the
 * integral sign (the limits do not depend on the parameters).  This is the
 * integral of one customer (P(alive), and the fit's fallback); the fit
 * itself sums the likelihood over its histogram in paretonbd_fit.c.
 *
 * Scoring:
 *   P(alive) = (alpha+T)^-(r+x) (beta+T)^-s / [ ... ] (the bracket above),
 *   E[Y(t) | alive] = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)],
 * written with exprel so that s = 1 is no pole.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "fitstate.h"
#include "hessian.h"
#include "kam.h"
#include "paretonbd.h"
#include "specfun.h"
#include "value.h"

PG_FUNCTION_INFO_V1(kam_paretonbd_trans);
PG_FUNCTION_INFO_V1(kam_paretonbd_trans_w);
PG_FUNCTION_INFO_V1(kam_paretonbd_final);
PG_FUNCTION_INFO_V1(kam_paretonbd_expected_purchases);
PG_FUNCTION_INFO_V1(kam_paretonbd_p_alive_sql);

#define NPAR KAM_RFT_NPAR
#define MAX_WIDTH 1.0

Datum
kam_paretonbd_trans(PG_FUNCTION_ARGS)
{
	return kam_rft_fit_accumulate(fcinfo, "paretonbd_fit", false);
}

Datum
kam_paretonbd_trans_w(PG_FUNCTION_ARGS)
{
	return kam_rft_fit_accumulate(fcinfo, "paretonbd_fit", true);
}

/* ln(alpha + tau), ln(beta + tau) at u = ln(g + tau), E = e^u */
static inline void
node_logs(double u, double E, double alpha, double beta, bool g_is_alpha,
		  double *la, double *lb)
{
	if (g_is_alpha)
	{
		*la = u;
		*lb = log(beta - alpha + E);
	}
	else
	{
		*lb = u;
		*la = log(alpha - beta + E);
	}
}

/*
 * ln \int_{tx}^{T} (alpha+tau)^-R (beta+tau)^-S dtau with R = r + x,
 * S = s + 1; -inf when tx = T.  With d != NULL, d[0..3] get its derivatives
 * in r, alpha, s, beta.
 */
double
kam_paretonbd_logint(double R, double alpha, double S, double beta, double tx, double T,
			double *d)
{
	bool		g_is_alpha = alpha <= beta;
	double		g = g_is_alpha ? alpha : beta;
	double		u0 = log(g + tx),
				u1 = log(g + T);
	double		phi0,
				la,
				lb,
				slope0,
				slope1,
				smax,
				h,
				sum = 0.0,
				s_la = 0.0,
				s_ia = 0.0,
				s_lb = 0.0,
				s_ib = 0.0;
	double		enode[KAM_GL_N];
	int			panels,
				j,
				k;

	if (!(u1 > u0))
	{
		if (d)
			d[0] = d[1] = d[2] = d[3] = 0.0;
		return -INFINITY;
	}
	node_logs(u0, g + tx, alpha, beta, g_is_alpha, &la, &lb);
	phi0 = u0 - R * la - S * lb;
	slope0 = 1.0 - R * exp(u0 - la) - S * exp(u0 - lb);
	node_logs(u1, g + T, alpha, beta, g_is_alpha, &la, &lb);
	slope1 = 1.0 - R * exp(u1 - la) - S * exp(u1 - lb);
	smax = Max(Max(fabs(slope0), fabs(slope1)), 0.5);
	panels = (int) ceil((u1 - u0) * Max(smax / 2.0, 1.0 / MAX_WIDTH));
	if (panels > KAM_PNBD_MAX_PANELS)
		panels = KAM_PNBD_MAX_PANELS;
	h = (u1 - u0) / panels;
	for (k = 0; k < KAM_GL_N; k++)
		enode[k] = exp(0.5 * h * kam_gl_nodes[k]);

	for (j = 0; j < panels; j++)
	{
		double		uc = u0 + (j + 0.5) * h;
		double		Ec = exp(uc);
		double		ue,
					phie,
					slopee;

		if ((j & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
		for (k = 0; k < KAM_GL_N; k++)
		{
			double		u = uc + 0.5 * h * kam_gl_nodes[k];
			double		E = Ec * enode[k];	/* g + tau */
			double		e;

			node_logs(u, E, alpha, beta, g_is_alpha, &la, &lb);
			e = kam_gl_weights[k] * exp(u - R * la - S * lb - phi0);
			sum += e;
			if (d)
			{
				s_la += e * la;
				s_ia += e / (E - g + alpha);
				s_lb += e * lb;
				s_ib += e / (E - g + beta);
			}
		}
		/* stop when the rest of the (log-concave) integrand is negligible */
		ue = u0 + (j + 1) * h;
		node_logs(ue, exp(ue), alpha, beta, g_is_alpha, &la, &lb);
		phie = ue - R * la - S * lb - phi0;
		slopee = 1.0 - R * exp(ue - la) - S * exp(ue - lb);
		if (slopee < 0.0 && phie - log(-slopee) < log(0.5 * h * sum) - 40.0)
			break;
	}
	if (d)
	{
		d[0] = -s_la / sum;
		d[1] = -R * s_ia / sum;
		d[2] = -s_lb / sum;
		d[3] = -S * s_ib / sum;
	}
	return phi0 + log(0.5 * h * sum);
}

/* ln of the bracket's two terms for one customer */
static void
pnbd_terms(const double *m, double x, double tx, double T, double *B1, double *B2,
		   double *dI)
{
	double		r = m[0],
				alpha = m[1],
				s = m[2],
				beta = m[3];

	*B1 = -(r + x) * log(alpha + T) - s * log(beta + T);
	*B2 = log(s) + kam_paretonbd_logint(r + x, alpha, s + 1.0, beta, tx, T, dI);
}

double
kam_paretonbd_p_alive(const double *m, int x, double tx, double T)
{
	double		B1,
				B2;

	pnbd_terms(m, x, tx, T, &B1, &B2, NULL);
	return 1.0 / (1.0 + exp(B2 - B1));
}

double
kam_paretonbd_expected_alive(const double *m, int x, double T, double t)
{
	double		r = m[0],
				alpha = m[1],
				s = m[2],
				beta = m[3];
	double		L = -log1p(t / (beta + T));

	return (r + x) * (beta + T) / (alpha + T) * (-L) * kam_exprel((s - 1.0) * L);
}

void
kam_paretonbd_expected_alive_multi(const double *m, int x, double T, const double *t,
								   int n, double *out)
{
	int			j;

	for (j = 0; j < n; j++)
		out[j] = kam_paretonbd_expected_alive(m, x, T, t[j]);
}

/* the SQL entry points: value.c's, with the Pareto/NBD functions */
static const KamRftModel paretonbd_model = {
	.typname = "paretonbd",
	.fitname = "paretonbd_fit",
	.objective = kam_paretonbd_objective,
	.time_scale = {false, true, false, true},	/* r, alpha, s, beta */
	.p_alive = kam_paretonbd_p_alive,
	.expected_alive = kam_paretonbd_expected_alive,
};

Datum
kam_paretonbd_final(PG_FUNCTION_ARGS)
{
	return kam_rft_fit_final(fcinfo, &paretonbd_model);
}

Datum
kam_paretonbd_expected_purchases(PG_FUNCTION_ARGS)
{
	return kam_rft_expected_purchases(fcinfo, &paretonbd_model);
}

Datum
kam_paretonbd_p_alive_sql(PG_FUNCTION_ARGS)
{
	return kam_rft_p_alive(fcinfo, &paretonbd_model);
}

/* the fit's objective over the data of st, for the information aggregate */
bool
kam_paretonbd_problem(KamFitState *st, KamProblem *p)
{
	return kam_rft_problem(st, p, paretonbd_model.objective, paretonbd_model.time_scale,
						   paretonbd_model.fitname);
}
