/*
 * bgbb.c -- BG/BB model for discrete transaction opportunities (Fader,
 * Hardie & Shang 2010, "Customer-base analysis in a discrete-time
 * noncontractual setting", Marketing Science 29(6))
 *
 * At each of n opportunities after the first transaction, a customer who is
 * still alive transacts with probability p; at the start of each opportunity
 * a living customer dies with probability theta.  p ~ Beta(alpha, beta) and
 * theta ~ Beta(gamma, delta) across customers.  A customer is summarized by
 * x (opportunities with a transaction), t_x (the last such opportunity, 0
 * if none) and n; with B the beta function:
 *   L(x, t_x, n) = B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n)/B(gamma,delta)
 *     + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha,beta)
 *                           B(gamma+1, delta+t_x+i)/B(gamma,delta)
 * (alive through n, or died at the start of opportunity t_x+i+1).
 *
 * Scoring, all conditional on (x, t_x, n):
 *   P(alive at n+1) = B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n+1)/B(gamma,delta) / L
 *   E[X(n, n+m)]    = B(alpha+x+1, beta+n-x)/B(alpha,beta) / L
 *                     sum_{k=1}^{m} B(gamma, delta+n+k)/B(gamma,delta)
 *   DERT(d)         = B(alpha+x+1, beta+n-x)/B(alpha,beta) B(gamma, delta+n+1)/B(gamma,delta)
 *                     2F1(1, delta+n+1; gamma+delta+n+1; 1/(1+d)) / ((1+d) L)
 * (the transaction at n+1 is discounted once).  The sum in E[X] telescopes:
 * with f(s) = Gamma(delta+s+1)/Gamma(gamma+delta+s),
 *   sum_{s=n+1}^{n+m} Gamma(delta+s)/Gamma(gamma+delta+s) = (f(n) - f(n+m)) / (gamma-1),
 * the paper's closed form.  kam sums it directly for m <= 1000 and otherwise
 * writes f(n+m)/f(n) = e^D with D = (gamma-1) (q(1+delta+n) - q(1+delta+n+m)),
 * q(x) = (lnGamma(x+gamma-1) - lnGamma(x)) / (gamma-1) computed without
 * cancellation (lgamma_dq below), so (1 - e^D)/(gamma-1) = -D/(gamma-1)
 * exprel(D) has no pole at gamma = 1.
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

PG_FUNCTION_INFO_V1(kam_bgbb_trans);
PG_FUNCTION_INFO_V1(kam_bgbb_trans_w);
PG_FUNCTION_INFO_V1(kam_bgbb_final);
PG_FUNCTION_INFO_V1(kam_bgbb_p_alive);
PG_FUNCTION_INFO_V1(kam_bgbb_expected_purchases);
PG_FUNCTION_INFO_V1(kam_bgbb_dert);

#define NPAR 4
#define BGBB_MAX_PERIODS 1000000
#define DIRECT_SUM_MAX 1000

/* x, t_x, n of one customer */
static void
bgbb_check(int32 x, int32 tx, int32 n)
{
	if (x < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be >= 0, got %d", x),
				 errhint("frequency is the number of opportunities with a transaction after the first one.")));
	if (tx < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must be >= 0, got %d", tx),
				 errhint("recency is the opportunity (1..n_periods) of the last transaction, 0 if none.")));
	if (n < 0 || n > BGBB_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_periods must be between 0 and %d, got %d", BGBB_MAX_PERIODS, n),
				 errhint("n_periods is the number of transaction opportunities observed; for finer time use a continuous-time model (kam.bgnbd_fit).")));
	if (x > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be <= n_periods, got frequency %d and n_periods %d", x, n),
				 errhint("A customer transacts at most once per opportunity.")));
	if (tx > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must be <= n_periods, got recency %d and n_periods %d", tx, n),
				 errhint("recency is the opportunity (1..n_periods) of the last transaction.")));
	if (x > tx)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be <= recency, got frequency %d and recency %d", x, tx),
				 errhint("x transactions take at least x opportunities, the last of them at recency.")));
	if (x == 0 && tx != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must be 0 when frequency is 0, got %d", tx),
				 errhint("Customers without repeat transactions have recency 0.")));
}

