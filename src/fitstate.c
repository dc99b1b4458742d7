/*
 * fitstate.c -- the weighted histogram state of kam's model fits
 *
 * The state is of the storable type kam.fit_state, so that Citus aggregates
 * the fits partially on the workers (it needs a state type that is not a
 * pseudo-type, and ships it as its text form).  While an aggregate runs the
 * state is a read-write expanded object, one KamFitState in a memory context
 * of its own under the aggregate context, changed in place row by row; it is
 * flattened only when it leaves the aggregate (a parallel worker's tuple, a
 * stored value, the text or binary form).  kam.fitstate_combine is the combine
 * function shared by every fit and information aggregate.
 *
 *	flat (on disk):	format, nkeys, nmodel (int32), nrows, nentries (int64),
 *					model (4 float8), the entries (KamFitEntry)
 *	text:			v1 <nkeys> <nrows> <model: - or [m,...]> {(k,...;w),...}
 *					keys and model written shortest exact
 *					(double_to_shortest_decimal_buf) whatever the session's
 *					extra_float_digits, weights exactly (kam_sum_to_cstring),
 *					e.g. "v1 2 3 - {(1,12.5;2.000000000),(2,7;1.000000000)}"
 *	binary:			format (byte 1), nkeys (int32), nrows, nentries (int64),
 *					nmodel (int32), the model (float8 each), then per entry
 *					its keys (float8 each) and its weight (int64 hi, lo)
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "fitstate.h"
#include "kam.h"

PG_FUNCTION_INFO_V1(kam_fitstate_combine);
PG_FUNCTION_INFO_V1(kam_fit_state_in);
PG_FUNCTION_INFO_V1(kam_fit_state_out);
PG_FUNCTION_INFO_V1(kam_fit_state_recv);
PG_FUNCTION_INFO_V1(kam_fit_state_send);

#define FIT_FORMAT 1
#define FIT_TYPNAME "kam.fit_state"

#define INITIAL_CAPACITY 64
/* a hash slot: the key hash's upper 32 bits, then entry index + 1 (0 = empty) */
#define SLOT(hash, i) (((hash) & UINT64CONST(0xffffffff00000000)) | (uint64) ((i) + 1))

static uint64
mix64(uint64 h)
{
	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64CONST(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static uint64
key_hash(const double *key, int nkeys)
{
	uint64		h = 0;
	int			i;

	for (i = 0; i < nkeys; i++)
	{
		uint64		bits;

		memcpy(&bits, &key[i], sizeof(bits));
		h = mix64(h ^ (bits + UINT64CONST(0x9e3779b97f4a7c15) * (i + 1)));
	}
	return h;
}

static KamFitState *
fitstate_new(MemoryContext cxt, int nkeys, int64 capacity)
{
	KamFitState *st = MemoryContextAllocZero(cxt, sizeof(KamFitState));

	st->nkeys = nkeys;
	st->capacity = capacity;
	st->entries = MemoryContextAllocHuge(cxt, sizeof(KamFitEntry) * capacity);
	st->slots = MemoryContextAllocHuge(cxt, sizeof(uint64) * 2 * capacity);
	memset(st->slots, 0, sizeof(uint64) * 2 * capacity);
	return st;
}

static void
rebuild_slots(KamFitState *st)
{
	uint64		mask = (uint64) (2 * st->capacity - 1);
	int64		i;

	memset(st->slots, 0, sizeof(uint64) * 2 * st->capacity);
	st->slots_valid = true;
	for (i = 0; i < st->nentries; i++)
	{
		uint64		hash = key_hash(st->entries[i].key, st->nkeys);
		uint64		h = hash & mask;

		while (st->slots[h] != 0)
			h = (h + 1) & mask;
		st->slots[h] = SLOT(hash, i);
	}
}

static void
grow(KamFitState *st)
{
	MemoryContext cxt = GetMemoryChunkContext(st);
	int64		cap = st->capacity * 2;

	if (cap > (int64) PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct input rows for a model fit"),
				 errhint("Round recency and T to fewer distinct values.")));
	st->entries = repalloc_huge(st->entries, sizeof(KamFitEntry) * cap);
	pfree(st->slots);
	st->slots = MemoryContextAllocHuge(cxt, sizeof(uint64) * 2 * cap);
	st->capacity = cap;
	rebuild_slots(st);
}

static Size fit_get_flat_size(ExpandedObjectHeader *eohptr);
static void fit_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods fit_methods = {
	fit_get_flat_size,
	fit_flatten_into
};

typedef struct FitFlat
{
	int32		vl_len_;
	int32		format;
	int32		nkeys;
	int32		nmodel;
	int64		nrows;
	int64		nentries;
	double		model[KAM_FIT_MAXMODEL];
	KamFitEntry entries[FLEXIBLE_ARRAY_MEMBER];
} FitFlat;

#define FIT_FLAT_SIZE(n) (offsetof(FitFlat, entries) + sizeof(KamFitEntry) * (Size) (n))
/* the largest state grow() makes, and less than a varlena holds */
#define FIT_MAX_ENTRIES ((int64) PG_INT32_MAX / 4)

static Size
fit_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return FIT_FLAT_SIZE(((KamFitState *) eohptr)->nentries);
}

