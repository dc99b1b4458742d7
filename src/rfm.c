/*
 * rfm.c -- kam.rfm: the per-customer purchase summary as one aggregate
 *
 * Semantics of lifetimes' summary_data_from_transaction_data: timestamps and
 * the as-of date are floored to their period; rows whose period is after the
 * as-of period are left out; rows of one period collapse to one purchase.
 *   frequency = distinct purchase periods - 1
 *   recency   = last purchase period - first purchase period
 *   t         = as-of period - first purchase period
 *   monetary  = exact sum of the amounts of the repeat periods / frequency
 *               (0 when frequency = 0)
 *
 * The transition state (kam.rfm_state, see rfm.h) is updated in place inside
 * the aggregate context; when it must grow, a larger copy is returned and the
 * executor moves it into the aggregate context.  Combining merges two sorted
 * period lists, so any split of a customer's rows (parallel workers, shards,
 * stored roll-ups) gives exactly the same summary.
 *
 * kam.rfm itself keeps the same as-of layout as an internal state (the
 * kam_rfm_agg_* functions): allocated in the aggregate context and grown
 * there with repalloc, so a growing state is neither copied twice nor checked
 * for toasting on every row; for parallel query it travels as the bytes of a
 * kam.rfm_state without spare room.  The kam.rfm_state-typed transition and
 * final functions (kam.rfm_accum, kam.rfm_final) stay for stored as-of states.
 */
#include "rfm.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(kam_rfm_accum_tz);
PG_FUNCTION_INFO_V1(kam_rfm_accum_ts);
PG_FUNCTION_INFO_V1(kam_rfm_accum_date);
PG_FUNCTION_INFO_V1(kam_rfm_agg_accum_tz);
PG_FUNCTION_INFO_V1(kam_rfm_agg_accum_ts);
PG_FUNCTION_INFO_V1(kam_rfm_agg_accum_date);
PG_FUNCTION_INFO_V1(kam_rfm_agg_combine);
PG_FUNCTION_INFO_V1(kam_rfm_agg_serialize);
PG_FUNCTION_INFO_V1(kam_rfm_agg_deserialize);
PG_FUNCTION_INFO_V1(kam_rfm_agg_final);
PG_FUNCTION_INFO_V1(kam_rfm_state_accum_tz);
PG_FUNCTION_INFO_V1(kam_rfm_state_accum_ts);
PG_FUNCTION_INFO_V1(kam_rfm_state_accum_date);
PG_FUNCTION_INFO_V1(kam_rfm_combine);
PG_FUNCTION_INFO_V1(kam_rfm_final);
PG_FUNCTION_INFO_V1(kam_rfm_state_final);
PG_FUNCTION_INFO_V1(kam_rfm_summary_tz);
PG_FUNCTION_INFO_V1(kam_rfm_summary_ts);
PG_FUNCTION_INFO_V1(kam_rfm_summary_date);

static int32
period_of(int64 v, KamTimeType timetype, KamPeriod p, const char *argname)
{
	switch (timetype)
	{
		case KAM_TIMESTAMPTZ:
			return kam_period_of_timestamptz((TimestampTz) v, p, argname);
		case KAM_TIMESTAMP:
			return kam_period_of_timestamp((Timestamp) v, p, argname);
		default:
			return kam_period_of_date((DateADT) v, p, argname);
	}
}

/* argument n as a 64-bit time value; dates become timestamps at midnight */
static int64
time_arg(FunctionCallInfo fcinfo, int n, KamTimeType timetype)
{
	if (timetype == KAM_DATE)
	{
		DateADT		d = PG_GETARG_DATEADT(n);

		if (DATE_NOT_FINITE(d))
			return d < 0 ? DT_NOBEGIN : DT_NOEND;
		/* a state keeps timestamps: a later date would overflow one */
		if (d > (END_TIMESTAMP - 1) / USECS_PER_DAY)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("%s is out of range for kam.rfm_state: %s", n == 1 ? "ordered_at" : "as_of",
							DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(d)))),
					 errhint("kam.rfm_state keeps timestamps, which end in 294276 AD; leave out later dates.")));
		return (int64) d * USECS_PER_DAY;
	}
	return PG_GETARG_INT64(n);
}

