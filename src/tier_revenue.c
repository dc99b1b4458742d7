/*
 * tier_revenue.c -- trailing-12-month revenue at many period ends
 *
 *	kam.revenue_12m(ordered_at, amount, ends date[]) -> float8[]
 *		one customer's revenue in the trailing 12 months ending at each end
 *		(the days ((end + 1) - 12 months) .. end, in the session time zone),
 *		NULL where no order with an amount falls in the window.
 *
 * This replaces a per-day expansion of every order into the windows that
 * hold it (kam.tier_movements, kam.tier_changes).  The aggregate adds
 * each amount, exactly (money.h), into the bucket of the sorted window
 * boundaries that holds its day, so a window's revenue is a difference of
 * two prefix sums: one binary search and one addition per order whatever the
 * number of ends.  It equals sum(amount::numeric)::float8 over the window.
 */
#include "kam.h"
#include "money.h"
#include "period.h"
#include "tier.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

#define REV_HINT "Use kam.revenue_12m(ordered_at, amount, ends)."

/* ------------------------------------------------------------------------
 * kam.revenue_12m
 *
 * The layout (the ends, the boundaries and each window's buckets) is the
 * same for every customer: it is built once per call site and kept in
 * fn_extra, and each customer's state holds only the buckets it has orders
 * in (24 bytes each), so that a hash aggregate over a million customers
 * stays small.
 * ------------------------------------------------------------------------
 */
typedef struct Rev12Layout
{
	int32		nends;
	DateADT    *ends;			/* the ends, ascending */
	int32		nb;				/* boundaries: window starts and end + 1, sorted, unique */
	DateADT    *bounds;
	int32	   *lo;				/* window j holds buckets lo[j] .. hi[j] - 1 */
	int32	   *hi;
} Rev12Layout;

/* per call site (fn_extra) */
typedef struct Rev12Cache
{
	struct varlena *ends_arg;	/* the argument the layout was made from */
	Rev12Layout *lay;
	KamPeriodCache period;
} Rev12Cache;

typedef struct Rev12Entry
{
	int32		bucket;			/* bucket k: days bounds[k] .. bounds[k + 1] - 1 */
	KamSum		sum;			/* exact sum of the amounts (not NULL) of its days */
} Rev12Entry;

typedef struct Rev12State
{
	const Rev12Layout *lay;
	int32		n;
	int32		cap;
	Rev12Entry	e[FLEXIBLE_ARRAY_MEMBER];	/* the buckets with orders, in no order */
} Rev12State;

#define REV12_SIZE(cap) (offsetof(Rev12State, e) + sizeof(Rev12Entry) * (cap))

/* (day + 1) - interval '12 months', as PostgreSQL's date - interval computes it */
static DateADT
window_start(DateADT end)
{
	int			y,
				m,
				d;

	j2date(end + 1 + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	y -= 1;
	if (d > day_tab[isleap(y)][m - 1])
		d = day_tab[isleap(y)][m - 1];
	return date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
}

static int
cmp_date(const void *a, const void *b)
{
	DateADT		x = *(const DateADT *) a;
	DateADT		y = *(const DateADT *) b;

	return (x > y) - (x < y);
}

/* index of the last boundary <= day, or -1 */
static inline int32
bound_index(const DateADT *b, int32 nb, DateADT day)
{
	int32		lo = 0,
				hi = nb;

	while (lo < hi)
	{
		int32		mid = (lo + hi) / 2;

		if (b[mid] <= day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/* the layout of these ends (validated), in cxt */
static Rev12Layout *
rev12_layout(MemoryContext cxt, const DateADT *ends, int32 nends)
{
	Rev12Layout *lay = MemoryContextAllocZero(cxt, sizeof(Rev12Layout));
	DateADT    *all;
	int32		i,
				n = 0;

	for (i = 0; i < nends; i++)
	{
		/* the window start, a year before, must be a date too */
		if (DATE_NOT_FINITE(ends[i]) || !IS_VALID_DATE(ends[i] + 1) ||
			ends[i] < DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE + 400)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("the ends of kam.revenue_12m must be finite dates within PostgreSQL's range"),
					 errhint("Pass the period ends as dates, e.g. the last day of each month.")));
		if (i > 0 && ends[i] < ends[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the ends of kam.revenue_12m must be in ascending order"),
					 errhint("Build the array with array_agg(end ORDER BY end).")));
	}
	lay->nends = nends;
	lay->ends = MemoryContextAlloc(cxt, sizeof(DateADT) * Max(nends, 1));
	memcpy(lay->ends, ends, sizeof(DateADT) * nends);

	all = palloc(sizeof(DateADT) * Max(2 * nends, 1));
	for (i = 0; i < nends; i++)
	{
		all[2 * i] = window_start(ends[i]);
		all[2 * i + 1] = ends[i] + 1;
	}
	qsort(all, 2 * nends, sizeof(DateADT), cmp_date);
	for (i = 0; i < 2 * nends; i++)
		if (n == 0 || all[i] != all[n - 1])
			all[n++] = all[i];
	lay->nb = n;
	lay->bounds = MemoryContextAlloc(cxt, sizeof(DateADT) * Max(n, 1));
	memcpy(lay->bounds, all, sizeof(DateADT) * n);
	pfree(all);

	lay->lo = MemoryContextAlloc(cxt, sizeof(int32) * Max(nends, 1));
	lay->hi = MemoryContextAlloc(cxt, sizeof(int32) * Max(nends, 1));
	for (i = 0; i < nends; i++)
	{
		lay->lo[i] = bound_index(lay->bounds, n, window_start(ends[i]));
		lay->hi[i] = bound_index(lay->bounds, n, ends[i] + 1);
	}
	return lay;
}

static inline bool
same_ends(const Rev12Layout *a, const Rev12Layout *b)
{
	return a == b || (a->nends == b->nends &&
					  memcmp(a->ends, b->ends, sizeof(DateADT) * a->nends) == 0);
}

static pg_noinline void
ends_differ(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("the ends of kam.revenue_12m must be the same in every row"),
			 errhint("Pass one array for all rows, e.g. from a subquery.")));
}