static void
fit_flatten(const KamFitState *st, FitFlat *f, Size size)
{
	memset(f, 0, offsetof(FitFlat, entries));
	SET_VARSIZE(f, size);
	f->format = FIT_FORMAT;
	f->nkeys = st->nkeys;
	f->nmodel = st->nmodel;
	f->nrows = st->nrows;
	f->nentries = st->nentries;
	memcpy(f->model, st->model, sizeof(double) * st->nmodel);
	memcpy(f->entries, st->entries, sizeof(KamFitEntry) * (Size) st->nentries);
}

static void
fit_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	Assert(allocated_size == fit_get_flat_size(eohptr));
	fit_flatten((KamFitState *) eohptr, (FitFlat *) result, allocated_size);
}

/* A new, empty expanded state in a memory context of its own under parent. */
static KamFitState *
fitstate_new_expanded(MemoryContext parent, int nkeys, int64 capacity)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "kam fit state", ALLOCSET_SMALL_SIZES);
	KamFitState *st = fitstate_new(cxt, nkeys, capacity);

	EOH_init_header(&st->hdr, &fit_methods, cxt);
	return st;
}

/* The expanded state behind d, or NULL when d is a flat value. */
static KamFitState *
fitstate_expanded(Datum d)
{
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods == &fit_methods)
			return (KamFitState *) eoh;
	}
	return NULL;
}

static int64
capacity_for(int64 n)
{
	int64		cap = INITIAL_CAPACITY;

	while (cap < n)
		cap *= 2;
	return cap;
}

/* A copy of src: expanded under parent when expanded is true, else plain in parent. */
static KamFitState *
fitstate_copy(MemoryContext parent, const KamFitState *src, bool expanded)
{
	int64		cap = capacity_for(src->nentries);
	KamFitState *st = expanded ? fitstate_new_expanded(parent, src->nkeys, cap) :
		fitstate_new(parent, src->nkeys, cap);

	memcpy(st->entries, src->entries, sizeof(KamFitEntry) * (Size) src->nentries);
	st->nentries = src->nentries;
	st->nrows = src->nrows;
	st->nmodel = src->nmodel;
	memcpy(st->model, src->model, sizeof(st->model));
	rebuild_slots(st);
	return st;
}

/* A copy of the state of a flat (stored) value: see fitstate_copy. */
static KamFitState *
fitstate_from_flat(Datum d, MemoryContext cxt, bool expanded)
{
	FitFlat    *f = (FitFlat *) PG_DETOAST_DATUM(d);
	KamFitState tmp;

	if (f->format != FIT_FORMAT || f->nkeys < 1 || f->nkeys > KAM_FIT_MAXKEY ||
		f->nmodel < 0 || f->nmodel > KAM_FIT_MAXMODEL || f->nentries < 0 ||
		VARSIZE(f) != FIT_FLAT_SIZE(f->nentries))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid stored %s value", FIT_TYPNAME),
				 errdetail("Format %d, %u bytes.", f->format, VARSIZE(f))));
	memset(&tmp, 0, sizeof(tmp));
	tmp.nkeys = f->nkeys;
	tmp.nrows = f->nrows;
	tmp.nentries = f->nentries;
	tmp.entries = f->entries;
	tmp.nmodel = f->nmodel;
	memcpy(tmp.model, f->model, sizeof(double) * f->nmodel);
	return fitstate_copy(cxt, &tmp, expanded);
}

