/*
 * random.h -- the seeded random numbers of kam's test data generators
 *
 * xoshiro256** seeded through splitmix64, and the samplers built on it
 * (uniform, normal, gamma, beta).  Shared by test/demo/generate.c and
 * test/value/simulate.c; each keeps its own rng_init, because how a stream
 * is derived from (seed, stream) decides its data set.
 */
#ifndef KAM_TEST_RANDOM_H
#define KAM_TEST_RANDOM_H

#include <math.h>
#include <stdint.h>

typedef struct
{
	uint64_t	s[4];
} Rng;

static inline uint64_t
splitmix(uint64_t *x)
{
	uint64_t	z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}


static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static inline uint64_t
rng_next(Rng *r)
{
	uint64_t	result = rotl(r->s[1] * 5, 7) * 9;
	uint64_t	t = r->s[1] << 17;

	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = rotl(r->s[3], 45);
	return result;
}

/* uniform in (0, 1) */
static inline double
unif(Rng *r)
{
	return ((rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static inline double
normal(Rng *r)
{
	return sqrt(-2.0 * log(unif(r))) * cos(6.283185307179586 * unif(r));
}

/* Marsaglia-Tsang gamma with shape k, scale 1 */
static inline double
gamma_rand(Rng *r, double k)
{
	double		d,
				c;

	if (k < 1.0)
		return gamma_rand(r, k + 1.0) * pow(unif(r), 1.0 / k);
	d = k - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;)
	{
		double		x = normal(r),
					v = 1.0 + c * x,
					u;

		if (v <= 0)
			continue;
		v = v * v * v;
		u = unif(r);
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

static inline double
beta_rand(Rng *r, double a, double b)
{
	double		x = gamma_rand(r, a);

	return x / (x + gamma_rand(r, b));
}

#endif							/* KAM_TEST_RANDOM_H */
