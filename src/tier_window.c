/*
 * tier_window.c -- trailing-12-month revenue at many period ends, and the
 * tier movements between consecutive ends
 *
 *	kam.revenue_12m(ordered_at, amount, ends date[]) -> float8[]
 *		one customer's revenue in the trailing 12 months ending at each end
 *		(the days ((end + 1) - 12 months) .. end, in the session time zone),
 *		NULL where no order with an amount falls in the window;
 *	kam.tier_movements(revenue_12m float8[], share_cutoff float8[],
 *					   min_revenue float8[], tier_rank int4[]) -> int8[][]
 *		over customers: per end, how many customers' policy tier went up
 *		(row 1) or down (row 2) from the previous end.
 *
 * These replace a per-day expansion of every order into the windows that
 * hold it (kam.tier_movements, kam.tier_changes).  The first aggregate adds
 * each amount, exactly (money.h), into the bucket of the sorted window
 * boundaries that holds its day, so a window's revenue is a difference of
 * two prefix sums: one binary search and one addition per order whatever the
 * number of ends.  It equals sum(amount::numeric)::float8 over the window.
 *
 * The second stores every customer's vector and, in its final function,
 * ranks the customers at each end as kam.cumulative_share_above does (abc.c:
 * positive values, largest first, Neumaier sums in that order, one share per
 * tie group), so the share rule of a policy tier becomes a revenue
 * threshold: share_above(v) < cutoff exactly when v is at least the smallest
 * value whose share above is below the cutoff (the share above does not
 * increase with the value).  A customer's tier at an end is then the first
 * policy row (the arrays are in rank, tier order) whose share threshold and
 * min_revenue it reaches, if its revenue is positive; it moved up when the
 * rank of its tier is smaller than at the previous end, and both must exist.
 */
#include "kam.h"
#include "money.h"
#include "neumaier.h"
#include "period.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#define REV_HINT "Use kam.revenue_12m(ordered_at, amount, ends)."
#define MOVE_HINT "Use kam.tier_movements(revenue_12m, share_cutoff, min_revenue, tier_rank)."
/* at most this many ends (a daily series over 250 years) */
#define REV_MAX_ENDS 100000

/*
 * Array and text arguments that must be the same in every row are compared
 * by content (a copy of the first is kept): a pointer comparison could miss a
 * new value that the executor put at the same address.
 */
static struct varlena *
arg_copy(MemoryContext cxt, Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
	Size		len = VARSIZE_ANY(v);
	struct varlena *c = MemoryContextAlloc(cxt, len);

	memcpy(c, v, len);
	return c;
}

static inline bool
arg_same(Datum d, const struct varlena *copy)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);

	return VARSIZE_ANY_EXHDR(v) == VARSIZE_ANY_EXHDR(copy) &&
		memcmp(VARDATA_ANY(v), VARDATA_ANY(copy), VARSIZE_ANY_EXHDR(v)) == 0;
}

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

/* transition: (state, ordered_at timestamptz, amount float8, ends date[]) */
Datum
kam_revenue_12m_trans(PG_FUNCTION_ARGS)
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

	day = kam_local_day_cached(PG_GETARG_TIMESTAMPTZ(1), "ordered_at", &c->period);
	k = bound_index(lay->bounds, lay->nb, day);
	if (k >= 0 && k < lay->nb - 1)
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);

		st = rev12_add(st, k, NULL, PG_GETARG_FLOAT8(2), true);
		MemoryContextSwitchTo(old);
	}
	PG_RETURN_POINTER(st);
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

/* ------------------------------------------------------------------------
 * kam.tier_movements
 * ------------------------------------------------------------------------
 */
typedef struct MoveState
{
	int32		nends;			/* -1 until the first vector */
	int32		npol;
	double	   *cut;			/* per policy row; NaN: no share rule */
	double	   *minrev;			/* per policy row; NaN: no revenue rule */
	int32	   *rank;
	bool		policy_null;	/* the policy arguments were NULL (no tiers) */
	struct varlena *policy_arg[3];	/* the arguments the policy was read from */
	int64		ncust;			/* customers with a positive revenue somewhere */
	int64		cap;
	int32	   *first;			/* per customer: first end with positive revenue */
	int32	   *len;			/* ... and the length of the span stored */
	int64		nvals;
	int64		vcap;
	double	   *vals;			/* the spans, one after another; 0: no positive revenue */
} MoveState;

static MoveState *
move_new(MemoryContext cxt)
{
	MoveState  *st = MemoryContextAllocZero(cxt, sizeof(MoveState));

	st->nends = -1;
	st->cap = 1024;
	st->first = MemoryContextAlloc(cxt, sizeof(int32) * st->cap);
	st->len = MemoryContextAlloc(cxt, sizeof(int32) * st->cap);
	st->vcap = 8192;
	st->vals = MemoryContextAllocHuge(cxt, sizeof(double) * st->vcap);
	return st;
}

