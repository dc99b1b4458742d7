#!/usr/bin/env bash
# kam.customer_survival on the demo data set (20,000 customers, ~500,000
# orders) against a plain-SQL Kaplan-Meier: lifetimes from demo.orders with
# date_trunc / extract period arithmetic (not kam's C period code), at-risk
# counts with a window function, the product and the Greenwood sum in time
# order with a recursive CTE (the same floating-point operations, so the
# comparison is exact), the median by survfit's rule.  Four settings of
# period / churn_after, two session time zones, parallel on and off; and the
# fit's binary form (COPY BINARY) reads back identical.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

db=kam_survival_demo_$$
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}"
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT

# oracle: the curve as kam.customer_survival shows it
oracle_sql=$(cat <<'SQL'
WITH params AS (
	SELECT kam.as_of() AS as_of, kam.setting('period') AS period,
	       kam.setting('churn_after')::int AS churn_after
), cust AS (
	SELECT o.customer_id, min(o.ordered_at)::date AS first_day, max(o.ordered_at)::date AS last_day
	  FROM demo.orders o, params p
	 WHERE o.ordered_at::date <= p.as_of
	 GROUP BY o.customer_id
), lt AS (
	-- period indexes from SQL date functions (only their differences matter)
	SELECT x.l - x.f AS dur, x.a - x.l >= p.churn_after AS event
	  FROM cust c, params p,
	       LATERAL (SELECT
	           CASE p.period
	                WHEN 'day' THEN c.first_day - date '2000-01-01'
	                WHEN 'week' THEN (date_trunc('week', c.first_day)::date - date '2000-01-03') / 7
	                WHEN 'month' THEN extract(year FROM c.first_day)::int * 12 + extract(month FROM c.first_day)::int
	                WHEN 'quarter' THEN extract(year FROM c.first_day)::int * 4 + extract(quarter FROM c.first_day)::int
	                ELSE extract(year FROM c.first_day)::int END AS f,
	           CASE p.period
	                WHEN 'day' THEN c.last_day - date '2000-01-01'
	                WHEN 'week' THEN (date_trunc('week', c.last_day)::date - date '2000-01-03') / 7
	                WHEN 'month' THEN extract(year FROM c.last_day)::int * 12 + extract(month FROM c.last_day)::int
	                WHEN 'quarter' THEN extract(year FROM c.last_day)::int * 4 + extract(quarter FROM c.last_day)::int
	                ELSE extract(year FROM c.last_day)::int END AS l,
	           CASE p.period
	                WHEN 'day' THEN p.as_of - date '2000-01-01'
	                WHEN 'week' THEN (date_trunc('week', p.as_of)::date - date '2000-01-03') / 7
	                WHEN 'month' THEN extract(year FROM p.as_of)::int * 12 + extract(month FROM p.as_of)::int
	                WHEN 'quarter' THEN extract(year FROM p.as_of)::int * 4 + extract(quarter FROM p.as_of)::int
	                ELSE extract(year FROM p.as_of)::int END AS a) x
), h AS (
	SELECT dur, count(*) FILTER (WHERE event) AS d, count(*) FILTER (WHERE NOT event) AS c
	  FROM lt GROUP BY dur
), r AS (
	SELECT row_number() OVER (ORDER BY dur) AS i, dur, d, c,
	       sum(d + c) OVER (ORDER BY dur DESC) AS n
	  FROM h
), km AS (
	WITH RECURSIVE k(i, dur, n, d, c, s, v) AS (
		SELECT i, dur, n, d, c,
		       CASE WHEN d > 0 THEN 1.0::float8 * ((n::float8 - d::float8) / n::float8) ELSE 1.0::float8 END,
		       CASE WHEN d > 0 THEN 0.0::float8 + d::float8 / (n::float8 * (n::float8 - d::float8)) ELSE 0.0::float8 END
		  FROM r WHERE i = 1
		UNION ALL
		SELECT r.i, r.dur, r.n, r.d, r.c,
		       CASE WHEN r.d > 0 THEN k.s * ((r.n::float8 - r.d::float8) / r.n::float8) ELSE k.s END,
		       CASE WHEN r.d > 0 THEN k.v + r.d::float8 / (r.n::float8 * (r.n::float8 - r.d::float8)) ELSE k.v END
		  FROM k JOIN r ON r.i = k.i + 1
	)
	SELECT * FROM k
), med AS (
	-- print.survfit's median: the first time with S < 0.5 + 2.0^(-26); if S
	-- there is 0.5 (within 2.0^(-26)) and drops later, the midpoint
	SELECT CASE WHEN abs(m.s - 0.5) < 2.0^(-26)
	                 AND EXISTS (SELECT 1 FROM km k2 WHERE k2.i > m.i AND k2.s < m.s)
	            THEN (m.dur + (SELECT min(k2.dur) FROM km k2 WHERE k2.i > m.i AND k2.s < m.s)) / 2.0
	            ELSE m.dur END::float8 AS median
	  FROM (SELECT * FROM km WHERE s < 0.5 + 2.0^(-26) ORDER BY i LIMIT 1) m
)
SELECT k.dur AS period_offset, k.n AS at_risk, k.d AS churned, k.c AS censored, k.s AS survival,
       CASE WHEN k.s > 0 THEN sqrt(k.v) * k.s END AS std_err,
       CASE WHEN k.s > 0 THEN exp(ln(k.s) - 1.9599639845400536 * sqrt(k.v)) END AS conf_low,
       CASE WHEN k.s > 0 THEN least(exp(ln(k.s) + 1.9599639845400536 * sqrt(k.v)), 1) END AS conf_high,
       (SELECT median FROM med) AS median_lifetime
  FROM km k
SQL
)