/* Period of argument n, without any cache (as_of, once per group or call). */
static int32
time_period(FunctionCallInfo fcinfo, int n, KamTimeType timetype, KamPeriod p, const char *argname)
{
	if (timetype == KAM_DATE)
		return kam_period_of_date(PG_GETARG_DATEADT(n), p, argname);
	return period_of(PG_GETARG_INT64(n), timetype, p, argname);
}

/* fn_extra of the transition functions */
typedef struct RfmCallCache
{
	KamPeriodCache rows;		/* the order timestamps' local days */
	int32		as_of_period;	/* the period index of as_of */
	int32		period;			/* in this KamPeriod */
	int64		as_of;			/* of this as_of argument */
	const void *as_of_tz;		/* in this session time zone (NULL: none yet) */
} RfmCallCache;

static inline RfmCallCache *
call_cache(FunctionCallInfo fcinfo)
{
	if (unlikely(fcinfo->flinfo->fn_extra == NULL))
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RfmCallCache));
	return (RfmCallCache *) fcinfo->flinfo->fn_extra;
}

/* the period of the order timestamp (argument 1) */
static pg_attribute_always_inline int32
row_period(FunctionCallInfo fcinfo, KamTimeType timetype, KamPeriod p, KamPeriodCache *cache)
{
	return kam_period_of_day(kam_day_arg(fcinfo, 1, timetype, "ordered_at", cache), p);
}

/* the period of as_of (argument 3): computed once per call site, not per group */
static int32
as_of_period(FunctionCallInfo fcinfo, KamTimeType timetype, KamPeriod p, int64 as_of, RfmCallCache *cache)
{
	if (cache->as_of_tz != (const void *) session_timezone || cache->as_of != as_of ||
		cache->period != (int32) p)
	{
		cache->as_of_period = time_period(fcinfo, 3, timetype, p, "as_of");
		cache->as_of = as_of;
		cache->period = (int32) p;
		cache->as_of_tz = session_timezone;
	}
	return cache->as_of_period;
}

/*
 * The period argument, checked against the state's when there is one.  The
 * common case (same text every row) is a byte comparison, not a parse.
 */
static pg_noinline KamPeriod
period_text_arg(FunctionCallInfo fcinfo, int n, RfmCommon *s)
{
	text	   *t;
	KamPeriod	p;

	if (n >= PG_NARGS())
		p = KAM_PERIOD_DAY;
	else
	{
		if (PG_ARGISNULL(n))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("period must not be NULL"),
					 errhint("Use 'day', 'week' or 'month'.")));
		t = PG_GETARG_TEXT_PP(n);
		if (s != NULL)
		{
			const char *name = kam_period_name((KamPeriod) s->period);

			if (VARSIZE_ANY_EXHDR(t) == strlen(name) &&
				memcmp(VARDATA_ANY(t), name, strlen(name)) == 0)
				return (KamPeriod) s->period;
		}
		p = kam_period_from_text(t, "period");
	}
	if (s != NULL && p != (KamPeriod) s->period)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period changed within one group, from %s to %s",
						kam_period_name((KamPeriod) s->period), kam_period_name(p)),
				 errhint("Pass the same period for every row of a group.")));
	return p;
}

/* the period argument n, or day when the aggregate has none (inline: runs per row) */
static inline KamPeriod
period_arg(FunctionCallInfo fcinfo, int n, RfmCommon *s)
{
	if (n >= PG_NARGS() && (s == NULL || s->period == KAM_PERIOD_DAY))
		return KAM_PERIOD_DAY;
	return period_text_arg(fcinfo, n, s);
}

static pg_noinline void
too_many_orders(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("more than 2147483647 orders in one purchase period")));
}

/*
 * The capacity to grow a state of n elements to: up to 8 kB, what fills the
 * next power-of-two allocation exactly (the allocator rounds requests up to
 * one anyway); beyond, 1.5 times more.
 */
static int32
grown_capacity(Size header, Size element, int32 n, int32 max)
{
	Size		want = header + (Size) (n + 1) * element;
	Size		size = 128;

	if (n >= max)
		rfm_too_many_periods();
	if (want > 8192)
		return (n > max / 3 * 2) ? max : n + n / 2;
	while (size < want)
		size *= 2;
	return (int32) ((size - header) / element);
}

