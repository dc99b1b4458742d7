/*
 * activity.h -- the kam.activity signature type
 *
 * One customer's activity: the reporting period, the as-of date and the
 * sorted list of the periods in which the customer ordered, each with its
 * exact revenue (a KamSum, see money.h).  activity.c makes signatures (the
 * type's I/O and the kam.activity aggregate); retention.c and cohort.c
 * compute the retention figures from them.
 */
#ifndef KAM_ACTIVITY_H
#define KAM_ACTIVITY_H

#include "kam.h"
#include "money.h"
#include "period.h"

#include "fmgr.h"
#include "access/tupdesc.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/memutils.h"

typedef struct ActEntry
{
	int32		period;			/* period index (see period.h) */
	int32		reserved;		/* zero */
	KamSum		revenue;		/* exact revenue of the period */
} ActEntry;

/*
 * The stored layout, format 2 (kam 0.2.0).  The word after the varlena
 * header tells the formats apart: ACT_FORMAT (the magic "KA" and the format
 * number) here, the period (0 .. 4) in format 1, the layout of kam 0.1.0,
 * which kept the period there and its in-memory capacity in place of
 * `reserved`.  Entries sit at the same offset in both.  Stored values hold
 * exactly n entries (VARSIZE = ACT_SIZE(n)); only the kam.activity
 * aggregate's transition state has spare room, which VARSIZE covers while it
 * is in memory and the final function cuts off.
 */
#define ACT_FORMAT_MAGIC 0x4B410000
#define ACT_FORMAT_VERSION 2
#define ACT_FORMAT (ACT_FORMAT_MAGIC | ACT_FORMAT_VERSION)

typedef struct KamActivity
{
	int32		vl_len_;
	uint32		format;			/* ACT_FORMAT */
	int32		kind;			/* KamPeriod */
	DateADT		as_of;			/* no order after this day */
	int32		n;				/* active periods, sorted ascending */
	int32		reserved;		/* zero */
	ActEntry	e[FLEXIBLE_ARRAY_MEMBER];
} KamActivity;

#define ACT_HDRSZ offsetof(KamActivity, e)
#define ACT_SIZE(cap) (ACT_HDRSZ + (Size) (cap) * sizeof(ActEntry))
#define ACT_CAP(a) ((int32) ((VARSIZE(a) - ACT_HDRSZ) / sizeof(ActEntry)))
#define ACT_MAX_ENTRIES ((int32) ((MaxAllocSize - ACT_HDRSZ) / sizeof(ActEntry)))

/* activity.c: the value of a kam.activity argument, in the current format */
extern KamActivity *act_get(Datum d);
#define PG_GETARG_ACTIVITY(n) act_get(PG_GETARG_DATUM(n))

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

static inline int32
activity_asof_period(const KamActivity *a)
{
	return kam_period_of_date(a->as_of, (KamPeriod) a->kind, "as_of");
}

static inline Datum
ratio_or_null(double num, double den, bool *isnull)
{
	*isnull = (den == 0.0);
	return Float8GetDatum(*isnull ? 0.0 : num / den);
}

/* retention.c: helpers of the aggregates over signatures */
extern void act_check_same_basis(int32 kind, DateADT as_of, const KamActivity *a);
extern TupleDesc act_result_row_desc(FunctionCallInfo fcinfo);
extern ArrayType *act_result_array(FunctionCallInfo fcinfo, Datum *rows, int nrows);

/*
 * The most rows (periods, cohort cells) one call of a retention aggregate
 * returns, and so the most accumulator entries it keeps: a signature spanning
 * thousands of years of days is refused up front instead of taking gigabytes.
 */
#define KAM_MAX_RESULT_ROWS 500000
extern pg_noinline void act_too_many_rows(const char *fname, int64 rows);

#endif							/* KAM_ACTIVITY_H */
