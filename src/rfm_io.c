/*
 * rfm_io.c -- allocation, text and binary input/output of kam.rfm_state
 *
 * A sharded engine ships partial states between nodes as text, so the text
 * form is exact and independent of the session: timestamps are written as
 * microseconds since 2000-01-01 and amounts as exact decimal sums.
 *
 *   roll-up: v2 <period> <tz|local> - <first ts> [<period>:<orders>:<last ts>:<amount> ...]
 *   as-of:   v2 <period> <tz|local> <as_of>/<as_of period> <first ts> <last ts> <orders>
 *            <total> <first period's total> [<period> ...]
 *
 * e.g.  v2 day local - 789000000000 9131:2:789005000000:150.500000000
 *       v2 day tz 789782400000000/9141 789000000000 789005000000 2 150.500000000 150.500000000 9131
 *
 * "v2" is the format (RFM_VERSION, also the first byte of the binary form and
 * of the stored value); kam 0.1.0 wrote the same text without it, which
 * still reads.  The binary form is the version, period and flags bytes,
 * int32 n, then the fields and entries of the layout, its length checked
 * against n before anything is allocated.  Text and binary input go through
 * one validator that accepts what kam.rfm_state, kam.rfm_merge and kam.rfm's
 * transition can make.
 */
#include "rfm.h"
#include "typefmt.h"

#include <limits.h>
#include <stdlib.h>

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
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
	bool		binary = (str == NULL);

	ereport(ERROR,
			(errcode(binary ? ERRCODE_INVALID_BINARY_REPRESENTATION : ERRCODE_INVALID_TEXT_REPRESENTATION),
			 binary ? errmsg("invalid binary kam.rfm_state value") :
			 errmsg("invalid input syntax for type kam.rfm_state: \"%s\"", str),
			 errdetail("%s", why),
			 errhint("Use a value that kam.rfm_state(...) or kam.rfm_merge(...) made.")));
}

/* timestamps a state holds: finite and within PostgreSQL's range */
static void
check_ts(int64 ts, const char *str)
{
	if (!IS_VALID_TIMESTAMP(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a timestamp in a kam.rfm_state value is out of range"),
				 errdetail("Timestamps are microseconds since 2000-01-01, within 4713 BC and 294276 AD."),
				 errhint("Use a value that kam.rfm_state(...) or kam.rfm_merge(...) made.")));
}

/*
 * Period indexes a state holds: those of valid timestamps, widened by a day
 * on each side for the session time zone that floored a timestamptz.
 */
static void
check_period(int32 period, KamPeriod kind, const char *str)
{
	int32		lo = kam_period_of_day((int32) (MIN_TIMESTAMP / USECS_PER_DAY) - 1, kind);
	int32		hi = kam_period_of_day((int32) (END_TIMESTAMP / USECS_PER_DAY) + 1, kind);

	if (period < lo || period > hi)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a period in a kam.rfm_state value is out of range"),
				 errhint("Use a value that kam.rfm_state(...) or kam.rfm_merge(...) made.")));
}

/* the period of a local (date or timestamp) state's timestamp */
static int32
local_period(int64 ts, KamPeriod kind)
{
	return kam_period_of_day((int32) kam_floor_div64(ts, USECS_PER_DAY), kind);
}

/*
 * Checks what every state must satisfy, whatever its source (str is the text
 * input, NULL for binary): what kam's aggregates can make.
 */
