/*
 * kam.h -- what every kam source file shares
 *
 * The PostgreSQL version check, the aggregate-context helpers and the errors
 * every capability raises.  Every kam .c file includes this header (directly
 * or through another kam header).  The period API is in period.h.
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

/* floor(a / b) for b > 0 */
static inline int64
kam_floor_div64(int64 a, int64 b)
{
	return (a >= 0) ? a / b : -((-a + b - 1) / b);
}

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
