/*
 * survival.c -- the kam.survival type and the Kaplan-Meier aggregates
 *
 * kam.km_fit(duration, event) aggregates right-censored observations into a
 * kam.survival (survival.h): the compact histogram of the distinct times,
 * each with its number of events and of censorings; kam.km_merge merges
 * fits.  A histogram of integer counts merges exactly, so the result does not
 * depend on the order of the rows or on how a parallel (or sharded) plan
 * splits them: serial and parallel fits are bit-identical.  The curve and
 * its statistics are in survival_curve.c.
 *
 * Formats.  Text: "v2 {(time,events,censored),...}", times printed exactly
 * (the shortest form that reads back, whatever the session's
 * extra_float_digits); kam 0.1.0 wrote the same without "v2 " (format 1),
 * which still reads.  Binary: a format byte (2), int32 n, then n times (float8
 * time, int64 events, int64 censored); format 1 (0.1.0) is the same without
 * the format byte, told apart by the length (4 + 24n bytes, where format 2
 * has 5 + 24n).  Stored: see survival.h.  Every input (text, binary, a 0.1.0
 * stored value) goes through one validator that accepts exactly what the
 * aggregates can make.
 *
 * Representation.  The flat form (what is stored, sent and printed) is the
 * histogram sorted by time.  While aggregating, the state is an expanded
 * object (utils/expandeddatum.h) in the aggregate's memory context: a sorted
 * run plus a buffer of not yet sorted entries, merged into the run when the
 * buffer is as long as the run (so each row costs O(log n) amortized), and
 * always before the state is flattened.  While the run is short (integer
 * durations such as periods), a row whose time is in it is counted in place
 * after a binary search, so the state stays at the distinct times.
 */
#include "survival.h"
#include "period.h"
#include "typefmt.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"

/* pending entries are merged once there are this many, or as many as sorted */
#define KM_MIN_PENDING 1024

/*
 * A new row's time is looked up in the sorted run only while the run is this
 * short (it stays in cache); past that, rows are appended and the merge folds
 * equal times, which costs less than a cache-missing search per row.
 */
#define KM_MAX_SEARCHED 4096

/* expanded form, the aggregate state */
typedef struct KmExpanded
{
	ExpandedObjectHeader hdr;
	KmEntry    *e;				/* e[0..nsorted) sorted, e[nsorted..n) pending */
	int32		nsorted;
	int32		n;
	int32		cap;
} KmExpanded;

PG_FUNCTION_INFO_V1(kam_survival_in);
PG_FUNCTION_INFO_V1(kam_survival_out);
PG_FUNCTION_INFO_V1(kam_survival_recv);
PG_FUNCTION_INFO_V1(kam_survival_send);
PG_FUNCTION_INFO_V1(kam_km_fit_transfn);
PG_FUNCTION_INFO_V1(kam_km_combine);

static Size km_get_flat_size(ExpandedObjectHeader *eohptr);
static void km_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods km_methods = {
	km_get_flat_size,
	km_flatten_into
};

/* ------------------------------------------------------------------------
 * Histogram helpers
 * ------------------------------------------------------------------------
 */

static int
km_entry_cmp(const void *a, const void *b)
{
	double		x = ((const KmEntry *) a)->time;
	double		y = ((const KmEntry *) b)->time;

	return (x > y) - (x < y);
}

static pg_noinline void
km_count_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("kam.survival count is out of range"),
			 errdetail("A survival curve counts at most 2^63 - 1 subjects."),
			 errhint("Merge fewer survival curves.")));
}

static inline void
km_add_counts(KmEntry *dst, const KmEntry *src)
{
	if (__builtin_add_overflow(dst->events, src->events, &dst->events) ||
		__builtin_add_overflow(dst->censored, src->censored, &dst->censored))
		km_count_overflow();
}

static pg_noinline void
km_too_many_times(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("kam.survival can hold at most %d distinct times", KM_MAX_ENTRIES),
			 errhint("Round the durations, e.g. to whole days or periods.")));
}

