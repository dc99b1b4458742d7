/*
 * predict.c -- distribution of future purchases under the purchase models:
 * P(exactly n purchases in a horizon) and the population curve E[X(t)].
 *
 * BG/NBD, a new customer (Fader, Hardie & Lee 2005, eq. 8).  With
 * q = alpha/(alpha+t) and NB(j) = G(r+j)/(G(r) j!) q^r (1-q)^j, the number
 * of purchases X(t) in (0, t] is n when the customer made n purchases and is
 * still alive ((1-p)^n), or dropped out right after the n-th purchase
 * (p (1-p)^(n-1)) and the n-th came before t (a Poisson count >= n):
 *   P(X(t)=n) = B(a, b+n)/B(a, b) NB(n)
 *             + [n>0] B(a+1, b+n-1)/B(a, b) P(NB >= n),
 * and P(NB >= n) = I_{1-q}(n, r), the regularized incomplete beta function,
 * evaluated by its continued fraction (O(sqrt(n)) terms, no cancellation),
 * instead of the paper's 1 - sum_{j<n} NB(j), which loses every digit in
 * the tail and needs n terms.
 *
 * BG/NBD, a customer (x, t_x, T) (lifetimes'
 * conditional_probability_of_n_purchases_up_to_time): alive at T with
 * probability P(alive), and then lambda ~ Gamma(r+x, alpha+T) and
 * p ~ Beta(a, b+x) a posteriori (the likelihood of an alive customer is
 * lambda^x e^(-lambda T) (1-p)^x), and the future from T is a new BG/NBD
 * customer's, so
 *   P(X(T, T+t] = n) = P(alive) P_(r+x, alpha+T, a, b+x)(X(t)=n)
 *                      + [n=0] (1 - P(alive)).
 *
 * MBG/NBD (Batislam et al. 2007): a new customer drops out at time 0 with
 * probability p; if not, p ~ Beta(a, b+1) and the rest is BG/NBD, so
 *   P(X(t)=n) = b/(a+b) P_(r, alpha, a, b+1)(X(t)=n) + [n=0] a/(a+b),
 *   E[X(t)]   = b/(a+b) E_(r, alpha, a, b+1)[X(t)]
 *             = b/(a-1) [1 - q^r 2F1(r, b+1; a+b; t/(alpha+t))]
 * (lifetimes' ModifiedBetaGeoFitter); a customer: p ~ Beta(a, b+x+1) when
 * alive at T, the BG/NBD expression at (r+x, alpha+T, a, b+x+1).
 *
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie's note
 * on its PMF).  A customer buying at rate lambda until an Exp(mu) lifetime
 * ends makes n purchases in (0, t] when alive at t with n Poisson purchases,
 * or dead at tau < t with n purchases in (0, tau]; over lambda ~ Gamma(r,
 * alpha) and mu ~ Gamma(s, beta):
 *   P(X(t)=n) = G(r+n)/(G(r) n!) alpha^r beta^s [ t^n (alpha+t)^-(r+n) (beta+t)^-s
 *               + s \int_0^t tau^n (alpha+tau)^-(r+n) (beta+tau)^-(s+1) dtau ].
 * The note writes the integral as sums of 2F1 terms; kam integrates it
 * instead (no cancellation): in u = ln tau the integrand's logarithm phi is
 * concave, so from its mode outward 8-point Gauss-Legendre panels of width
 * <= 1 with |phi'| width <= 2 are summed until the rest of the integrand
 * (bounded by its exponential tangent) is below e^-40 of the sum.  A
 * customer (x, t_x, T) is alive at T with probability P(alive), and then
 * lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T), and the future is a
 * new customer's (the lifetime is memoryless):
 *   P(X(T, T+t] = n) = P(alive) P_(r+x, alpha+T, s, beta+T)(X(t)=n) + [n=0] (1 - P(alive)).
 *
 * E[X(t)] of a new customer is the customer formula at x = 0, t_x = T = 0,
 * where P(alive) = 1: BG/NBD eq. 9, (a+b-1)/(a-1) [1 - q^r 2F1(r, b; a+b-1;
 * t/(alpha+t))]; Pareto/NBD r beta/(alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]
 * (Schmittlein et al. 1987; r beta/alpha ln(1 + t/beta) at s = 1).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "kam.h"
#include "specfun.h"
#include "value.h"

PG_FUNCTION_INFO_V1(kam_bgnbd_prob_n);
PG_FUNCTION_INFO_V1(kam_bgnbd_prob_n_customer);
PG_FUNCTION_INFO_V1(kam_mbgnbd_prob_n);
PG_FUNCTION_INFO_V1(kam_mbgnbd_prob_n_customer);
PG_FUNCTION_INFO_V1(kam_paretonbd_prob_n);
PG_FUNCTION_INFO_V1(kam_paretonbd_prob_n_customer);
PG_FUNCTION_INFO_V1(kam_bgnbd_expected_new);
PG_FUNCTION_INFO_V1(kam_mbgnbd_expected_new);
PG_FUNCTION_INFO_V1(kam_paretonbd_expected_new);

#define NPAR 4
#define PMF_MAX_PANELS 1000000

/*
 * Continued fraction of the incomplete beta function (modified Lentz; the
 * even and odd steps of DLMF 8.17.22), for x < (a+1)/(a+b+2), where it
 * converges in O(sqrt(max(a, b))) steps.
 */
