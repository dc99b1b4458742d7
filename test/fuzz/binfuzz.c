/*
 * binfuzz.c -- seeded fuzzing of the binary input (receive functions) of
 * kam's base types: kam.rfm_state, kam.activity, kam.survival,
 * kam.concentration_state, kam.fit_state.
 *
 *   binfuzz -d CONNINFO -a CODES [-s SEED] [-n MUTATIONS] [-t TYPE] [-v]
 *   binfuzz -d CONNINFO -a CODES -t TYPE -x HEX      (replay one input)
 *
 * The seed values are the rows of fz.seed_rfm_state, fz.seed_activity,
 * fz.seed_survival, fz.seed_concentration_state and fz.seed_fit_state (column v), fetched in binary (their send form).  Each
 * mutation of a seed is sent as a binary parameter of the type's OID, so it
 * goes straight to the type's receive function:
 *
 *   SELECT $1, $1::text        (parameter format 1, result format 1)
 *
 * A rejection must carry a SQLSTATE of CODES (the documented ones, a comma
 * list) and never XX000, P0001, 08P01 (a reader ran past the message),
 * 53200 (out of memory: a receive allocated for a count it had not checked)
 * or 57014; the PostgreSQL message "incorrect binary data format in bind
 * parameter" (a receive function left bytes unread) is a finding too.  The
 * connection must survive.  An accepted value must round-trip:
 *
 *   send -> recv -> send       gives the same bytes,
 *   out -> in -> out           gives the same text,
 *   text read back             gives the same send form.
 *
 * Mutation classes: trunc (every length of small seeds, sampled lengths of
 * big ones), append, count (0, -1, 1, n+-1, 2^31-1, INT_MIN, huge, random),
 * random (random bytes, sometimes after a valid header), bitflip, format
 * (format, period and flag bytes), field (out-of-range values of each field:
 * dates, timestamps, period indexes, sums at and past +-1.7e20, 128-bit
 * extremes, NaN, +-Infinity, subnormal and negative floats, negative and
 * overflowing counts), nudge (small deltas, which are often accepted and
 * exercise the round trips), order (entries swapped, duplicated, reversed),
 * splice (entries dropped, or copied from another seed, count fixed up),
 * v1 (the kam 0.1.0 binary layouts).
 *
 * Every finding prints the type, class, reason and the input as hex;
 * `-t TYPE -x HEX` replays it.  Exit status 1 on any finding, 2 on usage or
 * setup errors.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

/* ------------------------------------------------------------------------
 * random numbers: splitmix64, so a seed gives the same inputs everywhere
 * ------------------------------------------------------------------------ */
static uint64_t rng_state;