/* copies of a state with room for cap periods, in the current memory context */
static RfmState *
rfm_copy(const RfmState *s, int32 cap)
{
	RfmState   *c = rfm_alloc(cap, (KamPeriod) s->c.period, s->c.flags);

	c->c.n = s->c.n;
	c->first_ts = s->first_ts;
	memcpy(c->entries, s->entries, (Size) s->c.n * sizeof(RfmEntry));
	return c;
}

static RfmAsOfState *
rfma_copy(const RfmAsOfState *s, int32 cap)
{
	RfmAsOfState *c = rfma_alloc(cap, (KamPeriod) s->c.period, s->c.flags);

	memcpy((char *) c + sizeof(int32), (const char *) s + sizeof(int32), RFMA_HDRSZ - sizeof(int32));
	memcpy(c->periods, s->periods, (Size) s->c.n * sizeof(int32));
	return c;
}

static RfmCommon *
copy_state(const RfmCommon *c, int32 extra)
{
	if (RFM_IS_AS_OF(c))
		return &rfma_copy((const RfmAsOfState *) c, c->n + extra)->c;
	return &rfm_copy((const RfmState *) c, c->n + extra)->c;
}

/*
 * index of the first element >= period in a sorted run of distinct int32s
 * (stride in bytes)
 */
