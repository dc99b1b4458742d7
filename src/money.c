/*
 * money.c -- exact sums of amounts in 128-bit nano-units (see money.h)
 */
#include "money.h"

#include <math.h>
#include <stdlib.h>

#include "kam.h"
#include "utils/fmgrprotos.h"

typedef PG_INT128_TYPE i128;

#define NANO 1000000000.0
#define MAX_AMOUNT 1e18

pg_noinline void
kam_sum_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("sum of amounts is out of range"),
			 errdetail("kam sums amounts exactly; totals must stay within -1.7e20 and 1.7e20."),
			 errhint("Check the amount column for wrong units or corrupt values.")));
}

void
kam_sum_add_slow(KamSum *acc, double amount, const char *argname)
{
	i128		v;

	KAM_CHECK_FINITE(amount, argname);
	if (unlikely(fabs(amount) > MAX_AMOUNT))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be between -1e18 and 1e18, got %g", argname, amount),
				 errhint("Check the amount column for wrong units or corrupt values.")));
	v = (fabs(amount) < 9e9) ? (i128) (int64) rint(amount * NANO) : (i128) rint(amount * NANO);
	if (__builtin_add_overflow(kam_sum_get(acc), v, &v) || !kam_sum_in_range(v))
		kam_sum_overflow();
	kam_sum_put(acc, v);
}

/* exact decimal text: [-]digits.nnnnnnnnn */
char *
kam_sum_to_cstring(const KamSum *s)
{
	i128		v = kam_sum_get(s);
	unsigned PG_INT128_TYPE u = (v < 0) ? -(unsigned PG_INT128_TYPE) v : (unsigned PG_INT128_TYPE) v;
	char		digits[64];
	int			n = 0;
	char	   *out = palloc(64);
	char	   *p = out;

	do
	{
		digits[n++] = '0' + (int) (u % 10);
		u /= 10;
	} while (u != 0);
	while (n < 10)
		digits[n++] = '0';
	if (v < 0)
		*p++ = '-';
	while (n > 9)
		*p++ = digits[--n];
	*p++ = '.';
	while (n > 0)
		*p++ = digits[--n];
	*p = '\0';
	return out;
}

/*
 * Parses what kam_sum_to_cstring writes; false on malformed input.  A number
 * too large for any total gives KAM_SUM_MAX + 1 (with its sign), so that the
 * caller's range check (kam_sum_check_input) reports it as out of range.
 */
bool
kam_sum_from_cstring(const char *str, KamSum *out, char **endptr)
{
	const char *p = str;
	bool		neg = false;
	bool		huge = false;
	unsigned PG_INT128_TYPE u = 0;
	int			frac = -1;
	int			ndigits = 0;

	if (*p == '-')
	{
		neg = true;
		p++;
	}
	for (;; p++)
	{
		if (*p >= '0' && *p <= '9')
		{
			if (frac >= 0 && ++frac > 9)
				return false;
			ndigits++;
			if (u > ((unsigned PG_INT128_TYPE) 1 << 126) / 10)
				huge = true;
			else
				u = u * 10 + (*p - '0');
		}
		else if (*p == '.' && frac < 0)
			frac = 0;
		else
			break;
	}
	if (ndigits == 0)
		return false;
	for (frac = (frac < 0) ? 0 : frac; frac < 9 && !huge; frac++)
	{
		if (u > ((unsigned PG_INT128_TYPE) 1 << 126) / 10)
			huge = true;
		else
			u *= 10;
	}
	if (huge || u > (unsigned PG_INT128_TYPE) KAM_SUM_MAX)
		u = (unsigned PG_INT128_TYPE) KAM_SUM_MAX + 1;
	kam_sum_put(out, neg ? -(i128) u : (i128) u);
	if (endptr)
		*endptr = (char *) p;
	return true;
}

/*
 * Correctly rounded: below 2^53 nano-units both operands of the division are
 * exact doubles, so IEEE division rounds the exact quotient, as strtod of the
 * exact decimal text does for larger sums.
 */
double
kam_sum_to_double(const KamSum *s)
{
	i128		v = kam_sum_get(s);
	char	   *str;
	double		d;

	if (v > -((i128) 1 << 53) && v < ((i128) 1 << 53))
		return (double) (int64) v / NANO;
	str = kam_sum_to_cstring(s);
	d = strtod(str, NULL);
	pfree(str);
	return d;
}

