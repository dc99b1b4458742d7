/*
 * survival.c -- Kaplan-Meier survival curves as R's survival::survfit
 *
 * kam.km_fit(duration, event) aggregates right-censored observations into a
 * kam.survival: the compact histogram of the distinct times, each with its
 * number of events and of censorings.  Everything else (number at risk, the
 * product-limit estimate, Greenwood standard errors, confidence limits,
 * quantiles) is derived from the histogram, in ascending time order, by the
 * accessors.  A histogram of integer counts merges exactly, so the result
 * does not depend on the order of the rows or on how a parallel (or sharded)
 * plan splits them: serial and parallel fits are bit-identical.
 *
 * The arithmetic follows survfitkm.c and quantile.survfit of R's survival
 * package (3.5), so the numbers agree with R to the last bit where the same
 * floating-point operations are involved:
 *   n_j  = subjects with time >= t_j (events at t_j count before censorings)
 *   S    = S * ((n_j - d_j) / n_j) at each time with d_j > 0
 *   V    = V + d_j / (n_j (n_j - d_j))      (Greenwood; survfit's std.err is
 *                                           sqrt(V), the SE of -log S)
 *   log-transformed limits S exp(-+ z sqrt(V)), the upper one capped at 1.
 *
 * The median follows print.survfit (survmean), the quantiles
 * quantile.survfit, the confidence limits survfit_confint with R's qnorm
 * algorithm (AS 241).
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
#include "kam.h"
#include "period.h"

#include <ctype.h>
#include <math.h>

#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

/* R's tolerance in quantile.survfit and survmean: sqrt(.Machine$double.eps) = 2^-26 */
#define KM_TOL 1.490116119384765625e-08

/* pending entries are merged once there are this many, or as many as sorted */
#define KM_MIN_PENDING 1024

/*
 * A new row's time is looked up in the sorted run only while the run is this
 * short (it stays in cache); past that, rows are appended and the merge folds
 * equal times, which costs less than a cache-missing search per row.
 */
#define KM_MAX_SEARCHED 4096

typedef struct KmEntry
{
	double		time;
	int64		events;
	int64		censored;
} KmEntry;

/* flat form: a varlena, entries strictly ascending by time */
typedef struct KmSurvival
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		n;				/* number of distinct times, >= 1 */
	KmEntry		entries[FLEXIBLE_ARRAY_MEMBER];
} KmSurvival;

#define KM_HDRSZ offsetof(KmSurvival, entries)
#define KM_MAX_ENTRIES ((int32) ((MaxAllocSize - KM_HDRSZ) / sizeof(KmEntry)))

/* expanded form, the aggregate state */
typedef struct KmExpanded
{
	ExpandedObjectHeader hdr;
	KmEntry    *e;				/* e[0..nsorted) sorted, e[nsorted..n) pending */
	int32		nsorted;
	int32		n;
	int32		cap;
} KmExpanded;

/* a walk along the curve in ascending time order, as survfitkm does */
typedef struct KmWalk
{
	const KmSurvival *s;
	int32		i;				/* next entry */
	int64		next_at_risk;	/* subjects with time >= entries[i].time */
	/* the line just stepped onto */
	double		time;
	int64		n_risk;
	int64		n_event;
	int64		n_censor;
	double		surv;
	double		var;			/* Greenwood sum: var(log S) */
} KmWalk;

#define DatumGetKmSurvivalP(d) ((KmSurvival *) PG_DETOAST_DATUM(d))
#define PG_GETARG_KMSURVIVAL_P(n) DatumGetKmSurvivalP(PG_GETARG_DATUM(n))

PG_FUNCTION_INFO_V1(km_survival_in);
PG_FUNCTION_INFO_V1(km_survival_out);
PG_FUNCTION_INFO_V1(km_survival_recv);
PG_FUNCTION_INFO_V1(km_survival_send);
PG_FUNCTION_INFO_V1(km_fit_transfn);
PG_FUNCTION_INFO_V1(km_combine);
PG_FUNCTION_INFO_V1(km_survival_at);
PG_FUNCTION_INFO_V1(km_quantile);
PG_FUNCTION_INFO_V1(km_median);
PG_FUNCTION_INFO_V1(km_curve);
PG_FUNCTION_INFO_V1(km_period_index);

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
	s = DatumGetKmSurvivalP(d);
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
	if (e->time < 0)
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
static int64
km_total(const KmSurvival *s)
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

static KmSurvival *
km_flat_alloc(int32 n)
{
	Size		size = KM_HDRSZ + (Size) n * sizeof(KmEntry);
	KmSurvival *s = palloc0(size);

	SET_VARSIZE(s, size);
	s->n = n;
	return s;
}

