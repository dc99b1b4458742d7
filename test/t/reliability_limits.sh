#!/usr/bin/env bash
# Limits: cancellation and memory.
#   - statement_timeout and pg_cancel_backend stop a long kam.rfm aggregate,
#     and statement_timeout every kam aggregate whose arguments are numbers or
#     booleans (model fits, survival) over a 20M-row input, within a second of
#     the deadline: the error must arrive less than 1 s after it.
#   - kam.rfm grouped by customer over the demo orders with a tiny work_mem
#     spills (HashAggregate reports batches > 1 or disk usage) and gives the
#     same result as in memory.
#   - 1,000 repetitions of kam.rfm in one session do not grow the backend:
#     the memory contexts' total and VmRSS after 1,000 runs against after 100.
# KAM_LIMITS_ROWS (default 20000000) is the size of the generated input.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=${KAM_DEMO_DB:-kam_demo}
rows=${KAM_LIMITS_ROWS:-20000000}
work=$(mktemp -d "${KAM_TMP:-/tmp}/limits.XXXXXX")
trap '[ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"' EXIT
fail=0
now_ms() { date +%s%3N; }

# A long kam call: the transition function over $rows generated orders.
long="SELECT kam.rfm('2020-01-01'::timestamptz + (g % 2000) * interval '1 day', (g % 1000)::float8,
	'2025-12-31'::timestamptz) FROM generate_series(1, $rows) g"

# 1. statement_timeout of 1 s
t0=$(now_ms)
out=$(kam_psql -d "$db" -c "SET statement_timeout = '1s'" -c "$long" 2>&1 || true)
late=$(($(now_ms) - t0 - 1000))
if grep -q "statement timeout" <<<"$out" && ((late < 1000)); then
	echo "ok      statement_timeout stopped kam.rfm ${late} ms after the deadline"
else
	echo "FAILED  statement_timeout: ${late} ms late: $out"; fail=1
fi

# 2. pg_cancel_backend from another session after 1 s
kam_psql -d "$db" -At -c "SELECT pg_backend_pid()" -c "$long" >"$work/cancel.out" 2>&1 &
bg=$!
pid=
for _ in $(seq 50); do pid=$(head -n 1 "$work/cancel.out" 2>/dev/null || true); [ -n "$pid" ] && break; sleep 0.1; done
sleep 1
t0=$(now_ms)
kam_psql -d postgres -At -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait $bg || true
late=$(($(now_ms) - t0))
if grep -q "canceling statement due to user request" "$work/cancel.out" && ((late < 1000)); then
	echo "ok      pg_cancel_backend stopped kam.rfm in ${late} ms"
else
	echo "FAILED  cancel: ${late} ms: $(cat "$work/cancel.out")"; fail=1
fi

# 2b. every kam aggregate whose arguments are all numbers or booleans (model
# fits, survival) over 300,000 generated customers, then 3,000,000 if it
# finished within the timeout (arguments by name where
# known, so fits get valid data and spend their time in the optimizer, the
# final function): statement_timeout of 1 s
while IFS=$'\t' read -r agg args; do
	for n in 300000 3000000; do
		q="SELECT $agg($args) FROM generate_series(1, $n) g"
		t0=$(now_ms)
		out=$(kam_psql -d "$db" -c "SET statement_timeout = '1s'" -c "SET client_min_messages = error" -c "$q" 2>&1 || true)
		late=$(($(now_ms) - t0 - 1000))
		if grep -q "statement timeout" <<<"$out"; then
			if ((late < 1000)); then echo "ok      statement_timeout stopped $agg($args) over $n rows ${late} ms after the deadline"
			else echo "FAILED  $agg($args) over $n rows stopped ${late} ms after the deadline"; fail=1; fi
			break
		elif grep -q "^ERROR" <<<"$out"; then
			echo "note    $agg($args) rejects the generated rows: $(grep -m1 '^ERROR' <<<"$out")"
			break
		fi
		# finished within the timeout: try 10 times the rows once
		echo "note    $agg($args) over $n rows finished in $((late + 1000)) ms, within the timeout"
	done
