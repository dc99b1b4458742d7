-- Tier classification functions: kam.abc, kam.cumulative_share(_above),
-- kam.gini, kam.top_share, kam.pareto_fraction, kam.rfm_segment.
-- Every expected value is computed by hand in the comment above it.
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE TABLE abc_cases (name text, id int, v float8);
INSERT INTO abc_cases VALUES
	-- total 100; shares above: 0, .5, .8 -> A, A, B (20 sits exactly on the 80% cut: not below it)
	('on_the_cut', 1, 50), ('on_the_cut', 2, 30), ('on_the_cut', 3, 20),
	-- 30 crosses 80% (above .6, through .9): still A; 10 has .9 above: B
	('crossing', 1, 60), ('crossing', 2, 30), ('crossing', 3, 10),
	-- the tie group of three 10s starts at .7 (< .8): all A, though row by row they pass .8 and .9
	('tie_at_cut', 1, 70), ('tie_at_cut', 2, 10), ('tie_at_cut', 3, 10), ('tie_at_cut', 4, 10),
	-- ties below the cut: 40 | 20 20 (above .4) | 10 10 (above .8 -> B)
	('ties', 1, 40), ('ties', 2, 20), ('ties', 3, 20), ('ties', 4, 10), ('ties', 5, 10),
	-- only positive values count: total 10; 0 and -5 are C with cumulative share 1; NULL is C with NULL share
	('zero_negative_null', 1, 10), ('zero_negative_null', 2, 0), ('zero_negative_null', 3, -5),
	('zero_negative_null', 4, NULL),
	-- one customer: A, share 1
	('one', 1, 100),
	-- all equal: one tie group, all A
	('all_equal', 1, 5), ('all_equal', 2, 5), ('all_equal', 3, 5), ('all_equal', 4, 5),
	-- nothing positive: all C, shares NULL
	('no_positive', 1, 0), ('no_positive', 2, -1),
	-- 95% cut: 80 | 15 (above .8, B) | 4 (above .95: C) | 1 (above .99: C)
	('c_class', 1, 80), ('c_class', 2, 15), ('c_class', 3, 4), ('c_class', 4, 1);

SELECT name, id, v,
	   kam.abc(v) OVER w AS abc,
	   kam.cumulative_share_above(v) OVER w AS share_above,
	   kam.cumulative_share(v) OVER w AS cumulative_share
  FROM abc_cases
WINDOW w AS (PARTITION BY name ORDER BY v DESC)
 ORDER BY name, id;

-- custom cut-offs on (50, 30, 20): a = .5, b = .9 -> A (0), B (.5), B (.8)
SELECT id, kam.abc(v, 0.5, 0.9) OVER (ORDER BY v DESC) FROM abc_cases WHERE name = 'on_the_cut' ORDER BY id;
-- a = b = 1: every positive group is A
SELECT id, kam.abc(v, 1, 1) OVER (ORDER BY v DESC) FROM abc_cases WHERE name = 'c_class' ORDER BY id;
-- NULLS LAST and ties broken by another column are fine: the order of the values is what counts
SELECT id, kam.abc(v) OVER (ORDER BY v DESC NULLS LAST, id) FROM abc_cases
 WHERE name = 'zero_negative_null' ORDER BY id;
SELECT id, kam.abc(v) OVER (ORDER BY v DESC, id DESC) FROM abc_cases WHERE name = 'tie_at_cut' ORDER BY id;
-- an empty partition set gives no rows
SELECT kam.abc(v) OVER (ORDER BY v DESC) FROM abc_cases WHERE false;