static void
move_reserve(MoveState *st, int64 customers, int64 vals)
{
	if (st->ncust + customers > st->cap)
	{
		while (st->ncust + customers > st->cap)
			st->cap *= 2;
		st->first = repalloc_huge(st->first, sizeof(int32) * st->cap);
		st->len = repalloc_huge(st->len, sizeof(int32) * st->cap);
	}
	if (st->nvals + vals > st->vcap)
	{
		while (st->nvals + vals > st->vcap)
			st->vcap *= 2;
		st->vals = repalloc_huge(st->vals, sizeof(double) * st->vcap);
	}
}

/* a float8[] policy argument: one value per policy row, NULL as NaN */
static double *
policy_float_arg(MemoryContext cxt, ArrayType *arr, int32 npol, const char *argname, bool nonneg)
{
	double	   *out = MemoryContextAlloc(cxt, sizeof(double) * Max(npol, 1));
	Datum	   *d;
	bool	   *nulls;
	int			n,
				i;

	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &d, &nulls, &n);
	if (ARR_NDIM(arr) > 1 || n != npol)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of kam.tier_movements must have one element per policy tier", argname),
				 errhint("Pass share_cutoff, min_revenue and tier_rank of kam.tier_policy, each as array_agg(... ORDER BY rank, tier).")));
	for (i = 0; i < n; i++)
	{
		double		v = nulls[i] ? get_float8_nan() : DatumGetFloat8(d[i]);

		if (!nulls[i] && (isnan(v) || isinf(v) || v < 0 || (!nonneg && (v <= 0 || v > 1))))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s of kam.tier_movements is out of range, got %g", argname, v),
					 errhint("share_cutoff is a share in (0, 1], min_revenue a finite amount >= 0 (see kam.tier_policy).")));
		out[i] = v;
	}
	return out;
}

/* the policy (first row) */
static void
move_set_policy(MemoryContext cxt, MoveState *st, FunctionCallInfo fcinfo)
{
	ArrayType  *ranks;
	Datum	   *d;
	bool	   *nulls;
	int			n = 0,
				i;

	st->npol = 0;
	st->policy_null = PG_ARGISNULL(2) && PG_ARGISNULL(3) && PG_ARGISNULL(4);
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
	{
		if (!(PG_ARGISNULL(2) && PG_ARGISNULL(3) && PG_ARGISNULL(4)))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the policy arrays of kam.tier_movements must be all NULL (no tiers) or none"),
					 errhint("Pass share_cutoff, min_revenue and tier_rank of kam.tier_policy, each as array_agg(... ORDER BY rank, tier).")));
		return;
	}
	ranks = PG_GETARG_ARRAYTYPE_P(4);
	if (ARR_ELEMTYPE(ranks) != INT4OID || ARR_NDIM(ranks) > 1)
		elog(ERROR, "tier_rank of kam.tier_movements must be an int4[]");
	deconstruct_array(ranks, INT4OID, sizeof(int32), true, TYPALIGN_INT, &d, &nulls, &n);
	st->rank = MemoryContextAlloc(cxt, sizeof(int32) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("tier_rank of kam.tier_movements must not contain NULL"),
					 errhint("Pass tier_rank of kam.tier_policy as array_agg(rank ORDER BY rank, tier).")));
		st->rank[i] = DatumGetInt32(d[i]);
	}
	st->npol = n;
	for (i = 0; i < 3; i++)
		st->policy_arg[i] = arg_copy(cxt, PG_GETARG_DATUM(2 + i));
	st->cut = policy_float_arg(cxt, PG_GETARG_ARRAYTYPE_P(2), n, "share_cutoff", false);
	st->minrev = policy_float_arg(cxt, PG_GETARG_ARRAYTYPE_P(3), n, "min_revenue", true);
}

/* whether this row's policy arguments are those the state was made from */
static bool
move_same_args(const MoveState *st, FunctionCallInfo fcinfo)
{
	int			i;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		return st->policy_null && PG_ARGISNULL(2) && PG_ARGISNULL(3) && PG_ARGISNULL(4);
	if (st->policy_null)
		return false;
	for (i = 0; i < 3; i++)
		if (st->policy_arg[i] == NULL || !arg_same(PG_GETARG_DATUM(2 + i), st->policy_arg[i]))
			return false;
	return true;
}

/* a and b must hold the same policy */
static void
move_check_policy(const MoveState *a, const MoveState *b)
{
	if (a->npol != b->npol ||
		memcmp(a->cut, b->cut, sizeof(double) * a->npol) != 0 ||
		memcmp(a->minrev, b->minrev, sizeof(double) * a->npol) != 0 ||
		memcmp(a->rank, b->rank, sizeof(int32) * a->npol) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the policy arrays of kam.tier_movements must be the same in every row"),
				 errhint("Pass the arrays of kam.tier_policy from one subquery.")));
}

