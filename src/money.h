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
 * Amounts must be finite with |amount| <= 1e18; every total (a period's
 * revenue, a state's sum, an accumulator over customers) must stay within
 * +-1.7e20 (KAM_SUM_MAX, exactly 170,000,000,000,000,000,000): past it kam
 * raises 22003, and the input functions of the kam types reject stored sums
 * beyond it, so whatever kam prints it reads back.
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

/* the documented bound of every total, in nano-units: 1.7e20 * 1e9 */
#define KAM_SUM_MAX ((PG_INT128_TYPE) INT64CONST(170000000000) * INT64CONST(1000000000000000000))

extern void kam_sum_add_slow(KamSum *acc, double amount, const char *argname);
extern pg_noinline void kam_sum_overflow(void);
extern double kam_sum_to_double(const KamSum *s);
extern char *kam_sum_to_cstring(const KamSum *s);
extern bool kam_sum_from_cstring(const char *str, KamSum *out, char **endptr);
extern void kam_sum_check_input(const KamSum *s, const char *typname);

static inline PG_INT128_TYPE
kam_sum_get(const KamSum *s)
{
	return ((PG_INT128_TYPE) s->hi << 64) | (PG_INT128_TYPE) s->lo;
}

static inline void
kam_sum_put(KamSum *s, PG_INT128_TYPE v)
{
	s->hi = (int64) (v >> 64);
	s->lo = (uint64) v;
}

/* whether a total is within the documented bound */
static inline bool
kam_sum_in_range(PG_INT128_TYPE v)
{
	return v >= -KAM_SUM_MAX && v <= KAM_SUM_MAX;
}

/* acc += other, exactly (inline: the per-period loops of the retention figures) */
static inline void
kam_sum_merge(KamSum *acc, const KamSum *other)
{
	PG_INT128_TYPE v;

	if (unlikely(__builtin_add_overflow(kam_sum_get(acc), kam_sum_get(other), &v) ||
				 !kam_sum_in_range(v)))
		kam_sum_overflow();
	kam_sum_put(acc, v);
}

/* acc -= other, exactly */
static inline void
kam_sum_sub(KamSum *acc, const KamSum *other)
{
	PG_INT128_TYPE v;

	if (unlikely(__builtin_sub_overflow(kam_sum_get(acc), kam_sum_get(other), &v) ||
				 !kam_sum_in_range(v)))
		kam_sum_overflow();
	kam_sum_put(acc, v);
}

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
		PG_INT128_TYPE v;

		if (likely(!__builtin_add_overflow(kam_sum_get(acc), (PG_INT128_TYPE) (int64) rint(amount * 1e9), &v) &&
				   kam_sum_in_range(v)))
		{
			kam_sum_put(acc, v);
			return;
		}
	}
	kam_sum_add_slow(acc, amount, argname);
}

#endif							/* KAM_MONEY_H */
