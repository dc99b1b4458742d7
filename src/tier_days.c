/*
 * tier_days.c -- the purchase-day inputs of kam.customer_tier (frequency,
 * recency, loyalty quarters) and the loyalty stage they reach
 */
#include "kam.h"
#include "period.h"
#include "tier.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "port/pg_bitutils.h"
#include "utils/datetime.h"

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
PG_FUNCTION_INFO_V1(kam_tier_days_trans_ts);

/*
 * transition: (state, ordered_at, as_of date, period text, quarters int4),
 * ordered_at of the time type timetype (a constant at each entry point below)
 */
static pg_attribute_always_inline Datum
tier_days_add(FunctionCallInfo fcinfo, KamTimeType timetype)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, "kam.tier_days_trans", DAYS_HINT);
	DaysState  *st = PG_ARGISNULL(0) ? NULL : (DaysState *) PG_GETARG_POINTER(0);
	int64		ts;
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
	/* timestamp and timestamptz: the same int64 representation of infinity */
	ts = PG_GETARG_INT64(1);
	if (TIMESTAMP_IS_NOBEGIN(ts))
	{
		st->minus_infinity = true;
		PG_RETURN_POINTER(st);
	}
	if (TIMESTAMP_IS_NOEND(ts))
		PG_RETURN_POINTER(st);
	day = kam_day_arg(fcinfo, 1, timetype, "ordered_at", &st->cache);
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

/* ordered_at timestamptz: days in the session time zone */
Datum
kam_tier_days_trans(PG_FUNCTION_ARGS)
{
	return tier_days_add(fcinfo, KAM_TIMESTAMPTZ);
}

/* ordered_at timestamp (local times, e.g. ordered_at AT TIME ZONE zone): days as they are */
Datum
kam_tier_days_trans_ts(PG_FUNCTION_ARGS)
{
	return tier_days_add(fcinfo, KAM_TIMESTAMP);
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
 * kam.loyalty_stage(periods, qmask, min_purchase_periods[],
 *					 min_active_quarters[], of_last_quarters[]) -> int4
 *
 * The loyalty stage of a customer from kam.tier_days' periods and quarter
 * mask: the arrays hold the ladder's rungs in (rank, stage) order (NULL
 * element: no such rule), the customer climbs while it meets each rung, and
 * the result is the position (1-based) of the last rung met, NULL for none.
 * A rung is met when periods >= min_purchase_periods and at least
 * min_active_quarters of the latest of_last_quarters bits of qmask are set.
 * The arrays are parsed once per call site.
 * ------------------------------------------------------------------------
 */
typedef struct LadderCache
{
	struct varlena *arg[3];		/* the arguments the rungs were read from */
	int			n;
	int32	   *min_periods;	/* -1: no rule */
	int32	   *min_quarters;	/* -1: no rule */
	uint64	   *mask;			/* the latest of_last_quarters bits */
} LadderCache;

/* an int4[] ladder array, NULL elements as -1, in cxt */
static int32 *
ladder_array(MemoryContext cxt, ArrayType *arr, int *n)
{
	Datum	   *d;
	bool	   *nulls;
	int32	   *out;
	int			i;

	if (ARR_NDIM(arr) > 1 || ARR_ELEMTYPE(arr) != INT4OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the ladder arrays of kam.loyalty_stage must be one-dimensional integer arrays"),
				 errhint("Pass the columns of kam.loyalty_ladder, each as array_agg(... ORDER BY rank, stage).")));
	deconstruct_array(arr, INT4OID, sizeof(int32), true, TYPALIGN_INT, &d, &nulls, n);
	out = MemoryContextAlloc(cxt, sizeof(int32) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		out[i] = nulls[i] ? -1 : DatumGetInt32(d[i]);
		if (!nulls[i] && out[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the ladder arrays of kam.loyalty_stage must not hold negative numbers, got %d", out[i]),
					 errhint("Pass the columns of kam.loyalty_ladder, each as array_agg(... ORDER BY rank, stage).")));
	}
	return out;
}

static LadderCache *
ladder_cache(FunctionCallInfo fcinfo)
{
	LadderCache *c = (LadderCache *) fcinfo->flinfo->fn_extra;
	MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
	int32	   *last;
	int			n[3],
				i;

	if (c != NULL && arg_same(PG_GETARG_DATUM(2), c->arg[0]) &&
		arg_same(PG_GETARG_DATUM(3), c->arg[1]) && arg_same(PG_GETARG_DATUM(4), c->arg[2]))
		return c;
	if (c == NULL)
		c = fcinfo->flinfo->fn_extra = MemoryContextAllocZero(cxt, sizeof(LadderCache));
	c->min_periods = ladder_array(cxt, PG_GETARG_ARRAYTYPE_P(2), &n[0]);
	c->min_quarters = ladder_array(cxt, PG_GETARG_ARRAYTYPE_P(3), &n[1]);
	last = ladder_array(cxt, PG_GETARG_ARRAYTYPE_P(4), &n[2]);
	if (n[0] != n[1] || n[0] != n[2])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the ladder arrays of kam.loyalty_stage must have the same length, got %d, %d and %d",
						n[0], n[1], n[2]),
				 errhint("Pass the columns of kam.loyalty_ladder, each as array_agg(... ORDER BY rank, stage).")));
	c->n = n[0];
	c->mask = MemoryContextAlloc(cxt, sizeof(uint64) * Max(c->n, 1));
	for (i = 0; i < c->n; i++)
	{
		if ((c->min_quarters[i] < 0) != (last[i] < 0) || last[i] > 63 ||
			(last[i] >= 0 && c->min_quarters[i] > last[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("min_active_quarters and of_last_quarters of kam.loyalty_stage do not fit in rung %d", i + 1),
					 errdetail("Both must be NULL, or 0 <= min_active_quarters <= of_last_quarters <= 63."),
					 errhint("Pass the columns of kam.loyalty_ladder, each as array_agg(... ORDER BY rank, stage).")));
		c->mask[i] = last[i] < 0 ? 0 : (((uint64) 1) << last[i]) - 1;
	}
	for (i = 0; i < 3; i++)
		c->arg[i] = arg_copy(cxt, PG_GETARG_DATUM(2 + i));
	return c;
}

PG_FUNCTION_INFO_V1(kam_loyalty_stage);

Datum
kam_loyalty_stage(PG_FUNCTION_ARGS)
{
	LadderCache *c = ladder_cache(fcinfo);
	int64		periods = PG_GETARG_INT64(0);
	uint64		qmask = (uint64) PG_GETARG_INT64(1);
	int			i;

	for (i = 0; i < c->n; i++)
	{
		if (c->min_periods[i] >= 0 && periods < c->min_periods[i])
			break;
		if (c->min_quarters[i] >= 0 && pg_popcount64(qmask & c->mask[i]) < c->min_quarters[i])
			break;
	}
	if (i == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(i);
}
