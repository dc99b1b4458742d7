/*
 * abc.c -- Pareto / ABC classification as window functions
 *
 *	kam.abc(value [, a_share, b_share]) OVER (ORDER BY value DESC)
 *	kam.cumulative_share(value) OVER (ORDER BY value DESC)
 *	kam.cumulative_share_above(value) OVER (ORDER BY value DESC)
 *
 * Customers are ranked by value descending.  Customers with equal values form
 * a tie group.  Only positive values count towards the total; NULL, zero and
 * negative values are left out of it (they are class C, and every positive
 * group ranks above them).  For a tie group g:
 *
 *	share_above(g)	 = sum of the groups ranked above g / total
 *	share_through(g) = share_above(g) + sum of g / total   (cumulative_share)
 *
 * and the ABC rule is: A if share_above < a_share, else B if share_above <
 * b_share, else C.  So the customer that crosses a_share is still A, the top
 * customer is always A and a tie group never straddles two classes.
 *
 * The first call in a partition reads every value of the partition (the
 * executor spools it anyway to count its rows), checks that the values are
 * non-increasing in partition order (that is how we know the window is
 * ordered by the value descending) and stores one share per row in
 * partition-local memory; every call then just looks its row up.  Sums are
 * compensated (Neumaier) and taken in partition order, which the ordering
 * check fixes up to ties of equal values, so the shares are deterministic and
 * the last positive group's cumulative share is exactly 1.
 */
#include "kam.h"
#include "neumaier.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "windowapi.h"

/* which share a function stores per row */
typedef enum AbcShare
{
	ABC_SHARE_ABOVE,
	ABC_SHARE_THROUGH
} AbcShare;

/*
 * Partition-local state.  The per-row array can outgrow a plain allocation
 * (1 GB), so it is a huge allocation in the partition's own memory context,
 * freed with the partition.
 */
typedef struct AbcPartition
{
	bool		ready;
	int64		nrows;
	double	   *share;			/* per row; NaN means NULL */
} AbcPartition;

static pg_noinline void
not_ordered(const char *fname, int64 row, double prev, double value)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s requires its window to be ordered by the value descending", fname),
			 errdetail("Row %lld of the partition has value %g after a row with value %g.",
					   (long long) (row + 1), value, prev),
			 errhint("Write %s(v) OVER (ORDER BY v DESC), with the same v in the function and the ORDER BY.",
					 fname)));
}

/*
 * Reads the partition once and fills st->share with the requested share of
 * every row.
 */
static void
abc_load_partition(WindowObject winobj, AbcPartition *st, AbcShare which,
				   const char *fname)
{
	int64		n = st->nrows;
	double	   *values;
	bool	   *nulls;
	NeumaierSum total = {0, 0};
	NeumaierSum cum = {0, 0};
	double		tot;
	double		prev = 0;
	bool		have_prev = false;
	int64		i;

	values = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	nulls = palloc_extended(sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE);

	/* pass 1: read, validate the order, sum the positive values */
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		bool		isout;
		Datum		d;

		CHECK_FOR_INTERRUPTS();
		d = WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false,
									 &isnull, &isout);
		if (isout)
			elog(ERROR, "row %lld of the window partition is missing", (long long) i);
		nulls[i] = isnull;
		if (isnull)
			continue;
		values[i] = DatumGetFloat8(d);
		KAM_CHECK_FINITE(values[i], "value");
		if (have_prev && values[i] > prev)
			not_ordered(fname, i, prev, values[i]);
		prev = values[i];
		have_prev = true;
		if (values[i] > 0)
			neumaier_add(&total, values[i]);
	}
	tot = neumaier_value(&total);

	/* pass 2: the shares, one tie group at a time */
	i = 0;
	while (i < n)
	{
		int64		j;
		double		above;
		double		through;

		CHECK_FOR_INTERRUPTS();
		if (nulls[i] || !(tot > 0))
		{
			st->share[i++] = get_float8_nan();
			continue;
		}
		if (values[i] <= 0)
		{
			/* every positive group ranks above a non-positive value */
			st->share[i++] = 1.0;
			continue;
		}
		above = neumaier_value(&cum) / tot;
		/* the tie group: the following rows with the same value (NULLs skipped) */
		for (j = i; j < n && (nulls[j] || values[j] == values[i]); j++)
		{
			if (!nulls[j])
				neumaier_add(&cum, values[j]);
		}
		through = Min(neumaier_value(&cum) / tot, 1.0);
		for (; i < j; i++)
			st->share[i] = nulls[i] ? get_float8_nan() :
				(which == ABC_SHARE_ABOVE ? above : through);
	}

	pfree(values);
	pfree(nulls);
}

