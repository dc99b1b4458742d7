-- kam.activity: the signature type (text and binary round trips, merging),
-- time types and time zones, NULL rules, and every rejected input.
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

CREATE TABLE act_orders (customer int, at timestamptz, amount float8);
INSERT INTO act_orders VALUES
	(1, '2024-03-31 23:30+00', 0.1), (1, '2024-03-01 00:00+00', 0.2),
	(1, '2024-01-15 12:00+00', 1e-9), (1, '2024-03-15 12:00+00', NULL),
	(2, '2024-02-29 10:00+00', -5), (2, '2024-02-01 10:00+00', 12.34),
	(2, NULL, 100),
	(3, '2023-12-31 23:59:59+00', 7);

-- exact sums (0.1 + 0.2 = 0.3 exactly), a NULL amount keeps its period active,
-- a NULL time leaves the order out; periods ascending whatever the row order
SELECT customer, kam.activity(at, amount, 'month', '2024-03-31') FROM act_orders GROUP BY 1 ORDER BY 1;
-- the same orders as date and timestamp give the same signatures
SELECT customer, kam.activity(at::date, amount, 'month', '2024-03-31')::text
       = kam.activity(at, amount, 'month', '2024-03-31')::text AS same_date,
       kam.activity(at::timestamp, amount, 'month', '2024-03-31')::text
       = kam.activity(at, amount, 'month', '2024-03-31')::text AS same_timestamp
  FROM act_orders GROUP BY 1 ORDER BY 1;
-- timestamptz is floored in the session time zone: 23:30 UTC on Mar 31 is April 1 in Berlin
SET TimeZone = 'Europe/Berlin';
SELECT kam.activity(at, amount, 'month', '2024-04-30') FROM act_orders WHERE customer = 1;
SET TimeZone = 'UTC';
-- other periods: ISO weeks start on Monday, quarters, years, days
SELECT p, kam.activity(at, amount, p, '2024-03-31') FROM act_orders, unnest(ARRAY['day', 'week', 'quarter', 'year']) p
 WHERE customer = 1 GROUP BY 1 ORDER BY 1;

-- text round trip (also through DateStyle changes) and exactness of large sums
CREATE TABLE acts AS
SELECT customer, kam.activity(at, amount, 'week', '2024-03-31') AS a FROM act_orders GROUP BY 1;
SET DateStyle = 'German, DMY';
SELECT customer, a::text::kam.activity::text = a::text AS text_round_trip FROM acts ORDER BY 1;
RESET DateStyle;
SELECT '  month 2024-03-31 |2024-01-01=1000 ,2024-03-01 = -0.5 '::kam.activity;
SELECT 'year 2024-03-31 | 2020-01-01=123456789012345678.999999999'::kam.activity;
-- binary round trip (COPY BINARY uses send and recv)
DO $$
DECLARE f text := '/tmp/kam_retention_input_' || pg_backend_pid();
BEGIN
	EXECUTE format('COPY acts TO PROGRAM %L (FORMAT binary)', 'cat > ' || f);
	CREATE TEMP TABLE acts2 (LIKE acts);
	EXECUTE format('COPY acts2 FROM PROGRAM %L (FORMAT binary)', 'cat ' || f || ' && rm -f ' || f);
END
$$;
SELECT count(*) AS rows, bool_and(x.a::text = y.a::text) AS binary_round_trip
  FROM acts x JOIN acts2 y USING (customer);

-- merging: signatures of parts of the orders merge into the signature of all
SELECT (SELECT kam.activity_merge(a) FROM (
		   SELECT kam.activity(at, amount, 'month', '2024-03-31') AS a FROM act_orders
		    WHERE customer = 1 GROUP BY at < '2024-03-10') s)::text
       = (SELECT kam.activity(at, amount, 'month', '2024-03-31') FROM act_orders WHERE customer = 1)::text
       AS merged_equals_whole;

-- one customer's summary: churn_after 1 and 2 (Jan and Mar active, as of Mar)
SELECT k, (kam.activity_summary(a, k, 1, 0.5)).*
  FROM (SELECT kam.activity(at, amount, 'month', '2024-03-31') AS a FROM act_orders WHERE customer = 1) s,
       generate_series(1, 2) k;

-- NULL signature: NULL summary (the parameters are still checked)
SELECT kam.activity_summary(NULL, 1, 3, 0.5) IS NULL AS null_summary;

