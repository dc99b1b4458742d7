#!/usr/bin/env bash
# MBG/NBD on the CDNOW sample (2,357 customers, weeks 1-39, read from
# ../shared/data/cdnow_customers_summary.csv; skipped without it).  The
# reference is the estimate that lifetimes' test suite asserts for its
# ModifiedBetaGeoFitter on this file, r 0.525, alpha 6.183, a 0.891,
# b 1.614, which it takes from BTYDplus (test_params_out_is_close_to_BTYDplus).
# Independently of any published figure, kam's log-likelihood is checked
# against plain SQL at kam's estimate, where the central finite-difference
# gradient of that SQL likelihood must vanish (the fit is at the optimum).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
kam_shared_data cdnow_customers_summary.csv
csv=$data/cdnow_customers_summary.csv
db=kam_value_mbgnbd_$$
kam_psql -d postgres -c "CREATE DATABASE $db"
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null' EXIT

kam_psql -d "$db" <<SQL
CREATE EXTENSION kam;
CREATE TABLE cdnow (id int, x int, tx float8, t float8);
\copy cdnow FROM '$csv' WITH (FORMAT csv, HEADER)
CREATE FUNCTION check_that(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
	IF ok IS NOT TRUE THEN RAISE EXCEPTION 'FAILED: %', what; END IF;
	RAISE NOTICE 'ok: %', what;
END \$\$;
SELECT check_that(count(*) = 2357 AND sum(x) = 2457, 'CDNOW summary has 2,357 customers and 2,457 repeat purchases') FROM cdnow;

CREATE TABLE fit AS SELECT kam.mbgnbd_fit(x, tx, t) AS m FROM cdnow;
SELECT (m).* FROM fit;
SELECT check_that(round((m).r::numeric, 3) = 0.525 AND round((m).alpha::numeric, 3) = 6.183
	AND round((m).a::numeric, 3) = 0.891 AND round((m).b::numeric, 3) = 1.614 AND (m).converged,
	'MBG/NBD r 0.525, alpha 6.183, a 0.891, b 1.614 (lifetimes / BTYDplus)') FROM fit;

CREATE FUNCTION lgamma_t(z float8) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS \$\$
DECLARE acc float8 := 0;
BEGIN
	WHILE z < 15 LOOP acc := acc - ln(z); z := z + 1; END LOOP;
	RETURN acc + (z - 0.5) * ln(z) - z + 0.5 * ln(2 * pi()) + 1 / (12 * z) - 1 / (360 * z ^ 3)
		+ 1 / (1260 * z ^ 5) - 1 / (1680 * z ^ 7);
END \$\$;
CREATE FUNCTION ll(p float8[]) RETURNS float8 LANGUAGE sql STABLE AS \$\$
 SELECT sum(lgamma_t(p[1] + x) - lgamma_t(p[1]) + p[1] * ln(p[2]) + lgamma_t(p[3] + p[4])
	+ lgamma_t(p[4] + x + 1) - lgamma_t(p[4]) - lgamma_t(p[3] + p[4] + x + 1)
	+ ln((p[2] + t) ^ (-(p[1] + x)) + p[3] / (p[4] + x) * (p[2] + tx) ^ (-(p[1] + x)))) FROM cdnow \$\$;
CREATE FUNCTION fd_check(p float8[], OUT sql_ll float8, OUT max_grad float8) LANGUAGE plpgsql AS \$\$
DECLARE q float8[]; lp float8; lm float8;
BEGIN
	sql_ll := ll(p);
	max_grad := 0;
	FOR k IN 1 .. 4 LOOP
		q := p; q[k] := p[k] * exp(1e-5); lp := ll(q);
		q[k] := p[k] * exp(-1e-5); lm := ll(q);
		max_grad := greatest(max_grad, abs((lp - lm) / 2e-5 / 2357));  -- d mean LL / d ln(parameter)
	END LOOP;
END \$\$;
SELECT (fd_check(ARRAY[(m).r, (m).alpha, (m).a, (m).b])).*, (m).log_likelihood AS kam_ll FROM fit \gset
SELECT check_that(abs(:sql_ll - :kam_ll) <= 1e-9 * abs(:sql_ll) AND :max_grad < 1e-6,
	format('log-likelihood %s equals plain SQL (%s), finite-difference gradient %s', round(:kam_ll, 2), round(:sql_ll, 2), :max_grad));
SQL
echo "value_mbgnbd_cdnow: MBG/NBD on CDNOW as lifetimes and BTYDplus"
