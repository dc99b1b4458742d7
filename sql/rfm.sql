-- kam.rfm: hand-computed cases for every field and period.
SET timezone = 'UTC';
CREATE TABLE o (cust int, ts timestamptz, amount float8);
INSERT INTO o VALUES
	(1, '2024-01-01 10:00', 10), (1, '2024-01-01 15:00', 5),	-- one purchase day, 15
	(1, '2024-01-05 09:00', 20), (1, '2024-01-10 12:00', 30),
	(1, '2024-01-20 08:00', 100),								-- after as_of (day), same ISO week
	(1, NULL, 7), (1, '2024-01-02', NULL),						-- left out
	(2, '2024-01-14 23:59', 40),								-- one purchase only
	(3, '2024-02-01', 50);										-- nothing on or before as_of

-- day: frequency 2 (Jan 5, Jan 10 repeat), recency 9, T 14, monetary (20+30)/2
SELECT cust, (kam.rfm(ts, amount, '2024-01-15')).* FROM o GROUP BY cust ORDER BY cust;
-- explicit 'day' is the default
SELECT cust, kam.rfm(ts, amount, '2024-01-15', 'day') = kam.rfm(ts, amount, '2024-01-15') AS same
  FROM o GROUP BY cust ORDER BY cust;
-- week (ISO, Monday): as_of 2024-01-15 is in the week of Jan 15-21, so the
-- Jan 20 order is in the as-of period and counts (lifetimes floors both first).
-- Weeks: Jan 1-7 (15+20), Jan 8-14 (30), Jan 15-21 (100): frequency 2, recency 2, T 2, monetary 65
SELECT cust, (kam.rfm(ts, amount, '2024-01-15', 'week')).* FROM o GROUP BY cust ORDER BY cust;
-- month: everything is January: frequency 0, monetary 0
SELECT cust, (kam.rfm(ts, amount, '2024-01-15', 'month')).* FROM o GROUP BY cust ORDER BY cust;
-- empty group
SELECT kam.rfm(ts, amount, '2024-01-15') IS NULL AS is_null FROM o WHERE false;

-- timestamptz is floored in the session time zone: 03:00 UTC on Jan 2 is
-- Jan 1 in New York, the same day as the first order
CREATE TABLE tzo (ts timestamptz, amount float8);
INSERT INTO tzo VALUES ('2024-01-01 15:00+00', 1), ('2024-01-02 03:00+00', 2);
SELECT (kam.rfm(ts, amount, '2024-01-10')).frequency AS utc_frequency FROM tzo;
SET timezone = 'America/New_York';
SELECT (kam.rfm(ts, amount, '2024-01-10')).frequency AS new_york_frequency FROM tzo;
-- timestamp and date input do not depend on the session time zone: the same
-- wall-clock rows give the same summary in New York and in Tokyo
SET timezone = 'UTC';
CREATE TABLE lo AS SELECT cust, ts AT TIME ZONE 'UTC' AS ts, (ts AT TIME ZONE 'UTC')::date AS d, amount FROM o;
SET timezone = 'America/New_York';
SELECT (r).frequency, (r).recency, (r).t, (r).monetary, (r).first_at::timestamp AS first_wall_clock
  FROM (SELECT kam.rfm(ts, amount, '2024-01-15'::timestamp) AS r FROM lo WHERE cust = 1) v;
SELECT (kam.rfm(d, amount, '2024-01-15'::date, 'week')).* FROM lo WHERE cust = 1;
SET timezone = 'Asia/Tokyo';
SELECT (r).frequency, (r).recency, (r).t, (r).monetary, (r).first_at::timestamp AS first_wall_clock
  FROM (SELECT kam.rfm(ts, amount, '2024-01-15'::timestamp) AS r FROM lo WHERE cust = 1) v;
SET timezone = 'UTC';

