/*
 * value.h -- shared declarations of kam's lifetime-value models
 *
 * Each model file (bgnbd.c, paretonbd.c, gammagamma.c, sbg.c) holds its
 * likelihood, gradient, fit aggregate and scoring functions; clv.c combines
 * a purchase model with the Gamma-Gamma spend model.  The helpers here read
 * and build the models' composite types and check the inputs every model
 * shares.
 */
#ifndef KAM_VALUE_H
#define KAM_VALUE_H

#include "postgres.h"
#include "fmgr.h"

#include "fitstate.h"
#include "optim.h"

/*
 * A purchase model of (frequency x, recency t_x, T) with four parameters,
 * the second (and for some the fourth) a time scale: BG/NBD (bgnbd.c) and
 * Pareto/NBD (paretonbd.c).  Their fit final functions and scoring SQL
 * functions differ only in what is here (value.c runs them).
 */
typedef struct KamRftModel
{
	const char *typname;		/* SQL type of the parameters: "bgnbd" */
	const char *fitname;		/* the fit aggregate: "bgnbd_fit" */
	KamObjective objective;		/* negative mean log-likelihood in ln parameters */
	bool		time_scale[KAM_OPTIM_MAXPAR];	/* parameter in units of T */
	/* P(alive | x, t_x, T) */
	double		(*p_alive) (const double *m, int x, double tx, double T);
	/* E[purchases in (T, T + t] | alive, x, T] */
	double		(*expected_alive) (const double *m, int x, double T, double t);
} KamRftModel;

#define KAM_RFT_NPAR 4

/* value.c */
extern Datum kam_rft_fit_final(FunctionCallInfo fcinfo, const KamRftModel *model);
extern Datum kam_rft_expected_purchases(FunctionCallInfo fcinfo, const KamRftModel *model);
extern Datum kam_rft_p_alive(FunctionCallInfo fcinfo, const KamRftModel *model);
extern void kam_model_get(FunctionCallInfo fcinfo, int argno, int nparams,
						  double *out, const char *typname);
extern Datum kam_fit_result(FunctionCallInfo fcinfo, const double *params, int nparams,
							double log_likelihood, double n, const KamOptimResult *res,
							const char *fname);
extern void kam_check_rft(double frequency, double recency, double t);
extern Datum kam_rft_fit_accumulate(FunctionCallInfo fcinfo, const char *fname, bool weighted);
extern Datum kam_fit2_accumulate(FunctionCallInfo fcinfo, const char *fname, bool weighted,
								 void (*add) (FunctionCallInfo fcinfo, KamFitState *st,
											  double weight));
extern void kam_check_horizon(double horizon, const char *argname);
extern void kam_check_discount(double discount, const char *argname);

/* bgnbd.c, paretonbd.c, mbgnbd.c: P(alive) and E[purchases in (T, T + t]] */
extern double kam_bgnbd_p_alive(const double *m, int x, double tx, double T);
extern void kam_bgnbd_expected_alive_multi(const double *m, int x, double T,
										   const double *t, int n, double *out);
extern void kam_paretonbd_expected_alive_multi(const double *m, int x, double T,
											   const double *t, int n, double *out);
extern double kam_paretonbd_p_alive(const double *m, int x, double tx, double T);
extern double kam_mbgnbd_p_alive(const double *m, int x, double tx, double T);
extern double kam_paretonbd_expected_alive(const double *m, int x, double T, double t);

/* gammagamma.c */
extern double kam_gammagamma_spend(const double *m, int x, double monetary);

#endif							/* KAM_VALUE_H */
