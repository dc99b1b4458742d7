-- Lifetime-value model fits: the likelihood at kam's optimum equals an
-- independent evaluation in plain SQL, the finite-difference gradient of that
-- likelihood vanishes there (so the analytic gradient and the optimizer agree
-- with the formula), grouped-and-weighted input fits identically, and bad
-- input is rejected.
SET extra_float_digits = 0;

-- Deterministic pseudo-random uniforms (no dependence on random()'s algorithm).
CREATE FUNCTION pg_temp.u(i int, k int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT (('x' || substr(md5(i || ':' || k), 1, 8))::bit(32)::bigint + 0.5) / 4294967296 $$;
-- ln Gamma by shifting to z >= 15 and Stirling's series
CREATE FUNCTION pg_temp.lgamma(z float8) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE acc float8 := 0;
BEGIN
	WHILE z < 15 LOOP acc := acc - ln(z); z := z + 1; END LOOP;
	RETURN acc + (z - 0.5) * ln(z) - z + 0.5 * ln(2 * pi()) + 1 / (12 * z) - 1 / (360 * z ^ 3)
		+ 1 / (1260 * z ^ 5) - 1 / (1680 * z ^ 7);
END $$;
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
-- BG/NBD, Pareto/NBD (2F1 form), Gamma-Gamma and sBG log-likelihood of one row
CREATE FUNCTION pg_temp.bg_ll(p float8[], x int, tx float8, t float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT pg_temp.lgamma(p[1] + x) - pg_temp.lgamma(p[1]) + p[1] * ln(p[2]) + pg_temp.lgamma(p[3] + p[4])
	+ pg_temp.lgamma(p[4] + x) - pg_temp.lgamma(p[4]) - pg_temp.lgamma(p[3] + p[4] + x)
	+ ln((p[2] + t) ^ (-(p[1] + x))
		+ CASE WHEN x > 0 THEN p[3] / (p[4] + x - 1) * (p[2] + tx) ^ (-(p[1] + x)) ELSE 0 END) $$;
CREATE FUNCTION pg_temp.pn_ll(p float8[], x int, tx float8, t float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT pg_temp.lgamma(r + x) - pg_temp.lgamma(r) + r * ln(al) + s * ln(be)
	+ ln(exp(-(r + x) * ln(al + t) - s * ln(be + t)) + s / (r + s + x) * (CASE WHEN al >= be THEN
		pg_temp.hyp2f1(r + s + x, s + 1, r + s + x + 1, (al - be) / (al + tx)) / (al + tx) ^ (r + s + x)
	  - pg_temp.hyp2f1(r + s + x, s + 1, r + s + x + 1, (al - be) / (al + t)) / (al + t) ^ (r + s + x)
	ELSE
		pg_temp.hyp2f1(r + s + x, r + x, r + s + x + 1, (be - al) / (be + tx)) / (be + tx) ^ (r + s + x)
	  - pg_temp.hyp2f1(r + s + x, r + x, r + s + x + 1, (be - al) / (be + t)) / (be + t) ^ (r + s + x)
	END))
 FROM (SELECT p[1] AS r, p[2] AS al, p[3] AS s, p[4] AS be) q $$;
CREATE FUNCTION pg_temp.gg_ll(p float8[], x int, m float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT pg_temp.lgamma(p[1] * x + p[2]) - pg_temp.lgamma(p[1] * x) - pg_temp.lgamma(p[2])
	+ p[2] * ln(p[3]) + (p[1] * x - 1) * ln(m) + p[1] * x * ln(x) - (p[1] * x + p[2]) * ln(x * m + p[3]) $$;
-- sBG: ln P(T = t) for churned, ln S(t) for active, by products of the recursion
CREATE FUNCTION pg_temp.sbg_ll(p float8[], t int, churned boolean) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT coalesce(sum(ln((p[2] + i - 1) / (p[1] + p[2] + i - 1))), 0)
	+ CASE WHEN churned THEN ln(p[1] / (p[1] + p[2] + t - 1)) - ln((p[2] + t - 1) / (p[1] + p[2] + t - 1)) ELSE 0 END
 FROM generate_series(1, t) i $$;

-- Synthetic customers from the BG/NBD story (lambda ~ Gamma(1, 2), dropout
-- p ~ Beta(1, 3), T uniform 10..40) with Gamma-Gamma spend (p 1, q 3, v 30),
-- drawn from deterministic uniforms; the fits below are checked against the
-- likelihood, not against these values.
CREATE TABLE cust AS
WITH RECURSIVE c AS (
	SELECT i AS id, -ln(pg_temp.u(i, 1)) / 2 AS lambda, 1 - pg_temp.u(i, 2) ^ (1.0 / 3) AS p,
		round((10 + 30 * pg_temp.u(i, 3))::numeric, 2)::float8 AS t,
		(-ln(pg_temp.u(i, 4)) - ln(pg_temp.u(i, 5)) - ln(pg_temp.u(i, 6))) / 30 AS nu
	FROM generate_series(1, 1500) i),
buys(id, k, at, z, alive) AS (
	SELECT id, 0, 0::float8, 0::float8, true FROM c
	UNION ALL
	SELECT b.id, b.k + 1, b.at - ln(pg_temp.u(b.id, 10 + b.k)) / c.lambda, -ln(pg_temp.u(b.id, 500 + b.k)),
		pg_temp.u(b.id, 1000 + b.k) >= c.p
	FROM buys b JOIN c USING (id)
	WHERE b.alive AND b.at - ln(pg_temp.u(b.id, 10 + b.k)) / c.lambda <= c.t AND b.k < 200)
SELECT c.id, count(*)::int - 1 AS x, round(max(b.at)::numeric, 2)::float8 AS tx, c.t,
	CASE WHEN count(*) > 1 THEN greatest(0.01, round((sum(b.z) / (count(*) - 1) / c.nu)::numeric, 2))::float8 ELSE 0 END AS m
FROM c JOIN buys b USING (id) GROUP BY c.id, c.t, c.nu;
SELECT count(*), sum(x), count(*) FILTER (WHERE x = 0) AS zeros, max(x) FROM cust;

-- check(name, model params, LL, n, per-row LL function): LL equal, gradient zero
CREATE FUNCTION pg_temp.check_fit(what text, p float8[], ll float8, ll_sql text)
RETURNS TABLE (model text, ll_matches boolean, max_fd_gradient_ok boolean) LANGUAGE plpgsql AS $$
DECLARE
	oracle float8; g float8; gmax float8 := 0; q float8[]; lp float8; lm float8; n float8; h float8 := 1e-5;
BEGIN
	EXECUTE format('SELECT sum(%s), count(*) FROM fitdata', replace(ll_sql, '$P', quote_literal(p) || '::float8[]'))
		INTO oracle, n;
	FOR k IN 1 .. array_length(p, 1) LOOP
		q := p; q[k] := p[k] * exp(h);
		EXECUTE format('SELECT sum(%s) FROM fitdata', replace(ll_sql, '$P', quote_literal(q) || '::float8[]')) INTO lp;
		q[k] := p[k] * exp(-h);
		EXECUTE format('SELECT sum(%s) FROM fitdata', replace(ll_sql, '$P', quote_literal(q) || '::float8[]')) INTO lm;
		g := (lp - lm) / (2 * h) / n;       -- d mean LL / d ln(parameter)
		gmax := greatest(gmax, abs(g));
	END LOOP;
	IF abs(oracle - ll) > 1e-9 * abs(ll) OR gmax > 1e-6 THEN
		RAISE NOTICE '% LL % oracle % max fd gradient %', what, ll, oracle, gmax;
	END IF;
	RETURN QUERY SELECT what, abs(oracle - ll) <= 1e-9 * abs(ll), gmax <= 1e-6;
END $$;

-- BG/NBD
CREATE TABLE bg AS SELECT (kam.bgnbd_fit(x, tx, t)).* FROM cust;
SELECT round(r::numeric, 4) AS r, round(alpha::numeric, 3) AS alpha, round(a::numeric, 4) AS a,
	round(b::numeric, 4) AS b, round(log_likelihood::numeric, 4) AS ll, n, converged FROM bg;
CREATE TEMP VIEW fitdata AS SELECT * FROM cust;
SELECT c.* FROM bg, pg_temp.check_fit('bgnbd', ARRAY[r, alpha, a, b], log_likelihood,
	'pg_temp.bg_ll($P, x, tx, t)') c;

-- Pareto/NBD (the 2F1 oracle is slow in plpgsql: a 300-customer subset)
CREATE TABLE pn AS SELECT (kam.paretonbd_fit(x, tx, t)).* FROM cust WHERE id <= 300;
SELECT round(r::numeric, 4) AS r, round(alpha::numeric, 3) AS alpha, round(s::numeric, 4) AS s,
	round(beta::numeric, 3) AS beta, round(log_likelihood::numeric, 4) AS ll, n, converged FROM pn;
CREATE OR REPLACE TEMP VIEW fitdata AS SELECT * FROM cust WHERE id <= 300;
SELECT c.* FROM pn, pg_temp.check_fit('paretonbd', ARRAY[r, alpha, s, beta], log_likelihood,
	'pg_temp.pn_ll($P, x, tx, t)') c;

-- Gamma-Gamma (customers with x = 0 are skipped)
CREATE TABLE gg AS SELECT (kam.gammagamma_fit(x, m)).* FROM cust;
SELECT round(p::numeric, 4) AS p, round(q::numeric, 4) AS q, round(v::numeric, 3) AS v,
	round(log_likelihood::numeric, 4) AS ll, n, converged FROM gg;
CREATE OR REPLACE TEMP VIEW fitdata AS SELECT * FROM cust WHERE x > 0;
SELECT c.* FROM gg, pg_temp.check_fit('gammagamma', ARRAY[p, q, v], log_likelihood,
	'pg_temp.gg_ll($P, x, m)') c;

-- sBG: one row per customer; churned customers in period 1..6, the rest active for 7
CREATE TABLE contracts AS
SELECT i AS id, CASE WHEN u < 0.6 THEN 1 + floor(7 * pg_temp.u(i, 6) ^ 2)::int ELSE 7 END AS period,
	u < 0.6 AND 1 + floor(7 * pg_temp.u(i, 6) ^ 2)::int < 7 AS churned
FROM (SELECT i, pg_temp.u(i, 5) AS u FROM generate_series(1, 1000) i) s;
CREATE TABLE sbg AS SELECT (kam.sbg_fit(period, churned)).* FROM contracts;
SELECT round(alpha::numeric, 4) AS alpha, round(beta::numeric, 4) AS beta,
	round(log_likelihood::numeric, 4) AS ll, n, converged FROM sbg;
DROP VIEW fitdata;
CREATE TEMP VIEW fitdata AS SELECT * FROM contracts;
SELECT c.* FROM sbg, pg_temp.check_fit('sbg', ARRAY[alpha, beta], log_likelihood,
	'pg_temp.sbg_ll($P, period, churned)') c;

-- Identical inputs grouped with a weight give the identical fit, bit for bit;
-- so does any order of the rows.
SELECT (SELECT kam.bgnbd_fit(x, tx, t, w) FROM (SELECT x, tx, t, count(*)::float8 w FROM cust GROUP BY 1, 2, 3) g)
	= (SELECT kam.bgnbd_fit(x, tx, t) FROM cust) AS bgnbd_weighted_same,
	(SELECT kam.paretonbd_fit(x, tx, t, w) FROM (SELECT x, tx, t, count(*)::float8 w FROM cust WHERE id <= 300 GROUP BY 1, 2, 3) g)
	= (SELECT kam.paretonbd_fit(x, tx, t) FROM cust WHERE id <= 300) AS paretonbd_weighted_same,
	(SELECT kam.gammagamma_fit(x, m, w) FROM (SELECT x, m, count(*)::float8 w FROM cust GROUP BY 1, 2) g)
	= (SELECT kam.gammagamma_fit(x, m) FROM cust) AS gammagamma_weighted_same,
	(SELECT kam.sbg_fit(period, churned, w) FROM (SELECT period, churned, count(*)::float8 w FROM contracts GROUP BY 1, 2) g)
	= (SELECT kam.sbg_fit(period, churned) FROM contracts) AS sbg_weighted_same,
	(SELECT kam.bgnbd_fit(x, tx, t ORDER BY id DESC) FROM cust) = (SELECT kam.bgnbd_fit(x, tx, t ORDER BY id) FROM cust)
	AS order_independent;
-- fractional weights; weight 0 rows are ignored; NULL rows are skipped
SELECT abs((w).r / (u).r - 1) < 1e-6 AND abs((w).b / (u).b - 1) < 1e-6
	AND abs((w).log_likelihood / (u).log_likelihood - 2.5) < 1e-9 AND (w).n = 3750 AS weight_25_scales_ll
FROM (SELECT kam.bgnbd_fit(x, tx, t, 2.5) AS w, kam.bgnbd_fit(x, tx, t) AS u FROM cust) s;
SELECT
	(SELECT kam.bgnbd_fit(x, tx, t, CASE WHEN id % 2 = 0 THEN 0 ELSE 1 END) FROM cust)
	= (SELECT kam.bgnbd_fit(x, tx, t) FROM cust WHERE id % 2 = 1) AS zero_weight_ignored,
	(SELECT kam.bgnbd_fit(x, CASE WHEN id = 7 THEN NULL ELSE tx END, t) FROM cust)
	= (SELECT kam.bgnbd_fit(x, tx, t) FROM cust WHERE id <> 7) AS null_rows_skipped;
-- no rows: NULL
SELECT kam.bgnbd_fit(x, tx, t) IS NULL AS bg, kam.paretonbd_fit(x, tx, t) IS NULL AS pn,
	kam.gammagamma_fit(x, m) IS NULL AS gg FROM cust WHERE false;
SELECT kam.gammagamma_fit(x, m) IS NULL AS gg_without_repeaters FROM cust WHERE x = 0;
SELECT kam.sbg_fit(period, churned) IS NULL AS sbg FROM contracts WHERE false;

-- Rejected input
SELECT kam.bgnbd_fit(-1, 0, 10);
SELECT kam.bgnbd_fit(1, 11, 10);
SELECT kam.bgnbd_fit(1, -1, 10);
SELECT kam.bgnbd_fit(0, 2, 10);
SELECT kam.bgnbd_fit(1, 'NaN', 10);
SELECT kam.bgnbd_fit(1, 1, 'Infinity');
SELECT kam.bgnbd_fit(1, 1, 10, -1);
SELECT kam.bgnbd_fit(1, 1, 10, 'NaN');
SELECT kam.paretonbd_fit(2, 5, 3);
SELECT kam.gammagamma_fit(2, 0);
SELECT kam.gammagamma_fit(2, -5);
SELECT kam.gammagamma_fit(-2, 5);
SELECT kam.gammagamma_fit(2, 'NaN');
SELECT kam.sbg_fit(0, true);
SELECT kam.sbg_fit(-1, false);
SELECT kam.sbg_fit(2, true, -1);
-- too little data to fit
SELECT kam.bgnbd_fit(0, 0, t) FROM cust;
SELECT kam.paretonbd_fit(0, 0, t) FROM cust;
SELECT kam.gammagamma_fit(2, 10) FROM cust;
SELECT kam.sbg_fit(7, false) FROM contracts;
SELECT kam.sbg_fit(3, true) FROM contracts;
-- data that identify no finite optimum: a WARNING and converged = false
SELECT converged FROM (SELECT (kam.bgnbd_fit(1, 5, 10)).* FROM generate_series(1, 100)) s;
