/*
 * rfm.h -- the kam.rfm_state type: a customer's purchase history by period
 *
 * One type, two layouts, told apart by RFM_HAS_AS_OF:
 *
 * - Roll-up states (kam.rfm_state, kam.rfm_merge; no as-of yet) keep one entry
 *   per distinct purchase period, sorted: the number of orders in it, its
 *   latest timestamp and the exact sum of its amounts, so a summary can later
 *   be cut at any as-of period exactly (kam.rfm_summary).
 *
 * - As-of states (kam.rfm's transition state) know the as-of period from the
 *   first row and never keep a later row, so no cut is ever needed: they keep
 *   the sorted set of purchase periods (4 bytes each), the totals, and the
 *   exact sum of the first period's amounts (monetary = (total - first) /
 *   frequency).  That is all the summary needs, at an eighth of the memory,
 *   which matters when a hash aggregate holds a million customers.
 *
 * Both merge: two states of the same customer combine by merging their sorted
 * lists, whatever the order or the split of the rows.  In memory a state may
 * carry spare room so the transition function can add periods in place;
 * VARSIZE covers it, and capacities fill power-of-two allocations exactly.
 */
#ifndef KAM_RFM_H
#define KAM_RFM_H

#include "money.h"
#include "period.h"
#include "utils/memutils.h"

/* flags */
#define RFM_HAS_AS_OF	0x01	/* as-of layout (RfmAsOfState) */
#define RFM_LOCAL		0x02	/* date / timestamp input: floored without time zone */

#define RFM_VERSION 2

/* fields every state starts with */
typedef struct RfmCommon
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint8		version;
	uint8		period;			/* KamPeriod */
	uint8		flags;
	uint8		unused;
	int32		n;				/* purchase periods in use */
} RfmCommon;

typedef struct RfmEntry
{
	int32		period;			/* period index (see period.h) */
	int32		orders;			/* rows in this period */
	int64		last_ts;		/* latest timestamp in this period */
	KamSum		amount;			/* exact sum of the amounts */
} RfmEntry;

/* roll-up layout */
typedef struct RfmState
{
	RfmCommon	c;
	int32		unused2;
	int64		first_ts;		/* earliest timestamp of all rows */
	RfmEntry	entries[FLEXIBLE_ARRAY_MEMBER];
} RfmState;

/* as-of layout */
typedef struct RfmAsOfState
{
	RfmCommon	c;
	int32		as_of_period;	/* period index of as_of */
	int64		as_of;			/* as_of as given */
	int64		first_ts;		/* earliest kept timestamp */
	int64		last_ts;		/* latest kept timestamp */
	int64		orders;			/* kept rows */
	KamSum		total;			/* exact sum of the kept amounts */
	KamSum		first_sum;		/* exact sum of the first period's amounts */
	int32		periods[FLEXIBLE_ARRAY_MEMBER];
} RfmAsOfState;

#define RFM_HDRSZ offsetof(RfmState, entries)
#define RFM_SIZE(cap) (RFM_HDRSZ + (Size) (cap) * sizeof(RfmEntry))
#define RFM_CAP(s) ((int32) ((VARSIZE(s) - RFM_HDRSZ) / sizeof(RfmEntry)))
#define RFM_MAX_ENTRIES ((int32) ((MaxAllocSize - RFM_HDRSZ) / sizeof(RfmEntry)))

#define RFMA_HDRSZ offsetof(RfmAsOfState, periods)
#define RFMA_SIZE(cap) (RFMA_HDRSZ + (Size) (cap) * sizeof(int32))
#define RFMA_CAP(s) ((int32) ((VARSIZE(s) - RFMA_HDRSZ) / sizeof(int32)))
#define RFMA_MAX_PERIODS ((int32) ((MaxAllocSize - RFMA_HDRSZ) / sizeof(int32)))

#define RFM_IS_AS_OF(s) ((((RfmCommon *) (s))->flags & RFM_HAS_AS_OF) != 0)

#define DatumGetRfm(d) ((RfmCommon *) PG_DETOAST_DATUM(d))
#define PG_GETARG_RFM(n) DatumGetRfm(PG_GETARG_DATUM(n))

/* rfm_io.c */
extern RfmState *rfm_alloc(int32 cap, KamPeriod period, uint8 flags);
extern RfmAsOfState *rfma_alloc(int32 cap, KamPeriod period, uint8 flags);
extern pg_noinline void rfm_too_many_periods(void);

#endif							/* KAM_RFM_H */
