-- Predictions of the purchase models (src/predict.c), each checked against
-- an independent evaluation: the paper's formula for P(X(t) = n) (FHL 2005
-- eq. 8) with its finite sum and ratios of gamma functions as products, the
-- closed forms of E[X(t)] with 2F1 summed directly, and identities: the
-- probabilities sum to 1 and their mean is the expected number of purchases
-- (kam.expected_purchases, whose own oracle is sql/value_score.sql).
-- Extreme inputs return numbers in [0, 1] quickly.  Pareto/NBD's PMF has no
-- closed form to compare with: its identities are checked to 1e-12 here and
-- the distribution against simulation in test/t/value_predict_sim.sh.
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
-- FHL 2005 eq. 8 as printed: B(a, b+n)/B(a, b) NB(n) + [n>0] B(a+1, b+n-1)/B(a, b)
-- (1 - sum_{j<n} NB(j)), NB(j) = G(r+j)/(G(r) j!) q^r (1-q)^j, q = alpha/(alpha+t)
CREATE FUNCTION pg_temp.bg_pmf(r float8, alpha float8, a float8, b float8, n int, t float8)
RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE q float8 := alpha / (alpha + t); nb float8 := (alpha / (alpha + t)) ^ r; cdf float8 := 0;
	b1 float8 := 1; b2 float8 := a / (a + b); j int;
BEGIN
	FOR j IN 0 .. n - 1 LOOP
		cdf := cdf + nb;
		nb := nb * (r + j) / (j + 1) * (1 - q);
		b1 := b1 * (b + j) / (a + b + j);
		IF j > 0 THEN b2 := b2 * (b + j - 1) / (a + b + j); END IF;
	END LOOP;
	RETURN b1 * nb + CASE WHEN n > 0 THEN b2 * (1 - cdf) ELSE 0 END;
