/*
 * tier_scores.c -- the ranks of kam.customer_tier in one pass
 *
 *	kam.tier_scores(revenue_12m float8, recency_days int4, purchase_days int8)
 *		OVER () -> float8[5]
 *		{cumulative_share, share_above, r_score, f_score, m_score}
 *
 * The window is the whole partition, unordered: the first call reads every
 * row, sorts (revenue, row) pairs once (for the shares and the m score),
 * counts the buyers' recency and purchase days in tables and stores
 * every row's result in partition-local memory, so that every call just
 * reads its own.  This replaces four window sorts of the customers (one per
 * ORDER BY) and their tuple copies.
 *
 * Shares are those of kam.cumulative_share / kam.cumulative_share_above
 * (abc.c) over the window ordered by revenue descending: the positive values
 * are summed (Neumaier) in descending order, one share per tie group, a
 * non-positive value has share 1 and a NULL one, or one of a partition
 * without positive revenue, NULL.  The sequence of additions is the same as
 * abc.c's (equal values are interchangeable), so the shares are identical.
 *
 * Scores are quintiles among the rows with purchase_days > 0 (NULL for the
 * others): with n such rows and c of them ranked at or below this one,
 * score = ceil(5 c / n) = (5 c + n - 1) / n in integers, where "at or below"
 * is recency_days >= this row's (r: less recent is lower), purchase_days <=
 * (f) and revenue_12m <= (m): what count(*) OVER (ORDER BY ...) counts with
 * its peers.
 */
#include "kam.h"
#include "neumaier.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "windowapi.h"

/* a row's key and its position in the partition */
typedef struct KeyedRow
{
	double		key;
	int64		row;
} KeyedRow;

/* descending by key: the largest first */
#define ST_SORT sort_keyed_desc
#define ST_ELEMENT_TYPE KeyedRow
#define ST_COMPARE(a, b) (((a)->key < (b)->key) - ((a)->key > (b)->key))
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Partition-local: every row's result, computed by the first call (huge
 * allocations in the partition's own memory context, freed with it).
 */
typedef struct ScoresPartition
{
	bool		ready;
	double	   *through;		/* per row: cumulative share; NaN: NULL */
	double	   *above;			/* per row: share above; NaN: NULL */
	uint8	   *score;			/* per row: r, f, m (3 bytes); 0: NULL */
} ScoresPartition;

static pg_noinline void
scores_bad_row(int64 row)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("kam.tier_scores needs revenue_12m and recency_days where purchase_days > 0"),
			 errdetail("Row %lld of the partition has purchase_days > 0 and a NULL revenue_12m or recency_days.",
					   (long long) (row + 1)),
			 errhint("A customer with purchase days in the window has a recency; pass COALESCE(revenue_12m, 0).")));
}

/* reads argument argno of row i of the partition */
static Datum
scores_arg(WindowObject winobj, int argno, int64 i, bool *isnull)
{
	bool		isout;
	Datum		d = WinGetFuncArgInPartition(winobj, argno, i, WINDOW_SEEK_HEAD, false,
											 isnull, &isout);

	if (isout)
		elog(ERROR, "row %lld of the window partition is missing", (long long) i);
	return d;
}

/* ceil(5 c / n) */
static inline uint8
quintile(int64 c, int64 n)
{
	return (uint8) ((5 * c + n - 1) / n);
}

/*
 * Score byte `which` of the nb buyers from integer keys (higher ranked =
 * larger key when asc, smaller when not): c = the buyers whose key is at or
 * below this one's in rank.  Keys are purchase days and days of recency,
 * a few hundred values: counted in a table over their range, or, should the
 * range be wide, sorted.
 */
static void
int_quintiles(MemoryContext cxt, const int64 *key, const int64 *row, int64 nb, bool asc,
			  uint8 *score, int which)
{
	int64		lo = PG_INT64_MAX,
				hi = PG_INT64_MIN,
				i;

	for (i = 0; i < nb; i++)
	{
		lo = Min(lo, key[i]);
		hi = Max(hi, key[i]);
	}
	if (nb > 0 && hi - lo < Max(4096, 2 * nb))
	{
		int64		range = hi - lo + 1;
		int64	   *c = MemoryContextAllocHuge(cxt, sizeof(int64) * range);
		int64		k;

		memset(c, 0, sizeof(int64) * range);
		for (i = 0; i < nb; i++)
			c[key[i] - lo]++;
		/* c[k]: the keys ranked at or below key lo + k */
		if (asc)
			for (k = 1; k < range; k++)
				c[k] += c[k - 1];
		else
			for (k = range - 2; k >= 0; k--)
				c[k] += c[k + 1];
		for (i = 0; i < nb; i++)
			score[3 * row[i] + which] = quintile(c[key[i] - lo], nb);
		pfree(c);
	}
	else if (nb > 0)
	{
		KeyedRow   *k = MemoryContextAllocHuge(cxt, sizeof(KeyedRow) * nb);
		int64		j;

		/* sorted descending, the lowest ranked first */
		for (i = 0; i < nb; i++)
		{
			k[i].key = asc ? -(double) key[i] : (double) key[i];
			k[i].row = row[i];
		}
		sort_keyed_desc(k, nb);
		for (i = 0; i < nb; i = j)
		{
			CHECK_FOR_INTERRUPTS();
			for (j = i; j < nb && k[j].key == k[i].key; j++)
				;
			for (; i < j; i++)
				score[3 * k[i].row + which] = quintile(j, nb);
		}
		pfree(k);
	}
}

