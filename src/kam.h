/*
 * kam.h -- shared declarations for the kam extension
 *
 * Periods: every kam aggregate that counts "purchase periods" maps a date or
 * timestamp to an integer period index; consecutive periods have consecutive
 * indexes, so recency and T are plain differences.  Index 0 is the period
 * holding 2000-01-01 (for weeks: the ISO week starting Monday 2000-01-03).
 */
#ifndef KAM_H
#define KAM_H

#include "postgres.h"
#include "fmgr.h"
#include "nodes/nodes.h"
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif
#include "utils/date.h"
#include "utils/timestamp.h"
#include "pgtime.h"

typedef enum KamPeriod
{
	KAM_PERIOD_DAY = 0,
	KAM_PERIOD_WEEK,
	KAM_PERIOD_MONTH,
	KAM_PERIOD_QUARTER,
	KAM_PERIOD_YEAR
} KamPeriod;

#define KAM_N_PERIODS 5

/*
 * Per call site (fn_extra) memory that makes mapping order timestamps to
 * periods an addition, a division and two comparisons per row:
 * - the session time zone's UTC offset and the interval it holds for (up to
 *   the next daylight-saving boundary), so flooring a timestamptz to a local
 *   day needs no calendar arithmetic;
 * - the day range of the latest period looked up, so months, quarters and
 *   years need no calendar arithmetic either while rows stay in that period.
 * Zero-initialize it (MemoryContextAllocZero); the inline functions below
 * refill it when the zone or the period kind changes or a value falls
 * outside the cached interval, and give exactly what the uncached functions
 * give (tested across daylight-saving changes in rfm.sql).
 */
typedef struct KamPeriodCache
{
	const void *tz;				/* the pg_tz the offset belongs to */
	TimestampTz lo;				/* offset valid for lo <= ts < hi */
	TimestampTz hi;
	int64		offset;			/* microseconds east of UTC */
	int32		day_lo;			/* days day_lo <= day < day_hi ... */
	int32		day_hi;
	int32		period;			/* ... are in this period */
	int32		kind;			/* of this KamPeriod */
} KamPeriodCache;

/* period.c */
extern KamPeriod kam_period_parse(const char *name, const char *argname);
extern KamPeriod kam_period_from_text(text *t, const char *argname);
extern const char *kam_period_name(KamPeriod p);
extern int32 kam_period_of_date(DateADT d, KamPeriod p, const char *argname);
extern int32 kam_period_of_timestamp(Timestamp ts, KamPeriod p, const char *argname);
extern int32 kam_period_of_timestamptz(TimestampTz ts, KamPeriod p, const char *argname);
extern int32 kam_local_day_refill(TimestampTz ts, const char *argname, KamPeriodCache *cache);
extern int32 kam_period_of_day_refill(int32 day, KamPeriod p, KamPeriodCache *cache);

/* floor(a / b) for b > 0 */
static inline int64
kam_floor_div64(int64 a, int64 b)
{
	return (a >= 0) ? a / b : -((-a + b - 1) / b);
}

/* the local day (days since 2000-01-01) of a timestamptz in the session time zone */
static inline int32
kam_local_day_cached(TimestampTz ts, const char *argname, KamPeriodCache *cache)
{
	if (likely(cache->tz == (const void *) session_timezone && ts >= cache->lo && ts < cache->hi))
		return (int32) kam_floor_div64(ts + cache->offset, USECS_PER_DAY);
	return kam_local_day_refill(ts, argname, cache);
}

/* the period index of a day number */
static inline int32
kam_period_of_day_cached(int32 day, KamPeriod p, KamPeriodCache *cache)
{
	if (p == KAM_PERIOD_DAY)
		return day;
	if (likely(day >= cache->day_lo && day < cache->day_hi && (int32) p == cache->kind))
		return cache->period;
	return kam_period_of_day_refill(day, p, cache);
}

extern DateADT kam_period_start(int32 index, KamPeriod p);

/*
 * Whether a transition function runs as an aggregate (or window aggregate)
 * and so may update its state in place: AggCheckCallContext's test, inline
 * for the per-row paths.
 */
static inline bool
kam_in_aggregate(FunctionCallInfo fcinfo)
{
	return fcinfo->context != NULL &&
		(IsA(fcinfo->context, AggState) || IsA(fcinfo->context, WindowAggState));
}

/* Errors shared by every capability. */
#define KAM_CHECK_FINITE(x, argname) \
	do { \
		if (unlikely(isnan(x) || isinf(x))) \
			ereport(ERROR, \
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE), \
					 errmsg("%s must be a finite number, got %g", (argname), (x)), \
					 errhint("Filter out or repair rows with NaN or infinite values."))); \
	} while (0)

#endif							/* KAM_H */
