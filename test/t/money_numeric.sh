#!/usr/bin/env bash
# Numeric and money amounts (doc/foundation.md, "Money"): kam.orders reads a
# numeric column through kam.amount_float8, which must be the cast
# numeric::float8 bit for bit, without its text round trip.
#   1. kam.amount_float8(x) against x::float8 (the oracle: numeric_out, then
#      strtod) for random numerics of every shape (scales 0-30, magnitudes
#      1e-30 to 1e30, 16+ significant digits, NaN, infinities);
#   2. every report view on the demo data bound to its numeric(12,2) orders
#      equals the same view bound to a view that casts amount::float8 (what
#      kam.orders did before), and the money-summing views the same with
#      amounts of 12 decimals (more than kam's nine) and a money margin;
#   3. the rule of doc/foundation.md ("Money"): kam.rfm's revenue is the exact
#      decimal sum, correctly rounded, for amounts of at most nine decimals
#      below 2^50 nano-units; otherwise each amount counts as
#      round(amount::float8 * 1e9) nano-units (both written out in numeric SQL;
#      float8 to int8 is exact, float8 to numeric would keep 15 digits only).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
a=t_money_numeric_a_$$
b=t_money_numeric_b_$$
for db in $a $b; do
	kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}"
done
trap 'for db in $a $b; do kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done' EXIT
fail=0

# 1. the conversion against the cast
out=$(kam_psql -d "$a" -At -F ' ' <<'SQL'
SELECT setseed(0.12);
CREATE TEMP TABLE x AS
SELECT g % 9 AS shape,
	   CASE g % 9
		   WHEN 0 THEN round((random() * 1e6)::numeric, 2)
		   WHEN 1 THEN round((random() * 1e3 - 500)::numeric, g % 13)
		   WHEN 2 THEN round((random() * 1e15)::numeric, 4)
		   WHEN 3 THEN (random() * 1e30)::numeric
		   WHEN 4 THEN round(random()::numeric, 30)
		   WHEN 5 THEN (g::numeric * 10000000000) * (CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END)
		   WHEN 6 THEN round((random() * 1e-10)::numeric, 25)
		   WHEN 7 THEN round(((random() - 0.5) * 2e7)::numeric, 9)
		   ELSE (9007199254740990 + g % 7)::numeric / 10::numeric ^ (g % 24) END AS v
  FROM generate_series(1, 900000) g
UNION ALL
SELECT 9, v::numeric FROM unnest(ARRAY['NaN', 'Infinity', '-Infinity', '0', '-0.000', '1e22', '1e23', '1e-22',
										'9007199254740993', '1.7976931348623157e308', '-4.9e-324']) v;
SELECT 'shape', shape, count(*) AS n,
	   count(*) FILTER (WHERE float8send(kam.amount_float8(v)) IS DISTINCT FROM float8send(v::float8)) AS differ
  FROM x GROUP BY shape ORDER BY shape;
SELECT 'null', kam.amount_float8(NULL) IS NULL;
SQL
)
echo "$out"
echo "$out" | awk '$1 == "shape" { n++; if ($4 != 0 || $3 < 10) bad = 1 } $1 == "null" && $2 != "t" { bad = 1 }
	END { exit (n == 10 && !bad) ? 0 : 1 }' || { echo "FAILED: kam.amount_float8 differs from ::float8"; fail=1; }

# digest of the report views that exist (all, or those named in $2), one line each
digests() {
	kam_psql -d "$1" -At -v only="${2:-}" <<'SQL'
SET TimeZone = 'UTC';
SELECT count(*) FROM kam.fit_models() WHERE :'only' = '';
SELECT set_config('kam_test.only', :'only', false);
DO $$
DECLARE v record; d text;
BEGIN
	FOR v IN SELECT r.name FROM kam.report_views r WHERE to_regclass('kam.' || quote_ident(r.name)) IS NOT NULL
				AND (current_setting('kam_test.only') = '' OR r.name = ANY (string_to_array(current_setting('kam_test.only'), ' ')))
			  ORDER BY r.position LOOP
		EXECUTE format('SELECT count(*) || '' '' || md5(COALESCE(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) FROM kam.%I t', v.name) INTO d;
		RAISE NOTICE 'view % %', v.name, d;
	END LOOP;
END
$$;
SQL
}
compare() { # label [views [min]]: compares the digests of $a and $b
	local da db
	da=$(digests "$a" "${2:-}" 2>&1 | grep '^NOTICE:  view ')
	db=$(digests "$b" "${2:-}" 2>&1 | grep '^NOTICE:  view ')
	echo "$da" | sed "s/^/$1 /"
	if [ "$da" != "$db" ] || [ "$(echo "$da" | wc -l)" -lt "${3:-15}" ]; then
		echo "FAILED: $1: views differ between the numeric binding and the float8 cast"
		diff <(echo "$da") <(echo "$db") || true
		fail=1
	fi
}