static uint64_t
rnd(void)
{
	uint64_t	z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int
rndn(int n)
{
	return n <= 0 ? 0 : (int) (rnd() % (uint64_t) n);
}

/* ------------------------------------------------------------------------
 * big-endian helpers
 * ------------------------------------------------------------------------ */
static void
put_be(unsigned char *p, int size, uint64_t v)
{
	for (int i = size - 1; i >= 0; i--)
	{
		p[i] = (unsigned char) v;
		v >>= 8;
	}
}

static uint64_t
get_be(const unsigned char *p, int size)
{
	uint64_t	v = 0;

	for (int i = 0; i < size; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
put_i128(unsigned char *p, i128 v)
{
	put_be(p, 8, (uint64_t) ((u128) v >> 64));
	put_be(p + 8, 8, (uint64_t) (u128) v);
}

static i128
get_i128(const unsigned char *p)
{
	return (i128) (((u128) get_be(p, 8) << 64) | get_be(p + 8, 8));
}

static void
put_f8(unsigned char *p, double d)
{
	uint64_t	u;

	memcpy(&u, &d, 8);
	put_be(p, 8, u);
}

static double
get_f8(const unsigned char *p)
{
	uint64_t	u = get_be(p, 8);
	double		d;

	memcpy(&d, &u, 8);
	return d;
}

/* ------------------------------------------------------------------------
 * buffers
 * ------------------------------------------------------------------------ */
typedef struct Buf
{
	unsigned char *d;
	int			len;
	int			cap;
} Buf;

static void
buf_reserve(Buf *b, int cap)
{
	if (cap <= b->cap)
		return;
	b->cap = cap * 2 + 64;
	b->d = realloc(b->d, b->cap);
	if (!b->d)
	{
		fprintf(stderr, "binfuzz: out of memory\n");
		exit(2);
	}
}

static void
buf_set(Buf *b, const unsigned char *d, int len)
{
	buf_reserve(b, len);
	memcpy(b->d, d, len);
	b->len = len;
}

static void
buf_append(Buf *b, const unsigned char *d, int len)
{
	buf_reserve(b, b->len + len);
	memcpy(b->d + b->len, d, len);
	b->len += len;
}

static char *
to_hex(const unsigned char *d, int len)
{
	static const char digits[] = "0123456789abcdef";
	char	   *s = malloc((size_t) len * 2 + 1);

	for (int i = 0; i < len; i++)
	{
		s[2 * i] = digits[d[i] >> 4];
		s[2 * i + 1] = digits[d[i] & 15];
	}
	s[2 * len] = '\0';
	return s;
}

static int
from_hex(const char *s, Buf *out)
{
	size_t		n = strlen(s);

	if (n % 2)
		return 0;
	buf_reserve(out, (int) (n / 2));
	out->len = 0;
	for (size_t i = 0; i < n; i += 2)
	{
		unsigned int v;

		if (sscanf(s + i, "%2x", &v) != 1)
			return 0;
		out->d[out->len++] = (unsigned char) v;
	}
	return 1;
}

/* ------------------------------------------------------------------------
 * the layouts of the types' binary forms (what their send functions write)
 * ------------------------------------------------------------------------ */
enum FieldKind
{
	F_FORMAT,					/* format / version byte */
	F_PERIODKIND,				/* day .. year byte (or int32 in format 1) */
	F_FLAGS,					/* rfm_state flags byte */
	F_COUNT,					/* int32 number of entries */
	F_PERIOD,					/* int32 period index */
	F_DATE,						/* int32 days since 2000-01-01 */
	F_TS,						/* int64 microseconds since 2000-01-01 */
	F_ORDERS32,					/* int32 count, > 0 */
	F_COUNT64,					/* int64 count */
	F_SUM,						/* 128-bit nano-units */
	F_TIME,						/* float8 */
};

typedef struct Field
{
	int			off;
	int			size;
	int			kind;
} Field;

#define MAX_FIELDS 4096

typedef struct Layout
{
	int			count_off;		/* offset of the count, -1 if none */
	int			count_size;		/* its size: 4 (int32) or 8 (int64) */
	int			entries_off;	/* where the entries start */
	int			entry_size;
	int			n;				/* entries in the seed */
	int			nfields;
	Field		f[MAX_FIELDS];
} Layout;

enum TypeId
{
	T_RFM,
	T_ACT,
	T_KM,
	T_CONC,
	T_FIT,
	N_TYPES
};

static const char *type_names[N_TYPES] = {"rfm_state", "activity", "survival", "concentration_state", "fit_state"};

static void
add_field(Layout *l, int off, int size, int kind)
{
	if (l->nfields < MAX_FIELDS)
	{
		l->f[l->nfields].off = off;
		l->f[l->nfields].size = size;
		l->f[l->nfields].kind = kind;
		l->nfields++;
	}
}

/* the layout of a send form; 0 when it is not one this program knows */
static int
layout_of(int type, const unsigned char *d, int len, Layout *l)
{
	memset(l, 0, offsetof(Layout, f));
	l->count_off = -1;
	l->count_size = 4;
	if (type == T_CONC)
	{
		/* format, flag, param (float8), n (int64), n float8 values */
		if (len < 18 || d[0] != 1)
			return 0;
		add_field(l, 0, 1, F_FORMAT);
		add_field(l, 1, 1, F_FLAGS);
		add_field(l, 2, 8, F_TIME);
		add_field(l, 10, 8, F_COUNT64);
		l->count_off = 10;
		l->count_size = 8;
		l->n = (int32_t) get_be(d + 10, 8);
		l->entries_off = 18;
		l->entry_size = 8;
		if (l->n < 0 || 18 + (long) l->n * 8 != len)
			return 0;
		for (int i = 0; i < l->n; i++)
			add_field(l, 18 + i * 8, 8, F_TIME);
		return 1;
	}
	if (type == T_FIT)
	{
		/* format, nkeys (int32), nrows, nentries (int64), nmodel (int32), model, entries */
		int			nkeys,
					nmodel;

		if (len < 25 || d[0] != 1)
			return 0;
		nkeys = (int32_t) get_be(d + 1, 4);
		nmodel = (int32_t) get_be(d + 21, 4);
		if (nkeys < 1 || nkeys > 3 || nmodel < 0 || nmodel > 4 || len < 25 + 8 * nmodel)
			return 0;
		add_field(l, 0, 1, F_FORMAT);
		add_field(l, 1, 4, F_ORDERS32);
		add_field(l, 5, 8, F_COUNT64);
		add_field(l, 13, 8, F_COUNT64);
		add_field(l, 21, 4, F_ORDERS32);
		l->count_off = 13;
		l->count_size = 8;
		l->n = (int32_t) get_be(d + 13, 8);
		for (int k = 0; k < nmodel; k++)
			add_field(l, 25 + 8 * k, 8, F_TIME);
		l->entries_off = 25 + 8 * nmodel;
		l->entry_size = 8 * nkeys + 16;
		if (l->n < 0 || l->entries_off + (long) l->n * l->entry_size != len)
			return 0;
		for (int i = 0; i < l->n; i++)
		{
			int			o = l->entries_off + i * l->entry_size;

			for (int k = 0; k < nkeys; k++)
				add_field(l, o + 8 * k, 8, F_TIME);
			add_field(l, o + 8 * nkeys, 16, F_SUM);
		}
		return 1;
	}
	if (type == T_RFM)
	{
		int			asof;

		if (len < 7 || d[0] != 2)
			return 0;
		asof = d[2] & 1;
		add_field(l, 0, 1, F_FORMAT);
		add_field(l, 1, 1, F_PERIODKIND);
		add_field(l, 2, 1, F_FLAGS);
		add_field(l, 3, 4, F_COUNT);
		l->count_off = 3;
		l->n = (int32_t) get_be(d + 3, 4);
		if (asof)
		{
			add_field(l, 7, 4, F_PERIOD);
			add_field(l, 11, 8, F_TS);
			add_field(l, 19, 8, F_TS);
			add_field(l, 27, 8, F_TS);
			add_field(l, 35, 8, F_COUNT64);
			add_field(l, 43, 16, F_SUM);
			add_field(l, 59, 16, F_SUM);
			l->entries_off = 75;
			l->entry_size = 4;
		}
		else
		{
			add_field(l, 7, 8, F_TS);
			l->entries_off = 15;
			l->entry_size = 32;
		}
		if (l->n < 0 || l->entries_off + (long) l->n * l->entry_size != len)
			return 0;
		for (int i = 0; i < l->n; i++)
		{
			int			o = l->entries_off + i * l->entry_size;

			if (asof)
				add_field(l, o, 4, F_PERIOD);
			else
			{
				add_field(l, o, 4, F_PERIOD);
				add_field(l, o + 4, 4, F_ORDERS32);
				add_field(l, o + 8, 8, F_TS);
				add_field(l, o + 16, 16, F_SUM);
			}
		}
		return 1;
	}
	if (type == T_ACT)
	{
		if (len < 10 || d[0] != 2)
			return 0;
		add_field(l, 0, 1, F_FORMAT);
		add_field(l, 1, 1, F_PERIODKIND);
		add_field(l, 2, 4, F_DATE);
		add_field(l, 6, 4, F_COUNT);
		l->count_off = 6;
		l->n = (int32_t) get_be(d + 6, 4);
		l->entries_off = 10;
		l->entry_size = 20;
		if (l->n < 0 || 10 + (long) l->n * 20 != len)
			return 0;
		for (int i = 0; i < l->n; i++)
		{
			add_field(l, 10 + i * 20, 4, F_PERIOD);
			add_field(l, 14 + i * 20, 16, F_SUM);
		}
		return 1;
	}
	/* survival */
	if (len < 5 || d[0] != 2)
		return 0;
	add_field(l, 0, 1, F_FORMAT);
	add_field(l, 1, 4, F_COUNT);
	l->count_off = 1;
	l->n = (int32_t) get_be(d + 1, 4);
	l->entries_off = 5;
	l->entry_size = 24;
	if (l->n < 0 || 5 + (long) l->n * 24 != len)
		return 0;
	for (int i = 0; i < l->n; i++)
	{
		add_field(l, 5 + i * 24, 8, F_TIME);
		add_field(l, 13 + i * 24, 8, F_COUNT64);
		add_field(l, 21 + i * 24, 8, F_COUNT64);
	}
	return 1;
}

/* ------------------------------------------------------------------------
 * special values
 * ------------------------------------------------------------------------ */
#define USECS_PER_DAY INT64_C(86400000000)
/* PostgreSQL's ranges: dates 4714-11-24 BC .. 5874897-12-31, timestamps .. 294276 AD */
#define MIN_DATE (-2451545)		/* 4714-11-24 BC */
#define MAX_DATE 2147483494		/* 5874897-12-31 */
#define MIN_TS (INT64_C(-211813488000000000))
#define END_TS (INT64_C(9223371331200000000))
#define SUM_MAX ((i128) INT64_C(170000000000) * INT64_C(1000000000000000000))

static const int64_t specials32[] = {
	0, 1, -1, 2, 4, 5, 255, 256, 65535, 65536, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1,
	MIN_DATE, MIN_DATE - 1, MAX_DATE, MAX_DATE + 1, INT32_MIN + 1 /* DATEVAL_NOBEGIN + 1 */ ,
	-2451545 / 7 - 1, 73048 /* 2200 */ , -36524, 9131, 1 << 28, -(1 << 28)
};

static const int64_t specials64[] = {
	0, 1, -1, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, MIN_TS, MIN_TS - 1, END_TS,
	END_TS - 1, END_TS + 1, MIN_TS - USECS_PER_DAY, INT64_C(1) << 62, -(INT64_C(1) << 62),
	INT64_MAX / 2 + 1, 789000000000, 4294967296
};

static i128
sum_special(void)
{
	static const int which = 12;

	switch (rndn(which))
	{
		case 0:
			return SUM_MAX;
		case 1:
			return -SUM_MAX;
		case 2:
			return SUM_MAX + 1;
		case 3:
			return -SUM_MAX - 1;
		case 4:
			return (i128) (((u128) 1 << 127) - 1);
		case 5:
			return (i128) ((u128) 1 << 127);
		case 6:
			return 0;
		case 7:
			return -1;
		case 8:
			return (i128) INT64_MAX + 1;	/* hi 0, lo with its top bit set */
		case 9:
			return (i128) INT64_MIN - 1;
		case 10:
			return SUM_MAX - 1;
		default:
			return (i128) (((u128) rnd() << 64) | rnd());
	}
}

static double
float_special(void)
{
	switch (rndn(16))
	{
		case 0:
			return NAN;
		case 1:
			return -NAN;
		case 2:
			return INFINITY;
		case 3:
			return -INFINITY;
		case 4:
			return 5e-324;
		case 5:
			return 2.2250738585072009e-308;	/* largest subnormal */
		case 6:
			return DBL_MIN;
		case 7:
			return -0.0;
		case 8:
			return 0.0;
		case 9:
			return DBL_MAX;
		case 10:
			return -1.0;
		case 11:
			return -5e-324;
		case 12:
			return 1e308;
		case 13:
			return 0.1;
		case 14:
			return 9007199254740993.0;
		default:
			{
				double		d;
				uint64_t	u = rnd();

				memcpy(&d, &u, 8);
				return d;
			}
	}
}

/* an out-of-range (or edge) value for a field */
static void
set_special(unsigned char *d, const Field *f)
{
	switch (f->kind)
	{
		case F_FORMAT:
		case F_PERIODKIND:
		case F_FLAGS:
			{
				static const int bytes[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 0x41, 0x7f, 0x80, 0xff};

				d[f->off] = (unsigned char) bytes[rndn(sizeof(bytes) / sizeof(bytes[0]))];
				break;
			}
		case F_COUNT:
		case F_PERIOD:
		case F_DATE:
		case F_ORDERS32:
			put_be(d + f->off, 4, (uint64_t) specials32[rndn(sizeof(specials32) / sizeof(specials32[0]))]);
			break;
		case F_TS:
		case F_COUNT64:
			put_be(d + f->off, 8, (uint64_t) specials64[rndn(sizeof(specials64) / sizeof(specials64[0]))]);
			break;
		case F_SUM:
			put_i128(d + f->off, sum_special());
			break;
		case F_TIME:
			put_f8(d + f->off, float_special());
			break;
	}
}

/* a small change of a field: often still valid, so the round trips run */
static void
nudge(unsigned char *d, const Field *f)
{
	int64_t		delta = (int64_t) rndn(3) - 1;

	if (delta == 0)
		delta = rndn(2) ? 7 : -365;
	switch (f->kind)
	{
		case F_FORMAT:
		case F_PERIODKIND:
		case F_FLAGS:
			d[f->off] = (unsigned char) (d[f->off] + delta);
			break;
		case F_COUNT:
		case F_PERIOD:
		case F_DATE:
		case F_ORDERS32:
			put_be(d + f->off, 4, (uint64_t) ((int32_t) get_be(d + f->off, 4) + (int32_t) delta));
			break;
		case F_TS:
			{
				int64_t		v = (int64_t) get_be(d + f->off, 8);
				int64_t		steps[] = {1, -1, 1000000, -USECS_PER_DAY, USECS_PER_DAY, 3600000000};

				put_be(d + f->off, 8, (uint64_t) (v + steps[rndn(6)]));
				break;
			}
		case F_COUNT64:
			put_be(d + f->off, 8, (uint64_t) ((int64_t) get_be(d + f->off, 8) + delta));
			break;
		case F_SUM:
			{
				i128		v = get_i128(d + f->off);
				i128		steps[] = {1, -1, 1000000000, -1000000000, 999999999, (i128) 1 << 64};

				put_i128(d + f->off, v + steps[rndn(6)]);
				break;
			}
		case F_TIME:
			{
				double		t = get_f8(d + f->off);

				switch (rndn(4))
				{
					case 0:
						t = nextafter(t, INFINITY);
						break;
					case 1:
						t = nextafter(t, -INFINITY);
						break;
					case 2:
						t = t * 0.5;
						break;
					default:
						t = t + 1;
				}
				put_f8(d + f->off, t);
				break;
			}
	}
}

/* ------------------------------------------------------------------------
 * the connection, the documented SQLSTATEs, the findings
 * ------------------------------------------------------------------------ */
static PGconn *conn;
static const char *conninfo;
static unsigned int type_oid[N_TYPES];
static char allowed[4096];		/* ",CODE,CODE,...," */
static int verbose;
static long findings;

enum MutClass
{
	M_TRUNC, M_APPEND, M_COUNT, M_RANDOM, M_BITFLIP, M_FORMAT, M_FIELD, M_NUDGE, M_ORDER,
	M_SPLICE, M_V1, M_SEED, M_REPLAY, N_CLASSES
};
static const char *class_names[N_CLASSES] = {
	"trunc", "append", "count", "random", "bitflip", "format", "field", "nudge", "order",
	"splice", "v1", "seed", "replay"
};

typedef struct Stats
{
	long		tried;
	long		accepted;
	long		normalized;		/* accepted, but the send form differs from the input */
	long		bad;
	char		codes[256];		/* "22P03:12 22003:4" built at the end */
	long		code_n[16];
	char		code_s[16][6];
	int			ncodes;
} Stats;

static Stats stats[N_TYPES][N_CLASSES];

static void
count_code(Stats *st, const char *code)
{
	for (int i = 0; i < st->ncodes; i++)
		if (strcmp(st->code_s[i], code) == 0)
		{
			st->code_n[i]++;
			return;
		}
	if (st->ncodes < 16)
	{
		snprintf(st->code_s[st->ncodes], 6, "%s", code);
		st->code_n[st->ncodes++] = 1;
	}
}

static void
connect_db(void)
{
	if (conn)
		PQfinish(conn);
	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "binfuzz: cannot connect: %s", PQerrorMessage(conn));
		exit(2);
	}
}

static void
finding(int type, int cls, const unsigned char *d, int len, const char *fmt,...)
{
	va_list		ap;
	char	   *hex = to_hex(d, len);

	findings++;
	stats[type][cls].bad++;
	if (findings <= 50)
	{
		printf("FINDING kam.%s %s: ", type_names[type], class_names[cls]);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n  input (%d bytes): %s\n  replay: binfuzz -d CONNINFO -a CODES -t %s -x %s\n", len, hex,
			   type_names[type], len <= 4096 ? hex : "(input too long to print)");
	}
	else if (findings == 51)
		printf("(further findings are counted, not printed)\n");
	free(hex);
	fflush(stdout);
}

