/*
 * fitstate.h -- the weighted histogram every kam model fit aggregates into
 *
 * A fit's inputs are small tuples (frequency, recency, T), (frequency,
 * monetary) or (period, churned); many customers share one.  The transition
 * function adds each row's weight to the entry of its tuple in a hash table,
 * so the likelihood is later summed over distinct tuples only.  Weights are
 * summed exactly (KamSum), and the final function sorts the entries before
 * any float arithmetic, so the fit is identical whatever the order, split or
 * merge of the input rows (serial and parallel plans agree to the last bit).
 */
#ifndef KAM_FITSTATE_H
#define KAM_FITSTATE_H

#include "postgres.h"
#include "fmgr.h"
#include "utils/expandeddatum.h"

#include "money.h"

#define KAM_FIT_MAXKEY 3
#define KAM_FIT_MAXMODEL 4

typedef struct KamFitEntry
{
	double		key[KAM_FIT_MAXKEY];
	KamSum		weight;
} KamFitEntry;

/*
 * The state of every fit and information aggregate, of the storable type
 * kam.fit_state (fitstate.c): while an aggregate runs, a read-write expanded
 * object (hdr) in a memory context of its own under the aggregate context,
 * flattened only when it leaves the aggregate.
 */
typedef struct KamFitState
{
	ExpandedObjectHeader hdr;	/* unused in a state that is not expanded */
	int32		nkeys;			/* key columns in use (1..3) */
	int64		nrows;			/* input rows added (weight > 0) */
	int64		nentries;
	int64		capacity;		/* entries allocated; slots = 2 * capacity */
	KamFitEntry *entries;
	uint64	   *slots;			/* open addressing: hash tag, entry index + 1 */
	bool		slots_valid;	/* false after a sort: rebuilt on next lookup */
	/* the model of an information aggregate (hessian.c); 0 for a fit */
	int32		nmodel;
	double		model[KAM_FIT_MAXMODEL];
} KamFitState;

extern KamFitState *kam_fitstate_create(MemoryContext cxt, int nkeys);
extern void kam_fitstate_set_model(KamFitState *st, const double *model, int nmodel);
extern KamFitState *kam_fitstate_get(FunctionCallInfo fcinfo, int nkeys, const char *fname);
extern KamFitState *kam_fitstate_arg(FunctionCallInfo fcinfo, int argno);

/* a transition function's result: the state kam_fitstate_get returned */
#define KAM_FITSTATE_RETURN(st) PG_RETURN_DATUM(EOHPGetRWDatum(&(st)->hdr))
extern void kam_fitstate_add(KamFitState *st, const double *key, double weight);
extern double kam_fit_weight_arg(FunctionCallInfo fcinfo, int argno);
extern void kam_fitstate_sort(KamFitState *st);
extern double kam_fit_weight(const KamSum *w);


/*
 * A (frequency, recency, T) histogram laid out for fast likelihood sums:
 * entries grouped by frequency (ascending), each pointing at its distinct
 * recency and T values, whose logarithms are computed once per evaluation.
 */
typedef struct KamRft
{
	int			nx;				/* distinct frequencies */
	double	   *xv;				/* their values */
	int		   *xstart;			/* entries of xv[j]: xstart[j] .. xstart[j+1]-1 */
	double	   *wx;				/* total weight of xv[j] */
	int			nent;
	double	   *w;				/* entry weight */
	int		   *ri;				/* entry's index into Rv (recency) */
	int		   *ti;				/* entry's index into Tv */
	int			nR;
	double	   *Rv,
			   *logR,
			   *invR;			/* recency values, ln(alpha + R), 1/(alpha + R) */
	int			nT;
	double	   *Tv,
			   *logT,
			   *invT;
	double		wsum;			/* total weight (customers) */
	double		sum_wx;			/* sum of w x */
	double		sum_wt;			/* sum of w T */
	double		scale;			/* mean T: the unit of alpha (and beta) */
	void	   *extra;			/* a model's own layout of the data, built by
								 * its objective on first use (NULL here) */
} KamRft;

extern bool kam_rft_build(KamFitState *st, KamRft *d, const char *fname);
extern void kam_rft_logs(KamRft *d, double alpha);

#endif							/* KAM_FITSTATE_H */
