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
 */
#include "rfm.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(kam_rfm_accum_tz);
PG_FUNCTION_INFO_V1(kam_rfm_accum_ts);
PG_FUNCTION_INFO_V1(kam_rfm_accum_date);
PG_FUNCTION_INFO_V1(kam_rfm_state_accum_tz);
PG_FUNCTION_INFO_V1(kam_rfm_state_accum_ts);
PG_FUNCTION_INFO_V1(kam_rfm_state_accum_date);
PG_FUNCTION_INFO_V1(kam_rfm_combine);
PG_FUNCTION_INFO_V1(kam_rfm_final);
PG_FUNCTION_INFO_V1(kam_rfm_state_final);
PG_FUNCTION_INFO_V1(kam_rfm_summary_tz);
PG_FUNCTION_INFO_V1(kam_rfm_summary_ts);
PG_FUNCTION_INFO_V1(kam_rfm_summary_date);

typedef enum InputKind
{
	INPUT_TIMESTAMPTZ,
	INPUT_TIMESTAMP,
	INPUT_DATE
} InputKind;

static int32
period_of(int64 v, InputKind kind, KamPeriod p, const char *argname)
{
	switch (kind)
	{
		case INPUT_TIMESTAMPTZ:
			return kam_period_of_timestamptz((TimestampTz) v, p, argname);
		case INPUT_TIMESTAMP:
			return kam_period_of_timestamp((Timestamp) v, p, argname);
		default:
			return kam_period_of_date((DateADT) v, p, argname);
	}
}

/* argument n as a 64-bit time value; dates become timestamps at midnight */
static int64
time_arg(FunctionCallInfo fcinfo, int n, InputKind kind)
{
	if (kind == INPUT_DATE)
	{
		DateADT		d = PG_GETARG_DATEADT(n);

		return DATE_NOT_FINITE(d) ? (d < 0 ? DT_NOBEGIN : DT_NOEND) : (int64) d * USECS_PER_DAY;
	}
	return PG_GETARG_INT64(n);
}

/*
 * Period of argument n.  With use_cache (the transition function's order
 * timestamps only: fn_extra then holds a KamTzCache), timestamptz values go
 * through the call site's cached UTC offset; as_of, once per group, does not,
 * so it can't evict the cache.
 */
static int32
time_period(FunctionCallInfo fcinfo, int n, InputKind kind, KamPeriod p, const char *argname,
			bool use_cache)
{
	if (kind == INPUT_DATE)
		return kam_period_of_date(PG_GETARG_DATEADT(n), p, argname);
	if (kind == INPUT_TIMESTAMPTZ && use_cache)
	{
		KamTzCache *cache = (KamTzCache *) fcinfo->flinfo->fn_extra;

		if (cache == NULL)
		{
			cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(KamTzCache));
			fcinfo->flinfo->fn_extra = cache;
		}
		return kam_period_of_timestamptz_cached(PG_GETARG_TIMESTAMPTZ(n), p, argname, cache);
	}
	return period_of(PG_GETARG_INT64(n), kind, p, argname);
}

/*
 * The period argument, checked against the state's when there is one.  The
 * common case (same text every row) is a byte comparison, not a parse.
 */
static KamPeriod
period_arg(FunctionCallInfo fcinfo, int n, RfmState *s)
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

static pg_noinline void
too_many_orders(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("more than 2147483647 orders in one purchase period")));
}

/* a copy of s with room for cap entries, in the current memory context */
static RfmState *
rfm_copy(const RfmState *s, int32 cap)
{
	RfmState   *c = rfm_alloc(cap, (KamPeriod) s->period, s->flags);

	memcpy((char *) c + sizeof(int32), (const char *) s + sizeof(int32),
		   RFM_HDRSZ - sizeof(int32));
	memcpy(c->entries, s->entries, (Size) s->n * sizeof(RfmEntry));
	return c;
}

/*
 * The capacity to grow a state of n entries to: up to 8 kB, what fills the
 * next power-of-two allocation exactly (the allocator rounds requests up to
 * one anyway); beyond, 1.5 times more.
 */
static int32
grown_capacity(int32 n)
{
	Size		want = RFM_SIZE(n + 1);
	Size		size = 128;

	if (want > 8192)
		return (n > RFM_MAX_ENTRIES / 3 * 2) ? RFM_MAX_ENTRIES : n + n / 2;
	while (size < want)
		size *= 2;
	return (int32) ((size - RFM_HDRSZ) / sizeof(RfmEntry));
}

