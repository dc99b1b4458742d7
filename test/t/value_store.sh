#!/usr/bin/env bash
# kam.fit_models() and kam.customer_value on the demo data, customer by
# customer, against an independent plain-SQL evaluation of the closed forms
# (test/value/oracle.sql: P(alive), BG/NBD expected purchases with the 2F1
# term summed as a series, Gamma-Gamma expected spend, lifetimes' CLV sum),
# with the default settings and again with other settings and no margin
# column; then the store survives pg_dump / restore.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

db=kam_value_store_$$
db2=kam_value_store_restored_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/value_store.XXXXXX")
cleanup() {
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS $db2" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}" >/dev/null

# The models: both stored, converged, fitted on the right rows as of the setting.
kam_psql -d "$db" <<'SQL'
\pset footer off
SELECT kam.setting('rfm_period') AS rfm_period, kam.as_of();
SELECT name, model_type, period, as_of, rows, log_likelihood, parameters FROM kam.fit_models();
DO $$
DECLARE
	n_orders bigint := (SELECT count(*) FROM kam.customer_summary WHERE orders > 0);
	n_repeat bigint := (SELECT count(*) FROM kam.customer_summary WHERE frequency > 0 AND monetary > 0);
BEGIN
	IF (SELECT count(*) FROM kam.models) <> 2
	   OR (SELECT rows FROM kam.models WHERE name = 'bgnbd') <> n_orders
	   OR (SELECT rows FROM kam.models WHERE name = 'gammagamma') <> n_repeat
	   OR (SELECT as_of FROM kam.models WHERE name = 'bgnbd') <> kam.as_of()
	   OR (SELECT count(*) FROM kam.models WHERE period = 'day') <> 2
	   OR NOT (SELECT bool_and((parameters->>'converged')::boolean) FROM kam.models) THEN
		RAISE EXCEPTION 'kam.models is not what kam.fit_models() should have stored';
	END IF;
	-- the stored model is the fit, bit for bit
	IF kam.stored_bgnbd() IS DISTINCT FROM
	   (SELECT kam.bgnbd_fit(frequency, recency, t) FROM kam.customer_summary WHERE orders > 0)
	   OR kam.stored_gammagamma() IS DISTINCT FROM
	   (SELECT kam.gammagamma_fit(frequency, monetary) FROM kam.customer_summary
		 WHERE frequency > 0 AND monetary > 0) THEN
		RAISE EXCEPTION 'a stored model does not read back as the fit it came from';
	END IF;
END
$$;
SQL

# compare MONTHS DISCOUNT PPM H90 MARGIN_RATIO: kam.customer_value vs the oracle
compare() {
	kam_psql -d "$db" -v months="$1" -v discount="$2" -v ppm="$3" -v h90="$4" -v margin_ratio="$5" \
		-f "$KAM_ROOT/test/value/oracle.sql" -f - <<'SQL'
\pset footer off
CREATE TEMP TABLE diff AS
SELECT v.customer_id,
	   abs(v.p_alive - o.p_alive) / o.p_alive AS p_alive,
	   abs(v.expected_purchases_90d - o.expected_purchases_90d) / o.expected_purchases_90d AS purchases,
	   abs(v.expected_spend - o.expected_spend) / o.expected_spend AS spend,
	   abs(v.clv_12m - o.clv) / greatest(abs(o.clv), 1e-300) AS clv,
	   abs(v.historical_margin - o.historical_margin) / greatest(abs(o.historical_margin), 1e-300) AS margin
  FROM kam.customer_value v JOIN oracle_value o USING (customer_id);
SELECT count(*) AS customers, max(p_alive) AS p_alive_rel_err, max(purchases) AS purchases_rel_err,
	   max(spend) AS spend_rel_err, max(clv) AS clv_rel_err, max(margin) AS margin_rel_err
  FROM diff;
SELECT round(avg(v.p_alive)::numeric, 4) AS mean_p_alive,
	   round(sum(v.expected_purchases_90d)::numeric, 1) AS purchases_90d,
	   round(sum(v.clv_12m)::numeric, 0) AS clv, round(sum(o.clv)::numeric, 0) AS oracle_clv
  FROM kam.customer_value v JOIN oracle_value o USING (customer_id);
DO $$
DECLARE
	bad bigint;
BEGIN
	SELECT count(*) INTO bad FROM diff
	 WHERE NOT (p_alive <= 1e-12 AND purchases <= 1e-9 AND spend <= 1e-12 AND clv <= 1e-9 AND margin <= 1e-12);
	IF bad > 0 THEN
		RAISE EXCEPTION '% customers differ from the plain-SQL oracle', bad;
	END IF;
	IF (SELECT count(*) FROM diff) <> (SELECT count(*) FROM kam.customer_summary WHERE orders > 0)
	   OR (SELECT count(*) FROM diff) = 0 THEN
		RAISE EXCEPTION 'not every customer with orders was compared';
	END IF;
	-- one row per customer; customers without orders get NULL scores
	IF (SELECT count(*) FROM kam.customer_value) <> (SELECT count(*) FROM kam.customer_summary)
	   OR EXISTS (SELECT FROM kam.customer_value v JOIN kam.customer_summary s USING (customer_id)
				   WHERE v.historical_revenue IS DISTINCT FROM s.revenue
					  OR (s.orders = 0 AND NOT (v.p_alive, v.expected_purchases_90d, v.expected_spend, v.clv_12m) IS NULL)) THEN
		RAISE EXCEPTION 'kam.customer_value rows do not match kam.customer_summary';
	END IF;
	IF EXISTS (SELECT FROM kam.customer_value
				WHERE p_alive = 'NaN' OR clv_12m = 'NaN' OR abs(clv_12m) = 'Infinity'
				   OR p_alive < 0 OR p_alive > 1 OR expected_purchases_90d < 0) THEN
		RAISE EXCEPTION 'kam.customer_value has an impossible value';
	END IF;
END
$$;
SQL
}

echo "== default settings: 12 months, 1% a month, 30.4375 days a month, margins bound"
compare 12 0.01 30.4375 90 1

echo "== 6 months, 2% a month, 30 days a month (lifetimes), no margin column, ratio 0.3"
kam_psql -d "$db" -c "SELECT kam.set('clv_months', '6'), kam.set('clv_discount', '0.02'),
	kam.set('clv_periods_per_month', '30'), kam.set('clv_margin_ratio', '0.3'),
	kam.bind_orders('demo.orders', 'customer_id', 'ordered_at', 'amount')" >/dev/null
compare 6 0.02 30 90 0.3

echo "== pg_dump keeps the store and the settings"
kam_psql -d "$db" -c "CREATE TABLE value_before AS SELECT * FROM kam.customer_value" >/dev/null
kam_psql -d postgres -c "CREATE DATABASE $db2" >/dev/null
"$PG_BIN/pg_dump" -d "$db" -f "$work/dump.sql"
kam_psql -d "$db2" -f "$work/dump.sql" >/dev/null 2>"$work/restore.err" || { cat "$work/restore.err"; exit 1; }
kam_psql -d "$db2" <<'SQL'
DO $$
BEGIN
	IF (SELECT count(*) FROM kam.models) <> 2 THEN
		RAISE EXCEPTION 'the restored database has % stored models', (SELECT count(*) FROM kam.models);
	END IF;
	IF EXISTS (SELECT * FROM value_before EXCEPT SELECT * FROM kam.customer_value)
	   OR EXISTS (SELECT * FROM kam.customer_value EXCEPT SELECT * FROM value_before) THEN
		RAISE EXCEPTION 'kam.customer_value differs after pg_dump / restore';
	END IF;
END
$$;
SQL
echo "value_store: kam.customer_value matches the oracle; the store survives pg_dump"