/* the ends of an array argument, or an error; *n gets their number */
static DateADT *
ends_arg(ArrayType *arr, int32 *n)
{
	int			nitems;

	if (ARR_NDIM(arr) > 1 || ARR_ELEMTYPE(arr) != DATEOID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the ends of kam.revenue_12m must be a one-dimensional date array"),
				 errhint("Build the array with array_agg(end ORDER BY end).")));
	nitems = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the ends of kam.revenue_12m must not contain NULL"),
				 errhint("Pass the period ends as dates, e.g. the last day of each month.")));
	if (nitems > REV_MAX_ENDS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kam.revenue_12m takes at most %d ends, got %d", REV_MAX_ENDS, nitems),
				 errhint("Use a longer reporting period, e.g. 'month'.")));
	*n = nitems;
	return (DateADT *) ARR_DATA_PTR(arr);
}

/* the call site's cache; a layout equal to `ends` (built when it changed) */
static Rev12Cache *
rev12_cache(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(Rev12Cache));
	return (Rev12Cache *) fcinfo->flinfo->fn_extra;
}

static const Rev12Layout *
rev12_cached_layout(FunctionCallInfo fcinfo, Rev12Cache *c, const DateADT *ends, int32 n)
{
	if (c->lay == NULL || c->lay->nends != n ||
		memcmp(c->lay->ends, ends, sizeof(DateADT) * n) != 0)
		c->lay = rev12_layout(fcinfo->flinfo->fn_mcxt, ends, n);
	return c->lay;
}

static Rev12State *
rev12_new(MemoryContext cxt, const Rev12Layout *lay, int32 cap)
{
	Rev12State *st = MemoryContextAlloc(cxt, REV12_SIZE(cap));

	st->lay = lay;
	st->n = 0;
	st->cap = cap;
	return st;
}

/* adds an exact sum to bucket k of the state (which may move) */
static inline Rev12State *
rev12_add(Rev12State *st, int32 k, const KamSum *s, double amount, bool use_amount)
{
	int32		i;

	for (i = st->n - 1; i >= 0; i--)
		if (st->e[i].bucket == k)
			break;
	if (i < 0)
	{
		if (st->n == st->cap)
		{
			st->cap *= 2;
			st = repalloc(st, REV12_SIZE(st->cap));
		}
		i = st->n++;
		st->e[i].bucket = k;
		st->e[i].sum = (KamSum) KAM_SUM_ZERO;
	}
	if (use_amount)
		kam_sum_add(&st->e[i].sum, amount, "amount");
	else
		kam_sum_merge(&st->e[i].sum, s);
	return st;
}

PG_FUNCTION_INFO_V1(kam_revenue_12m_trans);
PG_FUNCTION_INFO_V1(kam_revenue_12m_trans_ts);

/*
 * transition: (state, ordered_at, amount float8, ends date[]), ordered_at of
 * the time type timetype (a constant at each entry point below)
 */
