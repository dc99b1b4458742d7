-- BG/BB (Fader, Hardie & Shang 2010) and MBG/NBD (Batislam, Denizel &
-- Filiztekin 2007): the published donation-data fit from a grouped copy of
-- the data, the likelihood against plain SQL at kam's optimum (with a
-- vanishing finite-difference gradient), the scoring functions against the
-- paper's published values and direct sums in SQL, extreme inputs, grouping
-- and order invariance, and rejected input.
SET extra_float_digits = 0;

-- ln Gamma by shifting to z >= 15 and Stirling's series (independent of C's lgamma)
CREATE FUNCTION pg_temp.lgamma(z float8) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE acc float8 := 0;
BEGIN
	WHILE z < 15 LOOP acc := acc - ln(z); z := z + 1; END LOOP;
	RETURN acc + (z - 0.5) * ln(z) - z + 0.5 * ln(2 * pi()) + 1 / (12 * z) - 1 / (360 * z ^ 3)
		+ 1 / (1260 * z ^ 5) - 1 / (1680 * z ^ 7);
END $$;
CREATE FUNCTION pg_temp.lbeta(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT pg_temp.lgamma(a) + pg_temp.lgamma(b) - pg_temp.lgamma(a + b) $$;
-- 2F1(a, b; c; z) by direct summation of the Gauss series
CREATE FUNCTION pg_temp.hyp2f1(a float8, b float8, c float8, z float8) RETURNS float8
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE s float8 := 1; t float8 := 1; k int := 0;
BEGIN
	LOOP
		t := t * (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
		s := s + t; k := k + 1;
		EXIT WHEN abs(t) < 1e-17 * abs(s) AND k > 10 OR k > 2000000;
	END LOOP;
	RETURN s;
END $$;

-- The 1995 cohort of the paper (11,104 donors, 6 opportunities 1996-2001),
-- grouped by (frequency, recency): ../shared/data/donations.csv.
CREATE TABLE vd_donations (x int, tx int, n int, w float8);
INSERT INTO vd_donations VALUES
	(0, 0, 6, 3464), (1, 1, 6, 1091), (1, 2, 6, 277), (1, 3, 6, 129), (1, 4, 6, 78),
	(1, 5, 6, 119), (1, 6, 6, 129), (2, 2, 6, 613), (2, 3, 6, 255), (2, 4, 6, 155),
	(2, 5, 6, 173), (2, 6, 6, 234), (3, 3, 6, 322), (3, 4, 6, 181), (3, 5, 6, 225),
	(3, 6, 6, 357), (4, 4, 6, 240), (4, 5, 6, 284), (4, 6, 6, 512), (5, 5, 6, 335),
	(5, 6, 6, 728), (6, 6, 6, 1203);
SELECT count(*) AS patterns, sum(w) AS donors, sum(w * x) AS repeat_donations FROM vd_donations;

-- Published (Fader, Hardie & Shang 2010): alpha 1.204, beta 0.750, gamma 0.657,
-- delta 2.783, LL -33,225.6.
CREATE TABLE vd_bb AS SELECT (kam.bgbb_fit(x, tx, n, w)).* FROM vd_donations;
SELECT round(alpha::numeric, 3) AS alpha, round(beta::numeric, 3) AS beta,
	round(gamma::numeric, 3) AS gamma, round(delta::numeric, 3) AS delta,
	round(log_likelihood::numeric, 1) AS ll, n, converged FROM vd_bb;

-- BG/BB likelihood of one (x, t_x, n) in plain SQL (the paper's likelihood), the sum over
-- the death opportunities written out term by term
CREATE FUNCTION pg_temp.bb_ll(p float8[], x int, tx int, n int) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT ln(exp(pg_temp.lbeta(p[1] + x, p[2] + n - x) - pg_temp.lbeta(p[1], p[2])
			+ pg_temp.lbeta(p[3], p[4] + n) - pg_temp.lbeta(p[3], p[4]))
	+ coalesce((SELECT sum(exp(pg_temp.lbeta(p[1] + x, p[2] + tx - x + i) - pg_temp.lbeta(p[1], p[2])
			+ pg_temp.lbeta(p[3] + 1, p[4] + tx + i) - pg_temp.lbeta(p[3], p[4])))
		FROM generate_series(0, n - tx - 1) i), 0)) $$;
CREATE FUNCTION pg_temp.check_fit(what text, p float8[], ll float8, ll_sql text)
RETURNS TABLE (model text, ll_matches boolean, max_fd_gradient_ok boolean) LANGUAGE plpgsql AS $$
DECLARE
	oracle float8; g float8; gmax float8 := 0; q float8[]; lp float8; lm float8; n float8; h float8 := 1e-5;
BEGIN
	EXECUTE format('SELECT sum(w * %s), sum(w) FROM fitdata', replace(ll_sql, '$P', quote_literal(p) || '::float8[]'))
		INTO oracle, n;
	FOR k IN 1 .. array_length(p, 1) LOOP
		q := p; q[k] := p[k] * exp(h);
		EXECUTE format('SELECT sum(w * %s) FROM fitdata', replace(ll_sql, '$P', quote_literal(q) || '::float8[]')) INTO lp;
		q[k] := p[k] * exp(-h);
		EXECUTE format('SELECT sum(w * %s) FROM fitdata', replace(ll_sql, '$P', quote_literal(q) || '::float8[]')) INTO lm;
		g := (lp - lm) / (2 * h) / n;       -- d mean LL / d ln(parameter)
		gmax := greatest(gmax, abs(g));
	END LOOP;
	IF abs(oracle - ll) > 1e-9 * abs(ll) OR gmax > 1e-6 THEN
		RAISE NOTICE '% LL % oracle % max fd gradient %', what, ll, oracle, gmax;
	END IF;
	RETURN QUERY SELECT what, abs(oracle - ll) <= 1e-9 * abs(ll), gmax <= 1e-6;
END $$;
CREATE TEMP VIEW fitdata AS SELECT * FROM vd_donations;
SELECT c.* FROM vd_bb, pg_temp.check_fit('bgbb donations', ARRAY[alpha, beta, gamma, delta], log_likelihood,
	'pg_temp.bb_ll($P, x, tx, n)') c;

-- A second data set with varying n_periods (1..30), from the BG/BB story with
-- deterministic uniforms: p ~ Beta(2, 3) and theta ~ Beta(1, 4) by the
-- inverse of closed-form CDFs.  The fit is checked against the likelihood.
CREATE FUNCTION pg_temp.u(i int, k int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT (('x' || substr(md5(i || ':' || k), 1, 8))::bit(32)::bigint + 0.5) / 4294967296 $$;
CREATE TABLE vd_opp AS
WITH c AS (
	SELECT i AS id, 1 - sqrt(pg_temp.u(i, 1)) AS p, 1 - pg_temp.u(i, 2) ^ 0.25 AS theta,
		1 + floor(30 * pg_temp.u(i, 3))::int AS n
	FROM generate_series(1, 1200) i),
o AS (
	SELECT c.id, c.n, k,
		bool_and(pg_temp.u(c.id, 100 + k) >= c.theta) OVER (PARTITION BY c.id ORDER BY k) AS alive,
		pg_temp.u(c.id, 200 + k) < c.p AS buys
	FROM c, generate_series(1, c.n) k)
SELECT id, n, count(*) FILTER (WHERE alive AND buys)::int AS x,
	coalesce(max(k) FILTER (WHERE alive AND buys), 0)::int AS tx
FROM o GROUP BY id, n;
SELECT count(*), sum(x), count(*) FILTER (WHERE x = 0) AS zeros, max(n) FROM vd_opp;
CREATE TABLE vd_bb2 AS SELECT (kam.bgbb_fit(x, tx, n)).* FROM vd_opp;
SELECT round(alpha::numeric, 4) AS alpha, round(beta::numeric, 4) AS beta,
	round(gamma::numeric, 4) AS gamma, round(delta::numeric, 4) AS delta,
	round(log_likelihood::numeric, 4) AS ll, n, converged FROM vd_bb2;
CREATE OR REPLACE TEMP VIEW fitdata AS SELECT x, tx, n, count(*)::float8 AS w FROM vd_opp GROUP BY 1, 2, 3;
SELECT c.* FROM vd_bb2, pg_temp.check_fit('bgbb simulated', ARRAY[alpha, beta, gamma, delta], log_likelihood,
	'pg_temp.bb_ll($P, x, tx, n)') c;

-- Scoring.  Published: Table 6 of the paper, P(alive in 2002) 0.11 for
-- (x, t_x) = (0, 0), 0.59 for (2, 4), 0.93 for (6, 6); Hardie's spreadsheet
-- (note 010, "Conditional Expectations (II)"): 12,884.2 expected donations
-- in 2002-2006 from the whole cohort.
CREATE TABLE vd_m AS SELECT kam.bgbb_fit(x, tx, n, w) AS m FROM vd_donations;
SELECT x, tx, round(kam.p_alive(m, x, tx, n)::numeric, 2) AS p_alive_2002
FROM vd_m, vd_donations WHERE (x, tx) IN ((0, 0), (2, 4), (6, 6)) ORDER BY x;
SELECT round(sum(w * kam.expected_purchases(m, 5, x, tx, n))::numeric, 1) AS expected_2002_2006 FROM vd_m, vd_donations;

-- Oracles in plain SQL: P(alive at n+1), E[X(n, n+m)] as the direct sum of
-- P(alive at n+k and transacts) over k, DERT as the discounted direct sum.
CREATE FUNCTION pg_temp.bb_palive(p float8[], ll float8, x int, n int) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
 SELECT exp(pg_temp.lbeta(p[1] + x, p[2] + n - x) - pg_temp.lbeta(p[1], p[2])
	+ pg_temp.lbeta(p[3], p[4] + n + 1) - pg_temp.lbeta(p[3], p[4]) - ll) $$;
-- sum_{k=1}^{m} B(gamma, delta+n+k) / B(gamma, delta) / (1+d)^k, each term from the previous
CREATE FUNCTION pg_temp.bb_alive_sum(p float8[], m int, d float8, n int) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE s float8 := 0; t float8; k int := 1;
BEGIN
	t := exp(pg_temp.lbeta(p[3], p[4] + n + 1) - pg_temp.lbeta(p[3], p[4])) / (1 + d);
	WHILE k <= m LOOP
		s := s + t;
		t := t * (p[4] + n + k) / (p[3] + p[4] + n + k) / (1 + d);
		k := k + 1;
		EXIT WHEN d > 0 AND t < 1e-18 * s;
	END LOOP;
	RETURN s;
END $$;
CREATE FUNCTION pg_temp.bb_exp(p float8[], ll float8, m int, d float8, x int, n int) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
 SELECT exp(pg_temp.lbeta(p[1] + x + 1, p[2] + n - x) - pg_temp.lbeta(p[1], p[2]) - ll) * pg_temp.bb_alive_sum(p, m, d, n) $$;
CREATE TABLE vd_pts (x int, tx int, n int);
INSERT INTO vd_pts VALUES (0, 0, 0), (0, 0, 1), (0, 0, 6), (1, 1, 6), (2, 4, 6), (6, 6, 6), (3, 10, 40),
	(0, 0, 200), (200, 200, 200), (1, 1, 200), (50, 120, 150);
CREATE TABLE vd_models (name text, m kam.bgbb);
INSERT INTO vd_models SELECT 'donations', m FROM vd_m;
INSERT INTO vd_models VALUES ('gamma 1', ROW(1.2, 0.75, 1, 2.78, 0, 0, 0, true)),
	('gamma 1 + 1e-9', ROW(1.2, 0.75, 1 + 1e-9, 2.78, 0, 0, 0, true)),
	('gamma 3.5', ROW(0.4, 2.5, 3.5, 0.6, 0, 0, 0, true));
CREATE TABLE vd_rel AS
WITH s AS MATERIALIZED (
	SELECT name, m, q, p.x, p.tx, p.n, pg_temp.bb_ll(q, p.x, p.tx, p.n) AS ll
	FROM (SELECT name, m, ARRAY[(m).alpha, (m).beta, (m).gamma, (m).delta] AS q FROM vd_models) s, vd_pts p)
SELECT name, x, tx, n,
	abs(kam.p_alive(m, x, tx, n) / pg_temp.bb_palive(q, ll, x, n) - 1) AS e_alive,
	(SELECT max(abs(kam.expected_purchases(m, nf, x, tx, n) / pg_temp.bb_exp(q, ll, nf, 0, x, n) - 1))
	   FROM unnest(ARRAY[1, 7, 1000, 1001, 20000]) nf) AS e_exp,
	(SELECT max(abs(kam.dert(m, d, x, tx, n) / pg_temp.bb_exp(q, ll, 10000000, d, x, n) - 1))
	   FROM unnest(ARRAY[0.1, 0.01]) d) AS e_dert
FROM s;
SELECT name, count(*) AS points, max(e_alive) < 1e-9 AS p_alive_ok, max(e_exp) < 1e-9 AS expected_ok,
	max(e_dert) < 1e-9 AS dert_ok FROM vd_rel GROUP BY name ORDER BY name;
SELECT name, x, tx, n, e_alive, e_exp, e_dert FROM vd_rel WHERE greatest(e_alive, e_exp, e_dert) >= 1e-9;
-- the first opportunity: E[X(n, n+1)] = P(alive at n+1) E[p | data]
SELECT bool_and(abs(kam.expected_purchases(m, 1, x, tx, n)
	/ (kam.p_alive(m, x, tx, n) * ((m).alpha + x) / ((m).alpha + (m).beta + n)) - 1) < 1e-12) AS first_opportunity_ok
FROM vd_m, vd_pts;
-- E[X] grows with n_future, DERT lies between the discounted first transaction
-- and the undiscounted long-run total
SELECT bool_and(kam.expected_purchases(m, 10, x, tx, n) < kam.expected_purchases(m, 11, x, tx, n)
	AND kam.dert(m, 0.1, x, tx, n) > kam.expected_purchases(m, 1, x, tx, n) / 1.1
	AND kam.dert(m, 0.1, x, tx, n) < kam.expected_purchases(m, 100000, x, tx, n)) AS monotone_ok
FROM vd_m, vd_pts;

-- Extremes: finite, P(alive) in [0, 1], E[X] in [0, n_future]
SELECT name, bool_and(pa >= 0 AND pa <= 1 AND e >= 0 AND e <= nf AND d >= 0
	AND pa::text NOT IN ('NaN', 'Infinity') AND e::text NOT IN ('NaN', 'Infinity') AND d::text NOT IN ('NaN', 'Infinity')) AS finite_ok
FROM (SELECT name, nf, kam.p_alive(m, x, tx, n) AS pa, kam.expected_purchases(m, nf, x, tx, n) AS e,
		kam.dert(m, 1e-4, x, tx, n) AS d
	  FROM vd_models, (VALUES (0, 0, 1000000), (1000000, 1000000, 1000000), (1, 1, 1000000), (500000, 999999, 1000000),
		(0, 0, 0), (1, 1, 1)) p(x, tx, n), (VALUES (0), (1), (2147483647)) f(nf)) s
GROUP BY name ORDER BY name;
-- removable singularity at gamma = 1: the closed form is continuous there
SELECT abs(kam.expected_purchases(a.m, 50000, 2, 4, 6) / kam.expected_purchases(b.m, 50000, 2, 4, 6) - 1) < 1e-8 AS gamma_1_continuous
FROM vd_models a, vd_models b WHERE a.name = 'gamma 1' AND b.name = 'gamma 1 + 1e-9';

-- Grouping with a weight, row order, zero weights and NULL rows
CREATE TABLE vd_don_rows AS SELECT row_number() OVER () AS id, x, tx, n FROM vd_donations, generate_series(1, w::int);
SELECT (SELECT kam.bgbb_fit(x, tx, n) FROM vd_don_rows) = (SELECT kam.bgbb_fit(x, tx, n, w) FROM vd_donations) AS weighted_same,
	(SELECT kam.bgbb_fit(x, tx, n ORDER BY id DESC) FROM vd_don_rows) = (SELECT kam.bgbb_fit(x, tx, n ORDER BY id) FROM vd_don_rows) AS order_independent,
	(SELECT kam.bgbb_fit(x, tx, n, CASE WHEN id % 2 = 0 THEN 0 ELSE 1 END) FROM vd_don_rows)
	= (SELECT kam.bgbb_fit(x, tx, n) FROM vd_don_rows WHERE id % 2 = 1) AS zero_weight_ignored,
	(SELECT kam.bgbb_fit(x, CASE WHEN id = 7 THEN NULL ELSE tx END, n) FROM vd_don_rows)
	= (SELECT kam.bgbb_fit(x, tx, n) FROM vd_don_rows WHERE id <> 7) AS null_rows_skipped;
SELECT kam.bgbb_fit(x, tx, n) IS NULL AS no_rows FROM vd_donations WHERE false;

-- Rejected input
SELECT kam.bgbb_fit(-1, 0, 6);
SELECT kam.bgbb_fit(1, -1, 6);
SELECT kam.bgbb_fit(0, 0, -1);
SELECT kam.bgbb_fit(7, 7, 6);
SELECT kam.bgbb_fit(1, 7, 6);
SELECT kam.bgbb_fit(3, 2, 6);
SELECT kam.bgbb_fit(0, 2, 6);
SELECT kam.bgbb_fit(0, 0, 1000001);
SELECT kam.bgbb_fit(1, 1, 6, -1);
SELECT kam.bgbb_fit(1, 1, 6, 'NaN');
SELECT kam.bgbb_fit(0, 0, n) FROM vd_donations;
SELECT kam.p_alive(m, 7, 7, 6) FROM vd_m;
SELECT kam.expected_purchases(m, -1, 1, 1, 6) FROM vd_m;
SELECT kam.dert(m, 0, 1, 1, 6) FROM vd_m;
SELECT kam.dert(m, 'NaN', 1, 1, 6) FROM vd_m;
SELECT kam.dert(m, 1e-300, 1, 1, 6) FROM vd_m;
SELECT kam.p_alive(ROW(1, NULL, 1, 1, 0, 0, 0, true)::kam.bgbb, 1, 1, 6);
SELECT kam.p_alive(ROW(1, -1, 1, 1, 0, 0, 0, true)::kam.bgbb, 1, 1, 6);
-- no heterogeneity in p: every donor gives at every opportunity alive (beta -> 0)
SELECT converged FROM (SELECT (kam.bgbb_fit(6, 6, 6)).* FROM generate_series(1, 10)) s;

-- MBG/NBD ---------------------------------------------------------------------
-- Customers from the MBG/NBD story (lambda ~ Gamma(1, 2), p ~ Beta(1, 3),
-- the first dropout chance at time 0, T uniform 10..40), deterministic uniforms.
CREATE TABLE vd_cust AS
WITH RECURSIVE c AS (
	SELECT i AS id, -ln(pg_temp.u(i, 1)) / 2 AS lambda, 1 - pg_temp.u(i, 2) ^ (1.0 / 3) AS p,
		round((10 + 30 * pg_temp.u(i, 3))::numeric, 2)::float8 AS t
	FROM generate_series(1, 1500) i),
buys(id, k, at, alive) AS (
	SELECT id, 0, 0::float8, pg_temp.u(id, 999) >= p FROM c
	UNION ALL
	SELECT b.id, b.k + 1, b.at - ln(pg_temp.u(b.id, 10 + b.k)) / c.lambda, pg_temp.u(b.id, 1000 + b.k) >= c.p
	FROM buys b JOIN c USING (id)
	WHERE b.alive AND b.at - ln(pg_temp.u(b.id, 10 + b.k)) / c.lambda <= c.t AND b.k < 200)
SELECT c.id, count(*)::int - 1 AS x, round(max(b.at)::numeric, 2)::float8 AS tx, c.t
FROM c JOIN buys b USING (id) GROUP BY c.id, c.t;
SELECT count(*), sum(x), count(*) FILTER (WHERE x = 0) AS zeros, max(x) FROM vd_cust;
CREATE TABLE vd_mbg AS SELECT (kam.mbgnbd_fit(x, tx, t)).* FROM vd_cust;
SELECT round(r::numeric, 4) AS r, round(alpha::numeric, 3) AS alpha, round(a::numeric, 4) AS a,
	round(b::numeric, 4) AS b, round(log_likelihood::numeric, 4) AS ll, n, converged FROM vd_mbg;
-- MBG/NBD log-likelihood of one row in plain SQL (lifetimes' ModifiedBetaGeoFitter)
CREATE FUNCTION pg_temp.mbg_ll(p float8[], x int, tx float8, t float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT pg_temp.lgamma(p[1] + x) - pg_temp.lgamma(p[1]) + p[1] * ln(p[2]) + pg_temp.lgamma(p[3] + p[4])
	+ pg_temp.lgamma(p[4] + x + 1) - pg_temp.lgamma(p[4]) - pg_temp.lgamma(p[3] + p[4] + x + 1)
	+ ln((p[2] + t) ^ (-(p[1] + x)) + p[3] / (p[4] + x) * (p[2] + tx) ^ (-(p[1] + x))) $$;
DROP VIEW fitdata;
CREATE TEMP VIEW fitdata AS SELECT x, tx, t, 1::float8 AS w FROM vd_cust;
SELECT c.* FROM vd_mbg, pg_temp.check_fit('mbgnbd', ARRAY[r, alpha, a, b], log_likelihood,
	'pg_temp.mbg_ll($P, x, tx, t)') c;
SELECT (SELECT kam.mbgnbd_fit(x, tx, t, w) FROM (SELECT x, tx, t, count(*)::float8 w FROM vd_cust GROUP BY 1, 2, 3) g)
	= (SELECT kam.mbgnbd_fit(x, tx, t) FROM vd_cust) AS mbgnbd_weighted_same,
	(SELECT kam.mbgnbd_fit(x, tx, t ORDER BY id DESC) FROM vd_cust) = (SELECT kam.mbgnbd_fit(x, tx, t ORDER BY id) FROM vd_cust)
	AS mbgnbd_order_independent;
-- scoring against lifetimes' closed forms with 2F1 summed directly
CREATE FUNCTION pg_temp.mbg_palive(p float8[], x int, tx float8, t float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
 SELECT 1 / (1 + p[3] / (p[4] + x) * ((p[2] + t) / (p[2] + tx)) ^ (p[1] + x)) $$;
CREATE FUNCTION pg_temp.mbg_exp(p float8[], h float8, x int, tx float8, t float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
 SELECT (p[3] + p[4] + x) / (p[3] - 1)
	* (1 - ((p[2] + t) / (p[2] + t + h)) ^ (p[1] + x)
		* pg_temp.hyp2f1(p[1] + x, p[4] + x + 1, p[3] + p[4] + x, h / (p[2] + t + h)))
	* pg_temp.mbg_palive(p, x, tx, t) $$;
CREATE TABLE vd_mpts (x int, tx float8, t float8, h float8);
INSERT INTO vd_mpts VALUES (0, 0, 10, 10), (0, 0, 0, 5), (1, 5, 20, 30), (4, 30, 30, 1), (2, 30.43, 38.86, 39),
	(10, 15, 40, 100), (0, 0, 40, 0.01), (25, 39, 40, 20);
CREATE TABLE vd_mmodels (name text, m kam.mbgnbd);
INSERT INTO vd_mmodels SELECT 'fit', kam.mbgnbd_fit(x, tx, t) FROM vd_cust;
INSERT INTO vd_mmodels VALUES ('a 0.4', ROW(0.5, 6, 0.4, 1.6, 0, 0, 0, true)),
	('a 2.5', ROW(2, 10, 2.5, 0.7, 0, 0, 0, true));
SELECT name, max(abs(kam.p_alive(m, x, tx, t) / pg_temp.mbg_palive(q, x, tx, t) - 1)) < 1e-12 AS p_alive_ok,
	max(abs(kam.expected_purchases(m, h, x, tx, t) / pg_temp.mbg_exp(q, h, x, tx, t) - 1)) < 1e-9 AS expected_ok,
	bool_and(kam.p_alive(m, 0, 0, t) < 1 OR t = 0) AS p_alive_below_1_at_x_0,
	bool_and(kam.expected_purchases(m, 0, x, tx, t) = 0) AS horizon_0
FROM (SELECT name, m, ARRAY[(m).r, (m).alpha, (m).a, (m).b] AS q FROM vd_mmodels) s, vd_mpts GROUP BY name ORDER BY name;
-- at T = 0 (just after the first purchase) P(alive) = 1 - E[p] = b / (a + b)
SELECT abs(kam.p_alive(m, 0, 0, 0) - (m).b / ((m).a + (m).b)) < 1e-15 AS p_alive_t0 FROM vd_mmodels WHERE name = 'fit';
-- a = 1 exactly (removable singularity of (a+b+x)/(a-1)) against a = 1 +- 1e-7
SELECT abs(kam.expected_purchases(ROW(0.5, 6, 1, 1.6, 0, 0, 0, true)::kam.mbgnbd, 30, 2, 10, 20)
	/ ((kam.expected_purchases(ROW(0.5, 6, 1 + 1e-7, 1.6, 0, 0, 0, true)::kam.mbgnbd, 30, 2, 10, 20)
	  + kam.expected_purchases(ROW(0.5, 6, 1 - 1e-7, 1.6, 0, 0, 0, true)::kam.mbgnbd, 30, 2, 10, 20)) / 2) - 1) < 1e-9 AS a_1_continuous;
SELECT bool_and(pa >= 0 AND pa <= 1 AND e >= 0 AND e::text NOT IN ('NaN', 'Infinity')) AS mbgnbd_extremes_finite
FROM (SELECT kam.p_alive(m, x, tx, t) AS pa, kam.expected_purchases(m, h, x, tx, t) AS e
	  FROM vd_mmodels, (VALUES (100000, 1e6, 1e6, 1e5), (0, 0, 1e6, 1e5), (100000, 1, 1e6, 1), (0, 0, 0, 0)) p(x, tx, t, h)) s;
SELECT kam.mbgnbd_fit(x, tx, t) IS NULL AS mbgnbd_no_rows FROM vd_cust WHERE false;
SELECT kam.mbgnbd_fit(-1, 0, 10);
SELECT kam.mbgnbd_fit(1, 11, 10);
SELECT kam.mbgnbd_fit(0, 2, 10);
SELECT kam.mbgnbd_fit(1, 'NaN', 10);
SELECT kam.mbgnbd_fit(1, 1, 10, -1);
SELECT kam.mbgnbd_fit(0, 0, t) FROM vd_cust;
SELECT kam.p_alive(m, 1, 5, 3) FROM vd_mmodels WHERE name = 'fit';
SELECT kam.expected_purchases(m, -1, 1, 1, 3) FROM vd_mmodels WHERE name = 'fit';
SELECT kam.expected_purchases(m, 'Infinity', 1, 1, 3) FROM vd_mmodels WHERE name = 'fit';
DROP VIEW fitdata;
DROP TABLE vd_donations, vd_bb, vd_opp, vd_bb2, vd_m, vd_pts, vd_models, vd_rel, vd_don_rows,
	vd_cust, vd_mbg, vd_mpts, vd_mmodels;
