/*
 * survival_curve.c -- Kaplan-Meier curves from kam.survival, as R's survival::survfit
 *
 * Everything here is derived from the histogram (survival.h) in ascending
 * time order: the number at risk, the product-limit estimate, Greenwood
 * standard errors, confidence limits, quantiles and the median.
 *
 * The arithmetic follows survfitkm.c and quantile.survfit of R's survival
 * package (3.5), so the numbers agree with R to the last bit where the same
 * floating-point operations are involved:
 *   n_j  = subjects with time >= t_j (events at t_j count before censorings)
 *   S    = S * ((n_j - d_j) / n_j) at each time with d_j > 0
 *   V    = V + d_j / (n_j (n_j - d_j))      (Greenwood; survfit's std.err is
 *                                           sqrt(V), the SE of -log S)
 *   log-transformed limits S exp(-+ z sqrt(V)), the upper one capped at 1.
 *
 * The median follows print.survfit (survmean), the quantiles
 * quantile.survfit, the confidence limits survfit_confint with R's qnorm
 * algorithm (AS 241).
 */
#include "survival.h"
#include "period.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

/* R's tolerance in quantile.survfit and survmean: sqrt(.Machine$double.eps) = 2^-26 */
#define KM_TOL 1.490116119384765625e-08

/* a walk along the curve in ascending time order, as survfitkm does */
typedef struct KmWalk
{
	const KmSurvival *s;
	int32		i;				/* next entry */
	int64		next_at_risk;	/* subjects with time >= entries[i].time */
	/* the line just stepped onto */
	double		time;
	int64		n_risk;
	int64		n_event;
	int64		n_censor;
	double		surv;
	double		var;			/* Greenwood sum: var(log S) */
} KmWalk;

PG_FUNCTION_INFO_V1(kam_km_survival);
PG_FUNCTION_INFO_V1(kam_km_quantile);
PG_FUNCTION_INFO_V1(kam_km_median);
PG_FUNCTION_INFO_V1(kam_km_curve);
PG_FUNCTION_INFO_V1(kam_km_period_index);

static void
km_walk_init(KmWalk *w, const KmSurvival *s)
{
	w->s = s;
	w->i = 0;
	w->next_at_risk = kam_survival_total(s);
	w->surv = 1.0;
	w->var = 0.0;
}

/*
 * Steps onto the next distinct time; false at the end.  S *= (n - d) / n and
 * V += d / (n (n - d)) at times with events, in the operations and order of
 * survfitkm.c, so the values are R's to the last bit.
 */
static bool
km_walk_next(KmWalk *w)
{
	const KmEntry *e;

	if (w->i >= w->s->n)
		return false;
	CHECK_FOR_INTERRUPTS();
	e = &w->s->entries[w->i++];
	w->time = e->time;
	w->n_risk = w->next_at_risk;
	w->n_event = e->events;
	w->n_censor = e->censored;
	if (e->events > 0)
	{
		double		nr = (double) w->n_risk;
		double		d = (double) e->events;

		w->surv *= (nr - d) / nr;
		w->var += d / (nr * (nr - d));
	}
	w->next_at_risk -= e->events + e->censored;
	return true;
}

/* S(t): right-continuous, so S(t) includes the events at t */
Datum
kam_km_survival(PG_FUNCTION_ARGS)
{
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	double		t = PG_GETARG_FLOAT8(1);
	KmWalk		w;

	if (isnan(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("t must be a number, got NaN"),
				 errhint("Pass the time at which to read the survival curve.")));
	km_walk_init(&w, s);
	while (w.i < s->n && s->entries[w.i].time <= t)
		(void) km_walk_next(&w);
	PG_RETURN_FLOAT8(w.surv);
}

/*
 * The p-quantile of the failure distribution, as R's quantile.survfit /
 * findq: with F = 1 - S on the distinct values of F (each at its first time,
 * F = 0 at time 0), q = (x1 + x2) / 2 where x1 is
 * the first time with F + tol >= p and x2 the first with F - tol >= p; when
 * no x2 exists and the last F is within tol of p, x2 is the last time of the
 * curve.  So q is the smallest time with S <= 1 - p, except that a curve
 * sitting at exactly 1 - p over an interval gives the interval's midpoint.
 * Sets *isnull when the curve never gets there.
 */
