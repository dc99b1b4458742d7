/*
 * paretonbd_fit.c -- the Pareto/NBD log-likelihood over a fit's histogram
 *
 * Each customer's likelihood needs I(t_x, T) = \int_{t_x}^{T} f, with
 * f(tau) = (alpha+tau)^-(r+x) (beta+tau)^-(s+1) (paretonbd.c).  Customers
 * with the same frequency x share f, and their t_x and T come from a few
 * distinct values (whole days: at most a few thousand), so the integral is
 * not computed per customer.  Per x the distinct t_x and T values
 * v_0 < ... < v_m form a grid; each grid interval is integrated once with
 * paretonbd.c's panel rule (3, 4 or 8 Gauss-Legendre points a panel, see
 * interval()), and the suffix sums
 * Q_k = \int_{v_k}^{v_m} f are accumulated from the right (Neumaier
 * summation, so each Q_k is within an ulp or two).  Then
 * I(t_x, T) = Q(t_x) - Q(T): one subtraction and one logarithm per customer.
 *
 * f decreases in tau, so the subtraction loses about log10(Q(t_x) / I)
 * digits: with whole-day data at most ~3 (Q(T) is at most the decay length
 * of f times f(T), I at least (T - t_x) f(T)).  A customer for whom it
 * would lose more than 4 (Q(t_x) > 1e4 I) gets paretonbd.c's direct
 * integral instead.  The gradient's integrals (f ln(alpha+tau),
 * f / (alpha+tau), and the same in beta) are summed the same way, the
 * logarithms taken from their value c at the grid's last point
 * (c - ln(alpha+tau) >= 0), so that their weights are positive and
 * decreasing too: the same bound holds for them.
 *
 * Values are kept in blocks of a common scale e^C (C = ln f at the block's
 * right end, a new block when f grows by more than e^500), so that a
 * customer whose t_x and T share a block needs no exponential.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "fitstate.h"
#include "kam.h"
#include "neumaier.h"
#include "paretonbd.h"
#include "specfun.h"
#include "value.h"

#define NPAR KAM_RFT_NPAR
#define BLOCK_RANGE 500.0		/* ln of the largest f within one scale block */
#define MAX_LOSS 1e4			/* Q(t_x) / I beyond which the integral is direct */

/* the five suffix sums of a grid point, in its block's scale */
enum
{
	Q_F, Q_LA, Q_IA, Q_LB, Q_IB, NQ
};

typedef struct PnbdGrid
{
	int			nU;				/* distinct recency and T values */
	double	   *Uv;				/* ascending */
	double	   *laU,
			   *lbU,			/* ln(alpha + v), ln(beta + v) of the evaluation */
			   *iaU,
			   *ibU;			/* 1 / (alpha + v), 1 / (beta + v) */
	int		   *goff;			/* grid points of frequency j: goff[j] .. goff[j+1]-1 */
	int		   *gu;				/* grid point's index into Uv */
	int		   *ia,
			   *ib;				/* entry's grid points of t_x and T */
	/* per grid point, recomputed at each evaluation */
	double	   *C;				/* block scale (ln) */
	double	   *ft;				/* f(v) / e^C */
	double	   *q;				/* NQ suffix sums / e^C */
} PnbdGrid;

/*
 * out[] = the items in[] (0..n-1 when in is NULL) stably sorted by key[item],
 * which is in 0..nkeys-1.
 */
static void
counting_sort(const int *key, int n, const int *in, int nkeys, int *out)
{
	int		   *start = palloc0(sizeof(int) * (nkeys + 1));
	int			k;

	for (k = 0; k < n; k++)
		start[key[in ? in[k] : k] + 1]++;
	for (k = 0; k < nkeys; k++)
		start[k + 1] += start[k];
	for (k = 0; k < n; k++)
		out[start[key[in ? in[k] : k]]++] = in ? in[k] : k;
	pfree(start);
}

