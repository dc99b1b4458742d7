/*
 * optim.c -- maximum likelihood for kam's models
 *
 * The fits minimize the negative mean log-likelihood over the logarithms of
 * the (positive) model parameters, so the search is unconstrained and scale
 * free (parameters measured in time or money units are divided by the data's
 * mean T or mean spend first).
 *
 * The main method is BFGS on the inverse Hessian with a backtracking line
 * search (Armijo condition; the update is skipped when the curvature
 * condition s'y > 0 fails, which keeps the inverse Hessian positive
 * definite).  When BFGS cannot reach a point where the gradient vanishes, a
 * derivative-free Nelder-Mead search restarts from its best point, and BFGS
 * polishes the result.  The fit is reported converged only when the final
 * gradient is (numerically) zero.
 *
 * Some data have their likelihood supremum at infinity (no sign of dropout
 * or of heterogeneity).  A log parameter beyond +-ln 1e8 is treated as
 * outside the domain, BFGS stops when it creeps past +-ln 1e6 without real
 * progress, Nelder-Mead is not tried then (it would only walk further), and
 * a final point beyond +-ln 1e6 is reported as diverged, not converged.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "kam.h"
#include "optim.h"

#define BFGS_MAXITER	200
#define NM_MAXITER		1000
#define GTOL			1e-9	/* max |gradient| of the mean log-likelihood */
#define GTOL_FLAT		1e-6	/* accepted when no step can improve f */
#define MAXSTEP			3.0		/* largest move of a log parameter per step */
#define DIVERGED		13.82	/* |log parameter| > ln 1e6 at the end: the
								 * supremum is at the boundary */
#define THETA_LIMIT		18.42	/* |log parameter| > ln 1e8: divergence (the
								 * fits scale their scale parameters by the data) */

static double
max_abs(const double *v, int n)
{
	double		m = 0.0;
	int			i;

	for (i = 0; i < n; i++)
		m = Max(m, fabs(v[i]));
	return m;
}

static bool
theta_ok(const double *theta, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (!(fabs(theta[i]) <= THETA_LIMIT))
			return false;
	return true;
}

static double
eval(KamObjective fn, void *arg, int n, const double *theta, double *grad)
{
	double		f;

	if (!theta_ok(theta, n))
		return INFINITY;
	f = fn(theta, grad, arg);
	if (isnan(f))
		return INFINITY;
	if (grad && !isfinite(max_abs(grad, n)))
		return INFINITY;
	return f;
}

/*
 * BFGS from theta; returns true when the gradient reached GTOL (or GTOL_FLAT
 * with no further decrease possible).  theta, *f and g hold the best point.
 */
