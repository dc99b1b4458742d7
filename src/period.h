/*
 * period.h -- the period API (period.c): dates and timestamps as period indexes
 *
 * Periods: every kam aggregate that counts "purchase periods" maps a date or
 * timestamp to an integer period index; consecutive periods have consecutive
 * indexes, so recency and T are plain differences.  Index 0 is the period
 * holding 2000-01-01 (for weeks: the ISO week starting Monday 2000-01-03).
 *
 * Words: a "period" (KamPeriod) is the length of the periods counted, day
 * to year (the SQL argument period); a "period index" is the number of one
 * period of that length; the "time type" (KamTimeType) of an order time
 * argument is its SQL type, timestamptz, timestamp or date (parameters
 * named timetype).  It is not called "kind": in kam's C code that word
 * names only a period (KamActivity's kind field, in activity.h, and the
 * variables that hold it).
 */
#ifndef KAM_PERIOD_H
#define KAM_PERIOD_H

#include "kam.h"

#include "pgtime.h"
#include "utils/date.h"
#include "utils/timestamp.h"

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
 * The SQL type of an order's time argument ("time type"): each SQL overload
 * has its own C entry point, which passes its time type as a constant.
 */
typedef enum KamTimeType
{
	KAM_TIMESTAMPTZ,
	KAM_TIMESTAMP,
	KAM_DATE
} KamTimeType;

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

/* the local day (days since 2000-01-01) of a timestamptz in the session time zone */
static inline int32
kam_local_day_cached(TimestampTz ts, const char *argname, KamPeriodCache *cache)
{
	if (likely(cache->tz == (const void *) session_timezone && ts >= cache->lo && ts < cache->hi))
		return (int32) kam_floor_div64(ts + cache->offset, USECS_PER_DAY);
	return kam_local_day_refill(ts, argname, cache);
}

/*
 * The day number of argument n, an order time of the given time type: a
 * timestamptz floored in the session time zone (through the cache), a
 * timestamp or date as it is.  timetype is a constant at every call site.
 */
static pg_attribute_always_inline int32
kam_day_arg(FunctionCallInfo fcinfo, int n, KamTimeType timetype, const char *argname,
			KamPeriodCache *cache)
{
	if (timetype == KAM_TIMESTAMPTZ)
		return kam_local_day_cached(PG_GETARG_TIMESTAMPTZ(n), argname, cache);
	if (timetype == KAM_TIMESTAMP)
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

#endif							/* KAM_PERIOD_H */