static void
scores_load(WindowObject winobj, ScoresPartition *st)
{
	MemoryContext cxt = GetMemoryChunkContext(st);
	int64		n = WinGetPartitionRowCount(winobj);
	KeyedRow   *byrev = MemoryContextAllocHuge(cxt, sizeof(KeyedRow) * Max(n, 1));
	int64	   *buyer = MemoryContextAllocHuge(cxt, sizeof(int64) * Max(n, 1));
	int64	   *rec = MemoryContextAllocHuge(cxt, sizeof(int64) * Max(n, 1));
	int64	   *days = MemoryContextAllocHuge(cxt, sizeof(int64) * Max(n, 1));
	int64		nrev = 0,
				nb = 0,
				npos,
				i,
				j;
	NeumaierSum total = {0, 0};
	NeumaierSum cum = {0, 0};
	double		tot;

	st->through = MemoryContextAllocHuge(cxt, sizeof(double) * Max(n, 1));
	st->above = MemoryContextAllocHuge(cxt, sizeof(double) * Max(n, 1));
	st->score = MemoryContextAllocHuge(cxt, 3 * Max(n, 1));
	memset(st->score, 0, 3 * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		bool		vnull,
					rnull,
					dnull;
		double		v = DatumGetFloat8(scores_arg(winobj, 0, i, &vnull));
		Datum		r = scores_arg(winobj, 1, i, &rnull);
		Datum		d = scores_arg(winobj, 2, i, &dnull);

		CHECK_FOR_INTERRUPTS();
		st->through[i] = st->above[i] = get_float8_nan();
		if (!vnull)
		{
			KAM_CHECK_FINITE(v, "revenue_12m");
			byrev[nrev].key = v;
			byrev[nrev++].row = i;
		}
		if (!dnull && DatumGetInt64(d) > 0)
		{
			if (vnull || rnull)
				scores_bad_row(i);
			/* a buyer: score byte 2 (m) is set non-zero below */
			st->score[3 * i + 2] = 1;
			rec[nb] = DatumGetInt32(r);
			days[nb] = DatumGetInt64(d);
			buyer[nb++] = i;
		}
	}
	/* r: a larger recency ranks lower; f: fewer days rank lower */
	int_quintiles(cxt, rec, buyer, nb, false, st->score, 0);
	int_quintiles(cxt, days, buyer, nb, true, st->score, 1);

	sort_keyed_desc(byrev, nrev);
	/* m: c = the buyers with revenue at or below this one's, from the smallest up */
	for (i = nrev - 1, j = 0; i >= 0;)
	{
		int64		g = i;
		int64		k;

		CHECK_FOR_INTERRUPTS();
		for (; g >= 0 && byrev[g].key == byrev[i].key; g--)
			j += st->score[3 * byrev[g].row + 2] != 0;
		for (k = i; k > g; k--)
			if (st->score[3 * byrev[k].row + 2] != 0)
				st->score[3 * byrev[k].row + 2] = quintile(j, nb);
		i = g;
	}

	/* the shares: positive values first, summed in descending order as abc.c does */
	for (npos = 0; npos < nrev && byrev[npos].key > 0; npos++)
		neumaier_add(&total, byrev[npos].key);
	tot = neumaier_value(&total);
	if (tot > 0)
	{
		i = 0;
		while (i < npos)
		{
			double		above = neumaier_value(&cum) / tot;
			double		through;

			CHECK_FOR_INTERRUPTS();
			for (j = i; j < npos && byrev[j].key == byrev[i].key; j++)
				neumaier_add(&cum, byrev[j].key);
			through = Min(neumaier_value(&cum) / tot, 1.0);
			for (; i < j; i++)
			{
				st->above[byrev[i].row] = above;
				st->through[byrev[i].row] = through;
			}
		}
		/* every positive group ranks above a non-positive value */
		for (; i < nrev; i++)
			st->above[byrev[i].row] = st->through[byrev[i].row] = 1.0;
	}
	pfree(byrev);
	pfree(buyer);
	pfree(rec);
	pfree(days);
}

PG_FUNCTION_INFO_V1(kam_tier_scores);

Datum
kam_tier_scores(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	ScoresPartition *st;
	Datum		out[5];
	bool		nulls[5];
	int			dims[1] = {5};
	int			lbs[1] = {1};
	int64		pos;
	int			k;

	st = (ScoresPartition *) WinGetPartitionLocalMemory(winobj, sizeof(ScoresPartition));
	if (!st->ready)
	{
		scores_load(winobj, st);
		st->ready = true;
	}
	pos = WinGetCurrentPosition(winobj);
	nulls[0] = isnan(st->through[pos]);
	out[0] = Float8GetDatum(st->through[pos]);
	nulls[1] = isnan(st->above[pos]);
	out[1] = Float8GetDatum(st->above[pos]);
	for (k = 0; k < 3; k++)
	{
		nulls[2 + k] = st->score[3 * pos + k] == 0;
		out[2 + k] = Float8GetDatum((double) st->score[3 * pos + k]);
	}
	PG_RETURN_ARRAYTYPE_P(construct_md_array(out, nulls, 1, dims, lbs, FLOAT8OID,
											 sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
