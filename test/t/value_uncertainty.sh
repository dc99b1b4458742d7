#!/usr/bin/env bash
# Standard errors from the observed information (kam.<model>_information,
# kam.model_summary; doc/value.md "Standard errors"):
#   1. simulation: for BG/NBD, Pareto/NBD, Gamma-Gamma and sBG, R = 20 seeded
#      replicates (test/value/simulate.c) of 5,000 customers; the mean
#      reported standard error of each parameter agrees with the spread of
#      the 20 estimates (ratio 0.6..1.6: the sd of 20 replicates is itself
#      uncertain by about 16%), and the 95% intervals cover the truth in at
#      least 80% of the 260 (replicate, parameter) cases;
#   2. CDNOW (skipped with 77 when ../shared/data is absent): published
#      standard errors on the 2,357-customer summary (weeks).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

R=20
db=kam_value_uncertainty_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/value_uncertainty.XXXXXX")
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cc -O2 -std=c99 -Wall -Werror -o "$work/simulate" "$KAM_ROOT/test/value/simulate.c" -lm
kam_psql -d postgres -c "CREATE DATABASE $db" >/dev/null
kam_psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE sim_bgnbd (rep int, x int, tx float8, tt float8)" \
	-c "CREATE TABLE sim_paretonbd (rep int, x int, tx float8, tt float8)" \
	-c "CREATE TABLE sim_gammagamma (rep int, x int, m float8)" \
	-c "CREATE TABLE sim_sbg (rep int, period int, churned boolean)" \
	-c "CREATE TABLE truth (model text, param text, value float8, PRIMARY KEY (model, param))"
simulate() {
	local model=$1 n=$2 seed=$3
	shift 3
	"$work/simulate" "$model" "$n" "$R" "$seed" "$@" |
		kam_psql -d "$db" -c "\\copy sim_$model FROM STDIN WITH (FORMAT csv)"
}
simulate bgnbd 5000 111 0.75 5.0 0.8 2.5 26 78
simulate paretonbd 5000 222 0.8 8.0 1.0 20.0 52 104
simulate gammagamma 5000 333 6.25 3.74 15.44
simulate sbg 5000 444 0.704 1.182 12

kam_psql -d "$db" <<'SQL'
\set ON_ERROR_STOP 1
INSERT INTO truth VALUES
	('bgnbd', 'r', 0.75), ('bgnbd', 'alpha', 5.0), ('bgnbd', 'a', 0.8), ('bgnbd', 'b', 2.5),
	('paretonbd', 'r', 0.8), ('paretonbd', 'alpha', 8.0), ('paretonbd', 's', 1.0), ('paretonbd', 'beta', 20.0),
	('gammagamma', 'p', 6.25), ('gammagamma', 'q', 3.74), ('gammagamma', 'v', 15.44),
	('sbg', 'alpha', 0.704), ('sbg', 'beta', 1.182);
CREATE TABLE summ AS
WITH bg AS (SELECT rep, kam.bgnbd_fit(x, tx, tt) AS m FROM sim_bgnbd GROUP BY rep),
	 pn AS (SELECT rep, kam.paretonbd_fit(x, tx, tt) AS m FROM sim_paretonbd GROUP BY rep),
	 gg AS (SELECT rep, kam.gammagamma_fit(x, m) AS m FROM sim_gammagamma GROUP BY rep),
	 sb AS (SELECT rep, kam.sbg_fit(period, churned) AS m FROM sim_sbg GROUP BY rep)
SELECT 'bgnbd' AS model, bg.rep, s.* FROM bg, LATERAL kam.model_summary(bg.m,
	(SELECT kam.bgnbd_information(bg.m, x, tx, tt) FROM sim_bgnbd d WHERE d.rep = bg.rep)) s
UNION ALL
SELECT 'paretonbd', pn.rep, s.* FROM pn, LATERAL kam.model_summary(pn.m,
	(SELECT kam.paretonbd_information(pn.m, x, tx, tt) FROM sim_paretonbd d WHERE d.rep = pn.rep)) s
UNION ALL
SELECT 'gammagamma', gg.rep, s.* FROM gg, LATERAL kam.model_summary(gg.m,
	(SELECT kam.gammagamma_information(gg.m, x, m) FROM sim_gammagamma d WHERE d.rep = gg.rep)) s
