#!/usr/bin/env bash
# kam.customer_summary on the demo data (20,000 customers, ~500,000 orders)
# equals a plain-SQL implementation of the same definitions, customer by
# customer and exactly, for day, week and month periods; and it is the same
# with parallel workers doing partial aggregation (combine) as without.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=t_rfm_demo
kam_psql -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}"
trap 'kam_psql -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT

kam_psql -d "$db" -At <<'SQL'
\set ON_ERROR_STOP 1
-- The oracle: group orders per period with numeric sums, then count periods.
CREATE FUNCTION oracle(period text) RETURNS TABLE (
	customer_id bigint, name text, account_manager text, first_order_at timestamptz,
	last_order_at timestamptz, orders bigint, revenue float8, margin float8, frequency integer,
	recency float8, t float8, monetary float8, days_since_last_order integer)
LANGUAGE sql STABLE AS $$
	WITH asof AS (SELECT kam.as_of() AS d),
	per_period AS (
		SELECT o.customer_id, date_trunc(period, o.ordered_at)::date AS p,
			   count(*) AS n, sum(o.amount) AS amount, sum(o.margin) AS margin,
			   min(o.ordered_at) AS first_ts, max(o.ordered_at) AS last_ts
		  FROM demo.orders o, asof
		 WHERE date_trunc(period, o.ordered_at) <= date_trunc(period, asof.d::timestamptz)
		 GROUP BY 1, 2),
	numbered AS (
		SELECT pp.*, row_number() OVER (PARTITION BY pp.customer_id ORDER BY pp.p) AS rn,
			   -- period index: days, ISO weeks or months since a fixed origin
			   CASE period WHEN 'day' THEN pp.p - date '2000-01-01'
						   WHEN 'week' THEN (pp.p - date '2000-01-03') / 7
						   ELSE (extract(year FROM pp.p) * 12 + extract(month FROM pp.p))::int END AS idx
		  FROM per_period pp),
	s AS (
		SELECT n.customer_id, min(n.first_ts) AS first_at, max(n.last_ts) AS last_at,
			   sum(n.n) AS orders, sum(n.amount) AS revenue, sum(n.margin) AS margin,
			   count(*) - 1 AS frequency, max(n.idx) - min(n.idx) AS recency, min(n.idx) AS first_idx,
			   sum(n.amount) FILTER (WHERE n.rn > 1) AS repeat_amount
		  FROM numbered n GROUP BY n.customer_id)
	SELECT c.customer_id, c.name, c.account_manager, s.first_at, s.last_at,
		   COALESCE(s.orders, 0)::bigint, COALESCE(s.revenue::float8, 0), s.margin::float8,
		   COALESCE(s.frequency, 0)::int, COALESCE(s.recency, 0)::float8,
		   (CASE period WHEN 'day' THEN asof.d - date '2000-01-01'
						WHEN 'week' THEN (date_trunc('week', asof.d)::date - date '2000-01-03') / 7
						ELSE (extract(year FROM asof.d) * 12 + extract(month FROM asof.d))::int END
			- s.first_idx)::float8,
		   CASE WHEN s.frequency > 0 THEN s.repeat_amount::float8 / s.frequency ELSE 0 END,
		   asof.d - s.last_at::date
	  FROM demo.customers c CROSS JOIN asof LEFT JOIN s ON s.customer_id = c.customer_id
$$;

CREATE FUNCTION mismatches(period text) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM (
		(SELECT * FROM kam.customer_summary EXCEPT ALL SELECT * FROM oracle(period))
		UNION ALL
		(SELECT * FROM oracle(period) EXCEPT ALL SELECT * FROM kam.customer_summary)) d
$$;

DO $$
DECLARE
	p text;
	n bigint;
	rows bigint;
BEGIN
	SELECT count(*) INTO rows FROM kam.customer_summary;
	IF rows <> (SELECT count(*) FROM demo.customers) THEN
		RAISE EXCEPTION 'customer_summary has % rows, demo.customers %', rows, (SELECT count(*) FROM demo.customers);
	END IF;
	FOREACH p IN ARRAY ARRAY['day', 'week', 'month'] LOOP
		PERFORM kam.set('rfm_period', p);
		n := mismatches(p);
		IF n <> 0 THEN
			RAISE EXCEPTION 'period %: % rows of kam.customer_summary differ from the plain-SQL oracle', p, n;
		END IF;
		-- guard against a vacuous comparison: the data must exercise every field
		IF NOT EXISTS (SELECT 1 FROM kam.customer_summary WHERE frequency > 3 AND monetary > 0 AND recency > 0)
		   OR NOT EXISTS (SELECT 1 FROM kam.customer_summary WHERE orders > 0 AND frequency = 0) THEN
			RAISE EXCEPTION 'period %: demo data does not exercise the summary', p;
		END IF;
		RAISE NOTICE 'period %: % customers equal to the oracle', p, rows;
	END LOOP;
	PERFORM kam.reset('rfm_period');
END
$$;

-- Serial result, then the same with parallel workers doing partial aggregation.
CREATE TABLE serial AS
	SELECT customer_id, kam.rfm(ordered_at, amount, '2025-12-31'::timestamptz, 'week') AS r
	  FROM kam.orders GROUP BY customer_id;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET enable_hashagg = off;		-- a sorted partial plan: each worker sees part of every customer
CREATE TEMP TABLE plan AS SELECT 1;
DO $$
DECLARE
	line text;
	partial bool := false;
BEGIN
	FOR line IN EXPLAIN SELECT customer_id, kam.rfm(ordered_at, amount, '2025-12-31'::timestamptz, 'week')
					FROM kam.orders GROUP BY customer_id LOOP
		partial := partial OR line LIKE '%Partial%Aggregate%';
	END LOOP;
	IF NOT partial THEN
		RAISE EXCEPTION 'no partial aggregation in the parallel plan';
	END IF;
END
$$;
CREATE TABLE parallel AS
	SELECT customer_id, kam.rfm(ordered_at, amount, '2025-12-31'::timestamptz, 'week') AS r
	  FROM kam.orders GROUP BY customer_id;
DO $$
DECLARE n bigint;
BEGIN
	SELECT count(*) INTO n FROM ((TABLE serial EXCEPT ALL TABLE parallel)
								 UNION ALL (TABLE parallel EXCEPT ALL TABLE serial)) d;
	IF n <> 0 OR (SELECT count(*) FROM serial) < 19000 THEN
		RAISE EXCEPTION 'parallel and serial kam.rfm differ in % rows', n;
	END IF;
	RAISE NOTICE 'parallel partial aggregation equals serial for % customers', (SELECT count(*) FROM serial);
END
$$;
SQL
echo "customer_summary equals the plain-SQL oracle; parallel equals serial"
