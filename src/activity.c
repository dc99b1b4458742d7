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
 * doc/retention.md.
 */
#include "activity.h"
#include "typefmt.h"

#include <ctype.h>

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
 *
 * Formats.  Text: "v2 month 2025-12-31 | 2025-10-01=12.340000000, ..." (the
 * format, the period, the as-of date, then each active period's first day
 * and its exact revenue; dates ISO, so the text does not depend on
 * DateStyle).  kam 0.1.0 wrote the same without "v2 " (format 1), which
 * still reads.  Binary: a format byte (2), the period byte, int32 as-of
 * date, int32 n, then n times (int32 period, int64 and uint64 halves of the
 * revenue); format 1 (0.1.0) is int32 period, int32 as-of, int32 n and the
 * same entries, and still reads (its first byte is always 0).  Stored: see
 * activity.h.  Every input (text, binary, a 0.1.0 stored value) goes through
 * activity_validate, which accepts exactly what kam's aggregates can make.
 * ------------------------------------------------------------------------
 */
static KamActivity *
activity_alloc(KamPeriod kind, DateADT as_of, int32 cap)
{
	KamActivity *a;

	if (cap < 0 || cap > ACT_MAX_ENTRIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a kam.activity value can hold at most %d active periods", ACT_MAX_ENTRIES),
				 errhint("Use a longer period, e.g. 'month'.")));
	a = palloc0(ACT_SIZE(cap));
	SET_VARSIZE(a, ACT_SIZE(cap));
	a->format = ACT_FORMAT;
	a->kind = kind;
	a->as_of = as_of;
	a->n = 0;
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

/* the first and last days PostgreSQL's date type holds */
#define ACT_MIN_DAY ((DateADT) (DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE))
#define ACT_MAX_DAY ((DateADT) (DATE_END_JULIAN - POSTGRES_EPOCH_JDATE - 1))

/* the first period of this kind that starts on a valid date */
static int32
act_min_period(KamPeriod kind)
{
	int32		p = kam_period_of_day(ACT_MIN_DAY, kind);

	return (kam_period_start(p, kind) < ACT_MIN_DAY) ? p + 1 : p;
}

static pg_noinline void
act_invalid(bool binary, const char *msg)
{
	ereport(ERROR,
			(errcode(binary ? ERRCODE_INVALID_BINARY_REPRESENTATION : ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("%s", msg),
			 errhint("Use a value that kam.activity(...) or kam.activity_merge(...) made.")));
}

/*
 * The one validator of every input (text, binary, a 0.1.0 stored value): it
 * accepts exactly what the aggregate and the merge can make.  `binary` picks
 * the SQLSTATE of malformed values (22P03 or 22P02); values out of a range
 * get 22008 (dates) or 22003 (sums) either way.
 */
static void
activity_validate(const KamActivity *a, bool binary)
{
	int32		last_ok;
	int32		first_ok;

	if (a->kind < 0 || a->kind >= KAM_N_PERIODS)
		act_invalid(binary, "the period of a kam.activity value must be day, week, month, quarter or year");
	if (DATE_NOT_FINITE(a->as_of) || a->as_of < ACT_MIN_DAY || a->as_of > ACT_MAX_DAY)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("the as-of date of a kam.activity value is out of range"),
				 errhint("The as-of date is a finite date between 4713 BC and 5874897 AD.")));
	if (a->n < 1 || a->n > ACT_MAX_ENTRIES)
		act_invalid(binary, "a kam.activity value must list at least one active period");
	if (a->reserved != 0)
		act_invalid(binary, "a reserved field of a kam.activity value is not zero");
	last_ok = activity_asof_period(a);
	first_ok = act_min_period((KamPeriod) a->kind);
	for (int32 i = 0; i < a->n; i++)
	{
		const ActEntry *e = &a->e[i];

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		if (i > 0 && e->period <= a->e[i - 1].period)
			act_invalid(binary, "the periods of a kam.activity value must be distinct and ascending");
		if (e->reserved != 0)
			act_invalid(binary, "a reserved field of a kam.activity value is not zero");
		if (e->period > last_ok)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("a kam.activity value has a period after its as-of date")));
		if (e->period < first_ok)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("a kam.activity value has a period that starts before 4714-11-24 BC")));
		kam_sum_check_input(&e->revenue, "kam.activity");
	}
}