END $$;
CREATE FUNCTION pg_temp.bg_palive(m kam.bgnbd, x int, tx float8, t float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT 1 / (1 + CASE WHEN x > 0 THEN m.a / (m.b + x - 1) * ((m.alpha + t) / (m.alpha + tx)) ^ (m.r + x) ELSE 0 END) $$;
CREATE FUNCTION pg_temp.mbg_palive(m kam.mbgnbd, x int, tx float8, t float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
 SELECT 1 / (1 + m.a / (m.b + x) * ((m.alpha + t) / (m.alpha + tx)) ^ (m.r + x)) $$;

CREATE TEMP TABLE bgm (label text, m kam.bgnbd);
INSERT INTO bgm VALUES
	('CDNOW', ROW(0.243, 4.414, 0.793, 2.426, 0, 0, 0, true)),
	('a = 1', ROW(0.8, 10, 1, 3, 0, 0, 0, true)),
	('a > 1, r > 1', ROW(2.5, 3, 4, 0.6, 0, 0, 0, true)),
	('tiny r', ROW(0.01, 100, 0.2, 8, 0, 0, 0, true));
CREATE TEMP TABLE mbm AS SELECT label, ROW((m).r, (m).alpha, (m).a, (m).b, 0, 0, 0, true)::kam.mbgnbd AS m FROM bgm;
CREATE TEMP TABLE cust (x int, tx float8, tt float8);
INSERT INTO cust VALUES (0, 0, 0), (0, 0, 39), (1, 2, 39), (5, 30, 38), (20, 37.5, 38), (2, 1, 78);
CREATE TEMP TABLE hz (h float8);
INSERT INTO hz VALUES (0), (0.001), (1), (39), (200);

-- 1. a new BG/NBD customer: kam against the paper's formula, n = 0..60
SELECT label, h, max(abs(kam.probability_of_purchases(m, n, h) - pg_temp.bg_pmf((m).r, (m).alpha, (m).a, (m).b, n, h))
		/ greatest(pg_temp.bg_pmf((m).r, (m).alpha, (m).a, (m).b, n, h), 1e-6)) < 1e-9 AS matches_eq8
  FROM bgm, hz, generate_series(0, 60) n GROUP BY label, h ORDER BY label, h;

-- 2. the probabilities sum to 1 and their mean is E[X(t)] (new customers;
-- n up to 20,000; the tail beyond is below 1e-9 at these horizons)
SELECT label, h,
	   abs(sum(kam.probability_of_purchases(m, n, h)) - 1) < 1e-9 AS sums_to_1,
	   abs(sum(n * kam.probability_of_purchases(m, n, h)) - kam.expected_purchases(m, h))
		 <= 1e-9 * greatest(kam.expected_purchases(m, h), 1e-3) AS mean_is_expected
  FROM bgm, hz, generate_series(0, 20000) n WHERE h <= 39 GROUP BY label, h, m ORDER BY label, h;
SELECT label, h,
	   abs(sum(kam.probability_of_purchases(m, n, h)) - 1) < 1e-9 AS sums_to_1,
	   abs(sum(n * kam.probability_of_purchases(m, n, h)) - kam.expected_purchases(m, h))
		 <= 1e-9 * greatest(kam.expected_purchases(m, h), 1e-3) AS mean_is_expected
  FROM mbm, hz, generate_series(0, 20000) n WHERE h <= 39 GROUP BY label, h, m ORDER BY label, h;

-- 3. customers: the same identities against kam.expected_purchases(model,
-- horizon, frequency, recency, t), and P(0) against the posterior mixture
-- written out: 1 - P(alive) + P(alive) P_(r+x, alpha+T, a, b+x)(X = 0)
SELECT label, count(*) AS cases,
	   bool_and(abs(s - 1) < 1e-9) AS sums_to_1,
	   bool_and(abs(en - e) <= 1e-9 * greatest(e, 1e-3)) AS mean_is_expected,
	   bool_and(abs(p0 - o0) <= 1e-12) AS p0_matches
  FROM (SELECT label, x, tx, tt, h,
			   sum(kam.probability_of_purchases(m, n, h, x, tx, tt)) AS s,
			   sum(n * kam.probability_of_purchases(m, n, h, x, tx, tt)) AS en,
			   kam.expected_purchases(m, h, x, tx, tt) AS e,
			   kam.probability_of_purchases(m, 0, h, x, tx, tt) AS p0,
			   1 - pg_temp.bg_palive(m, x, tx, tt)
				 + pg_temp.bg_palive(m, x, tx, tt) * pg_temp.bg_pmf((m).r + x, (m).alpha + tt, (m).a, (m).b + x, 0, h) AS o0
		  FROM bgm, cust, hz, generate_series(0, 5000) n WHERE h <= 39 GROUP BY label, x, tx, tt, h, m) s
 GROUP BY label ORDER BY label;
SELECT label, count(*) AS cases,
	   bool_and(abs(s - 1) < 1e-9) AS sums_to_1,
	   bool_and(abs(en - e) <= 1e-9 * greatest(e, 1e-3)) AS mean_is_expected,
	   bool_and(abs(p3 - o3) <= 1e-9 * greatest(o3, 1e-6)) AS p3_matches
  FROM (SELECT label, x, tx, tt, h,
			   sum(kam.probability_of_purchases(m, n, h, x, tx, tt)) AS s,
			   sum(n * kam.probability_of_purchases(m, n, h, x, tx, tt)) AS en,
			   kam.expected_purchases(m, h, x, tx, tt) AS e,
			   kam.probability_of_purchases(m, 3, h, x, tx, tt) AS p3,
			   pg_temp.mbg_palive(m, x, tx, tt) * pg_temp.bg_pmf((m).r + x, (m).alpha + tt, (m).a, (m).b + x + 1, 3, h) AS o3
		  FROM mbm, cust, hz, generate_series(0, 5000) n WHERE h <= 39 GROUP BY label, x, tx, tt, h, m) s
 GROUP BY label ORDER BY label;

-- 4. the population curve against the closed forms: BG/NBD eq. 9,
-- MBG/NBD b/(a-1) [1 - q^r 2F1(r, b+1; a+b; z)], Pareto/NBD
-- r beta/(alpha (s-1)) [1 - (beta/(beta+t))^(s-1)] (r beta/alpha ln(1+t/beta) at s = 1).
-- The oracles lose digits to cancellation (1 - q^r at tiny horizons, the
-- bracket over s - 1 = 1e-9, for which the oracle takes the s = 1 limit),
-- kam does not: hence the absolute and the 1e-6 relative allowances.
SELECT label, h, round(kam.expected_purchases(m, h)::numeric, 6) AS e,
	   abs(kam.expected_purchases(m, h) - (m).b / ((m).a - 1)
		   * (1 - ((m).alpha / ((m).alpha + h)) ^ (m).r * pg_temp.hyp2f1((m).r, (m).b + 1, (m).a + (m).b, h / ((m).alpha + h))))
		 <= 1e-10 * kam.expected_purchases(m, h) + 1e-14 AS mbg_closed_form
  FROM mbm, hz WHERE (m).a <> 1 ORDER BY label, h;
SELECT label, h, round(kam.expected_purchases(m, h)::numeric, 6) AS e,
	   abs(kam.expected_purchases(m, h) - ((m).a + (m).b - 1) / ((m).a - 1)
		   * (1 - ((m).alpha / ((m).alpha + h)) ^ (m).r * pg_temp.hyp2f1((m).r, (m).b, (m).a + (m).b - 1, h / ((m).alpha + h))))
		 <= 1e-10 * kam.expected_purchases(m, h) + 1e-14 AS eq9
  FROM bgm, hz WHERE (m).a <> 1 ORDER BY label, h;
SELECT s, h, round(kam.expected_purchases(m, h)::numeric, 6) AS e,
	   abs(kam.expected_purchases(m, h) - CASE WHEN abs(s - 1) < 1e-6 THEN (m).r * (m).beta / (m).alpha * ln(1 + h / (m).beta)
		   ELSE (m).r * (m).beta / ((m).alpha * (s - 1)) * (1 - ((m).beta / ((m).beta + h)) ^ (s - 1)) END)
		 <= CASE WHEN abs(s - 1) < 1e-6 THEN 1e-6 ELSE 1e-12 END * kam.expected_purchases(m, h) + 1e-15 AS closed_form
  FROM (SELECT s, ROW(0.553, 10.578, s, 11.669, 0, 0, 0, true)::kam.paretonbd AS m
		  FROM unnest(ARRAY[0.606, 1, 1 + 1e-9, 2.5]::float8[]) s) p, hz ORDER BY s, h;

-- Pareto/NBD (the integral form of src/predict.c): the same identities for
-- new customers and customers, at s below, at and above 1, tiny r, and a
-- customer whose x and T are large; n up to 1,000 (new) and 400 (the tails
-- beyond are below 1e-20 here)
CREATE TEMP TABLE pnm (label text, m kam.paretonbd);
INSERT INTO pnm VALUES
	('CDNOW', ROW(0.553, 10.578, 0.606, 11.669, 0, 0, 0, true)),
	('s = 1', ROW(0.8, 10, 1, 3, 0, 0, 0, true)),
	('s > 1, r > 1', ROW(2.5, 3, 4, 0.6, 0, 0, 0, true)),
	('tiny r', ROW(0.01, 100, 0.2, 8, 0, 0, 0, true));
SELECT label, h,
	   abs(sum(kam.probability_of_purchases(m, n, h)) - 1) < 1e-12 AS sums_to_1,
	   abs(sum(n * kam.probability_of_purchases(m, n, h)) - kam.expected_purchases(m, h))
		 <= 1e-12 * greatest(kam.expected_purchases(m, h), 1e-3) AS mean_is_expected,
	   bool_and(kam.probability_of_purchases(m, n, h) BETWEEN 0 AND 1) AS in_0_1
  FROM pnm, hz, generate_series(0, 1000) n WHERE h <= 39 GROUP BY label, h, m ORDER BY label, h;
SELECT label, count(*) AS cases,
	   bool_and(abs(s - 1) < 1e-12) AS sums_to_1,
	   bool_and(abs(en - e) <= 1e-11 * greatest(e, 1e-3)) AS mean_is_expected,
	   bool_and(abs(p0 - o0) <= 1e-15) AS p0_is_dead_or_silent
  FROM (SELECT label, x, tx, tt, h,
			   sum(kam.probability_of_purchases(m, n, h, x, tx, tt)) AS s,
			   sum(n * kam.probability_of_purchases(m, n, h, x, tx, tt)) AS en,
			   kam.expected_purchases(m, h, x, tx, tt) AS e,
			   kam.probability_of_purchases(m, 0, h, x, tx, tt) AS p0,
			   1 - kam.p_alive(m, x, tx, tt) + kam.p_alive(m, x, tx, tt)
				 * kam.probability_of_purchases(ROW((m).r + x, (m).alpha + tt, (m).s, (m).beta + tt, 0, 0, 0, true)::kam.paretonbd,
												0, h) AS o0
		  FROM pnm, (SELECT * FROM cust UNION ALL VALUES (100, 77.9::float8, 78::float8)) c,
			   hz, generate_series(0, 400) n WHERE h <= 39 GROUP BY label, x, tx, tt, h, m) s
 GROUP BY label ORDER BY label;
-- at t = 0 nothing happens; P(X(t) = 0) of a new customer at a tiny horizon is
-- 1 - E[X(t)] to first order
SELECT kam.probability_of_purchases(m, 0, 0::float8) = 1 AND kam.probability_of_purchases(m, 3, 0::float8) = 0
	   AND abs((1 - kam.probability_of_purchases(m, 0, 1e-7::float8)) / kam.expected_purchases(m, 1e-7::float8) - 1) < 1e-6
	   AS small_horizons
  FROM pnm WHERE label = 'CDNOW';

-- 5. extremes: huge n, horizons and histories give numbers in [0, 1]
SELECT n, h, x, tt,
	   kam.probability_of_purchases(m, n, h) BETWEEN 0 AND 1 AS new_ok,
	   kam.probability_of_purchases(m, n, h, x, 0.5 * tt, tt) BETWEEN 0 AND 1 AS customer_ok,
	   kam.probability_of_purchases(mb, n, h, x, 0.5 * tt, tt) BETWEEN 0 AND 1 AS mbg_ok
  FROM (SELECT m, ROW((m).r, (m).alpha, (m).a, (m).b, 0, 0, 0, true)::kam.mbgnbd AS mb FROM bgm WHERE label = 'CDNOW') c,
	   (VALUES (0, 1e300::float8, 0, 0::float8), (2147483647, 1e300, 100000, 1e6), (2147483647, 4e10, 0, 0),
			   (2147483647, 1e-300, 2147483647, 1e300), (1000000, 1e6, 1000000, 1e6), (1, 1e-300, 1, 1e-300),
			   (0, 1e15, 5, 1e15)) v(n, h, x, tt)
 ORDER BY n, h;
SELECT n, h, x, tt,
	   kam.probability_of_purchases(m, n, h) BETWEEN 0 AND 1 AS new_ok,
	   kam.probability_of_purchases(m, n, h, x, 0.5 * tt, tt) BETWEEN 0 AND 1 AS customer_ok
  FROM pnm, (VALUES (0, 1e300::float8, 0, 0::float8), (2147483647, 1e300, 100000, 1e6), (2147483647, 4e10, 0, 0),
			   (2147483647, 1e-300, 2147483647, 1e300), (1000000, 1e6, 1000000, 1e6), (1, 1e-300, 1, 1e-300),
			   (0, 1e15, 5, 1e15)) v(n, h, x, tt)
 WHERE label = 'CDNOW' ORDER BY n, h;
SELECT kam.probability_of_purchases(ROW(1e-300, 1e300, 1e-300, 1e300, 0, 0, 0, true)::kam.paretonbd, 5, 1e10::float8) BETWEEN 0 AND 1 AS ok1,
	   kam.probability_of_purchases(ROW(1e300, 1e-300, 1e300, 1e-300, 0, 0, 0, true)::kam.paretonbd, 2147483647, 1e-300::float8,
									2147483647, 1e300::float8, 1e300::float8) BETWEEN 0 AND 1 AS ok2,
	   kam.probability_of_purchases(ROW(1e300, 1e-300, 1e-300, 1e300, 0, 0, 0, true)::kam.paretonbd, 7, 1e300::float8) BETWEEN 0 AND 1 AS ok3;
-- P(X = n) of a new customer tends to the share who drop out right after
-- the n-th purchase, B(a+1, b+n-1)/B(a, b), as the horizon grows
SELECT abs(kam.probability_of_purchases(m, 1, 1e15::float8) / ((m).a / ((m).a + (m).b)) - 1) < 1e-4 AS dropped_after_1st
  FROM bgm WHERE label = 'CDNOW';
SELECT kam.probability_of_purchases(ROW(1e-300, 1e300, 1e-300, 1e300, 0, 0, 0, true)::kam.bgnbd, 5, 1e10::float8) BETWEEN 0 AND 1 AS ok1,
	   kam.probability_of_purchases(ROW(1e300, 1e-300, 1e300, 1e-300, 0, 0, 0, true)::kam.bgnbd, 2147483647, 1e-300::float8,
									2147483647, 1e300::float8, 1e300::float8) BETWEEN 0 AND 1 AS ok2,
	   kam.expected_purchases(ROW(1e-300, 1e300, 1e-300, 1e300, 0, 0, 0, true)::kam.bgnbd, 1e300::float8) >= 0 AS ok3,
	   kam.expected_purchases(ROW(0.553, 10.578, 0.606, 11.669, 0, 0, 0, true)::kam.paretonbd, 1e300::float8) < 'infinity' AS ok4;

-- 6. rejected input
SELECT kam.probability_of_purchases(m, -1, 39::float8) FROM bgm WHERE label = 'CDNOW';
SELECT kam.probability_of_purchases(m, 0, -1::float8) FROM bgm WHERE label = 'CDNOW';
SELECT kam.probability_of_purchases(m, 0, 'NaN'::float8, 0, 0::float8, 1::float8) FROM bgm WHERE label = 'CDNOW';
SELECT kam.probability_of_purchases(m, 0, 'infinity'::float8) FROM mbm WHERE label = 'CDNOW';
SELECT kam.probability_of_purchases(m, 0, 1::float8, 1, 5::float8, 2::float8) FROM bgm WHERE label = 'CDNOW';
SELECT kam.probability_of_purchases(m, 0, 1::float8, 0, 1::float8, 2::float8) FROM mbm WHERE label = 'CDNOW';
SELECT kam.probability_of_purchases(m, -1, 39::float8) FROM pnm WHERE label = 'CDNOW';
SELECT kam.probability_of_purchases(m, 0, 'infinity'::float8, 0, 0::float8, 1::float8) FROM pnm WHERE label = 'CDNOW';
SELECT kam.probability_of_purchases(m, 0, 1::float8, 3, 5::float8, 2::float8) FROM pnm WHERE label = 'CDNOW';
SELECT kam.probability_of_purchases(ROW(0.5, 1, 0, 1, 0, 0, 0, true)::kam.paretonbd, 0, 1::float8);
SELECT kam.expected_purchases(ROW(0.5, NULL, 1, 1, 0, 0, 0, true)::kam.bgnbd, 1::float8);
SELECT kam.expected_purchases(ROW(0.5, 1, -1, 1, 0, 0, 0, true)::kam.paretonbd, 1::float8);
SELECT kam.expected_purchases(ROW(0.5, 1, 1, 1, 0, 0, 0, true)::kam.mbgnbd, -1::float8);
SELECT kam.probability_of_purchases(NULL::kam.bgnbd, 0, 1::float8) IS NULL AS strict;

-- 7. validation functions: rejected arguments (checked before the bound
-- orders are read; sql/value_store.sql and test/t/value_holdout_cdnow.sh run them)
SELECT * FROM kam.calibration_holdout('2021-04-01', '2020-01-01');
SELECT * FROM kam.calibration_holdout('-infinity', '2020-01-01');
SELECT * FROM kam.conditional_expectations(ROW(0.243, 4.414, 0.793, 2.426, 0, 0, 0, true)::kam.bgnbd,
	'2020-04-01', '2021-01-01', -1);
SELECT count(*) FROM kam.calibration_holdout(NULL, '2020-01-01');