-- rejected input
SELECT pg_temp.err($$SELECT kam.abc(v) OVER (ORDER BY v) FROM abc_cases WHERE name = 'crossing'$$);
SELECT pg_temp.err($$SELECT kam.abc(v) OVER (ORDER BY id) FROM abc_cases WHERE name = 'crossing' OR name = 'one'$$);
SELECT pg_temp.err($$SELECT kam.cumulative_share(v) OVER () FROM (VALUES (1.0::float8), (2.0)) t(v)$$);
SELECT pg_temp.err($$SELECT kam.abc(v, 0, 0.95) OVER (ORDER BY v DESC) FROM abc_cases$$);
SELECT pg_temp.err($$SELECT kam.abc(v, 0.8, 1.5) OVER (ORDER BY v DESC) FROM abc_cases$$);
SELECT pg_temp.err($$SELECT kam.abc(v, 'NaN', 0.95) OVER (ORDER BY v DESC) FROM abc_cases$$);
SELECT pg_temp.err($$SELECT kam.abc(v, 0.9, 0.8) OVER (ORDER BY v DESC) FROM abc_cases$$);
SELECT pg_temp.err($$SELECT kam.abc(v, NULL, 0.95) OVER (ORDER BY v DESC) FROM abc_cases$$);
SELECT pg_temp.err($$SELECT kam.abc(v) OVER (ORDER BY v DESC) FROM (VALUES ('NaN'::float8), (1)) t(v)$$);
SELECT pg_temp.err($$SELECT kam.cumulative_share(v) OVER (ORDER BY v DESC) FROM (VALUES ('Infinity'::float8), (1)) t(v)$$);
SELECT pg_temp.err($$SELECT kam.cumulative_share_above(v) OVER (ORDER BY v DESC) FROM (VALUES ('-Infinity'::float8), (1)) t(v)$$);

-- kam.abc against the rule written in plain SQL with exact numeric sums, on
-- 30,000 values with many ties (the demo-data comparison is test/t/tiers_views.sh)
CREATE TABLE abc_big AS
SELECT g AS id, g % 7 AS part, CASE WHEN g % 50 = 0 THEN NULL ELSE ((g * 7919) % 1009 - 60) / 4.0 END::float8 AS v
  FROM generate_series(1, 30000) g;
WITH k AS (
	SELECT id, part, v, kam.abc(v) OVER w AS abc, kam.cumulative_share(v) OVER w AS cs,
		   kam.cumulative_share_above(v) OVER w AS csa
	  FROM abc_big WINDOW w AS (PARTITION BY part ORDER BY v DESC)),
pos AS (SELECT id, part, v::numeric AS v FROM abc_big WHERE v > 0),
grp AS (
	SELECT part, v, sum(v) AS gsum FROM pos GROUP BY part, v),
cum AS (
	SELECT part, v, sum(gsum) OVER (PARTITION BY part ORDER BY v DESC) AS through,
		   sum(gsum) OVER (PARTITION BY part) AS total FROM grp),
ref AS (
	SELECT b.id,
		   CASE WHEN b.v IS NULL THEN NULL WHEN b.v <= 0 THEN 1 ELSE c.through / c.total END AS cs,
		   CASE WHEN b.v IS NULL THEN NULL WHEN b.v <= 0 THEN 1 ELSE (c.through - g.gsum) / c.total END AS csa
	  FROM abc_big b LEFT JOIN cum c ON c.part = b.part AND c.v = b.v::numeric
	  LEFT JOIN grp g ON g.part = b.part AND g.v = b.v::numeric)
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE k.abc IS DISTINCT FROM
		   CASE WHEN r.csa IS NULL OR r.csa >= 0.95 THEN 'C' WHEN r.csa < 0.8 THEN 'A' ELSE 'B' END) AS abc_mismatches,
	   count(*) FILTER (WHERE (k.cs IS NULL) <> (r.cs IS NULL) OR abs(k.cs - r.cs::float8) > 1e-13) AS share_mismatches,
	   count(*) FILTER (WHERE (k.csa IS NULL) <> (r.csa IS NULL) OR abs(k.csa - r.csa::float8) > 1e-13) AS above_mismatches,
	   count(*) FILTER (WHERE k.abc = 'A') AS a, count(*) FILTER (WHERE k.abc = 'B') AS b
  FROM k JOIN ref r USING (id);

