-- Input hardening and format versions of kam's stored types (kam.activity,
-- kam.survival, kam.rfm_state): values written by kam 0.1.0 (text and binary
-- literals captured from the 0.1.0 build) still read and give the same
-- results; crafted values are refused with documented SQLSTATEs.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- pg_temp.bin(type, hex): the value whose binary form (what send gives) is
-- hex, read through the type's receive function (COPY BINARY of one field),
-- returned as text.
CREATE FUNCTION pg_temp.bin(typ regtype, hex text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	f text := '5047434f50590aff0d0a00' || '00000000' || '00000000' || '0001'
			  || lpad(to_hex(length(hex) / 2), 8, '0') || hex || 'ffff';
	r text;
BEGIN
	DROP TABLE IF EXISTS pg_temp.bin_in;
	EXECUTE format('CREATE TEMP TABLE bin_in (v %s)', typ);
	EXECUTE format('COPY bin_in FROM PROGRAM %L (FORMAT binary)',
				   'perl -e ''print pack(q(H*), $ARGV[0])'' ' || f);
	SELECT v::text INTO r FROM bin_in;
	RETURN r;
END
$$;
-- the send form of a text value, as hex
-- hex of big-endian integers, for crafted binary values
CREATE FUNCTION pg_temp.i4(x int) RETURNS text LANGUAGE sql AS $$ SELECT lpad(to_hex(x), 8, '0') $$;
CREATE FUNCTION pg_temp.i8(x bigint) RETURNS text LANGUAGE sql AS $$ SELECT lpad(to_hex(x), 16, '0') $$;
CREATE FUNCTION pg_temp.hex(v kam.activity) RETURNS text LANGUAGE sql AS $$ SELECT encode(kam.activity_send(v), 'hex') $$;
CREATE FUNCTION pg_temp.hex(v kam.survival) RETURNS text LANGUAGE sql AS $$ SELECT encode(kam.km_survival_send(v), 'hex') $$;
CREATE FUNCTION pg_temp.hex(v kam.rfm_state) RETURNS text LANGUAGE sql AS $$ SELECT encode(kam.rfm_state_send(v), 'hex') $$;

CREATE TABLE tio_orders (c int, at timestamptz, amount float8);
INSERT INTO tio_orders VALUES (1,'2024-01-15 10:00+00',10.5),(1,'2024-01-20',2.25),(1,'2024-03-02',-1.5),(1,'2024-03-31 23:00+00',NULL),
 (2,'2023-06-30',1234567.891234567),(3,'2024-03-31',0.1),(3,'2024-03-31',0.2);

-- ---------------------------------------------------------------------------
-- kam.activity written by kam 0.1.0: text (format 1, no marker) and binary
-- (send of 0.1.0), each with the value the current aggregate makes from the
-- same orders
CREATE TABLE tio_act_old (k text, old_text text, old_hex text, fresh kam.activity);
INSERT INTO tio_act_old VALUES
('a_day_c3', 'day 2024-03-31 | 2024-03-31=0.300000000',
 '0000000000002298000000010000229800000000000000000000000011e1a300',
 (SELECT kam.activity(at, amount, 'day', '2024-03-31') FROM tio_orders WHERE c = 3)),
('a_month_c1', 'month 2024-03-31 | 2024-01-01=12.750000000, 2024-03-01=-1.500000000',
 '00000002000022980000000200000120000000000000000000000002f7f58f8000000122ffffffffffffffffffffffffa697d100',
 (SELECT kam.activity(at, amount, 'month', '2024-03-31') FROM tio_orders WHERE c = 1)),
('a_quarter_merge', 'quarter 2024-03-31 | 2023-04-01=1234567.891234567, 2024-01-01=11.550000000',
 '0000000300002298000000020000005d0000000000000000000462d53c9baf0700000060000000000000000000000002b06f0380',
 (SELECT kam.activity_merge(a) FROM (SELECT kam.activity(at, amount, 'quarter', '2024-03-31') a FROM tio_orders GROUP BY c) s)),
('a_week_all', 'week 2024-03-31 | 2023-06-26=1234567.891234567, 2024-01-15=12.750000000, 2024-02-26=-1.500000000, 2024-03-25=0.300000000',
 '000000010000229800000004000004c90000000000000000000462d53c9baf07000004e6000000000000000000000002f7f58f80000004ecffffffffffffffffffffffffa697d100000004f000000000000000000000000011e1a300',
 (SELECT kam.activity(at, amount, 'week', '2024-03-31') FROM tio_orders)),
('a_year_c2', 'year 2024-03-31 | 2023-01-01=1234567.891234567',
 '000000040000229800000001000000170000000000000000000462d53c9baf07',
 (SELECT kam.activity(at, amount, 'year', '2024-03-31') FROM tio_orders WHERE c = 2));
-- the old text reads, prints as the same value with the v2 marker, equals the
-- fresh value; the old binary reads to the same value; v2 text and binary
-- round-trip bit for bit
SELECT k, old_text::kam.activity AS v2_text,
       old_text::kam.activity::text = 'v2 ' || old_text AS marker_only,
       old_text::kam.activity::text = fresh::text AS same_as_fresh,
       pg_temp.bin('kam.activity', old_hex) = fresh::text AS old_binary_reads,
       pg_temp.bin('kam.activity', pg_temp.hex(fresh)) = fresh::text AS v2_binary_round_trip,
       fresh::text::kam.activity::text = fresh::text AS v2_text_round_trip
  FROM tio_act_old ORDER BY k;
-- the format-2 binary form: format byte 2, period byte, as-of, n, entries
SELECT k, pg_temp.hex(fresh) FROM tio_act_old ORDER BY k;
-- kam's functions give the same over the 0.1.0 values as over fresh ones
SELECT k, (kam.activity_summary(old_text::kam.activity, 1, 1, 0.5))::text
          = (kam.activity_summary(fresh, 1, 1, 0.5))::text AS same_summary,
       (kam.activity_summary(pg_temp.bin('kam.activity', old_hex)::kam.activity, 2, 1, 0.5)).*
  FROM tio_act_old ORDER BY k;
SELECT k, (SELECT kam.retention_periods(x, 2) FROM (VALUES (old_text::kam.activity)) v(x))::text
          = (SELECT kam.retention_periods(x, 2) FROM (VALUES (fresh)) v(x))::text AS retention,
       (SELECT kam.cohort_matrix(x) FROM (VALUES (old_text::kam.activity)) v(x))::text
          = (SELECT kam.cohort_matrix(x) FROM (VALUES (fresh)) v(x))::text AS cohorts,
       (SELECT kam.trailing_retention(x, 1) FROM (VALUES (old_text::kam.activity)) v(x))::text
          = (SELECT kam.trailing_retention(x, 1) FROM (VALUES (fresh)) v(x))::text AS trailing
  FROM tio_act_old ORDER BY k;
SELECT (r).period_start, (r).active, (r).new, (r).retained, (r).revenue
  FROM (SELECT unnest(kam.retention_periods(pg_temp.bin('kam.activity', old_hex)::kam.activity, 1)) r
		  FROM tio_act_old WHERE k = 'a_month_c1') s ORDER BY 1;

-- ---------------------------------------------------------------------------
-- kam.survival written by kam 0.1.0
CREATE TABLE tio_obs (d float8, e bool);
INSERT INTO tio_obs VALUES (1,true),(2,false),(2,true),(3.5,true),(3.5,true),(10,false),(0,true),(0.1,false);
CREATE TABLE tio_surv_old (k text, old_text text, old_hex text, fresh kam.survival);
INSERT INTO tio_surv_old VALUES
('s_fit', '{(0,1,0),(0.1,0,1),(1,1,0),(2,1,1),(3.5,2,0),(10,0,1)}',
 '000000060000000000000000000000000000000100000000000000003fb999999999999a000000000000000000000000000000013ff000000000000000000000000000010000000000000000400000000000000000000000000000010000000000000001400c00000000000000000000000000020000000000000000402400000000000000000000000000000000000000000001',
 (SELECT kam.km_fit(d, e) FROM tio_obs)),
('s_lit', '{(1e-300,1,0),(1.7976931348623157e+308,0,1)}',
 '0000000201a56e1fc2f8f359000000000000000100000000000000007fefffffffffffff00000000000000000000000000000001',
 (SELECT kam.km_fit(d, e) FROM (VALUES (1e-300::float8, true), (1.7976931348623157e+308, false)) v(d, e)));
SELECT k, old_text::kam.survival AS v2_text,
       old_text::kam.survival::text = 'v2 ' || old_text AS marker_only,
       old_text::kam.survival::text = fresh::text AS same_as_fresh,
       pg_temp.bin('kam.survival', old_hex) = fresh::text AS old_binary_reads,
       pg_temp.bin('kam.survival', pg_temp.hex(fresh)) = fresh::text AS v2_binary_round_trip,
       fresh::text::kam.survival::text = fresh::text AS v2_text_round_trip,
       kam.km_median(old_text::kam.survival) AS median, kam.km_quantile(old_text::kam.survival, 0.25) AS q25
  FROM tio_surv_old ORDER BY k;
SELECT k, (SELECT array_agg(c::text) FROM kam.km_curve(old_text::kam.survival) c)
          = (SELECT array_agg(c::text) FROM kam.km_curve(fresh) c) AS same_curve
  FROM tio_surv_old ORDER BY k;

-- ---------------------------------------------------------------------------
-- kam.rfm_state written by kam 0.1.0 (its binary form already had version 2)
CREATE TABLE tio_rfm_old (k text, old_text text, old_hex text, fresh kam.rfm_state);
INSERT INTO tio_rfm_old VALUES
('r_rollup_c1', 'day tz - 758628000000000 8780:1:758628000000000:10.500000000 8785:1:759024000000000:2.250000000 8827:1:762652800000000:-1.500000000',
 '020000000000030002b1f7d874e8000000224c000000010002b1f7d874e80000000000000000000000000271d9490000002251000000010002b2540be56000000000000000000000000000861c46800000227b000000010002b5a0f13b2000ffffffffffffffffffffffffa697d100',
 (SELECT kam.rfm_state(at, amount) FROM tio_orders WHERE c = 1)),
('r_rollup_month_local', 'month local - 741398400000000 281:1:741398400000000:1234567.891234567 288:2:759024000000000:12.750000000 290:3:765158400000000:-1.200000000',
 '020202000000030002a24c4444e00000000119000000010002a24c4444e0000000000000000000000462d53c9baf0700000120000000020002b2540be56000000000000000000000000002f7f58f8000000122000000030002b7e852a10000ffffffffffffffffffffffffb8797400',
 (SELECT kam.rfm_state(at::date, amount, 'month') FROM tio_orders)),
('r_asof', 'day tz 765158400000000/8856 757382400000000 760060800000000 2 12.000000000 5.000000000 8766 8797',
 '02000100000002000022980002b7e852a100000002b0d5d4e940000002b34571fde0000000000000000002000000000000000000000002cb4178000000000000000000000000012a05f2000000223e0000225d',
 (SELECT kam.rfm_accum(kam.rfm_accum(NULL::kam.rfm_state, '2024-01-01'::timestamptz, 5, '2024-03-31'::timestamptz), '2024-02-01'::timestamptz, 7, '2024-03-31'::timestamptz)));
SELECT k, old_text::kam.rfm_state::text = 'v2 ' || old_text AS marker_only,
       old_text::kam.rfm_state::text = fresh::text AS same_as_fresh,
       pg_temp.bin('kam.rfm_state', old_hex) = fresh::text AS old_binary_reads,
       pg_temp.hex(fresh) = old_hex AS binary_unchanged,
       fresh::text::kam.rfm_state::text = fresh::text AS v2_text_round_trip
  FROM tio_rfm_old ORDER BY k;
SELECT k, (kam.rfm_summary(old_text::kam.rfm_state, '2024-03-31'::timestamptz)).*
  FROM tio_rfm_old WHERE k <> 'r_asof' ORDER BY k;
SELECT (kam.rfm_final(old_text::kam.rfm_state)).* FROM tio_rfm_old WHERE k = 'r_asof';

-- ---------------------------------------------------------------------------
-- Crafted binary kam.activity: the length is checked before allocating (a
-- 24-byte value claiming 33 million periods took ~1 GB before), truncated,
-- oversized and unknown formats
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '000000020000229802000000000001200000000000000000')$$) AS huge_count_v1;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '02020000229802000000000001200000000000000000')$$) AS huge_count_v2;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '0202000022980000000200000120')$$) AS truncated;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '020200002298')$$) AS truncated_header;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '')$$) AS empty;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '020000002298000000010000229800000000000000000000000011e1a30000')$$) AS trailing_bytes;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '070000002298000000010000229800000000000000000000000011e1a300')$$) AS unknown_format;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '020900002298000000010000229800000000000000000000000011e1a300')$$) AS bad_period_kind;
-- as-of beyond the date range, a period after the as-of date, a period that
-- starts before 4714-11-24 BC, unordered and duplicate periods, a sum beyond 1.7e20
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '02007fffffff000000017fffff0000000000000000000000000011e1a300')$$) AS as_of_out_of_range;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '0200' || pg_temp.i4(8856) || pg_temp.i4(1) || pg_temp.i4(8857) || pg_temp.i8(0) || pg_temp.i8(0))$$) AS after_as_of;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '0202' || pg_temp.i4(8856) || pg_temp.i4(1) || pg_temp.i4(-80546) || pg_temp.i8(0) || pg_temp.i8(0))$$) AS before_date_range;
SELECT pg_temp.bin('kam.activity', '0202' || pg_temp.i4(8856) || pg_temp.i4(1) || pg_temp.i4(-80545) || pg_temp.i8(0) || pg_temp.i8(0)) AS first_month;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '0202' || pg_temp.i4(8856) || pg_temp.i4(2) || pg_temp.i4(290) || pg_temp.i8(0) || pg_temp.i8(0)
	|| pg_temp.i4(288) || pg_temp.i8(0) || pg_temp.i8(0))$$) AS unordered;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '0202000022980000000200000120000000000000000000000000000000000000012000000000000000000000000000000000')$$) AS duplicate;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '0204' || pg_temp.i4(8856) || pg_temp.i4(1) || pg_temp.i4(24) || '00000002254cb4422075287210000001')$$) AS sum_beyond_bound;