static KamFitState *
bgbb_add(FunctionCallInfo fcinfo, bool weighted)
{
	KamFitState *st = kam_fitstate_get(fcinfo, 3, "bgbb_fit");
	double		key[3];

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || (weighted && PG_ARGISNULL(4)))
		return st;
	bgbb_check(PG_GETARG_INT32(1), PG_GETARG_INT32(2), PG_GETARG_INT32(3));
	key[0] = PG_GETARG_INT32(1);
	key[1] = PG_GETARG_INT32(2);
	key[2] = PG_GETARG_INT32(3);
	kam_fitstate_add(st, key, weighted ? kam_fit_weight_arg(fcinfo, 4) : 1.0);
	return st;
}

Datum
kam_bgbb_trans(PG_FUNCTION_ARGS)
{
	KAM_FITSTATE_RETURN(bgbb_add(fcinfo, false));
}

Datum
kam_bgbb_trans_w(PG_FUNCTION_ARGS)
{
	KAM_FITSTATE_RETURN(bgbb_add(fcinfo, true));
}

typedef struct BgbbData
{
	int			n;
	double	   *x,
			   *tx,
			   *np,
			   *w;
	double		wsum;
} BgbbData;

/*
 * ln L(x, t_x, n) and, when grad is not NULL, d ln L / d (alpha, beta,
 * gamma, delta).  The death terms shrink with i (their ratio is below 1), so
 * everything is scaled by the largest of the first death term and the
 * survival term; the digammas of the death terms follow psi(y+1) = psi(y) +
 * 1/y, refreshed every 1024 steps.
 */
static double
bgbb_loglik(const double *m, double x, double tx, double n, double *grad)
{
	double		a = m[0],
				b = m[1],
				g = m[2],
				d = m[3];
	double		lb_ab = kam_lbeta(a, b),
				lb_gd = kam_lbeta(g, d);
	double		lnM = kam_lbeta(a + x, b + n - x) - lb_ab + kam_lbeta(g, d + n) - lb_gd;
	double		lnT0 = -INFINITY;
	double		ref,
				S,
				t,
				G[NPAR] = {0, 0, 0, 0};
	double		ps_ax = 0,
				ps_a = 0,
				ps_b = 0,
				ps_ab = 0,
				ps_d = 0,
				ps_gd = 0;
	double		j;

	if (n > tx)
		lnT0 = kam_lbeta(a + x, b + tx - x) - lb_ab + kam_lbeta(g + 1.0, d + tx) - lb_gd;
	ref = Max(lnM, lnT0);
	t = exp(lnM - ref);
	S = t;
	if (grad)
	{
		double		ps_abn = kam_digamma(a + b + n),
					ps_gdn = kam_digamma(g + d + n);

		ps_ax = kam_digamma(a + x);
		ps_a = kam_digamma(a);
		ps_b = kam_digamma(b);
		ps_ab = kam_digamma(a + b);
		ps_d = kam_digamma(d);
		ps_gd = kam_digamma(g + d);
		G[0] = t * (ps_ax - ps_abn - ps_a + ps_ab);
		G[1] = t * (kam_digamma(b + n - x) - ps_abn - ps_b + ps_ab);
		G[2] = t * (ps_gd - ps_gdn);
		G[3] = t * (kam_digamma(d + n) - ps_gdn - ps_d + ps_gd);
	}
	if (n > tx)
	{
		double		p_abj = 0,
					p_bj = 0,
					p_gdj = 0,
					p_dj = 0;
		int64		i = 0;

		t = exp(lnT0 - ref);
		for (j = tx; j < n; j += 1.0, i++)
		{
			if (grad && (i & 1023) == 0)
			{
				if ((i & 0xffff) == 0)
					CHECK_FOR_INTERRUPTS();
				p_abj = kam_digamma(a + b + j);
				p_bj = kam_digamma(b + j - x);
				p_gdj = kam_digamma(g + d + j + 1.0);
				p_dj = kam_digamma(d + j);
			}
			else if ((i & 0xffff) == 0)
				CHECK_FOR_INTERRUPTS();
			S += t;
			if (grad)
			{
				G[0] += t * (ps_ax - ps_a + ps_ab - p_abj);
				G[1] += t * (p_bj - ps_b + ps_ab - p_abj);
				G[2] += t * (1.0 / g + ps_gd - p_gdj);
				G[3] += t * (p_dj - ps_d + ps_gd - p_gdj);
				p_abj += 1.0 / (a + b + j);
				p_bj += 1.0 / (b + j - x);
				p_gdj += 1.0 / (g + d + j + 1.0);
				p_dj += 1.0 / (d + j);
			}
			t *= (b + j - x) / (a + b + j) * ((d + j) / (g + d + j + 1.0));
		}
	}
	if (grad)
	{
		int			k;

		for (k = 0; k < NPAR; k++)
			grad[k] = G[k] / S;
	}
	return ref + log(S);
}