PG_FUNCTION_INFO_V1(kam_tier_movements_trans);

/* transition: (state, revenue_12m float8[], share_cutoff float8[], min_revenue float8[], tier_rank int4[]) */
Datum
kam_tier_movements_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, "kam.tier_movements_trans", MOVE_HINT);
	MoveState  *st = PG_ARGISNULL(0) ? NULL : (MoveState *) PG_GETARG_POINTER(0);
	ArrayType  *arr;
	Datum	   *d;
	bool	   *nulls;
	int			n,
				i,
				lo = -1,
				hi = -1;

	if (st == NULL)
	{
		st = move_new(aggcontext);
		move_set_policy(aggcontext, st, fcinfo);
	}
	else if (!move_same_args(st, fcinfo))
	{
		/* other argument values: they must hold the same policy */
		MoveState  *other = move_new(CurrentMemoryContext);

		move_set_policy(CurrentMemoryContext, other, fcinfo);
		move_check_policy(st, other);
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	arr = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_ELEMTYPE(arr) != FLOAT8OID || ARR_NDIM(arr) > 1)
		elog(ERROR, "revenue_12m of kam.tier_movements must be a float8[]");
	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &d, &nulls, &n);
	if (st->nends < 0)
		st->nends = n;
	else if (n != st->nends)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every revenue_12m of kam.tier_movements must have the same length, got %d and %d",
						st->nends, n),
				 errhint("Pass the vectors kam.revenue_12m made with one array of ends.")));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			continue;
		KAM_CHECK_FINITE(DatumGetFloat8(d[i]), "revenue_12m");
		if (DatumGetFloat8(d[i]) > 0)
		{
			if (lo < 0)
				lo = i;
			hi = i;
		}
	}
	if (lo >= 0)
	{
		move_reserve(st, 1, hi - lo + 1);
		st->first[st->ncust] = lo;
		st->len[st->ncust] = hi - lo + 1;
		st->ncust++;
		for (i = lo; i <= hi; i++)
			st->vals[st->nvals++] = (!nulls[i] && DatumGetFloat8(d[i]) > 0) ? DatumGetFloat8(d[i]) : 0;
	}
	PG_RETURN_POINTER(st);
}

/* copies b's policy into a (empty) */
static void
move_copy_policy(MemoryContext cxt, MoveState *a, const MoveState *b)
{
	a->npol = b->npol;
	a->policy_null = b->policy_null;
	a->cut = MemoryContextAlloc(cxt, sizeof(double) * Max(b->npol, 1));
	a->minrev = MemoryContextAlloc(cxt, sizeof(double) * Max(b->npol, 1));
	a->rank = MemoryContextAlloc(cxt, sizeof(int32) * Max(b->npol, 1));
	memcpy(a->cut, b->cut, sizeof(double) * b->npol);
	memcpy(a->minrev, b->minrev, sizeof(double) * b->npol);
	memcpy(a->rank, b->rank, sizeof(int32) * b->npol);
}

PG_FUNCTION_INFO_V1(kam_tier_movements_combine);

Datum
kam_tier_movements_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, "kam.tier_movements_combine", MOVE_HINT);
	MoveState  *a = PG_ARGISNULL(0) ? NULL : (MoveState *) PG_GETARG_POINTER(0);
	MoveState  *b = PG_ARGISNULL(1) ? NULL : (MoveState *) PG_GETARG_POINTER(1);

	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
	{
		a = move_new(aggcontext);
		move_copy_policy(aggcontext, a, b);
	}
	else
		move_check_policy(a, b);
	if (a->nends < 0)
		a->nends = b->nends;
	else if (b->nends >= 0 && a->nends != b->nends)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every revenue_12m of kam.tier_movements must have the same length, got %d and %d",
						a->nends, b->nends),
				 errhint("Pass the vectors kam.revenue_12m made with one array of ends.")));
	move_reserve(a, b->ncust, b->nvals);
	memcpy(a->first + a->ncust, b->first, sizeof(int32) * b->ncust);
	memcpy(a->len + a->ncust, b->len, sizeof(int32) * b->ncust);
	memcpy(a->vals + a->nvals, b->vals, sizeof(double) * b->nvals);
	a->ncust += b->ncust;
	a->nvals += b->nvals;
	PG_RETURN_POINTER(a);
}

/*
 * Serialized: int32 nends, int32 npol, int64 ncust, int64 nvals, the policy
 * (cut, minrev as float8, rank as int32), then first[], len[] and vals[].
 */
PG_FUNCTION_INFO_V1(kam_tier_movements_serialize);

