/*
 * activity.c -- customer activity signatures and the retention figures
 *
 * kam.activity(ordered_at, amount, period, as_of) turns one customer's
 * orders into a kam.activity value: the reporting period, the as-of date and
 * the sorted list of the periods in which the customer ordered, each with its
 * exact revenue (a KamSum, see money.h).  The value is a real type (text and
 * binary in/out that read back exactly), so partial signatures computed on
 * different nodes or in parallel workers merge (kam.activity_merge, and the
 * aggregate's combine function) into exactly the signature of all orders.
 *
 * Everything in the retention views is computed from these signatures in one
 * pass: one signature per customer, then an aggregate over the signatures
 * that walks each customer's periods once and adds it to per-period (or per
 * cohort cell) counters:
 *
 *	kam.retention_periods(activity, churn_after)  customer movements, revenue
 *		movements, GRR and NRR per period
 *	kam.cohort_matrix(activity)                   cohort retention cells
 *	kam.trailing_retention(activity, window)      trailing-window GRR and NRR
 *	kam.activity_summary(activity, ...)           one customer's status
 *
 * The definitions are in the README (section "retention").  All revenue sums
 * are exact, so the results do not depend on row order or parallelism.
 */
#include "kam.h"
#include "money.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/* ------------------------------------------------------------------------
 * The kam.activity type
 * ------------------------------------------------------------------------
 */
typedef struct ActEntry
{
	int32		period;			/* period index (see kam.h) */
	int32		reserved;
	KamSum		revenue;		/* exact revenue of the period */
} ActEntry;

typedef struct KamActivity
{
	int32		vl_len_;
	int32		kind;			/* KamPeriod */
	DateADT		as_of;			/* no order after this day */
	int32		n;				/* active periods, sorted ascending */
	int32		cap;			/* entries allocated (>= n) */
	int32		reserved;
	ActEntry	e[FLEXIBLE_ARRAY_MEMBER];
} KamActivity;

#define ACT_SIZE(cap) (offsetof(KamActivity, e) + (Size) (cap) * sizeof(ActEntry))
#define PG_GETARG_ACTIVITY(n) ((KamActivity *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

/* the largest cohort triangle kam.cohort_matrix builds (periods) */
#define MAX_COHORT_PERIODS 8000

PG_FUNCTION_INFO_V1(kam_activity_in);
PG_FUNCTION_INFO_V1(kam_activity_out);
PG_FUNCTION_INFO_V1(kam_activity_recv);
PG_FUNCTION_INFO_V1(kam_activity_send);
PG_FUNCTION_INFO_V1(kam_activity_add_tstz);
PG_FUNCTION_INFO_V1(kam_activity_add_ts);
PG_FUNCTION_INFO_V1(kam_activity_add_date);
PG_FUNCTION_INFO_V1(kam_activity_combine);
PG_FUNCTION_INFO_V1(kam_activity_final);
PG_FUNCTION_INFO_V1(kam_activity_summary);
PG_FUNCTION_INFO_V1(kam_retention_add);
PG_FUNCTION_INFO_V1(kam_retention_combine);
PG_FUNCTION_INFO_V1(kam_period_table_serialize);
PG_FUNCTION_INFO_V1(kam_period_table_deserialize);
PG_FUNCTION_INFO_V1(kam_retention_final);
PG_FUNCTION_INFO_V1(kam_cohort_add);
PG_FUNCTION_INFO_V1(kam_cohort_combine);
PG_FUNCTION_INFO_V1(kam_cohort_serialize);
PG_FUNCTION_INFO_V1(kam_cohort_deserialize);
PG_FUNCTION_INFO_V1(kam_cohort_final);
PG_FUNCTION_INFO_V1(kam_trailing_add);
PG_FUNCTION_INFO_V1(kam_trailing_combine);
PG_FUNCTION_INFO_V1(kam_trailing_final);

static const KamSum sum_zero = KAM_SUM_ZERO;

static inline int
sum_cmp(const KamSum *a, const KamSum *b)
{
	if (a->hi != b->hi)
		return (a->hi < b->hi) ? -1 : 1;
	if (a->lo != b->lo)
		return (a->lo < b->lo) ? -1 : 1;
	return 0;
}

static inline int
sum_sign(const KamSum *a)
{
	return sum_cmp(a, &sum_zero);
}

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

static inline int32
activity_asof_period(const KamActivity *a)
{
	return kam_period_of_date(a->as_of, (KamPeriod) a->kind, "as_of");
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
 * constant) and the period cache that maps order days to periods.
 */
