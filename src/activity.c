/*
 * activity.c -- the kam.activity type and the aggregate that makes it
 *
 * kam.activity(ordered_at, amount, period, as_of) turns one customer's
 * orders into a kam.activity value (activity.h): the reporting period, the
 * as-of date and the sorted list of the periods in which the customer
 * ordered, each with its exact revenue.  The value is a real type (text and
 * binary in/out that read back exactly), so partial signatures computed on
 * different nodes or in parallel workers merge (kam.activity_merge, and the
 * aggregate's combine function) into exactly the signature of all orders.
 *
 * Every retention figure is computed from these signatures in one pass (one
 * signature per customer, then one aggregate over the signatures):
 * retention.c (customer status, customer and revenue movements, GRR and NRR,
 * trailing windows) and cohort.c (cohort retention).  The definitions are in
 * the README (section "retention").
 */
#include "activity.h"

#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"

#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

PG_FUNCTION_INFO_V1(kam_activity_in);
PG_FUNCTION_INFO_V1(kam_activity_out);
PG_FUNCTION_INFO_V1(kam_activity_recv);
PG_FUNCTION_INFO_V1(kam_activity_send);
PG_FUNCTION_INFO_V1(kam_activity_add_tstz);
PG_FUNCTION_INFO_V1(kam_activity_add_ts);
PG_FUNCTION_INFO_V1(kam_activity_add_date);
PG_FUNCTION_INFO_V1(kam_activity_combine);
PG_FUNCTION_INFO_V1(kam_activity_final);

/* ------------------------------------------------------------------------
 * The kam.activity type
 * ------------------------------------------------------------------------
 */
static KamActivity *
activity_alloc(KamPeriod kind, DateADT as_of, int32 cap)
{
	KamActivity *a = palloc0(ACT_SIZE(cap));

	SET_VARSIZE(a, ACT_SIZE(cap));
	a->kind = kind;
	a->as_of = as_of;
	a->n = 0;
	a->cap = cap;
	return a;
}

static pg_noinline void
check_as_of(DateADT as_of)
{
	if (DATE_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("as_of must be a finite date"),
				 errhint("Pass the date the figures are computed as of, e.g. kam.as_of().")));
}

static void
date_to_iso(DateADT d, char *buf)
{
	struct pg_tm tm;

	memset(&tm, 0, sizeof(tm));
	j2date(d + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	EncodeDateOnly(&tm, USE_ISO_DATES, buf);
}

/* checks what the input functions read; they take no value kam would not make */
static void
activity_validate(const KamActivity *a)
{
	int32		last_ok;

	if (a->kind < 0 || a->kind >= KAM_N_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid period in kam.activity value")));
	check_as_of(a->as_of);
	if (a->n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("a kam.activity value must list at least one active period")));
	last_ok = activity_asof_period(a);
	for (int i = 0; i < a->n; i++)
	{
		if (i > 0 && a->e[i].period <= a->e[i - 1].period)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("the periods of a kam.activity value must be distinct and ascending")));
		if (a->e[i].period > last_ok)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("a kam.activity value has a period after its as-of date")));
	}
}

static DateADT
parse_date(char *s)
{
	while (*s == ' ')
		s++;
	for (char *t = s + strlen(s); t > s && t[-1] == ' '; t--)
		t[-1] = '\0';
	return DatumGetDateADT(DirectFunctionCall1(date_in, CStringGetDatum(s)));
}

static pg_noinline void
activity_syntax_error(const char *str)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type kam.activity: \"%s\"", str),
			 errdetail("Expected \"period as_of | period_start=revenue, ...\", e.g. \"month 2025-12-31 | 2025-11-01=12.5\".")));
}

/*
 * Text form: "month 2025-12-31 | 2025-10-01=12.340000000, 2025-12-01=5.000000000"
 * (period, as-of date, then each active period's first day and its exact
 * revenue).  Dates are ISO, so the text does not depend on DateStyle.
 */
Datum
kam_activity_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	char	   *buf = pstrdup(str);
	char	   *bar = strchr(buf, '|');
	char	   *p;
	char	   *sp;
	KamPeriod	kind;
	DateADT		as_of;
	KamActivity *a;
	int			cap = 1;

	if (bar == NULL)
		activity_syntax_error(str);
	*bar = '\0';
	p = buf;
	while (*p == ' ')
		p++;
	sp = strchr(p, ' ');
	if (sp == NULL)
		activity_syntax_error(str);
	*sp = '\0';
	kind = kam_period_parse(p, "period");
	as_of = parse_date(sp + 1);
	check_as_of(as_of);
	for (p = bar + 1; *p; p++)
		if (*p == ',')
			cap++;
	a = activity_alloc(kind, as_of, cap);
	p = bar + 1;
	while (*p == ' ')
		p++;
	while (*p)
	{
		char	   *comma = strchr(p, ',');
		char	   *eq;
		char	   *end;
		DateADT		start;
		ActEntry   *e = &a->e[a->n];

		if (comma)
			*comma = '\0';
		eq = strchr(p, '=');
		if (eq == NULL)
			activity_syntax_error(str);
		*eq = '\0';
		start = parse_date(p);
		if (DATE_NOT_FINITE(start))
			activity_syntax_error(str);
		e->period = kam_period_of_date(start, kind, "period start");
		if (kam_period_start(e->period, kind) != start)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("%s is not the first day of a %s in kam.activity value \"%s\"",
							p, kam_period_name(kind), str)));
		p = eq + 1;
		while (*p == ' ')
			p++;
		if (!kam_sum_from_cstring(p, &e->revenue, &end))
			activity_syntax_error(str);
		while (*end == ' ')
			end++;
		if (*end != '\0')
			activity_syntax_error(str);
		a->n++;
		if (comma == NULL)
			break;
		p = comma + 1;
		while (*p == ' ')
			p++;
	}
	activity_validate(a);
	pfree(buf);
	PG_RETURN_POINTER(a);
}

