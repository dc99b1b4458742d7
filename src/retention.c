/*
 * retention.c -- the retention figures computed from kam.activity signatures
 *
 * Each aggregate here walks every customer's signature once and adds it to
 * per-period counters (definitions in doc/retention.md):
 *
 *	kam.activity_summary(activity, ...)           one customer's status
 *	kam.retention_periods(activity, churn_after)  customer movements, revenue
 *		movements, GRR and NRR per period
 *	kam.trailing_retention(activity, window)      trailing-window GRR and NRR
 *
 * All revenue sums are exact, so the results do not depend on row order or
 * parallelism.  Cohorts are in cohort.c.
 */
#include "activity.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

PG_FUNCTION_INFO_V1(kam_activity_summary);
PG_FUNCTION_INFO_V1(kam_retention_add);
PG_FUNCTION_INFO_V1(kam_retention_combine);
PG_FUNCTION_INFO_V1(kam_period_table_serialize);
PG_FUNCTION_INFO_V1(kam_period_table_deserialize);
PG_FUNCTION_INFO_V1(kam_retention_final);
PG_FUNCTION_INFO_V1(kam_trailing_add);
PG_FUNCTION_INFO_V1(kam_trailing_combine);
PG_FUNCTION_INFO_V1(kam_trailing_final);

/* ------------------------------------------------------------------------
 * Shared helpers for the functions over signatures
 * ------------------------------------------------------------------------
 */
static int32
get_churn_after(FunctionCallInfo fcinfo, int argno)
{
	int32		k;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("churn_after must not be NULL"),
				 errhint("Pass a number of periods of at least 1, e.g. kam.setting('churn_after')::integer.")));
	k = PG_GETARG_INT32(argno);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("churn_after must be at least 1, got %d", k),
				 errhint("A customer counts as lost after churn_after inactive periods in a row.")));
	return k;
}

static int32
get_window(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	int32		w;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", argname),
				 errhint("Pass a number of periods between 1 and 1000.")));
	w = PG_GETARG_INT32(argno);
	if (w < 1 || w > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 1 and 1000, got %d", argname, w),
				 errhint("Pass a number of periods between 1 and 1000.")));
	return w;
}

pg_noinline void
act_too_many_rows(const char *fname, int64 rows)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s would return " INT64_FORMAT " rows, more than the %d it returns at most",
					fname, rows, KAM_MAX_RESULT_ROWS),
			 errdetail("The signatures span too many periods before the as-of date."),
			 errhint("Use a coarser period, e.g. kam.set('period', 'month'), or leave out orders long before the as-of date.")));
}

/* the state's period and as-of date must match every signature's */
void
act_check_same_basis(int32 kind, DateADT as_of, const KamActivity *a)
{
	if (a->kind != kind || a->as_of != as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every kam.activity value must have the same period and as-of date"),
				 errhint("Compute the signatures with the same period and as_of arguments.")));
}

static void
check_same_param(int32 have, int32 got, const char *argname)
{
	if (have != got)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be the same for every row, got %d and %d", argname, have, got),
				 errhint("Pass a constant.")));
}

/* exact revenue of periods [from, to] of a signature */
static KamSum
window_sum(const KamActivity *a, int32 from, int32 to)
{
	KamSum		s = KAM_SUM_ZERO;

	for (int i = 0; i < a->n; i++)
		if (a->e[i].period >= from && a->e[i].period <= to)
			kam_sum_merge(&s, &a->e[i].revenue);
	return s;
}

/* the row type of the array this (final) function returns */
static Oid
result_elemtype(FunctionCallInfo fcinfo)
{
	Oid			elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));

	if (!OidIsValid(elemtype))
		elog(ERROR, "could not determine the result row type");
	return elemtype;
}

TupleDesc
act_result_row_desc(FunctionCallInfo fcinfo)
{
	return BlessTupleDesc(lookup_rowtype_tupdesc_copy(result_elemtype(fcinfo), -1));
}

ArrayType *
act_result_array(FunctionCallInfo fcinfo, Datum *rows, int nrows)
{
	Oid			elemtype = result_elemtype(fcinfo);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return construct_array(rows, nrows, elemtype, typlen, typbyval, typalign);
}