/*
 * Merges sorted runs a[0..na) and b[0..nb) (each strictly ascending) into
 * out, adding the counts of equal times; returns the number written.
 */
static int32
km_merge_runs(const KmEntry *a, int32 na, const KmEntry *b, int32 nb, KmEntry *out)
{
	int32		i = 0,
				j = 0,
				k = 0;

	while (i < na || j < nb)
	{
		CHECK_FOR_INTERRUPTS();
		if (j >= nb || (i < na && a[i].time < b[j].time))
			out[k++] = a[i++];
		else if (i >= na || b[j].time < a[i].time)
			out[k++] = b[j++];
		else
		{
			out[k] = a[i++];
			km_add_counts(&out[k++], &b[j++]);
		}
	}
	return k;
}

/* sorts e[0..n) by time and folds equal times together; returns the new n */
static int32
km_sort_fold(KmEntry *e, int32 n)
{
	int32		k = 0;

	if (n == 0)
		return 0;
	qsort(e, n, sizeof(KmEntry), km_entry_cmp);
	for (int32 i = 1; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (e[i].time == e[k].time)
			km_add_counts(&e[k], &e[i]);
		else
			e[++k] = e[i];
	}
	return k + 1;
}

/* ------------------------------------------------------------------------
 * Expanded state
 * ------------------------------------------------------------------------
 */

static KmExpanded *
km_expanded_new(MemoryContext parent, int32 cap)
{
	MemoryContext objcxt;
	KmExpanded *ex;

	objcxt = AllocSetContextCreate(parent, "kam.survival", ALLOCSET_SMALL_SIZES);
	ex = MemoryContextAlloc(objcxt, sizeof(KmExpanded));
	EOH_init_header(&ex->hdr, &km_methods, objcxt);
	ex->cap = Max(cap, 16);
	ex->e = MemoryContextAlloc(objcxt, ex->cap * sizeof(KmEntry));
	ex->nsorted = 0;
	ex->n = 0;
	return ex;
}

/* makes room for `more` entries after e[0..n) */
static void
km_expanded_reserve(KmExpanded *ex, int32 more)
{
	int64		need = (int64) ex->n + more;
	int64		cap;

	if (need <= ex->cap)
		return;
	if (need > KM_MAX_ENTRIES)
		km_too_many_times();
	cap = Min(Max((int64) ex->cap * 2, need), (int64) KM_MAX_ENTRIES);
	ex->e = repalloc(ex->e, cap * sizeof(KmEntry));
	ex->cap = (int32) cap;
}

/* merges the pending entries into the sorted prefix */
static void
km_expanded_normalize(KmExpanded *ex)
{
	int32		npending = ex->n - ex->nsorted;
	KmEntry    *merged;

	if (npending == 0)
		return;
	npending = km_sort_fold(ex->e + ex->nsorted, npending);
	merged = MemoryContextAlloc(ex->hdr.eoh_context, ex->cap * sizeof(KmEntry));
	ex->n = km_merge_runs(ex->e, ex->nsorted, ex->e + ex->nsorted, npending, merged);
	ex->nsorted = ex->n;
	pfree(ex->e);
	ex->e = merged;
}

/* adds (time, events, censored) to the state */
static void
km_expanded_add(KmExpanded *ex, double time, bool event)
{
	/* a time already in a short sorted run: count it in place */
	int32		searched = (ex->nsorted <= KM_MAX_SEARCHED) ? ex->nsorted : 0;
	int32		lo = 0,
				hi = searched;
	KmEntry    *e;

	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (ex->e[mid].time < time)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < searched && ex->e[lo].time == time)
		e = &ex->e[lo];
	else if (ex->n > ex->nsorted && ex->e[ex->n - 1].time == time)
		e = &ex->e[ex->n - 1];
	else
	{
		if (ex->n - ex->nsorted >= Max(ex->nsorted, KM_MIN_PENDING))
			km_expanded_normalize(ex);
		km_expanded_reserve(ex, 1);
		e = &ex->e[ex->n++];
		e->time = time;
		e->events = 0;
		e->censored = 0;
	}
	if (event)
		e->events++;
	else
		e->censored++;
}

