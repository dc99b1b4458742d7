/*
 * survival.h -- the kam.survival type: a Kaplan-Meier histogram
 *
 * A kam.survival is the compact histogram of right-censored observations:
 * the distinct times, ascending, each with its number of events and of
 * censorings.  survival.c has the type (its formats, validation and I/O) and
 * the aggregates that build and merge it (kam.km_fit, kam.km_merge);
 * survival_curve.c derives the curve, quantiles and median from it.
 */
#ifndef KAM_SURVIVAL_H
#define KAM_SURVIVAL_H

#include "kam.h"

#include "utils/memutils.h"

typedef struct KmEntry
{
	double		time;
	int64		events;
	int64		censored;
} KmEntry;

/*
 * The stored layout, format 2 (kam 0.2.0): entries strictly ascending by
 * time.  The word after the varlena header tells the formats apart: KM_FORMAT
 * (the magic "KS" and the format number) here, the number of times (1 ..
 * KM_MAX_ENTRIES_V1) in format 1, the layout of kam 0.1.0, whose entries
 * followed that word directly.
 */
#define KM_FORMAT_MAGIC 0x4B530000
#define KM_FORMAT_VERSION 2
#define KM_FORMAT (KM_FORMAT_MAGIC | KM_FORMAT_VERSION)

typedef struct KmSurvival
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint32		format;			/* KM_FORMAT */
	int32		n;				/* number of distinct times, >= 1 */
	int32		reserved;		/* zero */
	KmEntry		entries[FLEXIBLE_ARRAY_MEMBER];
} KmSurvival;

#define KM_HDRSZ offsetof(KmSurvival, entries)
#define KM_SIZE(n) (KM_HDRSZ + (Size) (n) * sizeof(KmEntry))
#define KM_MAX_ENTRIES ((int32) ((MaxAllocSize - KM_HDRSZ) / sizeof(KmEntry)))
#define KM_HDRSZ_V1 8
#define KM_MAX_ENTRIES_V1 ((int32) ((MaxAllocSize - KM_HDRSZ_V1) / sizeof(KmEntry)))

/* survival.c */
extern KmSurvival *kam_survival_get(Datum d);
extern int64 kam_survival_total(const KmSurvival *s);

#define PG_GETARG_KMSURVIVAL_P(n) kam_survival_get(PG_GETARG_DATUM(n))

#endif							/* KAM_SURVIVAL_H */
