/*
 * rfm_io.c -- allocation, text and binary input/output of kam.rfm_state
 *
 * A sharded engine ships partial states between nodes as text, so the text
 * form is exact and independent of the session: timestamps are written as
 * microseconds since 2000-01-01 and amounts as exact decimal sums.
 *
 *   roll-up: <period> <tz|local> - <first ts> [<period>:<orders>:<last ts>:<amount> ...]
 *   as-of:   <period> <tz|local> <as_of>/<as_of period> <first ts> <last ts> <orders>
 *            <total> <first period's total> [<period> ...]
 *
 * e.g.  day local - 789000000000 9131:2:789005000000:150.500000000
 *       day tz 789782400000000/9141 789000000000 789005000000 2 150.500000000 150.500000000 9131
 */
#include "rfm.h"

#include <limits.h>
#include <stdlib.h>

#include "lib/stringinfo.h"
#include "libpq/pqformat.h"

PG_FUNCTION_INFO_V1(kam_rfm_state_in);
PG_FUNCTION_INFO_V1(kam_rfm_state_out);
PG_FUNCTION_INFO_V1(kam_rfm_state_recv);
PG_FUNCTION_INFO_V1(kam_rfm_state_send);

pg_noinline void
rfm_too_many_periods(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("a kam.rfm_state can hold at most %d purchase periods", RFM_MAX_ENTRIES),
			 errhint("Use a longer period.")));
}

static void
init_common(RfmCommon *c, Size size, KamPeriod period, uint8 flags)
{
	SET_VARSIZE(c, size);
	c->version = RFM_VERSION;
	c->period = (uint8) period;
	c->flags = flags;
}

RfmState *
rfm_alloc(int32 cap, KamPeriod period, uint8 flags)
{
	RfmState   *s;

	if (cap < 0 || cap > RFM_MAX_ENTRIES)
		rfm_too_many_periods();
	s = palloc0(RFM_SIZE(cap));
	init_common(&s->c, RFM_SIZE(cap), period, flags & ~RFM_HAS_AS_OF);
	return s;
}

RfmAsOfState *
rfma_alloc(int32 cap, KamPeriod period, uint8 flags)
{
	RfmAsOfState *s;

	if (cap < 0 || cap > RFMA_MAX_PERIODS)
		rfm_too_many_periods();
	s = palloc0(RFMA_SIZE(cap));
	init_common(&s->c, RFMA_SIZE(cap), period, flags | RFM_HAS_AS_OF);
	return s;
}

static pg_noinline void
bad_state(const char *str, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type kam.rfm_state: \"%s\"", str),
			 errdetail("%s", why),
			 errhint("Use the text that kam.rfm_state's output gives.")));
}

/* Checks what every state must satisfy, whatever its source. */
static void
validate(RfmCommon *c, const char *str)
{
	if (RFM_IS_AS_OF(c))
	{
		RfmAsOfState *s = (RfmAsOfState *) c;

		for (int32 i = 1; i < s->c.n; i++)
			if (s->periods[i] <= s->periods[i - 1])
				bad_state(str, "Periods must be strictly increasing.");
		if (s->c.n > 0 && (s->periods[s->c.n - 1] > s->as_of_period || s->orders < s->c.n ||
						   s->last_ts < s->first_ts))
			bad_state(str, "The totals do not fit the periods.");
	}
	else
	{
		RfmState   *s = (RfmState *) c;

		for (int32 i = 0; i < s->c.n; i++)
		{
			if (s->entries[i].orders <= 0)
				bad_state(str, "Every period must hold at least one order.");
			if (i > 0 && s->entries[i].period <= s->entries[i - 1].period)
				bad_state(str, "Periods must be strictly increasing.");
			if (s->entries[i].last_ts < s->first_ts)
				bad_state(str, "A period's last timestamp is before the first timestamp.");
		}
	}
}

static int64
parse_int64(char **p, const char *str, long long lo, long long hi)
{
	char	   *end;
	long long	v;

	errno = 0;
	v = strtoll(*p, &end, 10);
	if (end == *p || errno != 0 || v < lo || v > hi)
		bad_state(str, "A number is missing or out of range.");
	*p = end;
	return (int64) v;
}

static void
parse_sum(char **p, const char *str, KamSum *out)
{
	if (!kam_sum_from_cstring(*p, out, p))
		bad_state(str, "Malformed amount.");
}