Datum
kam_tier_movements_serialize(PG_FUNCTION_ARGS)
{
	MoveState  *st = (MoveState *) PG_GETARG_POINTER(0);
	Size		len;
	bytea	   *out;
	char	   *p;

	(void) kam_agg_context(fcinfo, "kam.tier_movements_serialize", MOVE_HINT);
	len = 2 * sizeof(int32) + 2 * sizeof(int64) + (2 * sizeof(double) + sizeof(int32)) * st->npol +
		2 * sizeof(int32) * st->ncust + sizeof(double) * st->nvals;
	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the kam.tier_movements state is too large to pass between parallel workers"),
				 errhint("Set max_parallel_workers_per_gather = 0 for this query.")));
	out = palloc(VARHDRSZ + len);
	SET_VARSIZE(out, VARHDRSZ + len);
	p = VARDATA(out);
#define PUT(src, size) do { memcpy(p, (src), (size)); p += (size); } while (0)
	PUT(&st->nends, sizeof(int32));
	PUT(&st->npol, sizeof(int32));
	PUT(&st->ncust, sizeof(int64));
	PUT(&st->nvals, sizeof(int64));
	PUT(st->cut, sizeof(double) * st->npol);
	PUT(st->minrev, sizeof(double) * st->npol);
	PUT(st->rank, sizeof(int32) * st->npol);
	PUT(st->first, sizeof(int32) * st->ncust);
	PUT(st->len, sizeof(int32) * st->ncust);
	PUT(st->vals, sizeof(double) * st->nvals);
#undef PUT
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(kam_tier_movements_deserialize);

Datum
kam_tier_movements_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(in);
	Size		len = VARSIZE_ANY_EXHDR(in);
	Size		head = 2 * sizeof(int32) + 2 * sizeof(int64);
	MoveState  *st = move_new(CurrentMemoryContext);
	int64		i,
				total = 0;

	(void) kam_agg_context(fcinfo, "kam.tier_movements_deserialize", MOVE_HINT);
	if (len < head)
		elog(ERROR, "invalid kam.tier_movements state");
#define GET(dst, size) do { memcpy((dst), p, (size)); p += (size); } while (0)
	GET(&st->nends, sizeof(int32));
	GET(&st->npol, sizeof(int32));
	GET(&st->ncust, sizeof(int64));
	GET(&st->nvals, sizeof(int64));
	if (st->nends < -1 || st->nends > REV_MAX_ENDS || st->npol < 0 || st->npol > 100000 ||
		st->ncust < 0 || st->nvals < 0 || st->ncust > (int64) len || st->nvals > (int64) len ||
		len != head + (2 * sizeof(double) + sizeof(int32)) * st->npol +
		2 * sizeof(int32) * st->ncust + sizeof(double) * st->nvals)
		elog(ERROR, "invalid kam.tier_movements state");
	st->cut = palloc(sizeof(double) * Max(st->npol, 1));
	st->minrev = palloc(sizeof(double) * Max(st->npol, 1));
	st->rank = palloc(sizeof(int32) * Max(st->npol, 1));
	GET(st->cut, sizeof(double) * st->npol);
	GET(st->minrev, sizeof(double) * st->npol);
	GET(st->rank, sizeof(int32) * st->npol);
	st->cap = 0;
	st->vcap = 0;
	move_reserve(st, st->ncust, st->nvals);
	GET(st->first, sizeof(int32) * st->ncust);
	GET(st->len, sizeof(int32) * st->ncust);
	GET(st->vals, sizeof(double) * st->nvals);
#undef GET
	for (i = 0; i < st->ncust; i++)
	{
		if (st->first[i] < 0 || st->len[i] < 1 || st->first[i] + (int64) st->len[i] > st->nends)
			elog(ERROR, "invalid kam.tier_movements state");
		total += st->len[i];
	}
	if (total != st->nvals)
		elog(ERROR, "invalid kam.tier_movements state");
	for (i = 0; i < st->nvals; i++)
		if (!(st->vals[i] >= 0) || isinf(st->vals[i]))
			elog(ERROR, "invalid kam.tier_movements state");
	PG_RETURN_POINTER(st);
}

/* an inlined, specialized sort of the positive values, largest first */
#define ST_SORT sort_desc
#define ST_ELEMENT_TYPE double
#define ST_COMPARE(a, b) ((*(a) < *(b)) - (*(a) > *(b)))
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * The share thresholds of one end: thr[p] is the smallest value (of the n
 * positive values, sorted here largest first) whose share above is below
 * cut[p], the share above being computed as kam.cumulative_share_above
 * computes it; NaN for a row without a share rule.
 */
