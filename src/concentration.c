/*
 * concentration.c -- how concentrated revenue is across customers
 *
 *	kam.gini(value)						population Gini coefficient
 *	kam.top_share(value, fraction)		share of the total held by the top
 *										`fraction` of customers
 *	kam.pareto_fraction(value, share)	smallest fraction of customers whose
 *										values reach `share` of the total
 *	kam.pareto_sums(value)				the exact sums kam.pareto_curve draws
 *
 * All three read the Lorenz curve of the values: sort them ascending,
 * x_(1) <= ... <= x_(n), and join the points (i/n, cumulative share of the i
 * smallest) with straight lines.  Gini = sum_i (2i - n - 1) x_(i) / (n^2 mean)
 * (zeros count as customers); top_share(f) = 1 - L(1 - f) and
 * pareto_fraction(s) is its inverse, the smallest f with top_share(f) >= s,
 * both linear between customers (so the top 20% of 7 customers is the top
 * customer plus 0.4 of the second).  Negative values are an error, NULLs are
 * skipped, and an empty input or a zero total gives NULL.
 *
 * The state is every value seen (8 bytes per customer), so that the final
 * function can sort them.  Sorting before summing makes the result
 * independent of the row order and of how a parallel plan or a Citus cluster
 * split the rows; the sums are compensated (Neumaier).
 *
 * The state type is kam.concentration_state, a real varlena type (Citus can
 * only partially aggregate a state that is not a pseudo-type: it ships the
 * state from each worker as the type's text form, and combines on the
 * coordinator).  While an aggregate runs, the state is a read-write expanded
 * object (utils/expandeddatum.h) in its own memory context under the
 * aggregate context, so a row costs what the `internal` state cost: no copy.
 * It is flattened only when it leaves the aggregate (a parallel worker's
 * tuple, a stored value, the text or binary form).
 *
 *	flat (on disk):	format (int16), has_param (int16), pad, param (float8),
 *					n (int64), n float8 values
 *	text:			v1 <param or -> {<value>,...}, floats written shortest
 *					exact (double_to_shortest_decimal_buf), whatever the
 *					session's extra_float_digits; e.g. "v1 0.2 {1,2.5}"
 *	binary:			format (byte 1), has_param (byte), param (float8),
 *					n (int64), n float8 values
 */
#include "kam.h"
#include "neumaier.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#define CONC_FORMAT 1
#define CONC_TYPNAME "kam.concentration_state"

/* the in-memory state: an expanded object (hdr first), or a view of a flat value */
typedef struct ConcState
{
	ExpandedObjectHeader hdr;
	int64		n;
	int64		cap;
	bool		has_param;
	double		param;			/* fraction or share; must be the same in all rows */
	double	   *values;
} ConcState;

typedef struct ConcFlat
{
	int32		vl_len_;
	int16		format;
	int16		has_param;
	double		param;
	int64		n;
	double		values[FLEXIBLE_ARRAY_MEMBER];
} ConcFlat;

#define CONC_FLAT_SIZE(n) (offsetof(ConcFlat, values) + sizeof(double) * (Size) (n))
#define CONC_MAX_VALUES ((int64) ((MaxAllocSize - offsetof(ConcFlat, values)) / sizeof(double)))

#define CONC_HINT "Use kam.gini, kam.top_share or kam.pareto_fraction."

static Size conc_get_flat_size(ExpandedObjectHeader *eohptr);
static void conc_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods conc_methods = {
	conc_get_flat_size,
	conc_flatten_into
};

static void
conc_too_many(int64 n)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("too many values for a kam concentration state (%lld)", (long long) n),
			 errdetail("A state holds at most %lld values.", (long long) CONC_MAX_VALUES),
			 errhint("Aggregate fewer rows per call.")));
}

static Size
conc_get_flat_size(ExpandedObjectHeader *eohptr)
{
	ConcState  *st = (ConcState *) eohptr;

	if (st->n > CONC_MAX_VALUES)
		conc_too_many(st->n);
	return CONC_FLAT_SIZE(st->n);
}