/* the number of distinct times in the union of two sorted runs */
static int64
km_union_size(const KmEntry *a, int32 na, const KmEntry *b, int32 nb)
{
	int32		i = 0,
				j = 0;
	int64		k = 0;

	while (i < na || j < nb)
	{
		CHECK_FOR_INTERRUPTS();
		if (j >= nb || (i < na && a[i].time < b[j].time))
			i++;
		else if (i >= na || b[j].time < a[i].time)
			j++;
		else
		{
			i++;
			j++;
		}
		k++;
	}
	return k;
}

/* merges a flat histogram into the state */
static void
km_expanded_merge(KmExpanded *ex, const KmSurvival *s)
{
	KmEntry    *merged;
	int64		cap;

	km_expanded_normalize(ex);
	cap = (int64) ex->n + s->n;
	if (cap > KM_MAX_ENTRIES)
	{
		/* equal times fold together: only the union has to fit */
		cap = km_union_size(ex->e, ex->n, s->entries, s->n);
		if (cap > KM_MAX_ENTRIES)
			km_too_many_times();
	}
	cap = Max(cap, ex->cap);
	merged = MemoryContextAlloc(ex->hdr.eoh_context, cap * sizeof(KmEntry));
	ex->n = km_merge_runs(ex->e, ex->n, s->entries, s->n, merged);
	ex->nsorted = ex->n;
	ex->cap = (int32) cap;
	pfree(ex->e);
	ex->e = merged;
}

static Size
km_get_flat_size(ExpandedObjectHeader *eohptr)
{
	KmExpanded *ex = (KmExpanded *) eohptr;

	Assert(ex->hdr.eoh_methods == &km_methods);
	/* normalizing changes the representation, never the value */
	km_expanded_normalize(ex);
	return KM_HDRSZ + ex->n * sizeof(KmEntry);
}

static void
km_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	KmExpanded *ex = (KmExpanded *) eohptr;
	KmSurvival *s = (KmSurvival *) result;

	Assert(ex->nsorted == ex->n);
	Assert(allocated_size == KM_HDRSZ + ex->n * sizeof(KmEntry));
	memset(s, 0, allocated_size);
	SET_VARSIZE(s, allocated_size);
	s->format = KM_FORMAT;
	s->n = ex->n;
	memcpy(s->entries, ex->e, ex->n * sizeof(KmEntry));
}

/*
 * The state argument of a transition or combine function as our expanded
 * object in the aggregate context: the read-write object nodeAgg hands back,
 * or a new one holding a copy of a flat value.
 */
static KmExpanded *
km_state(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;
	Datum		d;
	KmExpanded *ex;
	KmSurvival *s;

	aggcontext = kam_agg_context(fcinfo, fname, "Use kam.km_fit or kam.km_merge.");
	if (PG_ARGISNULL(0))
		return km_expanded_new(aggcontext, 0);
	d = PG_GETARG_DATUM(0);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
	{
		ex = (KmExpanded *) DatumGetEOHP(d);
		if (ex->hdr.eoh_methods != &km_methods)
			elog(ERROR, "%s: state is not a kam.survival", fname);
		return ex;
	}
	s = kam_survival_get(d);
	ex = km_expanded_new(aggcontext, s->n);
	km_expanded_merge(ex, s);
	return ex;
}

/* ------------------------------------------------------------------------
 * Validation and I/O of the flat form
 * ------------------------------------------------------------------------
 */

/* checks one entry following `prev` (NULL for the first); NULL when valid */
static const char *
km_entry_problem(const KmEntry *e, const KmEntry *prev)
{
	if (isnan(e->time) || isinf(e->time))
		return "Times must be finite.";
	if (e->time < 0 || (e->time == 0 && signbit(e->time)))
		return "Times must not be negative.";
	if (prev != NULL && !(e->time > prev->time))
		return "Times must be strictly ascending.";
	if (e->events < 0 || e->censored < 0)
		return "Counts must not be negative.";
	if (e->events == 0 && e->censored == 0)
		return "Each time needs at least one event or censoring.";
	return NULL;
}