static double
ibeta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double		c = 1.0,
				d = 1.0 - (a + b) * x / (a + 1.0),
				h;
	long		m,
				maxit;

	maxit = 1000 + (long) (20.0 * sqrt(fmax(a, b)));
	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	h = d;
	for (m = 1; m <= maxit; m++)
	{
		double		m2 = 2.0 * m,
					aa,
					del;

		if ((m & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		aa = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 4.0 * DBL_EPSILON)
			return h;
	}
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("incomplete beta function I(%g, %g) did not converge", a, b),
			 errhint("Use a smaller number of purchases or horizon.")));
	return 0.0;					/* keep the compiler quiet */
}

/*
 * I_x(a, b), with x, y = 1 - x and their logarithms given separately (so
 * that neither is rounded from the other).
 */
static double
ibeta(double a, double b, double x, double y, double lx, double ly)
{
	double		lfront;

	if (x <= 0.0)
		return 0.0;
	if (y <= 0.0)
		return 1.0;
	lfront = a * lx + b * ly - kam_lbeta(a, b);
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(lfront) * ibeta_cf(a, b, x) / a;
	return fmax(0.0, 1.0 - exp(lfront) * ibeta_cf(b, a, y) / b);
}

/*
 * P(X(t) = n) of a new BG/NBD customer with parameters m = (r, alpha, a, b)
 * (FHL 2005 eq. 8, the tail by the incomplete beta function).
 */
static double
bgnbd_pmf(const double *m, double n, double t)
{
	double		r = m[0],
				alpha = m[1],
				a = m[2],
				b = m[3];
	double		q,
				oq,
				lq,
				loq,
				lbab,
				p1,
				p2 = 0.0;

	if (t == 0.0)
		return n == 0 ? 1.0 : 0.0;
	q = alpha / (alpha + t);
	oq = t / (alpha + t);
	lq = -log1p(t / alpha);
	loq = -log1p(alpha / t);
	lbab = kam_lbeta(a, b);
	/* G(r+n)/(G(r) n!) = 1/((r+n) B(r, n+1)) */
	p1 = exp(kam_lbeta(a, b + n) - lbab - log(r + n) - kam_lbeta(r, n + 1.0)
			 + r * lq + (n > 0 ? n * loq : 0.0));
	if (n > 0)
		p2 = exp(kam_lbeta(a + 1.0, b + n - 1.0) - lbab) * ibeta(n, r, oq, q, loq, lq);
	return fmin(1.0, p1 + p2);
}

/*
 * P(exactly n purchases) of a customer who is alive with probability alive
 * and then buys n with probability pmf_alive, and is dead (buys nothing)
 * with probability dead.
 */
static double
alive_mixture(double alive, double dead, double pmf_alive, int32 n)
{
	double		p = alive * pmf_alive;

	if (n == 0)
		p += dead;
	return fmin(1.0, p);
}

static void
check_n(int32 n)
{
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be >= 0, got %d", n),
				 errhint("n is the number of purchases whose probability is wanted.")));
}

/* probability_of_purchases(kam.bgnbd, n, horizon) */
Datum
kam_bgnbd_prob_n(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	int32		n = PG_GETARG_INT32(1);
	double		horizon = PG_GETARG_FLOAT8(2);

	kam_model_get(fcinfo, 0, NPAR, m, "bgnbd");
	check_n(n);
	kam_check_horizon(horizon, "horizon");
	PG_RETURN_FLOAT8(bgnbd_pmf(m, n, horizon));
}