static void
conc_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	ConcState  *st = (ConcState *) eohptr;
	ConcFlat   *f = (ConcFlat *) result;

	Assert(allocated_size == CONC_FLAT_SIZE(st->n));
	memset(f, 0, offsetof(ConcFlat, values));
	SET_VARSIZE(f, allocated_size);
	f->format = CONC_FORMAT;
	f->has_param = st->has_param;
	f->param = st->has_param ? st->param : 0.0;
	f->n = st->n;
	memcpy(f->values, st->values, sizeof(double) * (Size) st->n);
}

/* A new, empty expanded state in a memory context of its own under parent. */
static ConcState *
conc_new(MemoryContext parent, int64 cap)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "kam concentration state",
											  ALLOCSET_SMALL_SIZES);
	ConcState  *st = MemoryContextAllocZero(cxt, sizeof(ConcState));

	EOH_init_header(&st->hdr, &conc_methods, cxt);
	st->cap = Max(cap, 64);
	st->values = MemoryContextAllocHuge(cxt, sizeof(double) * st->cap);
	return st;
}

static void
conc_reserve(ConcState *st, int64 extra)
{
	int64		need = st->n + extra;

	if (need > CONC_MAX_VALUES)
		conc_too_many(need);
	if (need > st->cap)
	{
		int64		cap = st->cap;

		while (cap < need)
			cap *= 2;
		st->values = repalloc_huge(st->values, sizeof(double) * cap);
		st->cap = cap;
	}
}

/* The expanded state behind d, or NULL when d is a flat value. */
static ConcState *
conc_expanded(Datum d)
{
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods == &conc_methods)
			return (ConcState *) eoh;
	}
	return NULL;
}

/*
 * The state of d to read: its expanded object, or tmp filled in as a view
 * of the flat value (its values are the flat value's: not to be changed).
 */
static ConcState *
conc_view(Datum d, ConcState *tmp)
{
	ConcState  *st = conc_expanded(d);
	ConcFlat   *f;

	if (st != NULL)
		return st;
	f = (ConcFlat *) PG_DETOAST_DATUM(d);
	if (f->format != CONC_FORMAT || VARSIZE(f) != CONC_FLAT_SIZE(f->n))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid stored %s value", CONC_TYPNAME),
				 errdetail("Format %d, %u bytes.", f->format, VARSIZE(f))));
	memset(tmp, 0, sizeof(ConcState));
	tmp->n = f->n;
	tmp->cap = f->n;
	tmp->has_param = f->has_param != 0;
	tmp->param = f->param;
	tmp->values = f->values;
	return tmp;
}

/* A new expanded state under parent holding a copy of src. */
static ConcState *
conc_copy(MemoryContext parent, const ConcState *src)
{
	ConcState  *st = conc_new(parent, src->n);

	st->has_param = src->has_param;
	st->param = src->param;
	memcpy(st->values, src->values, sizeof(double) * (Size) src->n);
	st->n = src->n;
	return st;
}

/*
 * The state argument 0 of a transition or combine function, to change: our
 * own read-write expanded object as it is, a new one on the first row, or a
 * copy of any other value (a stored one, a parallel worker's).
 */
static ConcState *
conc_writable(FunctionCallInfo fcinfo, MemoryContext aggcontext)
{
	Datum		d;
	ConcState  *st;
	ConcState	tmp;

	if (PG_ARGISNULL(0))
		return conc_new(aggcontext, 64);
	d = PG_GETARG_DATUM(0);
	st = conc_expanded(d);
	if (st != NULL && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return st;
	return conc_copy(aggcontext, conc_view(d, &tmp));
}

#define CONC_RETURN(st) PG_RETURN_DATUM(EOHPGetRWDatum(&(st)->hdr))

static void
conc_set_param(ConcState *st, double param, const char *argname, const char *fname)
{
	if (!st->has_param)
	{
		st->param = param;
		st->has_param = true;
	}
	else if (st->param != param)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of %s must be the same in every row, got %g and %g",
						argname, fname, st->param, param),
				 errhint("Pass a constant, or group the rows by it.")));
}

