-- kam.survival / kam.km_fit: the type, the aggregate's rules, bad input.
-- Hand-checked values: n = 5 subjects, times 2 (event), 2 (censored), 3
-- (event), 5 (event), 8 (censored).  At 2: 5 at risk, 1 event -> S = 4/5;
-- at 3: 3 at risk (the censored 2 left after the event at 2) -> S = 4/5 *
-- 2/3 = 8/15; at 5: 2 at risk -> S = 8/15 * 1/2 = 4/15.  Greenwood:
-- V(2) = 1/(5*4) = 0.05, V(3) = 0.05 + 1/(3*2), V(5) = V(3) + 1/(2*1).
CREATE TABLE obs (d float8, e boolean);
INSERT INTO obs VALUES (2, true), (2, false), (3, true), (5, true), (8, false);
SELECT kam.km_fit(d, e) FROM obs;
SELECT "time", n_risk, n_event, n_censor, survival, survival = 4.0/5 AND "time" = 2
       OR survival = (4.0/5) * (2.0/3) AND "time" = 3 OR survival = ((4.0/5) * (2.0/3)) * (1.0/2) AND "time" >= 5 AS hand,
       std_err_log = sqrt(CASE WHEN "time" = 2 THEN 1.0/20 WHEN "time" = 3 THEN 1.0/20 + 1.0/6
                               ELSE 1.0/20 + 1.0/6 + 1.0/2 END) AS greenwood
  FROM kam.km_curve((SELECT kam.km_fit(d, e) FROM obs));
-- right-continuous step function: S(t) includes the events at t
SELECT t, kam.km_survival((SELECT kam.km_fit(d, e) FROM obs), t) AS s
  FROM unnest(ARRAY['-Infinity', -1, 0, 1.999, 2, 2.5, 3, 5, 7, 8, 1e300, 'Infinity']::float8[]) t;

-- NULL rows are skipped; empty input, or only NULL rows, give NULL
SELECT kam.km_fit(d, e) FROM (VALUES (1::float8, true), (NULL, true), (2, NULL), (3, false)) v(d, e);
SELECT kam.km_fit(d, e) IS NULL AS empty FROM obs WHERE false;
SELECT kam.km_fit(d, e) IS NULL AS all_null FROM (VALUES (NULL::float8, true), (1, NULL)) v(d, e);
-- -0 is time 0
SELECT kam.km_fit(d, true) FROM (VALUES ('-0'::float8), (0)) v(d);

-- bad durations: 22023
SELECT kam.km_fit(d, true) FROM (VALUES (1::float8), (-1)) v(d);
SELECT kam.km_fit(d, true) FROM (VALUES ('NaN'::float8)) v(d);
SELECT kam.km_fit(d, true) FROM (VALUES ('Infinity'::float8)) v(d);
SELECT kam.km_fit(d, false) FROM (VALUES ('-Infinity'::float8)) v(d);
-- bad accessor arguments: 22023
SELECT kam.km_survival('{(1,1,0)}', 'NaN');
SELECT kam.km_quantile('{(1,1,0)}', 1.5);
SELECT kam.km_quantile('{(1,1,0)}', -0.1);
SELECT kam.km_quantile('{(1,1,0)}', 'NaN');
SELECT * FROM kam.km_curve('{(1,1,0)}', 1);
SELECT * FROM kam.km_curve('{(1,1,0)}', 0);
SELECT * FROM kam.km_curve('{(1,1,0)}', 'NaN');
-- support functions outside an aggregate: 0A000
SELECT kam.km_fit_transfn(NULL, 1, true);
SELECT kam.km_combine('{(1,1,0)}', '{(2,1,0)}');
-- STRICT accessors: NULL in, NULL out
SELECT kam.km_median(NULL) IS NULL AS m, kam.km_survival(NULL, 1) IS NULL AS s,
       kam.km_survival('{(1,1,0)}', NULL) IS NULL AS s2;

-- text form: exact round trip of the times (shortest exact float8 output)
SELECT '{(0,1,0),(1e-300,0,2),(0.1,3,0),(0.30000000000000004,1,1),(1.7976931348623157e+308,0,1)}'::kam.survival;
SELECT s::text::kam.survival::text = s::text AS round_trip
  FROM (SELECT kam.km_fit(random() * 1000, random() < 0.7) AS s FROM generate_series(1, 1000)) f;
