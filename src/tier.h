/*
 * tier.h -- what the tier functions (tier_revenue.c, tier_movements.c,
 * tier_days.c) share: arguments that must be the same in every row
 */
#ifndef KAM_TIER_H
#define KAM_TIER_H

#include "postgres.h"

#include "utils/memutils.h"

/* at most this many ends (a daily series over 250 years) */
#define REV_MAX_ENDS 100000

/*
 * Array and text arguments that must be the same in every row are compared
 * by content (a copy of the first is kept): a pointer comparison could miss a
 * new value that the executor put at the same address.
 */
static inline struct varlena *
arg_copy(MemoryContext cxt, Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
	Size		len = VARSIZE_ANY(v);
	struct varlena *c = MemoryContextAlloc(cxt, len);

	memcpy(c, v, len);
	return c;
}

static inline bool
arg_same(Datum d, const struct varlena *copy)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);

	return VARSIZE_ANY_EXHDR(v) == VARSIZE_ANY_EXHDR(copy) &&
		memcmp(VARDATA_ANY(v), VARDATA_ANY(copy), VARSIZE_ANY_EXHDR(v)) == 0;
}

#endif							/* KAM_TIER_H */
