/*
 * capture.c -- the snapshot store's change capture trigger (doc/snapshots.md)
 *
 * kam.snapshot_capture() is the statement-level AFTER INSERT / UPDATE /
 * DELETE / TRUNCATE trigger that kam.snapshot_sync_triggers() puts on every
 * bound table and every partition or inheritance child under one.  Its
 * arguments are pairs (binding kind, customer column), one pair per binding
 * whose data the table holds, written by kam from kam.bindings (and checked
 * against them by kam.snapshot_captured()).  For each pair it writes one row
 * into kam.snapshot_log: the distinct customers of the statement's transition
 * tables (both the old and the new customer of an updated row), or NULL
 * ("every customer") for a TRUNCATE.
 *
 * The customers are read straight from the transition tables and turned
 * into text by their type's output function (what pg_catalog.format('%s')
 * does, a NULL giving ''), deduplicated and sorted by their bytes (COLLATE
 * "C"); nothing is looked up by name but the log table, in kam's own schema,
 * so no function, operator, cast or type of the table's owner runs here
 * (bound columns have built-in types, or domains over them).  The function
 * is SECURITY DEFINER (writers need no privilege on the log) with
 * search_path pinned; the log insert is planned in each call, so nothing is
 * kept across calls.
 */
#include "kam.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(kam_snapshot_capture);

/* a distinct customer id: the key is the pointer to its text */
typedef struct CaptureEntry
{
	char	   *id;
} CaptureEntry;

static uint32
capture_hash(const void *key, Size keysize)
{
	return string_hash(*(char *const *) key, strlen(*(char *const *) key) + 1);
}

static int
capture_match(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(char *const *) key1, *(char *const *) key2);
}

static int
capture_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Adds the text of column attnum of every row of transition table ts to ids;
 * the texts live in context keep.
 */
static void
capture_collect(Tuplestorestate *ts, TupleDesc desc, AttrNumber attnum,
				HTAB *ids, MemoryContext keep)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
	Oid			outfunc;
	bool		isvarlena;
	FmgrInfo	out;
	MemoryContext row = AllocSetContextCreate(CurrentMemoryContext, "kam capture row",
											  ALLOCSET_SMALL_SIZES);
	int			ptr;

	getTypeOutputInfo(att->atttypid, &outfunc, &isvarlena);
	fmgr_info(outfunc, &out);

	/* a read pointer of our own: other triggers read the same transition table */
	ptr = tuplestore_alloc_read_pointer(ts, 0);
	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		bool		isnull;
		Datum		d;
		char	   *s;
		bool		found;
		CaptureEntry *e;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		d = slot_getattr(slot, attnum, &isnull);
		old = MemoryContextSwitchTo(row);
		s = isnull ? "" : OutputFunctionCall(&out, d);
		e = (CaptureEntry *) hash_search(ids, &s, HASH_ENTER, &found);
		if (!found)
			e->id = MemoryContextStrdup(keep, s);
		MemoryContextSwitchTo(old);
		MemoryContextReset(row);
	}
	tuplestore_select_read_pointer(ts, 0);
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextDelete(row);
}