-- Gini: sorted 20 30 50 100 100 250 450, n 7, total 1000; sum (2i-8) x_i = 3560;
-- 3560 / (7 * 1000) = 0.5085714286.  top_share(.2): top 1.4 customers = 450 + .4 * 250
-- = 550 -> .55.  pareto_fraction(.8): 450 + 250 + 100 = 800 exactly -> 3/7;
-- pareto_fraction(.5): 450, then .2 of 250 -> 1.2/7.
CREATE TABLE conc_cases (g text, v float8);
INSERT INTO conc_cases VALUES ('seven', 450), ('seven', 250), ('seven', 100), ('seven', 100),
	('seven', 50), ('seven', 30), ('seven', 20), ('seven', NULL),
	-- one positive among zeros: sorted 0 0 0 10, weights -3 -1 1 3 -> 30/40 = .75 = (n-1)/n
	('one_of_four', 0), ('one_of_four', 0), ('one_of_four', 0), ('one_of_four', 10),
	-- equal values: Gini 0, top 20% holds 20%
	('equal', 3), ('equal', 3), ('equal', 3), ('equal', 3), ('equal', 3),
	('single', 42),
	('zeros', 0), ('zeros', 0),
	('nulls', NULL);
SELECT g, round(kam.gini(v)::numeric, 10) AS gini,
	   round(kam.top_share(v, 0.2)::numeric, 10) AS top_20,
	   round(kam.pareto_fraction(v, 0.8)::numeric, 10) AS pareto_80,
	   round(kam.pareto_fraction(v, 0.5)::numeric, 10) AS pareto_50,
	   kam.top_share(v, 0) AS top_0, kam.top_share(v, 1) AS top_all,
	   kam.pareto_fraction(v, 0) AS pareto_0, kam.pareto_fraction(v, 1) AS pareto_all
  FROM conc_cases GROUP BY g ORDER BY g;
SELECT kam.gini(v), kam.top_share(v, 0.2), kam.pareto_fraction(v, 0.8) FROM conc_cases WHERE false;

-- rejected input
SELECT pg_temp.err($$SELECT kam.gini(v) FROM (VALUES (1.0::float8), (-0.5)) t(v)$$);
SELECT pg_temp.err($$SELECT kam.gini(v) FROM (VALUES (1.0::float8), ('NaN')) t(v)$$);
SELECT pg_temp.err($$SELECT kam.top_share(v, 1.5) FROM (VALUES (1.0::float8)) t(v)$$);
SELECT pg_temp.err($$SELECT kam.top_share(v, -0.1) FROM (VALUES (1.0::float8)) t(v)$$);
SELECT pg_temp.err($$SELECT kam.top_share(v, NULL) FROM (VALUES (1.0::float8)) t(v)$$);
SELECT pg_temp.err($$SELECT kam.top_share(v, f) FROM (VALUES (1.0::float8, 0.2::float8), (2, 0.3)) t(v, f)$$);
SELECT pg_temp.err($$SELECT kam.pareto_fraction(v, 'NaN') FROM (VALUES (1.0::float8)) t(v)$$);
SELECT pg_temp.err($$SELECT kam.pareto_fraction(v, 0.8) FROM (VALUES ('Infinity'::float8)) t(v)$$);
SELECT pg_temp.err($$SELECT kam.pareto_fraction(v, 0.8) FROM (VALUES (-1::float8)) t(v)$$);