UNION ALL
SELECT 'sbg', sb.rep, s.* FROM sb, LATERAL kam.model_summary(sb.m,
	(SELECT kam.sbg_information(sb.m, period, churned) FROM sim_sbg d WHERE d.rep = sb.rep)) s;
CREATE TABLE verdict AS
SELECT summ.model, parameter, count(*) AS fits, round(avg(std_error)::numeric, 4) AS mean_se,
	   round(stddev_samp(estimate)::numeric, 4) AS replicate_sd,
	   round((avg(std_error) / stddev_samp(estimate))::numeric, 2) AS ratio,
	   count(*) FILTER (WHERE t.value BETWEEN lower_95 AND upper_95) AS covered
  FROM summ JOIN truth t ON t.model = summ.model AND t.param = summ.parameter
 GROUP BY summ.model, parameter;
\pset footer off
SELECT *, ratio BETWEEN 0.6 AND 1.6 AND fits = 20 AS ok FROM verdict ORDER BY model, parameter;
DO $$
BEGIN
	IF (SELECT count(*) FROM verdict) <> 13
	   OR EXISTS (SELECT FROM verdict WHERE NOT (ratio BETWEEN 0.6 AND 1.6 AND fits = 20))
	   OR (SELECT sum(covered) FROM verdict) < 0.8 * 260 THEN
		RAISE EXCEPTION 'standard errors disagree with the replicate spread (see the table above)';
	END IF;
END
$$;
SQL
echo "value_uncertainty: reported standard errors agree with the spread of 20 replicates"

kam_shared_data cdnow_customers_summary.csv
csv=$data/cdnow_customers_summary.csv
kam_psql -d "$db" <<SQL
\set ON_ERROR_STOP 1
CREATE TABLE cd (id int, x int, tx float8, t float8);
\copy cd FROM '$csv' WITH (FORMAT csv, HEADER)
CREATE FUNCTION check_that(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
	IF ok IS NOT TRUE THEN RAISE EXCEPTION 'FAILED: %', what; END IF;
	RAISE NOTICE 'ok: %', what;
END \$\$;
SELECT check_that(count(*) = 2357 AND sum(x) = 2457, 'CDNOW summary: 2,357 customers, 2,457 repeat purchases') FROM cd;
CREATE TABLE m AS SELECT kam.bgnbd_fit(x, tx, t) AS bg, kam.paretonbd_fit(x, tx, t) AS pn FROM cd;
CREATE TABLE bg AS SELECT s.* FROM m, LATERAL kam.model_summary(m.bg, (SELECT kam.bgnbd_information(m.bg, x, tx, t) FROM cd)) s;
CREATE TABLE pn AS SELECT s.* FROM m, LATERAL kam.model_summary(m.pn, (SELECT kam.paretonbd_information(m.pn, x, tx, t) FROM cd)) s;
\pset footer off
SELECT * FROM bg;
SELECT * FROM pn;
-- lifetimes' BetaGeoFitter summary on this same file (lifetimes documentation;
-- its fit, r 0.2426 alpha 4.4135 a 0.7929 b 2.4258, is kam's, so the data are
-- the same): se alpha 0.378, a 0.186, b 0.705.  (kam's se(r) is 0.01256; the
-- published r figure is not asserted: see doc/value.md.)
SELECT check_that(count(*) = 3 AND bool_and(round(std_error::numeric, 3) = v),
				  string_agg(format('BG/NBD se(%s) %s = %s', parameter, std_error, v), '; '))
  FROM bg JOIN (VALUES ('alpha', 0.378), ('a', 0.186), ('b', 0.705)) p(parameter, v) USING (parameter);
-- CLVTools, Pareto/NBD on CDNOW: se(beta) 6.21
SELECT check_that(round(std_error::numeric, 2) = 6.21, format('Pareto/NBD se(beta) %s = 6.21', std_error))
  FROM pn WHERE parameter = 'beta';
SQL
echo "value_uncertainty: CDNOW standard errors match lifetimes (BG/NBD alpha, a, b) and CLVTools (Pareto/NBD beta)"