static bool
bfgs(KamObjective fn, void *arg, int n, double *theta, double *f, double *g,
	 int *iterations)
{
	double		H[KAM_OPTIM_MAXPAR][KAM_OPTIM_MAXPAR];
	double		d[KAM_OPTIM_MAXPAR],
				xn[KAM_OPTIM_MAXPAR],
				gn[KAM_OPTIM_MAXPAR],
				s[KAM_OPTIM_MAXPAR],
				y[KAM_OPTIM_MAXPAR],
				Hy[KAM_OPTIM_MAXPAR];
	int			i,
				j,
				it;
	bool		reset = true;

	*f = eval(fn, arg, n, theta, g);
	if (!isfinite(*f))
		return false;

	for (it = 0; it < BFGS_MAXITER; it++)
	{
		double		slope = 0.0,
					step = 1.0,
					dmax,
					fn_new = INFINITY,
					sy,
					yHy;
		int			ls;

		CHECK_FOR_INTERRUPTS();
		if (max_abs(g, n) <= GTOL)
			return true;
		if (reset)
		{
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
					H[i][j] = (i == j) ? 1.0 : 0.0;
			reset = false;
		}
		for (i = 0; i < n; i++)
		{
			d[i] = 0.0;
			for (j = 0; j < n; j++)
				d[i] -= H[i][j] * g[j];
			slope += d[i] * g[i];
		}
		if (!(slope < 0.0))
		{
			/* not a descent direction: restart from steepest descent */
			for (i = 0; i < n; i++)
				d[i] = -g[i];
			slope = 0.0;
			for (i = 0; i < n; i++)
				slope -= g[i] * g[i];
			reset = true;
		}
		dmax = max_abs(d, n);
		if (dmax > MAXSTEP)
			step = MAXSTEP / dmax;

		/* backtracking line search, Armijo condition */
		for (ls = 0; ls < 60; ls++)
		{
			for (i = 0; i < n; i++)
				xn[i] = theta[i] + step * d[i];
			fn_new = eval(fn, arg, n, xn, gn);
			if (fn_new <= *f + 1e-4 * step * slope)
				break;
			step *= (isfinite(fn_new) ? 0.5 : 0.1);
		}
		(*iterations)++;
		if (ls == 60 || !(fn_new <= *f))
		{
			/* no progress along d */
			if (!reset)
			{
				reset = true;
				continue;
			}
			return max_abs(g, n) <= GTOL_FLAT;
		}

		for (i = 0; i < n; i++)
		{
			s[i] = xn[i] - theta[i];
			y[i] = gn[i] - g[i];
		}
		sy = 0.0;
		for (i = 0; i < n; i++)
			sy += s[i] * y[i];
		if (sy > 1e-300)
		{
			/* H += (1 + y'Hy/s'y) ss'/s'y - (Hy s' + s y'H)/s'y */
			yHy = 0.0;
			for (i = 0; i < n; i++)
			{
				Hy[i] = 0.0;
				for (j = 0; j < n; j++)
					Hy[i] += H[i][j] * y[j];
				yHy += y[i] * Hy[i];
			}
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
					H[i][j] += (1.0 + yHy / sy) * s[i] * s[j] / sy
						- (Hy[i] * s[j] + s[i] * Hy[j]) / sy;
		}
		memcpy(theta, xn, sizeof(double) * n);
		memcpy(g, gn, sizeof(double) * n);
		if (*f - fn_new <= 1e-16 * fabs(fn_new) && max_abs(g, n) <= GTOL_FLAT)
		{
			*f = fn_new;
			return true;
		}
		if (max_abs(theta, n) > DIVERGED && *f - fn_new <= 1e-10 * fabs(fn_new))
		{
			/* creeping off to the boundary: the supremum is at infinity */
			*f = fn_new;
			return false;
		}
		*f = fn_new;
	}
	return false;
}