-- parallel aggregation: partial states cross worker boundaries (serialize,
-- combine) and the result equals the serial one bit for bit, and the formula
-- in plain SQL with exact numeric arithmetic
CREATE TABLE conc_big AS
SELECT g AS id, ((g * 7919) % 10007 + (g % 13) * 0.37)::float8 AS v FROM generate_series(1, 200000) g;
ANALYZE conc_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT kam.gini(v), kam.top_share(v, 0.2), kam.pareto_fraction(v, 0.8) FROM conc_big;
CREATE TEMP TABLE conc_parallel AS
SELECT kam.gini(v) AS gini, kam.top_share(v, 0.2) AS top, kam.pareto_fraction(v, 0.8) AS pareto FROM conc_big;
RESET max_parallel_workers_per_gather;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE conc_serial AS
SELECT kam.gini(v) AS gini, kam.top_share(v, 0.2) AS top, kam.pareto_fraction(v, 0.8) AS pareto FROM conc_big;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT p.gini = s.gini AND p.top = s.top AND p.pareto = s.pareto AS parallel_equals_serial
  FROM conc_parallel p, conc_serial s;
WITH o AS (SELECT v::numeric AS v, row_number() OVER (ORDER BY v) AS i, count(*) OVER () AS n FROM conc_big),
d AS (SELECT v, row_number() OVER (ORDER BY v DESC) AS j, n, sum(v) OVER (ORDER BY v DESC ROWS UNBOUNDED PRECEDING) AS cum FROM o),
tot AS (SELECT sum(v) AS total, max(n) AS n FROM o),
ref AS (
	SELECT (SELECT sum((2 * i - n - 1) * v) FROM o) / (tot.n * tot.total) AS gini,
		   -- top 20% of 200000 = the 40000 largest exactly
		   (SELECT cum FROM d WHERE j = 40000) / tot.total AS top,
		   -- first customer j whose cumulative share reaches .8, and the part of it needed
		   (SELECT (x.j - 1 + (0.8 * tot.total - (x.cum - x.v)) / x.v) / tot.n
			  FROM (SELECT * FROM d WHERE cum >= 0.8 * tot.total ORDER BY j LIMIT 1) x) AS pareto
	  FROM tot)
SELECT abs(s.gini - r.gini::float8) < 1e-14 AS gini_ok, abs(s.top - r.top::float8) < 1e-14 AS top_ok,
	   abs(s.pareto - r.pareto::float8) < 1e-14 AS pareto_ok
  FROM conc_serial s, ref r;

-- RFM segments: the default grid, R down, F across
SELECT r, string_agg(kam.rfm_segment(r, f), ' | ' ORDER BY f) AS f1_to_f5
  FROM generate_series(1, 5) r, generate_series(1, 5) f GROUP BY r ORDER BY r DESC;
SELECT kam.rfm_segment(NULL, 3) IS NULL AS null_in_null_out;
SELECT pg_temp.err($$SELECT kam.rfm_segment(0, 3)$$);
SELECT pg_temp.err($$SELECT kam.rfm_segment(3, 6)$$);

-- kam.tier_scores: {cumulative_share, share_above, r, f, m} over the whole
-- partition.  Total of the positive values 250: ids 1 and 2 tie (share above
-- 0, through 200/250 = 0.8), id 3 (above 0.8, through 1), zero and negative
-- values share 1, NULL none.  Buyers (days > 0): ids 1-5, n = 5; r counts the
-- buyers with recency >= own: id 3 (0) 5 -> 5, id 4 (3) 4 -> 4, id 1 (5) 3 -> 3,
-- id 2 (10) 2 -> 2, id 5 (40) 1 -> 1; f counts days <= own: 1 1 1 (3 of 5 -> 3),
-- 2 -> 4, 3 -> 5; m counts revenue <= own: -10 -> 1, 0 -> 2, 50 -> 3, 100 100 -> 5.
CREATE TEMP TABLE ts(id int, v float8, r int, d int8);
INSERT INTO ts VALUES (1, 100, 5, 3), (2, 100, 10, 1), (3, 50, 0, 2), (4, 0, 3, 1), (5, -10, 40, 1),
	(6, NULL, NULL, 0), (7, 0, NULL, 0);