typedef struct ActCallCache
{
	KamPeriod	kind;
	int			len;			/* -1: name not cached */
	char		name[16];
	KamPeriodCache periods;
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

/* timestamptz: floored to the local day in the session time zone */
Datum
kam_activity_add_tstz(PG_FUNCTION_ARGS)
{
	ActCallCache *cache = act_call_cache(fcinfo);
	DateADT		day = 0;

	if (!PG_ARGISNULL(1))
		day = kam_local_day_cached(PG_GETARG_TIMESTAMPTZ(1), "ordered_at", &cache->periods);
	return activity_add(fcinfo, day, cache);
}

Datum
kam_activity_add_ts(PG_FUNCTION_ARGS)
{
	DateADT		day = 0;

	if (!PG_ARGISNULL(1))
		day = kam_period_of_timestamp(PG_GETARG_TIMESTAMP(1), KAM_PERIOD_DAY, "ordered_at");
	return activity_add(fcinfo, day, act_call_cache(fcinfo));
}

Datum
kam_activity_add_date(PG_FUNCTION_ARGS)
{
	DateADT		day = 0;

	if (!PG_ARGISNULL(1))
		day = kam_period_of_date(PG_GETARG_DATEADT(1), KAM_PERIOD_DAY, "ordered_at");
	return activity_add(fcinfo, day, act_call_cache(fcinfo));
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

/* the state's period and as-of date must match every signature's */
static void
check_same_basis(int32 kind, DateADT as_of, const KamActivity *a)
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

static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext ctx;

	if (!AggCheckCallContext(fcinfo, &ctx))
		elog(ERROR, "%s called in non-aggregate context", fname);
	return ctx;
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

static TupleDesc
result_row_desc(FunctionCallInfo fcinfo)
{
	return BlessTupleDesc(lookup_rowtype_tupdesc_copy(result_elemtype(fcinfo), -1));
}

static ArrayType *
result_array(FunctionCallInfo fcinfo, Datum *rows, int nrows)
{
	Oid			elemtype = result_elemtype(fcinfo);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return construct_array(rows, nrows, elemtype, typlen, typbyval, typalign);
}

static inline Datum
ratio_or_null(double num, double den, bool *isnull)
{
	*isnull = (den == 0.0);
	return Float8GetDatum(*isnull ? 0.0 : num / den);
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
 * Per period p, counters over customers (see the README for definitions).
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
	char	   *acc;
} PeriodTable;

#define PT_HEADER offsetof(PeriodTable, acc)

static PeriodTable *
pt_create(MemoryContext ctx, const KamActivity *a, int32 param, int32 width)
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

	if (first < t->minfirst)
		t->minfirst = first;
	if (first >= t->lo)
		return;
	newlen = Max(need, (int64) t->len * 2);
	newlen = Min(newlen, (int64) t->P - PG_INT32_MIN);
	if (newlen * t->width > (int64) MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the orders span too many periods (%lld)", (long long) need),
				 errhint("Use a coarser period, e.g. kam.set('period', 'month').")));
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
	t->acc = NULL;
	if (datalen)
	{
		t->acc = palloc(datalen);
		memcpy(t->acc, VARDATA(b) + PT_HEADER, datalen);
	}
	return t;
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
		merge(pt_entry(a, p), pt_entry(b, p));
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
	MemoryContext ctx = agg_context(fcinfo, "kam_retention_add");
	PeriodTable *t = PG_ARGISNULL(0) ? NULL : (PeriodTable *) PG_GETARG_POINTER(0);
	int32		k = get_churn_after(fcinfo, 2);
	KamActivity *a;

	if (PG_ARGISNULL(1))
	{
		if (t == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(t);
	}
	a = PG_GETARG_ACTIVITY(1);
	if (t == NULL)
		t = pt_create(ctx, a, k, sizeof(RetAcc));
	check_same_basis(t->kind, t->as_of, a);
	check_same_param(t->param, k, "churn_after");
	pt_extend(ctx, t, a->e[0].period);
	ret_walk(t, a);
	PG_RETURN_POINTER(t);
}

/* combine for the three period-table aggregates (not strict) */
static Datum
pt_combine_fn(FunctionCallInfo fcinfo, AccMerge merge, const char *argname)
{
	MemoryContext ctx = agg_context(fcinfo, "kam period table combine");
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

	agg_context(fcinfo, "kam_retention_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	t = (PeriodTable *) PG_GETARG_POINTER(0);
	desc = result_row_desc(fcinfo);
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
	PG_RETURN_ARRAYTYPE_P(result_array(fcinfo, rows, nrows));
}

/* ------------------------------------------------------------------------
 * kam.trailing_retention(activity, window) -> kam.trailing_period[]
 *
 * For each period m: the customers with positive revenue in the earlier
 * window (periods m-2w+1 .. m-w), their revenue there and in the later
 * window (m-w+1 .. m), and the sum of the smaller of the two.
 * ------------------------------------------------------------------------
 */
typedef struct TrailAcc
{
	int64		customers;
	KamSum		start;
	KamSum		end;
	KamSum		kept;			/* sum of min(end, start) */
} TrailAcc;

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
	MemoryContext ctx = agg_context(fcinfo, "kam_trailing_add");
	PeriodTable *t = PG_ARGISNULL(0) ? NULL : (PeriodTable *) PG_GETARG_POINTER(0);
	int32		w = get_window(fcinfo, 2, "window_periods");
	KamActivity *a;
	int32		first,
				last,
				until;
	KamSum	   *cum;

	if (PG_ARGISNULL(1))
	{
		if (t == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(t);
	}
	a = PG_GETARG_ACTIVITY(1);
	if (t == NULL)
		t = pt_create(ctx, a, w, sizeof(TrailAcc));
	check_same_basis(t->kind, t->as_of, a);
	check_same_param(t->param, w, "window_periods");
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

	agg_context(fcinfo, "kam_trailing_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	t = (PeriodTable *) PG_GETARG_POINTER(0);
	desc = result_row_desc(fcinfo);
	/* only periods whose two windows both lie after the first order */
	from = (int64) t->minfirst + 2 * t->param - 1;
	rows = palloc(sizeof(Datum) * (Size) Max((int64) t->P - from + 1, 1));
	for (int64 p = from; p <= t->P; p++)
	{
		const TrailAcc *c = (const TrailAcc *) pt_entry(t, (int32) p);
		Datum		v[6];
		bool		n[6] = {0};
		double		start = kam_sum_to_double(&c->start);

		v[0] = DateADTGetDatum(kam_period_start((int32) p, (KamPeriod) t->kind));
		v[1] = Int64GetDatum(c->customers);
		v[2] = Float8GetDatum(start);
		v[3] = Float8GetDatum(kam_sum_to_double(&c->end));
		v[4] = ratio_or_null(kam_sum_to_double(&c->kept), start, &n[4]);
		v[5] = ratio_or_null(kam_sum_to_double(&c->end), start, &n[5]);
		rows[nrows++] = HeapTupleGetDatum(heap_form_tuple(desc, v, n));
	}
	PG_RETURN_ARRAYTYPE_P(result_array(fcinfo, rows, nrows));
}

/* ------------------------------------------------------------------------
 * kam.cohort_matrix(activity) -> kam.cohort_cell[]
 *
 * Cells of the cohort triangle, indexed by the cohort's age d = P - cohort
 * (so the layout does not move when older cohorts arrive) and the offset
 * k = 0 .. d: cell (d, k) is entry d(d+1)/2 + k.
 * ------------------------------------------------------------------------
 */
typedef struct CohortCell
{
	int64		active;			/* customers active at offset k */
	int64		last;			/* customers whose last active offset is k */
	KamSum		revenue;		/* the cohort's revenue at offset k */
} CohortCell;

typedef struct CohortState
{
	int32		kind;
	DateADT		as_of;
	int32		P;
	int32		ages;			/* cohorts with age 0 .. ages-1 have room */
	CohortCell *cells;
} CohortState;

#define COHORT_HEADER offsetof(CohortState, cells)
#define TRI(d) ((Size) (d) * ((d) + 1) / 2)

static void
cohort_extend(MemoryContext ctx, CohortState *s, int32 age)
{
	int32		ages;
	CohortCell *cells;

	if (age < s->ages)
		return;
	if (age >= MAX_COHORT_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cohort_matrix covers at most %d periods, the orders span %d",
						MAX_COHORT_PERIODS, age + 1),
				 errhint("Use a coarser period, e.g. kam.set('period', 'month').")));
	ages = Min(Max(age + 1, s->ages * 2), MAX_COHORT_PERIODS);
	cells = MemoryContextAllocZero(ctx, TRI(ages) * sizeof(CohortCell));
	if (s->ages > 0)
	{
		memcpy(cells, s->cells, TRI(s->ages) * sizeof(CohortCell));
		pfree(s->cells);
	}
	s->cells = cells;
	s->ages = ages;
}

Datum
kam_cohort_add(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = agg_context(fcinfo, "kam_cohort_add");
	CohortState *s = PG_ARGISNULL(0) ? NULL : (CohortState *) PG_GETARG_POINTER(0);
	KamActivity *a;
	int32		first,
				age;
	CohortCell *row;

	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	a = PG_GETARG_ACTIVITY(1);
	if (s == NULL)
	{
		s = MemoryContextAllocZero(ctx, sizeof(CohortState));
		s->kind = a->kind;
		s->as_of = a->as_of;
		s->P = activity_asof_period(a);
	}
	check_same_basis(s->kind, s->as_of, a);
	first = a->e[0].period;
	age = s->P - first;
	cohort_extend(ctx, s, age);
	row = &s->cells[TRI(age)];
	for (int i = 0; i < a->n; i++)
	{
		CohortCell *c = &row[a->e[i].period - first];

		c->active++;
		kam_sum_merge(&c->revenue, &a->e[i].revenue);
	}
	row[a->e[a->n - 1].period - first].last++;
	PG_RETURN_POINTER(s);
}

Datum
kam_cohort_combine(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = agg_context(fcinfo, "kam_cohort_combine");
	CohortState *a = PG_ARGISNULL(0) ? NULL : (CohortState *) PG_GETARG_POINTER(0);
	CohortState *b = PG_ARGISNULL(1) ? NULL : (CohortState *) PG_GETARG_POINTER(1);
	Size		ncells;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = MemoryContextAllocZero(ctx, sizeof(CohortState));
		memcpy(a, b, COHORT_HEADER);
		a->ages = 0;
	}
	if (a->kind != b->kind || a->as_of != b->as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every kam.activity value must have the same period and as-of date"),
				 errhint("Compute the signatures with the same period and as_of arguments.")));
	if (b->ages == 0)
		PG_RETURN_POINTER(a);
	cohort_extend(ctx, a, b->ages - 1);
	ncells = TRI(b->ages);
	for (Size i = 0; i < ncells; i++)
	{
		a->cells[i].active += b->cells[i].active;
		a->cells[i].last += b->cells[i].last;
		kam_sum_merge(&a->cells[i].revenue, &b->cells[i].revenue);
	}
	PG_RETURN_POINTER(a);
}