/* the input functions' check of a stored sum: within the bound of every total */
void
kam_sum_check_input(const KamSum *s, const char *typname)
{
	if (!kam_sum_in_range(kam_sum_get(s)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("a sum in a %s value is out of range", typname),
				 errdetail("kam totals stay within -1.7e20 and 1.7e20; kam never makes a larger one."),
				 errhint("Recompute the value with kam's aggregates instead of editing it.")));
}

/*
 * kam.amount_float8(numeric): numeric_float8's result without its text round
 * trip (numeric_out, then strtod), which costs 12-30% of every scan of a
 * numeric amount column.
 *
 * A numeric is stored as base-10000 digits with the weight of the first one
 * (the on-disk format, which PostgreSQL keeps across versions for
 * pg_upgrade).  When its digits form an integer M < 2^53 and the value is
 * M * 10^e with |e| <= 22, both M and 10^|e| are exact doubles, so one IEEE
 * multiplication or division rounds the exact value correctly, which is what
 * strtod does with the exact decimal text (Clinger's fast path).  Every other
 * value (NaN, infinities, more than 15-16 significant digits, exponents
 * beyond 22) goes to numeric_float8 itself.  So the result always equals
 * amount::float8, and kam's sums of it are today's (test/t/money_numeric.sh
 * checks it against the cast).
 */
PG_FUNCTION_INFO_V1(kam_amount_float8);

#define NUM_SIGN_MASK		0xC000
#define NUM_NEG				0x4000
#define NUM_SHORT			0x8000
#define NUM_SPECIAL			0xC000
#define NUM_SHORT_SIGN		0x2000
#define NUM_SHORT_WSIGN		0x0040
#define NUM_SHORT_WMASK		0x003F
#define NUM_NBASE			10000
#define TWO53				((uint64) 1 << 53)

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

Datum
kam_amount_float8(PG_FUNCTION_ARGS)
{
	struct varlena *v = (struct varlena *) PG_GETARG_POINTER(0);
	const char *p;
	Size		len;
	uint16		header;
	int			weight;
	bool		neg;
	Size		hdr;
	int			ndigits;
	uint64		m = 0;
	int			e;
	double		d;

	/* in a row, a numeric is inline (packed or not); anything else takes the cast */
	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
		goto slow;
	p = VARDATA_ANY(v);
	len = VARSIZE_ANY_EXHDR(v);
	if (len < sizeof(uint16))
		goto slow;
	memcpy(&header, p, sizeof(uint16));
	if ((header & NUM_SIGN_MASK) == NUM_SPECIAL)
		goto slow;
	if ((header & NUM_SIGN_MASK) == NUM_SHORT)
	{
		neg = (header & NUM_SHORT_SIGN) != 0;
		weight = (header & NUM_SHORT_WSIGN) ? (int) (header & NUM_SHORT_WMASK) - (NUM_SHORT_WMASK + 1)
			: (int) (header & NUM_SHORT_WMASK);
		hdr = sizeof(uint16);
	}
	else
	{
		int16		w;

		if (len < 2 * sizeof(uint16))
			goto slow;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		neg = (header & NUM_SIGN_MASK) == NUM_NEG;
		weight = w;
		hdr = 2 * sizeof(uint16);
	}
	ndigits = (int) ((len - hdr) / sizeof(int16));
	if (ndigits == 0)
		PG_RETURN_FLOAT8(0.0);
	for (int i = 0; i < ndigits; i++)
	{
		int16		digit;

		memcpy(&digit, p + hdr + i * sizeof(int16), sizeof(int16));
		if (m >= TWO53 / NUM_NBASE)
			goto slow;
		m = m * NUM_NBASE + (uint64) digit;
	}
	if (m >= TWO53)
		goto slow;
	if (m == 0)
		PG_RETURN_FLOAT8(0.0);
	e = 4 * (weight - ndigits + 1);
	if (e >= 0 && e <= 22)
		d = (double) m * pow10_exact[e];
	else if (e < 0 && e >= -22)
		d = (double) m / pow10_exact[-e];
	else
		goto slow;
	PG_RETURN_FLOAT8(neg ? -d : d);

slow:
	return DirectFunctionCall1(numeric_float8, PG_GETARG_DATUM(0));
}