# 2a. the demo's numeric(12,2) orders against the same orders cast to float8
kam_psql -d "$b" <<'SQL'
CREATE VIEW demo.orders_cast AS
SELECT order_id, customer_id, ordered_at, amount::float8 AS amount, margin::float8 AS margin FROM demo.orders;
SELECT kam.bind_orders('demo.orders_cast', 'customer_id', 'ordered_at', 'amount', 'margin');
SQL
[ "$(kam_psql -d "$a" -At -c "SELECT pg_get_viewdef('kam.orders') LIKE '%kam.amount_float8(%'")" = t ] ||
	{ echo "FAILED: kam.orders does not read numeric amounts through kam.amount_float8"; fail=1; }
compare "numeric(12,2)"

# 2b. amounts with 12 decimals and a money margin
for db in $a $b; do
	kam_psql -d "$db" <<'SQL'
SET lc_monetary = 'C';
CREATE TABLE demo.orders12 AS
SELECT order_id, customer_id, ordered_at,
	   (amount + (order_id % 997)::numeric / 1e12 * (CASE WHEN order_id % 2 = 0 THEN -1 ELSE 1 END))::numeric(20,12) AS amount,
	   margin::money AS margin
  FROM demo.orders;
CREATE VIEW demo.orders12_cast AS
SELECT order_id, customer_id, ordered_at, amount::float8 AS amount, margin::numeric::float8 AS margin FROM demo.orders12;
SQL
done
kam_psql -d "$a" -c "SELECT kam.bind_orders('demo.orders12', 'customer_id', 'ordered_at', 'amount', 'margin')"
kam_psql -d "$b" -c "SELECT kam.bind_orders('demo.orders12_cast', 'customer_id', 'ordered_at', 'amount', 'margin')"
# (the views that sum amounts and margins directly; the others read them or the tier family)
compare "numeric(20,12), money" "customer_summary customer_activity revenue_movements cohort_retention customer_retention revenue_retention_ttm" 6

# 3. the money rule, per customer, against numeric SQL
out=$(kam_psql -d "$a" -At -F ' ' <<'SQL'
SELECT setseed(0.34);
CREATE TEMP TABLE m AS
SELECT g % 1500 AS customer_id, timestamptz '2024-01-01' + (g % 300) * interval '1 day' AS ordered_at,
	   CASE WHEN g % 3 = 0 THEN round(((random() - 0.5) * 2.2e6)::numeric, (g % 10))
			WHEN g % 3 = 1 THEN round((random() * 1e4)::numeric, 2)
			ELSE round((random() * 1e9)::numeric, 9) END AS amount,
	   g % 3 = 2 AS big
  FROM generate_series(1, 200000) g;
WITH k AS (SELECT customer_id, bool_or(big) AS big, (kam.rfm(ordered_at, kam.amount_float8(amount), '2025-01-01'::timestamptz)).revenue
			 FROM m GROUP BY 1),
	 exact AS (SELECT customer_id, sum(amount)::float8 AS revenue FROM m WHERE NOT big GROUP BY 1),
	 nano AS (SELECT customer_id, (sum(round(amount::float8 * 1e9::float8)::int8::numeric) * 0.000000001)::float8 AS revenue
				FROM m GROUP BY 1)
SELECT 'rule', count(*) FILTER (WHERE NOT k.big) AS small, count(*) FILTER (WHERE k.big) AS large,
	   count(*) FILTER (WHERE NOT k.big AND k.revenue IS DISTINCT FROM e.revenue) AS exact_differs,
	   count(*) FILTER (WHERE k.revenue IS DISTINCT FROM n.revenue) AS nano_differs,
	   count(*) FILTER (WHERE k.big AND k.revenue IS DISTINCT FROM (SELECT sum(amount)::float8 FROM m WHERE m.customer_id = k.customer_id)) AS large_not_decimal
  FROM k LEFT JOIN exact e USING (customer_id) JOIN nano n USING (customer_id);
SQL
)
echo "$out"
echo "$out" | awk '$1 == "rule" { n++; if ($2 < 100 || $3 < 100 || $4 != 0 || $5 != 0) bad = 1 } END { exit (n == 1 && !bad) ? 0 : 1 }' ||
	{ echo "FAILED: kam's sums do not follow the documented money rule"; fail=1; }
exit $fail