-- rejected input
SELECT pg_temp.err($$SELECT kam.activity(at, amount, 'month', '2024-03-01') FROM act_orders$$);
SELECT pg_temp.err($$SELECT kam.activity(at, amount, 'fortnight', '2024-03-31') FROM act_orders$$);
SELECT pg_temp.err($$SELECT kam.activity(at, amount, NULL, '2024-03-31') FROM act_orders$$);
SELECT pg_temp.err($$SELECT kam.activity(at, amount, 'month', NULL) FROM act_orders$$);
SELECT pg_temp.err($$SELECT kam.activity(at, amount, 'month', 'infinity') FROM act_orders$$);
SELECT pg_temp.err($$SELECT kam.activity('infinity'::timestamptz, 1, 'month', '2024-03-31')$$);
SELECT pg_temp.err($$SELECT kam.activity('-infinity'::date, 1, 'month', '2024-03-31')$$);
SELECT pg_temp.err($$SELECT kam.activity(now(), 'NaN', 'month', '2999-01-01')$$);
SELECT pg_temp.err($$SELECT kam.activity(now(), '-Infinity', 'month', '2999-01-01')$$);
SELECT pg_temp.err($$SELECT kam.activity(now(), 1e19, 'month', '2999-01-01')$$);
SELECT pg_temp.err($$SELECT kam.activity(at, amount, CASE WHEN customer = 1 THEN 'month' ELSE 'week' END, '2024-03-31') FROM act_orders$$);
SELECT pg_temp.err($$SELECT kam.activity(at, amount, 'month', '2024-03-31'::date + customer) FROM act_orders$$);
SELECT pg_temp.err($$SELECT kam.activity_merge(a) FROM (VALUES ('month 2024-03-31 | 2024-01-01=1'::kam.activity), ('week 2024-03-31 | 2024-01-01=1')) v(a)$$);
SELECT pg_temp.err($$SELECT kam.activity_merge(a) FROM (VALUES ('month 2024-03-31 | 2024-01-01=1'::kam.activity), ('month 2024-04-30 | 2024-01-01=1')) v(a)$$);
SELECT pg_temp.err($$SELECT kam.retention_periods(a, 0) FROM acts$$);
SELECT pg_temp.err($$SELECT kam.retention_periods(a, NULL) FROM acts$$);
SELECT pg_temp.err($$SELECT kam.retention_periods(a, customer) FROM acts$$);
SELECT pg_temp.err($$SELECT kam.retention_periods(a, 1) FROM (VALUES ('month 2024-03-31 | 2024-01-01=1'::kam.activity), ('month 2024-04-30 | 2024-01-01=1')) v(a)$$);
SELECT pg_temp.err($$SELECT kam.cohort_matrix(a) FROM (VALUES ('month 2024-03-31 | 2024-01-01=1'::kam.activity), ('week 2024-03-31 | 2024-01-01=1')) v(a)$$);
SELECT pg_temp.err($$SELECT kam.cohort_matrix('day 2024-03-31 | 1990-01-01=1'::kam.activity)$$);
SELECT pg_temp.err($$SELECT kam.trailing_retention(a, 0) FROM acts$$);
SELECT pg_temp.err($$SELECT kam.trailing_retention(a, 1001) FROM acts$$);
SELECT pg_temp.err($$SELECT kam.activity_summary(a, 0, 3, 0.5) FROM acts$$);
SELECT pg_temp.err($$SELECT kam.activity_summary(a, 1, 0, 0.5) FROM acts$$);
SELECT pg_temp.err($$SELECT kam.activity_summary(a, 1, 3, 1.5) FROM acts$$);
SELECT pg_temp.err($$SELECT kam.activity_summary(a, 1, 3, 'NaN') FROM acts$$);
SELECT pg_temp.err($$SELECT kam.activity_summary(a, 1, 3, NULL) FROM acts$$);
SELECT pg_temp.err($$SELECT kam.activity_summary(NULL, NULL, 3, 0.5)$$);
SELECT pg_temp.err($$SELECT kam.set('shrink_ratio', '2')$$);
SELECT pg_temp.err($$SELECT kam.set('shrink_periods', '0')$$);
-- malformed text
SELECT pg_temp.err($$SELECT 'month 2024-03-31'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month 2024-03-31 |'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month|2024-01-01=1'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'fortnight 2024-03-31 | 2024-01-01=1'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month 2024-03-31 | 2024-01-02=1'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month 2024-03-31 | 2024-02-01=1, 2024-01-01=1'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month 2024-03-31 | 2024-01-01=1, 2024-01-01=1'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month 2024-03-31 | 2024-04-01=1'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month 2024-03-31 | 2024-01-01=1.0000000001'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month 2024-03-31 | 2024-01-01=abc'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month 2024-03-31 | 2024-01-01'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month infinity | 2024-01-01=1'::kam.activity$$);
SELECT pg_temp.err($$SELECT 'month 2024-03-31 | 2024-01-01=1 2'::kam.activity$$);
DROP TABLE act_orders, acts;
