/*
 * hessian.h -- observed information of kam's model fits (hessian.c)
 *
 * A KamProblem is a fit's objective over the data of a fit state, exactly as
 * the fit aggregate minimizes it: the negative mean log-likelihood in
 * theta = ln(parameter / scale).  Each model file builds its own
 * (kam_<model>_problem); hessian.c differentiates it.
 */
#ifndef KAM_HESSIAN_H
#define KAM_HESSIAN_H

#include "postgres.h"

#include "fitstate.h"
#include "optim.h"

typedef struct KamProblem
{
	int			npar;
	KamObjective objective;
	void	   *arg;
	double		scale[KAM_OPTIM_MAXPAR];	/* parameter = exp(theta) * scale */
	double		wsum;			/* customers (sum of weights) */
} KamProblem;

/*
 * The problem of the fit state st (sorted here); false when st holds no
 * customers.  They reject what the fit aggregate rejects, with its errors.
 */
extern bool kam_bgnbd_problem(KamFitState *st, KamProblem *p);
extern bool kam_paretonbd_problem(KamFitState *st, KamProblem *p);
extern bool kam_mbgnbd_problem(KamFitState *st, KamProblem *p);
extern bool kam_gammagamma_problem(KamFitState *st, KamProblem *p);
extern bool kam_sbg_problem(KamFitState *st, KamProblem *p);
extern bool kam_bgbb_problem(KamFitState *st, KamProblem *p);

/* the KamRft problem of a purchase model (hessian.c) */
extern bool kam_rft_problem(KamFitState *st, KamProblem *p, KamObjective objective,
							const bool *time_scale, const char *fitname);

#endif							/* KAM_HESSIAN_H */