/*
 * The state argument 0 of a transition or combine function, to change: our
 * own read-write expanded object as it is, else an expanded copy under
 * aggcxt (a stored value, a parallel worker's).  Not NULL.
 */
static KamFitState *
fitstate_writable(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	Datum		d = PG_GETARG_DATUM(0);
	KamFitState *st = fitstate_expanded(d);

	if (st != NULL && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return st;
	if (st != NULL)
		return fitstate_copy(aggcxt, st, true);
	return fitstate_from_flat(d, aggcxt, true);
}

/*
 * A state argument to read (and sort: the final functions): the aggregate's
 * expanded object (sorting keeps the histogram), or a copy of a flat value in
 * the current context.  Not NULL (callers check).
 */
KamFitState *
kam_fitstate_arg(FunctionCallInfo fcinfo, int argno)
{
	KamFitState *st = fitstate_expanded(PG_GETARG_DATUM(argno));

	if (st != NULL)
		return st;
	return fitstate_from_flat(PG_GETARG_DATUM(argno), CurrentMemoryContext, false);
}

/* An empty state in cxt (the information aggregates' tests build their own). */
KamFitState *
kam_fitstate_create(MemoryContext cxt, int nkeys)
{
	return fitstate_new(cxt, nkeys, INITIAL_CAPACITY);
}

/*
 * Record the model of an information aggregate (hessian.c) in the state:
 * every row must carry the same one.
 */
void
kam_fitstate_set_model(KamFitState *st, const double *model, int nmodel)
{
	int			i;

	Assert(nmodel >= 1 && nmodel <= KAM_FIT_MAXMODEL);
	if (st->nmodel == 0)
	{
		st->nmodel = nmodel;
		memcpy(st->model, model, sizeof(double) * nmodel);
		return;
	}
	for (i = 0; i < nmodel; i++)
		if (st->nmodel != nmodel || !(st->model[i] == model[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the model must be the same in every row of an information aggregate"),
					 errhint("Pass one fitted model, e.g. (SELECT kam.bgnbd_fit(...) FROM ...), not a column that varies.")));
}

/* The transition state: see kam_fitstate_writable below. */
KamFitState *
kam_fitstate_get(FunctionCallInfo fcinfo, int nkeys, const char *fname)
{
	MemoryContext aggcxt = kam_agg_context(fcinfo, fname, NULL);
	KamFitState *st;

	if (PG_ARGISNULL(0))
		return fitstate_new_expanded(aggcxt, nkeys, INITIAL_CAPACITY);
	st = fitstate_writable(fcinfo, aggcxt);
	if (st->nkeys != nkeys)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("this kam.fit_state does not fit %s", fname),
				 errdetail("The state has %d key columns, %s takes %d.", st->nkeys, fname, nkeys),
				 errhint("Use a state only with the aggregate that built it.")));
	return st;
}

/* Entry of key, created with weight 0 when new. */
static KamFitEntry *
lookup(KamFitState *st, const double *key)
{
	uint64		mask;
	uint64		hash;
	uint64		h;
	KamFitEntry *e;

	if (!st->slots_valid)
		rebuild_slots(st);
	if (st->nentries >= st->capacity)
		grow(st);
	mask = (uint64) (2 * st->capacity - 1);
	hash = key_hash(key, st->nkeys);
	h = hash & mask;
	while (st->slots[h] != 0)
	{
		/* the tag spares reading the entries of other keys */
		if ((st->slots[h] >> 32) == (hash >> 32))
		{
			e = &st->entries[(st->slots[h] & 0xffffffff) - 1];
			if (e->key[0] == key[0] && e->key[1] == key[1] && e->key[2] == key[2])
				return e;
		}
		h = (h + 1) & mask;
	}
	e = &st->entries[st->nentries];
	memset(e, 0, sizeof(KamFitEntry));
	memcpy(e->key, key, sizeof(double) * st->nkeys);
	st->slots[h] = SLOT(hash, st->nentries);
	st->nentries++;
	return e;
}

