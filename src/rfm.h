/*
 * rfm.h -- the kam.rfm_state type: a customer's purchase history by period
 *
 * One entry per distinct purchase period, kept sorted by period: the number of
 * orders in it, the latest timestamp in it and the exact sum of its amounts.
 * That is all lifetimes' summary_data_from_transaction_data needs, and it is
 * mergeable: two states of the same customer combine by merging their entry
 * lists, whatever the order or the split of the rows.
 *
 * In memory a state may carry spare entries so that the transition function
 * can add periods in place; VARSIZE covers them (RFM_CAP), and capacities are
 * chosen to fill the allocator's power-of-two chunks exactly.
 */
#ifndef KAM_RFM_H
#define KAM_RFM_H

#include "kam.h"
#include "money.h"
#include "utils/memutils.h"

/* flags */
#define RFM_HAS_AS_OF	0x01	/* built by kam.rfm: as_of fixed for the group */
#define RFM_LOCAL		0x02	/* date / timestamp input: floored without time zone */

typedef struct RfmEntry
{
	int32		period;			/* period index (see kam.h) */
	int32		orders;			/* rows in this period */
	int64		last_ts;		/* latest timestamp in this period */
	KamSum		amount;			/* exact sum of the amounts */
} RfmEntry;

typedef struct RfmState
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint8		version;
	uint8		period;			/* KamPeriod */
	uint8		flags;
	uint8		unused;
	int32		n;				/* entries in use */
	int32		as_of_period;	/* period index of as_of (RFM_HAS_AS_OF) */
	int64		as_of;			/* as_of as given (RFM_HAS_AS_OF) */
	int64		first_ts;		/* earliest timestamp of all rows */
	RfmEntry	entries[FLEXIBLE_ARRAY_MEMBER];
} RfmState;

#define RFM_VERSION 1
#define RFM_HDRSZ offsetof(RfmState, entries)
#define RFM_SIZE(cap) (RFM_HDRSZ + (Size) (cap) * sizeof(RfmEntry))
#define RFM_CAP(s) ((int32) ((VARSIZE(s) - RFM_HDRSZ) / sizeof(RfmEntry)))
#define RFM_MAX_ENTRIES ((int32) ((MaxAllocSize - RFM_HDRSZ) / sizeof(RfmEntry)))

#define DatumGetRfmState(d) ((RfmState *) PG_DETOAST_DATUM(d))
#define PG_GETARG_RFM(n) DatumGetRfmState(PG_GETARG_DATUM(n))

/* rfm_io.c */
extern RfmState *rfm_alloc(int32 cap, KamPeriod period, uint8 flags);

#endif							/* KAM_RFM_H */