/* common transition */
static ConcState *
conc_add(FunctionCallInfo fcinfo, const char *fname, const char *argname)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, fname, CONC_HINT);
	ConcState  *st = conc_writable(fcinfo, aggcontext);
	double		x;

	if (argname != NULL)
	{
		double		p;

		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s of %s must not be NULL", argname, fname),
					 errhint("Pass a fraction between 0 and 1, e.g. 0.2.")));
		p = PG_GETARG_FLOAT8(2);
		if (isnan(p) || p < 0 || p > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s of %s must be between 0 and 1, got %g", argname, fname, p),
					 errhint("Fractions are written as numbers: 0.2 means 20%%.")));
		conc_set_param(st, p, argname, fname);
	}

	if (PG_ARGISNULL(1))
		return st;
	x = PG_GETARG_FLOAT8(1);
	KAM_CHECK_FINITE(x, "value");
	if (x < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of %s must not be negative, got %g", fname, x),
				 errhint("Concentration is measured on non-negative values: filter out or zero the negative ones.")));
	conc_reserve(st, 1);
	st->values[st->n++] = x + 0.0;	/* + 0.0 turns -0 into 0 */
	return st;
}

PG_FUNCTION_INFO_V1(kam_gini_trans);
Datum
kam_gini_trans(PG_FUNCTION_ARGS)
{
	CONC_RETURN(conc_add(fcinfo, "kam.gini", NULL));
}

PG_FUNCTION_INFO_V1(kam_pareto_sums_trans);
Datum
kam_pareto_sums_trans(PG_FUNCTION_ARGS)
{
	CONC_RETURN(conc_add(fcinfo, "kam.pareto_sums", NULL));
}

PG_FUNCTION_INFO_V1(kam_top_share_trans);
Datum
kam_top_share_trans(PG_FUNCTION_ARGS)
{
	CONC_RETURN(conc_add(fcinfo, "kam.top_share", "fraction"));
}

PG_FUNCTION_INFO_V1(kam_pareto_fraction_trans);
Datum
kam_pareto_fraction_trans(PG_FUNCTION_ARGS)
{
	CONC_RETURN(conc_add(fcinfo, "kam.pareto_fraction", "share"));
}

PG_FUNCTION_INFO_V1(kam_concentration_combine);

/* appends the second state's values to the first (changed in place when it is our own) */
Datum
kam_concentration_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = kam_agg_context(fcinfo, "kam.concentration_combine", CONC_HINT);
	ConcState	tmp;
	ConcState  *a;
	ConcState  *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = conc_view(PG_GETARG_DATUM(1), &tmp);
	a = conc_writable(fcinfo, aggcontext);
	if (b->has_param)
		conc_set_param(a, b->param, "the fraction or share", "a kam concentration aggregate");
	conc_reserve(a, b->n);
	memcpy(a->values + a->n, b->values, sizeof(double) * (Size) b->n);
	a->n += b->n;
	CONC_RETURN(a);
}

/*
 * The state argument 0 of a final function, whose values it may sort: the
 * aggregate's expanded object (sorting leaves the state the same multiset),
 * or a copy of a flat value.  NULL for a NULL state.
 */
static ConcState *
conc_final_state(FunctionCallInfo fcinfo)
{
	ConcState	tmp;
	ConcState  *st;

	if (PG_ARGISNULL(0))
		return NULL;
	st = conc_expanded(PG_GETARG_DATUM(0));
	if (st != NULL)
		return st;
	st = conc_view(PG_GETARG_DATUM(0), &tmp);
	return conc_copy(CurrentMemoryContext, st);
}

/* ---- the type's text and binary forms ---- */

static void
conc_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", CONC_TYPNAME, str),
			 errdetail("%s", detail),
			 errhint("The form is \"v1 <fraction or -> {<value>,...}\", e.g. \"v1 0.2 {1,2.5}\".")));
}

static const char *
conc_skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* a float as float8out writes it (subnormals read; underflow to 0 or overflow refused) */
static const char *
conc_read_float(const char *p, double *out, const char *str, const char *what)
{
	char	   *end;
	double		v;

	p = conc_skip_space(p);
	errno = 0;
	v = strtod(p, &end);
	if (end == p)
		conc_syntax_error(str, psprintf("%s must be a number.", what));
	if ((errno == ERANGE && (v == 0 || isinf(v))) || isnan(v) || isinf(v))
		conc_syntax_error(str, psprintf("%s must be a finite number in the range of float8.", what));
	*out = v + 0.0;				/* no negative zero */
	return end;
}

