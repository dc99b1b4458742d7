/*
 * specfun.h -- special functions for kam's lifetime-value models
 *
 * Log-beta (ln Gamma is the C library's lgamma), digamma, log-sum-exp, expm1(u)/u, the Gauss
 * hypergeometric function 2F1 for 0 <= z < 1 (by its series, switched to
 * Euler's transformation when that converges faster), and 8-point
 * Gauss-Legendre nodes for the integrals of the Pareto/NBD likelihood.
 */
#ifndef KAM_SPECFUN_H
#define KAM_SPECFUN_H

#include "postgres.h"

extern double kam_lbeta(double a, double b);
extern double kam_digamma(double x);
extern double kam_logsumexp2(double a, double b);
extern double kam_exprel(double u);
extern double kam_hyp2f1(double a, double b, double c, double z);
extern double kam_hyp2f1m1_over_b(double a, double b, double c, double z);

#define KAM_HYP_MAXZ 64
extern void kam_hyp2f1m1_over_b_multi(double a, double b, double c, const double *z,
									  int nz, double *out);

#define KAM_GL_N 8
extern const double kam_gl_nodes[KAM_GL_N];
extern const double kam_gl_weights[KAM_GL_N];

#endif							/* KAM_SPECFUN_H */