SELECT pg_temp.bin('kam.activity', '0204' || pg_temp.i4(8856) || pg_temp.i4(1) || pg_temp.i4(24) || '00000002254cb4422075287210000000') AS sum_at_bound;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.activity', '0204' || pg_temp.i4(8856) || pg_temp.i4(1) || pg_temp.i4(24) || '7fffffffffffffffffffffffffffffff')$$) AS sum_int128_max;
-- the same in text
SELECT pg_temp.err($$SELECT 'v2 year 2024-03-31 | 2024-01-01=170000000000000000000.000000001'::kam.activity$$) AS sum_beyond_bound;
SELECT 'v2 year 2024-03-31 | 2024-01-01=170000000000000000000'::kam.activity AS sum_at_bound;
SELECT pg_temp.err($$SELECT 'v2 year 2024-03-31 | 2024-01-01=-999999999999999999999999999999999999999999'::kam.activity$$) AS huge_sum;
SELECT pg_temp.err($$SELECT 'v2 month 2024-03-31 | 2024-03-01=1, 2024-01-01=2'::kam.activity$$) AS unordered;
SELECT pg_temp.err($$SELECT 'v2 month 2024-03-31 | 2024-03-01=1, 2024-03-01=2'::kam.activity$$) AS duplicate;
SELECT pg_temp.err($$SELECT 'v2 month 2024-03-31 | 2024-04-01=1'::kam.activity$$) AS after_as_of;
SELECT pg_temp.err($$SELECT 'v2 month 5874898-01-01 | 2024-04-01=1'::kam.activity$$) AS as_of_out_of_range;
SELECT pg_temp.err($$SELECT 'v2 month 2024-03-31 | 4714-11-01 BC=1'::kam.activity$$) AS before_date_range;
SELECT pg_temp.err($$SELECT 'v9 month 2024-03-31 | 2024-01-01=1'::kam.activity$$) AS unknown_format;
SELECT pg_temp.err($$SELECT 'v2 month 03/31/2024 | 2024-01-01=1'::kam.activity$$) AS not_iso;
SELECT pg_temp.err($$SELECT 'v2 month 2024-02-30 | 2024-01-01=1'::kam.activity$$) AS no_such_day;
SELECT pg_temp.err($$SELECT 'v2 month 2024-03-31 | 2024-01-01=1,'::kam.activity$$) AS dangling_comma;
SELECT pg_temp.err($$SELECT ('v2 day 2024-03-31 |' || repeat(',', 1000000))::kam.activity$$) AS a_million_commas;
-- the earliest periods kam can make print and read back
SELECT kam.activity(d, 1, p, '2000-01-01') AS first_periods
  FROM (VALUES ('4714-11-24 BC'::date, 'day'), ('4713-01-01 BC', 'year'), ('4714-12-01 BC', 'month'), ('4714-11-24 BC', 'week')) v(d, p) GROUP BY d, p ORDER BY p;