/* the errors common to the text and binary input: the checks kam.gini makes */
static const char *
conc_param_problem(double param)
{
	if (isnan(param) || param < 0 || param > 1)
		return "The fraction or share must be between 0 and 1.";
	return NULL;
}

static const char *
conc_value_problem(double v)
{
	if (isnan(v) || isinf(v))
		return "Every value must be finite.";
	if (v < 0)
		return "Every value must be non-negative.";
	return NULL;
}

static ConcFlat *
conc_flat_alloc(int64 n)
{
	ConcFlat   *f;

	if (n > CONC_MAX_VALUES)
		conc_too_many(n);
	f = palloc0(CONC_FLAT_SIZE(n));
	SET_VARSIZE(f, CONC_FLAT_SIZE(n));
	f->format = CONC_FORMAT;
	f->n = n;
	return f;
}

PG_FUNCTION_INFO_V1(kam_concentration_state_in);
Datum
kam_concentration_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	const char *p = conc_skip_space(str);
	const char *problem;
	bool		has_param = false;
	double		param = 0.0;
	int64		n = 0,
				cap = 16;
	double	   *v = palloc(sizeof(double) * cap);
	ConcFlat   *f;

	if (strncmp(p, "v1 ", 3) != 0)
		conc_syntax_error(str, "The value must start with the format marker \"v1 \".");
	p = conc_skip_space(p + 3);
	if (*p == '-')
	{
		p++;
		if (*p != ' ')
			conc_syntax_error(str, "The fraction or share must be a number or \"-\".");
	}
	else
	{
		p = conc_read_float(p, &param, str, "The fraction or share");
		if ((problem = conc_param_problem(param)) != NULL)
			conc_syntax_error(str, problem);
		has_param = true;
	}
	p = conc_skip_space(p);
	if (*p++ != '{')
		conc_syntax_error(str, "The values must be written in braces: {1,2.5}.");
	p = conc_skip_space(p);
	if (*p != '}')
	{
		for (;;)
		{
			if ((n & 0xffff) == 0)
				CHECK_FOR_INTERRUPTS();
			if (n == cap)
			{
				if (cap >= CONC_MAX_VALUES)
					conc_too_many(cap + 1);
				cap = Min(cap * 2, CONC_MAX_VALUES);
				v = repalloc_huge(v, sizeof(double) * cap);
			}
			p = conc_read_float(p, &v[n], str, "A value");
			if ((problem = conc_value_problem(v[n])) != NULL)
				conc_syntax_error(str, problem);
			n++;
			p = conc_skip_space(p);
			if (*p == ',')
			{
				p++;
				continue;
			}
			break;
		}
	}
	if (*p++ != '}')
		conc_syntax_error(str, "The values must be separated by commas and end with \"}\".");
	p = conc_skip_space(p);
	if (*p != '\0')
		conc_syntax_error(str, "Unexpected text after \"}\".");
	f = conc_flat_alloc(n);
	f->has_param = has_param;
	f->param = param;
	memcpy(f->values, v, sizeof(double) * (Size) n);
	pfree(v);
	PG_RETURN_POINTER(f);
}

PG_FUNCTION_INFO_V1(kam_concentration_state_out);
Datum
kam_concentration_state_out(PG_FUNCTION_ARGS)
{
	ConcState	tmp;
	ConcState  *st = conc_view(PG_GETARG_DATUM(0), &tmp);
	StringInfoData buf;
	char		t[DOUBLE_SHORTEST_DECIMAL_LEN];

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d ", CONC_FORMAT);
	if (st->has_param)
	{
		/* the shortest exact form, whatever the session's extra_float_digits */
		double_to_shortest_decimal_buf(st->param, t);
		appendStringInfoString(&buf, t);
	}
	else
		appendStringInfoChar(&buf, '-');
	appendStringInfoString(&buf, " {");
	for (int64 i = 0; i < st->n; i++)
	{
		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		double_to_shortest_decimal_buf(st->values[i], t);
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoString(&buf, t);
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

static void
conc_binary_error(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary %s value", CONC_TYPNAME),
			 errdetail("%s", detail)));
}

