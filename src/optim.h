/*
 * optim.h -- maximum likelihood optimizer for kam's model fits
 */
#ifndef KAM_OPTIM_H
#define KAM_OPTIM_H

#include "postgres.h"

#define KAM_OPTIM_MAXPAR 4

/*
 * Objective to minimize (a negative mean log-likelihood) at theta (log
 * parameters).  Fills grad[] when it is not NULL.  Returns a non-finite
 * value where the objective is undefined.
 */
typedef double (*KamObjective) (const double *theta, double *grad, void *arg);

typedef struct KamOptimResult
{
	double		f;				/* objective at the optimum */
	double		gradmax;		/* max |gradient| there */
	int			iterations;		/* BFGS iterations + Nelder-Mead iterations */
	bool		converged;
	bool		used_fallback;	/* Nelder-Mead was needed */
	bool		diverged;		/* a parameter ran off to 0 or infinity */
} KamOptimResult;

extern void kam_minimize(KamObjective fn, void *arg, int n, double *theta,
						 KamOptimResult *res);

#endif							/* KAM_OPTIM_H */