/* the grid of every frequency of d (built once per fit) */
static PnbdGrid *
grid_build(const KamRft *d)
{
	PnbdGrid   *G = palloc0(sizeof(PnbdGrid));
	int		   *rmap = palloc(sizeof(int) * d->nR);
	int		   *tmap = palloc(sizeof(int) * d->nT);
	int			npair = 2 * d->nent;
	int		   *pu = palloc(sizeof(int) * npair);
	int		   *pg = palloc(sizeof(int) * npair);
	int		   *order = palloc(sizeof(int) * npair);
	int		   *sorted = palloc(sizeof(int) * npair);
	int			i,
				j,
				k,
				total = 0;

	/* merge the sorted distinct recency and T values */
	G->Uv = palloc(sizeof(double) * (d->nR + d->nT));
	i = j = 0;
	while (i < d->nR || j < d->nT)
	{
		double		v;

		if (j >= d->nT || (i < d->nR && d->Rv[i] <= d->Tv[j]))
			v = d->Rv[i];
		else
			v = d->Tv[j];
		if (i < d->nR && d->Rv[i] == v)
			rmap[i++] = G->nU;
		if (j < d->nT && d->Tv[j] == v)
			tmap[j++] = G->nU;
		G->Uv[G->nU++] = v;
	}
	G->laU = palloc(sizeof(double) * G->nU);
	G->lbU = palloc(sizeof(double) * G->nU);
	G->iaU = palloc(sizeof(double) * G->nU);
	G->ibU = palloc(sizeof(double) * G->nU);

	/*
	 * per frequency, the distinct values of its entries: the entries' t_x
	 * and T (pair 2i and 2i + 1 of entry i) counting-sorted by value, then
	 * stably by frequency
	 */
	for (j = 0; j < d->nx; j++)
		for (i = d->xstart[j]; i < d->xstart[j + 1]; i++)
		{
			pu[2 * i] = rmap[d->ri[i]];
			pu[2 * i + 1] = tmap[d->ti[i]];
			pg[2 * i] = pg[2 * i + 1] = j;
		}
	counting_sort(pu, npair, NULL, G->nU, order);
	counting_sort(pg, npair, order, d->nx, sorted);
	G->goff = palloc(sizeof(int) * (d->nx + 1));
	G->gu = palloc(sizeof(int) * npair);
	G->ia = palloc(sizeof(int) * d->nent);
	G->ib = palloc(sizeof(int) * d->nent);
	for (k = 0; k < npair; k++)
	{
		int			p = sorted[k];

		j = pg[p];
		if (k == 0 || j != pg[sorted[k - 1]])
			G->goff[j] = total;
		if (total == G->goff[j] || pu[p] != G->gu[total - 1])
			G->gu[total++] = pu[p];
		if (p % 2 == 0)
			G->ia[p / 2] = total - 1;
		else
			G->ib[p / 2] = total - 1;
	}
	G->goff[d->nx] = total;
	G->C = palloc(sizeof(double) * total);
	G->ft = palloc(sizeof(double) * total);
	G->q = palloc(sizeof(double) * total * NQ);
	pfree(rmap);
	pfree(tmap);
	pfree(pu);
	pfree(pg);
	pfree(order);
	pfree(sorted);
	return G;
}

/*
 * Gauss-Legendre rules on [-1, 1] with 3 and 4 points (the 8-point rule is
 * specfun.c's).  The n-point rule's relative error on a panel is about
 * c_n delta^(2n), c_n = (n!)^4 / ((2n + 1) ((2n)!)^3), where delta is the
 * panel width times a bound on the integrand's log-derivatives in u
 * (|phi'|, and sqrt(R + S) for the higher ones: phi'' <= (R + S) / 4); the
 * thresholds keep it below 1e-17: 3 points for delta < 0.0125, 4 for
 * delta < 0.08, 8 otherwise (delta <= 2 by the panel rule).
 */
static const double gl3_nodes[3] = {-0.7745966692414834, 0.0, 0.7745966692414834};
static const double gl3_weights[3] = {0.5555555555555556, 0.8888888888888888, 0.5555555555555556};
static const double gl4_nodes[4] = {
	-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526
};
static const double gl4_weights[4] = {
	0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538
};

/*
 * The integrals over [v0, v1] of f e^-phi0 (phi0 = ln f(v0)) times 1,
 * cla - ln(alpha+tau), 1/(alpha+tau), clb - ln(beta+tau), 1/(beta+tau),
 * into out[NQ]; la0 .. lb1 are the logarithms at the ends.  The panels are
 * paretonbd.c's: in u = ln(g + tau), g = min(alpha, beta), width <= 1 and
 * |phi'| width <= 2, and like it the sum stops where the rest of the
 * integrand is below e^-40 of it (parameters far out, where the optimizer
 * looks when the data have no finite optimum, need up to 100,000 panels
 * otherwise).
 */