/* total subjects, erroring out when they overflow int64 */
int64
kam_survival_total(const KmSurvival *s)
{
	int64		total = 0;

	for (int32 i = 0; i < s->n; i++)
	{
		if (__builtin_add_overflow(total, s->entries[i].events, &total) ||
			__builtin_add_overflow(total, s->entries[i].censored, &total))
			km_count_overflow();
	}
	return total;
}

/*
 * The one validator of every input (text, binary, a 0.1.0 stored value):
 * what km_fit and km_merge can make.  Malformed values get 22P03 (binary) or
 * 22P02 (text), a total count past 2^63 - 1 gets 22003.
 */
static void
km_validate(const KmSurvival *s, bool binary)
{
	if (s->n < 1 || s->n > KM_MAX_ENTRIES || s->reserved != 0)
		ereport(ERROR,
				(errcode(binary ? ERRCODE_INVALID_BINARY_REPRESENTATION : ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid %s kam.survival value", binary ? "binary" : "text"),
				 errdetail("A survival curve holds at least one observation.")));
	for (int32 i = 0; i < s->n; i++)
	{
		const char *problem;

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		problem = km_entry_problem(&s->entries[i], i > 0 ? &s->entries[i - 1] : NULL);
		if (problem)
			ereport(ERROR,
					(errcode(binary ? ERRCODE_INVALID_BINARY_REPRESENTATION : ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid %s kam.survival value: %s", binary ? "binary" : "text", problem),
					 errhint("Use a value that kam.km_fit(...) or kam.km_merge(...) made.")));
	}
	(void) kam_survival_total(s);
}

static KmSurvival *
km_flat_alloc(int32 n)
{
	KmSurvival *s;

	if (n < 0 || n > KM_MAX_ENTRIES)
		km_too_many_times();
	s = palloc0(KM_SIZE(n));
	SET_VARSIZE(s, KM_SIZE(n));
	s->format = KM_FORMAT;
	s->n = n;
	return s;
}

/*
 * The value of a kam.survival argument in the current format.  A value
 * stored by kam 0.1.0 (format 1) is read into the current layout and checked
 * as an input would be; anything else is refused.
 */
KmSurvival *
kam_survival_get(Datum d)
{
	KmSurvival *s = (KmSurvival *) PG_DETOAST_DATUM(d);
	uint32		word = s->format;
	KmSurvival *r;

	if (likely(word == KM_FORMAT))
		return s;
	if (word >= 1 && word <= (uint32) KM_MAX_ENTRIES_V1 &&
		VARSIZE(s) == KM_HDRSZ_V1 + (Size) word * sizeof(KmEntry))
	{
		r = km_flat_alloc((int32) word);
		memcpy(r->entries, (const char *) s + KM_HDRSZ_V1, (Size) word * sizeof(KmEntry));
		for (int32 i = 0; i < r->n; i++)
			if (r->entries[i].time == 0)
				r->entries[i].time = 0;
		km_validate(r, true);
		return r;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("stored kam.survival value has an unknown format"),
			 errdetail("The value is neither format 2 (kam 0.2.0) nor format 1 (kam 0.1.0)."),
			 errhint("Recompute it from the observations with kam.km_fit(duration, event).")));
	pg_unreachable();
}

static pg_noinline void
km_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type kam.survival: \"%s\"", str),
			 errdetail("%s", detail),
			 errhint("Write v2 {(time,events,censored),...} with times ascending, e.g. v2 {(5,2,0),(8,1,1)}.")));
}

static pg_noinline void
km_out_of_range(const char *str, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s is out of range in kam.survival value: \"%s\"", what, str),
			 errhint("Times are finite float8 values, counts at most 9223372036854775807.")));
}

