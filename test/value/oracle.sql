-- Plain-SQL oracle for kam.customer_value (used by test/t/value_store.sh).
--
-- Recomputes every scored column of kam.customer_value from the parameters
-- stored in kam.models and the closed forms in the literature, without any
-- kam scoring function:
--   P(alive)  = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
--   E(h)      = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+h))^(r+x)
--               2F1(r+x, b+x; a+b+x-1; z)] P(alive),  z = h/(alpha+T+h)
--               (Fader, Hardie & Lee 2005, eq. 10)
--   spend     = (1-w) v p/(q-1) + w m,  w = p x/(p x + q - 1)
--   CLV       = sum_{i=1..months} spend (E(i f) - E((i-1) f)) / (1+d)^i
-- The Gauss hypergeometric function is summed term by term in a recursive
-- CTE, after Euler's transformation
--   2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z),
-- which here gives ((alpha+T)/(alpha+T+h))^(r+x) 2F1(...) =
-- (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z); the series stops once the
-- remaining tail is below 1e-17 of the sum.
--
-- psql variables: months, discount, ppm (periods per month), h90 (90 days in
-- periods), margin_ratio.  Result: table oracle_value.
\set ON_ERROR_STOP 1

CREATE TEMP TABLE oracle_par AS
SELECT (b.parameters->>'r')::float8 AS r, (b.parameters->>'alpha')::float8 AS alpha,
	   (b.parameters->>'a')::float8 AS a, (b.parameters->>'b')::float8 AS b,
	   (g.parameters->>'p')::float8 AS p, (g.parameters->>'q')::float8 AS q,
	   (g.parameters->>'v')::float8 AS v
  FROM kam.models b, kam.models g
 WHERE b.name = 'bgnbd' AND g.name = 'gammagamma';

CREATE TEMP TABLE oracle_cust AS
SELECT s.customer_id, s.frequency::int AS x, s.recency::float8 AS tx, s.t::float8 AS tt,
	   s.monetary::float8 AS m, s.revenue::float8 AS revenue, s.margin::float8 AS margin,
	   1.0 / (1.0 + CASE WHEN s.frequency > 0
						 THEN o.a / (o.b + s.frequency - 1)
							  * power((o.alpha + s.t) / (o.alpha + s.recency), o.r + s.frequency)
						 ELSE 0 END) AS p_alive
  FROM kam.customer_summary s, oracle_par o
 WHERE s.orders > 0;

-- one series per customer and horizon: i = 0..months (h = i * ppm), i = -1 (90 days)
CREATE TEMP TABLE oracle_series AS
SELECT c.customer_id, h.i, h.h,
	   o.a + o.b - 1 - o.r AS sa, o.a - 1 AS sb, o.a + o.b + c.x - 1 AS sc,
	   h.h / (o.alpha + c.tt + h.h) AS z
  FROM oracle_cust c, oracle_par o,
	   LATERAL (SELECT g AS i, g * :ppm::float8 AS h FROM generate_series(1, :months) g
				UNION ALL SELECT -1, :h90::float8) h;

CREATE TEMP TABLE oracle_f AS
WITH RECURSIVE s(customer_id, i, k, term, total, sa, sb, sc, z, done) AS (
	SELECT customer_id, i, 0, 1.0::float8, 1.0::float8, sa, sb, sc, z, false
	  FROM oracle_series
	UNION ALL
	SELECT s.customer_id, s.i, s.k + 1, n.term, s.total + n.term, s.sa, s.sb, s.sc, s.z,
		   s.k + 1 >= 1 + abs(s.sa) + abs(s.sb)
		   AND abs(n.term) * greatest(n.rho, s.z) / (1 - greatest(n.rho, s.z))
			   <= 1e-17 * abs(s.total + n.term)
	  FROM s,
		   LATERAL (SELECT s.term * (s.sa + s.k) * (s.sb + s.k) / ((s.sc + s.k) * (s.k + 1)) * s.z AS term,
						   abs((s.sa + s.k + 1) * (s.sb + s.k + 1) / ((s.sc + s.k + 1) * (s.k + 2)) * s.z) AS rho) n
	 WHERE NOT s.done AND s.k < 200000
)
SELECT customer_id, i, total AS f, k AS terms FROM s WHERE done;

DO $$
BEGIN
	IF (SELECT count(*) FROM oracle_f) <> (SELECT count(*) FROM oracle_series) THEN
		RAISE EXCEPTION 'oracle: % of % hypergeometric series did not converge',
			(SELECT count(*) FROM oracle_series) - (SELECT count(*) FROM oracle_f),
			(SELECT count(*) FROM oracle_series);
	END IF;
END
$$;

-- expected purchases E(h) for each customer and horizon (E(0) = 0)
CREATE TEMP TABLE oracle_e AS
SELECT s.customer_id, s.i,
	   (o.a + o.b + c.x - 1) / (o.a - 1) * (1 - power(1 - s.z, o.a - 1) * f.f) * c.p_alive AS e
  FROM oracle_series s
  JOIN oracle_f f USING (customer_id, i)
  JOIN oracle_cust c USING (customer_id), oracle_par o
UNION ALL
SELECT customer_id, 0, 0.0 FROM oracle_cust;

CREATE TEMP TABLE oracle_value AS
WITH spend AS (
	SELECT c.customer_id,
		   CASE WHEN c.x > 0
				THEN (1 - o.p * c.x / (o.p * c.x + o.q - 1)) * o.v * o.p / (o.q - 1)
					 + o.p * c.x / (o.p * c.x + o.q - 1) * c.m
				ELSE o.v * o.p / (o.q - 1) END AS spend
	  FROM oracle_cust c, oracle_par o
), clv AS (
	SELECT e1.customer_id, sum((e1.e - e0.e) / power(1 + :discount::float8, e1.i)) AS purchases_discounted
	  FROM oracle_e e1
	  JOIN oracle_e e0 ON e0.customer_id = e1.customer_id AND e0.i = e1.i - 1
	 WHERE e1.i >= 1
	 GROUP BY e1.customer_id
)
SELECT c.customer_id, c.p_alive, e90.e AS expected_purchases_90d, sp.spend AS expected_spend,
	   COALESCE(c.margin, c.revenue * :margin_ratio::float8) AS historical_margin,
	   sp.spend * clv.purchases_discounted
	   * CASE WHEN c.margin IS NOT NULL AND c.revenue <> 0 THEN c.margin / c.revenue
			  ELSE :margin_ratio::float8 END AS clv
  FROM oracle_cust c
  JOIN spend sp USING (customer_id)
  JOIN clv USING (customer_id)
  JOIN oracle_e e90 ON e90.customer_id = c.customer_id AND e90.i = -1;
