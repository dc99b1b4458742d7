/*
 * generate.c -- kam's seeded demo data generator
 *
 * Writes customers.csv, orders.csv and visits.csv for a B2B seller over three
 * years (2023-01-01 .. 2025-12-31).  The process is "buy till you die":
 *
 *   - customers arrive uniformly over the three years;
 *   - each has a size s ~ lognormal(0, 1.4); order amounts scale with s^0.6 and
 *     order rates with s^0.5, which gives a heavy-tailed, roughly 80/20 revenue
 *     distribution;
 *   - orders follow a Poisson process (rate lambda, gamma distributed across
 *     customers); after each order the customer leaves with probability p,
 *     p ~ beta(1.2, 30) across customers, so customers leave over time;
 *   - account managers own portfolios; accounts get sales visits over the
 *     last 26 weeks at the default tier policy's rate for their band of
 *     trailing-12-month revenue, times a per-account compliance.
 *
 * The same arguments always give the same files (every customer has its own
 * random stream derived from the seed and its id).  The base order rate is
 * calibrated by bisection on a sample so that the total is close to -o.
 *
 * usage: generate [-c customers] [-o orders] [-s seed] [-d outdir]
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAYS 1096				/* 2023-01-01 .. 2025-12-31 */
#define VISIT_DAYS 182			/* visits over the last 26 weeks */
#define N_MANAGERS 24

#include "random.h"

