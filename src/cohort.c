/*
 * cohort.c -- cohort retention from kam.activity signatures
 *
 * kam.cohort_matrix(activity) puts each customer in the cohort of its first
 * period and counts, for every offset k, the customers active in period k,
 * the customers active in k or later and the cohort's revenue in k
 * (doc/retention.md).  Revenue sums are exact, so the cells do not depend
 * on row order or parallelism.
 */
#include "activity.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * The most periods kam.cohort_matrix covers: its result has a row per cell
 * of the triangle, P(P+1)/2 for P periods, at most KAM_MAX_RESULT_ROWS.
 */
#define MAX_COHORT_PERIODS 999
StaticAssertDecl((int64) MAX_COHORT_PERIODS * (MAX_COHORT_PERIODS + 1) / 2 <= KAM_MAX_RESULT_ROWS &&
				 (int64) (MAX_COHORT_PERIODS + 1) * (MAX_COHORT_PERIODS + 2) / 2 > KAM_MAX_RESULT_ROWS,
				 "MAX_COHORT_PERIODS must fit KAM_MAX_RESULT_ROWS");

PG_FUNCTION_INFO_V1(kam_cohort_add);
PG_FUNCTION_INFO_V1(kam_cohort_combine);
PG_FUNCTION_INFO_V1(kam_cohort_serialize);
PG_FUNCTION_INFO_V1(kam_cohort_deserialize);
PG_FUNCTION_INFO_V1(kam_cohort_final);

/* ------------------------------------------------------------------------
 * kam.cohort_matrix(activity) -> kam.cohort_cell[]
 *
 * Cells of the cohort triangle, indexed by the cohort's age d = P - cohort
 * (so the layout does not move when older cohorts arrive) and the offset
 * k = 0 .. d: cell (d, k) is entry d(d+1)/2 + k.
 * ------------------------------------------------------------------------
 */
typedef struct CohortCell
{
	int64		active;			/* customers active at offset k */
	int64		last;			/* customers whose last active offset is k */
	KamSum		revenue;		/* the cohort's revenue at offset k */
} CohortCell;

typedef struct CohortState
{
	int32		kind;
	DateADT		as_of;
	int32		P;
	int32		ages;			/* cohorts with age 0 .. ages-1 have room */
	CohortCell *cells;
} CohortState;

#define COHORT_HEADER offsetof(CohortState, cells)
#define TRI(d) ((Size) (d) * ((d) + 1) / 2)

static void
cohort_extend(MemoryContext ctx, CohortState *s, int32 age)
{
	int32		ages;
	CohortCell *cells;

	if (age < s->ages)
		return;
	if (age >= MAX_COHORT_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cohort_matrix covers at most %d periods, the orders span %lld",
						MAX_COHORT_PERIODS, (long long) age + 1),
				 errdetail("Its result has a row per cohort and offset: at most %d rows.", KAM_MAX_RESULT_ROWS),
				 errhint("Use a coarser period, e.g. kam.set('period', 'month'), or leave out orders long before the as-of date.")));
	ages = Min(Max(age + 1, s->ages * 2), MAX_COHORT_PERIODS);
	cells = MemoryContextAllocZero(ctx, TRI(ages) * sizeof(CohortCell));
	if (s->ages > 0)
	{
		memcpy(cells, s->cells, TRI(s->ages) * sizeof(CohortCell));
		pfree(s->cells);
	}
	s->cells = cells;
	s->ages = ages;
}

Datum
kam_cohort_add(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = kam_agg_context(fcinfo, "kam_cohort_add", NULL);
	CohortState *s = PG_ARGISNULL(0) ? NULL : (CohortState *) PG_GETARG_POINTER(0);
	KamActivity *a;
	int32		first,
				age;
	CohortCell *row;

	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	a = PG_GETARG_ACTIVITY(1);
	if (s == NULL)
	{
		s = MemoryContextAllocZero(ctx, sizeof(CohortState));
		s->kind = a->kind;
		s->as_of = a->as_of;
		s->P = activity_asof_period(a);
	}
	act_check_same_basis(s->kind, s->as_of, a);
	first = a->e[0].period;
	age = s->P - first;
	cohort_extend(ctx, s, age);
	row = &s->cells[TRI(age)];
	for (int i = 0; i < a->n; i++)
	{
		CohortCell *c = &row[a->e[i].period - first];

		c->active++;
		kam_sum_merge(&c->revenue, &a->e[i].revenue);
	}
	row[a->e[a->n - 1].period - first].last++;
	PG_RETURN_POINTER(s);
}