SELECT id, kam.tier_scores(v, r, d) OVER () AS scores FROM ts ORDER BY id;
-- the same shares as the ordered window functions
SELECT bool_and(s[1] IS NOT DISTINCT FROM c AND s[2] IS NOT DISTINCT FROM a) AS same_as_window_functions
  FROM (SELECT kam.tier_scores(v, r, d) OVER () AS s, kam.cumulative_share(v) OVER w AS c,
			   kam.cumulative_share_above(v) OVER w AS a
		  FROM ts WINDOW w AS (ORDER BY v DESC)) x;
-- no positive revenue: no shares; no rows: no result
SELECT kam.tier_scores(v, r, d) OVER () AS scores FROM ts WHERE v <= 0 ORDER BY id;
SELECT count(*) FROM (SELECT kam.tier_scores(v, r, d) OVER () FROM ts WHERE false) x;
SELECT pg_temp.err($$SELECT kam.tier_scores(v, NULL, d) OVER () FROM ts$$);
SELECT pg_temp.err($$SELECT kam.tier_scores('NaN', r, d) OVER () FROM ts$$);

-- kam.loyalty_stage: the last rung met of those in order, every earlier one met
SELECT p, q, kam.loyalty_stage(p, q, '{0,1,2,NULL}', '{NULL,NULL,NULL,2}', '{NULL,NULL,NULL,3}') AS stage
  FROM (VALUES (0::int8, 0::int8), (1, 0), (2, 0), (2, 3), (2, 8), (5, 5), (1, 7)) v(p, q) ORDER BY p, q;
SELECT kam.loyalty_stage(3, 0, '{1,5,2}', '{NULL,NULL,NULL}', '{NULL,NULL,NULL}') AS stops_at_first_unmet,
	   kam.loyalty_stage(3, 0, '{}', '{}', '{}') IS NULL AS empty_ladder;
SELECT pg_temp.err($$SELECT kam.loyalty_stage(1, 0, '{1,2}', '{NULL}', '{NULL}')$$);
SELECT pg_temp.err($$SELECT kam.loyalty_stage(1, 0, '{-1}', '{NULL}', '{NULL}')$$);
SELECT pg_temp.err($$SELECT kam.loyalty_stage(1, 0, '{1}', '{3}', '{2}')$$);
SELECT pg_temp.err($$SELECT kam.loyalty_stage(1, 0, '{1}', '{3}', '{NULL}')$$);

-- kam.pareto_sums: running sums at the Pareto points and the next value.
-- {3, 1, 2}: sums of the 0..3 largest 0, 3, 5, 6; the next value 3, 2, 1, none
SELECT kam.pareto_sums(v) FROM (VALUES (3::float8), (1), (2)) x(v);
SELECT kam.pareto_sums(v) IS NULL AS empty_is_null FROM (VALUES (NULL::float8)) x(v);
-- 250 values, point k at customer k * 250 / 100: against the SQL window sums
WITH v AS (SELECT (g * 1.25)::float8 AS v FROM generate_series(1, 250) g),
s AS (SELECT row_number() OVER w AS i, v.v::numeric AS v, sum(v.v::numeric) OVER w AS cum
		FROM v WINDOW w AS (ORDER BY v.v DESC ROWS UNBOUNDED PRECEDING)),
ref AS (
	SELECT array_agg(COALESCE((SELECT s.cum FROM s WHERE s.i = k * 250 / 100), 0) ORDER BY k)
		   || array_agg((SELECT s.v FROM s WHERE s.i = k * 250 / 100 + 1) ORDER BY k) AS a
	  FROM generate_series(0, 100) k)
SELECT (SELECT kam.pareto_sums(v) FROM v) = ref.a AS same_as_window_sums, array_length(ref.a, 1) AS elements FROM ref;
SELECT pg_temp.err($$SELECT kam.pareto_sums(v) FROM (VALUES (1::float8), (-1)) x(v)$$);
