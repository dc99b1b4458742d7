/*
 * concentration.c -- how concentrated revenue is across customers
 *
 *	kam.gini(value)						population Gini coefficient
 *	kam.top_share(value, fraction)		share of the total held by the top
 *										`fraction` of customers
 *	kam.pareto_fraction(value, share)	smallest fraction of customers whose
 *										values reach `share` of the total
 *	kam.pareto_sums(value)				the exact sums kam.pareto_curve draws
 *
 * All three read the Lorenz curve of the values: sort them ascending,
 * x_(1) <= ... <= x_(n), and join the points (i/n, cumulative share of the i
 * smallest) with straight lines.  Gini = sum_i (2i - n - 1) x_(i) / (n^2 mean)
 * (zeros count as customers); top_share(f) = 1 - L(1 - f) and
 * pareto_fraction(s) is its inverse, the smallest f with top_share(f) >= s,
 * both linear between customers (so the top 20% of 7 customers is the top
 * customer plus 0.4 of the second).  Negative values are an error, NULLs are
 * skipped, and an empty input or a zero total gives NULL.
 *
 * The state is every value seen (an internal state: 8 bytes per customer),
 * so that the final function can sort them.  Sorting before summing makes
 * the result independent of the row order and of how a parallel plan split
 * the rows; the sums are compensated (Neumaier).
 */
#include "kam.h"
#include "neumaier.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"

typedef struct ConcState
{
	int64		n;
	int64		cap;
	bool		has_param;
	double		param;			/* fraction or share; must be the same in all rows */
	double	   *values;
} ConcState;

#define CONC_HINT "Use kam.gini, kam.top_share or kam.pareto_fraction."

static ConcState *
conc_new(MemoryContext cxt, int64 cap)
{
	ConcState  *st = MemoryContextAllocZero(cxt, sizeof(ConcState));

	st->cap = Max(cap, 64);
	st->values = MemoryContextAllocHuge(cxt, sizeof(double) * st->cap);
	return st;
}

static void
conc_reserve(ConcState *st, int64 extra)
{
	int64		need = st->n + extra;

	if (need > st->cap)
	{
		int64		cap = st->cap;

		while (cap < need)
			cap *= 2;
		st->values = repalloc_huge(st->values, sizeof(double) * cap);
		st->cap = cap;
	}
}

static void
conc_set_param(ConcState *st, double param, const char *argname, const char *fname)
{
	if (!st->has_param)
	{
		st->param = param;
		st->has_param = true;
	}
	else if (st->param != param)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of %s must be the same in every row, got %g and %g",
						argname, fname, st->param, param),
				 errhint("Pass a constant, or group the rows by it.")));
}

/* common transition: st may be NULL (first row) */
static ConcState *
conc_add(FunctionCallInfo fcinfo, const char *fname, const char *argname)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, fname, CONC_HINT);
	ConcState  *st = PG_ARGISNULL(0) ? NULL : (ConcState *) PG_GETARG_POINTER(0);
	double		x;

	if (st == NULL)
		st = conc_new(aggcontext, 64);

	if (argname != NULL)
	{
		double		p;

		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s of %s must not be NULL", argname, fname),
					 errhint("Pass a fraction between 0 and 1, e.g. 0.2.")));
		p = PG_GETARG_FLOAT8(2);
		if (isnan(p) || p < 0 || p > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s of %s must be between 0 and 1, got %g", argname, fname, p),
					 errhint("Fractions are written as numbers: 0.2 means 20%%.")));
		conc_set_param(st, p, argname, fname);
	}

	if (PG_ARGISNULL(1))
		return st;
	x = PG_GETARG_FLOAT8(1);
	KAM_CHECK_FINITE(x, "value");
	if (x < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of %s must not be negative, got %g", fname, x),
				 errhint("Concentration is measured on non-negative values: filter out or zero the negative ones.")));
	conc_reserve(st, 1);
	st->values[st->n++] = x + 0.0;	/* + 0.0 turns -0 into 0 */
	return st;
}

PG_FUNCTION_INFO_V1(kam_gini_trans);
Datum
kam_gini_trans(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(conc_add(fcinfo, "kam.gini", NULL));
}

PG_FUNCTION_INFO_V1(kam_pareto_sums_trans);
Datum
kam_pareto_sums_trans(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(conc_add(fcinfo, "kam.pareto_sums", NULL));
}

PG_FUNCTION_INFO_V1(kam_top_share_trans);
Datum
kam_top_share_trans(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(conc_add(fcinfo, "kam.top_share", "fraction"));
}