static pg_noinline void
km_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type kam.survival: \"%s\"", str),
			 errdetail("%s", detail),
			 errhint("Write {(time,events,censored),...} with times ascending, e.g. {(5,2,0),(8,1,1)}.")));
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
		km_syntax_error(str, "A count is out of range.");
	*out = (int64) v;
	return end;
}

/* text form: {(time,events,censored),...}; times print exactly (float8out) */
Datum
km_survival_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	int32		n = 0,
				cap = 16;
	KmEntry    *e = palloc(cap * sizeof(KmEntry));
	KmSurvival *s;

	p = km_expect(p, '{', str);
	p = km_skip_space(p);
	if (*p == '}')
		km_syntax_error(str, "A survival curve holds at least one observation.");
	for (;;)
	{
		char	   *end;
		const char *problem;

		CHECK_FOR_INTERRUPTS();
		if (n == cap)
		{
			if (cap >= KM_MAX_ENTRIES)
				km_too_many_times();
			cap = (int32) Min((int64) cap * 2, (int64) KM_MAX_ENTRIES);
			e = repalloc(e, cap * sizeof(KmEntry));
		}
		p = km_expect(p, '(', str);
		p = km_skip_space(p);
		errno = 0;
		e[n].time = strtod(p, &end);
		if (end == p)
			km_syntax_error(str, "A time must be a number.");
		if (errno == ERANGE && e[n].time != 0)
			km_syntax_error(str, "A time is out of range.");
		if (e[n].time == 0)
			e[n].time = 0;		/* no negative zero */
		p = km_expect(end, ',', str);
		p = km_read_count(p, &e[n].events, str);
		p = km_expect(p, ',', str);
		p = km_read_count(p, &e[n].censored, str);
		p = km_expect(p, ')', str);
		problem = km_entry_problem(&e[n], n > 0 ? &e[n - 1] : NULL);
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
	s = km_flat_alloc(n);
	memcpy(s->entries, e, n * sizeof(KmEntry));
	(void) km_total(s);
	pfree(e);
	PG_RETURN_POINTER(s);
}

Datum
km_survival_out(PG_FUNCTION_ARGS)
{
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int32 i = 0; i < s->n; i++)
	{
		char	   *t;

		CHECK_FOR_INTERRUPTS();
		t = float8out_internal(s->entries[i].time);

		appendStringInfo(&buf, "%s(%s," INT64_FORMAT "," INT64_FORMAT ")",
						 i > 0 ? "," : "", t, s->entries[i].events, s->entries[i].censored);
		pfree(t);
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* binary form: int32 n, then n times (float8 time, int64 events, int64 censored) */
Datum
km_survival_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		n = pq_getmsgint(buf, 4);
	KmSurvival *s;

	if (n < 1 || n > KM_MAX_ENTRIES ||
		(int64) n * 24 > (int64) (buf->len - buf->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid number of times in external kam.survival value: %d", n)));
	s = km_flat_alloc(n);
	for (int32 i = 0; i < n; i++)
	{
		const char *problem;

		CHECK_FOR_INTERRUPTS();
		s->entries[i].time = pq_getmsgfloat8(buf);
		if (s->entries[i].time == 0)
			s->entries[i].time = 0;
		s->entries[i].events = pq_getmsgint64(buf);
		s->entries[i].censored = pq_getmsgint64(buf);
		problem = km_entry_problem(&s->entries[i], i > 0 ? &s->entries[i - 1] : NULL);
		if (problem)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external kam.survival value"),
					 errdetail("%s", problem)));
	}
	(void) km_total(s);
	PG_RETURN_POINTER(s);
}

Datum
km_survival_send(PG_FUNCTION_ARGS)
{
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
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
 * km_fit_transfn(state, duration, event): rows with a NULL duration or event
 * are skipped; durations must be finite and >= 0.
 */
Datum
km_fit_transfn(PG_FUNCTION_ARGS)
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
	ex = km_state(fcinfo, "km_fit_transfn");
	km_expanded_add(ex, duration, PG_GETARG_BOOL(2));
	PG_RETURN_DATUM(EOHPGetRWDatum(&ex->hdr));
}

/* km_combine(state, other): STRICT, so nodeAgg copies the first value in */
Datum
km_combine(PG_FUNCTION_ARGS)
{
	KmExpanded *ex = km_state(fcinfo, "km_combine");
	KmSurvival *other = PG_GETARG_KMSURVIVAL_P(1);

	km_expanded_merge(ex, other);
	PG_RETURN_DATUM(EOHPGetRWDatum(&ex->hdr));
}

/* ------------------------------------------------------------------------
 * The curve
 * ------------------------------------------------------------------------
 */

static void
km_walk_init(KmWalk *w, const KmSurvival *s)
{
	w->s = s;
	w->i = 0;
	w->next_at_risk = km_total(s);
	w->surv = 1.0;
	w->var = 0.0;
}

