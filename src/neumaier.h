/*
 * neumaier.h -- compensated (Neumaier) summation of float8 values
 *
 * Used where kam sums arbitrary float8 values (not money amounts, which go
 * through money.h) in an order it has fixed first, e.g. after sorting: the
 * result is then deterministic and within an ulp or two of the exact sum.
 */
#ifndef KAM_NEUMAIER_H
#define KAM_NEUMAIER_H

#include <math.h>

typedef struct NeumaierSum
{
	double		sum;
	double		comp;
} NeumaierSum;

static inline void
neumaier_add(NeumaierSum *s, double x)
{
	double		t = s->sum + x;

	if (fabs(s->sum) >= fabs(x))
		s->comp += (s->sum - t) + x;
	else
		s->comp += (x - t) + s->sum;
	s->sum = t;
}

static inline double
neumaier_value(const NeumaierSum *s)
{
	return s->sum + s->comp;
}

#endif							/* KAM_NEUMAIER_H */