done < <(kam_psql -d "$db" -At -F $'\t' -c "
	SELECT p.oid::regproc, (SELECT string_agg(CASE
				WHEN t = 'bool'::regtype THEN '(g % 3 = 0)'
				WHEN p.proargnames[o] = 'frequency' THEN format('(g %% 20 + 1)::%s', t)
				WHEN p.proargnames[o] = 'recency' THEN format('(g %% 50 + 1)::%s', t)
				WHEN p.proargnames[o] = 't' THEN format('(g %% 50 + 60)::%s', t)
				WHEN p.proargnames[o] = 'weight' THEN format('1::%s', t)
				ELSE format('(g %% %s + 1)::%s', 40 + 7 * o, t) END, ', ' ORDER BY o)
			  FROM unnest(p.proargtypes::oid[]::regtype[]) WITH ORDINALITY a(t, o))
	  FROM pg_proc p JOIN pg_aggregate g ON g.aggfnoid = p.oid
	 WHERE p.pronamespace = 'kam'::regnamespace AND g.aggkind = 'n' AND p.pronargs > 0
	   AND p.proargtypes::oid[]::regtype[] <@ ARRAY['int4', 'int8', 'float8', 'numeric', 'bool']::regtype[]
	 ORDER BY 1, 2")

# 3. spilling: tiny work_mem, hash aggregation forced
plan=$(kam_psql -d "$db" -At -c "SET work_mem = '64kB'" -c "SET enable_sort = off" -c "SET enable_indexscan = off" -c "SET hash_mem_multiplier = 1" -c "SET max_parallel_workers_per_gather = 0" \
	-c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT customer_id, kam.rfm(ordered_at, amount::float8, '2025-12-31'::timestamptz)
		FROM demo.orders GROUP BY customer_id")
spill=$(grep -Eo "Batches: [0-9]+|Disk Usage: [0-9]+kB" <<<"$plan" | tr "\n" " " || true)
same=$(kam_psql -d "$db" -At -c "SET work_mem = '64kB'" -c "SET enable_sort = off" -c "SET enable_indexscan = off" -c "
	CREATE TEMP TABLE spilled AS SELECT customer_id, kam.rfm(ordered_at, amount::float8, '2025-12-31'::timestamptz)::text r
	  FROM demo.orders GROUP BY customer_id" -c "RESET work_mem" -c "RESET enable_sort" -c "
	SELECT count(*) FROM spilled s FULL JOIN (SELECT customer_id, kam.rfm(ordered_at, amount::float8, '2025-12-31'::timestamptz)::text r
	  FROM demo.orders GROUP BY customer_id) m USING (customer_id) WHERE s.r IS DISTINCT FROM m.r")
if grep -q "Disk Usage" <<<"$spill" && [ "$same" = 0 ]; then
	echo "ok      kam.rfm by customer with work_mem 64kB spilled ($spill) and matches the in-memory result"
else
	echo "FAILED  spill: plan says '$spill', $same customers differ"; echo "$plan" | head -12; fail=1
fi

# 4. 1,000 repetitions in one session
{
	echo "\\pset tuples_only on"
	echo "\\o /dev/null"
	for i in $(seq 100); do echo "SELECT customer_id, kam.rfm(ordered_at, amount::float8, '2025-12-31'::timestamptz) FROM demo.orders WHERE customer_id < 200 GROUP BY 1;"; done
	echo "\\o"
	echo "SELECT 'after100', sum(total_bytes), (SELECT regexp_replace(l, '\\D', '', 'g') FROM regexp_split_to_table(pg_read_file('/proc/' || pg_backend_pid() || '/status'), E'\\n') l WHERE l LIKE 'VmRSS%') FROM pg_backend_memory_contexts;"
	echo "\\o /dev/null"
	for i in $(seq 1000); do echo "SELECT customer_id, kam.rfm(ordered_at, amount::float8, '2025-12-31'::timestamptz) FROM demo.orders WHERE customer_id < 200 GROUP BY 1;"; done
	echo "\\o"
	echo "SELECT 'after1100', sum(total_bytes), (SELECT regexp_replace(l, '\\D', '', 'g') FROM regexp_split_to_table(pg_read_file('/proc/' || pg_backend_pid() || '/status'), E'\\n') l WHERE l LIKE 'VmRSS%') FROM pg_backend_memory_contexts;"
} >"$work/repeat.sql"
read -r _ ctx1 rss1 _ ctx2 rss2 <<<"$(kam_psql -d "$db" -At -F ' ' -f "$work/repeat.sql" | tr '\n' ' ')"
grow_ctx=$((ctx2 - ctx1)) grow_rss=$((rss2 - rss1))
if ((grow_ctx <= 65536 && grow_rss <= 1024)); then
	echo "ok      1,000 more runs of kam.rfm: memory contexts $ctx1 -> $ctx2 bytes, VmRSS $rss1 -> $rss2 kB"
else
	echo "FAILED  1,000 runs grew the backend: contexts +$grow_ctx bytes, VmRSS +$grow_rss kB"; fail=1
fi
((fail == 0))