PG_FUNCTION_INFO_V1(kam_concentration_state_recv);
Datum
kam_concentration_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const char *problem;
	int			format,
				has_param;
	double		param;
	int64		n;
	ConcFlat   *f;

	if (buf->len - buf->cursor < 1 + 1 + 8 + 8)
		conc_binary_error("The value is shorter than its header.");
	format = pq_getmsgbyte(buf);
	if (format != CONC_FORMAT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s binary format %d is not supported", CONC_TYPNAME, format),
				 errdetail("This kam reads format %d.", CONC_FORMAT)));
	has_param = pq_getmsgbyte(buf);
	if (has_param != 0 && has_param != 1)
		conc_binary_error("The parameter flag must be 0 or 1.");
	param = pq_getmsgfloat8(buf);
	if (has_param && (problem = conc_param_problem(param)) != NULL)
		conc_binary_error(problem);
	if (!has_param && param != 0)
		conc_binary_error("Without a fraction or share the parameter must be 0.");
	n = pq_getmsgint64(buf);
	/* the length must fit the count exactly, checked before anything is allocated */
	if (n < 0 || n > CONC_MAX_VALUES || (int64) (buf->len - buf->cursor) != n * 8)
		conc_binary_error("The number of values does not match the length of the value.");
	f = conc_flat_alloc(n);
	f->has_param = has_param;
	f->param = param + 0.0;
	for (int64 i = 0; i < n; i++)
	{
		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		f->values[i] = pq_getmsgfloat8(buf) + 0.0;
		if ((problem = conc_value_problem(f->values[i])) != NULL)
			conc_binary_error(problem);
	}
	PG_RETURN_POINTER(f);
}