static double
km_quantile_internal(const KmSurvival *s, double p, bool *isnull)
{
	KmWalk		w;
	double		x1 = 0,
				x2 = 0,
				fprev = 0,
				fmax = 0;
	bool		have1,
				have2 = false;

	*isnull = false;
	if (p == 0)
		return 0;				/* findq: x[1], the start time 0 */
	if (p < KM_TOL)
	{
		/* below the first point (F = 0 at time 0) of approx(F + tol, ...) */
		*isnull = true;
		return 0;
	}
	/* the start point: F = 0 at time 0 */
	have1 = (0 + KM_TOL >= p);
	km_walk_init(&w, s);
	while (!have2 && km_walk_next(&w))
	{
		double		f = 1 - w.surv;

		if (f == fprev)
			continue;			/* duplicated(y): only the first time counts */
		fprev = f;
		fmax = f;
		if (!have1 && f + KM_TOL >= p)
		{
			x1 = w.time;
			have1 = true;
		}
		if (f - KM_TOL >= p)
		{
			x2 = w.time;
			have2 = true;
		}
	}
	if (!have2)
	{
		/* the walk saw every F, so fmax is the largest; findq's NA cases */
		if (fmax < p || !have1 || !(fabs(p - fmax) < KM_TOL))
		{
			*isnull = true;
			return 0;
		}
		x2 = s->entries[s->n - 1].time; /* xmax: the last time of the curve */
	}
	return (x1 + x2) / 2;
}

Datum
kam_km_quantile(PG_FUNCTION_ARGS)
{
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	double		p = PG_GETARG_FLOAT8(1);
	bool		isnull;
	double		q;

	if (isnan(p) || p < 0 || p > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be between 0 and 1, got %g", p),
				 errhint("p is the failure probability: 0.5 gives the median, 0.25 the time by which a quarter have failed.")));
	q = km_quantile_internal(s, p, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(q);
}

/*
 * The median as print.survfit and summary(fit)$table report it (survmean's
 * minmin): the first time t1 with S < 0.5 + tol; when S(t1) is within tol of
 * 0.5 and S drops further later, the midpoint of t1 and the first time it
 * does.  NULL when S never gets to 0.5.  This differs from km_quantile(s, 0.5)
 * only when S stays at exactly 0.5 until the last time of the curve: then
 * the median is t1, the quantile the midpoint of t1 and the last time.
 */
Datum
kam_km_median(PG_FUNCTION_ARGS)
{
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	KmWalk		w;
	double		t1,
				s1;

	km_walk_init(&w, s);
	do
	{
		if (!km_walk_next(&w))
			PG_RETURN_NULL();
	} while (!(w.surv < 0.5 + KM_TOL));
	t1 = w.time;
	s1 = w.surv;
	if (fabs(s1 - 0.5) < KM_TOL)
	{
		while (km_walk_next(&w))
		{
			if (w.surv < s1)
				PG_RETURN_FLOAT8((t1 + w.time) / 2);
		}
	}
	PG_RETURN_FLOAT8(t1);
}

/*
 * Inverse of the standard normal distribution function, by Wichura's
 * algorithm AS 241 (PPND16, Applied Statistics 37, 1988), the algorithm R's
 * qnorm uses; accurate to about 1e-16 for 0 < p < 1.
 */
static double
km_qnorm(double p)
{
	double		q = p - 0.5;
	double		r,
				val;

	if (fabs(q) <= 0.425)
	{
		r = 0.180625 - q * q;
		return q * (((((((r * 2509.0809287301226727 +
						  33430.575583588128105) * r + 67265.770927008700853) * r +
						45921.953931549871457) * r + 13731.693765509461125) * r +
					  1971.5909503065514427) * r + 133.14166789178437745) * r +
					3.387132872796366608) /
			(((((((r * 5226.495278852545925 +
				   28729.085735721942674) * r + 39307.89580009271061) * r +
				 21213.794301586595867) * r + 5394.1960214247511077) * r +
			   687.1870074920579083) * r + 42.313330701600911252) * r + 1.0);
	}
	r = (q < 0) ? p : 1.0 - p;
	r = sqrt(-log(r));
	if (r <= 5.0)
	{
		r -= 1.6;
		val = (((((((r * 7.7454501427834140764e-4 +
					 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
				   1.27045825245236838258) * r + 3.64784832476320460504) * r +
				 5.7694972214606914055) * r + 4.6303378461565452959) * r +
			   1.42343711074968357734) /
			(((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r +
				  0.0151986665636164571966) * r + 0.14810397642748007459) * r +
				0.68976733498510000455) * r + 1.6763848301838038494) * r +
			  2.05319162663775882187) * r + 1.0);
	}
	else
	{
		r -= 5.0;
		val = (((((((r * 2.01033439929228813265e-7 +
					 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
				   0.026532189526576123093) * r + 0.29656057182850489123) * r +
				 1.7848265399172913358) * r + 5.4637849111641143699) * r +
			   6.6579046435011037772) /
			(((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r +
				  1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
				0.0148753612908506148525) * r + 0.13692988092273580531) * r +
			  0.59983220655588793769) * r + 1.0);
	}
	return (q < 0) ? -val : val;
}