static void
validate(RfmCommon *c, const char *str)
{
	KamPeriod	kind = (KamPeriod) c->period;
	bool		local = (c->flags & RFM_LOCAL) != 0;

	if (c->version != RFM_VERSION || c->period >= KAM_N_PERIODS ||
		(c->flags & ~(RFM_HAS_AS_OF | RFM_LOCAL)) != 0 || c->unused != 0 || c->n < 0)
		bad_state(str, "Unknown version, period or flags.");
	if (RFM_IS_AS_OF(c))
	{
		RfmAsOfState *s = (RfmAsOfState *) c;

		if (RFMA_CAP(s) < s->c.n)
			bad_state(str, "The value is shorter than its periods.");
		check_ts(s->as_of, str);
		check_period(s->as_of_period, kind, str);
		if (local && s->as_of_period != local_period(s->as_of, kind))
			bad_state(str, "The as-of period is not the period of the as-of time.");
		for (int32 i = 0; i < s->c.n; i++)
		{
			if ((i & 0xffff) == 0)
				CHECK_FOR_INTERRUPTS();
			if (i > 0 && s->periods[i] <= s->periods[i - 1])
				bad_state(str, "Periods must be strictly increasing.");
			check_period(s->periods[i], kind, str);
		}
		kam_sum_check_input(&s->total, "kam.rfm_state");
		kam_sum_check_input(&s->first_sum, "kam.rfm_state");
		if (s->c.n == 0)
		{
			if (s->orders != 0 || s->first_ts != 0 || s->last_ts != 0 ||
				kam_sum_get(&s->total) != 0 || kam_sum_get(&s->first_sum) != 0)
				bad_state(str, "A state without periods has no orders and no totals.");
		}
		else
		{
			check_ts(s->first_ts, str);
			check_ts(s->last_ts, str);
			if (s->periods[s->c.n - 1] > s->as_of_period || s->orders < s->c.n ||
				s->last_ts < s->first_ts)
				bad_state(str, "The totals do not fit the periods.");
			if (local && (local_period(s->first_ts, kind) != s->periods[0] ||
						  local_period(s->last_ts, kind) != s->periods[s->c.n - 1]))
				bad_state(str, "The first or last timestamp is not in the first or last period.");
		}
	}
	else
	{
		RfmState   *s = (RfmState *) c;

		if (RFM_CAP(s) < s->c.n)
			bad_state(str, "The value is shorter than its periods.");
		check_ts(s->first_ts, str);
		for (int32 i = 0; i < s->c.n; i++)
		{
			const RfmEntry *e = &s->entries[i];

			if ((i & 0xffff) == 0)
				CHECK_FOR_INTERRUPTS();
			if (e->orders <= 0)
				bad_state(str, "Every period must hold at least one order.");
			if (i > 0 && e->period <= s->entries[i - 1].period)
				bad_state(str, "Periods must be strictly increasing.");
			check_period(e->period, kind, str);
			check_ts(e->last_ts, str);
			if (e->last_ts < s->first_ts)
				bad_state(str, "A period's last timestamp is before the first timestamp.");
			if (local && local_period(e->last_ts, kind) != e->period)
				bad_state(str, "A period's last timestamp is not in the period.");
			kam_sum_check_input(&e->amount, "kam.rfm_state");
		}
		if (s->c.n > 0 && local && local_period(s->first_ts, kind) != s->entries[0].period)
			bad_state(str, "The first timestamp is not in the first period.");
		if (s->c.n == 0 && s->first_ts != 0)
			bad_state(str, "A state without periods has no first timestamp.");
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
	int			format = kam_text_format((const char **) &p, str, "kam.rfm_state");

	if (format != 0 && format != RFM_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("kam.rfm_state text format v%d is not supported", format),
				 errdetail("This kam reads format v2 and the unmarked format of kam 0.1.0."),
				 errhint("Recompute the value with kam.rfm_state(ordered_at, amount).")));
	for (len = 0; p[len] && p[len] != ' ' && len < (int) sizeof(word) - 1; len++)
		word[len] = p[len];
	word[len] = '\0';
	p += len;
	period = KAM_N_PERIODS;
	for (int i = 0; i < KAM_N_PERIODS; i++)
		if (pg_strcasecmp(word, kam_period_name((KamPeriod) i)) == 0)
			period = (KamPeriod) i;
	if (period == KAM_N_PERIODS)
		bad_state(str, "The value starts with the period: day, week, month, quarter or year.");
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

	if (p[0] == '-' && p[1] == ' ')
	{
		/* roll-up ("- first_ts ..."; an as-of state may start with a negative as_of) */
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
	appendStringInfo(&buf, "v%d %s %s ", RFM_VERSION, kam_period_name((KamPeriod) c->period),
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
	int			version,
				period,
				flags;
	int32		n;
	Size		left,
				fixed,
				each;
	RfmCommon  *c;

	if (buf->len - buf->cursor < 7)
		bad_state(NULL, "The value is shorter than its header.");
	version = pq_getmsgbyte(buf);
	period = pq_getmsgbyte(buf);
	flags = pq_getmsgbyte(buf);
	n = pq_getmsgint(buf, 4);
	left = (Size) (buf->len - buf->cursor);
	/* the length must fit the count exactly, checked before anything is allocated */
	fixed = (flags & RFM_HAS_AS_OF) ? 4 + 8 * 4 + 16 * 2 : 8;
	each = (flags & RFM_HAS_AS_OF) ? 4 : 4 + 4 + 8 + 16;
	if (version != RFM_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("kam.rfm_state binary format %d is not supported", version),
				 errdetail("This kam reads format 2."),
				 errhint("Recompute the value with kam.rfm_state(ordered_at, amount).")));
	if (period < 0 || period >= KAM_N_PERIODS ||
		(flags & ~(RFM_HAS_AS_OF | RFM_LOCAL)) != 0 || n < 0 ||
		left < fixed || (Size) n != (left - fixed) / each || (left - fixed) % each != 0)
		bad_state(NULL, "The header or the length of the value does not fit its number of periods.");
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
	validate(c, NULL);
	PG_RETURN_POINTER(c);
}
