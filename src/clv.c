/*
 * clv.c -- customer lifetime value from a purchase model and a spend model,
 * and the closed-form retention CLV
 *
 * kam.clv follows lifetimes' customer_lifetime_value: with f periods per
 * month, d the monthly discount rate and E(t) the expected purchases in the
 * next t periods,
 *   CLV = sum_{i=1..months} E[spend] (E(i f) - E((i-1) f)) / (1 + d)^i.
 * E(t) = P(alive) E[Y(t) | alive], so P(alive) is computed once.
 *
 * kam.clv_simple (Gupta & Lehmann 2003): margin m each period the customer
 * is retained with probability r, first margin at the end of period 1:
 *   CLV = m r / (1 + d - r),  finite horizon n: sum_{t=1..n} m (r/(1+d))^t.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "kam.h"
#include "specfun.h"
#include "value.h"

PG_FUNCTION_INFO_V1(kam_bgnbd_clv);
PG_FUNCTION_INFO_V1(kam_paretonbd_clv);
PG_FUNCTION_INFO_V1(kam_clv_simple);
PG_FUNCTION_INFO_V1(kam_clv_simple_n);

#define MAX_MONTHS 1200

typedef void (*ExpectedAliveMulti) (const double *m, int x, double T,
									const double *t, int n, double *out);
typedef double (*PAlive) (const double *m, int x, double tx, double T);

static Datum
clv_common(FunctionCallInfo fcinfo, int npar, const char *typname,
		   ExpectedAliveMulti expected, PAlive palive)
{
	double		m[4],
				gg[3];
	int32		x = PG_GETARG_INT32(2);
	double		tx = PG_GETARG_FLOAT8(3);
	double		T = PG_GETARG_FLOAT8(4);
	double		monetary = PG_GETARG_FLOAT8(5);
	int32		months = PG_GETARG_INT32(6);
	double		d = PG_GETARG_FLOAT8(7);
	double		f = PG_GETARG_FLOAT8(8);
	double		spend,
				pa,
				prev = 0.0,
				disc = 1.0,
				clv = 0.0;
	double		h[KAM_HYP_MAXZ],
				e[KAM_HYP_MAXZ];
	int			i,
				j;

	kam_model_get(fcinfo, 0, npar, m, typname);
	kam_model_get(fcinfo, 1, 3, gg, "gammagamma");
	kam_check_rft(x, tx, T);
	if (months < 0 || months > MAX_MONTHS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("months must be between 0 and %d, got %d", MAX_MONTHS, months),
				 errhint("months is the CLV horizon in months.")));
	kam_check_discount(d, "monthly_discount");
	KAM_CHECK_FINITE(f, "periods_per_month");
	if (f <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods_per_month must be > 0, got %g", f),
				 errhint("Pass the number of model time units in a month: 30 for days, 4.345 for weeks, 1 for months.")));
	KAM_CHECK_FINITE(monetary, "monetary");
	if (x > 0 && monetary <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("monetary must be > 0 when frequency > 0, got %g", monetary),
				 errhint("The Gamma-Gamma model needs positive mean repeat spend.")));

	spend = kam_gammagamma_spend(gg, x, monetary);
	pa = palive(m, x, tx, T);
	/* E(i f) for i = 1..months, in chunks sharing one series evaluation */
	for (i = 1; i <= months; i += KAM_HYP_MAXZ)
	{
		int			n = Min(KAM_HYP_MAXZ, months - i + 1);

		for (j = 0; j < n; j++)
			h[j] = (i + j) * f;
		expected(m, x, T, h, n, e);
		for (j = 0; j < n; j++)
		{
			disc /= (1.0 + d);
			clv += (e[j] - prev) * disc;
			prev = e[j];
		}
	}
	PG_RETURN_FLOAT8(spend * pa * clv);
}

Datum
kam_bgnbd_clv(PG_FUNCTION_ARGS)
{
	return clv_common(fcinfo, 4, "bgnbd", kam_bgnbd_expected_alive_multi, kam_bgnbd_p_alive);
}

Datum
kam_paretonbd_clv(PG_FUNCTION_ARGS)
{
	return clv_common(fcinfo, 4, "paretonbd", kam_paretonbd_expected_alive_multi,
					  kam_paretonbd_p_alive);
}

static void
check_simple(double margin, double retention, double discount)
{
	KAM_CHECK_FINITE(margin, "margin");
	KAM_CHECK_FINITE(retention, "retention");
	if (retention < 0.0 || retention >= 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("retention must be in [0, 1), got %g", retention),
				 errhint("retention is the probability that a customer renews each period.")));
	kam_check_discount(discount, "discount");
}

Datum
kam_clv_simple(PG_FUNCTION_ARGS)
{
	double		m = PG_GETARG_FLOAT8(0);
	double		r = PG_GETARG_FLOAT8(1);
	double		d = PG_GETARG_FLOAT8(2);

	check_simple(m, r, d);
	PG_RETURN_FLOAT8(m * r / (1.0 + d - r));
}

/* finite horizon: m q (1 - q^n) / (1 - q), q = r / (1 + d) < 1 */
Datum
kam_clv_simple_n(PG_FUNCTION_ARGS)
{
	double		m = PG_GETARG_FLOAT8(0);
	double		r = PG_GETARG_FLOAT8(1);
	double		d = PG_GETARG_FLOAT8(2);
	int32		n = PG_GETARG_INT32(3);
	double		q;

	check_simple(m, r, d);
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods must be >= 0, got %d", n),
				 errhint("periods is the number of future periods counted.")));
	q = r / (1.0 + d);
	if (q == 0.0)
		PG_RETURN_FLOAT8(0.0);
	PG_RETURN_FLOAT8(m * q * (-expm1(n * log(q))) / (1.0 - q));
}