/*
 * The value of a kam.activity argument in the current format.  A value
 * stored by kam 0.1.0 (format 1) is read into the current layout and checked
 * as an input would be; anything else is refused.
 */
KamActivity *
act_get(Datum d)
{
	KamActivity *a = (KamActivity *) PG_DETOAST_DATUM(d);
	uint32		word = a->format;
	KamActivity *r;
	int32		n;

	if (likely(word == ACT_FORMAT))
		return a;
	if (word < KAM_N_PERIODS && VARSIZE(a) >= ACT_HDRSZ)
	{
		/* format 1: kind, as_of, n, cap, reserved; the same entries */
		const int32 *h = (const int32 *) &a->format;

		n = h[2];
		if (n >= 1 && n <= h[3] && ACT_SIZE(h[3]) == VARSIZE(a))
		{
			r = activity_alloc((KamPeriod) h[0], h[1], n);
			r->n = n;
			memcpy(r->e, a->e, (Size) n * sizeof(ActEntry));
			for (int32 i = 0; i < n; i++)
				r->e[i].reserved = 0;
			activity_validate(r, true);
			return r;
		}
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("stored kam.activity value has an unknown format"),
			 errdetail("The value is neither format 2 (kam 0.2.0) nor format 1 (kam 0.1.0)."),
			 errhint("Recompute it from the orders with kam.activity(ordered_at, amount, period, as_of).")));
	pg_unreachable();
}

static pg_noinline void
activity_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type kam.activity: \"%s\"", str),
			 errdetail("%s", detail),
			 errhint("Write \"v2 period as_of | period_start=revenue, ...\", e.g. \"v2 month 2025-12-31 | 2025-11-01=12.5\".")));
}

static const char *
skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/*
 * An ISO date as kam's output writes it: YYYY-MM-DD with four or more year
 * digits, " BC" for years before 1 AD.  22P02 for anything else, 22008 for a
 * date PostgreSQL's date type does not hold.
 */
static const char *
parse_iso_date(const char *p, DateADT *out, const char *str)
{
	int64		y = 0;
	int			m,
				d,
				ndig = 0;
	int64		j;

	p = skip_spaces(p);
	if (pg_strncasecmp(p, "infinity", 8) == 0 || pg_strncasecmp(p, "-infinity", 9) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("dates in a kam.activity value must be finite"),
				 errhint("The as-of date and the periods are finite dates, e.g. 2025-12-31.")));
	while (*p >= '0' && *p <= '9' && ndig < 9)
	{
		y = y * 10 + (*p++ - '0');
		ndig++;
	}
	if (ndig < 4 || p[0] != '-' || !isdigit((unsigned char) p[1]) || !isdigit((unsigned char) p[2]) ||
		p[3] != '-' || !isdigit((unsigned char) p[4]) || !isdigit((unsigned char) p[5]))
		activity_syntax_error(str, "Dates are written YYYY-MM-DD.");
	m = (p[1] - '0') * 10 + (p[2] - '0');
	d = (p[4] - '0') * 10 + (p[5] - '0');
	p += 6;
	if (strncmp(p, " BC", 3) == 0)
	{
		if (y == 0)
			activity_syntax_error(str, "There is no year 0 BC.");
		y = -(y - 1);
		p += 3;
	}
	else if (y == 0)
		activity_syntax_error(str, "There is no year 0.");
	if (m < 1 || m > 12 || d < 1 || d > day_tab[isleap(y)][m - 1])
		activity_syntax_error(str, "A date names a day that does not exist.");
	if (!IS_VALID_JULIAN(y, m, d))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date out of range in kam.activity value: \"%s\"", str)));
	j = (int64) date2j((int) y, m, d) - POSTGRES_EPOCH_JDATE;
	if (j < ACT_MIN_DAY || j > ACT_MAX_DAY)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date out of range in kam.activity value: \"%s\"", str)));
	*out = (DateADT) j;
	return p;
}

