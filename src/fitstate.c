/*
 * fitstate.c -- the weighted histogram state of kam's model fits
 *
 * The state is `internal`: one KamFitState in the aggregate context.  The
 * SQL-callable support functions shared by every fit aggregate are
 * kam.fitstate_combine, kam.fitstate_serialize and kam.fitstate_deserialize.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "fitstate.h"
#include "kam.h"

PG_FUNCTION_INFO_V1(kam_fitstate_combine);
PG_FUNCTION_INFO_V1(kam_fitstate_serialize);
PG_FUNCTION_INFO_V1(kam_fitstate_deserialize);

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

/* The transition state, created in the aggregate context on the first row. */
KamFitState *
kam_fitstate_get(FunctionCallInfo fcinfo, int nkeys, const char *fname)
{
	MemoryContext aggcxt = kam_agg_context(fcinfo, fname, NULL);

	if (!PG_ARGISNULL(0))
		return (KamFitState *) PG_GETARG_POINTER(0);
	return fitstate_new(aggcxt, nkeys, INITIAL_CAPACITY);
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
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (KamFitState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		a = fitstate_new(aggcxt, b->nkeys, Max(b->capacity, INITIAL_CAPACITY));
		memcpy(a->entries, b->entries, sizeof(KamFitEntry) * b->nentries);
		a->nentries = b->nentries;
		a->nrows = b->nrows;
		a->nmodel = b->nmodel;
		memcpy(a->model, b->model, sizeof(a->model));
		rebuild_slots(a);
		PG_RETURN_POINTER(a);
	}
	a = (KamFitState *) PG_GETARG_POINTER(0);
	for (i = 0; i < b->nentries; i++)
	{
		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		kam_sum_merge(&lookup(a, b->entries[i].key)->weight, &b->entries[i].weight);
	}
	a->nrows += b->nrows;
	if (b->nmodel > 0)
		kam_fitstate_set_model(a, b->model, b->nmodel);
	PG_RETURN_POINTER(a);
}

/*
 * Binary form: nkeys, nrows, nentries, then per entry its keys and weight;
 * then, for an information aggregate only, nmodel and the model parameters.
 */
Datum
kam_fitstate_serialize(PG_FUNCTION_ARGS)
{
	KamFitState *st = (KamFitState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int64		i;
	int			k;

	(void) kam_agg_context(fcinfo, "kam_fitstate_serialize", NULL);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, st->nkeys);
	pq_sendint64(&buf, st->nrows);
	pq_sendint64(&buf, st->nentries);
	for (i = 0; i < st->nentries; i++)
	{
		for (k = 0; k < st->nkeys; k++)
			pq_sendfloat8(&buf, st->entries[i].key[k]);
		pq_sendint64(&buf, st->entries[i].weight.hi);
		pq_sendint64(&buf, (int64) st->entries[i].weight.lo);
	}
	if (st->nmodel > 0)
	{
		pq_sendint32(&buf, st->nmodel);
		for (k = 0; k < st->nmodel; k++)
			pq_sendfloat8(&buf, st->model[k]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
kam_fitstate_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	KamFitState *st;
	int32		nkeys;
	int64		nrows,
				n,
				cap = INITIAL_CAPACITY,
				i;
	int			k;

	(void) kam_agg_context(fcinfo, "kam_fitstate_deserialize", NULL);
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	nkeys = pq_getmsgint(&buf, 4);
	nrows = pq_getmsgint64(&buf);
	n = pq_getmsgint64(&buf);
	if (nkeys < 1 || nkeys > KAM_FIT_MAXKEY || n < 0 || nrows < 0)
		elog(ERROR, "invalid kam fit state");
	while (cap < n)
		cap *= 2;
	/* in the caller's (short-lived) context: the combine function copies it */
	st = fitstate_new(CurrentMemoryContext, nkeys, cap);
	st->nrows = nrows;
	for (i = 0; i < n; i++)
	{
		KamFitEntry *e = &st->entries[i];

		memset(e, 0, sizeof(KamFitEntry));
		for (k = 0; k < nkeys; k++)
			e->key[k] = pq_getmsgfloat8(&buf);
		e->weight.hi = pq_getmsgint64(&buf);
		e->weight.lo = (uint64) pq_getmsgint64(&buf);
	}
	st->nentries = n;
	if (buf.cursor < buf.len)
	{
		st->nmodel = pq_getmsgint(&buf, 4);
		if (st->nmodel < 1 || st->nmodel > KAM_FIT_MAXMODEL)
			elog(ERROR, "invalid kam fit state");
		for (k = 0; k < st->nmodel; k++)
			st->model[k] = pq_getmsgfloat8(&buf);
	}
	pq_getmsgend(&buf);
	rebuild_slots(st);
	PG_RETURN_POINTER(st);
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