/* ------------------------------------------------------------------------
 * kam.activity_summary(activity, churn_after, shrink_periods, shrink_ratio)
 *   -> kam.retention_customer
 * ------------------------------------------------------------------------
 */
Datum
kam_activity_summary(PG_FUNCTION_ARGS)
{
	KamActivity *a;
	int32		k = get_churn_after(fcinfo, 1);
	int32		w = get_window(fcinfo, 2, "shrink_periods");
	double		ratio;
	int32		P,
				first,
				last;
	bool		live;
	bool		lost_before = false;
	KamSum		recent,
				prior,
				change;
	bool		shrinking;
	TupleDesc	desc;
	Datum		values[8];
	bool		nulls[8] = {0};

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("shrink_ratio must not be NULL"),
				 errhint("Pass a ratio between 0 and 1, e.g. 0.5.")));
	ratio = PG_GETARG_FLOAT8(3);
	if (!(ratio >= 0.0 && ratio <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("shrink_ratio must be between 0 and 1, got %g", ratio),
				 errhint("0.5 flags accounts whose recent revenue fell below half of the revenue before.")));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);
	a = PG_GETARG_ACTIVITY(0);
	P = activity_asof_period(a);
	first = a->e[0].period;
	last = a->e[a->n - 1].period;
	live = ((int64) last >= (int64) P - k + 1);

	for (int i = 1; i < a->n; i++)
		if ((int64) a->e[i].period - a->e[i - 1].period - 1 >= k)
			lost_before = true;
	recent = window_sum(a, P - w + 1, P);
	prior = window_sum(a, P - 2 * w + 1, P - w);
	change = recent;
	kam_sum_sub(&change, &prior);
	shrinking = live && first <= P - 2 * w + 1 && sum_sign(&prior) > 0 &&
		kam_sum_to_double(&recent) < ratio * kam_sum_to_double(&prior);

	values[0] = DateADTGetDatum(kam_period_start(first, (KamPeriod) a->kind));
	values[1] = Int32GetDatum(P - first + 1);
	values[2] = Int32GetDatum(a->n);
	values[3] = DateADTGetDatum(kam_period_start(last, (KamPeriod) a->kind));
	values[4] = CStringGetTextDatum(!live ? "churned" : lost_before ? "reactivated" : "active");
	values[5] = BoolGetDatum(shrinking);
	values[6] = Float8GetDatum(kam_sum_to_double(&change));
	values[7] = Float8GetDatum(kam_sum_to_double(&recent));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* ------------------------------------------------------------------------
 * kam.retention_periods(activity, churn_after) -> kam.retention_period[]
 *
 * Per period p, counters over customers (see doc/retention.md for definitions).
 * A customer is "live" in p when it has ordered in one of the periods
 * p-k+1 .. p (k = churn_after) since its first order.
 * ------------------------------------------------------------------------
 */
typedef struct RetAcc
{
	int64		active;
	int64		new_;
	int64		retained;
	int64		dormant;
	int64		churned;
	int64		reactivated;
	KamSum		revenue;
	KamSum		new_rev;
	KamSum		expansion;
	KamSum		contraction;
	KamSum		churned_rev;
	KamSum		reactivation_rev;
	KamSum		grr_num;		/* sum of min(r_p, r_p-1) over active(p-1) */
	KamSum		nrr_num;		/* sum of r_p over active(p-1) */
} RetAcc;

typedef struct TrailAcc
{
	int64		customers;
	KamSum		start;
	KamSum		end;
	KamSum		kept;			/* sum of min(end, start) */
} TrailAcc;

/*
 * A table of per-period accumulators for periods lo .. P (retention and
 * trailing windows).  Serialized as the header followed by the entries.
 */
typedef struct PeriodTable
{
	int32		kind;
	DateADT		as_of;
	int32		P;				/* as-of period */
	int32		param;			/* churn_after or window */
	int32		lo;				/* period of acc entry 0 */
	int32		minfirst;		/* earliest first period seen */
	int32		len;			/* entries: P - lo + 1 */
	int32		width;			/* bytes per entry */
	const char *param_name;		/* the aggregate, for errors (not serialized) */
	char	   *acc;
} PeriodTable;

#define PT_HEADER offsetof(PeriodTable, param_name)