Datum
kam_activity_out(PG_FUNCTION_ARGS)
{
	KamActivity *a = PG_GETARG_ACTIVITY(0);
	StringInfoData s;
	char		date[MAXDATELEN + 1];

	initStringInfo(&s);
	date_to_iso(a->as_of, date);
	appendStringInfo(&s, "%s %s |", kam_period_name((KamPeriod) a->kind), date);
	for (int i = 0; i < a->n; i++)
	{
		char	   *rev = kam_sum_to_cstring(&a->e[i].revenue);

		date_to_iso(kam_period_start(a->e[i].period, (KamPeriod) a->kind), date);
		appendStringInfo(&s, "%s %s=%s", i > 0 ? "," : "", date, rev);
		pfree(rev);
	}
	PG_RETURN_CSTRING(s.data);
}

Datum
kam_activity_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		kind = pq_getmsgint(buf, 4);
	DateADT		as_of = pq_getmsgint(buf, 4);
	int32		n = pq_getmsgint(buf, 4);
	KamActivity *a;

	if (n < 1 || n > (int32) ((MaxAllocSize - ACT_SIZE(0)) / sizeof(ActEntry)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid number of periods in kam.activity value: %d", n)));
	a = activity_alloc(KAM_PERIOD_DAY, as_of, n);
	a->kind = kind;
	for (int i = 0; i < n; i++)
	{
		a->e[i].period = pq_getmsgint(buf, 4);
		a->e[i].revenue.hi = (int64) pq_getmsgint64(buf);
		a->e[i].revenue.lo = (uint64) pq_getmsgint64(buf);
	}
	a->n = n;
	activity_validate(a);
	PG_RETURN_POINTER(a);
}

Datum
kam_activity_send(PG_FUNCTION_ARGS)
{
	KamActivity *a = PG_GETARG_ACTIVITY(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, a->kind);
	pq_sendint32(&buf, a->as_of);
	pq_sendint32(&buf, a->n);
	for (int i = 0; i < a->n; i++)
	{
		pq_sendint32(&buf, a->e[i].period);
		pq_sendint64(&buf, (uint64) a->e[i].revenue.hi);
		pq_sendint64(&buf, a->e[i].revenue.lo);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ------------------------------------------------------------------------
 * The kam.activity aggregate
 * ------------------------------------------------------------------------
 */

/*
 * The transition functions' fn_extra: the parsed period argument (it is a
 * constant) and the time-zone cache that floors order timestamps to local days.
 */
typedef struct ActCallCache
{
	KamPeriod	kind;
	int			len;			/* -1: name not cached */
	char		name[16];
	KamPeriodCache days;
} ActCallCache;

static inline ActCallCache *
act_call_cache(FunctionCallInfo fcinfo)
{
	if (unlikely(fcinfo->flinfo->fn_extra == NULL))
	{
		ActCallCache *c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ActCallCache));

		c->len = -1;
		fcinfo->flinfo->fn_extra = c;
	}
	return (ActCallCache *) fcinfo->flinfo->fn_extra;
}

static inline KamPeriod
cached_period(ActCallCache *c, text *t)
{
	int			len = VARSIZE_ANY_EXHDR(t);

	if (likely(c->len == len && memcmp(c->name, VARDATA_ANY(t), len) == 0))
		return c->kind;
	c->kind = kam_period_from_text(t, "period");
	if (len < (int) sizeof(c->name))
	{
		memcpy(c->name, VARDATA_ANY(t), len);
		c->len = len;
	}
	else
		c->len = -1;
	return c->kind;
}

/*
 * Adds one order (day number `day`, days since 2000-01-01) to the state in
 * argument 0.  Inside an aggregate the state is updated in place; when it
 * must grow, a bigger copy is made in the per-call memory context, which the
 * executor copies into the aggregate context (freeing the old state).
 */
static Datum
activity_add(FunctionCallInfo fcinfo, DateADT day, ActCallCache *cache)
{
	KamActivity *a;
	text	   *period_arg;
	KamPeriod	kind;
	DateADT		as_of;
	int32		period;
	int			lo,
				hi;
	ActEntry   *e;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("period must not be NULL"),
				 errhint("Pass day, week, month, quarter or year, e.g. kam.setting('period').")));
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("as_of must not be NULL"),
				 errhint("Pass the date the figures are computed as of, e.g. kam.as_of().")));
	period_arg = PG_GETARG_TEXT_PP(3);
	kind = cached_period(cache, period_arg);
	as_of = PG_GETARG_DATEADT(4);
	check_as_of(as_of);

	if (PG_ARGISNULL(0))
		a = NULL;
	else if (kam_in_aggregate(fcinfo))
		a = (KamActivity *) PG_GETARG_POINTER(0);
	else
	{
		a = (KamActivity *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
		a->cap = a->n;
	}
	if (a != NULL && (a->kind != (int32) kind || a->as_of != as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period and as_of must be the same for every row of kam.activity"),
				 errhint("Pass constants, e.g. kam.setting('period') and kam.as_of().")));
	if (PG_ARGISNULL(1))
	{
		/* an order without a time is left out */
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (day > as_of)
	{
		char		d1[MAXDATELEN + 1];
		char		d2[MAXDATELEN + 1];

		date_to_iso(day, d1);
		date_to_iso(as_of, d2);
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("ordered_at must not be after as_of (%s), got an order on %s", d2, d1),
				 errhint("Leave out later orders, e.g. WHERE ordered_at < as_of + 1, as kam's views do.")));
	}
	period = kam_period_of_day(day, kind);
	if (a == NULL)
		a = activity_alloc(kind, as_of, 4);

	/* find the entry of `period` (orders mostly come in time order) */
	if (a->n > 0 && a->e[a->n - 1].period <= period)
		lo = (a->e[a->n - 1].period == period) ? a->n - 1 : a->n;
	else
	{
		lo = 0;
		hi = a->n;
		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (a->e[mid].period < period)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	if (lo == a->n || a->e[lo].period != period)
	{
		if (a->n == a->cap)
		{
			KamActivity *bigger = activity_alloc(kind, as_of, a->cap * 2);

			memcpy(bigger->e, a->e, a->n * sizeof(ActEntry));
			bigger->n = a->n;
			a = bigger;
		}
		memmove(&a->e[lo + 1], &a->e[lo], (a->n - lo) * sizeof(ActEntry));
		a->e[lo].period = period;
		a->e[lo].reserved = 0;
		a->e[lo].revenue = sum_zero;
		a->n++;
	}
	e = &a->e[lo];
	/* an order without an amount makes the period active, adds no revenue */
	if (!PG_ARGISNULL(2))
		kam_sum_add(&e->revenue, PG_GETARG_FLOAT8(2), "amount");
	PG_RETURN_POINTER(a);
}