SELECT bool_and(a::text::kam.activity::text = a::text) AS early_round_trip
  FROM (SELECT kam.activity(d, 1, p, '2000-01-01') a
		  FROM (VALUES ('4714-11-24 BC'::date, 'day'), ('4713-01-01 BC', 'year'), ('4714-12-01 BC', 'month'), ('4714-11-30 BC', 'week')) v(d, p)
		 GROUP BY d, p) s;
-- an order in a period that starts before the first date PostgreSQL holds
SELECT pg_temp.err($$SELECT kam.activity('4714-11-24 BC'::date, 1, 'month', '2000-01-01')$$) AS month_before_range;
SELECT pg_temp.err($$SELECT kam.activity('4714-11-24 BC'::date, 1, 'year', '2000-01-01')$$) AS year_before_range;
-- a merge past the bound of every total
SELECT pg_temp.err($$SELECT kam.activity_merge(a) FROM (VALUES ('v2 year 2024-03-31 | 2024-01-01=100000000000000000000'::kam.activity),
	('v2 year 2024-03-31 | 2024-01-01=100000000000000000000')) v(a)$$) AS merge_beyond_bound;
-- stored values hold no spare capacity: a merge and a direct add are exactly n entries
SELECT pg_column_size(kam.activity_merge(a)) AS merged_size, pg_column_size(
	kam.activity_add(kam.activity_add(NULL::kam.activity, '2024-03-01'::date, 1.5, 'day', '2024-03-31'),
					 '2024-03-05'::date, 2, 'day', '2024-03-31')) AS added_size
  FROM (SELECT kam.activity(at, amount, 'week', '2024-03-31') a FROM tio_orders GROUP BY c) s;

