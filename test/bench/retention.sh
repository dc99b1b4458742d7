#!/usr/bin/env bash
# Benchmark: kam.period_kpis and kam.cohort_retention against hand-written SQL
# (window functions / self-joins over kam.orders) in the same run.
#   [KAM_BENCH_WORK_MEM=64MB] bash test/bench/retention.sh [customers] [orders] [runs]
# Defaults: 1,000,000 customers, 10,000,000 orders, 5 runs, work_mem 64MB. Both sides read
# the same kam.orders view with the same server settings; runs alternate
# (GROUP BY, kam, SQL, ...) so load on the box spreads over all. Prints the
# median of each, the speedup over the SQL, kam's time relative to a bare
# GROUP BY customer over the same orders (the floor any method pays), the
# SQL's time relative to that floor (the most any method that reads the
# orders can gain over the SQL), and checks that kam and the SQL give the
# same figures.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

customers=${1:-1000000}
orders=${2:-10000000}
runs=${3:-5}

kam_ensure_deps
kam_workdir
trap kam_cleanup EXIT
kam_build_stage
kam_cluster_start -c shared_buffers=512MB -c work_mem=${KAM_BENCH_WORK_MEM:-64MB} -c max_parallel_workers_per_gather=2
t0=$(date +%s)
kam_load_demo bench "$customers" "$orders" 42 >/dev/null
kam_log "loaded $customers customers, $orders orders in $(($(date +%s) - t0)) s"