/*
 * Steps onto the next distinct time; false at the end.  S *= (n - d) / n and
 * V += d / (n (n - d)) at times with events, in the operations and order of
 * survfitkm.c, so the values are R's to the last bit.
 */
static bool
km_walk_next(KmWalk *w)
{
	const KmEntry *e;

	if (w->i >= w->s->n)
		return false;
	CHECK_FOR_INTERRUPTS();
	e = &w->s->entries[w->i++];
	w->time = e->time;
	w->n_risk = w->next_at_risk;
	w->n_event = e->events;
	w->n_censor = e->censored;
	if (e->events > 0)
	{
		double		nr = (double) w->n_risk;
		double		d = (double) e->events;

		w->surv *= (nr - d) / nr;
		w->var += d / (nr * (nr - d));
	}
	w->next_at_risk -= e->events + e->censored;
	return true;
}

/* S(t): right-continuous, so S(t) includes the events at t */
Datum
km_survival_at(PG_FUNCTION_ARGS)
{
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	double		t = PG_GETARG_FLOAT8(1);
	KmWalk		w;

	if (isnan(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("t must be a number, got NaN"),
				 errhint("Pass the time at which to read the survival curve.")));
	km_walk_init(&w, s);
	while (w.i < s->n && s->entries[w.i].time <= t)
		(void) km_walk_next(&w);
	PG_RETURN_FLOAT8(w.surv);
}

/*
 * The p-quantile of the failure distribution, as R's quantile.survfit /
 * findq: with F = 1 - S on the distinct values of F (each at its first time,
 * F = 0 at time 0), q = (x1 + x2) / 2 where x1 is
 * the first time with F + tol >= p and x2 the first with F - tol >= p; when
 * no x2 exists and the last F is within tol of p, x2 is the last time of the
 * curve.  So q is the smallest time with S <= 1 - p, except that a curve
 * sitting at exactly 1 - p over an interval gives the interval's midpoint.
 * Sets *isnull when the curve never gets there.
 */
static double
km_quantile_internal(const KmSurvival *s, double p, bool *isnull)
{
	KmWalk		w;
	double		x1 = 0,
				x2 = 0,
				fprev = 0,
				fmax = 0;
	bool		have1,
				have2 = false;

	*isnull = false;
	if (p == 0)
		return 0;				/* findq: x[1], the start time 0 */
	if (p < KM_TOL)
	{
		/* below the first point (F = 0 at time 0) of approx(F + tol, ...) */
		*isnull = true;
		return 0;
	}
	/* the start point: F = 0 at time 0 */
	have1 = (0 + KM_TOL >= p);
	km_walk_init(&w, s);
	while (!have2 && km_walk_next(&w))
	{
		double		f = 1 - w.surv;

		if (f == fprev)
			continue;			/* duplicated(y): only the first time counts */
		fprev = f;
		fmax = f;
		if (!have1 && f + KM_TOL >= p)
		{
			x1 = w.time;
			have1 = true;
		}
		if (f - KM_TOL >= p)
		{
			x2 = w.time;
			have2 = true;
		}
	}
	if (!have2)
	{
		/* the walk saw every F, so fmax is the largest; findq's NA cases */
		if (fmax < p || !have1 || !(fabs(p - fmax) < KM_TOL))
		{
			*isnull = true;
			return 0;
		}
		x2 = s->entries[s->n - 1].time; /* xmax: the last time of the curve */
	}
	return (x1 + x2) / 2;
}

Datum
km_quantile(PG_FUNCTION_ARGS)
{
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	double		p = PG_GETARG_FLOAT8(1);
	bool		isnull;
	double		q;

	if (isnan(p) || p < 0 || p > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be between 0 and 1, got %g", p),
				 errhint("p is the failure probability: 0.5 gives the median, 0.25 the time by which a quarter have failed.")));
	q = km_quantile_internal(s, p, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(q);
}

/*
 * The median as print.survfit and summary(fit)$table report it (survmean's
 * minmin): the first time t1 with S < 0.5 + tol; when S(t1) is within tol of
 * 0.5 and S drops further later, the midpoint of t1 and the first time it
 * does.  NULL when S never gets to 0.5.  This differs from km_quantile(s, 0.5)
 * only when S stays at exactly 0.5 until the last time of the curve: then
 * the median is t1, the quantile the midpoint of t1 and the last time.
 */
Datum
km_median(PG_FUNCTION_ARGS)
{
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	KmWalk		w;
	double		t1,
				s1;

	km_walk_init(&w, s);
	do
	{
		if (!km_walk_next(&w))
			PG_RETURN_NULL();
	} while (!(w.surv < 0.5 + KM_TOL));
	t1 = w.time;
	s1 = w.surv;
	if (fabs(s1 - 0.5) < KM_TOL)
	{
		while (km_walk_next(&w))
		{
			if (w.surv < s1)
				PG_RETURN_FLOAT8((t1 + w.time) / 2);
		}
	}
	PG_RETURN_FLOAT8(t1);
}