/* probability_of_purchases(kam.bgnbd, n, horizon, frequency, recency, t) */
Datum
kam_bgnbd_prob_n_customer(PG_FUNCTION_ARGS)
{
	double		m[NPAR],
				mc[NPAR];
	int32		n = PG_GETARG_INT32(1);
	double		horizon = PG_GETARG_FLOAT8(2);
	int32		x = PG_GETARG_INT32(3);
	double		tx = PG_GETARG_FLOAT8(4);
	double		T = PG_GETARG_FLOAT8(5);
	double		pa;

	kam_model_get(fcinfo, 0, NPAR, m, "bgnbd");
	check_n(n);
	kam_check_horizon(horizon, "horizon");
	kam_check_rft(x, tx, T);
	pa = kam_bgnbd_p_alive(m, x, tx, T);
	mc[0] = m[0] + x;
	mc[1] = m[1] + T;
	mc[2] = m[2];
	mc[3] = m[3] + x;
	PG_RETURN_FLOAT8(alive_mixture(pa, 1.0 - pa, bgnbd_pmf(mc, n, horizon), n));
}

/* probability_of_purchases(kam.mbgnbd, n, horizon) */
Datum
kam_mbgnbd_prob_n(PG_FUNCTION_ARGS)
{
	double		m[NPAR],
				mb[NPAR];
	int32		n = PG_GETARG_INT32(1);
	double		horizon = PG_GETARG_FLOAT8(2);
	double		alive;

	kam_model_get(fcinfo, 0, NPAR, m, "mbgnbd");
	check_n(n);
	kam_check_horizon(horizon, "horizon");
	memcpy(mb, m, sizeof(mb));
	mb[3] = m[3] + 1.0;
	alive = m[3] / (m[2] + m[3]);
	PG_RETURN_FLOAT8(alive_mixture(alive, m[2] / (m[2] + m[3]), bgnbd_pmf(mb, n, horizon), n));
}

/* probability_of_purchases(kam.mbgnbd, n, horizon, frequency, recency, t) */
Datum
kam_mbgnbd_prob_n_customer(PG_FUNCTION_ARGS)
{
	double		m[NPAR],
				mc[NPAR];
	int32		n = PG_GETARG_INT32(1);
	double		horizon = PG_GETARG_FLOAT8(2);
	int32		x = PG_GETARG_INT32(3);
	double		tx = PG_GETARG_FLOAT8(4);
	double		T = PG_GETARG_FLOAT8(5);
	double		pa;

	kam_model_get(fcinfo, 0, NPAR, m, "mbgnbd");
	check_n(n);
	kam_check_horizon(horizon, "horizon");
	kam_check_rft(x, tx, T);
	pa = kam_mbgnbd_p_alive(m, x, tx, T);
	mc[0] = m[0] + x;
	mc[1] = m[1] + T;
	mc[2] = m[2];
	mc[3] = m[3] + x + 1.0;
	PG_RETURN_FLOAT8(alive_mixture(pa, 1.0 - pa, bgnbd_pmf(mc, n, horizon), n));
}