static const char *
km_skip_space(const char *p)
{
	while (*p && isspace((unsigned char) *p))
		p++;
	return p;
}

static const char *
km_expect(const char *p, char c, const char *str)
{
	p = km_skip_space(p);
	if (*p != c)
	{
		char		detail[64];

		snprintf(detail, sizeof(detail), "Expected \"%c\".", c);
		km_syntax_error(str, detail);
	}
	return p + 1;
}

static const char *
km_read_count(const char *p, int64 *out, const char *str)
{
	char	   *end;
	long long	v;

	p = km_skip_space(p);
	if (!isdigit((unsigned char) *p))
		km_syntax_error(str, "Counts must be non-negative integers.");
	errno = 0;
	v = strtoll(p, &end, 10);
	if (errno == ERANGE)
		km_out_of_range(str, "a count");
	*out = (int64) v;
	return end;
}

/*
 * A time as float8out writes it.  Subnormal numbers (e.g. 5e-324) are read
 * (strtod reports ERANGE for them, but they are exact values km_fit takes);
 * a number that underflows to zero or overflows is out of range.
 */
static const char *
km_read_time(const char *p, double *out, const char *str)
{
	char	   *end;
	double		v;

	p = km_skip_space(p);
	errno = 0;
	v = strtod(p, &end);
	if (end == p)
		km_syntax_error(str, "A time must be a number.");
	if (errno == ERANGE && (v == 0 || isinf(v)))
		km_out_of_range(str, "a time");
	if (v == 0)
		v = 0;					/* no negative zero */
	*out = v;
	return end;
}

Datum
kam_survival_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	int32		n = 0,
				cap = 16;
	KmSurvival *s = km_flat_alloc(cap);
	int			format = kam_text_format(&p, str, "kam.survival");

	if (format != 0 && format != KM_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("kam.survival text format v%d is not supported", format),
				 errdetail("This kam reads format v2 and the unmarked format of kam 0.1.0."),
				 errhint("Recompute the value with kam.km_fit(duration, event).")));
	p = km_expect(p, '{', str);
	p = km_skip_space(p);
	if (*p == '}')
		km_syntax_error(str, "A survival curve holds at least one observation.");
	for (;;)
	{
		KmEntry    *e;
		const char *problem;

		CHECK_FOR_INTERRUPTS();
		if (n == cap)
		{
			KmSurvival *bigger;

			if (cap >= KM_MAX_ENTRIES)
				km_too_many_times();
			cap = (int32) Min((int64) cap * 2, (int64) KM_MAX_ENTRIES);
			bigger = km_flat_alloc(cap);
			memcpy(bigger->entries, s->entries, (Size) n * sizeof(KmEntry));
			pfree(s);
			s = bigger;
		}
		e = &s->entries[n];
		p = km_expect(p, '(', str);
		p = km_read_time(p, &e->time, str);
		p = km_expect(p, ',', str);
		p = km_read_count(p, &e->events, str);
		p = km_expect(p, ',', str);
		p = km_read_count(p, &e->censored, str);
		p = km_expect(p, ')', str);
		problem = km_entry_problem(e, n > 0 ? e - 1 : NULL);
		if (problem)
			km_syntax_error(str, problem);
		n++;
		p = km_skip_space(p);
		if (*p == ',')
		{
			p++;
			continue;
		}
		break;
	}
	p = km_expect(p, '}', str);
	p = km_skip_space(p);
	if (*p != '\0')
		km_syntax_error(str, "Unexpected text after \"}\".");
	s->n = n;
	SET_VARSIZE(s, KM_SIZE(n));
	km_validate(s, false);
	PG_RETURN_POINTER(s);
}