/* whether the connection is gone; reconnects when it is */
static int
lost_connection(void)
{
	if (PQstatus(conn) == CONNECTION_OK)
		return 0;
	connect_db();
	return 1;
}

static const char *forbidden[] = {"XX000", "XX001", "XX002", "P0001", "08P01", "53200", "57014", NULL};

/* checks a rejection; returns the SQLSTATE */
static void
check_error(int type, int cls, const unsigned char *d, int len, PGresult *res, const char *what)
{
	const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char		key[16];

	if (lost_connection() || code == NULL)
	{
		finding(type, cls, d, len, "%s: the connection was lost (a crashed backend?): %s", what,
				PQresultErrorMessage(res));
		return;
	}
	count_code(&stats[type][cls], code);
	for (int i = 0; forbidden[i]; i++)
		if (strcmp(code, forbidden[i]) == 0)
		{
			finding(type, cls, d, len, "%s: forbidden SQLSTATE %s: %s", what, code, msg ? msg : "");
			return;
		}
	snprintf(key, sizeof(key), ",%s,", code);
	if (strstr(allowed, key) == NULL)
	{
		finding(type, cls, d, len, "%s: SQLSTATE %s is not documented (README.md, doc/*.md): %s", what, code,
				msg ? msg : "");
		return;
	}
	if (msg && strstr(msg, "incorrect binary data format in bind parameter"))
		finding(type, cls, d, len, "%s: the receive function left bytes unread (%s)", what, msg);
}