/* Nelder-Mead (standard coefficients) from theta; theta gets the best vertex */
static void
nelder_mead(KamObjective fn, void *arg, int n, double *theta, int *iterations)
{
	double		x[KAM_OPTIM_MAXPAR + 1][KAM_OPTIM_MAXPAR];
	double		fx[KAM_OPTIM_MAXPAR + 1];
	double		c[KAM_OPTIM_MAXPAR],
				xr[KAM_OPTIM_MAXPAR],
				xe[KAM_OPTIM_MAXPAR];
	int			i,
				j,
				it;

	for (i = 0; i <= n; i++)
	{
		memcpy(x[i], theta, sizeof(double) * n);
		if (i > 0)
			x[i][i - 1] += 0.5;
		fx[i] = eval(fn, arg, n, x[i], NULL);
	}
	for (it = 0; it < NM_MAXITER; it++)
	{
		int			hi = 0,
					lo = 0,
					nh = 0;
		double		fr,
					spread = 0.0;

		CHECK_FOR_INTERRUPTS();
		for (i = 1; i <= n; i++)
		{
			if (fx[i] < fx[lo])
				lo = i;
			if (fx[i] > fx[hi])
				hi = i;
		}
		nh = (hi == 0) ? 1 : 0;
		for (i = 0; i <= n; i++)
			if (i != hi && fx[i] > fx[nh])
				nh = i;
		for (i = 0; i <= n; i++)
			for (j = 0; j < n; j++)
				spread = Max(spread, fabs(x[i][j] - x[lo][j]));
		if (isfinite(fx[hi]) && fx[hi] - fx[lo] <= 1e-15 * (1.0 + fabs(fx[lo])) &&
			spread < 1e-9)
			break;
		(*iterations)++;

		for (j = 0; j < n; j++)
		{
			c[j] = 0.0;
			for (i = 0; i <= n; i++)
				if (i != hi)
					c[j] += x[i][j] / n;
		}
		for (j = 0; j < n; j++)
			xr[j] = c[j] + (c[j] - x[hi][j]);
		fr = eval(fn, arg, n, xr, NULL);
		if (fr < fx[lo])
		{
			double		fe;

			for (j = 0; j < n; j++)
				xe[j] = c[j] + 2.0 * (c[j] - x[hi][j]);
			fe = eval(fn, arg, n, xe, NULL);
			if (fe < fr)
			{
				memcpy(x[hi], xe, sizeof(double) * n);
				fx[hi] = fe;
			}
			else
			{
				memcpy(x[hi], xr, sizeof(double) * n);
				fx[hi] = fr;
			}
		}
		else if (fr < fx[nh])
		{
			memcpy(x[hi], xr, sizeof(double) * n);
			fx[hi] = fr;
		}
		else
		{
			double		fc;

			/* contraction, outside or inside */
			if (fr < fx[hi])
				for (j = 0; j < n; j++)
					xe[j] = c[j] + 0.5 * (xr[j] - c[j]);
			else
				for (j = 0; j < n; j++)
					xe[j] = c[j] + 0.5 * (x[hi][j] - c[j]);
			fc = eval(fn, arg, n, xe, NULL);
			if (fc < Min(fr, fx[hi]))
			{
				memcpy(x[hi], xe, sizeof(double) * n);
				fx[hi] = fc;
			}
			else
			{
				/* shrink toward the best vertex */
				for (i = 0; i <= n; i++)
				{
					if (i == lo)
						continue;
					for (j = 0; j < n; j++)
						x[i][j] = x[lo][j] + 0.5 * (x[i][j] - x[lo][j]);
					fx[i] = eval(fn, arg, n, x[i], NULL);
				}
			}
		}
	}
	j = 0;
	for (i = 1; i <= n; i++)
		if (fx[i] < fx[j])
			j = i;
	memcpy(theta, x[j], sizeof(double) * n);
}

/*
 * Minimize fn from theta (in place).  res->converged is true only when the
 * gradient at the returned point is zero to working precision.
 */
void
kam_minimize(KamObjective fn, void *arg, int n, double *theta, KamOptimResult *res)
{
	double		start[KAM_OPTIM_MAXPAR];
	double		g[KAM_OPTIM_MAXPAR];
	double		f = INFINITY;
	bool		ok;

	Assert(n >= 1 && n <= KAM_OPTIM_MAXPAR);
	memcpy(start, theta, sizeof(double) * n);
	res->iterations = 0;
	res->used_fallback = false;

	ok = bfgs(fn, arg, n, theta, &f, g, &res->iterations);
	if (!ok && isfinite(f) && max_abs(theta, n) > DIVERGED)
	{
		/*
		 * BFGS walked off toward the boundary: the supremum is at infinity
		 * and a derivative-free search would only walk further.
		 */
	}
	else if (!ok)
	{
		double		f_bfgs = f;
		double		best[KAM_OPTIM_MAXPAR];

		memcpy(best, theta, sizeof(double) * n);
		res->used_fallback = true;
		if (!isfinite(f_bfgs))
			memcpy(theta, start, sizeof(double) * n);
		nelder_mead(fn, arg, n, theta, &res->iterations);
		ok = bfgs(fn, arg, n, theta, &f, g, &res->iterations);
		if (!ok && isfinite(f_bfgs) && !(f < f_bfgs))
		{
			memcpy(theta, best, sizeof(double) * n);
			f = eval(fn, arg, n, theta, g);
		}
	}
	res->f = f;
	res->gradmax = isfinite(f) ? max_abs(g, n) : INFINITY;
	res->diverged = !(max_abs(theta, n) <= DIVERGED);
	res->converged = ok && isfinite(f) && !res->diverged;
}