-- kam floors timestamptz with a cached UTC offset: it must give the local
-- days PostgreSQL's own conversion gives, across daylight-saving changes
-- (New York, and Lord Howe's half-hour shift), in either order of the rows
CREATE FUNCTION local_day_mismatches(step interval) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FILTER (WHERE (r).t <> date '2025-06-01' - ts::date)
	  FROM (SELECT ts, kam.rfm(ts, 1, '2025-06-01 12:00'::timestamptz) AS r
			  FROM generate_series(CASE WHEN step > '0' THEN timestamptz '2024-01-01' ELSE '2025-01-01' END,
								   CASE WHEN step > '0' THEN timestamptz '2025-01-01' ELSE '2024-01-01' END, step) ts
			 GROUP BY ts) v
$$;
SET timezone = 'America/New_York';
SELECT local_day_mismatches('37 minutes') AS ny_forward, local_day_mismatches('-37 minutes') AS ny_backward;
SET timezone = 'Australia/Lord_Howe';
SELECT local_day_mismatches('37 minutes') AS lord_howe_forward, local_day_mismatches('-29 minutes') AS lord_howe_backward;
SET timezone = 'UTC';

-- period boundaries: ISO weeks across the year 2000 epoch, months, quarters
SELECT kam.period_start('2000-01-01', 'week') AS w1, kam.period_start('1999-12-27', 'week') AS w2,
	   kam.period_start('2024-12-31', 'week') AS w3, kam.period_start('2024-05-17', 'month') AS m,
	   kam.period_start('2024-05-17', 'quarter') AS q, kam.period_start('1999-05-17', 'year') AS y,
	   kam.next_period_start('2024-12-31', 'month') AS next_m, kam.next_period_start('2024-02-28', 'day') AS next_d;
-- every day of 1582..2500 and the first and last centuries of PostgreSQL's
-- date range: kam's arithmetic periods agree with date_trunc
SELECT p, count(*) FILTER (WHERE kam.period_start(d, p) <> date_trunc(p, d::timestamp)::date) AS mismatches
  FROM (SELECT date '1582-01-01' + i FROM generate_series(0, date '2500-12-31' - date '1582-01-01') i
        UNION ALL SELECT date '4713-01-01 BC' + i FROM generate_series(0, 36524) i
        UNION ALL SELECT date '294276-12-31' - i FROM generate_series(0, 36524) i) s(d),
       unnest(ARRAY['week', 'month', 'quarter', 'year']) p
 GROUP BY p ORDER BY p;
SELECT (kam.rfm(d, 1, '2000-01-09'::date, 'week')).*
  FROM (VALUES ('1999-12-27'::date), ('2000-01-02'), ('2000-01-03'), ('2000-01-09')) v(d);
SELECT (kam.rfm(d, 1, '2025-01-31'::date, 'month')).*
  FROM (VALUES ('2024-11-30'::date), ('2024-12-01'), ('2024-12-31'), ('2025-01-01')) v(d);

-- amounts are summed exactly: 0.1 + 0.2 + 0.1 is 0.4, not 0.4000000000000001,
-- and the repeat mean (0.2 + 0.1) / 2 is 0.15
SELECT (kam.rfm(d, a, '2024-01-31'::date)).revenue, (kam.rfm(d, a, '2024-01-31'::date)).monetary
  FROM (VALUES ('2024-01-01'::date, 0.1::float8), ('2024-01-02', 0.2), ('2024-01-03', 0.1)) v(d, a);
-- negative amounts (refunds) and zero amounts are allowed
SELECT (kam.rfm(d, a, '2024-01-31'::date)).*
  FROM (VALUES ('2024-01-01'::date, 100::float8), ('2024-01-02', -40), ('2024-01-03', 0)) v(d, a);

-- bad input
SELECT kam.rfm(ts, amount, '2024-01-15') FROM (VALUES ('2024-01-01'::timestamptz, 'NaN'::float8)) v(ts, amount);
SELECT kam.rfm(ts, amount, '2024-01-15') FROM (VALUES ('2024-01-01'::timestamptz, 'Infinity'::float8)) v(ts, amount);
SELECT kam.rfm(ts, amount, '2024-01-15') FROM (VALUES ('2024-01-01'::timestamptz, 1e19::float8)) v(ts, amount);
SELECT kam.rfm(ts, amount, '2024-01-15') FROM (VALUES ('infinity'::timestamptz, 1::float8)) v(ts, amount);
SELECT kam.rfm(ts, amount, 'infinity') FROM (VALUES ('2024-01-01'::timestamptz, 1::float8)) v(ts, amount);
SELECT kam.rfm(ts, amount, NULL::timestamptz) FROM o;
SELECT kam.rfm(ts, amount, '2024-01-15', NULL) FROM o;
SELECT kam.rfm(ts, amount, '2024-01-15', 'fortnight') FROM o;
SELECT kam.rfm(ts, amount, '2024-01-15'::timestamptz + cust * interval '1 day') FROM o;
SELECT kam.rfm(ts, amount, '2024-01-15', CASE WHEN cust = 1 THEN 'day' ELSE 'week' END) FROM o;

-- roll-ups: states of a split, merged, give exactly what kam.rfm gives
CREATE TABLE parts AS
	SELECT cust, (amount::int % 3) AS part, kam.rfm_state(ts, amount, 'week') AS s
	  FROM o WHERE ts <= '2024-01-21' GROUP BY cust, amount::int % 3;
SELECT p.cust, kam.rfm_summary(kam.rfm_merge(p.s), '2024-01-15'::timestamptz)
	   = (SELECT kam.rfm(ts, amount, '2024-01-15', 'week') FROM o WHERE o.cust = p.cust) AS merged_equals_whole
  FROM parts p GROUP BY p.cust ORDER BY p.cust;
-- as of an earlier date, the state leaves out the later periods
SELECT (kam.rfm_summary(kam.rfm_merge(s), '2024-01-07'::date)).* FROM parts WHERE cust = 1;
-- the text form reads back exactly (a sharded engine ships states as text)
SELECT s::text FROM parts WHERE cust = 1 ORDER BY part;
SELECT bool_and(s::text::kam.rfm_state::text = s::text) AS text_round_trip FROM parts;
SELECT kam.rfm_state(ts, amount) FROM o WHERE cust = 2;
-- states of different periods or input types do not merge
SELECT kam.rfm_merge(s) FROM (SELECT kam.rfm_state(ts, amount, 'day') FROM o
							  UNION ALL SELECT kam.rfm_state(ts, amount, 'week') FROM o) v(s);
SELECT kam.rfm_merge(s) FROM (SELECT kam.rfm_state(ts, amount) FROM o
							  UNION ALL SELECT kam.rfm_state(ts::timestamp, amount) FROM o) v(s);
-- kam.rfm's own (as-of) state is compact: the purchase periods and totals;
-- its text form reads back exactly and finalizes as of its own date only
CREATE TABLE asof_state AS
	SELECT kam.rfm_accum(kam.rfm_accum(kam.rfm_accum(NULL::kam.rfm_state,
			'2024-01-05 09:00'::timestamptz, 20, '2024-01-15'::timestamptz),
			'2024-01-01 10:00', 10, '2024-01-15'), '2024-01-01 15:00', 5.25, '2024-01-15') AS s;
SELECT s FROM asof_state;
SELECT (kam.rfm_summary(s::text::kam.rfm_state, '2024-01-15'::timestamptz)).* FROM asof_state;
SELECT kam.rfm_summary(s, '2024-01-20'::timestamptz) FROM asof_state;
-- a state only fits the functions that built it
SELECT kam.rfm_accum(s, '2024-01-02'::timestamptz, 1, '2024-01-16'::timestamptz) FROM asof_state;
SELECT kam.rfm_state_accum(s, '2024-01-02'::timestamptz, 1) FROM asof_state;
SELECT kam.rfm_accum(s, '2024-01-02'::timestamp, 1, '2024-01-15'::timestamp) FROM asof_state;
SELECT kam.rfm_merge(s) FROM (SELECT s FROM asof_state UNION ALL SELECT kam.rfm_state(ts, amount) FROM o) v;
SELECT kam.rfm_final(kam.rfm_state(ts, amount)) FROM o;

-- malformed text
SELECT 'day tz - 0 5:1:0:1.0 4:1:0:1.0'::kam.rfm_state;
SELECT 'day tz - 0 5:0:0:1.0'::kam.rfm_state;
SELECT 'fortnight tz - 0'::kam.rfm_state;
SELECT 'day tz - 0 5:1:0:abc'::kam.rfm_state;
SELECT 'day tz 0/5 0 0 1 1.0 1.0 7'::kam.rfm_state;
SELECT 'day tz 0/9 0 0 1 1.0 1.0 7 6'::kam.rfm_state;