fail=0
parallel_on="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
parallel_off="SET max_parallel_workers_per_gather = 0;"

check() { # check period churn_after timezone
	local period=$1 churn=$2 tz=$3 out
	out=$(kam_psql -d "$db" -At -F ' ' <<SQL
SET timezone = '$tz';
-- the oracle floors in the session's zone, the view in the time_zone setting's
SELECT kam.set('period', '$period'), kam.set('churn_after', '$churn'), kam.set('time_zone', '$tz');
CREATE TEMP TABLE oracle AS $oracle_sql;
$parallel_off
CREATE TEMP TABLE serial AS SELECT * FROM kam.customer_survival;
$parallel_on
CREATE TEMP TABLE par AS SELECT * FROM kam.customer_survival;
SELECT (SELECT count(*) FROM oracle) AS rows,
       (SELECT count(*) FROM (SELECT * FROM oracle EXCEPT ALL SELECT * FROM serial) x)
     + (SELECT count(*) FROM (SELECT * FROM serial EXCEPT ALL SELECT * FROM oracle) x) AS diff_oracle,
       (SELECT count(*) FROM (SELECT * FROM par EXCEPT ALL SELECT * FROM serial) x)
     + (SELECT count(*) FROM (SELECT * FROM serial EXCEPT ALL SELECT * FROM par) x) AS diff_parallel,
       (SELECT count(*) FROM oracle WHERE churned > 0) AS event_times,
       (SELECT sum(churned) FROM oracle) AS churned,
       (SELECT sum(censored) FROM oracle) AS censored,
       (SELECT min(median_lifetime) FROM serial) AS median;
SQL
)
	out=$(tail -n 1 <<<"$out")
	echo "period=$period churn_after=$churn tz=$tz: rows diff_oracle diff_parallel event_times churned censored median = $out"
	read -r rows d1 d2 ev ch ce med <<<"$out"
	# a comparison that cannot fail proves nothing: the curve must have content
	if [ "$d1" != 0 ] || [ "$d2" != 0 ] || [ "$rows" -lt 3 ] || [ "$ev" -lt 2 ] || [ "$ce" -lt 1 ]; then
		echo "FAILED"
		fail=1
	fi
}

check month 1 UTC
check week 2 UTC
check quarter 1 Asia/Tokyo
check day 30 America/Los_Angeles

# the customers the view counts are the customers with an order up to as_of
# (the oracle's days in the session's zone: the setting back to it)
kam_psql -d "$db" -c "SELECT kam.set('time_zone', current_setting('TimeZone'))" >/dev/null
kam_psql -d "$db" -At -c "SELECT (SELECT at_risk FROM kam.customer_survival ORDER BY period_offset LIMIT 1)
	= (SELECT count(DISTINCT customer_id) FROM demo.orders WHERE ordered_at::date <= kam.as_of())" | grep -qx t \
	|| { echo "FAILED: at_risk at the first offset is not the number of customers"; fail=1; }

# once kam.customer_retention (retention) is installed too: its churned / not
# churned customers are exactly the survival curve's events / censorings
for cfg in "month 1" "week 2"; do
	set -- $cfg
	res=$(kam_psql -d "$db" -At -F ' ' <<SQL | tail -n 1
SELECT kam.set('period', '$1'), kam.set('churn_after', '$2');
SELECT to_regclass('kam.customer_retention') IS NOT NULL;
SQL
)
	if [ "$res" != t ]; then
		echo "cross-check with kam.customer_retention: not installed, left out"
		break
	fi
	res=$(kam_psql -d "$db" -At -F ' ' -c "SELECT
		(SELECT count(*) FILTER (WHERE status = 'churned') FROM kam.customer_retention) = (SELECT sum(churned) FROM kam.customer_survival),
		(SELECT count(*) FILTER (WHERE status <> 'churned') FROM kam.customer_retention) = (SELECT sum(censored) FROM kam.customer_survival)")
	echo "period=$1 churn_after=$2: churned and censored equal to kam.customer_retention: $res"
	[ "$res" = "t t" ] || { echo "FAILED: kam.customer_retention disagrees"; fail=1; }
done
kam_psql -d "$db" -c "SELECT kam.reset('period'), kam.reset('churn_after')" >/dev/null

# binary round trip of a stored fit (send -> recv) through COPY BINARY
tmp=$(mktemp -d)
chmod 755 "$tmp"
kam_psql -d "$db" -c "CREATE TABLE fits AS SELECT kam.km_fit(extract(epoch FROM ordered_at) / 86400 - 19000, amount > 500) AS s FROM demo.orders" \
	-c "CREATE TABLE fits2 (s kam.survival)" \
	-c "\\copy fits TO '$tmp/fits.bin' WITH (FORMAT binary)" \
	-c "\\copy fits2 FROM '$tmp/fits.bin' WITH (FORMAT binary)"
res=$(kam_psql -d "$db" -At -c "SELECT (SELECT s::text FROM fits) = (SELECT s::text FROM fits2), (SELECT count(*) FROM fits, kam.km_curve(fits.s))")
rm -rf "$tmp"
echo "binary round trip (equal, times): $res"
case $res in
t\|*) [ "${res#t|}" -gt 100000 ] || { echo "FAILED: too few distinct times"; fail=1; } ;;
*) echo "FAILED: binary round trip"; fail=1 ;;
esac

exit $fail