static inline int32
lower_bound(const char *base, Size stride, int32 n, int32 period)
{
	int32		lo = 0,
				hi = n,
				last;

	/* rows mostly come in time order: try the end first (same or a later period) */
	if (n == 0)
		return 0;
	last = *(const int32 *) (base + (n - 1) * stride);
	if (last <= period)
		return (last == period) ? n - 1 : n;
	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (*(const int32 *) (base + mid * stride) < period)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Adds one row to a roll-up state; returns the state, which moved if it grew. */
static RfmState *
rfm_add(RfmState *s, int32 period, int64 ts, double amount)
{
	int32		n = s->c.n;
	int32		i = lower_bound((const char *) s->entries, sizeof(RfmEntry), n, period);
	RfmEntry   *e;

	if (i == n || s->entries[i].period != period)
	{
		if (n == RFM_CAP(s))
			s = rfm_copy(s, grown_capacity(RFM_HDRSZ, sizeof(RfmEntry), n, RFM_MAX_ENTRIES));
		if (i < n)
			memmove(&s->entries[i + 1], &s->entries[i], (Size) (n - i) * sizeof(RfmEntry));
		e = &s->entries[i];
		memset(e, 0, sizeof(RfmEntry));
		e->period = period;
		e->last_ts = ts;
		s->c.n++;
		if (n == 0)
			s->first_ts = ts;
	}
	e = &s->entries[i];
	if (ts > e->last_ts)
		e->last_ts = ts;
	if (ts < s->first_ts)
		s->first_ts = ts;
	if (unlikely(e->orders == PG_INT32_MAX))
		too_many_orders();
	e->orders++;
	kam_sum_add(&e->amount, amount, "amount");
	return s;
}

/* an internal as-of state with room for cap periods, grown where it is */
static RfmAsOfState *
rfma_resize(RfmAsOfState *s, int32 cap)
{
	s = repalloc(s, RFMA_SIZE(cap));
	SET_VARSIZE(s, RFMA_SIZE(cap));
	return s;
}

/*
 * Adds one row to an as-of state; returns the state, which moved if it grew
 * (internal: in its own memory context, else a copy in the current one).
 */
static pg_attribute_always_inline RfmAsOfState *
rfma_add(RfmAsOfState *s, int32 period, int64 ts, double amount, bool internal)
{
	int32		n = s->c.n;
	int32		i = lower_bound((const char *) s->periods, sizeof(int32), n, period);

	if (i == n || s->periods[i] != period)
	{
		if (n == RFMA_CAP(s))
		{
			int32		cap = grown_capacity(RFMA_HDRSZ, sizeof(int32), n, RFMA_MAX_PERIODS);

			s = internal ? rfma_resize(s, cap) : rfma_copy(s, cap);
		}
		if (i < n)
			memmove(&s->periods[i + 1], &s->periods[i], (Size) (n - i) * sizeof(int32));
		s->periods[i] = period;
		s->c.n++;
		if (n == 0)
			s->first_ts = s->last_ts = ts;
		if (i == 0)
			memset(&s->first_sum, 0, sizeof(KamSum));	/* a new first period */
	}
	if (ts < s->first_ts)
		s->first_ts = ts;
	if (ts > s->last_ts)
		s->last_ts = ts;
	s->orders++;
	kam_sum_add(&s->total, amount, "amount");
	if (i == 0)
		kam_sum_add(&s->first_sum, amount, "amount");
	return s;
}

/*
 * The state to update: the executor's private copy when called as an
 * aggregate, else a copy of the argument (never scribble on an input).
 */
static inline RfmCommon *
writable_state(FunctionCallInfo fcinfo, int n)
{
	Pointer		p = DatumGetPointer(PG_GETARG_DATUM(n));

	/* a detoasted value is already a fresh copy */
	if (unlikely(VARATT_IS_EXTENDED(p)))
		return DatumGetRfm(PointerGetDatum(p));
	if (kam_in_aggregate(fcinfo))
		return (RfmCommon *) p;
	return copy_state((RfmCommon *) p, 0);
}

#define RFM_AGG_HINT "Use the aggregate kam.rfm."

/*
 * Transition: (state, ordered_at, amount [, as_of] [, period]).
 * NULL ordered_at or amount: the row is left out.  Inlined into each entry
 * point below, so the time type is a constant.  internal: kam.rfm's own
 * state (with_as_of), allocated and grown in the aggregate context.
 */
static pg_attribute_always_inline Datum
rfm_accumulate(FunctionCallInfo fcinfo, KamTimeType timetype, bool with_as_of, bool internal)
{
	RfmCommon  *c = PG_ARGISNULL(0) ? NULL :
		internal ? (RfmCommon *) PG_GETARG_POINTER(0) : writable_state(fcinfo, 0);
	RfmCallCache *cache = call_cache(fcinfo);
	KamPeriod	period;
	uint8		flags = (timetype == KAM_TIMESTAMPTZ) ? 0 : RFM_LOCAL;
	int32		p;
	double		amount;

	if (c != NULL && (RFM_IS_AS_OF(c) != with_as_of || (c->flags & RFM_LOCAL) != flags))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("this kam.rfm_state does not fit this transition function"),
				 errdetail("States of kam.rfm carry an as-of date, states of kam.rfm_state do not, and each is built from one input type."),
				 errhint("Use the state only with the aggregates that built it.")));
	period = period_arg(fcinfo, with_as_of ? 4 : 3, c);
	if (c == NULL)
	{
		if (with_as_of)
		{
			RfmAsOfState *s;

			if (PG_ARGISNULL(3))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("as_of must not be NULL"),
						 errhint("Pass the date the summary is computed as of, e.g. current_date.")));
			if (internal)
			{
				MemoryContext old = MemoryContextSwitchTo(kam_agg_context(fcinfo, "kam.rfm_agg_accum",
																		  RFM_AGG_HINT));

				s = rfma_alloc(grown_capacity(RFMA_HDRSZ, sizeof(int32), 0, RFMA_MAX_PERIODS), period, flags);
				MemoryContextSwitchTo(old);
			}
			else
				s = rfma_alloc(grown_capacity(RFMA_HDRSZ, sizeof(int32), 0, RFMA_MAX_PERIODS), period, flags);
			s->as_of = time_arg(fcinfo, 3, timetype);
			s->as_of_period = as_of_period(fcinfo, timetype, period, s->as_of, cache);
			c = &s->c;
		}
		else
			c = &rfm_alloc(grown_capacity(RFM_HDRSZ, sizeof(RfmEntry), 0, RFM_MAX_ENTRIES),
						   period, flags)->c;
	}
	else if (with_as_of && (PG_ARGISNULL(3) || time_arg(fcinfo, 3, timetype) != ((RfmAsOfState *) c)->as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of changed within one group"),
				 errhint("Pass the same as_of for every row, e.g. a constant or a one-row subquery.")));

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(c);
	amount = PG_GETARG_FLOAT8(2);
	KAM_CHECK_FINITE(amount, "amount");
	p = row_period(fcinfo, timetype, period, &cache->rows);
	if (with_as_of)
	{
		RfmAsOfState *s = (RfmAsOfState *) c;

		if (p > s->as_of_period)
			PG_RETURN_POINTER(c);
		PG_RETURN_POINTER(rfma_add(s, p, time_arg(fcinfo, 1, timetype), amount, internal));
	}
	PG_RETURN_POINTER(rfm_add((RfmState *) c, p, time_arg(fcinfo, 1, timetype), amount));
}