/*
 * kam.km_curve(s, conf_level): one row per distinct time, as survfit lists them:
 * time, n_risk, n_event, n_censor, survival, std_err (SE of S, Greenwood:
 * S sqrt(V), summary.survfit's std.err), std_err_log (sqrt(V), survfit's
 * std.err), conf_low, conf_high (log-transformed, survfit's default).  Where
 * S = 0, std_err_log is Infinity (as in R) and std_err and the limits are
 * NULL (R: NaN and NA).
 */
Datum
kam_km_curve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	KmSurvival *s = PG_GETARG_KMSURVIVAL_P(0);
	double		conf = PG_GETARG_FLOAT8(1);
	double		z;
	KmWalk		w;

	if (isnan(conf) || conf <= 0 || conf >= 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conf_level must be between 0 and 1 (exclusive), got %g", conf),
				 errhint("Use e.g. 0.95 for 95%% confidence limits.")));
	z = km_qnorm(1 - (1 - conf) / 2);

	InitMaterializedSRF(fcinfo, 0);
	km_walk_init(&w, s);
	while (km_walk_next(&w))
	{
		Datum		values[9];
		bool		nulls[9] = {false};
		double		se = sqrt(w.var);

		values[0] = Float8GetDatum(w.time);
		values[1] = Int64GetDatum(w.n_risk);
		values[2] = Int64GetDatum(w.n_event);
		values[3] = Int64GetDatum(w.n_censor);
		values[4] = Float8GetDatum(w.surv);
		values[6] = Float8GetDatum(se);
		if (w.surv > 0)
		{
			values[5] = Float8GetDatum(se * w.surv);
			values[7] = Float8GetDatum(exp(log(w.surv) - z * se));
			values[8] = Float8GetDatum(Min(exp(log(w.surv) + z * se), 1.0));
		}
		else
			nulls[5] = nulls[7] = nulls[8] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * kam.km_period_index(d, period): the index of the period holding date d, as
 * src/period.c counts them (consecutive periods, consecutive indexes).
 */
Datum
kam_km_period_index(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	KamPeriod	p = kam_period_from_text(PG_GETARG_TEXT_PP(1), "period");

	PG_RETURN_INT32(kam_period_of_date(d, p, "d"));
}

/* ------------------------------------------------------------------------
 * The C symbols of kam 0.1.0
 *
 * A database whose catalog was created by kam 0.1.0 names these functions by
 * their old symbols (km_*); they stay exported so that such a database keeps
 * working with this library until the 0.2.0 upgrade script points its
 * functions at the kam_* names.  Drop them together with that script.
 * ------------------------------------------------------------------------
 */
#define KAM_OLD_SYMBOL(old, new) \
	extern Datum new(PG_FUNCTION_ARGS); \
	PG_FUNCTION_INFO_V1(old); \
	Datum old(PG_FUNCTION_ARGS) { return new(fcinfo); }

KAM_OLD_SYMBOL(km_survival_in, kam_survival_in)
KAM_OLD_SYMBOL(km_survival_out, kam_survival_out)
KAM_OLD_SYMBOL(km_survival_recv, kam_survival_recv)
KAM_OLD_SYMBOL(km_survival_send, kam_survival_send)
KAM_OLD_SYMBOL(km_fit_transfn, kam_km_fit_transfn)
KAM_OLD_SYMBOL(km_combine, kam_km_combine)
KAM_OLD_SYMBOL(km_survival_at, kam_km_survival)
KAM_OLD_SYMBOL(km_quantile, kam_km_quantile)
KAM_OLD_SYMBOL(km_median, kam_km_median)
KAM_OLD_SYMBOL(km_curve, kam_km_curve)
KAM_OLD_SYMBOL(km_period_index, kam_km_period_index)
