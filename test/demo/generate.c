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
 *     trailing-12-month revenue, times a per-account compliance;
 *   - account health inputs (emit_health below): each customer's
 *     yearly purchasing potential (1.2-4x its revenue, none for 1 in 10), satisfaction surveys over the last two years (0-10;
 *     satisfaction falls before a customer leaves, and for 1 in 8 of those
 *     who stay), complaints (severity 1-3, closed after days to weeks, some
 *     left open).
 *
 * The same arguments always give the same files (every customer has its own
 * random streams derived from the seed and its id; the health inputs have
 * streams of their own, so the orders, visits and the first three columns
 * of customers.csv are what they were before those inputs existed).  The
 * base order rate is calibrated by bisection on a sample so that the total
 * is close to -o.
 *
 * Files: customers.csv (id, name, manager, potential), orders.csv,
 * visits.csv, feedback.csv (id, customer, time, score, kind) and
 * complaints.csv (id, customer, opened, closed or empty, severity).
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
#define HEALTH_DAYS 730			/* surveys and complaints over the last two years */

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
	int			left;			/* set by simulate: the customer left (not censored) */
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
		c->left = 0;
		if (unif(&r) < c->dropout)
		{
			c->left = 1;
			break;
		}
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

/* "YYYY-MM-DD HH:MM:00+00" of a time in minutes since 2023-01-01 00:00 */
static void
format_minute(double minute, char *out)
{
	long		m = (long) floor(minute);
	char		date[32];

	format_day(m / 1440, date);
	snprintf(out, 48, "%s %02ld:%02ld:00+00", date, m % 1440 / 60, m % 60);
}

typedef struct
{
	FILE	   *feedback;
	FILE	   *complaints;
	long		next_feedback;
	long		next_complaint;
} HealthCtx;

/*
 * The account health inputs of customer id, whose orders were simulated with
 * base rate `base` and ended on day `last`: writes its surveys and complaints
 * and returns its yearly purchasing potential (< 0: none).  Each input has a
 * random stream of its own.
 *
 *   - potential: 1.2-4x the customer's revenue in 2025 (revenue_12m; its
 *     expected yearly revenue while active when it bought nothing in 2025),
 *     rounded to 100; none for 1 customer in 10;
 *   - surveys (kind nps or csat, 0-10) over the last two years while the
 *     customer buys, up to 4 a year for the largest accounts: a level per
 *     customer plus noise; before a customer leaves, and for 1 in 8 of those
 *     who stay, the score falls by 2.5-5.5 points over the last 4-12 months;
 *   - complaints over the same time, one per 40 orders on average (2.5 times
 *     as many while satisfaction falls), severity 1 (60%), 2 (30%) or 3,
 *     closed after an exponential time of mean 8 days x severity; 1 in 20 is
 *     never closed, and what is not closed by the end of 2025 stays open.
 */
static double
emit_health(HealthCtx *h, uint64_t seed, long id, const Customer *c, double base, double last,
			double revenue_12m)
{
	Rng			r;
	double		yearly = revenue_12m > 0 ? revenue_12m : c->avg_amount * base * c->rate * 365.0,
				potential = -1,
				from = fmax(c->arrival, DAYS - HEALTH_DAYS),
				to,
				t,
				level,
				drop = 0,
				fall_start = 0,
				fall_end = 0,
				per_year,
				rate;
	int			falling;
	char		when[48],
				closed[48];

	rng_init(&r, seed ^ 0x9074E, (uint64_t) id);
	if (unif(&r) >= 0.1)
		potential = fmax(100.0, round(yearly * (1.2 + 2.8 * unif(&r)) / 100.0) * 100.0);

	rng_init(&r, seed ^ 0xFEEDBAC, (uint64_t) id);
	level = 7.4 + 1.1 * normal(&r);
	falling = c->left || unif(&r) < 0.125;
	if (falling)
	{
		drop = 2.5 + 3.0 * unif(&r);
		fall_end = c->left ? last : DAYS;
		fall_start = fall_end - (120.0 + 240.0 * unif(&r));
	}
	per_year = fmin(4.0, 0.5 + 0.8 * c->size);
	to = c->left ? fmin(DAYS, last + 60) : DAYS;
	for (t = from;;)
	{
		double		score;

		t += -log(unif(&r)) * 365.0 / per_year;
		if (t >= to)
			break;
		score = level + 0.8 * normal(&r);
		if (falling && t > fall_start)
			score -= drop * fmin(1.0, (t - fall_start) / (fall_end - fall_start));
		score = fmin(10.0, fmax(0.0, round(score)));
		format_minute(floor(t) * 1440 + 8 * 60 + unif(&r) * 600, when);
		fprintf(h->feedback, "%ld,%ld,%s,%.0f,%s\n", h->next_feedback++, id, when, score,
				unif(&r) < 0.5 ? "nps" : "csat");
	}

	rng_init(&r, seed ^ 0xC0A1A1, (uint64_t) id);
	rate = base * c->rate / 40.0 * (falling ? 2.5 : 1.0);
	to = c->left ? fmin(DAYS, last + 30) : DAYS;
	for (t = from;;)
	{
		double		u,
					opened,
					done;
		int			severity;

		t += -log(unif(&r)) / rate;
		if (t >= to)
			break;
		u = unif(&r);
		severity = u < 0.6 ? 1 : u < 0.9 ? 2 : 3;
		opened = floor(t) * 1440 + 8 * 60 + unif(&r) * 600;
		done = opened + -log(unif(&r)) * 8.0 * severity * 1440;
		format_minute(opened, when);
		closed[0] = '\0';
		if (unif(&r) >= 0.05 && done < DAYS * 1440.0)
			format_minute(done, closed);
		fprintf(h->complaints, "%ld,%ld,%s,%s,%d\n", h->next_complaint++, id, when, closed, severity);
	}
	return potential;
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
	HealthCtx	hctx;
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
	hctx.feedback = open_out(dir, "feedback.csv");
	hctx.complaints = open_out(dir, "complaints.csv");
	hctx.next_feedback = 1;
	hctx.next_complaint = 1;
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
		double		last,
					potential;
		Rng			r;

		ctx.customer = id;
		ctx.revenue_12m = 0;
		simulate(seed, id, base, emit_order, &ctx, &c, &last);
		potential = emit_health(&hctx, seed, id, &c, base, last, ctx.revenue_12m);
		rng_init(&r, seed ^ 0xC0FFEE, (uint64_t) id);
		fprintf(fc, "%ld,%s%s%s %s,%s %s,", id,
				syllables[rng_next(&r) % 16], syllables[rng_next(&r) % 16],
				syllables[rng_next(&r) % 16], suffixes[rng_next(&r) % 8],
				first_names[c.manager], last_names[c.manager]);
		if (potential >= 0)
			fprintf(fc, "%.0f", potential);
		fputc('\n', fc);

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
	fclose(hctx.feedback);
	fclose(hctx.complaints);
	free(revenue);
	free(order);
	return 0;
}