/* Adds one row; returns the state, which moved if it had to grow. */
static RfmState *
rfm_add(RfmState *s, int32 period, int64 ts, double amount)
{
	int32		n = s->n;
	int32		i;
	RfmEntry   *e;

	if (n > 0 && s->entries[n - 1].period == period)
		i = n - 1;
	else if (n == 0 || s->entries[n - 1].period < period)
		i = n;
	else
	{
		int32		lo = 0,
					hi = n - 1;

		/* first entry with entries[i].period >= period */
		while (lo < hi)
		{
			int32		mid = lo + (hi - lo) / 2;

			if (s->entries[mid].period < period)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
	}

	if (i == n || s->entries[i].period != period)
	{
		if (n == RFM_CAP(s))
		{
			if (n == RFM_MAX_ENTRIES)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("a kam.rfm_state can hold at most %d purchase periods", RFM_MAX_ENTRIES)));
			s = rfm_copy(s, grown_capacity(n));
		}
		if (i < n)
			memmove(&s->entries[i + 1], &s->entries[i], (Size) (n - i) * sizeof(RfmEntry));
		e = &s->entries[i];
		memset(e, 0, sizeof(RfmEntry));
		e->period = period;
		e->last_ts = ts;
		s->n++;
		if (n == 0 || ts < s->first_ts)
			s->first_ts = ts;
	}
	else
	{
		e = &s->entries[i];
		if (ts > e->last_ts)
			e->last_ts = ts;
		if (ts < s->first_ts)
			s->first_ts = ts;
	}
	if (unlikely(e->orders == PG_INT32_MAX))
		too_many_orders();
	e->orders++;
	kam_sum_add(&e->amount, amount, "amount");
	return s;
}

/*
 * The state to update: the executor's private copy when called as an
 * aggregate, else a copy of the argument (never scribble on an input).
 */
static RfmState *
writable_state(FunctionCallInfo fcinfo, int n)
{
	Datum		d = PG_GETARG_DATUM(n);
	RfmState   *s = DatumGetRfmState(d);

	/* a detoasted value is already a fresh copy */
	if ((Pointer) s == DatumGetPointer(d) && !AggCheckCallContext(fcinfo, NULL))
		s = rfm_copy(s, s->n);
	return s;
}

/*
 * Transition: (state, ordered_at, amount [, as_of] [, period]).
 * NULL ordered_at or amount: the row is left out.
 */
static Datum
rfm_accumulate(FunctionCallInfo fcinfo, InputKind kind, bool with_as_of)
{
	RfmState   *s = PG_ARGISNULL(0) ? NULL : writable_state(fcinfo, 0);
	KamPeriod	period = period_arg(fcinfo, with_as_of ? 4 : 3, s);
	int32		p;
	double		amount;

	if (s == NULL)
	{
		s = rfm_alloc(grown_capacity(0), period, kind == INPUT_TIMESTAMPTZ ? 0 : RFM_LOCAL);
		if (with_as_of)
		{
			if (PG_ARGISNULL(3))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("as_of must not be NULL"),
						 errhint("Pass the date the summary is computed as of, e.g. current_date.")));
			s->flags |= RFM_HAS_AS_OF;
			s->as_of = time_arg(fcinfo, 3, kind);
			s->as_of_period = time_period(fcinfo, 3, kind, period, "as_of", false);
		}
	}
	else if (with_as_of && (PG_ARGISNULL(3) || time_arg(fcinfo, 3, kind) != s->as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of changed within one group"),
				 errhint("Pass the same as_of for every row, e.g. a constant or a one-row subquery.")));

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(s);
	amount = PG_GETARG_FLOAT8(2);
	KAM_CHECK_FINITE(amount, "amount");
	p = time_period(fcinfo, 1, kind, period, "ordered_at", true);
	if (with_as_of && p > s->as_of_period)
		PG_RETURN_POINTER(s);
	PG_RETURN_POINTER(rfm_add(s, p, time_arg(fcinfo, 1, kind), amount));
}

Datum
kam_rfm_accum_tz(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, INPUT_TIMESTAMPTZ, true);
}

Datum
kam_rfm_accum_ts(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, INPUT_TIMESTAMP, true);
}

Datum
kam_rfm_accum_date(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, INPUT_DATE, true);
}

Datum
kam_rfm_state_accum_tz(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, INPUT_TIMESTAMPTZ, false);
}

Datum
kam_rfm_state_accum_ts(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, INPUT_TIMESTAMP, false);
}

Datum
kam_rfm_state_accum_date(PG_FUNCTION_ARGS)
{
	return rfm_accumulate(fcinfo, INPUT_DATE, false);
}

/*
 * Combine (strict): merges b into a.  Both must describe the same period,
 * input kind and as_of.
 */