/*
 * Add weight to the entry of key.  Keys must be finite (callers check);
 * -0.0 is folded into 0.0 so equal values always share an entry.
 */
void
kam_fitstate_add(KamFitState *st, const double *key, double weight)
{
	double		k[KAM_FIT_MAXKEY] = {0, 0, 0};
	int			i;

	if (weight == 0.0)
		return;
	for (i = 0; i < st->nkeys; i++)
		k[i] = key[i] + 0.0;
	kam_sum_add(&lookup(st, k)->weight, weight, "weight");
	st->nrows++;
}

/* The weight argument of a weighted fit: finite and >= 0. */
double
kam_fit_weight_arg(FunctionCallInfo fcinfo, int argno)
{
	double		w = PG_GETARG_FLOAT8(argno);

	KAM_CHECK_FINITE(w, "weight");
	if (w < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight must be >= 0, got %g", w),
				 errhint("A weight is the number of customers a row stands for.")));
	return w;
}

static inline int
entry_cmp(const KamFitEntry *ea, const KamFitEntry *eb)
{
	int			i;

	for (i = 0; i < KAM_FIT_MAXKEY; i++)
	{
		if (ea->key[i] < eb->key[i])
			return -1;
		if (ea->key[i] > eb->key[i])
			return 1;
	}
	return 0;
}

/* an inlined, specialized sort (the final functions sort every entry) */
#define ST_SORT sort_entries
#define ST_ELEMENT_TYPE KamFitEntry
#define ST_COMPARE(a, b) entry_cmp(a, b)
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * A weight (>= 0) as float8: v nano-units, v / 1e9 correctly rounded.  When
 * v < 2^53 both v and 1e9 are exact doubles and IEEE division rounds
 * correctly; otherwise go through the exact decimal text (money.c).
 */
double
kam_fit_weight(const KamSum *w)
{
	if (w->hi == 0 && w->lo < (UINT64CONST(1) << 53))
		return (double) w->lo / 1e9;
	return kam_sum_to_double(w);
}

/*
 * Sort the entries by key (the final functions call this before summing
 * anything); drops entries whose weights cancelled to zero.  The hash slots
 * are rebuilt so the state stays usable.
 */
void
kam_fitstate_sort(KamFitState *st)
{
	int64		i,
				j = 0;

	sort_entries(st->entries, st->nentries);
	for (i = 0; i < st->nentries; i++)
		if (kam_fit_weight(&st->entries[i].weight) > 0.0)
			st->entries[j++] = st->entries[i];
	st->nentries = j;
	st->slots_valid = false;
}

Datum
kam_fitstate_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = kam_agg_context(fcinfo, "kam_fitstate_combine", NULL);
	KamFitState *a;
	KamFitState *b;
	int64		i;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = kam_fitstate_arg(fcinfo, 1);
	if (PG_ARGISNULL(0))
	{
		a = fitstate_copy(aggcxt, b, true);
		KAM_FITSTATE_RETURN(a);
	}
	a = fitstate_writable(fcinfo, aggcxt);
	if (a->nkeys != b->nkeys)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine kam.fit_state values of different fits"),
				 errdetail("One has %d key columns, the other %d.", a->nkeys, b->nkeys)));
	for (i = 0; i < b->nentries; i++)
	{
		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		kam_sum_merge(&lookup(a, b->entries[i].key)->weight, &b->entries[i].weight);
	}
	a->nrows += b->nrows;
	if (b->nmodel > 0)
		kam_fitstate_set_model(a, b->model, b->nmodel);
	KAM_FITSTATE_RETURN(a);
}

/* ---- the type's text and binary forms ---- */

static void
fit_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", FIT_TYPNAME,
					strlen(str) > 200 ? psprintf("%.200s...", str) : str),
			 errdetail("%s", detail),
			 errhint("The form is \"v1 <keys> <rows> <- or [model,...]> {(key,...;weight),...}\".")));
}

static void
fit_binary_error(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary %s value", FIT_TYPNAME),
			 errdetail("%s", detail)));
}

/*
 * The checks of a value read (text or binary): what the fits' transition
 * functions guarantee.  Returns the problem, or NULL.
 */