SELECT ' { ( 1 , 2 , 0 ) , (2.5,0,1) } '::kam.survival;
-- malformed or inconsistent text: 22P02
SELECT '{}'::kam.survival;
SELECT '{(1,1,0),(1,0,1)}'::kam.survival;
SELECT '{(2,1,0),(1,0,1)}'::kam.survival;
SELECT '{(-1,1,0)}'::kam.survival;
SELECT '{(NaN,1,0)}'::kam.survival;
SELECT '{(Infinity,1,0)}'::kam.survival;
SELECT '{(1e400,1,0)}'::kam.survival;
SELECT '{(1,0,0)}'::kam.survival;
SELECT '{(1,-1,0)}'::kam.survival;
SELECT '{(1,1.5,0)}'::kam.survival;
SELECT '{(1,99999999999999999999,0)}'::kam.survival;
SELECT '{(1,1,0)'::kam.survival;
SELECT '{(1,1,0)} x'::kam.survival;
SELECT '(1,1,0)'::kam.survival;
SELECT '{(1,9223372036854775807,0),(2,1,0)}'::kam.survival;
-- binary form: int32 count, then (float8, int64, int64) per time
SELECT kam.km_survival_send('{(1,2,0),(2.5,0,1)}');

-- km_merge: the fit of the union of the observations
CREATE TABLE grouped AS
SELECT g % 7 AS g, (g * 7919 % 101)::float8 AS d, g % 3 <> 0 AS e FROM generate_series(1, 5000) g;
SELECT (SELECT kam.km_merge(s) FROM (SELECT kam.km_fit(d, e) s FROM grouped GROUP BY g) x)::text
     = (SELECT kam.km_fit(d, e) FROM grouped)::text AS merge_equals_fit;
SELECT kam.km_merge(s) FROM (VALUES ('{(1,1,0),(3,0,2)}'::kam.survival), (NULL), ('{(1,0,1),(2,5,0)}')) v(s);
-- as a window aggregate: the curve as the rows come in
SELECT d, e, kam.km_median(kam.km_fit(d, e) OVER (ORDER BY d, e DESC)) AS median_so_far FROM obs;

-- Order and plan independence: 200,000 observations with distinct
-- continuous times (the state's merge path); the fit is the same text with
-- and without parallel workers and whatever the input order.
CREATE TABLE big AS
SELECT (g * 0.618033988749895) % 1000 AS d, g % 5 <> 0 AS e FROM generate_series(1, 200000) g;
ANALYZE big;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT kam.km_fit(d, e) FROM big;
CREATE TABLE fit_parallel AS SELECT kam.km_fit(d, e) AS s FROM big;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE fit_serial AS SELECT kam.km_fit(d, e) AS s FROM big;
CREATE TABLE fit_sorted AS SELECT kam.km_fit(d, e ORDER BY d DESC) AS s FROM big;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT p.s::text = s.s::text AS parallel_equals_serial, o.s::text = s.s::text AS order_independent,
       (SELECT count(*) FROM kam.km_curve(s.s)) AS times,
       (SELECT sum(n_event) FROM kam.km_curve(s.s)) AS events,
       (SELECT count(DISTINCT d) FROM big) AS distinct_d,
       (SELECT count(*) FILTER (WHERE e) FROM big) AS events_in
  FROM fit_parallel p, fit_serial s, fit_sorted o;
-- many groups through a hash aggregation that spills to disk (tiny
-- work_mem) equal the same groups sorted
CREATE TABLE many AS
SELECT g % 5000 AS g, (g * 7919 % 97)::float8 + (g % 3) * 0.5 AS d, g % 4 <> 0 AS e
  FROM generate_series(1, 200000) g;
ANALYZE many;
SET work_mem = '64kB';
SET enable_sort = off;
CREATE TABLE by_hash AS SELECT g, kam.km_fit(d, e)::text AS s FROM many GROUP BY g;
RESET enable_sort;
SET enable_hashagg = off;
CREATE TABLE by_sort AS SELECT g, kam.km_fit(d, e)::text AS s FROM many GROUP BY g;
RESET enable_hashagg;
RESET work_mem;
SELECT count(*) AS groups, count(*) FILTER (WHERE h.s = s.s) AS equal
  FROM by_hash h JOIN by_sort s USING (g);
-- the fit stores and reads back as a column value
CREATE TABLE stored (s kam.survival);
INSERT INTO stored SELECT s FROM fit_serial;
SELECT (SELECT s::text FROM stored) = (SELECT s::text FROM fit_serial) AS stored_equal;

-- period indexes as src/period.c counts them (0 = the period holding 2000-01-01,
-- weeks from Monday 2000-01-03)
SELECT p, kam.km_period_index('1999-12-31', p) AS "1999-12-31", kam.km_period_index('2000-01-01', p) AS "2000-01-01",
       kam.km_period_index('2000-01-02', p) AS "2000-01-02", kam.km_period_index('2000-01-03', p) AS "2000-01-03",
       kam.km_period_index('2025-12-31', p) AS "2025-12-31"
  FROM unnest(ARRAY['day', 'week', 'month', 'quarter', 'year']) p;
SELECT kam.km_period_index('2025-01-01', 'fortnight');
SELECT kam.km_period_index('infinity', 'month');
