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

/*
 * kam needs PostgreSQL 15 or later (its views are security_invoker, and the
 * C code uses InitMaterializedSRF and sort_template.h).  Every kam source
 * file includes this header, so an older server's headers stop the build
 * here rather than at a confusing error further on.
 */
#if PG_VERSION_NUM < 150000
#error "kam requires PostgreSQL 15 or later"
#endif

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

/* the type of an order's time argument (one C entry point per SQL overload) */
typedef enum KamTimeKind
{
	KAM_TIMESTAMPTZ,
	KAM_TIMESTAMP,
	KAM_DATE
} KamTimeKind;

#define KAM_N_PERIODS 5

/*
 * Per call site (fn_extra) memory that makes flooring an order timestamptz
 * to its local day an addition and a division per row: the session time
 * zone's UTC offset and the interval it holds for (up to the next
 * daylight-saving boundary), so no calendar arithmetic is needed.
 * Zero-initialize it (MemoryContextAllocZero); kam_local_day_cached() refills
 * it when the zone changes or a value falls outside the cached interval, and
 * gives exactly what the uncached functions give (tested across
 * daylight-saving changes in rfm.sql).
 */
typedef struct KamPeriodCache
{
	const void *tz;				/* the pg_tz the offset belongs to */
	TimestampTz lo;				/* offset valid for lo <= ts < hi */
	TimestampTz hi;
	int64		offset;			/* microseconds east of UTC */
} KamPeriodCache;

/* period.c */
extern KamPeriod kam_period_parse(const char *name, const char *argname);
extern KamPeriod kam_period_from_text(text *t, const char *argname);
extern const char *kam_period_name(KamPeriod p);
extern int32 kam_period_of_date(DateADT d, KamPeriod p, const char *argname);
extern int32 kam_period_of_timestamp(Timestamp ts, KamPeriod p, const char *argname);
extern int32 kam_period_of_timestamptz(TimestampTz ts, KamPeriod p, const char *argname);
extern int32 kam_local_day_refill(TimestampTz ts, const char *argname, KamPeriodCache *cache);

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

/*
 * The day number of argument n, an order time of the given kind: a
 * timestamptz floored in the session time zone (through the cache), a
 * timestamp or date as it is.  kind is a constant at every call site.
 */
static pg_attribute_always_inline int32
kam_day_arg(FunctionCallInfo fcinfo, int n, KamTimeKind kind, const char *argname,
			KamPeriodCache *cache)
{
	if (kind == KAM_TIMESTAMPTZ)
		return kam_local_day_cached(PG_GETARG_TIMESTAMPTZ(n), argname, cache);
	if (kind == KAM_TIMESTAMP)
		return kam_period_of_timestamp(PG_GETARG_TIMESTAMP(n), KAM_PERIOD_DAY, argname);
	return kam_period_of_date(PG_GETARG_DATEADT(n), KAM_PERIOD_DAY, argname);
}

/*
 * Months since January 2000 of a day number (days since 2000-01-01), in the
 * proleptic Gregorian calendar PostgreSQL uses: the days-to-civil method over
 * 400-year eras of 146097 days, with years starting in March so the leap day
 * comes last.  Pure integer arithmetic, no table: the per-row path of every
 * period aggregate (orders arrive in any order of months).
 */
static inline int32
kam_month_of_day(int32 day)
{
	int64		z = (int64) day + 730425;	/* days since 0000-03-01 */
	int64		era = kam_floor_div64(z, 146097);
	int64		doe = z - era * 146097; /* day of the era, 0 .. 146096 */
	int64		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* from March 1 */
	int64		mp = (5 * doy + 2) / 153;	/* 0 = March .. 11 = February */

	return (int32) ((era * 400 + yoe - 2000) * 12 + mp + 2);
}

/* the period index of a day number */
static inline int32
kam_period_of_day(int32 day, KamPeriod p)
{
	switch (p)
	{
		case KAM_PERIOD_DAY:
			return day;
		case KAM_PERIOD_WEEK:
			/* 2000-01-01 was a Saturday; weeks start on Monday 2000-01-03 */
			return (int32) kam_floor_div64((int64) day - 2, 7);
		case KAM_PERIOD_MONTH:
			return kam_month_of_day(day);
		case KAM_PERIOD_QUARTER:
			return (int32) kam_floor_div64(kam_month_of_day(day), 3);
		default:
			return (int32) kam_floor_div64(kam_month_of_day(day), 12);
	}
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

/*
 * The aggregate memory context of an aggregate support function (transition,
 * combine, serialize, deserialize or final), or an error when the function
 * is called outside an aggregate: kam's support functions are ordinary SQL
 * functions, so a user can call them directly.  fname names the function in
 * the message; hint, when not NULL, is the HINT (which aggregates to use).
 * The error is 0A000 feature_not_supported, as for PostgreSQL's "set-valued
 * function called in context that cannot accept a set".
 */
extern MemoryContext kam_agg_context(FunctionCallInfo fcinfo, const char *fname,
									 const char *hint);

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
