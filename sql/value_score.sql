-- Scoring functions of the lifetime-value models, each checked against an
-- independent evaluation: the papers' closed forms with the Gauss series of
-- 2F1 summed directly in SQL, direct sums of survival series, finite
-- differences and limits; extreme inputs return finite numbers.
SET extra_float_digits = 0;

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
CREATE FUNCTION pg_temp.lgr(r float8, x int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(sum(ln(r + k)), 0) FROM generate_series(0, x - 1) k $$;
-- BG/NBD (Fader, Hardie & Lee 2005): P(alive) and eq. (10), E[Y(t) | x, tx, T]
CREATE FUNCTION pg_temp.bg_palive(m kam.bgnbd, x int, tx float8, t float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT 1 / (1 + CASE WHEN x > 0 THEN m.a / (m.b + x - 1) * ((m.alpha + t) / (m.alpha + tx)) ^ (m.r + x) ELSE 0 END) $$;
CREATE FUNCTION pg_temp.bg_exp(m kam.bgnbd, h float8, x int, tx float8, t float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT (m.a + m.b + x - 1) / (m.a - 1)
	* (1 - ((m.alpha + t) / (m.alpha + t + h)) ^ (m.r + x)
		* pg_temp.hyp2f1(m.r + x, m.b + x, m.a + m.b + x - 1, h / (m.alpha + t + h)))
	* pg_temp.bg_palive(m, x, tx, t) $$;
-- Pareto/NBD P(alive) from the 2F1 form of the likelihood (Fader & Hardie note 009)
-- and E[Y(t)] (Schmittlein, Morrison & Colombo 1987)
CREATE FUNCTION pg_temp.pn_palive(m kam.paretonbd, x int, tx float8, t float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT 1 / (1 + m.s / (m.r + m.s + x) * (m.alpha + t) ^ (m.r + x) * (m.beta + t) ^ m.s * a0)
 FROM (SELECT CASE WHEN m.alpha >= m.beta THEN
	pg_temp.hyp2f1(m.r + m.s + x, m.s + 1, m.r + m.s + x + 1, (m.alpha - m.beta) / (m.alpha + tx)) / (m.alpha + tx) ^ (m.r + m.s + x)
  - pg_temp.hyp2f1(m.r + m.s + x, m.s + 1, m.r + m.s + x + 1, (m.alpha - m.beta) / (m.alpha + t)) / (m.alpha + t) ^ (m.r + m.s + x)
 ELSE
	pg_temp.hyp2f1(m.r + m.s + x, m.r + x, m.r + m.s + x + 1, (m.beta - m.alpha) / (m.beta + tx)) / (m.beta + tx) ^ (m.r + m.s + x)
  - pg_temp.hyp2f1(m.r + m.s + x, m.r + x, m.r + m.s + x + 1, (m.beta - m.alpha) / (m.beta + t)) / (m.beta + t) ^ (m.r + m.s + x)
 END AS a0) z $$;
CREATE FUNCTION pg_temp.pn_exp(m kam.paretonbd, h float8, x int, tx float8, t float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT (m.r + x) * (m.beta + t) / ((m.alpha + t) * (m.s - 1))
	* (1 - ((m.beta + t) / (m.beta + t + h)) ^ (m.s - 1)) * pg_temp.pn_palive(m, x, tx, t) $$;
CREATE FUNCTION pg_temp.relerr(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;

-- Models: the published CDNOW estimates (weeks), and variants
CREATE TABLE models (name text, bg kam.bgnbd, pn kam.paretonbd);
INSERT INTO models VALUES
	('cdnow', ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL), ROW(0.553, 10.578, 0.606, 11.669, NULL, NULL, NULL, NULL)),
	('a>1, alpha<beta', ROW(1.5, 20, 2.5, 4, NULL, NULL, NULL, NULL), ROW(1.5, 2, 0.3, 20, NULL, NULL, NULL, NULL)),
	('days', ROW(0.8, 60, 0.4, 9, NULL, NULL, NULL, NULL), ROW(0.8, 60, 2.5, 300, NULL, NULL, NULL, NULL));
-- Customers (x, tx, T) and horizons, incl. x = 0, tx = T, T = 0 and long horizons
CREATE TABLE pts (x int, tx float8, t float8, h float8);
INSERT INTO pts VALUES (0, 0, 38.86, 39), (2, 30.43, 38.86, 39), (1, 1.71, 38.86, 39), (7, 35, 35, 10),
	(0, 0, 0, 39), (0, 0, 1000, 52), (20, 90, 100, 52), (3, 10, 10, 100), (5, 20, 30, 400),
	(5, 0.5, 300, 10), (12, 300, 365, 365), (1, 2, 4, 1000), (2, 30.43, 38.86, 0.001);

-- E[purchases] and P(alive) against the papers' formulas (2F1 summed directly)
SELECT name, count(*) AS points,
	max(pg_temp.relerr(kam.expected_purchases(bg, h, x, tx, t), pg_temp.bg_exp(bg, h, x, tx, t))) < 1e-9 AS bg_expected_ok,
	max(pg_temp.relerr(kam.p_alive(bg, x, tx, t), pg_temp.bg_palive(bg, x, tx, t))) < 1e-14 AS bg_p_alive_ok,
	max(pg_temp.relerr(kam.p_alive(pn, x, tx, t), pg_temp.pn_palive(pn, x, tx, t))) < 1e-9 AS pn_p_alive_ok,
	max(pg_temp.relerr(kam.expected_purchases(pn, h, x, tx, t), pg_temp.pn_exp(pn, h, x, tx, t))) < 1e-9 AS pn_expected_ok
FROM models, pts GROUP BY name ORDER BY name;
-- A few values to read (CDNOW customer 1: 2 repeat purchases, last at 30.43, T 38.86)
SELECT round(kam.expected_purchases(bg, 39, 2, 30.43, 38.86)::numeric, 6) AS bg_e39,
	round(kam.p_alive(bg, 2, 30.43, 38.86)::numeric, 6) AS bg_p_alive,
	round(kam.expected_purchases(pn, 39, 2, 30.43, 38.86)::numeric, 6) AS pn_e39,
	round(kam.p_alive(pn, 2, 30.43, 38.86)::numeric, 6) AS pn_p_alive
FROM models WHERE name = 'cdnow';
-- The purchase rate right now: d/dh E[Y(h)] at h = 0 is E[lambda | alive] P(alive)
-- = (r + x)/(alpha + T) P(alive), by a forward difference
SELECT name,
	max(pg_temp.relerr(kam.expected_purchases(bg, 1e-7, x, tx, t) / 1e-7,
		((bg).r + x) / ((bg).alpha + t) * kam.p_alive(bg, x, tx, t))) < 1e-5 AS bg_rate_ok,
	max(pg_temp.relerr(kam.expected_purchases(pn, 1e-7, x, tx, t) / 1e-7,
		((pn).r + x) / ((pn).alpha + t) * kam.p_alive(pn, x, tx, t))) < 1e-5 AS pn_rate_ok
FROM models, pts GROUP BY name ORDER BY name;
-- BG/NBD at a = 1 and Pareto/NBD at s = 1 (removable singularities of the
-- closed forms): continuous with a = 1 +- 1e-6; Pareto s = 1 equals its limit
-- (r+x)(beta+T)/(alpha+T) ln(1 + t/(beta+T)) P(alive)
SELECT pg_temp.relerr(kam.expected_purchases(ROW(0.5, 5, 1, 2, NULL, NULL, NULL, NULL)::kam.bgnbd, 20, 3, 8, 10),
		(kam.expected_purchases(ROW(0.5, 5, 1 + 1e-6, 2, NULL, NULL, NULL, NULL)::kam.bgnbd, 20, 3, 8, 10)
		+ kam.expected_purchases(ROW(0.5, 5, 1 - 1e-6, 2, NULL, NULL, NULL, NULL)::kam.bgnbd, 20, 3, 8, 10)) / 2) < 1e-9
	AS bg_a1_continuous,
	pg_temp.relerr(kam.expected_purchases(ROW(0.5, 5, 1, 2, NULL, NULL, NULL, NULL)::kam.paretonbd, 20, 3, 8, 10),
		3.5 * 12 / 15 * ln(1 + 20.0 / 12) * kam.p_alive(ROW(0.5, 5, 1, 2, NULL, NULL, NULL, NULL)::kam.paretonbd, 3, 8, 10)) < 1e-12
	AS pn_s1_limit;
-- Extreme customers: finite, P(alive) in [0, 1], E >= 0
SELECT name, bool_and(e >= 0 AND e < 'Infinity' AND p >= 0 AND p <= 1
	AND e2 >= 0 AND e2 < 'Infinity' AND p2 >= 0 AND p2 <= 1) AS finite_and_in_range, count(*)
FROM models, LATERAL (VALUES (0, 0::float8, 1e6::float8, 1e4::float8), (10000, 1e5, 1e6, 52), (10000, 1e6, 1e6, 52),
	(5000, 0, 1e5, 1e5), (1, 1e-9, 1e-9, 1e-9), (100000, 10, 10, 10), (0, 0, 0, 1e5)) v(x, tx, t, h),
	LATERAL (SELECT kam.expected_purchases(bg, h, x, tx, t) e, kam.p_alive(bg, x, tx, t) p,
		kam.expected_purchases(pn, h, x, tx, t) e2, kam.p_alive(pn, x, tx, t) p2) s
GROUP BY name ORDER BY name;
-- a long silence makes a heavy buyer almost surely inactive; recency = T alive for sure (BG/NBD: P = 1/(1 + a/(b+x-1)))
SELECT kam.p_alive(bg, 50, 1, 1000) < 1e-12 AS silent_heavy_buyer_gone,
	kam.p_alive(bg, 0, 0, 500) = 1 AS bg_no_repeat_alive,
	abs(kam.p_alive(bg, 4, 20, 20) - 1 / (1 + (bg).a / ((bg).b + 3))) < 1e-15 AS bg_recent,
	kam.p_alive(pn, 4, 20, 20) = 1 AS pn_recent
FROM models WHERE name = 'cdnow';

-- Gamma-Gamma expected spend: (1 - w) v p / (q - 1) + w m, w = p x / (p x + q - 1)
SELECT x, m, round(kam.expected_spend(ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL)::kam.gammagamma, x, m)::numeric, 6) AS spend,
	pg_temp.relerr(kam.expected_spend(ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL)::kam.gammagamma, x, m),
		CASE WHEN x = 0 THEN 15.44 * 6.25 / 2.74
		ELSE (1 - 6.25 * x / (6.25 * x + 2.74)) * 15.44 * 6.25 / 2.74 + 6.25 * x / (6.25 * x + 2.74) * m END) < 1e-14 AS ok
FROM (VALUES (0, 0::float8), (0, 99), (1, 10), (2, 22.35), (10, 200), (1000000, 5)) v(x, m);

-- CLV as lifetimes defines it: sum_i spend (E(i f) - E((i-1) f)) / (1 + d)^i,
-- here with the oracle's E (2F1 summed directly)
SELECT name, x, tx, t, round(kam.clv(bg, gg, x, tx, t, mv, 12, 0.01, 4.345)::numeric, 4) AS clv_bg,
	pg_temp.relerr(kam.clv(bg, gg, x, tx, t, mv, 12, 0.01, 4.345),
		(SELECT sum(kam.expected_spend(gg, x, mv) * (pg_temp.bg_exp(bg, i * 4.345, x, tx, t)
			- CASE WHEN i = 1 THEN 0 ELSE pg_temp.bg_exp(bg, (i - 1) * 4.345, x, tx, t) END) / 1.01 ^ i)
		 FROM generate_series(1, 12) i)) < 1e-9 AS bg_ok,
	pg_temp.relerr(kam.clv(pn, gg, x, tx, t, mv, 12, 0.01, 4.345),
		(SELECT sum(kam.expected_spend(gg, x, mv) * (pg_temp.pn_exp(pn, i * 4.345, x, tx, t)
			- CASE WHEN i = 1 THEN 0 ELSE pg_temp.pn_exp(pn, (i - 1) * 4.345, x, tx, t) END) / 1.01 ^ i)
		 FROM generate_series(1, 12) i)) < 1e-9 AS pn_ok
FROM models, (VALUES (ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL)::kam.gammagamma)) g(gg),
	(VALUES (0, 0::float8, 38.86::float8, 0::float8), (2, 30.43, 38.86, 22.35), (7, 35, 35, 40), (1, 1.71, 38.86, 11.77)) c(x, tx, t, mv)
ORDER BY name, x;
-- no months, no value; an undiscounted CLV is spend x E(months f); long horizons stay finite
SELECT kam.clv(bg, g, 2, 30.43, 38.86, 22.35, 0, 0.01, 4.345) = 0 AS zero_months,
	pg_temp.relerr(kam.clv(bg, g, 2, 30.43, 38.86, 22.35, 24, 0, 4.345),
		kam.expected_spend(g, 2, 22.35) * kam.expected_purchases(bg, 24 * 4.345, 2, 30.43, 38.86)) < 1e-12 AS undiscounted,
	kam.clv(bg, g, 0, 0, 0, 0, 1200, 0.001, 30) < 'Infinity' AS long_horizon_finite
FROM models, (VALUES (ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL)::kam.gammagamma)) v(g) WHERE name = 'cdnow';

-- sBG, the Fader & Hardie (2007) "Regular" and "High End" estimates
CREATE TABLE sbgm (name text, m kam.sbg);
INSERT INTO sbgm VALUES ('regular', ROW(0.704, 1.182, NULL, NULL, NULL, NULL)), ('high end', ROW(0.668, 3.806, NULL, NULL, NULL, NULL));
-- S(t) by the product of retention rates; r_t = S(t)/S(t-1)
SELECT name, t, round(kam.sbg_survival(m, t)::numeric, 6) AS survival,
	CASE WHEN t > 0 THEN round(kam.sbg_retention(m, t)::numeric, 6) END AS retention,
	pg_temp.relerr(kam.sbg_survival(m, t),
		(SELECT coalesce(exp(sum(ln(((m).beta + i - 1) / ((m).alpha + (m).beta + i - 1)))), 1) FROM generate_series(1, t) i)) < 1e-12 AS survival_ok,
	CASE WHEN t > 0 THEN pg_temp.relerr(kam.sbg_retention(m, t), kam.sbg_survival(m, t) / kam.sbg_survival(m, t - 1)) < 1e-12 END AS retention_ok
FROM sbgm, generate_series(0, 7) t ORDER BY name, t;
-- DEL and DERL against the direct sums sum_t S(t)/(1+d)^t and
-- sum_{k >= 0} S(n+k)/S(n-1) / (1+d)^k (n - 1 renewals made; terms beyond
-- (1+d)^-k < e^-700 dropped)
SELECT name, d, round(kam.sbg_del(m, d)::numeric, 6) AS del, round(kam.sbg_derl(m, d, 4)::numeric, 6) AS derl_4,
	pg_temp.relerr(kam.sbg_del(m, d), (SELECT sum(kam.sbg_survival(m, t) / (1 + d) ^ t) FROM generate_series(0, floor(700 / ln(1 + d))::int) t)) < 1e-9 AS del_ok,
	pg_temp.relerr(kam.sbg_derl(m, d, 4),
		(SELECT sum(kam.sbg_survival(m, 5 + k) / kam.sbg_survival(m, 4) / (1 + d) ^ k) FROM generate_series(0, floor(700 / ln(1 + d))::int) k)) < 1e-9 AS derl_ok,
	pg_temp.relerr(kam.sbg_derl(m, d, 0) * (1 / (1 + d)) + 1, kam.sbg_del(m, d)) < 1e-12 AS del_is_1_plus_discounted_derl0
FROM sbgm, (VALUES (0.1::float8), (0.01), (0.5)) v(d) ORDER BY name, d;

-- Closed-form CLV (Gupta & Lehmann): m 100, r 0.8, d 0.1 gives 266.67
SELECT round(kam.clv_simple(100, 0.8, 0.1)::numeric, 2) AS clv,
	pg_temp.relerr(kam.clv_simple(100, 0.8, 0.1, 10), (SELECT sum(100 * (0.8 / 1.1) ^ t) FROM generate_series(1, 10) t)) < 1e-14 AS finite_ok,
	kam.clv_simple(100, 0.8, 0.1, 0) AS none, kam.clv_simple(100, 0, 0.1, 5) AS no_retention,
	pg_temp.relerr(kam.clv_simple(100, 0.8, 0.1, 100000), kam.clv_simple(100, 0.8, 0.1)) < 1e-14 AS converges,
	kam.clv_simple(-50, 0.5, 0) AS negative_margin;

-- NULL in, NULL out
SELECT kam.p_alive(bg, NULL, 1, 2) IS NULL AS a, kam.expected_purchases(bg, NULL, 1, 1, 2) IS NULL AS b,
	kam.clv_simple(NULL, 0.5, 0.1) IS NULL AS c, kam.sbg_del(NULL, 0.1) IS NULL AS d
FROM models WHERE name = 'cdnow';

-- Rejected input
SELECT kam.p_alive(bg, -1, 0, 10) FROM models WHERE name = 'cdnow';
SELECT kam.p_alive(bg, 1, 11, 10) FROM models WHERE name = 'cdnow';
SELECT kam.p_alive(pn, 0, 1, 10) FROM models WHERE name = 'cdnow';
SELECT kam.p_alive(pn, 1, 'NaN', 10) FROM models WHERE name = 'cdnow';
SELECT kam.expected_purchases(bg, -1, 1, 1, 10) FROM models WHERE name = 'cdnow';
SELECT kam.expected_purchases(pn, 'Infinity', 1, 1, 10) FROM models WHERE name = 'cdnow';
SELECT kam.expected_purchases(bg, 10, 1, 1, '-Infinity') FROM models WHERE name = 'cdnow';
SELECT kam.p_alive(ROW(0.2, -1, 1, 1, NULL, NULL, NULL, NULL)::kam.bgnbd, 1, 1, 2);
SELECT kam.p_alive(ROW(NULL, 1, 1, 1, NULL, NULL, NULL, NULL)::kam.paretonbd, 1, 1, 2);
SELECT kam.expected_spend(ROW(1, 0.5, 1, NULL, NULL, NULL, NULL)::kam.gammagamma, 1, 10);
SELECT kam.expected_spend(ROW(1, 3, 1, NULL, NULL, NULL, NULL)::kam.gammagamma, 1, 0);
SELECT kam.expected_spend(ROW(1, 3, 1, NULL, NULL, NULL, NULL)::kam.gammagamma, -1, 10);
SELECT kam.clv(bg, ROW(1, 3, 1, NULL, NULL, NULL, NULL)::kam.gammagamma, 1, 1, 2, 10, -1, 0.01, 30) FROM models WHERE name = 'cdnow';
SELECT kam.clv(bg, ROW(1, 3, 1, NULL, NULL, NULL, NULL)::kam.gammagamma, 1, 1, 2, 10, 12, -0.01, 30) FROM models WHERE name = 'cdnow';
SELECT kam.clv(pn, ROW(1, 3, 1, NULL, NULL, NULL, NULL)::kam.gammagamma, 1, 1, 2, 10, 12, 0.01, 0) FROM models WHERE name = 'cdnow';
SELECT kam.clv(pn, ROW(1, 3, 1, NULL, NULL, NULL, NULL)::kam.gammagamma, 1, 1, 2, -10, 12, 0.01, 30) FROM models WHERE name = 'cdnow';
SELECT kam.clv(bg, ROW(1, 3, 1, NULL, NULL, NULL, NULL)::kam.gammagamma, 1, 1, 2, 10, 1201, 0.01, 30) FROM models WHERE name = 'cdnow';
SELECT kam.sbg_survival(m, -1) FROM sbgm WHERE name = 'regular';
SELECT kam.sbg_retention(m, 0) FROM sbgm WHERE name = 'regular';
SELECT kam.sbg_del(m, 0) FROM sbgm WHERE name = 'regular';
SELECT kam.sbg_del(m, 'NaN') FROM sbgm WHERE name = 'regular';
SELECT kam.sbg_derl(m, 0.1, -1) FROM sbgm WHERE name = 'regular';
SELECT kam.clv_simple(100, 1, 0.1);
SELECT kam.clv_simple(100, -0.1, 0.1);
SELECT kam.clv_simple(100, 0.5, -0.1);
SELECT kam.clv_simple('NaN', 0.5, 0.1);
SELECT kam.clv_simple(100, 0.5, 0.1, -1);