static const char *
fit_header_problem(int nkeys, int64 nrows, int64 nentries, int nmodel, const double *model)
{
	if (nkeys < 1 || nkeys > KAM_FIT_MAXKEY)
		return "The number of key columns must be 1, 2 or 3.";
	if (nentries < 0 || nentries > FIT_MAX_ENTRIES)
		return "The number of entries is out of range.";
	if (nrows < nentries)
		return "Every entry stands for at least one input row.";
	if (nmodel < 0 || nmodel > KAM_FIT_MAXMODEL)
		return "A model has at most 4 parameters.";
	for (int i = 0; i < nmodel; i++)
		if (isnan(model[i]) || isinf(model[i]) || model[i] <= 0)
			return "Every model parameter must be a positive finite number.";
	return NULL;
}

/* adds a read entry to st (plain, in the current context); NULL or the problem */
static const char *
fit_add_entry(KamFitState *st, double *key, const KamSum *w)
{
	KamFitEntry *e;
	PG_INT128_TYPE v = kam_sum_get(w);

	for (int k = 0; k < KAM_FIT_MAXKEY; k++)
	{
		if (k >= st->nkeys)
			key[k] = 0;
		else if (isnan(key[k]) || isinf(key[k]))
			return "Every key must be a finite number.";
		key[k] += 0.0;			/* no negative zero */
	}
	if (v <= 0 || !kam_sum_in_range(v))
		return "Every weight must be positive and within the bound of kam's totals.";
	e = lookup(st, key);
	if (kam_sum_get(&e->weight) != 0)
		return "Two entries have the same keys.";
	e->weight = *w;
	return NULL;
}

static Datum
fit_flat_datum(const KamFitState *st)
{
	Size		size = FIT_FLAT_SIZE(st->nentries);
	FitFlat    *f = palloc(size);

	fit_flatten(st, f, size);
	PG_RETURN_POINTER(f);
}

static const char *
fit_skip_space(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

static const char *
fit_read_float(const char *p, double *out, const char *str)
{
	char	   *end;

	p = fit_skip_space(p);
	errno = 0;
	*out = strtod(p, &end);
	if (end == p)
		fit_syntax_error(str, "A key or model parameter must be a number.");
	if (errno == ERANGE && (*out == 0 || isinf(*out)))
		fit_syntax_error(str, "A number is out of the range of float8.");
	return end;
}

static const char *
fit_read_int(const char *p, int64 *out, const char *str)
{
	char	   *end;

	p = fit_skip_space(p);
	errno = 0;
	*out = strtoll(p, &end, 10);
	if (end == p || errno == ERANGE)
		fit_syntax_error(str, "The key columns and rows must be whole numbers.");
	return end;
}

static const char *
fit_expect(const char *p, char c, const char *str)
{
	p = fit_skip_space(p);
	if (*p != c)
		fit_syntax_error(str, psprintf("Expected \"%c\".", c));
	return p + 1;
}

Datum
kam_fit_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	const char *p = fit_skip_space(str);
	const char *problem;
	int64		nkeys,
				nrows;
	int			nmodel = 0;
	double		model[KAM_FIT_MAXMODEL];
	KamFitState *st;

	if (strncmp(p, "v1 ", 3) != 0)
		fit_syntax_error(str, "The value must start with the format marker \"v1 \".");
	p = fit_read_int(p + 3, &nkeys, str);
	p = fit_read_int(p, &nrows, str);
	p = fit_skip_space(p);
	if (*p == '-')
		p++;
	else
	{
		p = fit_expect(p, '[', str);
		for (;;)
		{
			if (nmodel == KAM_FIT_MAXMODEL)
				fit_syntax_error(str, "A model has at most 4 parameters.");
			p = fit_read_float(p, &model[nmodel++], str);
			p = fit_skip_space(p);
			if (*p != ',')
				break;
			p++;
		}
		p = fit_expect(p, ']', str);
	}
	if ((problem = fit_header_problem((int) Min(nkeys, 99), nrows, 0, nmodel, model)) != NULL)
		fit_syntax_error(str, problem);
	st = fitstate_new(CurrentMemoryContext, (int) nkeys, INITIAL_CAPACITY);
	st->nrows = nrows;
	st->nmodel = nmodel;
	memcpy(st->model, model, sizeof(double) * nmodel);
	p = fit_expect(p, '{', str);
	p = fit_skip_space(p);
	if (*p != '}')
	{
		for (;;)
		{
			double		key[KAM_FIT_MAXKEY] = {0, 0, 0};
			KamSum		w;
			char	   *end;

			if ((st->nentries & 0xffff) == 0)
				CHECK_FOR_INTERRUPTS();
			if (st->nentries >= FIT_MAX_ENTRIES)
				fit_syntax_error(str, "Too many entries.");
			p = fit_expect(p, '(', str);
			for (int k = 0; k < st->nkeys; k++)
			{
				if (k > 0)
					p = fit_expect(p, ',', str);
				p = fit_read_float(p, &key[k], str);
			}
			p = fit_expect(p, ';', str);
			p = fit_skip_space(p);
			if (!kam_sum_from_cstring(p, &w, &end) || end == p)
				fit_syntax_error(str, "A weight must be a decimal number with at most 9 decimals.");
			p = fit_expect(end, ')', str);
			if ((problem = fit_add_entry(st, key, &w)) != NULL)
				fit_syntax_error(str, problem);
			p = fit_skip_space(p);
			if (*p != ',')
				break;
			p++;
		}
	}
	p = fit_expect(p, '}', str);
	if (*fit_skip_space(p) != '\0')
		fit_syntax_error(str, "Unexpected text after \"}\".");
	if (st->nrows < st->nentries)
		fit_syntax_error(str, "Every entry stands for at least one input row.");
	return fit_flat_datum(st);
}