/* the requested share of the current row; NaN when it is NULL */
static double
abc_current_share(WindowObject winobj, AbcShare which, const char *fname)
{
	AbcPartition *st;
	int64		pos;

	st = (AbcPartition *) WinGetPartitionLocalMemory(winobj, sizeof(AbcPartition));
	if (!st->ready)
	{
		st->nrows = WinGetPartitionRowCount(winobj);
		st->share = MemoryContextAllocHuge(GetMemoryChunkContext(st),
										   sizeof(double) * Max(st->nrows, 1));
		abc_load_partition(winobj, st, which, fname);
		st->ready = true;
	}
	pos = WinGetCurrentPosition(winobj);
	Assert(pos >= 0 && pos < st->nrows);
	return st->share[pos];
}

/* reads argument argno of the current row as a share in (0, 1] */
static double
abc_share_arg(WindowObject winobj, int argno, const char *argname)
{
	bool		isnull;
	double		s;

	s = DatumGetFloat8(WinGetFuncArgCurrent(winobj, argno, &isnull));
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s of kam.abc must not be NULL", argname),
				 errhint("Pass a share between 0 and 1, e.g. 0.8.")));
	if (isnan(s) || !(s > 0 && s <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of kam.abc must be in (0, 1], got %g", argname, s),
				 errhint("Shares are fractions of the total: 0.8 means 80%%.")));
	return s;
}

PG_FUNCTION_INFO_V1(kam_abc);

/*
 * kam.abc(value float8) and kam.abc(value float8, a_share float8,
 * b_share float8) -> 'A', 'B' or 'C'
 */
Datum
kam_abc(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	double		a_share = 0.80;
	double		b_share = 0.95;
	double		above;
	const char *cls;

	if (PG_NARGS() == 3)
	{
		a_share = abc_share_arg(winobj, 1, "a_share");
		b_share = abc_share_arg(winobj, 2, "b_share");
		if (a_share > b_share)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a_share of kam.abc must not exceed b_share, got a_share %g and b_share %g",
							a_share, b_share),
					 errhint("Class A holds the first a_share of the total and class B runs up to b_share, e.g. 0.8 and 0.95.")));
	}

	above = abc_current_share(winobj, ABC_SHARE_ABOVE, "kam.abc");
	if (isnan(above))
		cls = "C";
	else if (above < a_share)
		cls = "A";
	else if (above < b_share)
		cls = "B";
	else
		cls = "C";
	PG_RETURN_TEXT_P(cstring_to_text(cls));
}

PG_FUNCTION_INFO_V1(kam_cumulative_share);

/* kam.cumulative_share(value float8): share held by this tie group and all above */
Datum
kam_cumulative_share(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	double		s = abc_current_share(winobj, ABC_SHARE_THROUGH, "kam.cumulative_share");

	if (isnan(s))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s);
}

PG_FUNCTION_INFO_V1(kam_cumulative_share_above);

/* kam.cumulative_share_above(value float8): share held by the groups above */
Datum
kam_cumulative_share_above(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	double		s = abc_current_share(winobj, ABC_SHARE_ABOVE, "kam.cumulative_share_above");

	if (isnan(s))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s);
}
