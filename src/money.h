/*
 * money.h -- exact, order-independent sums of amounts
 *
 * Summing float8 amounts naively gives results that depend on the order of
 * the rows, so a parallel plan (or a sharded one) could differ from a serial
 * one in the last digits.  kam sums amounts exactly instead: each amount is
 * rounded to a whole number of nano-units (1e-9) and added into a 128-bit
 * integer, and the total is converted back to float8 through its exact
 * decimal form (correctly rounded, as PostgreSQL converts numeric to float8).
 * So revenue equals sum(amount::numeric)::float8 for amounts with at most nine
 * decimals, whatever the order, split or merge of the rows.
 *
 * Amounts must be finite with |amount| <= 1e18; totals overflow past ~1.7e20.
 */
#ifndef KAM_MONEY_H
#define KAM_MONEY_H

#include "postgres.h"

#include <math.h>

#ifndef PG_INT128_TYPE
#error "kam needs a compiler with a 128-bit integer type"
#endif

/* Stored as two halves so it can sit unaligned inside a varlena. */
typedef struct KamSum
{
	int64		hi;
	uint64		lo;
} KamSum;

#define KAM_SUM_ZERO {0, 0}

extern void kam_sum_add_slow(KamSum *acc, double amount, const char *argname);
extern void kam_sum_merge(KamSum *acc, const KamSum *other);
extern void kam_sum_sub(KamSum *acc, const KamSum *other);
extern double kam_sum_to_double(const KamSum *s);
extern char *kam_sum_to_cstring(const KamSum *s);
extern bool kam_sum_from_cstring(const char *str, KamSum *out, char **endptr);

/*
 * Adds one amount: the hot path of every revenue aggregate, inlined; amounts
 * that are not finite, large or overflow the total take the slow path, which
 * also raises the errors.
 */
static inline void
kam_sum_add(KamSum *acc, double amount, const char *argname)
{
	if (likely(amount > -9e9 && amount < 9e9))
	{
		PG_INT128_TYPE v = ((PG_INT128_TYPE) acc->hi << 64) | (PG_INT128_TYPE) acc->lo;

		if (likely(!__builtin_add_overflow(v, (PG_INT128_TYPE) (int64) rint(amount * 1e9), &v)))
		{
			acc->hi = (int64) (v >> 64);
			acc->lo = (uint64) v;
			return;
		}
	}
	kam_sum_add_slow(acc, amount, argname);
}

#endif							/* KAM_MONEY_H */
