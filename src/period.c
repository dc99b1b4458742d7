/*
 * period.c -- mapping dates and timestamps to period indexes
 *
 * kam counts purchase periods as integers: day = days since 2000-01-01,
 * week = ISO weeks (Monday to Sunday) since Monday 2000-01-03, month =
 * months since January 2000, quarter and year likewise.  Timestamps with time
 * zone are floored in the session time zone; dates and timestamps without
 * time zone are floored as they are, so their results never depend on the
 * session (a sharded deployment runs its remote sessions in UTC).
 */
#include "period.h"

#include <math.h>

#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

static const char *const period_names[KAM_N_PERIODS] = {
	"day", "week", "month", "quarter", "year"
};

KamPeriod
kam_period_parse(const char *name, const char *argname)
{
	for (int i = 0; i < KAM_N_PERIODS; i++)
	{
		if (pg_strcasecmp(name, period_names[i]) == 0)
			return (KamPeriod) i;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be day, week, month, quarter or year, got \"%s\"", argname, name),
			 errhint("Periods are named in English, e.g. 'month'.")));
	pg_unreachable();
}

KamPeriod
kam_period_from_text(text *t, const char *argname)
{
	char	   *s = text_to_cstring(t);
	KamPeriod	p = kam_period_parse(s, argname);

	pfree(s);
	return p;
}

const char *
kam_period_name(KamPeriod p)
{
	Assert(p >= 0 && p < KAM_N_PERIODS);
	return period_names[p];
}

int32
kam_period_of_date(DateADT d, KamPeriod p, const char *argname)
{
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite date", argname),
				 errhint("Filter out rows with infinite dates.")));
	return kam_period_of_day(d, p);
}

int32
kam_period_of_timestamp(Timestamp ts, KamPeriod p, const char *argname)
{
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite timestamp", argname),
				 errhint("Filter out rows with infinite timestamps.")));
	return kam_period_of_day((int32) kam_floor_div64(ts, USECS_PER_DAY), p);
}

int32
kam_period_of_timestamptz(TimestampTz ts, KamPeriod p, const char *argname)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;

	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite timestamp", argname),
				 errhint("Filter out rows with infinite timestamps.")));
	if (timestamp2tm(ts, &tz, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range", argname)));
	return kam_period_of_day(date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE, p);
}

static void
tz_cache_fill(KamPeriodCache *cache, TimestampTz ts)
{
	const int64 epoch_shift = (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
	pg_time_t	t = (pg_time_t) (kam_floor_div64(ts, USECS_PER_SEC) + epoch_shift);
	long int	before_gmtoff,
				after_gmtoff;
	int			before_isdst,
				after_isdst;
	pg_time_t	boundary;
	int			r;

	r = pg_next_dst_boundary(&t, &before_gmtoff, &before_isdst, &boundary,
							 &after_gmtoff, &after_isdst, session_timezone);
	cache->tz = session_timezone;
	if (r < 0)
	{
		/* the zone can't say: every value takes the slow path */
		cache->lo = cache->hi = 0;
		return;
	}
	cache->offset = (int64) before_gmtoff * USECS_PER_SEC;
	/* valid from the start of ts's second to the next boundary */
	cache->lo = (TimestampTz) (t - epoch_shift) * USECS_PER_SEC;
	cache->hi = (r == 0 || boundary - epoch_shift >= PG_INT64_MAX / USECS_PER_SEC)
		? DT_NOEND : (TimestampTz) (boundary - epoch_shift) * USECS_PER_SEC;
}

/* the slow path of kam_local_day_cached(): refills the offset, raises the errors */
int32
kam_local_day_refill(TimestampTz ts, const char *argname, KamPeriodCache *cache)
{
	if (!TIMESTAMP_NOT_FINITE(ts))
	{
		tz_cache_fill(cache, ts);
		if (cache->lo < cache->hi)
			return (int32) kam_floor_div64(ts + cache->offset, USECS_PER_DAY);
	}
	/* infinite, or a zone without offset data: the calendar way */
	return kam_period_of_timestamptz(ts, KAM_PERIOD_DAY, argname);
}

/* first day of period `index` */
DateADT
kam_period_start(int32 index, KamPeriod p)
{
	int32		y,
				m;

	switch (p)
	{
		case KAM_PERIOD_DAY:
			return index;
		case KAM_PERIOD_WEEK:
			return index * 7 + 2;
		case KAM_PERIOD_MONTH:
			y = 2000 + (int32) kam_floor_div64(index, 12);
			m = index - (int32) kam_floor_div64(index, 12) * 12 + 1;
			break;
		case KAM_PERIOD_QUARTER:
			y = 2000 + (int32) kam_floor_div64(index, 4);
			m = (index - (int32) kam_floor_div64(index, 4) * 4) * 3 + 1;
			break;
		default:
			y = 2000 + index;
			m = 1;
			break;
	}
	return date2j(y, m, 1) - POSTGRES_EPOCH_JDATE;
}

PG_FUNCTION_INFO_V1(kam_period_floor);
PG_FUNCTION_INFO_V1(kam_period_next);

/* kam.period_start(d date, period text): first day of d's period */
Datum
kam_period_floor(PG_FUNCTION_ARGS)
{
	KamPeriod	p = kam_period_from_text(PG_GETARG_TEXT_PP(1), "period");

	PG_RETURN_DATEADT(kam_period_start(kam_period_of_date(PG_GETARG_DATEADT(0), p, "d"), p));
}

/* kam.next_period_start(d date, period text): first day of the period after d's */
Datum
kam_period_next(PG_FUNCTION_ARGS)
{
	KamPeriod	p = kam_period_from_text(PG_GETARG_TEXT_PP(1), "period");

	PG_RETURN_DATEADT(kam_period_start(kam_period_of_date(PG_GETARG_DATEADT(0), p, "d") + 1, p));
}