static void
expect(char **p, char c, const char *str)
{
	if (**p != c)
		bad_state(str, "Unexpected character.");
	(*p)++;
}

static int32
count_char(const char *p, char c)
{
	int32		n = 0;

	for (; *p; p++)
		n += (*p == c);
	return n;
}

Datum
kam_rfm_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	char	   *p = str;
	char		word[16];
	int			len;
	KamPeriod	period;
	uint8		flags = 0;
	RfmCommon  *c;

	for (len = 0; p[len] && p[len] != ' ' && len < (int) sizeof(word) - 1; len++)
		word[len] = p[len];
	word[len] = '\0';
	p += len;
	period = kam_period_parse(word, "kam.rfm_state period");
	expect(&p, ' ', str);
	if (strncmp(p, "local ", 6) == 0)
	{
		flags |= RFM_LOCAL;
		p += 6;
	}
	else if (strncmp(p, "tz ", 3) == 0)
		p += 3;
	else
		bad_state(str, "The second field must be tz or local.");

	if (*p == '-')
	{
		/* roll-up: entries are the fields with ':' (three each) */
		RfmState   *s = rfm_alloc(count_char(p, ':') / 3, period, flags);
		int32		cap = RFM_CAP(s);

		p++;
		expect(&p, ' ', str);
		s->first_ts = parse_int64(&p, str, LLONG_MIN, LLONG_MAX);
		while (*p == ' ')
		{
			RfmEntry   *e;

			p++;
			if (s->c.n >= cap)
				bad_state(str, "Malformed period entry.");
			e = &s->entries[s->c.n++];
			e->period = (int32) parse_int64(&p, str, INT_MIN, INT_MAX);
			expect(&p, ':', str);
			e->orders = (int32) parse_int64(&p, str, 1, INT_MAX);
			expect(&p, ':', str);
			e->last_ts = parse_int64(&p, str, LLONG_MIN, LLONG_MAX);
			expect(&p, ':', str);
			parse_sum(&p, str, &e->amount);
		}
		if (s->c.n != cap)
			bad_state(str, "Malformed period entry.");
		c = &s->c;
	}
	else
	{
		/* as-of: seven header fields, then the periods */
		RfmAsOfState *s = rfma_alloc(Max(count_char(p, ' ') - 5, 0), period, flags);
		int32		cap = RFMA_CAP(s);

		s->as_of = parse_int64(&p, str, LLONG_MIN, LLONG_MAX);
		expect(&p, '/', str);
		s->as_of_period = (int32) parse_int64(&p, str, INT_MIN, INT_MAX);
		expect(&p, ' ', str);
		s->first_ts = parse_int64(&p, str, LLONG_MIN, LLONG_MAX);
		expect(&p, ' ', str);
		s->last_ts = parse_int64(&p, str, LLONG_MIN, LLONG_MAX);
		expect(&p, ' ', str);
		s->orders = parse_int64(&p, str, 0, LLONG_MAX);
		expect(&p, ' ', str);
		parse_sum(&p, str, &s->total);
		expect(&p, ' ', str);
		parse_sum(&p, str, &s->first_sum);
		while (*p == ' ')
		{
			p++;
			if (s->c.n >= cap)
				bad_state(str, "Malformed period list.");
			s->periods[s->c.n++] = (int32) parse_int64(&p, str, INT_MIN, INT_MAX);
		}
		if (s->c.n != cap)
			bad_state(str, "Malformed period list.");
		c = &s->c;
	}
	if (*p != '\0')
		bad_state(str, "Trailing characters.");
	validate(c, str);
	PG_RETURN_POINTER(c);
}

static void
append_sum(StringInfo buf, const KamSum *sum)
{
	char	   *s = kam_sum_to_cstring(sum);

	appendStringInfoString(buf, s);
	pfree(s);
}