/* one entry point per type of ordered_at (kam_day_arg) */
static pg_attribute_always_inline Datum
activity_add_typed(FunctionCallInfo fcinfo, KamTimeType timetype)
{
	ActCallCache *cache = act_call_cache(fcinfo);
	DateADT		day = 0;

	if (!PG_ARGISNULL(1))
		day = kam_day_arg(fcinfo, 1, timetype, "ordered_at", &cache->days);
	return activity_add(fcinfo, day, cache);
}

Datum
kam_activity_add_tstz(PG_FUNCTION_ARGS)
{
	return activity_add_typed(fcinfo, KAM_TIMESTAMPTZ);
}

Datum
kam_activity_add_ts(PG_FUNCTION_ARGS)
{
	return activity_add_typed(fcinfo, KAM_TIMESTAMP);
}

Datum
kam_activity_add_date(PG_FUNCTION_ARGS)
{
	return activity_add_typed(fcinfo, KAM_DATE);
}

/*
 * Merges two signatures of the same period and as-of date (the aggregate's
 * combine function and kam.activity_merge's transition; strict).
 */
Datum
kam_activity_combine(PG_FUNCTION_ARGS)
{
	KamActivity *a = PG_GETARG_ACTIVITY(0);
	KamActivity *b = PG_GETARG_ACTIVITY(1);
	KamActivity *m;
	int			i = 0,
				j = 0;

	if (a->kind != b->kind || a->as_of != b->as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge kam.activity values of different periods or as-of dates"),
				 errhint("Compute every part with the same period and as_of arguments.")));
	m = activity_alloc((KamPeriod) a->kind, a->as_of, a->n + b->n);
	while (i < a->n || j < b->n)
	{
		ActEntry   *out = &m->e[m->n++];

		if (j == b->n || (i < a->n && a->e[i].period < b->e[j].period))
			*out = a->e[i++];
		else if (i == a->n || b->e[j].period < a->e[i].period)
			*out = b->e[j++];
		else
		{
			*out = a->e[i++];
			kam_sum_merge(&out->revenue, &b->e[j++].revenue);
		}
	}
	PG_RETURN_POINTER(m);
}

/* the state without its spare capacity */
Datum
kam_activity_final(PG_FUNCTION_ARGS)
{
	KamActivity *a = PG_GETARG_ACTIVITY(0);
	KamActivity *r = activity_alloc((KamPeriod) a->kind, a->as_of, a->n);

	memcpy(r->e, a->e, a->n * sizeof(ActEntry));
	r->n = a->n;
	PG_RETURN_POINTER(r);
}