static void
interval(double R, double S, double alpha, double beta, double v0, double v1,
		 double la0, double lb0, double la1, double lb1, double cla, double clb,
		 double *out)
{
	bool		g_is_alpha = alpha <= beta;
	double		g = g_is_alpha ? alpha : beta;
	double		dg = g_is_alpha ? beta - alpha : alpha - beta;
	double		u0 = g_is_alpha ? la0 : lb0;
	double		u1 = g_is_alpha ? la1 : lb1;
	double		phi0 = -R * la0 - S * lb0;
	double		slope0 = 1.0 - R * (g + v0) / (alpha + v0) - S * (g + v0) / (beta + v0);
	double		slope1 = 1.0 - R * (g + v1) / (alpha + v1) - S * (g + v1) / (beta + v1);
	double		smax = Max(Max(fabs(slope0), fabs(slope1)), 0.5);
	double		h,
				delta,
				acc[NQ] = {0, 0, 0, 0, 0};
	const double *nodes,
			   *weights;
	int			panels,
				nn,
				j,
				k;

	panels = (int) ceil((u1 - u0) * Max(smax / 2.0, 1.0));
	panels = Max(Min(panels, KAM_PNBD_MAX_PANELS), 1);
	h = (u1 - u0) / panels;
	delta = h * Max(smax, sqrt(R + S));
	if (delta < 0.0125)
	{
		nn = 3;
		nodes = gl3_nodes;
		weights = gl3_weights;
	}
	else if (delta < 0.08)
	{
		nn = 4;
		nodes = gl4_nodes;
		weights = gl4_weights;
	}
	else
	{
		nn = KAM_GL_N;
		nodes = kam_gl_nodes;
		weights = kam_gl_weights;
	}
	for (j = 0; j < panels; j++)
	{
		double		uc = u0 + (j + 0.5) * h;

		if ((j & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
		for (k = 0; k < nn; k++)
		{
			double		u = uc + 0.5 * h * nodes[k];
			double		E = exp(u); /* g + tau */
			double		lo = log(dg + E);	/* ln of the larger of alpha, beta + tau */
			double		la = g_is_alpha ? u : lo;
			double		lb = g_is_alpha ? lo : u;
			double		e = weights[k] * exp(u - R * la - S * lb - phi0);

			acc[Q_F] += e;
			acc[Q_LA] += e * (cla - la);
			acc[Q_IA] += e / (E - g + alpha);
			acc[Q_LB] += e * (clb - lb);
			acc[Q_IB] += e / (E - g + beta);
		}
		/* as paretonbd.c: stop when the rest of the (log-concave) integrand is negligible */
		if (j < panels - 1)
		{
			double		ue = u0 + (j + 1) * h;
			double		E = exp(ue);
			double		lo = log(dg + E);
			double		la = g_is_alpha ? ue : lo;
			double		lb = g_is_alpha ? lo : ue;
			double		slopee = 1.0 - R * E / (E - g + alpha) - S * E / (E - g + beta);

			if (slopee < 0.0 &&
				ue - R * la - S * lb - phi0 - log(-slopee) < log(0.5 * h * acc[Q_F]) - 40.0)
				break;
		}
	}
	for (k = 0; k < NQ; k++)
		out[k] = 0.5 * h * acc[k];
}

/*
 * The suffix sums of frequency j's grid for R = r + x, S = s + 1; cla, clb:
 * the logarithms at the grid's last point (the shifts of the gradient's
 * logarithms).
 */
static void
grid_suffix(PnbdGrid *G, int j, double R, double S, double alpha, double beta,
			double cla, double clb)
{
	int			lo = G->goff[j],
				last = G->goff[j + 1] - 1;
	double		C = -R * G->laU[G->gu[last]] - S * G->lbU[G->gu[last]];
	NeumaierSum acc[NQ];
	int			k,
				c;

	memset(acc, 0, sizeof(acc));
	for (k = last; k >= lo; k--)
	{
		int			u = G->gu[k];
		double		phi = -R * G->laU[u] - S * G->lbU[u];

		if (phi - C > BLOCK_RANGE)
		{
			/* a new block: the sums so far in its scale */
			double		f = exp(C - phi);

			for (c = 0; c < NQ; c++)
			{
				acc[c].sum *= f;
				acc[c].comp *= f;
			}
			C = phi;
		}
		G->ft[k] = exp(phi - C);
		if (k < last)
		{
			int			u1 = G->gu[k + 1];
			double		in[NQ];

			interval(R, S, alpha, beta, G->Uv[u], G->Uv[u1], G->laU[u], G->lbU[u],
					 G->laU[u1], G->lbU[u1], cla, clb, in);
			for (c = 0; c < NQ; c++)
				neumaier_add(&acc[c], G->ft[k] * in[c]);
		}
		G->C[k] = C;
		for (c = 0; c < NQ; c++)
			G->q[k * NQ + c] = neumaier_value(&acc[c]);
	}
}

/* negative mean log-likelihood in theta = ln(r, alpha, s, beta) */
double
kam_paretonbd_objective(const double *theta, double *grad, void *arg)
{
	KamRft	   *d = (KamRft *) arg;
	PnbdGrid   *G;
	double		m[NPAR];
	double		r,
				alpha,
				s,
				beta;
	NeumaierSum ll = {0, 0};
	double		g[NPAR] = {0, 0, 0, 0};
	double		lg_r,
				ps_r = 0.0;
	int			i,
				j,
				k;

	if (d->extra == NULL)
		d->extra = grid_build(d);
	G = (PnbdGrid *) d->extra;
	for (k = 0; k < NPAR; k++)
		m[k] = exp(theta[k]);
	m[1] *= d->scale;
	m[3] *= d->scale;
	r = m[0];
	alpha = m[1];
	s = m[2];
	beta = m[3];
	lg_r = lgamma(r);
	if (grad)
		ps_r = kam_digamma(r);
	for (k = 0; k < G->nU; k++)
	{
		G->laU[k] = log(alpha + G->Uv[k]);
		G->lbU[k] = log(beta + G->Uv[k]);
		G->iaU[k] = 1.0 / (alpha + G->Uv[k]);
		G->ibU[k] = 1.0 / (beta + G->Uv[k]);
	}

	for (j = 0; j < d->nx; j++)
	{
		double		x = d->xv[j];
		double		wx = d->wx[j];
		double		R = r + x;
		int			last = G->goff[j + 1] - 1;
		double		cla = G->laU[G->gu[last]],
					clb = G->lbU[G->gu[last]];

		CHECK_FOR_INTERRUPTS();
		neumaier_add(&ll, wx * (lgamma(R) - lg_r + r * log(alpha) + s * log(beta)));
		if (grad)
		{
			g[0] += wx * (kam_digamma(R) - ps_r + log(alpha));
			g[1] += wx * r / alpha;
			g[2] += wx * log(beta);
			g[3] += wx * s / beta;
		}
		grid_suffix(G, j, R, s + 1.0, alpha, beta, cla, clb);

		for (i = d->xstart[j]; i < d->xstart[j + 1]; i++)
		{
			int			a = G->ia[i],
						b = G->ib[i];
			int			ub = G->gu[b];
			double		w = d->w[i];
			double		T = G->Uv[ub];
			double		laT = G->laU[ub],
						lbT = G->lbU[ub];
			double		f = (G->C[b] == G->C[a]) ? 1.0 : exp(G->C[b] - G->C[a]);
			const double *qa = G->q + a * NQ,
					   *qb = G->q + b * NQ;
			double		A = G->ft[b] * f * (beta + T);	/* e^B1 / e^C */
			double		I = qa[Q_F] - qb[Q_F] * f;	/* the integral / e^C */
			double		w2 = 0.0,
						dI[NPAR] = {0, 0, 0, 0};

			if (a == b)
				neumaier_add(&ll, w * (G->C[a] + log(A)));
			else if (I > qa[Q_F] / MAX_LOSS)
			{
				double		L = A + s * I;
				double		sL = s / L;

				neumaier_add(&ll, w * (G->C[a] + log(L)));
				w2 = sL * I;
				/* dI[] times w2: (the weighted integrals / I) w2 */
				if (grad)
				{
					dI[0] = w2 * -cla + sL * (qa[Q_LA] - qb[Q_LA] * f);
					dI[1] = -R * sL * (qa[Q_IA] - qb[Q_IA] * f);
					dI[2] = w2 * (1.0 / s - clb) + sL * (qa[Q_LB] - qb[Q_LB] * f);
					dI[3] = -(s + 1.0) * sL * (qa[Q_IB] - qb[Q_IB] * f);
				}
			}
			else
			{
				/* the difference would lose digits: integrate directly */
				double		B1 = -R * laT - s * lbT;
				double		B2 = log(s) + kam_paretonbd_logint(R, alpha, s + 1.0, beta,
															   G->Uv[G->gu[a]], T,
															   grad ? dI : NULL);
				double		lse = kam_logsumexp2(B1, B2);

				neumaier_add(&ll, w * lse);
				w2 = exp(B2 - lse);
				dI[0] *= w2;
				dI[1] *= w2;
				dI[2] = w2 * (1.0 / s + dI[2]);
				dI[3] *= w2;
			}
			if (grad)
			{
				g[0] += w * ((1.0 - w2) * -laT + dI[0]);
				g[1] += w * ((1.0 - w2) * -R * G->iaU[ub] + dI[1]);
				g[2] += w * ((1.0 - w2) * -lbT + dI[2]);
				g[3] += w * ((1.0 - w2) * -s * G->ibU[ub] + dI[3]);
			}
		}
	}
	if (grad)
		for (k = 0; k < NPAR; k++)
			grad[k] = -m[k] * g[k] / d->wsum;
	return -neumaier_value(&ll) / d->wsum;
}