Datum
kam_rfm_state_out(PG_FUNCTION_ARGS)
{
	RfmCommon  *c = PG_GETARG_RFM(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s ", kam_period_name((KamPeriod) c->period),
					 (c->flags & RFM_LOCAL) ? "local" : "tz");
	if (RFM_IS_AS_OF(c))
	{
		RfmAsOfState *s = (RfmAsOfState *) c;

		appendStringInfo(&buf, INT64_FORMAT "/%d " INT64_FORMAT " " INT64_FORMAT " " INT64_FORMAT " ",
						 s->as_of, s->as_of_period, s->first_ts, s->last_ts, s->orders);
		append_sum(&buf, &s->total);
		appendStringInfoChar(&buf, ' ');
		append_sum(&buf, &s->first_sum);
		for (int32 i = 0; i < s->c.n; i++)
			appendStringInfo(&buf, " %d", s->periods[i]);
	}
	else
	{
		RfmState   *s = (RfmState *) c;

		appendStringInfo(&buf, "- " INT64_FORMAT, s->first_ts);
		for (int32 i = 0; i < s->c.n; i++)
		{
			RfmEntry   *e = &s->entries[i];

			appendStringInfo(&buf, " %d:%d:" INT64_FORMAT ":", e->period, e->orders, e->last_ts);
			append_sum(&buf, &e->amount);
		}
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
send_sum(StringInfo buf, const KamSum *sum)
{
	pq_sendint64(buf, sum->hi);
	pq_sendint64(buf, (int64) sum->lo);
}

static void
recv_sum(StringInfo buf, KamSum *sum)
{
	sum->hi = pq_getmsgint64(buf);
	sum->lo = (uint64) pq_getmsgint64(buf);
}

Datum
kam_rfm_state_send(PG_FUNCTION_ARGS)
{
	RfmCommon  *c = PG_GETARG_RFM(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, c->version);
	pq_sendbyte(&buf, c->period);
	pq_sendbyte(&buf, c->flags);
	pq_sendint32(&buf, c->n);
	if (RFM_IS_AS_OF(c))
	{
		RfmAsOfState *s = (RfmAsOfState *) c;

		pq_sendint32(&buf, s->as_of_period);
		pq_sendint64(&buf, s->as_of);
		pq_sendint64(&buf, s->first_ts);
		pq_sendint64(&buf, s->last_ts);
		pq_sendint64(&buf, s->orders);
		send_sum(&buf, &s->total);
		send_sum(&buf, &s->first_sum);
		for (int32 i = 0; i < s->c.n; i++)
			pq_sendint32(&buf, s->periods[i]);
	}
	else
	{
		RfmState   *s = (RfmState *) c;

		pq_sendint64(&buf, s->first_ts);
		for (int32 i = 0; i < s->c.n; i++)
		{
			pq_sendint32(&buf, s->entries[i].period);
			pq_sendint32(&buf, s->entries[i].orders);
			pq_sendint64(&buf, s->entries[i].last_ts);
			send_sum(&buf, &s->entries[i].amount);
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
kam_rfm_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	int			period = pq_getmsgbyte(buf);
	int			flags = pq_getmsgbyte(buf);
	int32		n = pq_getmsgint(buf, 4);
	Size		left = (Size) (buf->len - buf->cursor);
	RfmCommon  *c;

	if (version != RFM_VERSION || period < 0 || period >= KAM_N_PERIODS ||
		(flags & ~(RFM_HAS_AS_OF | RFM_LOCAL)) != 0 || n < 0 ||
		(Size) n > left / ((flags & RFM_HAS_AS_OF) ? sizeof(int32) : sizeof(RfmEntry)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary kam.rfm_state")));
	if (flags & RFM_HAS_AS_OF)
	{
		RfmAsOfState *s = rfma_alloc(n, (KamPeriod) period, (uint8) flags);

		s->c.n = n;
		s->as_of_period = pq_getmsgint(buf, 4);
		s->as_of = pq_getmsgint64(buf);
		s->first_ts = pq_getmsgint64(buf);
		s->last_ts = pq_getmsgint64(buf);
		s->orders = pq_getmsgint64(buf);
		recv_sum(buf, &s->total);
		recv_sum(buf, &s->first_sum);
		for (int32 i = 0; i < n; i++)
			s->periods[i] = pq_getmsgint(buf, 4);
		c = &s->c;
	}
	else
	{
		RfmState   *s = rfm_alloc(n, (KamPeriod) period, (uint8) flags);

		s->c.n = n;
		s->first_ts = pq_getmsgint64(buf);
		for (int32 i = 0; i < n; i++)
		{
			s->entries[i].period = pq_getmsgint(buf, 4);
			s->entries[i].orders = pq_getmsgint(buf, 4);
			s->entries[i].last_ts = pq_getmsgint64(buf);
			recv_sum(buf, &s->entries[i].amount);
		}
		c = &s->c;
	}
	validate(c, "(binary)");
	PG_RETURN_POINTER(c);
}
