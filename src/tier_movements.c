/*
 * tier_movements.c -- the tier movements between consecutive period ends,
 * and a customer's policy tier
 *
 *	kam.tier_movements(revenue_12m float8[], share_cutoff float8[],
 *					   min_revenue float8[], tier_rank int4[]) -> int8[][]
 *		over customers: per end, how many customers' policy tier went up
 *		(row 1) or down (row 2) from the previous end;
 *	kam.policy_tier(revenue_12m, share_above, share_cutoff[], min_revenue[])
 *		one customer's tier at one end.
 *
 * The aggregate stores every customer's vector (kam.revenue_12m, see
 * tier_revenue.c) and, in its final function,
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
#include "neumaier.h"
#include "tier.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

#define MOVE_HINT "Use kam.tier_movements(revenue_12m, share_cutoff, min_revenue, tier_rank)."

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