Datum
kam_rfm_accum_tz(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, KAM_TIMESTAMPTZ, true, false);
}

Datum
kam_rfm_agg_accum_tz(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, KAM_TIMESTAMPTZ, true, true);
}

Datum
kam_rfm_accum_ts(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, KAM_TIMESTAMP, true, false);
}

Datum
kam_rfm_agg_accum_ts(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, KAM_TIMESTAMP, true, true);
}

Datum
kam_rfm_accum_date(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, KAM_DATE, true, false);
}

Datum
kam_rfm_agg_accum_date(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, KAM_DATE, true, true);
}

Datum
kam_rfm_state_accum_tz(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, KAM_TIMESTAMPTZ, false, false);
}

Datum
kam_rfm_state_accum_ts(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, KAM_TIMESTAMP, false, false);
}

Datum
kam_rfm_state_accum_date(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, KAM_DATE, false, false);
}

/* merges the sorted roll-up entries of b into a, which has room for total */
static void
merge_entries(RfmState *a, const RfmState *b, int32 total)
{
	int32		i = a->c.n - 1,
				j = b->c.n - 1;

	for (int32 k = total - 1; j >= 0; k--)
	{
		if (i >= 0 && a->entries[i].period > b->entries[j].period)
			a->entries[k] = a->entries[i--];
		else if (i >= 0 && a->entries[i].period == b->entries[j].period)
		{
			RfmEntry	e = a->entries[i--];
			const RfmEntry *f = &b->entries[j--];

			if ((int64) e.orders + f->orders > PG_INT32_MAX)
				too_many_orders();
			e.orders += f->orders;
			if (f->last_ts > e.last_ts)
				e.last_ts = f->last_ts;
			kam_sum_merge(&e.amount, &f->amount);
			a->entries[k] = e;
		}
		else
			a->entries[k] = b->entries[j--];
	}
	if (b->c.n > 0 && (a->c.n == 0 || b->first_ts < a->first_ts))
		a->first_ts = b->first_ts;
	a->c.n = total;
}

/* merges the sorted as-of periods and totals of b into a, which has room for total */
static void
merge_periods(RfmAsOfState *a, const RfmAsOfState *b, int32 total)
{
	int32		i = a->c.n - 1,
				j = b->c.n - 1;

	if (b->c.n == 0)
		return;
	if (a->c.n == 0 || b->periods[0] < a->periods[0])
		a->first_sum = b->first_sum;
	else if (b->periods[0] == a->periods[0])
		kam_sum_merge(&a->first_sum, &b->first_sum);
	if (a->c.n == 0 || b->first_ts < a->first_ts)
		a->first_ts = b->first_ts;
	if (a->c.n == 0 || b->last_ts > a->last_ts)
		a->last_ts = b->last_ts;
	a->orders += b->orders;
	kam_sum_merge(&a->total, &b->total);
	for (int32 k = total - 1; j >= 0; k--)
	{
		if (i >= 0 && a->periods[i] >= b->periods[j])
		{
			if (a->periods[i] == b->periods[j])
				j--;
			a->periods[k] = a->periods[i--];
		}
		else
			a->periods[k] = b->periods[j--];
	}
	a->c.n = total;
}

/* size of the union of two sorted int32 runs (stride in bytes) */
static int32
union_size(const char *a, int32 na, const char *b, int32 nb, Size stride)
{
	int32		i = 0,
				j = 0,
				total = 0;

	while (i < na || j < nb)
	{
		int32		pa = (i < na) ? *(const int32 *) (a + i * stride) : 0;
		int32		pb = (j < nb) ? *(const int32 *) (b + j * stride) : 0;

		if (j == nb || (i < na && pa < pb))
			i++;
		else if (i == na || pb < pa)
			j++;
		else
		{
			i++;
			j++;
		}
		total++;
	}
	return total;
}

/* Two states merge when they describe the same period, time type and as_of. */
static void
check_mergeable(const RfmCommon *a, const RfmCommon *b)
{
	if (a->period != b->period)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge kam.rfm_state values of different periods (%s and %s)",
						kam_period_name((KamPeriod) Min(a->period, b->period)),
						kam_period_name((KamPeriod) Max(a->period, b->period))),
				 errhint("Build every state of a group with the same period.")));
	if ((a->flags & RFM_LOCAL) != (b->flags & RFM_LOCAL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge a kam.rfm_state built from timestamptz with one built from date or timestamp"),
				 errhint("Build every state of a group from the same input type.")));
	if (RFM_IS_AS_OF(a) != RFM_IS_AS_OF(b) ||
		(RFM_IS_AS_OF(a) && ((RfmAsOfState *) a)->as_of != ((RfmAsOfState *) b)->as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of changed within one group"),
				 errhint("Pass the same as_of for every row, e.g. a constant or a one-row subquery.")));
}