static void
rng_init(Rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t	x = seed * 0x100000001B3ULL ^ (stream + 0x632BE59BD9B4E019ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static int
poisson(Rng *r, double mean)
{
	int			n = 0;
	double		t = 0;

	for (;;)
	{
		t += -log(unif(r)) / mean;
		if (t > 1.0)
			return n;
		n++;
	}
}

typedef struct
{
	double		size;
	double		arrival;
	double		rate;			/* orders per day, before the base factor */
	double		dropout;
	double		margin_rate;
	double		avg_amount;
	int			manager;
} Customer;

static void
draw_customer(Rng *r, Customer *c)
{
	c->arrival = unif(r) * DAYS;
	c->size = exp(1.4 * normal(r));
	c->rate = gamma_rand(r, 1.5) / 1.5 * pow(c->size, 0.5);
	c->dropout = beta_rand(r, 1.2, 30.0);
	c->margin_rate = 0.15 + 0.30 * unif(r);
	c->avg_amount = 120.0 * pow(c->size, 0.6);
	c->manager = (int) (unif(r) * N_MANAGERS);
}

/*
 * Simulate one customer's orders with base rate factor `base`; calls emit for
 * each order unless emit is NULL.  Returns the number of orders and the day of
 * the last one in *last.
 */
typedef void (*EmitFn) (void *ctx, const Customer *c, double day, Rng *r);

static int
simulate(uint64_t seed, long id, double base, EmitFn emit, void *ctx,
		 Customer *c, double *last)
{
	Rng			r;
	double		t;
	int			n = 0;

	rng_init(&r, seed, (uint64_t) id);
	draw_customer(&r, c);
	t = c->arrival;
	for (;;)
	{
		n++;
		*last = t;
		if (emit)
			emit(ctx, c, t, &r);
		if (unif(&r) < c->dropout)
			break;
		t += -log(unif(&r)) / (base * c->rate);
		if (t >= DAYS)
			break;
	}
	return n;
}

static double
calibrate(uint64_t seed, long customers, long orders)
{
	double		lo = 1e-4,
				hi = 5.0,
				target = (double) orders / customers;
	long		sample = customers < 4000 ? customers : 4000;

	for (int it = 0; it < 40; it++)
	{
		double		mid = sqrt(lo * hi),
					total = 0,
					last;
		Customer	c;

		for (long i = 1; i <= sample; i++)
			total += simulate(seed, i * (customers / sample), mid, NULL, NULL, &c, &last);
		if (total / sample < target)
			lo = mid;
		else
			hi = mid;
	}
	return sqrt(lo * hi);
}

static const char *first_names[N_MANAGERS] = {
	"Ana", "Ben", "Carla", "David", "Elif", "Femi", "Grace", "Hugo",
	"Ines", "Jonas", "Kenji", "Lena", "Marta", "Nils", "Olga", "Pablo",
	"Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Yusuf"
};
static const char *last_names[N_MANAGERS] = {
	"Silva", "Okafor", "Rossi", "Berg", "Kaya", "Adeyemi", "Lee", "Martin",
	"Costa", "Weber", "Sato", "Novak", "Ruiz", "Dahl", "Ivanova", "Garcia",
	"Walsh", "Moreau", "Haddad", "Singh", "Farouk", "Klein", "Zhang", "Demir"
};
static const char *syllables[16] = {
	"Al", "Bor", "Cen", "Dra", "Eko", "Fal", "Gri", "Hel",
	"Ion", "Jun", "Kor", "Lum", "Mar", "Nex", "Orb", "Pra"
};
static const char *suffixes[8] = {
	"GmbH", "Ltd", "Inc", "SA", "BV", "AG", "LLC", "Oy"
};

/* day number since 2023-01-01 -> "YYYY-MM-DD" (2024 is the only leap year in range) */
static void
format_day(long day, char *out)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			y = 2023,
				m = 1,
				d = (int) day;

	while (d >= ((y == 2024) ? 366 : 365))
	{
		d -= (y == 2024) ? 366 : 365;
		y++;
	}
	while (d >= mdays[m - 1] + (m == 2 && y == 2024))
	{
		d -= mdays[m - 1] + (m == 2 && y == 2024);
		m++;
	}
	snprintf(out, 32, "%04d-%02d-%02d", y, m, d + 1);
}

typedef struct
{
	FILE	   *orders;
	long		next_order;
	long		customer;
	double		revenue_12m;	/* of the current customer */
} OrderCtx;

static void
emit_order(void *arg, const Customer *c, double day, Rng *r)
{
	OrderCtx   *ctx = arg;
	long		d = (long) floor(day);
	int			secs = 8 * 3600 + (int) (unif(r) * 10 * 3600);
	double		amount = round(c->avg_amount * exp(0.4 * normal(r) - 0.08) * 100.0) / 100.0;
	double		margin;
	char		date[32];

	if (amount < 1.0)
		amount = 1.0;
	margin = round(amount * c->margin_rate * 100.0) / 100.0;
	if (d >= DAYS - 365)
		ctx->revenue_12m += amount;
	format_day(d, date);
	fprintf(ctx->orders, "%ld,%ld,%s %02d:%02d:%02d+00,%.2f,%.2f\n",
			ctx->next_order++, ctx->customer, date,
			secs / 3600, secs / 60 % 60, secs % 60, amount, margin);
}

/* for qsort: customer ids by trailing-12-month revenue, descending, ties by id */
static const double *sort_revenue;

static int
by_revenue_desc(const void *a, const void *b)
{
	long		x = *(const long *) a,
				y = *(const long *) b;
	double		rx = sort_revenue[x - 1],
				ry = sort_revenue[y - 1];

	if (rx != ry)
		return rx > ry ? -1 : 1;
	return (x > y) - (x < y);
}

static FILE *
open_out(const char *dir, const char *name)
{
	char		path[4096];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
	{
		fprintf(stderr, "generate: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return f;
}

int
main(int argc, char **argv)
{
	long		customers = 20000,
				orders = 500000;
	uint64_t	seed = 42;
	const char *dir = ".";
	int			opt;
	double		base;
	FILE	   *fc,
			   *fo,
			   *fv;
	OrderCtx	ctx;
	long		visit_id = 1;
	double	   *revenue;
	long	   *order;
	double		total = 0,
				above = 0;

	while ((opt = getopt(argc, argv, "c:o:s:d:")) != -1)
	{
		switch (opt)
		{
			case 'c':
				customers = atol(optarg);
				break;
			case 'o':
				orders = atol(optarg);
				break;
			case 's':
				seed = strtoull(optarg, NULL, 10);
				break;
			case 'd':
				dir = optarg;
				break;
			default:
				fprintf(stderr, "usage: generate [-c customers] [-o orders] [-s seed] [-d outdir]\n");
				return 2;
		}
	}
	if (customers < 1 || orders < customers)
	{
		fprintf(stderr, "generate: need at least one customer and one order per customer\n");
		return 2;
	}

	base = calibrate(seed, customers, orders);
	fc = open_out(dir, "customers.csv");
	fo = open_out(dir, "orders.csv");
	fv = open_out(dir, "visits.csv");
	ctx.orders = fo;
	ctx.next_order = 1;
	revenue = malloc(sizeof(double) * customers);
	order = malloc(sizeof(long) * customers);
	if (!revenue || !order)
	{
		fprintf(stderr, "generate: out of memory\n");
		return 1;
	}

	for (long id = 1; id <= customers; id++)
	{
		Customer	c;
		double		last;
		Rng			r;

		ctx.customer = id;
		ctx.revenue_12m = 0;
		simulate(seed, id, base, emit_order, &ctx, &c, &last);
		rng_init(&r, seed ^ 0xC0FFEE, (uint64_t) id);
		fprintf(fc, "%ld,%s%s%s %s,%s %s\n", id,
				syllables[rng_next(&r) % 16], syllables[rng_next(&r) % 16],
				syllables[rng_next(&r) % 16], suffixes[rng_next(&r) % 8],
				first_names[c.manager], last_names[c.manager]);

		revenue[id - 1] = ctx.revenue_12m;
		order[id - 1] = id;
	}

	/*
	 * Visits over the last 26 weeks, as a sales team plans them: accounts
	 * ranked by trailing-12-month revenue get the default tier policy's rate
	 * for their cumulative-share band (2, 1, 0.25 a week below 50%, 80%, 95%
	 * of revenue), times a per-account compliance of 40-120%.
	 */
	sort_revenue = revenue;
	qsort(order, customers, sizeof(long), by_revenue_desc);
	for (long i = 0; i < customers; i++)
		total += revenue[i];
	for (long k = 0; k < customers; k++)
	{
		long		id = order[k];
		Rng			r;
		double		weekly = above < 0.50 * total ? 2.0 : above < 0.80 * total ? 1.0 :
			above < 0.95 * total ? 0.25 : 0.0;
		int			n;

		above += revenue[id - 1];
		if (weekly == 0 || revenue[id - 1] <= 0)
			continue;
		rng_init(&r, seed ^ 0x5A1E5, (uint64_t) id);
		n = poisson(&r, weekly * (VISIT_DAYS / 7.0) * (0.4 + 0.8 * unif(&r)));
		for (int v = 0; v < n; v++)
		{
			long		day = DAYS - VISIT_DAYS + (long) (unif(&r) * VISIT_DAYS);
			int			secs = 9 * 3600 + (int) (unif(&r) * 8 * 3600);
			char		date[32];

			format_day(day, date);
			fprintf(fv, "%ld,%ld,%s %02d:%02d:00+00\n", visit_id++, id,
					date, secs / 3600, secs / 60 % 60);
		}
	}
	fclose(fc);
	fclose(fo);
	fclose(fv);
	free(revenue);
	free(order);
	return 0;
}
