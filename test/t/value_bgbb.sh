#!/usr/bin/env bash
# BG/BB on the donation data of Fader, Hardie & Shang (2010), read from
# ../shared/data/donations.csv (skipped without it; sql/value_discrete.sql has
# an embedded copy): the published estimates and log-likelihood at the
# published number of digits, the paper's Table 6 P(alive in 2002), and the
# totals of Hardie's BG/BB spreadsheet (note 010): 12,884.2 expected
# donations in 2002-2006 ("Conditional Expectations (II)") and 3,454.9 /
# 1,253.1 expected donors with 0 / 6 donations in 1996-2001 ("In-Sample Fit",
# the paper's P(X(n) = x) evaluated in SQL at kam's estimates).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
kam_shared_data donations.csv
csv=$data/donations.csv
db=kam_value_bgbb_$$
kam_psql -d postgres -c "CREATE DATABASE $db"
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null' EXIT

kam_psql -d "$db" <<SQL
CREATE EXTENSION kam;
CREATE TABLE donations (x int, tx int, n int, w float8);
\copy donations FROM '$csv' WITH (FORMAT csv, HEADER)
CREATE FUNCTION check_that(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
	IF ok IS NOT TRUE THEN RAISE EXCEPTION 'FAILED: %', what; END IF;
	RAISE NOTICE 'ok: %', what;
END \$\$;
SELECT check_that(count(*) = 22 AND sum(w) = 11104 AND bool_and(n = 6),
	'donations.csv: 22 patterns, 11,104 donors, 6 opportunities') FROM donations;

CREATE TABLE fit AS SELECT kam.bgbb_fit(x, tx, n, w) AS m FROM donations;
SELECT (m).* FROM fit;
SELECT check_that(round((m).alpha::numeric, 3) = 1.204 AND round((m).beta::numeric, 3) = 0.750
	AND round((m).gamma::numeric, 3) = 0.657 AND round((m).delta::numeric, 3) = 2.783
	AND round((m).log_likelihood::numeric, 1) = -33225.6 AND (m).converged,
	'BG/BB estimates alpha 1.204, beta 0.750, gamma 0.657, delta 2.783, LL -33,225.6 as published') FROM fit;

SELECT check_that(bool_and(round(kam.p_alive(m, x, tx, n)::numeric, 2) = CASE x WHEN 0 THEN 0.11 WHEN 2 THEN 0.59 ELSE 0.93 END),
	'Table 6: P(alive in 2002) 0.11 for (0, 0), 0.59 for (2, 4), 0.93 for (6, 6)')
FROM fit, donations WHERE (x, tx) IN ((0, 0), (2, 4), (6, 6));
SELECT check_that(round(sum(w * kam.expected_purchases(m, 5, x, tx, n))::numeric, 1) = 12884.2,
	'12,884.2 expected donations in 2002-2006 (Hardie, note 010)') FROM fit, donations;

-- P(X(n) = x) of the paper in plain SQL at kam's estimates
CREATE FUNCTION lgamma_t(z float8) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS \$\$
DECLARE acc float8 := 0;
BEGIN
	WHILE z < 15 LOOP acc := acc - ln(z); z := z + 1; END LOOP;
	RETURN acc + (z - 0.5) * ln(z) - z + 0.5 * ln(2 * pi()) + 1 / (12 * z) - 1 / (360 * z ^ 3)
		+ 1 / (1260 * z ^ 5) - 1 / (1680 * z ^ 7);
END \$\$;
CREATE FUNCTION lbeta(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS
\$\$ SELECT lgamma_t(a) + lgamma_t(b) - lgamma_t(a + b) \$\$;
CREATE FUNCTION choose(n int, k int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
\$\$ SELECT exp(lgamma_t(n + 1) - lgamma_t(k + 1) - lgamma_t(n - k + 1)) \$\$;
CREATE FUNCTION p_x(m kam.bgbb, x int, n int) RETURNS float8 LANGUAGE sql IMMUTABLE AS \$\$
 SELECT choose(n, x) * exp(lbeta(m.alpha + x, m.beta + n - x) - lbeta(m.alpha, m.beta)
		+ lbeta(m.gamma, m.delta + n) - lbeta(m.gamma, m.delta))
	+ coalesce((SELECT sum(choose(i, x) * exp(lbeta(m.alpha + x, m.beta + i - x) - lbeta(m.alpha, m.beta)
		+ lbeta(m.gamma + 1, m.delta + i) - lbeta(m.gamma, m.delta))) FROM generate_series(x, n - 1) i), 0) \$\$;
SELECT check_that(abs((SELECT sum(p_x(m, k, 6)) FROM generate_series(0, 6) k) - 1) < 1e-12
	AND round((11104 * p_x(m, 0, 6))::numeric, 1) = 3454.9 AND round((11104 * p_x(m, 6, 6))::numeric, 1) = 1253.1,
	'in-sample fit: 3,454.9 donors expected with 0 and 1,253.1 with 6 repeat donations (Hardie, note 010)') FROM fit;
SQL
echo "value_bgbb: the donation-data figures of Fader, Hardie & Shang (2010) reproduced"