/* the state of a value to write: expanded, or a view of the flat value */
static const KamFitState *
fit_view(Datum d, KamFitState *tmp)
{
	KamFitState *st = fitstate_expanded(d);
	FitFlat    *f;

	if (st != NULL)
		return st;
	f = (FitFlat *) PG_DETOAST_DATUM(d);
	if (f->format != FIT_FORMAT || VARSIZE(f) != FIT_FLAT_SIZE(f->nentries))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid stored %s value", FIT_TYPNAME)));
	memset(tmp, 0, sizeof(KamFitState));
	tmp->nkeys = f->nkeys;
	tmp->nrows = f->nrows;
	tmp->nentries = f->nentries;
	tmp->entries = f->entries;
	tmp->nmodel = f->nmodel;
	memcpy(tmp->model, f->model, sizeof(double) * f->nmodel);
	return tmp;
}

Datum
kam_fit_state_out(PG_FUNCTION_ARGS)
{
	KamFitState tmp;
	const KamFitState *st = fit_view(PG_GETARG_DATUM(0), &tmp);
	StringInfoData buf;
	char		t[DOUBLE_SHORTEST_DECIMAL_LEN];

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d %d " INT64_FORMAT " ", FIT_FORMAT, st->nkeys, st->nrows);
	if (st->nmodel == 0)
		appendStringInfoChar(&buf, '-');
	else
	{
		appendStringInfoChar(&buf, '[');
		for (int k = 0; k < st->nmodel; k++)
		{
			/* the shortest exact form, whatever the session's extra_float_digits */
			double_to_shortest_decimal_buf(st->model[k], t);
			appendStringInfo(&buf, "%s%s", k > 0 ? "," : "", t);
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, " {");
	for (int64 i = 0; i < st->nentries; i++)
	{
		const KamFitEntry *e = &st->entries[i];
		char	   *w = kam_sum_to_cstring(&e->weight);

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		appendStringInfoString(&buf, i > 0 ? ",(" : "(");
		for (int k = 0; k < st->nkeys; k++)
		{
			double_to_shortest_decimal_buf(e->key[k], t);
			appendStringInfo(&buf, "%s%s", k > 0 ? "," : "", t);
		}
		appendStringInfo(&buf, ";%s)", w);
		pfree(w);
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

Datum
kam_fit_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const char *problem;
	int			format,
				nkeys,
				nmodel;
	int64		nrows,
				n;
	double		model[KAM_FIT_MAXMODEL];
	KamFitState *st;

	if (buf->len - buf->cursor < 1 + 4 + 8 + 8 + 4)
		fit_binary_error("The value is shorter than its header.");
	format = pq_getmsgbyte(buf);
	if (format != FIT_FORMAT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s binary format %d is not supported", FIT_TYPNAME, format),
				 errdetail("This kam reads format %d.", FIT_FORMAT)));
	nkeys = pq_getmsgint(buf, 4);
	nrows = pq_getmsgint64(buf);
	n = pq_getmsgint64(buf);
	nmodel = pq_getmsgint(buf, 4);
	if (nmodel < 0 || nmodel > KAM_FIT_MAXMODEL || nkeys < 1 || nkeys > KAM_FIT_MAXKEY)
		fit_binary_error("The number of key columns or model parameters is out of range.");
	if (buf->len - buf->cursor < 8 * nmodel)
		fit_binary_error("The value is shorter than its model.");
	for (int k = 0; k < nmodel; k++)
		model[k] = pq_getmsgfloat8(buf);
	if ((problem = fit_header_problem(nkeys, nrows, n, nmodel, model)) != NULL)
		fit_binary_error(problem);
	/* the length must fit the count exactly, checked before anything is allocated */
	if ((int64) (buf->len - buf->cursor) != n * (8 * nkeys + 16))
		fit_binary_error("The number of entries does not match the length of the value.");
	st = fitstate_new(CurrentMemoryContext, nkeys, capacity_for(n));
	st->nrows = nrows;
	st->nmodel = nmodel;
	memcpy(st->model, model, sizeof(double) * nmodel);
	for (int64 i = 0; i < n; i++)
	{
		double		key[KAM_FIT_MAXKEY] = {0, 0, 0};
		KamSum		w;

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int k = 0; k < nkeys; k++)
			key[k] = pq_getmsgfloat8(buf);
		w.hi = pq_getmsgint64(buf);
		w.lo = (uint64) pq_getmsgint64(buf);
		if ((problem = fit_add_entry(st, key, &w)) != NULL)
			fit_binary_error(problem);
	}
	return fit_flat_datum(st);
}