/* negative mean log-likelihood in theta = ln(alpha, beta, gamma, delta) */
static double
bgbb_objective(const double *theta, double *grad, void *arg)
{
	BgbbData   *dd = (BgbbData *) arg;
	double		m[NPAR],
				g[NPAR],
				acc[NPAR] = {0, 0, 0, 0};
	double		ll = 0.0;
	int			i,
				k;

	for (k = 0; k < NPAR; k++)
		m[k] = exp(theta[k]);
	for (i = 0; i < dd->n; i++)
	{
		ll += dd->w[i] * bgbb_loglik(m, dd->x[i], dd->tx[i], dd->np[i], grad ? g : NULL);
		if (grad)
			for (k = 0; k < NPAR; k++)
				acc[k] += dd->w[i] * g[k];
	}
	if (grad)
		for (k = 0; k < NPAR; k++)
			grad[k] = -m[k] * acc[k] / dd->wsum;
	return -ll / dd->wsum;
}

/* The fit's data of st; false when st holds no customers. */
static bool
bgbb_build(KamFitState *st, BgbbData *dp)
{
	BgbbData	d;
	double		wx = 0.0;
	int			i;

	kam_fitstate_sort(st);
	if (st->nentries == 0)
		return false;
	d.n = (int) st->nentries;
	d.x = palloc(sizeof(double) * d.n);
	d.tx = palloc(sizeof(double) * d.n);
	d.np = palloc(sizeof(double) * d.n);
	d.w = palloc(sizeof(double) * d.n);
	d.wsum = 0.0;
	for (i = 0; i < d.n; i++)
	{
		d.x[i] = st->entries[i].key[0];
		d.tx[i] = st->entries[i].key[1];
		d.np[i] = st->entries[i].key[2];
		d.w[i] = kam_fit_weight(&st->entries[i].weight);
		d.wsum += d.w[i];
		wx += d.w[i] * d.x[i];
	}
	if (!(wx > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bgbb_fit needs at least one customer with frequency > 0"),
				 errhint("The transaction probability cannot be estimated without repeat transactions.")));
	*dp = d;
	return true;
}

Datum
kam_bgbb_final(PG_FUNCTION_ARGS)
{
	KamFitState *st;
	BgbbData	d;
	double		theta[NPAR],
				params[NPAR];
	KamOptimResult res;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = kam_fitstate_arg(fcinfo, 0);
	if (!bgbb_build(st, &d))
		PG_RETURN_NULL();

	for (i = 0; i < NPAR; i++)
		theta[i] = 0.0;
	kam_minimize(bgbb_objective, &d, NPAR, theta, &res);
	for (i = 0; i < NPAR; i++)
		params[i] = exp(theta[i]);
	PG_RETURN_DATUM(kam_fit_result(fcinfo, params, NPAR, -res.f * d.wsum, d.wsum,
								   &res, "bgbb_fit"));
}

static void
bgbb_args(FunctionCallInfo fcinfo, int first, double *m, int32 *x, int32 *tx, int32 *n)
{
	kam_model_get(fcinfo, 0, NPAR, m, "bgbb");
	*x = PG_GETARG_INT32(first);
	*tx = PG_GETARG_INT32(first + 1);
	*n = PG_GETARG_INT32(first + 2);
	bgbb_check(*x, *tx, *n);
}

/* P(alive at opportunity n+1 | x, t_x, n) */
Datum
kam_bgbb_p_alive(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	int32		x,
				tx,
				n;
	double		l;

	bgbb_args(fcinfo, 1, m, &x, &tx, &n);
	l = kam_lbeta(m[0] + x, m[1] + n - x) - kam_lbeta(m[0], m[1])
		+ kam_lbeta(m[2], m[3] + n + 1.0) - kam_lbeta(m[2], m[3])
		- bgbb_loglik(m, x, tx, n, NULL);
	PG_RETURN_FLOAT8(Min(exp(l), 1.0));
}

/* ln(1+u)/u, continuous at u = 0 */
static double
log1p_over(double u)
{
	if (fabs(u) < 1e-8)
		return 1.0 - u * (0.5 - u / 3.0);
	return log1p(u) / u;
}

/*
 * (lnGamma(x+h) - lnGamma(x)) / h for x > 0, x + h > 0, continuous at h = 0
 * (where it is digamma(x)): shift x to >= 15 with lnGamma(x+1) = lnGamma(x) +
 * ln x, then Stirling's series, each difference written as an exact divided
 * difference (ln via log1p; (A^k - B^k)/h = -A B sum A^(k-1-i) B^i for A =
 * 1/(x+h), B = 1/x), so nothing cancels for small h.  Truncation error below
 * 2e-14 at x >= 15.
 */