static void
end_thresholds(double *v, int64 n, const MoveState *st, double *thr)
{
	NeumaierSum total = {0, 0};
	NeumaierSum cum = {0, 0};
	double		tot;
	int64		i;
	int32		p;

	for (p = 0; p < st->npol; p++)
		thr[p] = isnan(st->cut[p]) ? get_float8_nan() : get_float8_infinity();
	if (n == 0)
		return;
	sort_desc(v, n);
	for (i = 0; i < n; i++)
		neumaier_add(&total, v[i]);
	tot = neumaier_value(&total);
	i = 0;
	while (i < n)
	{
		double		above = neumaier_value(&cum) / tot;
		int64		j;

		CHECK_FOR_INTERRUPTS();
		for (p = 0; p < st->npol; p++)
			if (!isnan(st->cut[p]) && above < st->cut[p])
				thr[p] = v[i];
		for (j = i; j < n && v[j] == v[i]; j++)
			neumaier_add(&cum, v[j]);
		i = j;
	}
}

/* the policy row (0-based) of a revenue at an end, or -1 */
static inline int32
tier_of(double v, const double *thr, const MoveState *st)
{
	int32		p;

	if (!(v > 0))
		return -1;
	for (p = 0; p < st->npol; p++)
		if ((isnan(thr[p]) || v >= thr[p]) && (isnan(st->minrev[p]) || v >= st->minrev[p]))
			return p;
	return -1;
}

PG_FUNCTION_INFO_V1(kam_tier_movements_final);

Datum
kam_tier_movements_final(PG_FUNCTION_ARGS)
{
	MoveState  *st;
	int64	   *npos;
	double	  **byend;
	int64	   *fill;
	double	   *thr;
	int64	   *up;
	int64	   *down;
	Datum	   *elems;
	int			dims[2];
	int			lbs[2] = {1, 1};
	int32		nends,
				j;
	int64		i,
				off;

	(void) kam_agg_context(fcinfo, "kam.tier_movements_final", MOVE_HINT);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (MoveState *) PG_GETARG_POINTER(0);
	nends = Max(st->nends, 0);
	if (nends == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT8OID));

	/* the positive values of each end, then its thresholds */
	npos = palloc0(sizeof(int64) * nends);
	for (i = 0, off = 0; i < st->ncust; off += st->len[i], i++)
		for (j = 0; j < st->len[i]; j++)
			if (st->vals[off + j] > 0)
				npos[st->first[i] + j]++;
	byend = palloc(sizeof(double *) * nends);
	fill = palloc0(sizeof(int64) * nends);
	for (j = 0; j < nends; j++)
		byend[j] = palloc_extended(sizeof(double) * Max(npos[j], 1), MCXT_ALLOC_HUGE);
	for (i = 0, off = 0; i < st->ncust; off += st->len[i], i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < st->len[i]; j++)
			if (st->vals[off + j] > 0)
			{
				int32		e = st->first[i] + j;

				byend[e][fill[e]++] = st->vals[off + j];
			}
	}
	thr = palloc(sizeof(double) * Max((int64) nends * st->npol, 1));
	for (j = 0; j < nends; j++)
	{
		end_thresholds(byend[j], npos[j], st, thr + (int64) j * st->npol);
		pfree(byend[j]);
	}

	/* each customer's tier at consecutive ends */
	up = palloc0(sizeof(int64) * nends);
	down = palloc0(sizeof(int64) * nends);
	for (i = 0, off = 0; i < st->ncust; off += st->len[i], i++)
	{
		int32		prev = -1;

		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < st->len[i]; j++)
		{
			int32		e = st->first[i] + j;
			int32		cur = tier_of(st->vals[off + j], thr + (int64) e * st->npol, st);

			if (j > 0 && cur >= 0 && prev >= 0)
			{
				if (st->rank[cur] < st->rank[prev])
					up[e]++;
				else if (st->rank[cur] > st->rank[prev])
					down[e]++;
			}
			prev = cur;
		}
	}

	elems = palloc(sizeof(Datum) * 2 * nends);
	for (j = 0; j < nends; j++)
	{
		elems[j] = Int64GetDatum(up[j]);
		elems[nends + j] = Int64GetDatum(down[j]);
	}
	dims[0] = 2;
	dims[1] = nends;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, NULL, 2, dims, lbs, INT8OID,
											 sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* ------------------------------------------------------------------------
 * kam.tier_days(ordered_at, as_of, period, quarters) -> int8[4]
 *
 * The purchase-day figures of kam.customer_tier for one customer, from its
 * orders up to as_of (later ones are skipped): the distinct periods of the
 * given length over the whole history (an order at -infinity is a period of
 * its own, as date_trunc makes it), the mask of the trailing 3-month windows
 * ending at as_of with an order (bit 0: the latest; `quarters` of them), the
 * distinct days in the trailing 12 months and the days from the last of them
 * to as_of (NULL without one).  The state is the list of order days (4 bytes
 * per order); the final function sorts it.
 * ------------------------------------------------------------------------
 */