Datum
kam_cohort_serialize(PG_FUNCTION_ARGS)
{
	CohortState *s = (CohortState *) PG_GETARG_POINTER(0);
	Size		datalen = TRI(s->ages) * sizeof(CohortCell);
	bytea	   *b = palloc(VARHDRSZ + COHORT_HEADER + datalen);

	SET_VARSIZE(b, VARHDRSZ + COHORT_HEADER + datalen);
	memcpy(VARDATA(b), s, COHORT_HEADER);
	if (datalen)
		memcpy(VARDATA(b) + COHORT_HEADER, s->cells, datalen);
	PG_RETURN_BYTEA_P(b);
}

Datum
kam_cohort_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	CohortState *s = palloc(sizeof(CohortState));
	Size		datalen;

	memcpy(s, VARDATA_ANY(b), COHORT_HEADER);
	datalen = TRI(s->ages) * sizeof(CohortCell);
	s->cells = NULL;
	if (datalen)
	{
		s->cells = palloc(datalen);
		memcpy(s->cells, VARDATA_ANY(b) + COHORT_HEADER, datalen);
	}
	PG_RETURN_POINTER(s);
}

Datum
kam_cohort_final(PG_FUNCTION_ARGS)
{
	CohortState *s;
	TupleDesc	desc;
	Datum	   *rows;
	int			nrows = 0;

	agg_context(fcinfo, "kam_cohort_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (CohortState *) PG_GETARG_POINTER(0);
	desc = result_row_desc(fcinfo);
	rows = palloc(Max(TRI(s->ages), 1) * sizeof(Datum));
	/* oldest cohort first */
	for (int32 d = s->ages - 1; d >= 0; d--)
	{
		CohortCell *row = &s->cells[TRI(d)];
		int64		size = 0;
		int64		after = 0;
		double		rev0 = kam_sum_to_double(&row[0].revenue);
		int			base = nrows;

		for (int32 k = 0; k <= d; k++)
			size += row[k].last;
		if (size == 0)
			continue;
		CHECK_FOR_INTERRUPTS();
		for (int32 k = d; k >= 0; k--)
		{
			Datum		v[8];
			bool		n[8] = {0};

			after += row[k].last;
			v[0] = DateADTGetDatum(kam_period_start(s->P - d, (KamPeriod) s->kind));
			v[1] = Int32GetDatum(k);
			v[2] = Int64GetDatum(size);
			v[3] = Int64GetDatum(row[k].active);
			v[4] = Int64GetDatum(after);
			v[5] = Float8GetDatum((double) row[k].active / (double) size);
			v[6] = Float8GetDatum((double) after / (double) size);
			v[7] = ratio_or_null(kam_sum_to_double(&row[k].revenue), rev0, &n[7]);
			rows[base + k] = HeapTupleGetDatum(heap_form_tuple(desc, v, n));
		}
		nrows += d + 1;
	}
	PG_RETURN_ARRAYTYPE_P(result_array(fcinfo, rows, nrows));
}