/* Combine (strict): merges b into a (see check_mergeable). */
Datum
kam_rfm_combine(PG_FUNCTION_ARGS)
{
	RfmCommon  *a = writable_state(fcinfo, 0);
	RfmCommon  *b = PG_GETARG_RFM(1);
	int32		total;

	check_mergeable(a, b);
	if (RFM_IS_AS_OF(a))
	{
		RfmAsOfState *sa = (RfmAsOfState *) a;
		RfmAsOfState *sb = (RfmAsOfState *) b;

		total = union_size((char *) sa->periods, sa->c.n, (char *) sb->periods, sb->c.n, sizeof(int32));
		if (total > RFMA_CAP(sa))
			sa = rfma_copy(sa, total);
		merge_periods(sa, sb, total);
		PG_RETURN_POINTER(sa);
	}
	else
	{
		RfmState   *sa = (RfmState *) a;
		RfmState   *sb = (RfmState *) b;

		total = union_size((char *) sa->entries, sa->c.n, (char *) sb->entries, sb->c.n, sizeof(RfmEntry));
		if (total > RFM_CAP(sa))
			sa = rfm_copy(sa, total);
		merge_entries(sa, sb, total);
		PG_RETURN_POINTER(sa);
	}
}

/*
 * Combine of kam.rfm's internal states (not strict): merges b into a, which
 * grows in the aggregate context.  b comes from kam_rfm_agg_deserialize (a
 * partial aggregate always serializes an internal state), which put it in
 * the aggregate context with room for a second partial state: a NULL a
 * becomes b itself, else b is merged and freed.
 */
Datum
kam_rfm_agg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = kam_agg_context(fcinfo, "kam.rfm_agg_combine", RFM_AGG_HINT);
	RfmAsOfState *a = PG_ARGISNULL(0) ? NULL : (RfmAsOfState *) PG_GETARG_POINTER(0);
	RfmAsOfState *b = PG_ARGISNULL(1) ? NULL : (RfmAsOfState *) PG_GETARG_POINTER(1);
	int32		total;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (GetMemoryChunkContext(b) != ctx)
		elog(ERROR, "kam.rfm_agg_combine got a state that kam.rfm_agg_deserialize did not make");
	if (a == NULL)
		PG_RETURN_POINTER(b);
	check_mergeable(&a->c, &b->c);
	total = union_size((char *) a->periods, a->c.n, (char *) b->periods, b->c.n, sizeof(int32));
	if (total > RFMA_CAP(a))
		a = rfma_resize(a, total);
	merge_periods(a, b, total);
	pfree(b);
	PG_RETURN_POINTER(a);
}

/* Serialize (parallel query): the kam.rfm_state bytes of the state, without spare room. */
Datum
kam_rfm_agg_serialize(PG_FUNCTION_ARGS)
{
	kam_agg_context(fcinfo, "kam.rfm_agg_serialize", RFM_AGG_HINT);
	PG_RETURN_BYTEA_P((bytea *) copy_state((RfmCommon *) PG_GETARG_POINTER(0), 0));
}

/*
 * Deserialize: what kam_rfm_agg_serialize wrote, in the aggregate context
 * with room for as many periods again (the next partial state of the same
 * customer, merged in place by kam_rfm_agg_combine, which owns it).  The
 * bytes come from a parallel worker of the same query; only their shape is
 * checked.
 */
