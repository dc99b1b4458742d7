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
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif
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
 * The session time zone's UTC offset and the interval it holds for (up to the
 * next daylight-saving boundary), so that flooring timestamptz values to a
 * local day is an addition and a division.  Keep one per call site (fn_extra):
 * kam_period_of_timestamptz_cached() refills it when the zone changes or a
 * value falls outside the interval.
 */
typedef struct KamTzCache
{
	const void *tz;				/* the pg_tz the offset belongs to */
	TimestampTz lo;				/* offset valid for lo <= ts < hi */
	TimestampTz hi;
	int64		offset;			/* microseconds east of UTC */
} KamTzCache;

/* period.c */
extern KamPeriod kam_period_parse(const char *name, const char *argname);
extern KamPeriod kam_period_from_text(text *t, const char *argname);
extern const char *kam_period_name(KamPeriod p);
extern int32 kam_period_of_date(DateADT d, KamPeriod p, const char *argname);
extern int32 kam_period_of_timestamp(Timestamp ts, KamPeriod p, const char *argname);
extern int32 kam_period_of_timestamptz(TimestampTz ts, KamPeriod p, const char *argname);
extern int32 kam_period_of_timestamptz_cached(TimestampTz ts, KamPeriod p, const char *argname,
											  KamTzCache *cache);
extern DateADT kam_period_start(int32 index, KamPeriod p);

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