static pg_attribute_always_inline Datum
revenue_12m_add(FunctionCallInfo fcinfo, KamTimeType timetype)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, "kam.revenue_12m_trans", REV_HINT);
	Rev12State *st = PG_ARGISNULL(0) ? NULL : (Rev12State *) PG_GETARG_POINTER(0);
	Rev12Cache *c = rev12_cache(fcinfo);
	const Rev12Layout *lay;
	int32		day;
	int32		k;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the ends of kam.revenue_12m must not be NULL"),
				 errhint("Pass the period ends as dates, e.g. the last day of each month.")));
	if (c->lay == NULL || !arg_same(PG_GETARG_DATUM(3), c->ends_arg))
	{
		int32		n;
		DateADT    *ends = ends_arg(PG_GETARG_ARRAYTYPE_P(3), &n);

		(void) rev12_cached_layout(fcinfo, c, ends, n);
		if (c->ends_arg)
			pfree(c->ends_arg);
		c->ends_arg = arg_copy(fcinfo->flinfo->fn_mcxt, PG_GETARG_DATUM(3));
	}
	lay = c->lay;
	if (st == NULL)
		st = rev12_new(aggcontext, lay, 4);
	else if (st->lay != lay)
	{
		if (!same_ends(st->lay, lay))
			ends_differ();
		st->lay = lay;
	}

	/* an order without time or amount, or at an infinite time, is in no window */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || lay->nb == 0 ||
		TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(1)))
		PG_RETURN_POINTER(st);

	day = kam_day_arg(fcinfo, 1, timetype, "ordered_at", &c->period);
	k = bound_index(lay->bounds, lay->nb, day);
	if (k >= 0 && k < lay->nb - 1)
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);

		st = rev12_add(st, k, NULL, PG_GETARG_FLOAT8(2), true);
		MemoryContextSwitchTo(old);
	}
	PG_RETURN_POINTER(st);
}

/* ordered_at timestamptz: days in the session time zone */
Datum
kam_revenue_12m_trans(PG_FUNCTION_ARGS)
{
	return revenue_12m_add(fcinfo, KAM_TIMESTAMPTZ);
}

/* ordered_at timestamp (local times, e.g. ordered_at AT TIME ZONE zone): days as they are */
Datum
kam_revenue_12m_trans_ts(PG_FUNCTION_ARGS)
{
	return revenue_12m_add(fcinfo, KAM_TIMESTAMP);
}

PG_FUNCTION_INFO_V1(kam_revenue_12m_combine);

Datum
kam_revenue_12m_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, "kam.revenue_12m_combine", REV_HINT);
	Rev12State *a = PG_ARGISNULL(0) ? NULL : (Rev12State *) PG_GETARG_POINTER(0);
	Rev12State *b = PG_ARGISNULL(1) ? NULL : (Rev12State *) PG_GETARG_POINTER(1);
	MemoryContext old;
	int32		i;

	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
	{
		a = rev12_new(aggcontext, b->lay, Max(b->n, 4));
		memcpy(a->e, b->e, sizeof(Rev12Entry) * b->n);
		a->n = b->n;
		PG_RETURN_POINTER(a);
	}
	if (!same_ends(a->lay, b->lay))
		ends_differ();
	old = MemoryContextSwitchTo(aggcontext);
	for (i = 0; i < b->n; i++)
		a = rev12_add(a, b->e[i].bucket, &b->e[i].sum, 0, false);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/*
 * Serialized: int32 nends, the ends, int32 n, then n times the bucket
 * (int32) and the sum's two halves.
 */
PG_FUNCTION_INFO_V1(kam_revenue_12m_serialize);

