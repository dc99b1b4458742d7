/*
 * simulate.c -- seeded simulator for kam's lifetime-value models
 *
 * Draws customers from the generative process each model assumes and writes
 * one CSV line per customer to standard output, so that a test can fit the
 * model with kam's aggregates and compare the estimates with the parameters
 * the data came from.
 *
 *   bgnbd      Fader, Hardie & Lee (2005): lambda ~ Gamma(r, rate alpha),
 *              p ~ Beta(a, b); purchases form a Poisson process of rate lambda;
 *              after each repeat purchase the customer drops out with
 *              probability p.  Line: rep,x,t_x,T
 *   paretonbd  Schmittlein, Morrison & Colombo (1987): lambda ~ Gamma(r, rate
 *              alpha), mu ~ Gamma(s, rate beta); the customer is alive for an
 *              Exp(mu) lifetime and buys at rate lambda while alive.
 *              Line: rep,x,t_x,T
 *   gammagamma Fader, Hardie & Lee (2005) "RFM and CLV": nu ~ Gamma(q, rate v),
 *              each transaction's value ~ Gamma(p, rate nu); x is uniform in
 *              1..10.  Line: rep,x,m (m = mean of the x values)
 *   sbg        Fader & Hardie (2007): churn probability theta ~ Beta(alpha,
 *              beta); the contract ends after period t with probability theta
 *              (t = 1, 2, ...); each customer is observed for H periods, H
 *              uniform in 1..hmax.  Line: rep,period,churned (churned: the
 *              period it ended in; otherwise period = H, right-censored)
 *   bgbb       Fader, Hardie & Shang (2010): p ~ Beta(alpha, beta), theta ~
 *              Beta(gamma, delta); at the start of each opportunity a living
 *              customer dies with probability theta, and a living one then
 *              transacts with probability p.  n is uniform in nmin..nmax, and
 *              the process goes on after n to score the predictions.
 *              Line: rep,x,t_x,n,alive,future,discounted with alive = alive at
 *              opportunity n+1 (0/1), future = transactions in n+1..n+nfuture,
 *              discounted = sum over k >= 1 of the transaction at n+k / (1+d)^k
 *              (followed until death or 100,000 opportunities).
 *   mbgnbd     Batislam et al. (2007): as bgnbd, but the customer may also drop
 *              out at time 0, right after the first purchase.  The process goes
 *              on after T.  Line: rep,x,t_x,T,alive,future with alive = alive
 *              at T (0/1) and future = purchases in (T, T+h].
 *   bgnbdf     as bgnbd, the process followed on after T.  Line:
 *              rep,x,t_x,T,alive,future with alive = alive at T (0/1) and
 *              future = purchases in (T, T+h].
 *   paretonbdf as paretonbd, the process followed on after T; line as bgnbdf.
 *   summary    BG/NBD purchases plus Gamma-Gamma spend in whole days, as
 *              kam.customer_summary has them (purchases on one day merge),
 *              for benchmarks: Line: x,t_x,T,m with m = 0 when x = 0 and T
 *              uniform on the whole days tmin..tmax.
 *
 * For bgnbd and paretonbd, T (the time since the first purchase) is
 * uniform on [tmin, tmax]; time 0 is the first purchase, which is not counted.
 *
 * Every customer has its own random stream derived from the seed, the
 * replicate and its index, so the output depends on nothing else.
 *
 * usage: simulate MODEL customers replicates seed param...
 *   bgnbd       r alpha a b tmin tmax
 *   paretonbd   r alpha s beta tmin tmax
 *   gammagamma  p q v
 *   sbg         alpha beta hmax
 *   bgbb        alpha beta gamma delta nmin nmax nfuture d
 *   mbgnbd      r alpha a b tmin tmax h
 *   bgnbdf      r alpha a b tmin tmax h
 *   paretonbdf  r alpha s beta tmin tmax h
 *   summary     r alpha a b p q v tmin tmax
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../demo/random.h"

static void
rng_init(Rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t	x = seed * 0x100000001B3ULL ^ (stream * 0xD1B54A32D192ED03ULL + 0x632BE59BD9B4E019ULL);
	int			i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static double
expo(Rng *r)
{
	return -log(unif(r));
}

/* BG/NBD purchases up to T; returns x, sets *tx */
static int
bgnbd_draw(Rng *rng, double r, double alpha, double a, double b, double T, double *tx)
{
	double		lambda = gamma_rand(rng, r) / alpha;
	double		p = beta_rand(rng, a, b);
	double		t = 0;
	int			x = 0;

	*tx = 0;
	for (;;)
	{
		t += expo(rng) / lambda;
		if (t > T)
			break;
		x++;
		*tx = t;
		if (unif(rng) < p)
			break;
	}
	return x;
}