static PeriodTable *
pt_create(MemoryContext ctx, const KamActivity *a, int32 param, int32 width, const char *fname)
{
	PeriodTable *t = MemoryContextAllocZero(ctx, sizeof(PeriodTable));

	t->kind = a->kind;
	t->as_of = a->as_of;
	t->P = activity_asof_period(a);
	t->param = param;
	t->lo = t->P + 1;
	t->minfirst = t->P + 1;
	t->len = 0;
	t->width = width;
	t->param_name = fname;
	t->acc = NULL;
	return t;
}

/* make room for periods from `first` on */
static void
pt_extend(MemoryContext ctx, PeriodTable *t, int32 first)
{
	int64		need = (int64) t->P - first + 1;
	int64		newlen;
	char	   *acc;

	if (first >= t->lo)
	{
		if (first < t->minfirst)
			t->minfirst = first;
		return;
	}
	/* the result has a row per period from the first one: bound it first */
	if (need > KAM_MAX_RESULT_ROWS)
		act_too_many_rows(t->param_name, need);
	if (first < t->minfirst)
		t->minfirst = first;
	newlen = Max(need, (int64) t->len * 2);
	newlen = Min(newlen, (int64) KAM_MAX_RESULT_ROWS);
	acc = MemoryContextAllocZero(ctx, newlen * t->width);
	if (t->len > 0)
		memcpy(acc + (newlen - t->len) * t->width, t->acc, (Size) t->len * t->width);
	if (t->acc)
		pfree(t->acc);
	t->acc = acc;
	t->len = (int32) newlen;
	t->lo = t->P - t->len + 1;
}

static inline void *
pt_entry(PeriodTable *t, int32 period)
{
	return t->acc + (Size) (period - t->lo) * t->width;
}

static bytea *
pt_serialize(PeriodTable *t)
{
	Size		datalen = (Size) t->len * t->width;
	bytea	   *b = palloc(VARHDRSZ + PT_HEADER + datalen);

	SET_VARSIZE(b, VARHDRSZ + PT_HEADER + datalen);
	memcpy(VARDATA(b), t, PT_HEADER);
	if (datalen)
		memcpy(VARDATA(b) + PT_HEADER, t->acc, datalen);
	return b;
}

static PeriodTable *
pt_deserialize(bytea *b)
{
	PeriodTable *t = palloc(sizeof(PeriodTable));
	Size		datalen;

	memcpy(t, VARDATA(b), PT_HEADER);
	datalen = (Size) t->len * t->width;
	t->param_name = (t->width == sizeof(TrailAcc)) ? "trailing_retention" : "retention_periods";
	t->acc = NULL;
	if (datalen)
	{
		t->acc = palloc(datalen);
		memcpy(t->acc, VARDATA(b) + PT_HEADER, datalen);
	}
	return t;
}

/*
 * The common start of the period-table transitions: the signature in
 * argument 1 (NULL when it is NULL: nothing to add), with the state *t
 * created from the first signature and the basis and parameter checked.
 */
static KamActivity *
pt_transition_start(FunctionCallInfo fcinfo, MemoryContext ctx, PeriodTable **t,
					int32 param, int32 width, const char *argname)
{
	KamActivity *a;

	if (PG_ARGISNULL(1))
		return NULL;
	a = PG_GETARG_ACTIVITY(1);
	if (*t == NULL)
		*t = pt_create(ctx, a, param, width,
					   (width == sizeof(TrailAcc)) ? "trailing_retention" : "retention_periods");
	act_check_same_basis((*t)->kind, (*t)->as_of, a);
	check_same_param((*t)->param, param, argname);
	return a;
}

typedef void (*AccMerge) (void *into, const void *from);