Datum
kam_snapshot_capture(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg;
	TupleDesc	desc;
	bool		truncate;
	char	   *sql;
	Oid			argtypes[3] = {TEXTOID, TEXTARRAYOID, INT4OID};
	MemoryContext work;
	MemoryContext old;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("kam.snapshot_capture() can only be called as a trigger"),
				 errhint("kam.enable_snapshots() attaches it to the bound tables.")));
	tg = td->tg_trigger;
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		tg->tgnargs < 2 || tg->tgnargs % 2 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("kam.snapshot_capture() on \"%s\" is not one of kam's capture triggers",
						RelationGetRelationName(td->tg_relation)),
				 errdetail("It must be an AFTER ... FOR EACH STATEMENT trigger whose arguments are pairs of binding kind and customer column."),
				 errhint("Drop it and run SELECT kam.enable_snapshots(), which creates kam's triggers.")));
	truncate = TRIGGER_FIRED_BY_TRUNCATE(td->tg_event);
	if (!truncate &&
		((TRIGGER_FIRED_BY_INSERT(td->tg_event) && td->tg_newtable == NULL) ||
		 (TRIGGER_FIRED_BY_DELETE(td->tg_event) && td->tg_oldtable == NULL) ||
		 (TRIGGER_FIRED_BY_UPDATE(td->tg_event) && (td->tg_oldtable == NULL || td->tg_newtable == NULL))))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("kam.snapshot_capture() on \"%s\" has no transition table",
						RelationGetRelationName(td->tg_relation)),
				 errhint("Drop it and run SELECT kam.enable_snapshots(), which creates kam's triggers.")));

	desc = RelationGetDescr(td->tg_relation);
	sql = psprintf("INSERT INTO %s.snapshot_log (kind, customer_ids, customer_count) VALUES ($1, $2, $3)",
				   quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid))));
	work = AllocSetContextCreate(CurrentMemoryContext, "kam capture", ALLOCSET_DEFAULT_SIZES);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	for (int i = 0; i < tg->tgnargs; i += 2)
	{
		Datum		values[3];
		char		nulls[3] = {' ', 'n', 'n'};
		int			rc;

		values[0] = CStringGetTextDatum(tg->tgargs[i]);
		values[1] = values[2] = (Datum) 0;
		if (!truncate)
		{
			AttrNumber	attnum = SPI_fnumber(desc, tg->tgargs[i + 1]);
			HASHCTL		ctl;
			HTAB	   *ids;
			HASH_SEQ_STATUS seq;
			CaptureEntry *e;
			char	  **strs;
			Datum	   *elems;
			long		n;
			long		k = 0;

			if (attnum <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("kam cannot capture the writes to \"%s\": it has no column \"%s\"",
								RelationGetRelationName(td->tg_relation), tg->tgargs[i + 1]),
						 errdetail("The %s binding reads that column as the customer.", tg->tgargs[i]),
						 errhint("Bind the table again (kam.bind_%s) or run SELECT kam.enable_snapshots(), which recreates kam's triggers.",
								 tg->tgargs[i])));
			old = MemoryContextSwitchTo(work);
			memset(&ctl, 0, sizeof(ctl));
			ctl.keysize = sizeof(char *);
			ctl.entrysize = sizeof(CaptureEntry);
			ctl.hash = capture_hash;
			ctl.match = capture_match;
			ctl.hcxt = work;
			ids = hash_create("kam capture ids", 256, &ctl,
							  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
			if (td->tg_newtable != NULL)
				capture_collect(td->tg_newtable, desc, attnum, ids, work);
			if (td->tg_oldtable != NULL)
				capture_collect(td->tg_oldtable, desc, attnum, ids, work);
			n = hash_get_num_entries(ids);
			MemoryContextSwitchTo(old);
			if (n == 0)
			{
				MemoryContextReset(work);
				continue;		/* the statement touched no row */
			}
			if (n > PG_INT32_MAX || (Size) n > MaxAllocSize / sizeof(Datum))
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("kam cannot log %ld customers of one statement", n)));
			old = MemoryContextSwitchTo(work);
			strs = palloc(sizeof(char *) * n);
			elems = palloc(sizeof(Datum) * n);
			hash_seq_init(&seq, ids);
			while ((e = (CaptureEntry *) hash_seq_search(&seq)) != NULL)
				strs[k++] = e->id;
			qsort(strs, n, sizeof(char *), capture_cmp);
			for (k = 0; k < n; k++)
				elems[k] = CStringGetTextDatum(strs[k]);
			MemoryContextSwitchTo(old);
			values[1] = PointerGetDatum(construct_array(elems, (int) n, TEXTOID, -1, false, TYPALIGN_INT));
			values[2] = Int32GetDatum((int32) n);
			nulls[1] = nulls[2] = ' ';
		}
		rc = SPI_execute_with_args(sql, 3, argtypes, values, nulls, false, 0);
		if (rc != SPI_OK_INSERT)
			elog(ERROR, "kam.snapshot_capture(): the log insert returned %d", rc);
		MemoryContextReset(work);
	}
	SPI_finish();
	MemoryContextDelete(work);
	return PointerGetDatum(NULL);
}