/* ln(1 + e^x) without overflow */
static inline double
softplus(double x)
{
	return x > 0.0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/*
 * The Pareto/NBD PMF integral in u = ln tau: phi(u) = (n+1) u
 * - (r+n) ln(alpha + e^u) - (s+1) ln(beta + e^u).  Around a point m it is
 * evaluated in v = u - m, where
 *   phi(m + v) - phi(m) = (n+1) v - (r+n) ln(1 + sa expm1(v)) - (s+1) ln(1 + sb expm1(v))
 * with sa = e^m / (alpha + e^m), sb = e^m / (beta + e^m): no cancellation
 * of the large terms, and no loss of v's digits to m's.
 */
typedef struct PnbdPmf
{
	double		n1,
				R,
				S;				/* n + 1, r + n, s + 1 */
	double		la,
				lb;				/* ln alpha, ln beta */
	double		sa,
				sb;				/* at the mode */
} PnbdPmf;

/* phi'(u) */
static inline double
pmf_slope_u(const PnbdPmf *p, double u)
{
	return p->n1 - p->R / (1.0 + exp(p->la - u)) - p->S / (1.0 + exp(p->lb - u));
}

/* phi(m + v) - phi(m) */
static inline double
pmf_phi(const PnbdPmf *p, double v)
{
	double		e = expm1(v);

	return p->n1 * v - p->R * log1p(p->sa * e) - p->S * log1p(p->sb * e);
}

/* phi'(m + v) */
static inline double
pmf_slope(const PnbdPmf *p, double v)
{
	double		e = expm1(v),
				ev = exp(v);

	return p->n1 - p->R * p->sa * ev / (1.0 + p->sa * e) - p->S * p->sb * ev / (1.0 + p->sb * e);
}

/* the integral of e^(phi(m + v) - phi(m)) over [v0, v0 + h], 8-point Gauss-Legendre */
static double
pmf_panel(const PnbdPmf *p, double v0, double h)
{
	double		sum = 0.0;
	int			k;

	for (k = 0; k < KAM_GL_N; k++)
		sum += kam_gl_weights[k] * exp(pmf_phi(p, v0 + 0.5 * h * (1.0 + kam_gl_nodes[k])));
	return 0.5 * h * sum;
}

/*
 * Add to *sum the panels from v = 0 in direction dir: -1 to -infinity, +1
 * up to v1.  phi' decreases, so |phi'| on a panel is largest at one of its
 * ends; each panel is as wide as those ends allow (<= 1, |phi'| width <= 2),
 * found by halving from twice the previous width.  Where the integrand has
 * fallen to e^-d of the mode's, a panel's error matters e^d times less, and
 * the 8-point rule's error grows like width^16: both limits are widened by
 * e^(d/16).  The sweep stops at v1, or where the integrand decays in its
 * direction (dir phi' < 0) and its tangent bounds the rest below e^-40 of
 * the sum.
 */
static void
pmf_sweep(const PnbdPmf *p, double v1, int dir, double *sum)
{
	double		v = 0.0,
				h = 1.0;
	int64		panels = 0;

	for (;;)
	{
		bool		last = false;
		double		sl,
					f = exp(Min(Max(-pmf_phi(p, v), 0.0), 160.0) / 16.0);

		h = Min(f, 2.0 * h);
		if (dir > 0 && v1 - v <= h)
		{
			h = v1 - v;
			last = true;
		}
		if (!(h > 0.0))
			break;
		while (Max(fabs(pmf_slope(p, v)), fabs(pmf_slope(p, v + dir * h))) * h > 2.0 * f)
		{
			h *= 0.5;
			last = false;
		}
		if (h < 1e-15 * Max(1.0, fabs(v)) || ++panels > PMF_MAX_PANELS)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("Pareto/NBD purchase probability out of range: the integrand is too narrow to resolve"),
					 errdetail("n + 1 = %g, r + n = %g, s + 1 = %g.", p->n1, p->R, p->S),
					 errhint("The model's parameters or the number of purchases are too extreme.")));
		*sum += pmf_panel(p, dir > 0 ? v : v - h, h);
		if (last)
			break;
		v += dir * h;
		sl = dir * pmf_slope(p, v);
		if (sl < 0.0 && pmf_phi(p, v) - log(-sl) < log(*sum) - 40.0)
			break;
		if ((panels & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * ln alpha^r beta^s \int_0^t tau^n (alpha+tau)^-(r+n) (beta+tau)^-(s+1) dtau,
 * t > 0; the factor alpha^r beta^s is taken in (phi(m) - r ln alpha - s ln
 * beta = n (m - ln alpha) + m - ln beta - (r+n) ln(1 + e^m/alpha) - (s+1)
 * ln(1 + e^m/beta)), so that large parameters do not cancel.
 */
static double
pnbd_pmf_logint(double r, double alpha, double s, double beta, double n, double t)
{
	PnbdPmf		p = {n + 1.0, r + n, s + 1.0, log(alpha), log(beta), 0.0, 0.0};
	double		u1 = log(t),
				m,
				sum = 0.0;

	/* the mode of phi on (-inf, u1], roughly: phi' decreases from n + 1 */
	if (pmf_slope_u(&p, u1) >= 0.0)
		m = u1;
	else
	{
		double		lo = u1 - 1.0,
					hi = u1;
		int			i;

		while (pmf_slope_u(&p, lo) < 0.0)
		{
			hi = lo;
			lo -= 2.0 * (u1 - lo);
		}
		for (i = 0; i < 100 && hi - lo > 1e-3; i++)
		{
			double		mid = 0.5 * (lo + hi);

			if (pmf_slope_u(&p, mid) >= 0.0)
				lo = mid;
			else
				hi = mid;
		}
		m = 0.5 * (lo + hi);
	}
	p.sa = 1.0 / (1.0 + exp(p.la - m));
	p.sb = 1.0 / (1.0 + exp(p.lb - m));
	pmf_sweep(&p, u1 - m, -1, &sum);
	pmf_sweep(&p, u1 - m, 1, &sum);
	return n * (m - p.la) + (m - p.lb) - p.R * softplus(m - p.la) - p.S * softplus(m - p.lb)
		+ log(sum);
}

/* P(X(t) = n) of a new Pareto/NBD customer with parameters m = (r, alpha, s, beta) */
static double
paretonbd_pmf(const double *m, double n, double t)
{
	double		r = m[0],
				alpha = m[1],
				s = m[2],
				beta = m[3];
	double		alive,
				dead;

	if (t == 0.0)
		return n == 0 ? 1.0 : 0.0;
	/*
	 * G(r+n)/(G(r) n!) = 1/((r+n) B(r, n+1)); alive: alpha^r beta^s t^n
	 * (alpha+t)^-(r+n) (beta+t)^-s
	 */
	alive = (n > 0 ? -n * log1p(alpha / t) : 0.0) - r * log1p(t / alpha) - s * log1p(t / beta);
	dead = log(s) + pnbd_pmf_logint(r, alpha, s, beta, n, t);
	return fmin(1.0, exp(-log(r + n) - kam_lbeta(r, n + 1.0) + kam_logsumexp2(alive, dead)));
}

/* probability_of_purchases(kam.paretonbd, n, horizon) */
Datum
kam_paretonbd_prob_n(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	int32		n = PG_GETARG_INT32(1);
	double		horizon = PG_GETARG_FLOAT8(2);

	kam_model_get(fcinfo, 0, NPAR, m, "paretonbd");
	check_n(n);
	kam_check_horizon(horizon, "horizon");
	PG_RETURN_FLOAT8(paretonbd_pmf(m, n, horizon));
}

/* probability_of_purchases(kam.paretonbd, n, horizon, frequency, recency, t) */
Datum
kam_paretonbd_prob_n_customer(PG_FUNCTION_ARGS)
{
	double		m[NPAR],
				mc[NPAR];
	int32		n = PG_GETARG_INT32(1);
	double		horizon = PG_GETARG_FLOAT8(2);
	int32		x = PG_GETARG_INT32(3);
	double		tx = PG_GETARG_FLOAT8(4);
	double		T = PG_GETARG_FLOAT8(5);
	double		pa;

	kam_model_get(fcinfo, 0, NPAR, m, "paretonbd");
	check_n(n);
	kam_check_horizon(horizon, "horizon");
	kam_check_rft(x, tx, T);
	pa = kam_paretonbd_p_alive(m, x, tx, T);
	mc[0] = m[0] + x;
	mc[1] = m[1] + T;
	mc[2] = m[2];
	mc[3] = m[3] + T;
	PG_RETURN_FLOAT8(alive_mixture(pa, 1.0 - pa, paretonbd_pmf(mc, n, horizon), n));
}

/* expected_purchases(kam.bgnbd, horizon): E[X(t)] of a new customer */
Datum
kam_bgnbd_expected_new(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	double		horizon = PG_GETARG_FLOAT8(1);
	double		e;

	kam_model_get(fcinfo, 0, NPAR, m, "bgnbd");
	kam_check_horizon(horizon, "horizon");
	kam_bgnbd_expected_alive_multi(m, 0, 0.0, &horizon, 1, &e);
	PG_RETURN_FLOAT8(e);
}

/* expected_purchases(kam.mbgnbd, horizon) */
Datum
kam_mbgnbd_expected_new(PG_FUNCTION_ARGS)
{
	double		m[NPAR],
				mb[NPAR];
	double		horizon = PG_GETARG_FLOAT8(1);
	double		e;

	kam_model_get(fcinfo, 0, NPAR, m, "mbgnbd");
	kam_check_horizon(horizon, "horizon");
	memcpy(mb, m, sizeof(mb));
	mb[3] = m[3] + 1.0;
	kam_bgnbd_expected_alive_multi(mb, 0, 0.0, &horizon, 1, &e);
	PG_RETURN_FLOAT8(e * m[3] / (m[2] + m[3]));
}

/* expected_purchases(kam.paretonbd, horizon) */
Datum
kam_paretonbd_expected_new(PG_FUNCTION_ARGS)
{
	double		m[NPAR];
	double		horizon = PG_GETARG_FLOAT8(1);

	kam_model_get(fcinfo, 0, NPAR, m, "paretonbd");
	kam_check_horizon(horizon, "horizon");
	PG_RETURN_FLOAT8(kam_paretonbd_expected_alive(m, 0, 0.0, horizon));
}