#define DAYS_HINT "Use kam.tier_days(ordered_at, as_of, period, quarters)."

typedef struct DaysState
{
	DateADT		as_of;
	int32		quarters;
	KamPeriod	period;
	bool		minus_infinity; /* an order at -infinity */
	struct varlena *period_arg; /* the argument the period was read from */
	int64		n;
	int64		cap;
	int32	   *days;
	KamPeriodCache cache;
} DaysState;

/* d - months months, the day clamped to the month's length (date - interval) */
static DateADT
minus_months(DateADT d, int32 months)
{
	int			y,
				m,
				dd;
	int64		mm;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &dd);
	mm = (int64) y * 12 + (m - 1) - months;
	y = (int) kam_floor_div64(mm, 12);
	m = (int) (mm - (int64) y * 12) + 1;
	if (dd > day_tab[isleap(y)][m - 1])
		dd = day_tab[isleap(y)][m - 1];
	return date2j(y, m, dd) - POSTGRES_EPOCH_JDATE;
}

static pg_noinline void
days_differ(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("as_of, period and quarters of kam.tier_days must be the same in every row"),
			 errhint("Pass constants, e.g. from a subquery.")));
}

static DaysState *
days_new(MemoryContext cxt, DateADT as_of, KamPeriod period, int32 quarters)
{
	DaysState  *st = MemoryContextAllocZero(cxt, sizeof(DaysState));

	st->as_of = as_of;
	st->period = period;
	st->quarters = quarters;
	st->cap = 8;
	st->days = MemoryContextAlloc(cxt, sizeof(int32) * st->cap);
	return st;
}

PG_FUNCTION_INFO_V1(kam_tier_days_trans);

/* transition: (state, ordered_at timestamptz, as_of date, period text, quarters int4) */
Datum
kam_tier_days_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, "kam.tier_days_trans", DAYS_HINT);
	DaysState  *st = PG_ARGISNULL(0) ? NULL : (DaysState *) PG_GETARG_POINTER(0);
	TimestampTz ts;
	int32		day;

	if (st == NULL)
	{
		DateADT		as_of;
		int32		quarters;

		if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("as_of, period and quarters of kam.tier_days must not be NULL"),
					 errhint("Pass e.g. kam.as_of(), the rfm_period setting and the longest of_last_quarters of kam.loyalty_ladder.")));
		as_of = PG_GETARG_DATEADT(2);
		quarters = PG_GETARG_INT32(4);
		if (DATE_NOT_FINITE(as_of) || !IS_VALID_DATE(as_of + 1) ||
			as_of < DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE + 4000)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("as_of of kam.tier_days must be a finite date within PostgreSQL's range"),
					 errhint("Pass the date the figures are computed as of, e.g. kam.as_of().")));
		if (quarters < 0 || quarters > 40)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("quarters of kam.tier_days must be between 0 and 40, got %d", quarters),
					 errhint("of_last_quarters of kam.loyalty_ladder is between 1 and 40.")));
		st = days_new(aggcontext, as_of,
					  kam_period_from_text(PG_GETARG_TEXT_PP(3), "period"), quarters);
		st->period_arg = arg_copy(aggcontext, PG_GETARG_DATUM(3));
	}
	else if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4) ||
			 PG_GETARG_DATEADT(2) != st->as_of || PG_GETARG_INT32(4) != st->quarters ||
			 (!arg_same(PG_GETARG_DATUM(3), st->period_arg) &&
			  kam_period_from_text(PG_GETARG_TEXT_PP(3), "period") != st->period))
		days_differ();
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_IS_NOBEGIN(ts))
	{
		st->minus_infinity = true;
		PG_RETURN_POINTER(st);
	}
	if (TIMESTAMP_IS_NOEND(ts))
		PG_RETURN_POINTER(st);
	day = kam_local_day_cached(ts, "ordered_at", &st->cache);
	if (day > st->as_of)
		PG_RETURN_POINTER(st);
	if (st->n == st->cap)
	{
		st->cap *= 2;
		st->days = repalloc_huge(st->days, sizeof(int32) * st->cap);
	}
	st->days[st->n++] = day;
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(kam_tier_days_combine);