Datum
kam_rfm_combine(PG_FUNCTION_ARGS)
{
	RfmState   *a = writable_state(fcinfo, 0);
	RfmState   *b = PG_GETARG_RFM(1);
	int32		i,
				j,
				k,
				total = 0;

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
	if ((a->flags & RFM_HAS_AS_OF) != (b->flags & RFM_HAS_AS_OF) ||
		((a->flags & RFM_HAS_AS_OF) && (a->as_of != b->as_of || a->as_of_period != b->as_of_period)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of changed within one group"),
				 errhint("Pass the same as_of for every row, e.g. a constant or a one-row subquery.")));

	/* size of the union */
	for (i = 0, j = 0; i < a->n || j < b->n; total++)
	{
		if (j == b->n || (i < a->n && a->entries[i].period < b->entries[j].period))
			i++;
		else if (i == a->n || b->entries[j].period < a->entries[i].period)
			j++;
		else
			i++, j++;
	}
	if (total > RFM_CAP(a))
		a = rfm_copy(a, total);

	if (b->n > 0 && (a->n == 0 || b->first_ts < a->first_ts))
		a->first_ts = b->first_ts;

	/* merge from the back, in place */
	i = a->n - 1;
	j = b->n - 1;
	for (k = total - 1; j >= 0; k--)
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
	a->n = total;
	PG_RETURN_POINTER(a);
}

/* The summary of the entries up to as_of_period; NULL when there are none. */
static Datum
rfm_summarize(FunctionCallInfo fcinfo, RfmState *s, int32 as_of_period)
{
	TupleDesc	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;
	Datum		values[8];
	bool		nulls[8] = {false};
	int32		k = 0;
	int64		orders = 0;
	KamSum		revenue = KAM_SUM_ZERO;
	KamSum		repeat;
	const RfmEntry *last;
	int64		first_ts,
				last_ts;

	while (k < s->n && s->entries[k].period <= as_of_period)
	{
		orders += s->entries[k].orders;
		kam_sum_merge(&revenue, &s->entries[k].amount);
		k++;
	}
	if (k == 0)
		PG_RETURN_NULL();
	last = &s->entries[k - 1];

	if (tupdesc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "kam.rfm_summary must return a composite type");
		tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
		fcinfo->flinfo->fn_extra = tupdesc;
		MemoryContextSwitchTo(old);
	}

	first_ts = s->first_ts;
	last_ts = last->last_ts;
	if (s->flags & RFM_LOCAL)
	{
		first_ts = DatumGetTimestampTz(DirectFunctionCall1(timestamp_timestamptz, TimestampGetDatum(first_ts)));
		last_ts = DatumGetTimestampTz(DirectFunctionCall1(timestamp_timestamptz, TimestampGetDatum(last_ts)));
	}
	values[0] = TimestampTzGetDatum(first_ts);
	values[1] = TimestampTzGetDatum(last_ts);
	values[2] = Int64GetDatum(orders);
	values[3] = Float8GetDatum(kam_sum_to_double(&revenue));
	values[4] = Int32GetDatum(k - 1);
	values[5] = Float8GetDatum((double) last->period - s->entries[0].period);
	values[6] = Float8GetDatum((double) as_of_period - s->entries[0].period);
	if (k > 1)
	{
		repeat = revenue;
		kam_sum_sub(&repeat, &s->entries[0].amount);
		values[7] = Float8GetDatum(kam_sum_to_double(&repeat) / (k - 1));
	}
	else
		values[7] = Float8GetDatum(0.0);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* final function of kam.rfm: the as_of fixed by the rows */
Datum
kam_rfm_final(PG_FUNCTION_ARGS)
{
	RfmState   *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = PG_GETARG_RFM(0);
	return rfm_summarize(fcinfo, s, s->as_of_period);
}

/* final function of kam.rfm_state and kam.rfm_merge: the state, without spare room */
Datum
kam_rfm_state_final(PG_FUNCTION_ARGS)
{
	RfmState   *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = PG_GETARG_RFM(0);
	PG_RETURN_POINTER(rfm_copy(s, s->n));
}

static Datum
rfm_summary_at(FunctionCallInfo fcinfo, InputKind kind)
{
	RfmState   *s = PG_GETARG_RFM(0);

	return rfm_summarize(fcinfo, s, time_period(fcinfo, 1, kind, (KamPeriod) s->period, "as_of", false));
}

Datum
kam_rfm_summary_tz(PG_FUNCTION_ARGS)
{
	return rfm_summary_at(fcinfo, INPUT_TIMESTAMPTZ);
}

Datum
kam_rfm_summary_ts(PG_FUNCTION_ARGS)
{
	return rfm_summary_at(fcinfo, INPUT_TIMESTAMP);
}

Datum
kam_rfm_summary_date(PG_FUNCTION_ARGS)
{
	return rfm_summary_at(fcinfo, INPUT_DATE);
}