static double
lgamma_dq(double x, double h)
{
	static const double c[4] = {1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680};
	double		acc = 0.0,
				A,
				B,
				dc = 0.0;
	int			k;

	while (x < 15.0)
	{
		acc -= log1p_over(h / x) / x;
		x += 1.0;
	}
	A = 1.0 / (x + h);
	B = 1.0 / x;
	for (k = 0; k < 4; k++)
	{
		int			p = 2 * k + 1,
					i;
		double		s = 0.0;

		for (i = 0; i < p; i++)
			s += pow(A, p - 1 - i) * pow(B, i);
		dc -= c[k] * A * B * s;
	}
	return acc + (x - 0.5) * B * log1p_over(h * B) + log(x + h) - 1.0 + dc;
}

/*
 * sum_{k=1}^{m} Gamma(delta+n+k)/Gamma(gamma+delta+n+k) / f(n), f(n) =
 * Gamma(delta+n+1)/Gamma(gamma+delta+n): the first term is 1/(gamma+delta+n)
 * and each next one (delta+n+k)/(gamma+delta+n+k) times the previous.
 */
static double
bgbb_alive_sum(double g, double d, double n, double mf)
{
	if (mf <= DIRECT_SUM_MAX)
	{
		double		s = 0.0,
					t = 1.0 / (g + d + n),
					k;

		for (k = 1.0; k <= mf; k += 1.0)
		{
			s += t;
			t *= (d + n + k) / (g + d + n + k);
		}
		return s;
	}
	else
	{
		double		h = g - 1.0;
		double		Dh = lgamma_dq(1.0 + d + n, h) - lgamma_dq(1.0 + d + n + mf, h);

		return -Dh * kam_exprel(h * Dh);
	}
}

/* E[transactions in opportunities n+1 .. n+n_future | x, t_x, n] */
Datum
kam_bgbb_expected_purchases(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	int32		nf = PG_GETARG_INT32(1);
	int32		x,
				tx,
				n;
	double		l;

	if (nf < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_future must be >= 0, got %d", nf),
				 errhint("n_future is the number of future transaction opportunities.")));
	bgbb_args(fcinfo, 2, m, &x, &tx, &n);
	if (nf == 0)
		PG_RETURN_FLOAT8(0.0);
	l = kam_lbeta(m[0] + x + 1.0, m[1] + n - x) - kam_lbeta(m[0], m[1])
		+ lgamma(m[2] + m[3]) - lgamma(m[3]) + lgamma(m[3] + n + 1.0) - lgamma(m[2] + m[3] + n)
		- bgbb_loglik(m, x, tx, n, NULL);
	PG_RETURN_FLOAT8(exp(l) * bgbb_alive_sum(m[2], m[3], n, nf));
}

/* discounted expected residual transactions (the paper's DERT) */
Datum
kam_bgbb_dert(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	double		disc = PG_GETARG_FLOAT8(1);
	int32		x,
				tx,
				n;
	double		l,
				z;

	KAM_CHECK_FINITE(disc, "discount");
	if (disc <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("discount must be > 0, got %g", disc),
				 errhint("Pass a discount rate per transaction opportunity, e.g. 0.1 for 10%%.")));
	bgbb_args(fcinfo, 2, m, &x, &tx, &n);
	z = 1.0 / (1.0 + disc);
	l = kam_lbeta(m[0] + x + 1.0, m[1] + n - x) - kam_lbeta(m[0], m[1])
		+ kam_lbeta(m[2], m[3] + n + 1.0) - kam_lbeta(m[2], m[3])
		- bgbb_loglik(m, x, tx, n, NULL);
	PG_RETURN_FLOAT8(exp(l) * z * kam_hyp2f1(1.0, m[3] + n + 1.0, m[2] + m[3] + n + 1.0, z));
}

/* the fit's objective over the data of st, for the information aggregate */
bool
kam_bgbb_problem(KamFitState *st, KamProblem *p)
{
	BgbbData   *d = palloc(sizeof(BgbbData));

	if (!bgbb_build(st, d))
		return false;
	p->npar = NPAR;
	p->objective = bgbb_objective;
	p->arg = d;
	p->scale[0] = p->scale[1] = p->scale[2] = p->scale[3] = 1.0;
	p->wsum = d->wsum;
	return true;
}