Datum
kam_rfm_agg_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = kam_agg_context(fcinfo, "kam.rfm_agg_deserialize", RFM_AGG_HINT);
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	Size		len = VARSIZE_ANY_EXHDR(b);
	RfmCommon	c;
	int32		cap;
	RfmAsOfState *s;

	if (len < RFMA_HDRSZ - VARHDRSZ)
		elog(ERROR, "kam.rfm partial state of %zu bytes is malformed", len);
	memcpy((char *) &c + VARHDRSZ, VARDATA_ANY(b), sizeof(RfmCommon) - VARHDRSZ);
	if (c.version != RFM_VERSION || !RFM_IS_AS_OF(&c) || c.n < 0 || c.n > RFMA_MAX_PERIODS ||
		len != RFMA_SIZE(c.n) - VARHDRSZ)
		elog(ERROR, "kam.rfm partial state of %zu bytes is malformed", len);
	cap = (c.n > RFMA_MAX_PERIODS / 2) ? RFMA_MAX_PERIODS : 2 * c.n;
	s = MemoryContextAlloc(ctx, RFMA_SIZE(cap));
	SET_VARSIZE(s, RFMA_SIZE(cap));
	memcpy(VARDATA(s), VARDATA_ANY(b), len);
	PG_RETURN_POINTER(s);
}

/*
 * kam.rfm_summary tuples are stamped from a template: every field is a
 * fixed-width by-value type and never NULL, so each tuple is the template's
 * bytes with the values stored at fixed offsets, instead of heap_form_tuple
 * working out sizes, alignment and null bitmap again for each of a million
 * customers.  Kept in the final function's fn_extra.
 */
#define SUMMARY_NATTS 8

typedef struct SummaryTemplate
{
	uint32		len;			/* size of every tuple */
	uint32		off[SUMMARY_NATTS]; /* where each value goes */
	int16		attlen[SUMMARY_NATTS];
	HeapTupleHeader tuple;		/* the template (all values zero) */
} SummaryTemplate;

static SummaryTemplate *
summary_template(FunctionCallInfo fcinfo)
{
	SummaryTemplate *st = (SummaryTemplate *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	TupleDesc	tupdesc;
	Datum		zeros[SUMMARY_NATTS] = {0};
	bool		nulls[SUMMARY_NATTS] = {false};
	HeapTuple	tuple;
	uint32		off = 0;

	if (st != NULL)
		return st;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "kam.rfm_summary must return a composite type");
	tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
	if (tupdesc->natts != SUMMARY_NATTS)
		elog(ERROR, "kam.rfm_summary has %d attributes, expected %d", tupdesc->natts, SUMMARY_NATTS);
	st = palloc(sizeof(SummaryTemplate));
	tuple = heap_form_tuple(tupdesc, zeros, nulls);
	st->len = tuple->t_len;
	st->tuple = tuple->t_data;
	for (int i = 0; i < SUMMARY_NATTS; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (att->attisdropped || !att->attbyval || (att->attlen != 4 && att->attlen != 8))
			elog(ERROR, "kam.rfm_summary attribute %d is not a fixed-width by-value type", i + 1);
		off = att_align_nominal(off, att->attalign);
		st->off[i] = st->tuple->t_hoff + off;
		st->attlen[i] = att->attlen;
		off += att->attlen;
	}
	Assert(st->tuple->t_hoff + off == st->len);
	fcinfo->flinfo->fn_extra = st;
	MemoryContextSwitchTo(old);
	return st;
}

/*
 * The kam.rfm_summary tuple.  repeat_sum is the exact sum of the repeat
 * periods' amounts (monetary = repeat_sum / frequency).
 */
static Datum
summary_tuple(FunctionCallInfo fcinfo, uint8 flags, int64 first_ts, int64 last_ts, int64 orders,
			  const KamSum *revenue, int32 periods, int32 recency, int32 t, const KamSum *repeat_sum)
{
	SummaryTemplate *st = summary_template(fcinfo);
	Datum		values[SUMMARY_NATTS];
	HeapTupleHeader tuple;

	if (flags & RFM_LOCAL)
	{
		first_ts = DatumGetTimestampTz(DirectFunctionCall1(timestamp_timestamptz, TimestampGetDatum(first_ts)));
		last_ts = DatumGetTimestampTz(DirectFunctionCall1(timestamp_timestamptz, TimestampGetDatum(last_ts)));
	}
	values[0] = TimestampTzGetDatum(first_ts);
	values[1] = TimestampTzGetDatum(last_ts);
	values[2] = Int64GetDatum(orders);
	values[3] = Float8GetDatum(kam_sum_to_double(revenue));
	values[4] = Int32GetDatum(periods - 1);
	values[5] = Float8GetDatum((double) recency);
	values[6] = Float8GetDatum((double) t);
	values[7] = Float8GetDatum(periods > 1 ? kam_sum_to_double(repeat_sum) / (periods - 1) : 0.0);
	tuple = (HeapTupleHeader) palloc(st->len);
	memcpy(tuple, st->tuple, st->len);
	for (int i = 0; i < SUMMARY_NATTS; i++)
		store_att_byval((char *) tuple + st->off[i], values[i], st->attlen[i]);
	PG_RETURN_HEAPTUPLEHEADER(tuple);
}

