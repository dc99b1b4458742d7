#!/usr/bin/env bash
# Parameter recovery: simulate customers from each lifetime-value model with
# known parameters (test/value/simulate.c, seeded), fit them with kam's
# aggregates and check that the estimates fall within a few standard errors
# of the truth.
#
# Standard errors come from repeated simulation: each model is simulated in
# R = 20 independent replicates of N customers and fitted once per replicate
# (GROUP BY replicate).  The spread of the R estimates is the standard error
# of one fit (sd); the mean of the R estimates has standard error sd/sqrt(R).
# For every parameter the test requires
#   - every fit to converge,
#   - |mean - truth| < 4 sd/sqrt(R)      (no bias beyond sampling noise),
#   - |estimate - truth| < 5 sd for every replicate (no stray optimum),
#   - sd > 0 and sd < 25% of the truth   (the fits are informative).
# A fit that ignored the data, or was biased by as little as one standard
# error of a single fit, fails the first check.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

R=20
db=kam_value_recovery_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/value_recovery.XXXXXX")
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cc -O2 -std=c99 -Wall -Werror -o "$work/simulate" "$KAM_ROOT/test/value/simulate.c" -lm

kam_psql -d postgres -c "CREATE DATABASE $db" >/dev/null
kam_psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE sim_bgnbd (rep int, x int, tx float8, tt float8)" \
	-c "CREATE TABLE sim_paretonbd (rep int, x int, tx float8, tt float8)" \
	-c "CREATE TABLE sim_gammagamma (rep int, x int, m float8)" \
	-c "CREATE TABLE sim_sbg (rep int, period int, churned boolean)" \
	-c "CREATE TABLE truth (model text, param text, value float8, PRIMARY KEY (model, param))"

# model, customers per replicate, seed, parameters (simulate.c's order)
simulate() {
	local model=$1 n=$2 seed=$3
	shift 3
	"$work/simulate" "$model" "$n" "$R" "$seed" "$@" |
		kam_psql -d "$db" -c "\\copy sim_$model FROM STDIN WITH (FORMAT csv)"
}
# BG/NBD in weeks, T uniform on 26..78 weeks (CDNOW-like, more active buyers)
simulate bgnbd 20000 101 0.75 5.0 0.8 2.5 26 78
# Pareto/NBD in weeks, T uniform on 52..104 weeks
simulate paretonbd 20000 202 0.8 8.0 1.0 20.0 52 104
# Gamma-Gamma at the published CDNOW values, 1..10 repeat purchases each
simulate gammagamma 20000 303 6.25 3.74 15.44
# sBG at Fader & Hardie's "Regular" cohort values, observed 1..12 periods
simulate sbg 20000 404 0.704 1.182 12

kam_psql -d "$db" <<'SQL'
INSERT INTO truth VALUES
	('bgnbd', 'r', 0.75), ('bgnbd', 'alpha', 5.0), ('bgnbd', 'a', 0.8), ('bgnbd', 'b', 2.5),
	('paretonbd', 'r', 0.8), ('paretonbd', 'alpha', 8.0), ('paretonbd', 's', 1.0), ('paretonbd', 'beta', 20.0),
	('gammagamma', 'p', 6.25), ('gammagamma', 'q', 3.74), ('gammagamma', 'v', 15.44),
	('sbg', 'alpha', 0.704), ('sbg', 'beta', 1.182);

CREATE TABLE fits AS
SELECT 'bgnbd' AS model, rep, to_jsonb(kam.bgnbd_fit(x, tx, tt)) AS fit FROM sim_bgnbd GROUP BY rep
UNION ALL
SELECT 'paretonbd', rep, to_jsonb(kam.paretonbd_fit(x, tx, tt)) FROM sim_paretonbd GROUP BY rep
UNION ALL
SELECT 'gammagamma', rep, to_jsonb(kam.gammagamma_fit(x, m)) FROM sim_gammagamma GROUP BY rep
UNION ALL
SELECT 'sbg', rep, to_jsonb(kam.sbg_fit(period, churned)) FROM sim_sbg GROUP BY rep;

CREATE TABLE estimates AS
SELECT f.model, f.rep, t.param, t.value AS truth, (f.fit->>t.param)::float8 AS estimate,
	   (f.fit->>'converged')::boolean AS converged, (f.fit->>'n')::float8 AS n
  FROM fits f JOIN truth t USING (model);

\pset footer off
CREATE TABLE verdict AS
SELECT model, param, truth,
	   round(avg(estimate)::numeric, 4) AS mean_estimate,
	   round(stddev_samp(estimate)::numeric, 4) AS sd,
	   round(((avg(estimate) - truth) / (stddev_samp(estimate) / sqrt(count(*))))::numeric, 2) AS z_mean,
	   round((max(abs(estimate - truth)) / stddev_samp(estimate))::numeric, 2) AS max_z,
	   count(*) AS fits, bool_and(converged) AS converged, min(n) AS n
  FROM estimates
 GROUP BY model, param, truth;
SELECT *, converged AND abs(z_mean) < 4 AND max_z < 5 AND sd > 0 AND sd < 0.25 * truth AND fits = 20 AS ok
  FROM verdict ORDER BY model, param;
DO $$
BEGIN
	IF EXISTS (SELECT FROM verdict
				WHERE NOT (converged AND abs(z_mean) < 4 AND max_z < 5 AND sd > 0
						   AND sd < 0.25 * truth AND fits = 20))
	   OR (SELECT count(*) FROM verdict) <> 13 THEN
		RAISE EXCEPTION 'parameter recovery failed (see the table above)';
	END IF;
END
$$;
SQL
echo "value_recovery: all 13 parameters recovered"
