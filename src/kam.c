/*
 * kam.c -- module entry for the kam extension
 *
 * kam keeps no global state: every function works from its arguments and the
 * aggregate or window context it is called in.  The capabilities live in their
 * own files (see README, "Where the numbers come from").
 */
#include "kam.h"

#if PG_VERSION_NUM >= 180000
PG_MODULE_MAGIC_EXT(.name = "kam", .version = "0.1.0");
#else
PG_MODULE_MAGIC;
#endif