Datum
kam_survival_out(PG_FUNCTION_ARGS)
{
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d {", KM_FORMAT_VERSION);
	for (int32 i = 0; i < s->n; i++)
	{
		char		t[DOUBLE_SHORTEST_DECIMAL_LEN];

		CHECK_FOR_INTERRUPTS();
		/* the shortest exact form, whatever the session's extra_float_digits */
		double_to_shortest_decimal_buf(s->entries[i].time, t);
		appendStringInfo(&buf, "%s(%s," INT64_FORMAT "," INT64_FORMAT ")",
						 i > 0 ? "," : "", t, s->entries[i].events, s->entries[i].censored);
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

#define KM_WIRE_ENTRY 24		/* float8 time, int64 events, int64 censored */

Datum
kam_survival_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int64		len = buf->len - buf->cursor;
	int32		n;
	KmSurvival *s;

	/* format 1 (0.1.0) is 4 + 24n bytes long, format 2 5 + 24n */
	if (len >= 4 + KM_WIRE_ENTRY && len % KM_WIRE_ENTRY == 4)
		n = pq_getmsgint(buf, 4);
	else if (len >= 1 && (unsigned char) buf->data[buf->cursor] != KM_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("kam.survival binary format %d is not supported",
						(unsigned char) buf->data[buf->cursor]),
				 errdetail("This kam reads format 2 and format 1 (kam 0.1.0)."),
				 errhint("Recompute the value with kam.km_fit(duration, event).")));
	else if (len >= 5 + KM_WIRE_ENTRY)
	{
		(void) pq_getmsgbyte(buf);
		n = pq_getmsgint(buf, 4);
	}
	else
		n = -1;
	/* the length must fit the count exactly, checked before anything is allocated */
	if (n < 1 || n > KM_MAX_ENTRIES || (int64) (buf->len - buf->cursor) != (int64) n * KM_WIRE_ENTRY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary kam.survival value"),
				 errdetail("The number of times does not match the length of the value.")));
	s = km_flat_alloc(n);
	for (int32 i = 0; i < n; i++)
	{
		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		s->entries[i].time = pq_getmsgfloat8(buf);
		if (s->entries[i].time == 0)
			s->entries[i].time = 0;
		s->entries[i].events = pq_getmsgint64(buf);
		s->entries[i].censored = pq_getmsgint64(buf);
	}
	km_validate(s, true);
	PG_RETURN_POINTER(s);
}

Datum
kam_survival_send(PG_FUNCTION_ARGS)
{
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, KM_FORMAT_VERSION);
	pq_sendint32(&buf, s->n);
	for (int32 i = 0; i < s->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pq_sendfloat8(&buf, s->entries[i].time);
		pq_sendint64(&buf, s->entries[i].events);
		pq_sendint64(&buf, s->entries[i].censored);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ------------------------------------------------------------------------
 * Aggregate support
 * ------------------------------------------------------------------------
 */

/*
 * kam.km_fit_transfn(state, duration, event): rows with a NULL duration or event
 * are skipped; durations must be finite and >= 0.
 */
Datum
kam_km_fit_transfn(PG_FUNCTION_ARGS)
{
	KmExpanded *ex;
	double		duration;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	duration = PG_GETARG_FLOAT8(1);
	KAM_CHECK_FINITE(duration, "duration");
	if (duration < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("duration must be zero or positive, got %g", duration),
				 errhint("Durations are times from the start of observation; filter out or repair negative ones.")));
	if (duration == 0)
		duration = 0;			/* -0 and 0 are the same time */
	ex = km_state(fcinfo, "kam.km_fit_transfn");
	km_expanded_add(ex, duration, PG_GETARG_BOOL(2));
	PG_RETURN_DATUM(EOHPGetRWDatum(&ex->hdr));
}

/* kam.km_combine(state, other): STRICT, so nodeAgg copies the first value in */
Datum
kam_km_combine(PG_FUNCTION_ARGS)
{
	KmExpanded *ex = km_state(fcinfo, "kam.km_combine");
	KmSurvival *other = PG_GETARG_KMSURVIVAL_P(1);

	km_expanded_merge(ex, other);
	PG_RETURN_DATUM(EOHPGetRWDatum(&ex->hdr));
}