-- retention over one signature spanning thousands of years: refused up front
SELECT pg_temp.err($$SELECT kam.retention_periods('v2 day 5000-01-01 | 0001-01-01=1'::kam.activity, 1)$$) AS retention_span;
SELECT pg_temp.err($$SELECT kam.trailing_retention('v2 day 5000-01-01 | 0001-01-01=1'::kam.activity, 1)$$) AS trailing_span;
SELECT pg_temp.err($$SELECT kam.cohort_matrix('v2 month 2200-01-01 | 2000-01-01=1'::kam.activity)$$) AS cohort_span;
-- at the limits: 500,000 periods, a 999-period triangle
SELECT cardinality(kam.retention_periods('v2 day 2000-01-01 | 0632-12-04=1'::kam.activity, 1)) AS retention_rows;
SELECT cardinality(kam.cohort_matrix(a)) AS cohort_cells
  FROM (VALUES ('v2 month 2083-03-01 | 2000-01-01=1'::kam.activity), ('v2 month 2083-03-01 | 2083-03-01=1')) v(a);

-- ---------------------------------------------------------------------------
-- Crafted kam.survival
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.survival', '0202000000' || repeat('00', 24))$$) AS huge_count;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.survival', '02000000013ff00000000000000000000000000001')$$) AS truncated;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.survival', '0700000001' || repeat('00', 24))$$) AS unknown_format;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.survival', '0200000001bff000000000000000000000000000010000000000000000')$$) AS negative_time;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.survival', '02000000017ff800000000000000000000000000010000000000000000')$$) AS nan_time;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.survival', '02000000013ff0000000000000ffffffffffffffff0000000000000000')$$) AS negative_count;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.survival', '02000000023ff000000000000000000000000000010000000000000000'
	|| '3ff000000000000000000000000000010000000000000000')$$) AS duplicate_time;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.survival', '02000000023ff00000000000007fffffffffffffff0000000000000000'
	|| '40000000000000000000000000000001000000000000000')$$) AS truncated_second;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.survival', '02000000023ff00000000000007fffffffffffffff0000000000000000'
	|| '400000000000000000000000000000010000000000000000')$$) AS total_overflow;
-- -0 reads as 0, so the text form reads back bit for bit
SELECT pg_temp.bin('kam.survival', '020000000180000000000000000000000000000001' || '0000000000000000') AS minus_zero;
-- 5e-324 (a subnormal duration km_fit takes) prints and reads back: a table
-- holding one can be dumped and restored
SELECT s, s::text::kam.survival::text = s::text AS round_trip, pg_temp.bin('kam.survival', pg_temp.hex(s)) = s::text AS binary_round_trip
  FROM (SELECT kam.km_fit(d, true) s FROM (VALUES (5e-324::float8), (2.2250738585072014e-308), (1)) v(d)) x;
SELECT 'v2 {(4.9e-324,1,0)}'::kam.survival AS subnormal;
SELECT pg_temp.err($$SELECT 'v2 {(1e-400,1,0)}'::kam.survival$$) AS underflow;
SELECT pg_temp.err($$SELECT 'v3 {(1,1,0)}'::kam.survival$$) AS unknown_format;
SELECT pg_temp.err($$SELECT 'v2 {(1,9223372036854775807,0),(2,1,0)}'::kam.survival$$) AS total_overflow;

-- ---------------------------------------------------------------------------
-- Crafted kam.rfm_state
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.rfm_state', '0200')$$) AS truncated_header;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.rfm_state', '020000010000000000000000')$$) AS huge_count_short;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.rfm_state', '020000' || pg_temp.i4(0) || pg_temp.i8(0) || '00')$$) AS trailing_bytes;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.rfm_state', '030000000000000000000000000000')$$) AS unknown_format;
SELECT pg_temp.bin('kam.rfm_state', '020000' || pg_temp.i4(0) || pg_temp.i8(0)) AS empty_rollup;
SELECT pg_temp.err($$SELECT pg_temp.bin('kam.rfm_state', '020000' || pg_temp.i4(1) || pg_temp.i8(0) || pg_temp.i4(5) || pg_temp.i4(-1)
	|| pg_temp.i8(0) || pg_temp.i8(0) || pg_temp.i8(1))$$) AS negative_orders;