Datum
kam_revenue_12m_serialize(PG_FUNCTION_ARGS)
{
	Rev12State *st = (Rev12State *) PG_GETARG_POINTER(0);
	const Rev12Layout *lay = st->lay;
	Size		len;
	bytea	   *out;
	char	   *p;
	int32		i;

	(void) kam_agg_context(fcinfo, "kam.revenue_12m_serialize", REV_HINT);
	len = 2 * sizeof(int32) + sizeof(DateADT) * lay->nends + (sizeof(int32) + sizeof(KamSum)) * st->n;
	out = palloc(VARHDRSZ + len);
	SET_VARSIZE(out, VARHDRSZ + len);
	p = VARDATA(out);
	memcpy(p, &lay->nends, sizeof(int32));
	p += sizeof(int32);
	memcpy(p, lay->ends, sizeof(DateADT) * lay->nends);
	p += sizeof(DateADT) * lay->nends;
	memcpy(p, &st->n, sizeof(int32));
	p += sizeof(int32);
	for (i = 0; i < st->n; i++)
	{
		memcpy(p, &st->e[i].bucket, sizeof(int32));
		p += sizeof(int32);
		memcpy(p, &st->e[i].sum, sizeof(KamSum));
		p += sizeof(KamSum);
	}
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(kam_revenue_12m_deserialize);

Datum
kam_revenue_12m_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(in);
	Size		len = VARSIZE_ANY_EXHDR(in);
	int32		nends,
				n,
				i;
	DateADT    *ends;
	const Rev12Layout *lay;
	Rev12State *st;

	(void) kam_agg_context(fcinfo, "kam.revenue_12m_deserialize", REV_HINT);
	if (len < 2 * sizeof(int32))
		elog(ERROR, "invalid kam.revenue_12m state");
	memcpy(&nends, p, sizeof(int32));
	p += sizeof(int32);
	if (nends < 0 || nends > REV_MAX_ENDS || len < 2 * sizeof(int32) + sizeof(DateADT) * (Size) nends)
		elog(ERROR, "invalid kam.revenue_12m state");
	ends = palloc(sizeof(DateADT) * Max(nends, 1));
	memcpy(ends, p, sizeof(DateADT) * nends);
	p += sizeof(DateADT) * nends;
	lay = rev12_cached_layout(fcinfo, rev12_cache(fcinfo), ends, nends);
	pfree(ends);
	memcpy(&n, p, sizeof(int32));
	p += sizeof(int32);
	if (n < 0 || n > lay->nb ||
		len != 2 * sizeof(int32) + sizeof(DateADT) * nends + (sizeof(int32) + sizeof(KamSum)) * (Size) n)
		elog(ERROR, "invalid kam.revenue_12m state");
	/* in the caller's (short-lived) context: the combine function copies it */
	st = rev12_new(CurrentMemoryContext, lay, Max(n, 1));
	for (i = 0; i < n; i++)
	{
		int32		j;

		memcpy(&st->e[i].bucket, p, sizeof(int32));
		p += sizeof(int32);
		memcpy(&st->e[i].sum, p, sizeof(KamSum));
		p += sizeof(KamSum);
		if (st->e[i].bucket < 0 || st->e[i].bucket >= lay->nb - 1)
			elog(ERROR, "invalid kam.revenue_12m state");
		for (j = 0; j < i; j++)
			if (st->e[j].bucket == st->e[i].bucket)
				elog(ERROR, "invalid kam.revenue_12m state");
		kam_sum_check_input(&st->e[i].sum, "kam.revenue_12m state");
	}
	st->n = n;
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(kam_revenue_12m_final);

Datum
kam_revenue_12m_final(PG_FUNCTION_ARGS)
{
	Rev12State *st;
	const Rev12Layout *lay;
	KamSum	   *prefix;
	int32	   *cprefix;
	Datum	   *elems;
	bool	   *nulls;
	int			dims[1];
	int			lbs[1] = {1};
	int32		i,
				j,
				k;

	(void) kam_agg_context(fcinfo, "kam.revenue_12m_final", REV_HINT);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (Rev12State *) PG_GETARG_POINTER(0);
	lay = st->lay;
	if (lay->nends == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(FLOAT8OID));

	/* per bucket, then prefix[k] = buckets 0 .. k - 1 (cprefix: buckets with orders) */
	prefix = palloc0(sizeof(KamSum) * (lay->nb + 1));
	cprefix = palloc0(sizeof(int32) * (lay->nb + 1));
	for (i = 0; i < st->n; i++)
	{
		prefix[st->e[i].bucket + 1] = st->e[i].sum;
		cprefix[st->e[i].bucket + 1] = 1;
	}
	for (k = 0; k < lay->nb; k++)
	{
		kam_sum_merge(&prefix[k + 1], &prefix[k]);
		cprefix[k + 1] += cprefix[k];
	}
	elems = palloc(sizeof(Datum) * lay->nends);
	nulls = palloc(sizeof(bool) * lay->nends);
	for (j = 0; j < lay->nends; j++)
	{
		KamSum		w = prefix[lay->hi[j]];

		nulls[j] = (cprefix[lay->hi[j]] == cprefix[lay->lo[j]]);
		if (nulls[j])
		{
			elems[j] = (Datum) 0;
			continue;
		}
		kam_sum_sub(&w, &prefix[lay->lo[j]]);
		elems[j] = Float8GetDatum(kam_sum_to_double(&w));
	}
	dims[0] = lay->nends;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, nulls, 1, dims, lbs, FLOAT8OID,
											 sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
