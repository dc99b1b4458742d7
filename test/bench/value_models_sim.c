/*
 * value_models_sim.c -- customers simulated from the BG/NBD and Gamma-Gamma
 * stories, for test/bench/value_models.sh (not part of the extension).
 *
 * Usage: value_models_sim N SEED > customers.csv
 * Rows: id,frequency,recency,t,monetary in whole days, T uniform 1..1095,
 * r 0.5, alpha 30, a 0.8, b 2.5 (purchases on distinct days counted once),
 * spend per purchase Gamma(p 6, nu), nu ~ Gamma(q 4, v 150).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long long state;

static double
unif(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return ((state >> 11) + 0.5) / 9007199254740992.0;
}

static double
normal(void)
{
	return sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif());
}

/* Gamma(k, 1) by Marsaglia & Tsang (2000) */
static double
gamma_draw(double k)
{
	double		d,
				c;

	if (k < 1.0)
		return gamma_draw(k + 1.0) * pow(unif(), 1.0 / k);
	d = k - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;)
	{
		double		z = normal(),
					v = 1.0 + c * z;

		if (v <= 0.0)
			continue;
		v = v * v * v;
		if (log(unif()) < 0.5 * z * z + d - d * v + d * log(v))
			return d * v;
	}
}

int
main(int argc, char **argv)
{
	long		n,
				i;
	const double r = 0.5, alpha = 30, a = 0.8, b = 2.5, p = 6, q = 4, v = 150;

	if (argc != 3)
	{
		fprintf(stderr, "usage: %s customers seed\n", argv[0]);
		return 2;
	}
	n = atol(argv[1]);
	state = 88172645463325252ULL ^ (unsigned long long) atol(argv[2]);
	for (i = 1; i <= n; i++)
	{
		double		lambda = gamma_draw(r) / alpha;
		double		ga = gamma_draw(a);
		double		dropout = ga / (ga + gamma_draw(b));
		double		nu = gamma_draw(q) / v;
		double		T = floor(1.0 + 1094.0 * unif());
		double		t = 0.0,
					last = 0.0,
					spend = 0.0;
		int			x = 0;

		for (;;)
		{
			t += -log(unif()) / lambda;
			if (t > T)
				break;
			if (floor(t) > floor(last))
			{
				x++;
				last = t;
				spend += gamma_draw(p) / nu;
			}
			if (unif() < dropout)
				break;
		}
		printf("%ld,%d,%.0f,%.0f,%.2f\n", i, x, x ? floor(last) : 0.0, T, x ? spend / x : 0.0);
	}
	return 0;
}