SELECT pg_temp.err($$SELECT 'v2 day tz - 0 5:1:0:1.0 4:1:0:1.0'::kam.rfm_state$$) AS unordered;
SELECT pg_temp.err($$SELECT 'v2 day tz - 0 5:1:0:170000000000000000001'::kam.rfm_state$$) AS sum_beyond_bound;
SELECT pg_temp.err($$SELECT 'v2 day tz - 9223372036854775807 5:1:9223372036854775807:1'::kam.rfm_state$$) AS infinite_timestamp;
SELECT pg_temp.err($$SELECT 'v2 day tz - 0 2000000000:1:0:1'::kam.rfm_state$$) AS period_out_of_range;
SELECT pg_temp.err($$SELECT 'v2 day local - 0 5:1:0:1'::kam.rfm_state$$) AS local_ts_not_in_period;
SELECT pg_temp.err($$SELECT 'v2 day tz 0/5 10 0 1 1.0 1.0 3'::kam.rfm_state$$) AS last_before_first;
SELECT pg_temp.err($$SELECT 'v2 day tz 0/5 0 0 0 1.0 1.0'::kam.rfm_state$$) AS totals_without_periods;
SELECT pg_temp.err($$SELECT 'v7 day tz - 0'::kam.rfm_state$$) AS unknown_format;

-- ---------------------------------------------------------------------------
-- Found by test/fuzz/binfuzz.c (test/t/reliability_binfuzz.sh)
-- an as-of state whose as-of time is before 2000-01-01 starts its text form
-- with a negative number, not the roll-up marker "-": it reads back
SELECT s::text, s::text::kam.rfm_state::text = s::text AS text_round_trip,
       pg_temp.bin('kam.rfm_state', pg_temp.hex(s)) = s::text AS binary_round_trip
  FROM (SELECT kam.rfm_accum(NULL::kam.rfm_state, '1999-06-01 00:00+00'::timestamptz, 5, '1999-12-31 00:00+00'::timestamptz) s) x;
-- a date after the last timestamp (294276 AD) is refused, not wrapped into a
-- state that its own input rejects
SELECT pg_temp.err($$SELECT kam.rfm_state(d, 1, 'quarter') FROM (VALUES ('5874897-12-31'::date)) v(d)$$) AS date_beyond_timestamps;
SELECT pg_temp.err($$SELECT kam.rfm_accum(NULL::kam.rfm_state, '2024-01-01'::date, 1, '5874897-12-31'::date)$$) AS as_of_beyond_timestamps;
SELECT kam.rfm_state(d, 1, 'quarter')::text AS last_timestamp_day FROM (VALUES ('294276-12-31'::date)) v(d);
-- the text form of kam.survival is exact whatever extra_float_digits is
SET extra_float_digits = 0;
SELECT s::text, s::text::kam.survival::text = s::text AS text_round_trip
  FROM (SELECT kam.km_fit(d, true) s FROM (VALUES (1::float8), (1.0000000000000002), (0.1)) v(d)) x;
