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
	st->slots = MemoryContextAllocHuge(cxt, sizeof(int32) * 2 * capacity);
	memset(st->slots, 0, sizeof(int32) * 2 * capacity);
	return st;
}

static void
rebuild_slots(KamFitState *st)
{
	uint64		mask = (uint64) (2 * st->capacity - 1);
	int64		i;

	memset(st->slots, 0, sizeof(int32) * 2 * st->capacity);
	for (i = 0; i < st->nentries; i++)
	{
		uint64		h = key_hash(st->entries[i].key, st->nkeys) & mask;

		while (st->slots[h] != 0)
			h = (h + 1) & mask;
		st->slots[h] = (int32) (i + 1);
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
	st->slots = MemoryContextAllocHuge(cxt, sizeof(int32) * 2 * cap);
	st->capacity = cap;
	rebuild_slots(st);
}

/* The transition state, created in the aggregate context on the first row. */
KamFitState *
kam_fitstate_get(FunctionCallInfo fcinfo, int nkeys, const char *fname)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "%s called in non-aggregate context", fname);
	if (!PG_ARGISNULL(0))
		return (KamFitState *) PG_GETARG_POINTER(0);
	return fitstate_new(aggcxt, nkeys, INITIAL_CAPACITY);
}

/* Entry of key, created with weight 0 when new. */
static KamFitEntry *
lookup(KamFitState *st, const double *key)
{
	uint64		mask;
	uint64		h;
	KamFitEntry *e;

	if (st->nentries >= st->capacity)
		grow(st);
	mask = (uint64) (2 * st->capacity - 1);
	h = key_hash(key, st->nkeys) & mask;
	while (st->slots[h] != 0)
	{
		e = &st->entries[st->slots[h] - 1];
		if (memcmp(e->key, key, sizeof(double) * st->nkeys) == 0)
			return e;
		h = (h + 1) & mask;
	}
	e = &st->entries[st->nentries];
	memset(e, 0, sizeof(KamFitEntry));
	memcpy(e->key, key, sizeof(double) * st->nkeys);
	st->slots[h] = (int32) (++st->nentries);
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

static int
entry_cmp(const void *a, const void *b)
{
	const KamFitEntry *ea = a;
	const KamFitEntry *eb = b;
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

	qsort(st->entries, st->nentries, sizeof(KamFitEntry), entry_cmp);
	for (i = 0; i < st->nentries; i++)
		if (kam_sum_to_double(&st->entries[i].weight) > 0.0)
			st->entries[j++] = st->entries[i];
	st->nentries = j;
	rebuild_slots(st);
}

double
kam_fitstate_total_weight(const KamFitState *st)
{
	KamSum		total = KAM_SUM_ZERO;
	int64		i;

	for (i = 0; i < st->nentries; i++)
		kam_sum_merge(&total, &st->entries[i].weight);
	return kam_sum_to_double(&total);
}

Datum
kam_fitstate_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	KamFitState *a;
	KamFitState *b;
	int64		i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "kam_fitstate_combine called in non-aggregate context");
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
	PG_RETURN_POINTER(a);
}

/* Binary form: nkeys, nrows, nentries, then per entry its keys and weight. */
Datum
kam_fitstate_serialize(PG_FUNCTION_ARGS)
{
	KamFitState *st = (KamFitState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int64		i;
	int			k;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "kam_fitstate_serialize called in non-aggregate context");
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
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
kam_fitstate_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	StringInfoData buf;
	KamFitState *st;
	int32		nkeys;
	int64		nrows,
				n,
				cap = INITIAL_CAPACITY,
				i;
	int			k;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "kam_fitstate_deserialize called in non-aggregate context");
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
	st = fitstate_new(aggcxt, nkeys, cap);
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

/* sorted distinct values of vals[0..n-1] (sorted in place); returns the count */
static int
unique_sorted(double *vals, int n)
{
	int			i,
				k = 0;

	qsort(vals, n, sizeof(double), double_cmp);
	for (i = 0; i < n; i++)
		if (k == 0 || vals[i] != vals[k - 1])
			vals[k++] = vals[i];
	return k;
}

static int
find_value(const double *vals, int n, double v)
{
	int			lo = 0,
				hi = n - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (vals[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Lay out a (frequency, recency, T) state for the likelihood loops.  Returns
 * false when the state holds no customers (the fit returns NULL).
 */
bool
kam_rft_build(KamFitState *st, KamRft *d, const char *fname)
{
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
	d->Rv = palloc(sizeof(double) * n);
	d->Tv = palloc(sizeof(double) * n);
	for (i = 0; i < n; i++)
	{
		d->Rv[i] = st->entries[i].key[1];
		d->Tv[i] = st->entries[i].key[2];
	}
	d->nR = unique_sorted(d->Rv, n);
	d->nT = unique_sorted(d->Tv, n);
	d->logR = palloc(sizeof(double) * d->nR);
	d->invR = palloc(sizeof(double) * d->nR);
	d->logT = palloc(sizeof(double) * d->nT);
	d->invT = palloc(sizeof(double) * d->nT);

	j = -1;
	for (i = 0; i < n; i++)
	{
		const KamFitEntry *e = &st->entries[i];

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		d->w[i] = kam_sum_to_double(&e->weight);
		d->ri[i] = find_value(d->Rv, d->nR, e->key[1]);
		d->ti[i] = find_value(d->Tv, d->nT, e->key[2]);
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