kam_psql -d bench <<'SQL'
SET client_min_messages = warning;
VACUUM ANALYZE demo.orders;
-- the hand-written SQL: periods are months (kam's default), churn_after = 1.  Every
-- query here filters on the as-of bound converted to timestamptz once, as kam's
-- views do (comparing each row with a date would convert the date per row).
CREATE VIEW bench_period_kpis AS
WITH cp AS (
	SELECT o.customer_id, date_trunc('month', o.ordered_at)::date AS p, sum(o.amount) AS r
	  FROM kam.orders o WHERE o.ordered_at < (SELECT (kam.as_of() + 1)::timestamptz) GROUP BY 1, 2),
x AS (
	SELECT p, r, lag(p) OVER w AS prev_p, lag(r) OVER w AS prev_r, lead(p) OVER w AS next_p
	  FROM cp WINDOW w AS (PARTITION BY customer_id ORDER BY p)),
ev AS (
	SELECT p, 1 AS active, (prev_p IS NULL)::int AS new,
	       COALESCE((prev_p = p - interval '1 month')::int, 0) AS retained,
	       COALESCE((prev_p < p - interval '1 month')::int, 0) AS reactivated, 0 AS churned, r AS revenue,
	       CASE WHEN prev_p = p - interval '1 month' THEN least(r, prev_r) END AS kept,
	       CASE WHEN prev_p = p - interval '1 month' THEN r END AS nrr_num
	  FROM x
	UNION ALL
	SELECT (p + interval '1 month')::date, 0, 0, 0, 0, 1, 0, NULL, NULL
	  FROM x
	 WHERE (next_p IS NULL OR next_p > p + interval '1 month') AND p < date_trunc('month', (SELECT kam.as_of()))),
per AS (
	SELECT p, sum(active) AS active, sum(new) AS new, sum(retained) AS retained, sum(churned) AS churned,
	       sum(reactivated) AS reactivated, sum(revenue) AS revenue, sum(kept) AS kept, sum(nrr_num) AS nrr_num
	  FROM ev GROUP BY p)
SELECT p AS period_start, active, new, retained, churned, reactivated,
       churned::float8 / NULLIF(lag(active) OVER o, 0) AS churn_rate,
       retained::float8 / NULLIF(lag(active) OVER o, 0) AS retention_rate,
       revenue, kept / NULLIF(lag(revenue) OVER o, 0) AS grr, nrr_num / NULLIF(lag(revenue) OVER o, 0) AS nrr
  FROM per WINDOW o AS (ORDER BY p);

CREATE VIEW bench_cohort_retention AS
WITH cp AS (
	SELECT o.customer_id, (extract(year FROM o.ordered_at) * 12 + extract(month FROM o.ordered_at))::int AS m,
	       sum(o.amount) AS r
	  FROM kam.orders o WHERE o.ordered_at < (SELECT (kam.as_of() + 1)::timestamptz) GROUP BY 1, 2),
f AS (SELECT customer_id, min(m) AS c, max(m) AS l FROM cp GROUP BY 1),
act AS (SELECT f.c, cp.m - f.c AS k, count(*) AS n, sum(cp.r) AS rev
          FROM cp JOIN f USING (customer_id) GROUP BY 1, 2),
lastk AS (SELECT c, l - c AS k, count(*) AS n FROM f GROUP BY 1, 2),
cells AS (SELECT s.c, k
            FROM (SELECT DISTINCT c FROM f) s,
                 generate_series(0, (SELECT (extract(year FROM a) * 12 + extract(month FROM a))::int FROM kam.as_of() a) - s.c) k)
SELECT make_date((cells.c - 1) / 12, (cells.c - 1) % 12 + 1, 1) AS cohort, cells.k AS period_offset,
       sum(COALESCE(lastk.n, 0)) OVER (PARTITION BY cells.c) AS cohort_size,
       COALESCE(act.n, 0) AS active,
       sum(COALESCE(lastk.n, 0)) OVER (PARTITION BY cells.c ORDER BY cells.k DESC) AS active_or_after,
       COALESCE(act.n, 0)::float8 / sum(COALESCE(lastk.n, 0)) OVER (PARTITION BY cells.c) AS retention,
       sum(COALESCE(lastk.n, 0)) OVER (PARTITION BY cells.c ORDER BY cells.k DESC)::float8
         / sum(COALESCE(lastk.n, 0)) OVER (PARTITION BY cells.c) AS retention_or_after,
       COALESCE(act.rev, 0) / first_value(act.rev) OVER (PARTITION BY cells.c ORDER BY cells.k) AS revenue_retention
  FROM cells
  LEFT JOIN act ON act.c = cells.c AND act.k = cells.k
  LEFT JOIN lastk ON lastk.c = cells.c AND lastk.k = cells.k;

-- the floor: one bare GROUP BY over the same orders (what any method must read)
CREATE VIEW bench_floor AS
SELECT o.customer_id, sum(o.amount) AS revenue
  FROM kam.orders o WHERE o.ordered_at < (SELECT (kam.as_of() + 1)::timestamptz) GROUP BY 1;

-- seconds to compute every column of every row of a query
CREATE FUNCTION bench_time(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t timestamptz := clock_timestamp(); n bigint;
BEGIN
	EXECUTE format('SELECT count(*) FROM (%s) s WHERE s::text IS NOT NULL', q) INTO n;
	RETURN extract(epoch FROM clock_timestamp() - t);
END $$;
SQL

# the two sides agree (counts exactly; float sums of the SQL side to 1e-9)
kam_psql -d bench -At <<'SQL'
SELECT 'period_kpis rows that differ: ' || count(*)
  FROM kam.period_kpis k FULL JOIN bench_period_kpis b USING (period_start)
 WHERE (k.active, k.new, k.retained, k.churned, k.reactivated) IS DISTINCT FROM
       (b.active, b.new, b.retained, b.churned, b.reactivated)
    OR abs(k.revenue - b.revenue) > 1e-9 * k.revenue
    OR abs(COALESCE(k.grr - b.grr, 0)) > 1e-9 OR abs(COALESCE(k.nrr - b.nrr, 0)) > 1e-9
    OR abs(COALESCE(k.churn_rate - b.churn_rate, 0)) > 1e-12;
SELECT 'cohort_retention rows that differ: ' || count(*)
  FROM kam.cohort_retention k FULL JOIN bench_cohort_retention b USING (cohort, period_offset)
 WHERE (k.cohort_size, k.active, k.active_or_after) IS DISTINCT FROM (b.cohort_size, b.active, b.active_or_after)
    OR abs(COALESCE(k.revenue_retention - b.revenue_retention, 0)) > 1e-9;
SQL

# median of `runs` timings per query, alternating the sides
# period_kpis: the columns both sides compute (the SQL has no tier movements;
# PostgreSQL then removes kam's join to kam.tier_movements, see doc/performance.md)
kpi_columns="period_start, active, new, retained, churned, reactivated, churn_rate, retention_rate, revenue, grr, nrr"
PGOPTIONS="-c bench.runs=$runs" kam_psql -d bench -At -v kpi_columns="$kpi_columns" <<'SQL'
SET bench.kpi_columns = :'kpi_columns';
CREATE TEMP TABLE t (q text, side text, run int, s float8);
DO $$
DECLARE r int;
BEGIN
	FOR r IN 1 .. current_setting('bench.runs')::int LOOP
		INSERT INTO t SELECT 'period_kpis', 'floor', r, bench_time('SELECT * FROM bench_floor');
		INSERT INTO t SELECT 'cohort_retention', 'floor', r, bench_time('SELECT * FROM bench_floor');
		INSERT INTO t SELECT 'period_kpis', 'kam', r, bench_time('SELECT ' || current_setting('bench.kpi_columns') || ' FROM kam.period_kpis');
		INSERT INTO t SELECT 'period_kpis', 'sql', r, bench_time('SELECT * FROM bench_period_kpis');
		INSERT INTO t SELECT 'cohort_retention', 'kam', r, bench_time('SELECT * FROM kam.cohort_retention');
		INSERT INTO t SELECT 'cohort_retention', 'sql', r, bench_time('SELECT * FROM bench_cohort_retention');
	END LOOP;
END $$;
\pset format aligned
\pset tuples_only off
SELECT q AS view,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FILTER (WHERE side = 'floor')::numeric, 2) AS group_by_s,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FILTER (WHERE side = 'kam')::numeric, 2) AS kam_s,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FILTER (WHERE side = 'sql')::numeric, 2) AS sql_s,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FILTER (WHERE side = 'sql')
            / percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FILTER (WHERE side = 'kam'))::numeric, 1) AS speedup,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FILTER (WHERE side = 'kam')
            / percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FILTER (WHERE side = 'floor'))::numeric, 2) AS kam_vs_group_by,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FILTER (WHERE side = 'sql')
            / percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FILTER (WHERE side = 'floor'))::numeric, 1) AS sql_vs_group_by
  FROM t GROUP BY q ORDER BY q DESC;
SQL