PG_FUNCTION_INFO_V1(kam_pareto_fraction_trans);
Datum
kam_pareto_fraction_trans(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(conc_add(fcinfo, "kam.pareto_fraction", "share"));
}

PG_FUNCTION_INFO_V1(kam_concentration_combine);

/* appends the second state's values to the first (copied into the aggregate context) */
Datum
kam_concentration_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, "kam concentration combine", CONC_HINT);
	ConcState  *a = PG_ARGISNULL(0) ? NULL : (ConcState *) PG_GETARG_POINTER(0);
	ConcState  *b = PG_ARGISNULL(1) ? NULL : (ConcState *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = conc_new(aggcontext, b->n);
	if (b->has_param)
		conc_set_param(a, b->param, "the fraction or share", "a kam concentration aggregate");
	conc_reserve(a, b->n);
	memcpy(a->values + a->n, b->values, sizeof(double) * b->n);
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(kam_concentration_serialize);

/* bytea: n (int64), has_param (bool), param (float8), n float8 values */
Datum
kam_concentration_serialize(PG_FUNCTION_ARGS)
{
	ConcState  *st = (ConcState *) PG_GETARG_POINTER(0);
	Size		len = sizeof(int64) + sizeof(bool) + sizeof(double) + sizeof(double) * st->n;
	bytea	   *out;
	char	   *p;

	(void) kam_agg_context(fcinfo, "kam concentration serialize", CONC_HINT);
	if (len + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values for a parallel kam concentration aggregate (%lld)",
						(long long) st->n),
				 errhint("Aggregate fewer rows per call, or disable parallel query for this query.")));
	out = palloc(len + VARHDRSZ);
	SET_VARSIZE(out, len + VARHDRSZ);
	p = VARDATA(out);
	memcpy(p, &st->n, sizeof(int64));
	p += sizeof(int64);
	memcpy(p, &st->has_param, sizeof(bool));
	p += sizeof(bool);
	memcpy(p, &st->param, sizeof(double));
	p += sizeof(double);
	memcpy(p, st->values, sizeof(double) * st->n);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(kam_concentration_deserialize);
Datum
kam_concentration_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(in);
	Size		len = VARSIZE_ANY_EXHDR(in);
	int64		n;
	ConcState  *st;

	(void) kam_agg_context(fcinfo, "kam concentration deserialize", CONC_HINT);
	if (len < sizeof(int64) + sizeof(bool) + sizeof(double))
		elog(ERROR, "invalid kam concentration state");
	memcpy(&n, p, sizeof(int64));
	if (n < 0 || len != sizeof(int64) + sizeof(bool) + sizeof(double) + sizeof(double) * (Size) n)
		elog(ERROR, "invalid kam concentration state");
	/* in the caller's (short-lived) context: the combine function copies it */
	st = conc_new(CurrentMemoryContext, n);
	p += sizeof(int64);
	memcpy(&st->has_param, p, sizeof(bool));
	p += sizeof(bool);
	memcpy(&st->param, p, sizeof(double));
	p += sizeof(double);
	memcpy(st->values, p, sizeof(double) * n);
	st->n = n;
	PG_RETURN_POINTER(st);
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* sorts the values ascending; returns their total, or false when it is not positive */
static bool
conc_sorted_total(ConcState *st, double *total)
{
	NeumaierSum s = {0, 0};
	int64		i;

	if (st == NULL || st->n == 0)
		return false;
	qsort(st->values, st->n, sizeof(double), cmp_double);
	for (i = 0; i < st->n; i++)
		neumaier_add(&s, st->values[i]);
	*total = neumaier_value(&s);
	return *total > 0;
}

PG_FUNCTION_INFO_V1(kam_gini_final);
Datum
kam_gini_final(PG_FUNCTION_ARGS)
{
	ConcState  *st = PG_ARGISNULL(0) ? NULL : (ConcState *) PG_GETARG_POINTER(0);
	NeumaierSum w = {0, 0};
	double		total;
	double		n;
	int64		i;

	if (!conc_sorted_total(st, &total))
		PG_RETURN_NULL();
	n = (double) st->n;
	for (i = 0; i < st->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		neumaier_add(&w, (2.0 * (double) (i + 1) - n - 1.0) * st->values[i]);
	}
	PG_RETURN_FLOAT8(neumaier_value(&w) / (n * total));
}

PG_FUNCTION_INFO_V1(kam_top_share_final);