RESET extra_float_digits;
-- every kam type prints the same text whatever extra_float_digits is (Citus
-- ships values as text in the session's setting), and that text reads back
-- to the value: the texts at 0 and -15 are the texts at 1, read back and
-- printed again they are still the same
CREATE TEMP TABLE tio_efd_orders (at timestamptz, amount float8);
INSERT INTO tio_efd_orders VALUES
	('2024-01-01 10:00+00', 1 / 3::float8), ('2024-01-09 11:00+00', 0.1),
	('2024-02-10 12:00+00', 2 / 3::float8), ('2024-03-30 13:00+00', 1.0000000000000002);
CREATE TEMP TABLE tio_efd AS
SELECT (SELECT kam.rfm_state(o.at, o.amount, 'week') FROM tio_efd_orders o) AS rollup,
       (SELECT kam.rfm_accum(kam.rfm_accum(NULL::kam.rfm_state, '2024-01-01 10:00+00'::timestamptz,
                                           1 / 3::float8, '2024-03-31 00:00+00'::timestamptz),
                             '2024-02-01 10:00+00'::timestamptz, 0.1::float8, '2024-03-31 00:00+00'::timestamptz)) AS as_of_state,
       (SELECT kam.activity(o.at, o.amount, 'month', '2024-03-31') FROM tio_efd_orders o) AS activity,
       (SELECT kam.km_fit(o.amount, o.amount > 0.2) FROM tio_efd_orders o) AS survival;
CREATE TEMP TABLE tio_efd_text AS
SELECT 1 AS efd, rollup::text AS rollup, as_of_state::text AS as_of_state, activity::text AS activity,
       survival::text AS survival
  FROM tio_efd;
SET extra_float_digits = 0;
INSERT INTO tio_efd_text
SELECT 0, rollup::text::kam.rfm_state::text, as_of_state::text::kam.rfm_state::text,
       activity::text::kam.activity::text, survival::text::kam.survival::text
  FROM tio_efd;
SET extra_float_digits = -15;
INSERT INTO tio_efd_text
SELECT -15, rollup::text::kam.rfm_state::text, as_of_state::text::kam.rfm_state::text,
       activity::text::kam.activity::text, survival::text::kam.survival::text
  FROM tio_efd;
RESET extra_float_digits;
SELECT count(DISTINCT rollup) AS rollup_texts, count(DISTINCT as_of_state) AS as_of_state_texts,
       count(DISTINCT activity) AS activity_texts, count(DISTINCT survival) AS survival_texts,
       count(*) AS settings
  FROM tio_efd_text;
SELECT survival FROM tio_efd_text WHERE efd = -15;

-- ---------------------------------------------------------------------------
-- kam.concentration_state, the state of kam.gini, kam.top_share,
-- kam.pareto_fraction and kam.pareto_sums.  pg_temp.conc_state returns the
-- state itself (the transition function without a final function);
-- pg_temp.conc_merge combines stored states.
CREATE AGGREGATE pg_temp.conc_state(float8) (SFUNC = kam.gini_trans, STYPE = kam.concentration_state);
CREATE AGGREGATE pg_temp.conc_state(float8, float8) (SFUNC = kam.top_share_trans, STYPE = kam.concentration_state);
CREATE AGGREGATE pg_temp.conc_merge(kam.concentration_state) (SFUNC = kam.concentration_combine, STYPE = kam.concentration_state);
CREATE FUNCTION pg_temp.hex(v kam.concentration_state) RETURNS text LANGUAGE sql AS $$ SELECT encode(kam.concentration_state_send(v), 'hex') $$;
-- the values of a text form, in order, read as float8 (the oracle: float8in)
CREATE FUNCTION pg_temp.conc_values(t text) RETURNS float8[] LANGUAGE sql AS $$
	SELECT COALESCE(array_agg(x::float8 ORDER BY i), '{}')
	  FROM unnest(string_to_array(nullif(substring(t FROM '\{(.*)\}'), ''), ',')) WITH ORDINALITY u(x, i) $$;
-- values whose shortest exact decimal needs 17 digits, extremes, and zeros
CREATE TEMP TABLE tio_conc_in (i int, v float8);
INSERT INTO tio_conc_in VALUES (1, 1 / 3::float8), (2, 0.1), (3, 2 / 3::float8), (4, 1.0000000000000002),
	(5, 5e-324), (6, 1.7976931348623157e308), (7, 0), (8, '-0'), (9, 123456.789), (10, NULL), (11, 2.2250738585072014e-308);
CREATE TEMP TABLE tio_conc AS
SELECT (SELECT pg_temp.conc_state(v ORDER BY i) FROM tio_conc_in) AS s,
       (SELECT pg_temp.conc_state(v, 1 / 3::float8 ORDER BY i) FROM tio_conc_in) AS p,
       (SELECT array_agg(v + 0.0 ORDER BY i) FROM tio_conc_in WHERE v IS NOT NULL) AS vals;
-- the text form is exact and the same under every extra_float_digits: it
-- reads back (text -> value -> text) to the same text, and its values are the
-- input floats bit for bit (-0 stored as 0, NULL skipped)
CREATE TEMP TABLE tio_conc_text (efd int, s text, p text, s_again text, p_again text);
SET extra_float_digits = 3;
INSERT INTO tio_conc_text SELECT 3, s::text, p::text, s::text::kam.concentration_state::text, p::text::kam.concentration_state::text FROM tio_conc;
SET extra_float_digits = 0;
INSERT INTO tio_conc_text SELECT 0, s::text, p::text, s::text::kam.concentration_state::text, p::text::kam.concentration_state::text FROM tio_conc;
SET extra_float_digits = -15;
INSERT INTO tio_conc_text SELECT -15, s::text, p::text, s::text::kam.concentration_state::text, p::text::kam.concentration_state::text FROM tio_conc;
RESET extra_float_digits;
SELECT t.efd, t.s = t.s_again AND t.p = t.p_again AS reads_back,
       pg_temp.conc_values(t.s) = c.vals AS values_exact, pg_temp.conc_values(t.p) = c.vals AS param_values_exact,
       split_part(t.p, ' ', 2)::float8 = 1 / 3::float8 AS param_exact, split_part(t.s, ' ', 2) AS no_param
  FROM tio_conc_text t, tio_conc c ORDER BY t.efd;
SELECT count(DISTINCT s) AS s_texts, count(DISTINCT p) AS p_texts FROM tio_conc_text;
SELECT p::text FROM tio_conc;
-- the binary form: send -> recv -> send is the identity, and the value read
-- is the same; the results of a stored state equal the aggregate's
SELECT pg_temp.hex(pg_temp.bin('kam.concentration_state', pg_temp.hex(s))::kam.concentration_state) = pg_temp.hex(s) AS s_binary,
       pg_temp.bin('kam.concentration_state', pg_temp.hex(p)) = p::text AS p_binary,
       kam.gini_final(s) = (SELECT kam.gini(v) FROM tio_conc_in) AS stored_gini,
       kam.top_share_final(p) = (SELECT kam.top_share(v, 1 / 3::float8) FROM tio_conc_in) AS stored_top_share
  FROM tio_conc;
-- the combine of two states is the state of the union: the same values (as
-- a multiset) and the same result of every final function, with the
-- fraction carried from either side; an empty state combines to itself
CREATE TEMP TABLE tio_conc_parts AS
SELECT i % 3 AS part, pg_temp.conc_state(v, 0.25) AS p FROM tio_conc_in GROUP BY i % 3;
INSERT INTO tio_conc_parts SELECT 9, pg_temp.conc_state(v, 0.25) FROM tio_conc_in WHERE false;
INSERT INTO tio_conc_parts SELECT 8, pg_temp.conc_state(v, 0.25) FROM tio_conc_in WHERE v IS NULL;
SELECT (SELECT array_agg(x ORDER BY x) FROM unnest(pg_temp.conc_values(m::text)) x)
         = (SELECT array_agg(v + 0.0 ORDER BY v) FROM tio_conc_in WHERE v IS NOT NULL) AS same_values,
       split_part(m::text, ' ', 2) AS fraction,
       kam.gini_final(m) = (SELECT kam.gini(v) FROM tio_conc_in) AS same_gini,
       kam.top_share_final(m) = (SELECT kam.top_share(v, 0.25) FROM tio_conc_in) AS same_top_share,
       kam.pareto_fraction_final(m) = (SELECT kam.pareto_fraction(v, 0.25) FROM tio_conc_in) AS same_pareto_fraction,
       kam.pareto_sums_final(m) = (SELECT kam.pareto_sums(v) FROM tio_conc_in) AS same_pareto_sums
  FROM (SELECT pg_temp.conc_merge(p ORDER BY part) AS m FROM tio_conc_parts) x;
SELECT pg_temp.err($$SELECT pg_temp.conc_merge(p) FROM (VALUES ('v1 0.25 {1}'::kam.concentration_state), ('v1 0.5 {2}')) t(p)$$);
-- text and binary input refuse what kam.gini refuses, and garbage: 22P02 / 22P03
SELECT t, pg_temp.err(format('SELECT %L::kam.concentration_state', t))
  FROM unnest(ARRAY['', 'v1', 'v1 - {', 'v2 - {}', '1 - {1}', 'v1 - {1,}', 'v1 - {1 2}', 'v1 - {-1}', 'v1 - {NaN}',
                    'v1 - {Infinity}', 'v1 - {1e999}', 'v1 1.5 {1}', 'v1 x {1}', 'v1 -0.1 {}', 'v1 - {1} x', 'v1 -{1}']) t;
SELECT t, pg_temp.err(format('SELECT pg_temp.bin(%L, %L)', 'kam.concentration_state', t))
  FROM unnest(ARRAY['', '01', '02' || '00' || pg_temp.i8(0) || pg_temp.i8(0),
                    '01' || '02' || pg_temp.i8(0) || pg_temp.i8(0),
                    '01' || '00' || pg_temp.i8(1) || pg_temp.i8(0),
                    '01' || '01' || '3ff8000000000000' || pg_temp.i8(0),
                    '01' || '00' || pg_temp.i8(0) || pg_temp.i8(2) || '3ff0000000000000',
                    '01' || '00' || pg_temp.i8(0) || pg_temp.i8(-1),
                    '01' || '00' || pg_temp.i8(0) || pg_temp.i8(1) || 'bff0000000000000',
                    '01' || '00' || pg_temp.i8(0) || pg_temp.i8(1) || '7ff8000000000000']) t;
-- valid edge forms
SELECT 'v1 - {}'::kam.concentration_state::text AS empty, ' v1  0  { 1 , 2 } '::kam.concentration_state::text AS spaces,
       'v1 1 {-0,4.9e-324}'::kam.concentration_state::text AS edges,
       kam.gini_final('v1 - {}') AS gini_empty, kam.gini_final('v1 - {1,3}') AS gini_two;

-- ---------------------------------------------------------------------------
-- kam.fit_state, the state of every fit and information aggregate.
-- pg_temp.fit_state / pg_temp.info_state return the state of kam.bgnbd_fit /
-- kam.bgnbd_information; pg_temp.fit_merge combines stored states.
CREATE AGGREGATE pg_temp.fit_state(integer, float8, float8) (SFUNC = kam.bgnbd_trans, STYPE = kam.fit_state);
CREATE AGGREGATE pg_temp.fit_state(integer, float8, float8, float8) (SFUNC = kam.bgnbd_trans, STYPE = kam.fit_state);
CREATE AGGREGATE pg_temp.info_state(kam.bgnbd, integer, float8, float8) (SFUNC = kam.bgnbd_information_trans, STYPE = kam.fit_state);
CREATE AGGREGATE pg_temp.fit_merge(kam.fit_state) (SFUNC = kam.fitstate_combine, STYPE = kam.fit_state);
CREATE FUNCTION pg_temp.hex(v kam.fit_state) RETURNS text LANGUAGE sql AS $$ SELECT encode(kam.fit_state_send(v), 'hex') $$;
-- (frequency, recency, T) with 17-digit values, repeated rows, fractional weights
CREATE TEMP TABLE tio_fit_in (i int, x int, tx float8, t float8, w float8);
INSERT INTO tio_fit_in VALUES (1, 2, 1 / 3::float8, 10 / 3::float8, 0.1), (2, 0, 0, 2 / 3::float8, 1.5), (3, 2, 1 / 3::float8, 10 / 3::float8, 2),
	(4, 1, 0.1, 1.0000000000000002, 0.7), (5, 3, 2.9, 3.1, 1), (6, 0, 0, 3.1, 0.25), (7, 1, 1.7976931348623157e308, 1.7976931348623157e308, 1e-9),
	(8, 5, 3, 3.3, NULL), (9, 4, 2, 4, 3);
CREATE TEMP TABLE tio_fit AS
SELECT (SELECT pg_temp.fit_state(x, tx, t ORDER BY i) FROM tio_fit_in WHERE i < 7) AS s,
       (SELECT pg_temp.fit_state(x, tx, t, w ORDER BY i) FROM tio_fit_in) AS sw,
       (SELECT pg_temp.info_state((0.5, 2, 0.7, 1.3, 0, 0, 0, true)::kam.bgnbd, x, tx, t ORDER BY i) FROM tio_fit_in WHERE i < 7) AS si;
-- the text form reads back to the same text under every extra_float_digits
CREATE TEMP TABLE tio_fit_text (efd int, s text, sw text, si text, s_again text, sw_again text, si_again text);
SET extra_float_digits = 3;
INSERT INTO tio_fit_text SELECT 3, s::text, sw::text, si::text, s::text::kam.fit_state::text, sw::text::kam.fit_state::text, si::text::kam.fit_state::text FROM tio_fit;
SET extra_float_digits = 0;
INSERT INTO tio_fit_text SELECT 0, s::text, sw::text, si::text, s::text::kam.fit_state::text, sw::text::kam.fit_state::text, si::text::kam.fit_state::text FROM tio_fit;
SET extra_float_digits = -15;
INSERT INTO tio_fit_text SELECT -15, s::text, sw::text, si::text, s::text::kam.fit_state::text, sw::text::kam.fit_state::text, si::text::kam.fit_state::text FROM tio_fit;
RESET extra_float_digits;
SELECT efd, s = s_again AND sw = sw_again AND si = si_again AS reads_back FROM tio_fit_text ORDER BY efd;
SELECT count(DISTINCT s) AS s_texts, count(DISTINCT sw) AS sw_texts, count(DISTINCT si) AS si_texts FROM tio_fit_text;
SELECT s::text, si::text FROM tio_fit;
-- a state read from text, from binary and stored gives the aggregate's fit
-- to the last bit (the fit is an oracle that reads every key and weight)
SELECT kam.bgnbd_final(t.s::kam.fit_state) = (SELECT kam.bgnbd_fit(x, tx, t) FROM tio_fit_in WHERE i < 7) AS text_fit,
       kam.bgnbd_final(t.sw::kam.fit_state) = (SELECT kam.bgnbd_fit(x, tx, t, w) FROM tio_fit_in) AS text_weighted_fit,
       kam.bgnbd_information_final(t.si::kam.fit_state)
         = (SELECT kam.bgnbd_information((0.5, 2, 0.7, 1.3, 0, 0, 0, true)::kam.bgnbd, x, tx, t) FROM tio_fit_in WHERE i < 7) AS text_information,
       pg_temp.bin('kam.fit_state', pg_temp.hex(f.sw)) = f.sw::text AS binary_reads_back,
       pg_temp.hex(pg_temp.bin('kam.fit_state', pg_temp.hex(f.si))::kam.fit_state) = pg_temp.hex(f.si) AS binary_send_again,
       kam.bgnbd_final(f.s) = (SELECT kam.bgnbd_fit(x, tx, t) FROM tio_fit_in WHERE i < 7) AS stored_fit
  FROM tio_fit_text t, tio_fit f WHERE t.efd = 0;
-- the combine of states is the state of the union: the same rows and the same fit
CREATE TEMP TABLE tio_fit_parts AS
SELECT i % 3 AS part, pg_temp.fit_state(x, tx, t, w) AS s FROM tio_fit_in GROUP BY i % 3;
SELECT split_part(m::text, ' ', 3) = split_part(f.sw::text, ' ', 3) AS same_rows,
       length(m::text) = length(f.sw::text) AS same_length,
       kam.bgnbd_final(m) = (SELECT kam.bgnbd_fit(x, tx, t, w) FROM tio_fit_in) AS same_fit
  FROM (SELECT pg_temp.fit_merge(s ORDER BY part) AS m FROM tio_fit_parts) x, tio_fit f;
SELECT pg_temp.err($$SELECT pg_temp.fit_merge(s) FROM (VALUES ('v1 2 1 - {(1,2;1)}'::kam.fit_state), ('v1 3 1 - {(1,2,3;1)}')) t(s)$$);
SELECT pg_temp.err($$SELECT pg_temp.fit_merge(s) FROM (VALUES ('v1 3 1 [1,2,3,4] {(1,2,3;1)}'::kam.fit_state), ('v1 3 1 [1,2,3,5] {(1,2,3;1)}')) t(s)$$) AS two_models;
-- refused input: 22P02 (text) and 22P03 (binary)
SELECT t, pg_temp.err(format('SELECT %L::kam.fit_state', t))
  FROM unnest(ARRAY['', 'v1', 'v2 1 0 - {}', 'v1 0 0 - {}', 'v1 4 0 - {}', 'v1 1 -1 - {}', 'v1 1 0 - {(1;1)}',
                    'v1 1 2 - {(1;1),(1;2)}', 'v1 1 1 - {(1;0)}', 'v1 1 1 - {(1;-1)}', 'v1 1 1 - {(NaN;1)}',
                    'v1 1 1 - {(Infinity;1)}', 'v1 2 1 - {(1;1)}', 'v1 1 1 - {(1,2;1)}', 'v1 1 1 - {(1;1.0000000001)}',
                    'v1 1 1 [0] {}', 'v1 1 1 [1,2,3,4,5] {}', 'v1 1 1 [NaN] {}', 'v1 1 1 - {(1;1)} x', 'v1 1 1 - {(1;1)',
                    'v1 1 1 - {(1e999;1)}', 'v1 1 1 - {(1;999999999999999999999999999999)}']) t;
SELECT t, pg_temp.err(format('SELECT pg_temp.bin(%L, %L)', 'kam.fit_state', t))
  FROM unnest(ARRAY['', '01', '02' || pg_temp.i4(1) || pg_temp.i8(0) || pg_temp.i8(0) || pg_temp.i4(0),
                    '01' || pg_temp.i4(4) || pg_temp.i8(0) || pg_temp.i8(0) || pg_temp.i4(0),
                    '01' || pg_temp.i4(1) || pg_temp.i8(0) || pg_temp.i8(1) || pg_temp.i4(0) || '3ff0000000000000' || pg_temp.i8(0) || pg_temp.i8(1000000000),
                    '01' || pg_temp.i4(1) || pg_temp.i8(1) || pg_temp.i8(2) || pg_temp.i4(0) || '3ff0000000000000' || pg_temp.i8(0) || pg_temp.i8(1000000000),
                    '01' || pg_temp.i4(1) || pg_temp.i8(1) || pg_temp.i8(1) || pg_temp.i4(0) || '3ff0000000000000' || pg_temp.i8(0),
                    '01' || pg_temp.i4(1) || pg_temp.i8(1) || pg_temp.i8(1) || pg_temp.i4(0) || '7ff8000000000000' || pg_temp.i8(0) || pg_temp.i8(1000000000),
                    '01' || pg_temp.i4(1) || pg_temp.i8(1) || pg_temp.i8(1) || pg_temp.i4(0) || '3ff0000000000000' || pg_temp.i8(-1) || pg_temp.i8(1000000000),
                    '01' || pg_temp.i4(1) || pg_temp.i8(2) || pg_temp.i8(2) || pg_temp.i4(0) || '3ff0000000000000' || pg_temp.i8(0) || pg_temp.i8(1)
                         || '3ff0000000000000' || pg_temp.i8(0) || pg_temp.i8(1),
                    '01' || pg_temp.i4(1) || pg_temp.i8(0) || pg_temp.i8(0) || pg_temp.i4(1) || 'bff0000000000000',
                    '01' || pg_temp.i4(1) || pg_temp.i8(0) || pg_temp.i8(0) || pg_temp.i4(5)]) t;
SELECT ' v1  1  2  -  { ( -0 ; 2 ) } '::kam.fit_state::text AS spaces, 'v1 2 0 - {}'::kam.fit_state::text AS empty,
       kam.bgnbd_final('v1 3 0 - {}') IS NULL AS empty_fit;