Datum
kam_activity_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	char		word[16];
	int			len = 0;
	int			kind = -1;
	int			format;
	DateADT		as_of;
	KamActivity *a;
	int32		cap = 4;

	format = kam_text_format(&p, str, "kam.activity");
	if (format != 0 && format != ACT_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("kam.activity text format v%d is not supported", format),
				 errdetail("This kam reads format v2 and the unmarked format of kam 0.1.0."),
				 errhint("Recompute the value with kam.activity(ordered_at, amount, period, as_of).")));
	p = skip_spaces(p);
	while (p[len] && p[len] != ' ' && len < (int) sizeof(word) - 1)
	{
		word[len] = p[len];
		len++;
	}
	word[len] = '\0';
	for (int i = 0; i < KAM_N_PERIODS; i++)
		if (pg_strcasecmp(word, kam_period_name((KamPeriod) i)) == 0)
			kind = i;
	if (kind < 0 || p[len] != ' ')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type kam.activity: \"%s\"", str),
				 errdetail("The value starts with the period (day, week, month, quarter or year), got \"%s\".", word),
				 errhint("Write \"v2 period as_of | period_start=revenue, ...\", e.g. \"v2 month 2025-12-31 | 2025-11-01=12.5\".")));
	p = parse_iso_date(p + len, &as_of, str);
	p = skip_spaces(p);
	if (*p != '|')
		activity_syntax_error(str, "Expected \"|\" after the as-of date.");
	p = skip_spaces(p + 1);
	a = activity_alloc((KamPeriod) kind, as_of, cap);
	while (*p)
	{
		DateADT		start;
		char	   *end;
		ActEntry   *e;

		CHECK_FOR_INTERRUPTS();
		if (a->n == cap)
		{
			KamActivity *bigger;

			if (cap >= ACT_MAX_ENTRIES)
				(void) activity_alloc((KamPeriod) kind, as_of, -1);
			cap = (int32) Min((int64) cap * 2, (int64) ACT_MAX_ENTRIES);
			bigger = activity_alloc((KamPeriod) kind, as_of, cap);
			memcpy(bigger->e, a->e, (Size) a->n * sizeof(ActEntry));
			bigger->n = a->n;
			pfree(a);
			a = bigger;
		}
		e = &a->e[a->n];
		p = parse_iso_date(p, &start, str);
		e->period = kam_period_of_day(start, (KamPeriod) kind);
		if (kam_period_start(e->period, (KamPeriod) kind) != start)
		{
			char		d[MAXDATELEN + 1];

			date_to_iso(start, d);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("%s is not the first day of a %s in kam.activity value \"%s\"",
							d, kam_period_name((KamPeriod) kind), str),
					 errhint("Every period is given by its first day.")));
		}
		p = skip_spaces(p);
		if (*p != '=')
			activity_syntax_error(str, "Expected \"=\" after a period's first day.");
		p = skip_spaces(p + 1);
		if (!kam_sum_from_cstring(p, &e->revenue, &end))
			activity_syntax_error(str, "A revenue is a decimal number with at most nine decimals.");
		a->n++;
		p = skip_spaces(end);
		if (*p == '\0')
			break;
		if (*p != ',')
			activity_syntax_error(str, "Expected \",\" between periods.");
		p = skip_spaces(p + 1);
		if (*p == '\0')
			activity_syntax_error(str, "A period is missing after \",\".");
	}
	activity_validate(a, false);
	SET_VARSIZE(a, ACT_SIZE(a->n));
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
	appendStringInfo(&s, "v%d %s %s |", ACT_FORMAT_VERSION, kam_period_name((KamPeriod) a->kind), date);
	for (int32 i = 0; i < a->n; i++)
	{
		char	   *rev = kam_sum_to_cstring(&a->e[i].revenue);

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		date_to_iso(kam_period_start(a->e[i].period, (KamPeriod) a->kind), date);
		appendStringInfo(&s, "%s %s=%s", i > 0 ? "," : "", date, rev);
		pfree(rev);
	}
	PG_RETURN_CSTRING(s.data);
}