Datum
kam_tier_days_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, "kam.tier_days_combine", DAYS_HINT);
	DaysState  *a = PG_ARGISNULL(0) ? NULL : (DaysState *) PG_GETARG_POINTER(0);
	DaysState  *b = PG_ARGISNULL(1) ? NULL : (DaysState *) PG_GETARG_POINTER(1);

	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
	{
		a = days_new(aggcontext, b->as_of, b->period, b->quarters);
		a->period_arg = b->period_arg ? arg_copy(aggcontext, PointerGetDatum(b->period_arg)) : NULL;
	}
	else if (a->as_of != b->as_of || a->period != b->period || a->quarters != b->quarters)
		days_differ();
	a->minus_infinity |= b->minus_infinity;
	if (a->n + b->n > a->cap)
	{
		while (a->n + b->n > a->cap)
			a->cap *= 2;
		a->days = repalloc_huge(a->days, sizeof(int32) * a->cap);
	}
	memcpy(a->days + a->n, b->days, sizeof(int32) * b->n);
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

/* Serialized: as_of, quarters, period, minus_infinity (int32 each), int64 n, the days. */
PG_FUNCTION_INFO_V1(kam_tier_days_serialize);

Datum
kam_tier_days_serialize(PG_FUNCTION_ARGS)
{
	DaysState  *st = (DaysState *) PG_GETARG_POINTER(0);
	Size		len = 4 * sizeof(int32) + sizeof(int64) + sizeof(int32) * st->n;
	int32		head[4] = {st->as_of, st->quarters, (int32) st->period, st->minus_infinity};
	bytea	   *out;
	char	   *p;

	(void) kam_agg_context(fcinfo, "kam.tier_days_serialize", DAYS_HINT);
	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the kam.tier_days state is too large to pass between parallel workers"),
				 errhint("Set max_parallel_workers_per_gather = 0 for this query.")));
	out = palloc(VARHDRSZ + len);
	SET_VARSIZE(out, VARHDRSZ + len);
	p = VARDATA(out);
	memcpy(p, head, sizeof(head));
	p += sizeof(head);
	memcpy(p, &st->n, sizeof(int64));
	p += sizeof(int64);
	memcpy(p, st->days, sizeof(int32) * st->n);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(kam_tier_days_deserialize);

Datum
kam_tier_days_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(in);
	Size		len = VARSIZE_ANY_EXHDR(in);
	int32		head[4];
	int64		n,
				i;
	DaysState  *st;

	(void) kam_agg_context(fcinfo, "kam.tier_days_deserialize", DAYS_HINT);
	if (len < sizeof(head) + sizeof(int64))
		elog(ERROR, "invalid kam.tier_days state");
	memcpy(head, p, sizeof(head));
	p += sizeof(head);
	memcpy(&n, p, sizeof(int64));
	p += sizeof(int64);
	if (n < 0 || n > (int64) len || len != sizeof(head) + sizeof(int64) + sizeof(int32) * (Size) n ||
		DATE_NOT_FINITE(head[0]) || !IS_VALID_DATE(head[0] + 1) ||
		head[0] < DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE + 4000 ||
		head[1] < 0 || head[1] > 40 || head[2] < 0 || head[2] >= KAM_N_PERIODS ||
		head[3] < 0 || head[3] > 1)
		elog(ERROR, "invalid kam.tier_days state");
	st = days_new(CurrentMemoryContext, head[0], (KamPeriod) head[2], head[1]);
	st->minus_infinity = head[3];
	st->cap = Max(n, 1);
	st->days = repalloc_huge(st->days, sizeof(int32) * st->cap);
	memcpy(st->days, p, sizeof(int32) * n);
	st->n = n;
	for (i = 0; i < n; i++)
		if (st->days[i] > st->as_of || st->days[i] < DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE)
			elog(ERROR, "invalid kam.tier_days state");
	PG_RETURN_POINTER(st);
}

#define ST_SORT sort_days
#define ST_ELEMENT_TYPE int32
#define ST_COMPARE(a, b) ((*(a) > *(b)) - (*(a) < *(b)))
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

PG_FUNCTION_INFO_V1(kam_tier_days_final);

