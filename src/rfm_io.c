/*
 * rfm_io.c -- text and binary input/output of kam.rfm_state
 *
 * A sharded engine ships partial states between nodes as text, so the text
 * form is exact and independent of the session: timestamps are written as
 * microseconds since 2000-01-01 and amounts as exact decimal sums.
 *
 *   <period> <tz|local> <as_of>/<as_of period>|- <first ts> [<period>:<orders>:<last ts>:<amount> ...]
 *
 * e.g.  day local - 789000000000 9131:2:789005000000:150.500000000
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

RfmState *
rfm_alloc(int32 cap, KamPeriod period, uint8 flags)
{
	RfmState   *s;

	if (cap < 0 || cap > RFM_MAX_ENTRIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a kam.rfm_state can hold at most %d purchase periods", RFM_MAX_ENTRIES)));
	s = palloc0(RFM_SIZE(cap));
	SET_VARSIZE(s, RFM_SIZE(cap));
	s->version = RFM_VERSION;
	s->period = (uint8) period;
	s->flags = flags;
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
validate(RfmState *s, const char *str)
{
	for (int32 i = 0; i < s->n; i++)
	{
		if (s->entries[i].orders <= 0)
			bad_state(str, "Every period must hold at least one order.");
		if (i > 0 && s->entries[i].period <= s->entries[i - 1].period)
			bad_state(str, "Periods must be strictly increasing.");
		if (s->entries[i].last_ts < s->first_ts)
			bad_state(str, "A period's last timestamp is before the first timestamp.");
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
expect(char **p, char c, const char *str)
{
	if (**p != c)
		bad_state(str, "Unexpected character.");
	(*p)++;
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
	RfmState   *s;
	int32		cap = 0;

	/* period name */
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

	/* count entries to size the state */
	for (char *q = p; *q; q++)
		cap += (*q == ':');
	cap /= 3;
	s = rfm_alloc(cap, period, flags);

	if (*p == '-')
		p++;
	else
	{
		s->flags |= RFM_HAS_AS_OF;
		s->as_of = parse_int64(&p, str, LLONG_MIN, LLONG_MAX);
		expect(&p, '/', str);
		s->as_of_period = (int32) parse_int64(&p, str, INT_MIN, INT_MAX);
	}
	expect(&p, ' ', str);
	s->first_ts = parse_int64(&p, str, LLONG_MIN, LLONG_MAX);
	while (*p == ' ')
	{
		RfmEntry   *e;
		char	   *end;

		p++;
		if (s->n >= cap)
			bad_state(str, "Malformed period entry.");
		e = &s->entries[s->n++];
		e->period = (int32) parse_int64(&p, str, INT_MIN, INT_MAX);
		expect(&p, ':', str);
		e->orders = (int32) parse_int64(&p, str, 1, INT_MAX);
		expect(&p, ':', str);
		e->last_ts = parse_int64(&p, str, LLONG_MIN, LLONG_MAX);
		expect(&p, ':', str);
		if (!kam_sum_from_cstring(p, &e->amount, &end))
			bad_state(str, "Malformed amount.");
		p = end;
	}
	if (*p != '\0' || s->n != cap)
		bad_state(str, "Trailing characters.");
	validate(s, str);
	PG_RETURN_POINTER(s);
}

Datum
kam_rfm_state_out(PG_FUNCTION_ARGS)
{
	RfmState   *s = PG_GETARG_RFM(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s ", kam_period_name((KamPeriod) s->period),
					 (s->flags & RFM_LOCAL) ? "local" : "tz");
	if (s->flags & RFM_HAS_AS_OF)
		appendStringInfo(&buf, INT64_FORMAT "/%d", s->as_of, s->as_of_period);
	else
		appendStringInfoChar(&buf, '-');
	appendStringInfo(&buf, " " INT64_FORMAT, s->first_ts);
	for (int32 i = 0; i < s->n; i++)
	{
		RfmEntry   *e = &s->entries[i];
		char	   *amount = kam_sum_to_cstring(&e->amount);

		appendStringInfo(&buf, " %d:%d:" INT64_FORMAT ":%s", e->period, e->orders, e->last_ts, amount);
		pfree(amount);
	}
	PG_RETURN_CSTRING(buf.data);
}

Datum
kam_rfm_state_send(PG_FUNCTION_ARGS)
{
	RfmState   *s = PG_GETARG_RFM(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, s->version);
	pq_sendbyte(&buf, s->period);
	pq_sendbyte(&buf, s->flags);
	pq_sendint32(&buf, s->n);
	pq_sendint32(&buf, s->as_of_period);
	pq_sendint64(&buf, s->as_of);
	pq_sendint64(&buf, s->first_ts);
	for (int32 i = 0; i < s->n; i++)
	{
		pq_sendint32(&buf, s->entries[i].period);
		pq_sendint32(&buf, s->entries[i].orders);
		pq_sendint64(&buf, s->entries[i].last_ts);
		pq_sendint64(&buf, s->entries[i].amount.hi);
		pq_sendint64(&buf, (int64) s->entries[i].amount.lo);
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
	RfmState   *s;

	if (version != RFM_VERSION || period < 0 || period >= KAM_N_PERIODS ||
		(flags & ~(RFM_HAS_AS_OF | RFM_LOCAL)) != 0 || n < 0 ||
		(Size) n > (Size) (buf->len - buf->cursor) / 32)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary kam.rfm_state")));
	s = rfm_alloc(n, (KamPeriod) period, (uint8) flags);
	s->n = n;
	s->as_of_period = pq_getmsgint(buf, 4);
	s->as_of = pq_getmsgint64(buf);
	s->first_ts = pq_getmsgint64(buf);
	for (int32 i = 0; i < n; i++)
	{
		s->entries[i].period = pq_getmsgint(buf, 4);
		s->entries[i].orders = pq_getmsgint(buf, 4);
		s->entries[i].last_ts = pq_getmsgint64(buf);
		s->entries[i].amount.hi = pq_getmsgint64(buf);
		s->entries[i].amount.lo = (uint64) pq_getmsgint64(buf);
	}
	validate(s, "(binary)");
	PG_RETURN_POINTER(s);
}
