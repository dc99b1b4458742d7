/*
 * kam.c -- module entry for the kam extension, and the helpers kam.h declares
 *
 * kam keeps no global state: every function works from its arguments and the
 * aggregate or window context it is called in.  The capabilities live in their
 * own files (see README, "Where the numbers come from").
 */
#include "kam.h"

#if PG_VERSION_NUM >= 180000
PG_MODULE_MAGIC_EXT(.name = "kam", .version = "0.2.0");
#else
PG_MODULE_MAGIC;
#endif

MemoryContext
kam_agg_context(FunctionCallInfo fcinfo, const char *fname, const char *hint)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called as an aggregate support function", fname),
				 (hint != NULL) ? errhint("%s", hint) : 0));
	return aggcontext;
}