/*
 * Inverse of the standard normal distribution function, by Wichura's
 * algorithm AS 241 (PPND16, Applied Statistics 37, 1988), the algorithm R's
 * qnorm uses; accurate to about 1e-16 for 0 < p < 1.
 */
static double
km_qnorm(double p)
{
	double		q = p - 0.5;
	double		r,
				val;

	if (fabs(q) <= 0.425)
	{
		r = 0.180625 - q * q;
		return q * (((((((r * 2509.0809287301226727 +
						  33430.575583588128105) * r + 67265.770927008700853) * r +
						45921.953931549871457) * r + 13731.693765509461125) * r +
					  1971.5909503065514427) * r + 133.14166789178437745) * r +
					3.387132872796366608) /
			(((((((r * 5226.495278852545925 +
				   28729.085735721942674) * r + 39307.89580009271061) * r +
				 21213.794301586595867) * r + 5394.1960214247511077) * r +
			   687.1870074920579083) * r + 42.313330701600911252) * r + 1.0);
	}
	r = (q < 0) ? p : 1.0 - p;
	r = sqrt(-log(r));
	if (r <= 5.0)
	{
		r -= 1.6;
		val = (((((((r * 7.7454501427834140764e-4 +
					 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
				   1.27045825245236838258) * r + 3.64784832476320460504) * r +
				 5.7694972214606914055) * r + 4.6303378461565452959) * r +
			   1.42343711074968357734) /
			(((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r +
				  0.0151986665636164571966) * r + 0.14810397642748007459) * r +
				0.68976733498510000455) * r + 1.6763848301838038494) * r +
			  2.05319162663775882187) * r + 1.0);
	}
	else
	{
		r -= 5.0;
		val = (((((((r * 2.01033439929228813265e-7 +
					 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
				   0.026532189526576123093) * r + 0.29656057182850489123) * r +
				 1.7848265399172913358) * r + 5.4637849111641143699) * r +
			   6.6579046435011037772) /
			(((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r +
				  1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
				0.0148753612908506148525) * r + 0.13692988092273580531) * r +
			  0.59983220655588793769) * r + 1.0);
	}
	return (q < 0) ? -val : val;
}

/* sets up a materialized set-returning call (InitMaterializedSRF from 15) */
static void
km_materialize(FunctionCallInfo fcinfo)
{
#if PG_VERSION_NUM >= 150000
	InitMaterializedSRF(fcinfo, 0);
#else
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext oldcontext;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(oldcontext);
#endif
}

/*
 * km_curve(s, conf_level): one row per distinct time, as survfit lists them:
 * time, n_risk, n_event, n_censor, survival, std_err (SE of S, Greenwood:
 * S sqrt(V), summary.survfit's std.err), std_err_log (sqrt(V), survfit's
 * std.err), conf_low, conf_high (log-transformed, survfit's default).  Where
 * S = 0, std_err_log is Infinity (as in R) and std_err and the limits are
 * NULL (R: NaN and NA).
 */
Datum
km_curve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	double		conf = PG_GETARG_FLOAT8(1);
	double		z;
	KmWalk		w;

	if (isnan(conf) || conf <= 0 || conf >= 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conf_level must be between 0 and 1 (exclusive), got %g", conf),
				 errhint("Use e.g. 0.95 for 95%% confidence limits.")));
	z = km_qnorm(1 - (1 - conf) / 2);

	km_materialize(fcinfo);
	km_walk_init(&w, s);
	while (km_walk_next(&w))
	{
		Datum		values[9];
		bool		nulls[9] = {false};
		double		se = sqrt(w.var);

		values[0] = Float8GetDatum(w.time);
		values[1] = Int64GetDatum(w.n_risk);
		values[2] = Int64GetDatum(w.n_event);
		values[3] = Int64GetDatum(w.n_censor);
		values[4] = Float8GetDatum(w.surv);
		values[6] = Float8GetDatum(se);
		if (w.surv > 0)
		{
			values[5] = Float8GetDatum(se * w.surv);
			values[7] = Float8GetDatum(exp(log(w.surv) - z * se));
			values[8] = Float8GetDatum(Min(exp(log(w.surv) + z * se), 1.0));
		}
		else
			nulls[5] = nulls[7] = nulls[8] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * km_period_index(d, period): the index of the period holding date d, as
 * src/period.c counts them (consecutive periods, consecutive indexes).
 */
Datum
km_period_index(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	KamPeriod	p = kam_period_from_text(PG_GETARG_TEXT_PP(1), "period");

	PG_RETURN_INT32(kam_period_of_date(d, p, "d"));
}