/* share held by the top f*n customers, linear between customers */
Datum
kam_top_share_final(PG_FUNCTION_ARGS)
{
	ConcState  *st = PG_ARGISNULL(0) ? NULL : (ConcState *) PG_GETARG_POINTER(0);
	NeumaierSum top = {0, 0};
	double		total;
	double		t;
	int64		k;
	int64		i;

	if (!conc_sorted_total(st, &total))
		PG_RETURN_NULL();
	t = st->param * (double) st->n;
	k = (int64) floor(t);
	if (k > st->n)
		k = st->n;
	/* the k largest are the last k of the ascending array */
	for (i = 0; i < k; i++)
		neumaier_add(&top, st->values[st->n - 1 - i]);
	if (k < st->n && t > (double) k)
		neumaier_add(&top, (t - (double) k) * st->values[st->n - 1 - k]);
	PG_RETURN_FLOAT8(Min(neumaier_value(&top) / total, 1.0));
}

PG_FUNCTION_INFO_V1(kam_pareto_fraction_final);

/* smallest fraction f of customers with top_share(f) >= share */
Datum
kam_pareto_fraction_final(PG_FUNCTION_ARGS)
{
	ConcState  *st = PG_ARGISNULL(0) ? NULL : (ConcState *) PG_GETARG_POINTER(0);
	NeumaierSum cum = {0, 0};
	double		total;
	double		target;
	int64		j;

	if (!conc_sorted_total(st, &total))
		PG_RETURN_NULL();
	if (st->param <= 0)
		PG_RETURN_FLOAT8(0.0);
	target = st->param * total;
	for (j = 0; j < st->n; j++)
	{
		double		x = st->values[st->n - 1 - j];
		double		before = neumaier_value(&cum);

		CHECK_FOR_INTERRUPTS();
		neumaier_add(&cum, x);
		if (neumaier_value(&cum) / total >= st->param)
		{
			double		part = (x > 0) ? (target - before) / x : 1.0;

			part = Max(Min(part, 1.0), 0.0);
			PG_RETURN_FLOAT8(((double) j + part) / (double) st->n);
		}
	}
	PG_RETURN_FLOAT8(1.0);
}

PG_FUNCTION_INFO_V1(kam_pareto_sums_final);

/*
 * kam.pareto_sums(value) -> numeric[]: the points of kam.pareto_curve, m =
 * min(n, 100) + 1 of them: point k at customer i_k = k (n <= 100) or k n / 100
 * (integer division).  Elements 1 .. m: the sum of the i_k largest values,
 * elements m + 1 .. 2 m: the (i_k + 1)-th largest value (NULL past the last),
 * each value as value::numeric and the sums exact (numeric), as the SQL
 * window sum(v::numeric) OVER (ORDER BY v DESC) gives them.  NULL for no
 * values.
 */
Datum
kam_pareto_sums_final(PG_FUNCTION_ARGS)
{
	ConcState  *st = PG_ARGISNULL(0) ? NULL : (ConcState *) PG_GETARG_POINTER(0);
	MemoryContext tmp,
				old;
	Datum	   *out;
	bool	   *nulls;
	Datum		cum = DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
	int			m,
				k,
				dims[1],
				lbs[1] = {1};
	int64		n,
				i = 0;

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	n = st->n;
	m = (int) Min(n, 100) + 1;
	qsort(st->values, n, sizeof(double), cmp_double);
	out = palloc(sizeof(Datum) * 2 * m);
	nulls = palloc0(sizeof(bool) * 2 * m);
	tmp = AllocSetContextCreate(CurrentMemoryContext, "kam.pareto_sums", ALLOCSET_DEFAULT_SIZES);
	for (k = 0; k < m; k++)
	{
		int64		ik = n <= 100 ? k : (k * n) / 100;

		/* the values before customer ik + 1, largest first: the last of the ascending array */
		while (i < ik)
		{
			Datum		v;

			CHECK_FOR_INTERRUPTS();
			old = MemoryContextSwitchTo(tmp);
			v = DirectFunctionCall1(float8_numeric, Float8GetDatum(st->values[n - 1 - i]));
			cum = DirectFunctionCall2(numeric_add, cum, v);
			MemoryContextSwitchTo(old);
			if (++i % 4096 == 0)
			{
				/* keep the running sum, free the rest */
				cum = datumCopy(cum, false, -1);
				MemoryContextReset(tmp);
			}
		}
		out[k] = datumCopy(cum, false, -1);
		if (ik < n)
			out[m + k] = DirectFunctionCall1(float8_numeric, Float8GetDatum(st->values[n - 1 - ik]));
		else
			nulls[m + k] = true;
	}
	MemoryContextDelete(tmp);
	dims[0] = 2 * m;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(out, nulls, 1, dims, lbs, NUMERICOID, -1, false, TYPALIGN_INT));
}
