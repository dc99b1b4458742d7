-- Standard errors (sql/kam/43_value_uncertainty.sql, src/hessian.c): every
-- model's analytic gradient and differenced-gradient Hessian against finite
-- differences of its objective; the information aggregates on fitted
-- models (serial and, in the parallel pass, parallel: identical output);
-- rejected input with SQLSTATEs.
SET extra_float_digits = 0;
\set VERBOSITY terse

-- gradient: |analytic - numeric| <= 1e-7 (1 + |analytic|); Hessian:
-- |analytic - numeric| <= 1e-5 of the largest |H| at that point
WITH c AS (
	SELECT *, max(abs(analytic)) FILTER (WHERE kind = 'hessian') OVER (PARTITION BY model, point) AS hmax
	  FROM kam.derivative_check()
)
SELECT model, kind, count(*) AS checks, count(DISTINCT point) AS points,
	   bool_and(CASE WHEN kind = 'gradient' THEN abs(analytic - numerical) <= 1e-7 * (1 + abs(analytic))
					 ELSE abs(analytic - numerical) <= 1e-5 * hmax END) AS ok
  FROM c GROUP BY model, kind ORDER BY model, kind;

-- Deterministic pseudo-random uniforms.
CREATE FUNCTION pg_temp.u(i int, k int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT (('x' || substr(md5(i || ':' || k), 1, 8))::bit(32)::bigint + 0.5) / 4294967296 $$;
CREATE TABLE se_rft AS
SELECT i, x, CASE WHEN x = 0 THEN 0 ELSE round((t * pg_temp.u(i, 3))::numeric, 1)::float8 END AS tx, t
  FROM (SELECT i, floor(-ln(pg_temp.u(i, 1)) * 3 * pg_temp.u(i, 4))::int AS x,
			   round((20 + 30 * pg_temp.u(i, 2))::numeric, 1)::float8 AS t
		  FROM generate_series(1, 3000) i) s;
CREATE TABLE se_gg AS
SELECT i, 1 + (i % 5) AS x, round((5 + 40 * pg_temp.u(i, 5) * pg_temp.u(i, 6))::numeric, 2)::float8 AS m
  FROM generate_series(1, 2000) i;
CREATE TABLE se_sbg AS
SELECT i, least(8, 1 + floor(ln(pg_temp.u(i, 7)) / ln(1 - 0.5 * pg_temp.u(i, 8))))::int AS period
  FROM generate_series(1, 2000) i;
ALTER TABLE se_sbg ADD COLUMN churned boolean;
UPDATE se_sbg SET churned = period < 8;
CREATE TABLE se_bgbb AS
SELECT i, x, CASE WHEN x = 0 THEN 0 ELSE x + floor((6 - x) * pg_temp.u(i, 9))::int END AS tx, 6 AS n
  FROM (SELECT i, floor(7 * pg_temp.u(i, 10) * pg_temp.u(i, 11))::int AS x FROM generate_series(1, 2000) i) s;

CREATE TABLE fits AS
SELECT (SELECT kam.bgnbd_fit(x, tx, t) FROM se_rft) AS bg,
	   (SELECT kam.paretonbd_fit(x, tx, t) FROM se_rft) AS pn,
	   (SELECT kam.mbgnbd_fit(x, tx, t) FROM se_rft) AS mbg,
	   (SELECT kam.gammagamma_fit(x, m) FROM se_gg) AS gg,
	   (SELECT kam.sbg_fit(period, churned) FROM se_sbg) AS sbg,
	   (SELECT kam.bgbb_fit(x, tx, n) FROM se_bgbb) AS bb;
SELECT (bg).converged, (pn).converged, (mbg).converged, (gg).converged, (sbg).converged, (bb).converged FROM fits;

CREATE TABLE info AS
SELECT (SELECT kam.bgnbd_information(f.bg, x, tx, t) FROM se_rft) AS bg,
	   (SELECT kam.paretonbd_information(f.pn, x, tx, t) FROM se_rft) AS pn,
	   (SELECT kam.mbgnbd_information(f.mbg, x, tx, t) FROM se_rft) AS mbg,
	   (SELECT kam.gammagamma_information(f.gg, x, m) FROM se_gg) AS gg,
	   (SELECT kam.sbg_information(f.sbg, period, churned) FROM se_sbg) AS sbg,
	   (SELECT kam.bgbb_information(f.bb, x, tx, n) FROM se_bgbb) AS bb
  FROM fits f;

-- the converged fits (the others diverge on these data: no SEs there)
SELECT 'paretonbd' AS model, s.parameter, round(s.estimate::numeric, 4) AS estimate, round(s.std_error::numeric, 4) AS se,
	   round(s.lower_95::numeric, 4) AS lower_95, round(s.upper_95::numeric, 4) AS upper_95
  FROM fits f, info i, kam.model_summary(f.pn, i.pn) s
UNION ALL
SELECT 'sbg', s.parameter, round(s.estimate::numeric, 4), round(s.std_error::numeric, 4),
	   round(s.lower_95::numeric, 4), round(s.upper_95::numeric, 4)
  FROM fits f, info i, kam.model_summary(f.sbg, i.sbg) s
 ORDER BY model, parameter;

-- weighted and grouped rows give the same information (to rounding)
SELECT max(abs(a - b) / greatest(abs(a), abs(b))) < 1e-9 AS weighted_same
  FROM (SELECT (SELECT kam.bgnbd_information(f.bg, x, tx, t, w::float8)
				  FROM (SELECT x, tx, t, count(*) AS w FROM se_rft GROUP BY 1, 2, 3) g) AS wi FROM fits f) q,
	   info i, unnest(q.wi, i.bg) u(a, b);

-- the stored model and its information
SELECT name FROM kam.save_model('se_bg', (SELECT sbg FROM fits));
SELECT * FROM kam.model_summary('se_bg');
SELECT kam.save_model_information('se_bg', (SELECT sbg FROM info));
SELECT parameter, round(std_error::numeric, 4) AS se FROM kam.model_summary('se_bg');
SELECT count(*) FROM kam.model_summary('se_bg', (SELECT sbg FROM info));

-- no rows, or only NULL models: NULL
SELECT kam.sbg_information(NULL::kam.sbg, period, churned) IS NULL AS is_null FROM se_sbg;
SELECT kam.sbg_information(f.sbg, period, churned) IS NULL AS is_null FROM se_sbg, fits f WHERE false;

-- a model fitted on other data: a WARNING
SELECT array_length(kam.sbg_information(ROW(1.0, 1.0, 0, 0, 0, true)::kam.sbg, period, churned), 1) FROM se_sbg;

-- rejected input
SELECT kam.sbg_information(ROW(1.0 + period, 1.0, 0, 0, 0, true)::kam.sbg, period, churned) FROM se_sbg;
SELECT kam.sbg_information(f.sbg, -1, true) FROM fits f;
SELECT kam.sbg_information(ROW(-1.0, 1.0, 0, 0, 0, true)::kam.sbg, period, churned) FROM se_sbg;
SELECT * FROM kam.model_summary((SELECT sbg FROM fits), '{1,2,3,4}'::float8[]);
SELECT * FROM kam.model_summary((SELECT sbg FROM fits), '{{1,2},{3,4}}'::float8[]);
SELECT * FROM kam.model_summary((SELECT sbg FROM fits), '{{1,NULL},{NULL,4}}'::float8[]);
SELECT * FROM kam.model_summary((SELECT sbg FROM fits), '{{1,2},{2,1}}'::float8[]);
SELECT * FROM kam.model_summary((SELECT sbg FROM fits), '{{1,2},{2,"NaN"}}'::float8[]);
SELECT * FROM kam.model_summary('no_such_model');
SELECT kam.save_model_information('no_such_model', '{{1,0},{0,1}}'::float8[]);
SELECT kam.save_model_information('se_bg', NULL::float8[]);
SELECT kam.save_model_information('se_bg', '{{1,0,0},{0,1,0},{0,0,1}}'::float8[]);