Datum
kam_fit_state_send(PG_FUNCTION_ARGS)
{
	KamFitState tmp;
	const KamFitState *st = fit_view(PG_GETARG_DATUM(0), &tmp);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, FIT_FORMAT);
	pq_sendint32(&buf, st->nkeys);
	pq_sendint64(&buf, st->nrows);
	pq_sendint64(&buf, st->nentries);
	pq_sendint32(&buf, st->nmodel);
	for (int k = 0; k < st->nmodel; k++)
		pq_sendfloat8(&buf, st->model[k]);
	for (int64 i = 0; i < st->nentries; i++)
	{
		for (int k = 0; k < st->nkeys; k++)
			pq_sendfloat8(&buf, st->entries[i].key[k]);
		pq_sendint64(&buf, st->entries[i].weight.hi);
		pq_sendint64(&buf, (int64) st->entries[i].weight.lo);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static int
double_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * Dense ranks of a column of values: ValueRanks collects the distinct
 * values in a small hash table (a fit's recency and T columns hold few
 * distinct values among many entries), sorts them, and maps each entry to
 * the rank of its value.
 */
typedef struct ValueRanks
{
	int			cap;			/* hash slots, a power of 2 */
	int			n;				/* distinct values */
	double	   *vals;			/* distinct values, first-seen order */
	int		   *slots;			/* value index + 1, 0 = empty */
} ValueRanks;

static int
value_insert(ValueRanks *vr, double v)
{
	uint64		bits;
	uint64		h;

	if (2 * (vr->n + 1) > vr->cap)
	{
		int			i;

		vr->cap *= 2;
		pfree(vr->slots);
		vr->slots = palloc0(sizeof(int) * vr->cap);
		vr->vals = repalloc(vr->vals, sizeof(double) * vr->cap / 2);
		for (i = 0; i < vr->n; i++)
		{
			memcpy(&bits, &vr->vals[i], sizeof(bits));
			h = mix64(bits) & (vr->cap - 1);
			while (vr->slots[h] != 0)
				h = (h + 1) & (vr->cap - 1);
			vr->slots[h] = i + 1;
		}
	}
	memcpy(&bits, &v, sizeof(bits));
	h = mix64(bits) & (vr->cap - 1);
	while (vr->slots[h] != 0)
	{
		if (vr->vals[vr->slots[h] - 1] == v)
			return vr->slots[h] - 1;
		h = (h + 1) & (vr->cap - 1);
	}
	vr->vals[vr->n] = v;
	vr->slots[h] = ++vr->n;
	return vr->n - 1;
}

/*
 * Replace the first-seen indexes idx[0..n-1] by ranks in ascending value
 * order; vals (returned, length vr->n) holds the sorted distinct values.
 */
static double *
value_ranks(ValueRanks *vr, int *idx, int n)
{
	double	   *sorted = palloc(sizeof(double) * Max(vr->n, 1));
	int		   *rank = palloc(sizeof(int) * Max(vr->n, 1));
	int			i;

	memcpy(sorted, vr->vals, sizeof(double) * vr->n);
	qsort(sorted, vr->n, sizeof(double), double_cmp);
	for (i = 0; i < vr->n; i++)
	{
		int			lo = 0,
					hi = vr->n - 1;

		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (sorted[mid] < vr->vals[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		rank[i] = lo;
	}
	for (i = 0; i < n; i++)
		idx[i] = rank[idx[i]];
	pfree(rank);
	return sorted;
}

static void
value_init(ValueRanks *vr)
{
	vr->cap = 64;
	vr->n = 0;
	vr->vals = palloc(sizeof(double) * vr->cap / 2);
	vr->slots = palloc0(sizeof(int) * vr->cap);
}

/*
 * Lay out a (frequency, recency, T) state for the likelihood loops.  Returns
 * false when the state holds no customers (the fit returns NULL).
 */
bool
kam_rft_build(KamFitState *st, KamRft *d, const char *fname)
{
	ValueRanks	vr,
				vt;
	int			n,
				i,
				j;

	kam_fitstate_sort(st);
	n = (int) st->nentries;
	if (n == 0)
		return false;
	memset(d, 0, sizeof(KamRft));
	d->nent = n;
	d->w = palloc(sizeof(double) * n);
	d->ri = palloc(sizeof(int) * n);
	d->ti = palloc(sizeof(int) * n);
	d->xv = palloc(sizeof(double) * n);
	d->xstart = palloc(sizeof(int) * (n + 1));
	d->wx = palloc0(sizeof(double) * n);
	value_init(&vr);
	value_init(&vt);

	j = -1;
	for (i = 0; i < n; i++)
	{
		const KamFitEntry *e = &st->entries[i];

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		d->w[i] = kam_fit_weight(&e->weight);
		d->ri[i] = value_insert(&vr, e->key[1]);
		d->ti[i] = value_insert(&vt, e->key[2]);
		if (j < 0 || e->key[0] != d->xv[j])
		{
			j++;
			d->xv[j] = e->key[0];
			d->xstart[j] = i;
		}
		d->wx[j] += d->w[i];
		d->wsum += d->w[i];
		d->sum_wx += d->w[i] * e->key[0];
		d->sum_wt += d->w[i] * e->key[2];
	}
	d->nx = j + 1;
	d->xstart[d->nx] = n;
	d->nR = vr.n;
	d->Rv = value_ranks(&vr, d->ri, n);
	d->nT = vt.n;
	d->Tv = value_ranks(&vt, d->ti, n);
	d->logR = palloc(sizeof(double) * d->nR);
	d->invR = palloc(sizeof(double) * d->nR);
	d->logT = palloc(sizeof(double) * d->nT);
	d->invT = palloc(sizeof(double) * d->nT);
	if (!(d->sum_wx > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs at least one customer with frequency > 0", fname),
				 errhint("The purchase rate cannot be estimated without repeat purchases.")));
	if (!(d->sum_wt > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs at least one customer with t > 0", fname),
				 errhint("Customers must have been observed for some time.")));
	d->scale = d->sum_wt / d->wsum;
	return true;
}

void
kam_rft_logs(KamRft *d, double alpha)
{
	int			k;

	for (k = 0; k < d->nR; k++)
	{
		d->logR[k] = log(alpha + d->Rv[k]);
		d->invR[k] = 1.0 / (alpha + d->Rv[k]);
	}
	for (k = 0; k < d->nT; k++)
	{
		d->logT[k] = log(alpha + d->Tv[k]);
		d->invT[k] = 1.0 / (alpha + d->Tv[k]);
	}
}