PG_FUNCTION_INFO_V1(kam_concentration_state_send);
Datum
kam_concentration_state_send(PG_FUNCTION_ARGS)
{
	ConcState	tmp;
	ConcState  *st = conc_view(PG_GETARG_DATUM(0), &tmp);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CONC_FORMAT);
	pq_sendbyte(&buf, st->has_param ? 1 : 0);
	pq_sendfloat8(&buf, st->has_param ? st->param : 0.0);
	pq_sendint64(&buf, st->n);
	for (int64 i = 0; i < st->n; i++)
		pq_sendfloat8(&buf, st->values[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* sorts the values ascending; returns their total, or false when it is not positive */
static bool
conc_sorted_total(ConcState *st, double *total)
{
	NeumaierSum s = {0, 0};
	int64		i;

	if (st == NULL || st->n == 0)
		return false;
	qsort(st->values, st->n, sizeof(double), cmp_double);
	for (i = 0; i < st->n; i++)
		neumaier_add(&s, st->values[i]);
	*total = neumaier_value(&s);
	return *total > 0;
}

PG_FUNCTION_INFO_V1(kam_gini_final);
Datum
kam_gini_final(PG_FUNCTION_ARGS)
{
	ConcState  *st = conc_final_state(fcinfo);
	NeumaierSum w = {0, 0};
	double		total;
	double		n;
	int64		i;

	if (!conc_sorted_total(st, &total))
		PG_RETURN_NULL();
	n = (double) st->n;
	for (i = 0; i < st->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		neumaier_add(&w, (2.0 * (double) (i + 1) - n - 1.0) * st->values[i]);
	}
	PG_RETURN_FLOAT8(neumaier_value(&w) / (n * total));
}

PG_FUNCTION_INFO_V1(kam_top_share_final);

/* share held by the top f*n customers, linear between customers */
Datum
kam_top_share_final(PG_FUNCTION_ARGS)
{
	ConcState  *st = conc_final_state(fcinfo);
	NeumaierSum top = {0, 0};
	double		total;
	double		t;
	int64		k;
	int64		i;

	if (!conc_sorted_total(st, &total))
		PG_RETURN_NULL();
	t = st->param * (double) st->n;
	k = (int64) floor(t);
	if (k > st->n)
		k = st->n;
	/* the k largest are the last k of the ascending array */
	for (i = 0; i < k; i++)
		neumaier_add(&top, st->values[st->n - 1 - i]);
	if (k < st->n && t > (double) k)
		neumaier_add(&top, (t - (double) k) * st->values[st->n - 1 - k]);
	PG_RETURN_FLOAT8(Min(neumaier_value(&top) / total, 1.0));
}

PG_FUNCTION_INFO_V1(kam_pareto_fraction_final);

/* smallest fraction f of customers with top_share(f) >= share */
Datum
kam_pareto_fraction_final(PG_FUNCTION_ARGS)
{
	ConcState  *st = conc_final_state(fcinfo);
	NeumaierSum cum = {0, 0};
	double		total;
	double		target;
	int64		j;

	if (!conc_sorted_total(st, &total))
		PG_RETURN_NULL();
	if (st->param <= 0)
		PG_RETURN_FLOAT8(0.0);
	target = st->param * total;
	for (j = 0; j < st->n; j++)
	{
		double		x = st->values[st->n - 1 - j];
		double		before = neumaier_value(&cum);

		CHECK_FOR_INTERRUPTS();
		neumaier_add(&cum, x);
		if (neumaier_value(&cum) / total >= st->param)
		{
			double		part = (x > 0) ? (target - before) / x : 1.0;

			part = Max(Min(part, 1.0), 0.0);
			PG_RETURN_FLOAT8(((double) j + part) / (double) st->n);
		}
	}
	PG_RETURN_FLOAT8(1.0);
}

PG_FUNCTION_INFO_V1(kam_pareto_sums_final);

/*
 * kam.pareto_sums(value) -> numeric[]: the points of kam.pareto_curve, m =
 * min(n, 100) + 1 of them: point k at customer i_k = k (n <= 100) or k n / 100
 * (integer division).  Elements 1 .. m: the sum of the i_k largest values,
 * elements m + 1 .. 2 m: the (i_k + 1)-th largest value (NULL past the last),
 * each value as value::numeric and the sums exact (numeric), as the SQL
 * window sum(v::numeric) OVER (ORDER BY v DESC) gives them.  NULL for no
 * values.
 */
Datum
kam_pareto_sums_final(PG_FUNCTION_ARGS)
{
	ConcState  *st = conc_final_state(fcinfo);
	MemoryContext tmp,
				old;
	Datum	   *out;
	bool	   *nulls;
	Datum		cum = DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
	int			m,
				k,
				dims[1],
				lbs[1] = {1};
	int64		n,
				i = 0;

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	n = st->n;
	m = (int) Min(n, 100) + 1;
	qsort(st->values, n, sizeof(double), cmp_double);
	out = palloc(sizeof(Datum) * 2 * m);
	nulls = palloc0(sizeof(bool) * 2 * m);
	tmp = AllocSetContextCreate(CurrentMemoryContext, "kam.pareto_sums", ALLOCSET_DEFAULT_SIZES);
	for (k = 0; k < m; k++)
	{
		int64		ik = n <= 100 ? k : (k * n) / 100;

		/* the values before customer ik + 1, largest first: the last of the ascending array */
		while (i < ik)
		{
			Datum		v;

			CHECK_FOR_INTERRUPTS();
			old = MemoryContextSwitchTo(tmp);
			v = DirectFunctionCall1(float8_numeric, Float8GetDatum(st->values[n - 1 - i]));
			cum = DirectFunctionCall2(numeric_add, cum, v);
			MemoryContextSwitchTo(old);
			if (++i % 4096 == 0)
			{
				/* keep the running sum, free the rest */
				cum = datumCopy(cum, false, -1);
				MemoryContextReset(tmp);
			}
		}
		out[k] = datumCopy(cum, false, -1);
		if (ik < n)
			out[m + k] = DirectFunctionCall1(float8_numeric, Float8GetDatum(st->values[n - 1 - ik]));
		else
			nulls[m + k] = true;
	}
	MemoryContextDelete(tmp);
	dims[0] = 2 * m;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(out, nulls, 1, dims, lbs, NUMERICOID, -1, false, TYPALIGN_INT));
}