Datum
kam_cohort_combine(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = kam_agg_context(fcinfo, "kam_cohort_combine", NULL);
	CohortState *a = PG_ARGISNULL(0) ? NULL : (CohortState *) PG_GETARG_POINTER(0);
	CohortState *b = PG_ARGISNULL(1) ? NULL : (CohortState *) PG_GETARG_POINTER(1);
	Size		ncells;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = MemoryContextAllocZero(ctx, sizeof(CohortState));
		memcpy(a, b, COHORT_HEADER);
		a->ages = 0;
	}
	if (a->kind != b->kind || a->as_of != b->as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every kam.activity value must have the same period and as-of date"),
				 errhint("Compute the signatures with the same period and as_of arguments.")));
	if (b->ages == 0)
		PG_RETURN_POINTER(a);
	cohort_extend(ctx, a, b->ages - 1);
	ncells = TRI(b->ages);
	for (Size i = 0; i < ncells; i++)
	{
		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		a->cells[i].active += b->cells[i].active;
		a->cells[i].last += b->cells[i].last;
		kam_sum_merge(&a->cells[i].revenue, &b->cells[i].revenue);
	}
	PG_RETURN_POINTER(a);
}

Datum
kam_cohort_serialize(PG_FUNCTION_ARGS)
{
	CohortState *s = (CohortState *) PG_GETARG_POINTER(0);
	Size		datalen = TRI(s->ages) * sizeof(CohortCell);
	bytea	   *b = palloc(VARHDRSZ + COHORT_HEADER + datalen);

	SET_VARSIZE(b, VARHDRSZ + COHORT_HEADER + datalen);
	memcpy(VARDATA(b), s, COHORT_HEADER);
	if (datalen)
		memcpy(VARDATA(b) + COHORT_HEADER, s->cells, datalen);
	PG_RETURN_BYTEA_P(b);
}

Datum
kam_cohort_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	CohortState *s = palloc(sizeof(CohortState));
	Size		datalen;

	memcpy(s, VARDATA_ANY(b), COHORT_HEADER);
	datalen = TRI(s->ages) * sizeof(CohortCell);
	s->cells = NULL;
	if (datalen)
	{
		s->cells = palloc(datalen);
		memcpy(s->cells, VARDATA_ANY(b) + COHORT_HEADER, datalen);
	}
	PG_RETURN_POINTER(s);
}

Datum
kam_cohort_final(PG_FUNCTION_ARGS)
{
	CohortState *s;
	TupleDesc	desc;
	Datum	   *rows;
	int			nrows = 0;

	kam_agg_context(fcinfo, "kam_cohort_final", NULL);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (CohortState *) PG_GETARG_POINTER(0);
	desc = act_result_row_desc(fcinfo);
	rows = palloc(Max(TRI(s->ages), 1) * sizeof(Datum));
	/* oldest cohort first */
	for (int32 d = s->ages - 1; d >= 0; d--)
	{
		CohortCell *row = &s->cells[TRI(d)];
		int64		size = 0;
		int64		after = 0;
		double		rev0 = kam_sum_to_double(&row[0].revenue);
		int			base = nrows;

		for (int32 k = 0; k <= d; k++)
			size += row[k].last;
		if (size == 0)
			continue;
		CHECK_FOR_INTERRUPTS();
		for (int32 k = d; k >= 0; k--)
		{
			Datum		v[8];
			bool		n[8] = {0};

			after += row[k].last;
			v[0] = DateADTGetDatum(kam_period_start(s->P - d, (KamPeriod) s->kind));
			v[1] = Int32GetDatum(k);
			v[2] = Int64GetDatum(size);
			v[3] = Int64GetDatum(row[k].active);
			v[4] = Int64GetDatum(after);
			v[5] = Float8GetDatum((double) row[k].active / (double) size);
			v[6] = Float8GetDatum((double) after / (double) size);
			v[7] = ratio_or_null(kam_sum_to_double(&row[k].revenue), rev0, &n[7]);
			rows[base + k] = HeapTupleGetDatum(heap_form_tuple(desc, v, n));
		}
		nrows += d + 1;
	}
	PG_RETURN_ARRAYTYPE_P(act_result_array(fcinfo, rows, nrows));
}