/*
 * BG/NBD purchases in whole days, as a per-customer summary counts them:
 * purchases on the day of the previous one merge with it (lifetimes'
 * summary_data_from_transaction_data), so x counts distinct later days and
 * *last is the day of the last one.  Day 0 is the first purchase; T is whole.
 */
static int
bgnbd_days(Rng *rng, double r, double alpha, double a, double b, double T, int *last)
{
	double		lambda = gamma_rand(rng, r) / alpha;
	double		p = beta_rand(rng, a, b);
	double		t = 0;
	int			x = 0;

	*last = 0;
	for (;;)
	{
		t += expo(rng) / lambda;
		if (floor(t) > T)
			break;
		if ((int) floor(t) == *last)
			continue;
		x++;
		*last = (int) floor(t);
		if (unif(rng) < p)
			break;
	}
	return x;
}

/*
 * MBG/NBD (BG/NBD when bgnbd) purchases up to T and in (T, T+h]: returns x, sets *tx, *alive (at
 * T) and *future
 */
static int
mbgnbd_draw(Rng *rng, double r, double alpha, double a, double b, double T, double h,
			double *tx, int *alive, int *future, int bgnbd)
{
	double		lambda = gamma_rand(rng, r) / alpha;
	double		p = beta_rand(rng, a, b);
	double		t = 0;
	int			x = 0;

	*tx = 0;
	*future = 0;
	*alive = bgnbd || unif(rng) >= p;	/* MBG/NBD: dropout at time 0 */
	while (*alive)
	{
		t += expo(rng) / lambda;
		if (t > T + h)
			break;
		if (t > T)
		{
			/* still alive at T: count the future */
			(*future)++;
			if (unif(rng) < p)
				break;
			continue;
		}
		x++;
		*tx = t;
		if (unif(rng) < p)
		{
			*alive = 0;
			break;
		}
	}
	return x;
}

/*
 * Pareto/NBD purchases up to T and in (T, T+h]: returns x, sets *tx,
 * *alive (at T) and *future.  With h = 0 the draws are those of the plain
 * paretonbd lines.
 */
static int
paretonbd_draw(Rng *rng, double r, double alpha, double s, double beta, double T, double h,
			   double *tx, int *alive, int *future)
{
	double		lambda = gamma_rand(rng, r) / alpha;
	double		tau = expo(rng) / (gamma_rand(rng, s) / beta);
	double		end = tau < T + h ? tau : T + h;
	double		t = 0;
	int			x = 0;

	*tx = 0;
	*future = 0;
	*alive = tau > T;
	for (;;)
	{
		t += expo(rng) / lambda;
		if (t > end)
			break;
		if (t > T)
			(*future)++;
		else
		{
			x++;
			*tx = t;
		}
	}
	return x;
}

/* BG/BB: see the header; returns x */
static int
bgbb_draw(Rng *rng, double alpha, double beta, double gamma, double delta, int n,
		  int nfuture, double d, int *tx, int *alive_next, int *future, double *disc)
{
	double		p = beta_rand(rng, alpha, beta);
	double		theta = beta_rand(rng, gamma, delta);
	double		f = 1.0;
	int			x = 0,
				t;

	*tx = 0;
	*alive_next = 0;
	*future = 0;
	*disc = 0;
	for (t = 1; t <= n + 100000; t++)
	{
		int			buys;

		if (unif(rng) < theta)
			break;
		if (t == n + 1)
			*alive_next = 1;
		buys = unif(rng) < p;
		if (t <= n)
		{
			if (buys)
			{
				x++;
				*tx = t;
			}
			continue;
		}
		f /= 1.0 + d;
		if (buys)
		{
			*disc += f;
			if (t <= n + nfuture)
				(*future)++;
		}
		if (f < 1e-18)
			break;
	}
	return x;
}