/* merges b into a (both non-NULL) */
static void
pt_combine(MemoryContext ctx, PeriodTable *a, PeriodTable *b, AccMerge merge)
{
	int32		minfirst = Min(a->minfirst, b->minfirst);

	if (a->kind != b->kind || a->as_of != b->as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every kam.activity value must have the same period and as-of date"),
				 errhint("Compute the signatures with the same period and as_of arguments.")));
	if (b->len == 0)
		return;
	/*
	 * b's table may start below its first period (room from growing); extend
	 * a over all of it, but the output starts at the earliest real first
	 * period, not at the room.
	 */
	pt_extend(ctx, a, b->lo);
	a->minfirst = minfirst;
	for (int32 p = b->lo; p <= b->P; p++)
	{
		if (((p - b->lo) & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		merge(pt_entry(a, p), pt_entry(b, p));
	}
}

static PeriodTable *
pt_copy(MemoryContext ctx, PeriodTable *b)
{
	PeriodTable *t = MemoryContextAlloc(ctx, sizeof(PeriodTable));

	memcpy(t, b, sizeof(PeriodTable));
	t->acc = NULL;
	if (b->len > 0)
	{
		t->acc = MemoryContextAlloc(ctx, (Size) b->len * b->width);
		memcpy(t->acc, b->acc, (Size) b->len * b->width);
	}
	return t;
}

static void
ret_merge(void *into, const void *from)
{
	RetAcc	   *a = (RetAcc *) into;
	const RetAcc *b = (const RetAcc *) from;

	a->active += b->active;
	a->new_ += b->new_;
	a->retained += b->retained;
	a->dormant += b->dormant;
	a->churned += b->churned;
	a->reactivated += b->reactivated;
	kam_sum_merge(&a->revenue, &b->revenue);
	kam_sum_merge(&a->new_rev, &b->new_rev);
	kam_sum_merge(&a->expansion, &b->expansion);
	kam_sum_merge(&a->contraction, &b->contraction);
	kam_sum_merge(&a->churned_rev, &b->churned_rev);
	kam_sum_merge(&a->reactivation_rev, &b->reactivation_rev);
	kam_sum_merge(&a->grr_num, &b->grr_num);
	kam_sum_merge(&a->nrr_num, &b->nrr_num);
}

/* one customer's walk through periods first .. P */
static void
ret_walk(PeriodTable *t, const KamActivity *a)
{
	int32		k = t->param;
	int32		first = a->e[0].period;
	int32		last_active = PG_INT32_MIN;
	KamSum		prev_rev = KAM_SUM_ZERO;
	bool		prev_active = false;
	bool		prev_live = false;
	int			j = 0;

	for (int32 p = first; p <= t->P; p++)
	{
		RetAcc	   *acc = (RetAcc *) pt_entry(t, p);
		bool		act = (j < a->n && a->e[j].period == p);
		KamSum		r = act ? a->e[j].revenue : sum_zero;
		bool		live = act || ((int64) last_active >= (int64) p - k + 1);

		if (act)
		{
			acc->active++;
			kam_sum_merge(&acc->revenue, &r);
			if (p == first)
			{
				acc->new_++;
				kam_sum_merge(&acc->new_rev, &r);
			}
			else if (prev_live)
			{
				KamSum		delta = r;

				acc->retained++;
				kam_sum_sub(&delta, &prev_rev);
				if (sum_sign(&delta) >= 0)
					kam_sum_merge(&acc->expansion, &delta);
				else
					kam_sum_sub(&acc->contraction, &delta);
			}
			else
			{
				acc->reactivated++;
				kam_sum_merge(&acc->reactivation_rev, &r);
			}
		}
		else if (prev_live)
		{
			if (live)
			{
				acc->dormant++;
				kam_sum_merge(&acc->contraction, &prev_rev);
			}
			else
			{
				acc->churned++;
				kam_sum_merge(&acc->churned_rev, &prev_rev);
			}
		}
		if (prev_active)
		{
			kam_sum_merge(&acc->grr_num, sum_cmp(&r, &prev_rev) < 0 ? &r : &prev_rev);
			kam_sum_merge(&acc->nrr_num, &r);
		}
		if (act)
		{
			last_active = p;
			j++;
		}
		else if (!prev_live)
		{
			/* lost: nothing to count until the next active period */
			if (j == a->n)
				break;
			p = a->e[j].period - 1;
			continue;
		}
		prev_rev = r;
		prev_active = act;
		prev_live = live;
	}
}

Datum
kam_retention_add(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = kam_agg_context(fcinfo, "kam_retention_add", NULL);
	PeriodTable *t = PG_ARGISNULL(0) ? NULL : (PeriodTable *) PG_GETARG_POINTER(0);
	int32		k = get_churn_after(fcinfo, 2);
	KamActivity *a;

	a = pt_transition_start(fcinfo, ctx, &t, k, sizeof(RetAcc), "churn_after");
	if (a == NULL)
	{
		if (t == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(t);
	}
	pt_extend(ctx, t, a->e[0].period);
	ret_walk(t, a);
	PG_RETURN_POINTER(t);
}

/* combine for the three period-table aggregates (not strict) */
static Datum
pt_combine_fn(FunctionCallInfo fcinfo, AccMerge merge, const char *argname)
{
	MemoryContext ctx = kam_agg_context(fcinfo, "kam period table combine", NULL);
	PeriodTable *a = PG_ARGISNULL(0) ? NULL : (PeriodTable *) PG_GETARG_POINTER(0);
	PeriodTable *b = PG_ARGISNULL(1) ? NULL : (PeriodTable *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		PG_RETURN_POINTER(pt_copy(ctx, b));
	check_same_param(a->param, b->param, argname);
	pt_combine(ctx, a, b, merge);
	PG_RETURN_POINTER(a);
}

Datum
kam_retention_combine(PG_FUNCTION_ARGS)
{
	return pt_combine_fn(fcinfo, ret_merge, "churn_after");
}

/* serialize / deserialize of both period-table aggregates (retention, trailing) */
Datum
kam_period_table_serialize(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(pt_serialize((PeriodTable *) PG_GETARG_POINTER(0)));
}

Datum
kam_period_table_deserialize(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(pt_deserialize(PG_GETARG_BYTEA_PP(0)));
}

#define RET_COLS 20

Datum
kam_retention_final(PG_FUNCTION_ARGS)
{
	PeriodTable *t;
	TupleDesc	desc;
	Datum	   *rows;
	int			nrows = 0;
	const RetAcc *prev = NULL;

	kam_agg_context(fcinfo, "kam_retention_final", NULL);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	t = (PeriodTable *) PG_GETARG_POINTER(0);
	desc = act_result_row_desc(fcinfo);
	rows = palloc((Size) (t->P - t->minfirst + 1) * sizeof(Datum));
	for (int32 p = t->minfirst; p <= t->P; p++)
	{
		const RetAcc *c = (const RetAcc *) pt_entry(t, p);
		Datum		v[RET_COLS];
		bool		n[RET_COLS] = {0};
		int64		base = c->retained + c->dormant + c->churned;
		KamSum		start = prev ? prev->revenue : sum_zero;
		double		start_d = kam_sum_to_double(&start);

		CHECK_FOR_INTERRUPTS();
		v[0] = DateADTGetDatum(kam_period_start(p, (KamPeriod) t->kind));
		v[1] = Int64GetDatum(c->active);
		v[2] = Int64GetDatum(c->new_);
		v[3] = Int64GetDatum(c->retained);
		v[4] = Int64GetDatum(c->dormant);
		v[5] = Int64GetDatum(c->churned);
		v[6] = Int64GetDatum(c->reactivated);
		v[7] = Int64GetDatum(base);
		v[8] = ratio_or_null((double) c->churned, (double) base, &n[8]);
		v[9] = ratio_or_null((double) c->retained, (double) base, &n[9]);
		v[10] = Float8GetDatum(kam_sum_to_double(&c->revenue));
		v[11] = Float8GetDatum(start_d);
		v[12] = Float8GetDatum(kam_sum_to_double(&c->new_rev));
		v[13] = Float8GetDatum(kam_sum_to_double(&c->expansion));
		v[14] = Float8GetDatum(kam_sum_to_double(&c->contraction));
		v[15] = Float8GetDatum(kam_sum_to_double(&c->churned_rev));
		v[16] = Float8GetDatum(kam_sum_to_double(&c->reactivation_rev));
		v[17] = Float8GetDatum(kam_sum_to_double(&c->revenue));
		/* the denominator of GRR and NRR is the revenue of p-1 (= start) */
		v[18] = ratio_or_null(kam_sum_to_double(&c->grr_num), start_d, &n[18]);
		v[19] = ratio_or_null(kam_sum_to_double(&c->nrr_num), start_d, &n[19]);
		rows[nrows++] = HeapTupleGetDatum(heap_form_tuple(desc, v, n));
		prev = c;
	}
	PG_RETURN_ARRAYTYPE_P(act_result_array(fcinfo, rows, nrows));
}

/* ------------------------------------------------------------------------
 * kam.trailing_retention(activity, window) -> kam.trailing_period[]
 *
 * For each period m: the customers with positive revenue in the earlier
 * window (periods m-2w+1 .. m-w), their revenue there and in the later
 * window (m-w+1 .. m), and the sum of the smaller of the two.
 * ------------------------------------------------------------------------
 */

static void
trail_merge(void *into, const void *from)
{
	TrailAcc   *a = (TrailAcc *) into;
	const TrailAcc *b = (const TrailAcc *) from;

	a->customers += b->customers;
	kam_sum_merge(&a->start, &b->start);
	kam_sum_merge(&a->end, &b->end);
	kam_sum_merge(&a->kept, &b->kept);
}

Datum
kam_trailing_add(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = kam_agg_context(fcinfo, "kam_trailing_add", NULL);
	PeriodTable *t = PG_ARGISNULL(0) ? NULL : (PeriodTable *) PG_GETARG_POINTER(0);
	int32		w = get_window(fcinfo, 2, "window_periods");
	KamActivity *a;
	int32		first,
				last,
				until;
	KamSum	   *cum;

	a = pt_transition_start(fcinfo, ctx, &t, w, sizeof(TrailAcc), "window_periods");
	if (a == NULL)
	{
		if (t == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(t);
	}
	first = a->e[0].period;
	last = a->e[a->n - 1].period;
	pt_extend(ctx, t, first);

	/* cum[i] = revenue of periods first .. first+i-1 */
	cum = palloc((Size) (last - first + 2) * sizeof(KamSum));
	cum[0] = sum_zero;
	for (int32 i = 0, j = 0; i <= last - first; i++)
	{
		cum[i + 1] = cum[i];
		if (a->e[j].period == first + i)
			kam_sum_merge(&cum[i + 1], &a->e[j++].revenue);
	}
#define CUM(p) cum[Max(Min((p), last) - first + 1, 0)]
	until = (int32) Min((int64) t->P, (int64) last + 2 * w - 1);
	for (int32 m = first + w; m <= until; m++)
	{
		TrailAcc   *acc = (TrailAcc *) pt_entry(t, m);
		KamSum		before = CUM(m - w);
		KamSum		after = CUM(m);

		kam_sum_sub(&before, &CUM(m - 2 * w));
		kam_sum_sub(&after, &CUM(m - w));
		if (sum_sign(&before) <= 0)
			continue;
		acc->customers++;
		kam_sum_merge(&acc->start, &before);
		kam_sum_merge(&acc->end, &after);
		kam_sum_merge(&acc->kept, sum_cmp(&after, &before) < 0 ? &after : &before);
	}
#undef CUM
	pfree(cum);
	PG_RETURN_POINTER(t);
}

Datum
kam_trailing_combine(PG_FUNCTION_ARGS)
{
	return pt_combine_fn(fcinfo, trail_merge, "window_periods");
}

Datum
kam_trailing_final(PG_FUNCTION_ARGS)
{
	PeriodTable *t;
	TupleDesc	desc;
	Datum	   *rows;
	int			nrows = 0;
	int64		from;

	kam_agg_context(fcinfo, "kam_trailing_final", NULL);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	t = (PeriodTable *) PG_GETARG_POINTER(0);
	desc = act_result_row_desc(fcinfo);
	/* only periods whose two windows both lie after the first order */
	from = (int64) t->minfirst + 2 * t->param - 1;
	rows = palloc(sizeof(Datum) * (Size) Max((int64) t->P - from + 1, 1));
	for (int64 p = from; p <= t->P; p++)
	{
		const TrailAcc *c = (const TrailAcc *) pt_entry(t, (int32) p);
		Datum		v[6];
		bool		n[6] = {0};
		double		start = kam_sum_to_double(&c->start);

		CHECK_FOR_INTERRUPTS();
		v[0] = DateADTGetDatum(kam_period_start((int32) p, (KamPeriod) t->kind));
		v[1] = Int64GetDatum(c->customers);
		v[2] = Float8GetDatum(start);
		v[3] = Float8GetDatum(kam_sum_to_double(&c->end));
		v[4] = ratio_or_null(kam_sum_to_double(&c->kept), start, &n[4]);
		v[5] = ratio_or_null(kam_sum_to_double(&c->end), start, &n[5]);
		rows[nrows++] = HeapTupleGetDatum(heap_form_tuple(desc, v, n));
	}
	PG_RETURN_ARRAYTYPE_P(act_result_array(fcinfo, rows, nrows));
}
