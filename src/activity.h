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

typedef struct ActEntry
{
	int32		period;			/* period index (see period.h) */
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

#endif							/* KAM_ACTIVITY_H */