/* The summary of a roll-up state's periods up to as_of_period; NULL when none. */
static Datum
rollup_summary(FunctionCallInfo fcinfo, const RfmState *s, int32 as_of_period)
{
	int32		k = 0;
	int64		orders = 0;
	KamSum		revenue = KAM_SUM_ZERO;
	KamSum		repeat;

	while (k < s->c.n && s->entries[k].period <= as_of_period)
	{
		orders += s->entries[k].orders;
		kam_sum_merge(&revenue, &s->entries[k].amount);
		k++;
	}
	if (k == 0)
		PG_RETURN_NULL();
	repeat = revenue;
	kam_sum_sub(&repeat, &s->entries[0].amount);
	return summary_tuple(fcinfo, s->c.flags, s->first_ts, s->entries[k - 1].last_ts, orders, &revenue,
						 k, s->entries[k - 1].period - s->entries[0].period,
						 as_of_period - s->entries[0].period, &repeat);
}

static Datum
as_of_summary(FunctionCallInfo fcinfo, const RfmAsOfState *s)
{
	KamSum		repeat;

	if (s->c.n == 0)
		PG_RETURN_NULL();
	repeat = s->total;
	kam_sum_sub(&repeat, &s->first_sum);
	return summary_tuple(fcinfo, s->c.flags, s->first_ts, s->last_ts, s->orders, &s->total, s->c.n,
						 s->periods[s->c.n - 1] - s->periods[0], s->as_of_period - s->periods[0], &repeat);
}

/* kam.rfm_final: the summary of a kam.rfm_state-typed as-of state (stored ones) */
Datum
kam_rfm_final(PG_FUNCTION_ARGS)
{
	RfmCommon  *c;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	c = PG_GETARG_RFM(0);
	if (!RFM_IS_AS_OF(c))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("this kam.rfm_state has no as-of date"),
				 errhint("Summarize roll-up states with kam.rfm_summary(state, as_of).")));
	return as_of_summary(fcinfo, (RfmAsOfState *) c);
}

/* final function of kam.rfm (its internal state) */
Datum
kam_rfm_agg_final(PG_FUNCTION_ARGS)
{
	kam_agg_context(fcinfo, "kam.rfm_agg_final", RFM_AGG_HINT);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return as_of_summary(fcinfo, (RfmAsOfState *) PG_GETARG_POINTER(0));
}

/* final function of kam.rfm_state and kam.rfm_merge: the state, without spare room */
Datum
kam_rfm_state_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(copy_state(PG_GETARG_RFM(0), 0));
}

static Datum
rfm_summary_at(FunctionCallInfo fcinfo, KamTimeType timetype)
{
	RfmCommon  *c = PG_GETARG_RFM(0);
	int32		as_of_period = time_period(fcinfo, 1, timetype, (KamPeriod) c->period, "as_of");

	if (RFM_IS_AS_OF(c))
	{
		/* kam.rfm's state: it kept only the rows up to its own as-of period */
		if (as_of_period != ((RfmAsOfState *) c)->as_of_period)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("this kam.rfm_state was built as of another period"),
					 errdetail("A state built by kam.rfm holds only the rows up to its own as-of date."),
					 errhint("Build roll-up states with kam.rfm_state, which can be summarized as of any date.")));
		return as_of_summary(fcinfo, (RfmAsOfState *) c);
	}
	return rollup_summary(fcinfo, (RfmState *) c, as_of_period);
}

Datum
kam_rfm_summary_tz(PG_FUNCTION_ARGS)
{
	return rfm_summary_at(fcinfo, KAM_TIMESTAMPTZ);
}

Datum
kam_rfm_summary_ts(PG_FUNCTION_ARGS)
{
	return rfm_summary_at(fcinfo, KAM_TIMESTAMP);
}

Datum
kam_rfm_summary_date(PG_FUNCTION_ARGS)
{
	return rfm_summary_at(fcinfo, KAM_DATE);
}
