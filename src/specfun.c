/*
 * specfun.c -- special functions for kam's lifetime-value models
 *
 * Everything here works on finite arguments in the ranges the models need
 * (gamma-family functions on x > 0, 2F1 on 0 <= z < 1); the callers check
 * their inputs.  No state, no allocation.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "kam.h"
#include "specfun.h"

/* 8-point Gauss-Legendre rule on [-1, 1] (Abramowitz & Stegun, table 25.4) */
const double kam_gl_nodes[KAM_GL_N] = {
	-0.9602898564975363, -0.7966664774136267, -0.5255324099163290, -0.1834346424956498,
	0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363
};
const double kam_gl_weights[KAM_GL_N] = {
	0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.3626837833783620,
	0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763
};

/* ln B(a, b) for a, b > 0, from the C library's ln Gamma (a few ulps) */
double
kam_lbeta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/*
 * digamma(x) for x > 0: recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10,
 * then the asymptotic series ln x - 1/(2x) - sum B_2k / (2k x^2k), which at
 * x >= 10 is accurate to better than 1e-16 with the terms below.
 */
double
kam_digamma(double x)
{
	double		acc = 0.0;
	double		x2;

	while (x < 10.0)
	{
		acc -= 1.0 / x;
		x += 1.0;
	}
	x2 = 1.0 / (x * x);
	return acc + log(x) - 0.5 / x
		- x2 * (1.0 / 12 - x2 * (1.0 / 120 - x2 * (1.0 / 252 - x2 * (1.0 / 240
																	  - x2 * (1.0 / 132)))));
}

/* ln(e^a + e^b) without overflow; -inf arguments allowed */
double
kam_logsumexp2(double a, double b)
{
	if (a < b)
	{
		double		t = a;

		a = b;
		b = t;
	}
	if (b == -INFINITY)
		return a;
	return a + log1p(exp(b - a));
}

/* (e^u - 1) / u, continuous at u = 0 */
double
kam_exprel(double u)
{
	if (fabs(u) < 1e-5)
		return 1.0 + u * (0.5 + u / 6.0);
	return expm1(u) / u;
}

/*
 * True when every ratio (a + j)(b + j) / ((c + j)(j + 1)), j >= k, lies in
 * (0, 1): then the terms after k shrink at least like z^j and the tail
 * after a term t is at most |t| z / (1 - z).  (The ratio's numerator minus
 * denominator is linear in j with slope a + b - c - 1.)
 */
static inline bool
ratios_below_one(double a, double b, double c, double k)
{
	double		slope = a + b - c - 1.0;

	return a + k > 0.0 && b + k > 0.0 && slope <= 0.0 && k * slope + a * b - c < 0.0;
}

/*
 * Sum of the series sum_{k >= 1} prod_{j < k} rho_j with
 * rho_j = (a + j)(b + j) / ((c + j)(j + 1)) z, starting from t1 (the k = 1
 * term).  The ratio tends to z from either side; once it is monotone the tail
 * after a term t is at most |t| q / (1 - q) with q = max(rho, z), and we stop
 * when that is below 1e-17 of the sum.  Monotonicity is certain once all
 * later ratios are below 1 (ratios_below_one: q = z), otherwise assumed past
 * k > |a| + |b| + |c| + 2.  z < 1 is required.
 */
static double
series_tail(double a, double b, double c, double z, double t1)
{
	double		sum = t1;
	double		t = t1;
	double		k;
	double		kmin = fabs(a) + fabs(b) + fabs(c) + 2.0;

	for (k = 1.0; k < 1e8; k += 1.0)
	{
		double		rho = (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
		double		q;

		t *= rho;
		sum += t;
		q = Max(fabs(rho), z);
		if ((k > kmin || ratios_below_one(a, b, c, k)) && q < 1.0 &&
			fabs(t) * q <= 1e-17 * (1.0 - q) * fabs(sum))
			return sum;
		if (t == 0.0)
			return sum;
		if (((int64) k & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("hypergeometric series 2F1(%g, %g; %g; %g) did not converge", a, b, c, z),
			 errhint("The argument is too close to 1: use a shorter horizon or a larger discount rate.")));
	return 0.0;					/* keep compiler quiet */
}

/*
 * (2F1(a, b; c; z) - 1) / b, continuous in b at b = 0:
 * sum_{k >= 1} (a)_k (b + 1)_{k-1} / ((c)_k k!) z^k.
 */
double
kam_hyp2f1m1_over_b(double a, double b, double c, double z)
{
	double		t1;

	if (z == 0.0)
		return 0.0;
	t1 = a / c * z;
	if (t1 == 0.0)
		return 0.0;
	return series_tail(a, b, c, z, t1);
}

/*
 * kam_hyp2f1m1_over_b at several z at once (out[j] for z[j], z ascending):
 * the series coefficients do not depend on z, so each is computed once for
 * all z.  The smallest z converges first; each series is checked with the
 * stopping rule of series_tail when it is the smallest one left, and the
 * others keep summing meanwhile (a branch-free, vectorizable inner loop).
 */
void
kam_hyp2f1m1_over_b_multi(double a, double b, double c, const double *z, int nz,
						  double *out)
{
	double		zk[KAM_HYP_MAXZ];
	double		coef = a / c;	/* (a)_k (b+1)_{k-1} / ((c)_k k!) at k = 1 */
	double		kmin = fabs(a) + fabs(b) + fabs(c) + 2.0;
	double		k;
	int			j,
				first = 0;

	Assert(nz <= KAM_HYP_MAXZ);
	for (j = 0; j < nz; j++)
	{
		out[j] = 0.0;
		zk[j] = z[j];
	}
	if (coef == 0.0)
		return;
	while (first < nz && z[first] == 0.0)
		first++;
	for (k = 1.0; first < nz; k += 1.0)
	{
		double		ratio = (a + k) * (b + k) / ((c + k) * (k + 1.0));
		bool		monotone = k > kmin || ratios_below_one(a, b, c, k);

		for (j = first; j < nz; j++)
		{
			out[j] += coef * zk[j];
			zk[j] *= z[j];
		}
		/* zk[j] is now z^(k+1): the term just added is coef z^k */
		while (first < nz)
		{
			double		t = coef * zk[first] / z[first];
			double		q = Max(fabs(ratio * z[first]), z[first]);

			if (t == 0.0 ||
				(monotone && q < 1.0 && fabs(t) * q <= 1e-17 * (1.0 - q) * fabs(out[first])))
				first++;
			else
				break;
		}
		coef *= ratio;
		if (k >= 1e8)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("hypergeometric series 2F1(%g, %g; %g; z) did not converge", a, b + 1.0, c),
					 errhint("The argument is too close to 1: use a shorter horizon or a larger discount rate.")));
		if (((int64) k & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * 2F1(a, b; c; z) for 0 <= z < 1, c > 0.  The terms of the series behave
 * like k^(a+b-c-1) z^k; when c - a - b < 0 Euler's transformation
 * 2F1(a, b; c; z) = (1 - z)^(c-a-b) 2F1(c - a, c - b; c; z) gives terms
 * decaying like k^(c-a-b-1) z^k instead, so we sum whichever decays faster.
 */
double
kam_hyp2f1(double a, double b, double c, double z)
{
	if (z == 0.0)
		return 1.0;
	if (c - a - b < 0.0)
		return exp((c - a - b) * log1p(-z)) *
			(1.0 + series_tail(c - a, c - b, c, z, (c - a) * (c - b) / c * z));
	return 1.0 + series_tail(a, b, c, z, a * b / c * z);
}