#define ACT_WIRE_ENTRY 20		/* int32 period, int64 hi, int64 lo */

Datum
kam_activity_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			format;
	int32		kind;
	DateADT		as_of;
	int32		n;
	int64		left;
	KamActivity *a;

	if (buf->len - buf->cursor < 1)
		act_invalid(true, "a binary kam.activity value is empty");
	format = (unsigned char) buf->data[buf->cursor];
	if (format == 0)
	{
		/* format 1 (kam 0.1.0): int32 kind, int32 as_of, int32 n */
		if (buf->len - buf->cursor < 12)
			act_invalid(true, "a binary kam.activity value is shorter than its header");
		kind = pq_getmsgint(buf, 4);
	}
	else if (format == ACT_FORMAT_VERSION)
	{
		if (buf->len - buf->cursor < 10)
			act_invalid(true, "a binary kam.activity value is shorter than its header");
		(void) pq_getmsgbyte(buf);
		kind = pq_getmsgbyte(buf);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("kam.activity binary format %d is not supported", format),
				 errdetail("This kam reads format 2 and format 1 (kam 0.1.0)."),
				 errhint("Recompute the value with kam.activity(ordered_at, amount, period, as_of).")));
	as_of = pq_getmsgint(buf, 4);
	n = pq_getmsgint(buf, 4);
	/* the length must fit the count exactly, checked before anything is allocated */
	left = buf->len - buf->cursor;
	if (n < 1 || n > ACT_MAX_ENTRIES || left != (int64) n * ACT_WIRE_ENTRY)
		act_invalid(true, "the number of periods of a binary kam.activity value does not match its length");
	if (kind < 0 || kind >= KAM_N_PERIODS)
		act_invalid(true, "the period of a kam.activity value must be day, week, month, quarter or year");
	a = activity_alloc((KamPeriod) kind, as_of, n);
	for (int32 i = 0; i < n; i++)
	{
		a->e[i].period = pq_getmsgint(buf, 4);
		a->e[i].revenue.hi = (int64) pq_getmsgint64(buf);
		a->e[i].revenue.lo = (uint64) pq_getmsgint64(buf);
	}
	a->n = n;
	activity_validate(a, true);
	PG_RETURN_POINTER(a);
}

Datum
kam_activity_send(PG_FUNCTION_ARGS)
{
	KamActivity *a = PG_GETARG_ACTIVITY(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, ACT_FORMAT_VERSION);
	pq_sendbyte(&buf, (uint8) a->kind);
	pq_sendint32(&buf, a->as_of);
	pq_sendint32(&buf, a->n);
	for (int32 i = 0; i < a->n; i++)
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
	bool		in_agg = kam_in_aggregate(fcinfo);

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
	else if (in_agg && ((KamActivity *) PG_GETARG_POINTER(0))->format == ACT_FORMAT)
		a = (KamActivity *) PG_GETARG_POINTER(0);
	else
	{
		/* not our own state: work on a copy (of exactly n entries) */
		KamActivity *v = PG_GETARG_ACTIVITY(0);

		a = activity_alloc((KamPeriod) v->kind, v->as_of, v->n);
		memcpy(a->e, v->e, (Size) v->n * sizeof(ActEntry));
		a->n = v->n;
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
	if (unlikely(period < act_min_period(kind)))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("ordered_at is in a %s that starts before 4714-11-24 BC, the first date PostgreSQL holds",
						kam_period_name(kind)),
				 errhint("Leave out orders before 4714-11-24 BC, or use the period 'day'.")));
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
		if (a->n == ACT_CAP(a))
		{
			KamActivity *bigger = activity_alloc(kind, as_of, (a->n >= ACT_MAX_ENTRIES) ? -1 :
												 (int32) Min((int64) a->n * 2, (int64) ACT_MAX_ENTRIES));

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
	/* spare room stays in the aggregate's state only, never in a value */
	if (!in_agg)
		SET_VARSIZE(a, ACT_SIZE(a->n));
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
	SET_VARSIZE(m, ACT_SIZE(m->n));
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