/* mean of x Gamma(p, rate nu) transaction values, nu ~ Gamma(q, rate v) */
static double
spend_draw(Rng *rng, double p, double q, double v, int x)
{
	double		nu = gamma_rand(rng, q) / v;
	double		sum = 0;
	int			i;

	for (i = 0; i < x; i++)
		sum += gamma_rand(rng, p) / nu;
	return sum / x;
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: simulate MODEL customers replicates seed param...\n"
			"  bgnbd       r alpha a b tmin tmax\n"
			"  paretonbd   r alpha s beta tmin tmax\n"
			"  gammagamma  p q v\n"
			"  sbg         alpha beta hmax\n"
			"  bgbb        alpha beta gamma delta nmin nmax nfuture d\n"
			"  mbgnbd      r alpha a b tmin tmax h\n"
			"  bgnbdf      r alpha a b tmin tmax h\n"
			"  paretonbdf  r alpha s beta tmin tmax h\n"
			"  summary     r alpha a b p q v tmin tmax\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *model;
	long		n,
				reps,
				rep,
				i;
	uint64_t	seed;
	double		par[9];
	int			npar,
				k;

	if (argc < 5)
		usage();
	model = argv[1];
	n = atol(argv[2]);
	reps = atol(argv[3]);
	seed = strtoull(argv[4], NULL, 10);
	if (strcmp(model, "bgnbd") == 0 || strcmp(model, "paretonbd") == 0)
		npar = 6;
	else if (strcmp(model, "gammagamma") == 0 || strcmp(model, "sbg") == 0)
		npar = 3;
	else if (strcmp(model, "summary") == 0)
		npar = 9;
	else if (strcmp(model, "bgbb") == 0)
		npar = 8;
	else if (strcmp(model, "mbgnbd") == 0 || strcmp(model, "bgnbdf") == 0 ||
			 strcmp(model, "paretonbdf") == 0)
		npar = 7;
	else
		usage();
	if (argc != 5 + npar || n <= 0 || reps <= 0)
		usage();
	for (k = 0; k < npar; k++)
	{
		par[k] = atof(argv[5 + k]);
		if (!(par[k] > 0))
		{
			fprintf(stderr, "simulate: parameter %d must be positive\n", k + 1);
			return 2;
		}
	}

	for (rep = 1; rep <= reps; rep++)
	{
		for (i = 0; i < n; i++)
		{
			Rng			rng;
			double		T,
						tx;
			int			x;

			rng_init(&rng, seed, (uint64_t) (rep * n + i));
			if (strcmp(model, "bgnbd") == 0)
			{
				T = par[4] + (par[5] - par[4]) * unif(&rng);
				x = bgnbd_draw(&rng, par[0], par[1], par[2], par[3], T, &tx);
				printf("%ld,%d,%.17g,%.17g\n", rep, x, tx, T);
			}
			else if (strcmp(model, "bgbb") == 0)
			{
				int			nmin = (int) par[4],
							nn = nmin + (int) ((par[5] - nmin + 1) * unif(&rng)),
							itx,
							alive,
							future;
				double		disc;

				x = bgbb_draw(&rng, par[0], par[1], par[2], par[3], nn, (int) par[6], par[7],
							  &itx, &alive, &future, &disc);
				printf("%ld,%d,%d,%d,%d,%d,%.17g\n", rep, x, itx, nn, alive, future, disc);
			}
			else if (strcmp(model, "mbgnbd") == 0 || strcmp(model, "bgnbdf") == 0)
			{
				int			alive,
							future;

				T = par[4] + (par[5] - par[4]) * unif(&rng);
				x = mbgnbd_draw(&rng, par[0], par[1], par[2], par[3], T, par[6], &tx, &alive, &future,
								strcmp(model, "bgnbdf") == 0);
				printf("%ld,%d,%.17g,%.17g,%d,%d\n", rep, x, tx, T, alive, future);
			}
			else if (strcmp(model, "paretonbd") == 0 || strcmp(model, "paretonbdf") == 0)
			{
				int			alive,
							future;
				int			follow = strcmp(model, "paretonbdf") == 0;

				T = par[4] + (par[5] - par[4]) * unif(&rng);
				x = paretonbd_draw(&rng, par[0], par[1], par[2], par[3], T, follow ? par[6] : 0.0,
								   &tx, &alive, &future);
				if (follow)
					printf("%ld,%d,%.17g,%.17g,%d,%d\n", rep, x, tx, T, alive, future);
				else
					printf("%ld,%d,%.17g,%.17g\n", rep, x, tx, T);
			}
			else if (strcmp(model, "gammagamma") == 0)
			{
				x = 1 + (int) (10 * unif(&rng));
				printf("%ld,%d,%.17g\n", rep, x, spend_draw(&rng, par[0], par[1], par[2], x));
			}
			else if (strcmp(model, "sbg") == 0)
			{
				double		theta = beta_rand(&rng, par[0], par[1]);
				int			h = 1 + (int) (par[2] * unif(&rng));
				int			t;

				for (t = 1; t <= h; t++)
					if (unif(&rng) < theta)
						break;
				if (t <= h)
					printf("%ld,%d,true\n", rep, t);
				else
					printf("%ld,%d,false\n", rep, h);
			}
			else
			{
				int			days;

				T = floor(par[7] + (par[8] - par[7] + 1) * unif(&rng));
				x = bgnbd_days(&rng, par[0], par[1], par[2], par[3], T, &days);
				printf("%d,%d,%.0f,%.17g\n", x, days, T,
					   x > 0 ? spend_draw(&rng, par[4], par[5], par[6], x) : 0.0);
			}
		}
	}
	return 0;
}