/* SELECT $1, $1::text with the parameter in format fmt; results in binary */
static PGresult *
exec_value(int type, const unsigned char *d, int len, int fmt)
{
	const char *vals[1];
	int			lens[1] = {len};
	int			fmts[1] = {fmt};
	unsigned int oids[1] = {type_oid[type]};
	static char empty[1];
	char	   *text = NULL;
	PGresult   *res;

	if (fmt == 0)
	{
		/* a text parameter is a C string */
		text = malloc((size_t) len + 1);
		memcpy(text, d, len);
		text[len] = '\0';
		vals[0] = text;
	}
	else
		vals[0] = len ? (const char *) d : empty;
	res = PQexecParams(conn, "SELECT $1, $1::text", 1, oids, vals, lens, fmts, 1);
	free(text);
	return res;
}

static int
same(const char *a, int alen, const char *b, int blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * Sends one input; returns 1 when it was accepted (its send form in *sendform
 * when that is not NULL).
 */
static int
try_input(int type, int cls, const unsigned char *d, int len, Buf *sendform)
{
	PGresult   *r1,
			   *r2,
			   *r3;
	int			ok;

	stats[type][cls].tried++;
	r1 = exec_value(type, d, len, 1);
	if (PQresultStatus(r1) != PGRES_TUPLES_OK)
	{
		check_error(type, cls, d, len, r1, "binary input");
		PQclear(r1);
		return 0;
	}
	stats[type][cls].accepted++;
	{
		const char *s1 = PQgetvalue(r1, 0, 0);
		int			s1len = PQgetlength(r1, 0, 0);
		const char *t1 = PQgetvalue(r1, 0, 1);
		int			t1len = PQgetlength(r1, 0, 1);

		if (!same(s1, s1len, (const char *) d, len))
			stats[type][cls].normalized++;
		if (sendform)
			buf_set(sendform, (const unsigned char *) s1, s1len);
		if (verbose)
			printf("accepted kam.%s %s: %.*s\n", type_names[type], class_names[cls], t1len > 300 ? 300 : t1len, t1);

		/* send -> recv -> send */
		r2 = exec_value(type, (const unsigned char *) s1, s1len, 1);
		if (PQresultStatus(r2) != PGRES_TUPLES_OK)
		{
			lost_connection();
			finding(type, cls, d, len, "accepted value whose send form does not read back: %s",
					PQresultErrorMessage(r2));
		}
		else if (!same(s1, s1len, PQgetvalue(r2, 0, 0), PQgetlength(r2, 0, 0)))
		{
			char	   *a = to_hex((const unsigned char *) s1, s1len);
			char	   *b = to_hex((const unsigned char *) PQgetvalue(r2, 0, 0), PQgetlength(r2, 0, 0));

			finding(type, cls, d, len, "send -> recv -> send differs:\n  first  %s\n  second %s", a, b);
			free(a);
			free(b);
		}
		PQclear(r2);

		/* out -> in -> out, and the text read back has the same send form */
		r3 = exec_value(type, (const unsigned char *) t1, t1len, 0);
		if (PQresultStatus(r3) != PGRES_TUPLES_OK)
		{
			const char *code = PQresultErrorField(r3, PG_DIAG_SQLSTATE);

			lost_connection();
			finding(type, cls, d, len, "accepted value whose text form does not read back: %s %s\n  text: %.*s",
					code ? code : "(no SQLSTATE)", PQresultErrorMessage(r3), t1len > 2000 ? 2000 : t1len, t1);
		}
		else
		{
			if (!same(t1, t1len, PQgetvalue(r3, 0, 1), PQgetlength(r3, 0, 1)))
				finding(type, cls, d, len, "out -> in -> out differs:\n  first  %.*s\n  second %.*s",
						t1len > 2000 ? 2000 : t1len, t1,
						PQgetlength(r3, 0, 1) > 2000 ? 2000 : PQgetlength(r3, 0, 1), PQgetvalue(r3, 0, 1));
			if (!same(s1, s1len, PQgetvalue(r3, 0, 0), PQgetlength(r3, 0, 0)))
			{
				char	   *a = to_hex((const unsigned char *) s1, s1len);
				char	   *b = to_hex((const unsigned char *) PQgetvalue(r3, 0, 0), PQgetlength(r3, 0, 0));

				finding(type, cls, d, len, "the text form reads back as a different value:\n  text   %.*s\n"
						"  binary %s\n  text's %s", t1len > 2000 ? 2000 : t1len, t1, a, b);
				free(a);
				free(b);
			}
		}
		PQclear(r3);
	}
	ok = 1;
	PQclear(r1);
	return ok;
}

/* ------------------------------------------------------------------------
 * seeds and mutations
 * ------------------------------------------------------------------------ */
#define MAX_SEEDS 256

typedef struct Seeds
{
	int			n;
	Buf			v[MAX_SEEDS];
} Seeds;

static Seeds seeds[N_TYPES];

static void
load_seeds(int type)
{
	char		q[128];
	PGresult   *res;

	snprintf(q, sizeof(q), "SELECT v FROM fz.seed_%s WHERE v IS NOT NULL ORDER BY id", type_names[type]);
	res = PQexecParams(conn, q, 0, NULL, NULL, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		fprintf(stderr, "binfuzz: %s: %s", q, PQresultErrorMessage(res));
		exit(2);
	}
	for (int i = 0; i < PQntuples(res) && seeds[type].n < MAX_SEEDS; i++)
	{
		Buf		   *b = &seeds[type].v[seeds[type].n++];

		memset(b, 0, sizeof(*b));
		buf_set(b, (const unsigned char *) PQgetvalue(res, i, 0), PQgetlength(res, i, 0));
	}
	PQclear(res);
	if (seeds[type].n == 0)
	{
		fprintf(stderr, "binfuzz: fz.seed_%s has no rows\n", type_names[type]);
		exit(2);
	}
}

static Layout lay,
			lay2;

/* sets the count field to n */
static void
set_count(int type, Buf *b, int32_t n)
{
	if (lay.count_off >= 0 && b->len >= lay.count_off + lay.count_size)
		put_be(b->d + lay.count_off, lay.count_size,
			   lay.count_size == 8 ? (uint64_t) (int64_t) n : (uint64_t) (uint32_t) n);
	(void) type;
}

/* the kam 0.1.0 binary layouts of kam.activity and kam.survival */
static int
to_v1(int type, const Buf *in, Buf *out)
{
	if (type == T_ACT && in->len >= 10)
	{
		unsigned char h[12];

		put_be(h, 4, in->d[1]);
		memcpy(h + 4, in->d + 2, 8);
		buf_set(out, h, 12);
		buf_append(out, in->d + 10, in->len - 10);
		return 1;
	}
	if (type == T_KM && in->len >= 5)
	{
		buf_set(out, in->d + 1, in->len - 1);
		return 1;
	}
	return 0;
}

static void
mutate(int type, int cls, const Buf *seed, const Buf *other, Buf *out)
{
	buf_set(out, seed->d, seed->len);
	if (!layout_of(type, seed->d, seed->len, &lay))
		lay.nfields = 0;
	switch (cls)
	{
		case M_TRUNC:
			out->len = rndn(seed->len);
			break;
		case M_APPEND:
			{
				int			k = 1 + rndn(rndn(4) ? 8 : 64);

				for (int i = 0; i < k; i++)
				{
					unsigned char c = rndn(2) ? 0 : (unsigned char) rnd();

					buf_append(out, &c, 1);
				}
				/* sometimes the count follows the longer value */
				if (rndn(3) == 0 && lay.entry_size > 0)
				{
					while ((out->len - lay.entries_off) % lay.entry_size)
					{
						unsigned char c = 0;

						buf_append(out, &c, 1);
					}
					set_count(type, out, (out->len - lay.entries_off) / lay.entry_size);
				}
				break;
			}
		case M_COUNT:
			{
				int32_t		n = lay.n;
				int32_t		vals[] = {0, -1, 1, n + 1, n - 1, INT32_MAX, INT32_MIN, 1 << 24, 44739243,
				(int32_t) (0x7fffffff / 24) + 1, 2 * n, (int32_t) rnd()};

				set_count(type, out, vals[rndn(sizeof(vals) / sizeof(vals[0]))]);
				if (rndn(4) == 0)
					out->len = lay.entries_off + rndn(out->len - lay.entries_off + 1);
				break;
			}
		case M_RANDOM:
			{
				int			keep = rndn(2) ? (lay.count_off >= 0 ? lay.count_off + lay.count_size : 1) : 0;
				int			k = rndn(rndn(4) ? 64 : 512);

				out->len = keep < out->len ? keep : out->len;
				for (int i = 0; i < k; i++)
				{
					unsigned char c = (unsigned char) rnd();

					buf_append(out, &c, 1);
				}
				break;
			}
		case M_BITFLIP:
			{
				int			k = 1 + rndn(4);

				for (int i = 0; i < k && out->len > 0; i++)
				{
					int			pos = rndn(out->len);

					/* the header more often than its share */
					if (rndn(3) == 0)
						pos = rndn(lay.entries_off > 0 && lay.entries_off < out->len ? lay.entries_off : out->len);
					out->d[pos] ^= (unsigned char) (1 << rndn(8));
				}
				break;
			}
		case M_FORMAT:
			for (int i = 0; i < lay.nfields; i++)
				if ((lay.f[i].kind == F_FORMAT || lay.f[i].kind == F_PERIODKIND || lay.f[i].kind == F_FLAGS)
					&& (rndn(2) || i == 0))
					set_special(out->d, &lay.f[i]);
			break;
		case M_FIELD:
		case M_NUDGE:
			{
				int			k = 1 + (rndn(4) == 0 ? rndn(3) : 0);

				for (int i = 0; i < k && lay.nfields > 0; i++)
				{
					const Field *f = &lay.f[rndn(lay.nfields)];

					/* leave the framing alone: the values are what this class tests */
					if (f->kind == F_FORMAT || f->kind == F_COUNT)
						f = &lay.f[lay.nfields - 1];
					if (cls == M_FIELD)
						set_special(out->d, f);
					else
						nudge(out->d, f);
				}
				break;
			}
		case M_ORDER:
			if (lay.n >= 1 && lay.entry_size > 0)
			{
				int			es = lay.entry_size;
				int			a = rndn(lay.n),
							b = rndn(lay.n);
				unsigned char tmp[64];

				switch (rndn(3))
				{
					case 0:		/* swap two entries */
						if (a == b)
							b = (a + 1) % lay.n;
						memcpy(tmp, out->d + lay.entries_off + a * es, es);
						memcpy(out->d + lay.entries_off + a * es, out->d + lay.entries_off + b * es, es);
						memcpy(out->d + lay.entries_off + b * es, tmp, es);
						break;
					case 1:		/* duplicate an entry */
						buf_append(out, out->d + lay.entries_off + a * es, es);
						memmove(out->d + lay.entries_off + (a + 1) * es, out->d + lay.entries_off + a * es,
								(size_t) (lay.n - a) * es);
						set_count(type, out, lay.n + 1);
						break;
					default:	/* reverse */
						for (int i = 0; i < lay.n / 2; i++)
						{
							int			j = lay.n - 1 - i;

							memcpy(tmp, out->d + lay.entries_off + i * es, es);
							memcpy(out->d + lay.entries_off + i * es, out->d + lay.entries_off + j * es, es);
							memcpy(out->d + lay.entries_off + j * es, tmp, es);
						}
				}
			}
			break;
		case M_SPLICE:
			if (lay.entry_size > 0)
			{
				int			es = lay.entry_size;

				if (rndn(2) && lay.n > 0)
				{
					/* drop entries [a, b) */
					int			a = rndn(lay.n);
					int			b = a + 1 + rndn(lay.n - a);

					memmove(out->d + lay.entries_off + a * es, out->d + lay.entries_off + b * es,
							(size_t) (lay.n - b) * es);
					out->len -= (b - a) * es;
					set_count(type, out, lay.n - (b - a));
				}
				else if (layout_of(type, other->d, other->len, &lay2) && lay2.entry_size == es && lay2.n > 0)
				{
					/* entries of another seed after this one's */
					int			a = rndn(lay2.n);
					int			k = 1 + rndn(lay2.n - a);

					buf_append(out, other->d + lay2.entries_off + a * es, k * es);
					set_count(type, out, lay.n + k);
				}
			}
			break;
		case M_V1:
			{
				Buf			tmp = {0};

				if (to_v1(type, seed, &tmp))
				{
					buf_set(out, tmp.d, tmp.len);
					/* and some damage, half of the time */
					if (rndn(2) && out->len > 0)
					{
						switch (rndn(3))
						{
							case 0:
								out->len = rndn(out->len);
								break;
							case 1:
								out->d[rndn(out->len)] ^= (unsigned char) (1 << rndn(8));
								break;
							default:
								put_be(out->d + (type == T_ACT ? 8 : 0), 4, (uint64_t) specials32[rndn(6)]);
						}
					}
				}
				free(tmp.d);
				break;
			}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: binfuzz -d CONNINFO -a CODE,CODE,... [-s SEED] [-n MUTATIONS_PER_TYPE] "
			"[-t rfm_state|activity|survival|concentration_state|fit_state] [-x HEX] [-v]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	uint64_t	seed = 20251231;
	long		iters = 20000;
	int			only = -1;
	const char *replay = NULL;
	const char *codes = NULL;
	Buf			out = {0},
				sendform = {0};

	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-v") == 0)
		{
			verbose = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "-d") == 0)
			conninfo = v;
		else if (strcmp(a, "-a") == 0)
			codes = v;
		else if (strcmp(a, "-s") == 0)
			seed = strtoull(v, NULL, 10);
		else if (strcmp(a, "-n") == 0)
			iters = strtol(v, NULL, 10);
		else if (strcmp(a, "-x") == 0)
			replay = v;
		else if (strcmp(a, "-t") == 0)
		{
			for (int t = 0; t < N_TYPES; t++)
				if (strcmp(v, type_names[t]) == 0 || (strncmp(v, "kam.", 4) == 0 && strcmp(v + 4, type_names[t]) == 0))
					only = t;
			if (only < 0)
				usage();
		}
		else
			usage();
	}
	if (!conninfo || !codes)
		usage();
	snprintf(allowed, sizeof(allowed), ",%s,", codes);
	rng_state = seed;
	connect_db();
	{
		PGresult   *res = PQexec(conn, "SELECT 'kam.rfm_state'::regtype::oid, 'kam.activity'::regtype::oid, "
								 "'kam.survival'::regtype::oid, 'kam.concentration_state'::regtype::oid, "
								 "'kam.fit_state'::regtype::oid, current_user, "
								 "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)");

		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			fprintf(stderr, "binfuzz: %s", PQresultErrorMessage(res));
			return 2;
		}
		for (int t = 0; t < N_TYPES; t++)
			type_oid[t] = (unsigned int) strtoul(PQgetvalue(res, 0, t), NULL, 10);
		printf("binfuzz: as role %s (superuser: %s), seed %llu, %ld mutations per type\n",
			   PQgetvalue(res, 0, N_TYPES), PQgetvalue(res, 0, N_TYPES + 1), (unsigned long long) seed, iters);
		PQclear(res);
	}

	if (replay)
	{
		Buf			in = {0};

		if (only < 0 || !from_hex(replay, &in))
			usage();
		if (try_input(only, M_REPLAY, in.d, in.len, &sendform))
		{
			char	   *h = to_hex(sendform.d, sendform.len);

			printf("accepted; send form %s\n", h);
			free(h);
		}
		else
			printf("rejected: %s\n", stats[only][M_REPLAY].ncodes ? stats[only][M_REPLAY].code_s[0] : "?");
		printf(findings ? "binfuzz: %ld findings\n" : "binfuzz: no findings\n", findings);
		return findings ? 1 : 0;
	}

	for (int t = 0; t < N_TYPES; t++)
	{
		Seeds	   *s;

		if (only >= 0 && t != only)
			continue;
		load_seeds(t);
		s = &seeds[t];
		/* the seeds themselves, and every truncation of the small ones */
		for (int i = 0; i < s->n; i++)
		{
			/* a value kam made must read back */
			if (!try_input(t, M_SEED, s->v[i].d, s->v[i].len, NULL))
				finding(t, M_SEED, s->v[i].d, s->v[i].len, "a value kam made (fz.seed_%s, row %d) is rejected",
						type_names[t], i + 1);
			if (s->v[i].len <= 400 || i == 0)
				for (int k = 0; k < s->v[i].len; k++)
					try_input(t, M_TRUNC, s->v[i].d, k, NULL);
		}
		/* the empty input, every single byte */
		for (int b = 0; b < 256; b++)
		{
			unsigned char c = (unsigned char) b;

			try_input(t, M_RANDOM, &c, 1, NULL);
		}
		for (long it = 0; it < iters; it++)
		{
			int			cls;
			const Buf  *seedv = &s->v[rndn(s->n)];
			const Buf  *other = &s->v[rndn(s->n)];

			do
				cls = rndn(M_V1 + 1);
			while (cls == M_V1 && t == T_RFM);
			mutate(t, cls, seedv, other, &out);
			/* an accepted mutant sometimes becomes a seed of further mutations */
			if (try_input(t, cls, out.d, out.len, &sendform) && s->n < MAX_SEEDS && rndn(8) == 0 &&
				layout_of(t, sendform.d, sendform.len, &lay2))
			{
				memset(&s->v[s->n], 0, sizeof(Buf));
				buf_set(&s->v[s->n++], sendform.d, sendform.len);
			}
		}
	}

	printf("%-19s %-8s %8s %8s %8s %5s  %s\n", "type", "class", "inputs", "accepted", "normal.", "bad",
		   "SQLSTATEs of the rejections");
	for (int t = 0; t < N_TYPES; t++)
	{
		long		tot = 0,
					acc = 0;

		for (int c = 0; c < N_CLASSES; c++)
		{
			Stats	   *st = &stats[t][c];
			char		line[512] = "";

			if (st->tried == 0)
				continue;
			tot += st->tried;
			acc += st->accepted;
			for (int i = 0; i < st->ncodes; i++)
			{
				char		one[32];

				snprintf(one, sizeof(one), "%s%s:%ld", i ? " " : "", st->code_s[i], st->code_n[i]);
				strncat(line, one, sizeof(line) - strlen(line) - 1);
			}
			printf("%-19s %-8s %8ld %8ld %8ld %5ld  %s\n", type_names[t], class_names[c], st->tried, st->accepted,
				   st->normalized, st->bad, line);
		}
		if (tot)
			printf("%-19s %-8s %8ld %8ld\n", type_names[t], "total", tot, acc);
	}
	if (findings)
		printf("binfuzz: %ld findings (seed %llu)\n", findings, (unsigned long long) seed);
	else
		printf("binfuzz: no findings (seed %llu)\n", (unsigned long long) seed);
	PQfinish(conn);
	return findings ? 1 : 0;
}