Datum
kam_tier_days_final(PG_FUNCTION_ARGS)
{
	DaysState  *st;
	DateADT		win_start;
	DateADT	   *qb;				/* starts of the quarters `quarters` .. 1, then as_of + 1 */
	int64		periods,
				days = 0,
				qmask = 0,
				i;
	int32		last_period = 0;
	bool		have_period = false;
	int32		last_day = 0;
	int32		q;
	Datum		elems[4];
	bool		nulls[4] = {false, false, false, true};
	int			dims[1] = {4};
	int			lbs[1] = {1};

	(void) kam_agg_context(fcinfo, "kam.tier_days_final", DAYS_HINT);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (DaysState *) PG_GETARG_POINTER(0);
	sort_days(st->days, st->n);
	win_start = minus_months(st->as_of + 1, 12);
	qb = palloc(sizeof(DateADT) * (st->quarters + 1));
	for (q = st->quarters; q >= 0; q--)
		qb[st->quarters - q] = minus_months(st->as_of + 1, 3 * q);

	periods = st->minus_infinity ? 1 : 0;
	for (i = 0; i < st->n; i++)
	{
		int32		d = st->days[i];
		int32		b;

		if (i > 0 && d == st->days[i - 1])
			continue;
		/* the days are sorted, so a new period starts where the index changes */
		if (!have_period || kam_period_of_day(d, st->period) != last_period)
		{
			periods++;
			last_period = kam_period_of_day(d, st->period);
			have_period = true;
		}
		if (d >= win_start)
		{
			days++;
			last_day = d;
		}
		/* b = width_bucket(d, qb): the number of boundaries <= d */
		for (b = 0; b <= st->quarters && qb[b] <= d; b++)
			;
		if (b > 0)
			qmask |= INT64CONST(1) << (st->quarters - b);
	}
	elems[0] = Int64GetDatum(periods);
	elems[1] = Int64GetDatum(qmask);
	elems[2] = Int64GetDatum(days);
	if (days > 0)
	{
		elems[3] = Int64GetDatum((int64) st->as_of - last_day);
		nulls[3] = false;
	}
	else
		elems[3] = (Datum) 0;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, nulls, 1, dims, lbs, INT8OID,
											 sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* ------------------------------------------------------------------------
 * kam.policy_tier(revenue_12m, share_above, share_cutoff[], min_revenue[])
 *
 * The position (1-based) of a customer's tier in the policy arrays (in rank,
 * tier order): the first row whose rules it meets, with positive revenue;
 * NULL for none.  A rule is met as the SQL comparison is true, so a NULL
 * share_above meets no share rule.  The arrays are parsed once per call site.
 * ------------------------------------------------------------------------
 */
typedef struct PolicyCache
{
	struct varlena *cut_arg;	/* the arguments the arrays were read from */
	struct varlena *min_arg;
	int32		npol;
	double	   *cut;			/* NaN: no share rule */
	double	   *minrev;			/* NaN: no revenue rule */
} PolicyCache;

/* a float8[] policy array, NULL elements as NaN, in cxt */
static double *
policy_array(MemoryContext cxt, ArrayType *arr, int *n)
{
	Datum	   *d;
	bool	   *nulls;
	double	   *out;
	int			i;

	if (ARR_NDIM(arr) > 1 || ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the policy arrays of kam.policy_tier must be one-dimensional float8 arrays"),
				 errhint("Pass share_cutoff and min_revenue of kam.tier_policy, each as array_agg(... ORDER BY rank, tier).")));
	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &d, &nulls, n);
	out = MemoryContextAlloc(cxt, sizeof(double) * Max(*n, 1));
	for (i = 0; i < *n; i++)
		out[i] = nulls[i] ? get_float8_nan() : DatumGetFloat8(d[i]);
	return out;
}

PG_FUNCTION_INFO_V1(kam_policy_tier);

Datum
kam_policy_tier(PG_FUNCTION_ARGS)
{
	PolicyCache *c = (PolicyCache *) fcinfo->flinfo->fn_extra;
	double		v,
				share;
	bool		share_null;
	int32		p;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	v = PG_GETARG_FLOAT8(0);
	if (!(v > 0))
		PG_RETURN_NULL();
	if (c == NULL || !arg_same(PG_GETARG_DATUM(2), c->cut_arg) ||
		!arg_same(PG_GETARG_DATUM(3), c->min_arg))
	{
		MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
		int			ncut,
					nmin;

		if (c == NULL)
			c = fcinfo->flinfo->fn_extra = MemoryContextAllocZero(cxt, sizeof(PolicyCache));
		c->cut = policy_array(cxt, PG_GETARG_ARRAYTYPE_P(2), &ncut);
		c->minrev = policy_array(cxt, PG_GETARG_ARRAYTYPE_P(3), &nmin);
		if (ncut != nmin)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("share_cutoff and min_revenue of kam.policy_tier must have the same length, got %d and %d",
							ncut, nmin),
					 errhint("Pass share_cutoff and min_revenue of kam.tier_policy, each as array_agg(... ORDER BY rank, tier).")));
		c->npol = ncut;
		c->cut_arg = arg_copy(cxt, PG_GETARG_DATUM(2));
		c->min_arg = arg_copy(cxt, PG_GETARG_DATUM(3));
	}
	share_null = PG_ARGISNULL(1);
	share = share_null ? 0 : PG_GETARG_FLOAT8(1);
	for (p = 0; p < c->npol; p++)
	{
		/* NaN compares false, as NULL does in SQL, except that NaN > everything there */
		if (!isnan(c->cut[p]) && (share_null || !(float8_lt(share, c->cut[p]))))
			continue;
		if (!isnan(c->minrev[p]) && !float8_ge(v, c->minrev[p]))
			continue;
		PG_RETURN_INT32(p + 1);
	}
	PG_RETURN_NULL();
}
