/*
 * paretonbd.h -- the Pareto/NBD likelihood, shared by paretonbd.c (scoring,
 * the per-customer integral) and paretonbd_fit.c (the fit's objective)
 */
#ifndef KAM_PARETONBD_H
#define KAM_PARETONBD_H

#include "postgres.h"

#define KAM_PNBD_MAX_PANELS 100000

extern double kam_paretonbd_logint(double R, double alpha, double S, double beta,
								   double tx, double T, double *d);
extern double kam_paretonbd_objective(const double *theta, double *grad, void *arg);

#endif							/* KAM_PARETONBD_H */
