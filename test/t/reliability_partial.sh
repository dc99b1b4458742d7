#!/usr/bin/env bash
# Partial-state equivalence, for every kam aggregate (found in pg_aggregate, so
# aggregates that land later are covered): the result over a whole table must
# equal the result computed from per-part partial states merged together, by
#   1. partitionwise aggregation: the table split into 4 hash partitions,
#      enable_partitionwise_aggregate = on, a Partial Aggregate per partition
#      combined by the aggregate's combine function (EXPLAIN must show it);
#   2. parallel query forced: partial states built in workers, serialized when
#      the state is internal, combined in the leader (EXPLAIN must show it);
#   3. explicit states, when the state type is a real SQL type (what Citus does):
#      a twin aggregate with the same transition function and no final function
#      gives each part's state; the state goes through its text form and back;
#      an aggregate whose transition function is the combine function merges
#      the states and finalizes with the final function.
# Each is checked ungrouped and grouped (GROUP BY customer_id % 5), over one of
# three inputs: 20,000 demo orders (aggregates with a date or time argument),
# one row per customer from kam.customer_summary (the others: model fits), or
# one kam state per customer (aggregates that take a kam type, e.g. merges:
# the states are built by the first aggregate returning that type).  The
# arguments are the first combination of candidates (a column named like the
# argument first, then per-type columns and constants) that runs without error
# on 300 rows and then on all of them.  A self-test aggregate
# with a wrong combine function must be caught (partitionwise and explicit
# states), and one with a right one must pass: the check can fail.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=kam_partial_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/partial.XXXXXX")
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; [ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"' EXIT
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}" >/dev/null
if [ "$(kam_psql -d postgres -At -c "SHOW server_version_num")" -ge 160000 ]; then
	force=debug_parallel_query
else
	force=force_parallel_mode
fi

kam_psql -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA pt;
-- pt.split(name): pt.<name>_parts, pt.<name> split in 4 hash partitions on order_id
CREATE FUNCTION pt.split(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TABLE pt.%I (LIKE pt.%I) PARTITION BY HASH (order_id)', name || '_parts', name);
	FOR i IN 0..3 LOOP
		EXECUTE format('CREATE TABLE pt.%I PARTITION OF pt.%I FOR VALUES WITH (MODULUS 4, REMAINDER %s)',
					   name || '_parts_' || i, name || '_parts', i);
	END LOOP;
	EXECUTE format('INSERT INTO pt.%I SELECT * FROM pt.%I', name || '_parts', name);
	EXECUTE format('ANALYZE pt.%I, pt.%I', name, name || '_parts');
END
$$;
-- 20,000 demo orders
CREATE TABLE pt.src AS
SELECT order_id, customer_id, ordered_at, amount::float8 AS amount, margin::float8 AS margin,
	   (customer_id % 5)::int AS g
  FROM demo.orders WHERE order_id % 25 = 0;
SELECT pt.split('src');
-- customer-level input (what model fits take): one row per customer with
-- orders, from kam.customer_summary
CREATE TABLE pt.csrc AS
SELECT customer_id AS order_id, customer_id, frequency::float8 AS frequency, recency::float8 AS recency,
	   t::float8 AS t, monetary::float8 AS monetary, (customer_id % 5)::int AS g
  FROM kam.customer_summary WHERE orders > 0 AND customer_id % 4 = 0;
SELECT pt.split('csrc');

-- self-test aggregates: an order-independent one with a right combine
-- function, and one whose combine function is wrong (subtracts)
CREATE SCHEMA pt_selftest;
CREATE AGGREGATE pt_selftest.good_max(float8) (SFUNC = float8larger, STYPE = float8,
	COMBINEFUNC = float8larger, PARALLEL = SAFE);
CREATE AGGREGATE pt_selftest.bad_combine(float8) (SFUNC = float8pl, STYPE = float8,
	COMBINEFUNC = float8mi, PARALLEL = SAFE);

-- candidate argument expressions for an argument (type, name) at a level: o is
-- a row of pt.src (orders), pt.csrc (customers) or pt.st_<type> (one kam state
-- per customer, column s).  A column named like the argument comes first.
CREATE FUNCTION pt.candidates(t regtype, argname text, level text) RETURNS text[] LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = ('pt.' || level)::regclass
							   AND a.attname = argname AND a.attnum > 0 AND argname <> 's')
				THEN ARRAY[format('o.%I::%s', argname, t)] ELSE ARRAY[]::text[] END
	|| CASE
		WHEN level LIKE 'st\_%' AND t = (SELECT a.atttypid FROM pg_attribute a
										  WHERE a.attrelid = ('pt.' || level)::regclass AND a.attname = 's')
			THEN ARRAY['o.s']
		WHEN argname = 'weight' THEN ARRAY['1']
		WHEN level = 'csrc' AND t = 'float8'::regtype THEN ARRAY['o.frequency', 'o.recency', 'o.t', 'o.monetary', '0.2', '0.8']
		WHEN level = 'csrc' AND t = 'int4'::regtype THEN ARRAY['o.frequency::int4', 'o.recency::int4', 'o.t::int4']
		WHEN level = 'csrc' AND t = 'numeric'::regtype THEN ARRAY['o.monetary::numeric', 'o.frequency::numeric']
		WHEN t = 'timestamptz'::regtype THEN ARRAY['o.ordered_at', $q$'2025-12-31 00:00+00'::timestamptz$q$]
		WHEN t = 'timestamp'::regtype THEN ARRAY[$q$(o.ordered_at AT TIME ZONE 'UTC')$q$, $q$'2025-12-31'::timestamp$q$]
		WHEN t = 'date'::regtype THEN ARRAY[$q$(o.ordered_at AT TIME ZONE 'UTC')::date$q$, $q$'2025-12-31'::date$q$]
		WHEN t = 'float8'::regtype THEN ARRAY['o.amount', 'o.margin', '0.2', '0.8']
		WHEN t = 'float4'::regtype THEN ARRAY['o.amount::float4']
		WHEN t = 'numeric'::regtype THEN ARRAY['o.amount::numeric']
		WHEN t = 'int4'::regtype THEN ARRAY['1', '12', '(o.customer_id % 10)::int4']
		WHEN t = 'int8'::regtype THEN ARRAY['o.customer_id']
		WHEN t = 'int2'::regtype THEN ARRAY['1::int2']
		WHEN t = 'text'::regtype THEN ARRAY['o.customer_id::text', $q$'month'$q$, $q$'day'$q$, $q$'year'$q$]
		WHEN t = 'bool'::regtype THEN ARRAY['(o.customer_id % 3 = 0)', 'true', 'false']
		WHEN t = 'interval'::regtype THEN ARRAY[$q$'1 month'::interval$q$]
		WHEN t = ANY (ARRAY['anyelement', 'anycompatible']::regtype[]) THEN ARRAY['o.customer_id']
		ELSE ARRAY[]::text[]
	END
$$;

CREATE TABLE pt.planned (agg text, src text, args text, stype regtype, sfunc regproc, combinefn regproc,
	finalfn regproc, finalextra boolean, initval text, argtypes text, rettype regtype, note text);

-- pt.plan(pass): pass 1 the aggregates without kam-typed arguments, pass 2
-- those with one (over the per-customer states pt.make_states() builds).  For
-- each aggregate the first argument combination that runs without error on
-- 300 rows and give a non-NULL result, and then run without error on all rows;
-- a note when there is none.
CREATE FUNCTION pt.plan(pass int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	a record;
	combo text[];
	level text;
	levels text[];
	res text;
	found_n int;
BEGIN
	FOR a IN
		SELECT p.oid::regproc::text AS name,
			   ARRAY(SELECT unnest(p.proargtypes::oid[]::regtype[])) AS types,  -- 1-based
			   coalesce(p.proargnames, ARRAY[]::text[]) AS names,
			   p.prorettype::regtype AS rettype,
			   g.aggtranstype::regtype AS st, g.aggtransfn, g.aggcombinefn, g.aggfinalfn, g.aggfinalextra,
			   g.agginitval,
			   EXISTS (SELECT 1 FROM unnest(p.proargtypes::oid[]) x JOIN pg_type y ON y.oid = x
						WHERE y.typnamespace = 'kam'::regnamespace) AS kam_typed
		  FROM pg_proc p JOIN pg_aggregate g ON g.aggfnoid = p.oid
		 WHERE p.pronamespace = ANY (ARRAY['kam'::regnamespace, 'pt_selftest'::regnamespace])
		   AND g.aggkind = 'n'
		 ORDER BY 1, p.oid::regprocedure::text
	LOOP
		CONTINUE WHEN a.kam_typed <> (pass = 2);
		IF a.aggcombinefn = 0 THEN
			INSERT INTO pt.planned (agg, note) VALUES (a.name, 'no combine function: cannot be partially aggregated');
			CONTINUE;
		END IF;
		IF pass = 2 THEN
			levels := ARRAY(SELECT c.relname::text FROM pg_class c
							 WHERE c.relnamespace = 'pt'::regnamespace AND c.relname LIKE 'st\_%' AND c.relkind = 'r'
							   AND c.relname NOT LIKE '%\_parts\_%');
		ELSIF a.types && ARRAY['date', 'timestamp', 'timestamptz']::regtype[] THEN
			levels := ARRAY['src'];
		ELSE
			levels := ARRAY['csrc', 'src'];
		END IF;
		found_n := 0;
		FOREACH level IN ARRAY levels LOOP
			FOR combo IN
				WITH RECURSIVE c(i, exprs) AS (
					SELECT 1, ARRAY[]::text[] COLLATE "default"
					UNION ALL
					SELECT c.i + 1, (c.exprs || e) COLLATE "default"
					  FROM c, unnest(pt.candidates(a.types[c.i], a.names[c.i], level)) e
					 WHERE c.i <= coalesce(array_length(a.types, 1), 0))
				SELECT exprs FROM c WHERE i = coalesce(array_length(a.types, 1), 0) + 1 LIMIT 60
			LOOP
				BEGIN
					EXECUTE format('SELECT %s(%s)::text FROM (SELECT * FROM pt.%I LIMIT 300) o',
								   a.name, array_to_string(combo, ', '), level) INTO res;
					-- then on all rows, grouped as the checks will run it
					IF res IS NOT NULL THEN
						EXECUTE format('SELECT pg_catalog.count(x.r::text) FROM (SELECT %s(%s) AS r FROM pt.%I o GROUP BY ROLLUP (o.g)) x',
									   a.name, array_to_string(combo, ', '), level);
					END IF;
				EXCEPTION WHEN OTHERS THEN
					res := NULL;
				END;
				CONTINUE WHEN res IS NULL;
				INSERT INTO pt.planned VALUES (a.name, level, array_to_string(combo, ', '), a.st, a.aggtransfn,
					a.aggcombinefn, a.aggfinalfn, a.aggfinalextra, a.agginitval,
					array_to_string(a.types::text[], ', '), a.rettype, NULL);
				found_n := found_n + 1;
				EXIT WHEN found_n >= 1;
			END LOOP;
			EXIT WHEN found_n > 0;
		END LOOP;
		IF found_n = 0 THEN
			INSERT INTO pt.planned (agg, note)
			VALUES (a.name, 'no argument combination from the candidates ran without error: not covered');
		END IF;
	END LOOP;
END
$$;

-- pt.st_<type>: for every kam type an aggregate of pass 1 returns, one state
-- per customer (the first such aggregate and arguments), split like the others
CREATE FUNCTION pt.make_states() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	FOR r IN
		SELECT DISTINCT ON (p.rettype) p.rettype, p.agg, p.args, p.src, t.typname
		  FROM pt.planned p JOIN pg_type t ON t.oid = p.rettype
		 WHERE p.note IS NULL AND t.typnamespace = 'kam'::regnamespace
		   AND EXISTS (SELECT 1 FROM pg_proc q JOIN pg_aggregate qa ON qa.aggfnoid = q.oid
						WHERE p.rettype = ANY (q.proargtypes::oid[]))
		 ORDER BY p.rettype, p.agg, p.args
	LOOP
		BEGIN
			EXECUTE format('CREATE TABLE pt.%I AS SELECT o.customer_id AS order_id, o.customer_id, '
						   '(o.customer_id %% 5)::int AS g, %s(%s) AS s FROM pt.%I o GROUP BY o.customer_id',
						   'st_' || r.typname, r.agg, r.args, r.src);
			PERFORM pt.split('st_' || r.typname);
		EXCEPTION WHEN OTHERS THEN
			RAISE WARNING 'per-customer %s states could not be built: %', r.typname, SQLERRM;
		END;
	END LOOP;
END
$$;
SELECT pt.plan(1);
SELECT pt.make_states();
SELECT pt.plan(2);
SQL

kam_psql -d "$db" -At -F $'\x1f' -c "SELECT agg, coalesce(src, ''), coalesce(args, ''), coalesce(stype::text, ''), coalesce(sfunc::text, ''),
	coalesce(combinefn::text, ''), coalesce(nullif(finalfn::oid, 0)::regproc::text, ''), coalesce(finalextra::text, ''),
	coalesce(initval, ''), coalesce(argtypes, ''), coalesce(note, '') FROM pt.planned" >"$work/plan.tsv"

# Build one psql script that writes every result to its own file.
script=$work/run.sql
printf '\\pset tuples_only on\n\\pset format unaligned\nSET statement_timeout = '\''120s'\'';\n' >"$script"
n=0
covered=0
fail=0
while IFS=$'\x1f' read -r agg src args stype sfunc combinefn finalfn finalextra initval argtypes note; do
	if [ -n "$note" ]; then
		echo "note    $agg: $note"
		case $note in no\ combine*) [[ $agg == pt_selftest.* ]] || fail=1 ;; esac
		continue
	fi
	n=$((n + 1))
	echo "$n	$agg	$args	$stype" >>"$work/index.tsv"
	parts=${src}_parts
	for shape in whole grouped; do
		if [ $shape = whole ]; then
			sel="$agg($args)::text"; grp=""; ord=""
		else
			sel="o.g, $agg($args)::text"; grp="GROUP BY 1"; ord="ORDER BY 1"
		fi
		cat >>"$script" <<EOF
\\o $work/$n.$shape.ref
SELECT $sel FROM pt.$src o $grp $ord;
SET enable_partitionwise_aggregate = on;
\\o $work/$n.$shape.pw
SELECT $sel FROM pt.$parts o $grp $ord;
\\o $work/$n.$shape.pw.plan
EXPLAIN (COSTS OFF) SELECT $sel FROM pt.$parts o $grp $ord;
RESET enable_partitionwise_aggregate;
SET $force = on; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
\\o $work/$n.$shape.par
SELECT $sel FROM pt.$src o $grp $ord;
\\o $work/$n.$shape.par.plan
EXPLAIN (COSTS OFF) SELECT $sel FROM pt.$src o $grp $ord;
RESET $force; RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
EOF
		# explicit states through their text form (a real state type only)
		if [ "$stype" != internal ] && [ "$finalextra" != true ]; then
			if [ $shape = whole ]; then
				inner="SELECT @P@ AS k, pt.twin_$n($args) s FROM pt.${parts}_@P@ o"
				outer="SELECT pt.merge_$n(s::text::$stype ORDER BY k DESC)::text FROM (@Q@) x"
			else
				inner="SELECT @P@ AS k, o.g, pt.twin_$n($args) s FROM pt.${parts}_@P@ o GROUP BY 2"
				outer="SELECT g, pt.merge_$n(s::text::$stype ORDER BY k DESC)::text FROM (@Q@) x GROUP BY 1 ORDER BY 1"
			fi
			unions=$(for p in 0 1 2 3; do printf '%s' "${inner//@P@/$p}"; [ $p = 3 ] || printf ' UNION ALL '; done)
			if [ $shape = whole ]; then
				init=${initval:+, INITCOND = '$initval'}
				fin=${finalfn:+, FINALFUNC = $finalfn}
				cat >>"$script" <<EOF
\\o
CREATE AGGREGATE pt.twin_$n($argtypes) (SFUNC = $sfunc, STYPE = $stype$init);
CREATE AGGREGATE pt.merge_$n($stype) (SFUNC = $combinefn, STYPE = $stype$init$fin);
EOF
			fi
			printf '\\o %s\n%s;\n' "$work/$n.$shape.exp" "${outer//@Q@/$unions}" >>"$script"
		fi
	done
done <"$work/plan.tsv"
echo '\o' >>"$script"

kam_psql -d "$db" -f "$script" >"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }

# The user-level roll-up path: per-part states stored as text, merged with
# kam.rfm_merge and finished with kam.rfm_summary, against kam.rfm over the
# whole table, customer by customer.
if [ "$(kam_psql -d "$db" -At -c "SELECT to_regprocedure('kam.rfm_merge(kam.rfm_state)') IS NOT NULL
	AND to_regprocedure('kam.rfm_summary(kam.rfm_state, timestamptz)') IS NOT NULL")" = t ]; then
	diffs=$(kam_psql -d "$db" -At <<'SQL'
CREATE TEMP TABLE stored (part regclass, customer_id bigint, state text);
INSERT INTO stored
SELECT o.tableoid::regclass, o.customer_id, kam.rfm_state(o.ordered_at, o.amount)::text
  FROM pt.src_parts o GROUP BY 1, 2;
WITH merged AS (
	SELECT customer_id, kam.rfm_summary(kam.rfm_merge(state::kam.rfm_state), '2025-12-31 00:00+00') AS r
	  FROM stored GROUP BY 1),
whole AS (
	SELECT customer_id, kam.rfm(o.ordered_at, o.amount, '2025-12-31 00:00+00') AS r
	  FROM pt.src o GROUP BY 1)
SELECT (SELECT count(*) FROM stored) || ' ' || count(*) FILTER (WHERE m.r::text IS DISTINCT FROM w.r::text)
  FROM merged m FULL JOIN whole w USING (customer_id);
SQL
)
	if [ "${diffs#* }" = 0 ] && [ "${diffs% *}" -gt 0 ]; then
		echo "ok      kam.rfm_state per part -> text -> kam.rfm_merge -> kam.rfm_summary equals kam.rfm (${diffs% *} stored states)"
		covered=$((covered + 1))
	else
		echo "FAILED  kam.rfm_state -> rfm_merge -> rfm_summary differs from kam.rfm for ${diffs#* } customers"
		fail=1
	fi
fi

# Aggregates whose mismatch is a known finding of another section, not fixed
# yet: reported as KNOWN instead of failing.  Remove a name when it is fixed.
#   kam.retention_periods, kam.trailing_retention: merging two non-empty
#   partial states gives rows from 2020 with zeros instead of the serial
#   result (retention: the combine function of the internal state)
known_mismatch=" "
selftest_ok=1
while IFS=$'\t' read -r n agg args stype; do
	for shape in whole grouped; do
		bad=()
		cmp -s "$work/$n.$shape.ref" "$work/$n.$shape.pw" || bad+=("partitionwise result differs")
		grep -q "Partial" "$work/$n.$shape.pw.plan" || bad+=("no Partial Aggregate in the partitionwise plan")
		cmp -s "$work/$n.$shape.ref" "$work/$n.$shape.par" || bad+=("parallel result differs")
		grep -q "Partial" "$work/$n.$shape.par.plan" || bad+=("no Partial Aggregate in the parallel plan")
		if [ -f "$work/$n.$shape.exp" ]; then
			cmp -s "$work/$n.$shape.ref" "$work/$n.$shape.exp" || bad+=("explicit merged states differ")
		fi
		label="$agg($args) $shape"
		if [[ $agg == pt_selftest.bad_combine ]]; then
			# partitionwise and explicit states must notice the wrong combine function
			# (parallel may not: which worker gets which rows depends on a race)
			if ((${#bad[@]} < 2)); then
				echo "FAILED  self-test: the wrong combine function of $label went unnoticed (${bad[*]:-})"
				selftest_ok=0
			fi
			((${#bad[@]} < 2)) || echo "ok      self-test: the wrong combine function of $label was caught (${bad[*]})"
			continue
		fi
		if ((${#bad[@]})) && [[ $known_mismatch == *" $agg "* ]]; then
			echo "KNOWN   $label: ${bad[*]} (a known finding, see the comment above)"
		elif ((${#bad[@]})); then
			echo "FAILED  $label: ${bad[*]}"
			diff "$work/$n.$shape.ref" "$work/$n.$shape.pw" | head -5 || true
			fail=1
		else
			echo "ok      $label [partitionwise, parallel$([ -f "$work/$n.$shape.exp" ] && echo ", explicit $stype states")]"
			[[ $agg == pt_selftest.* ]] || covered=$((covered + 1))
		fi
	done
done <"$work/index.tsv"
((selftest_ok)) || fail=1
echo "$covered kam aggregate checks passed"
((fail == 0)) || exit 1
if ((covered == 0)); then
	echo "no kam aggregate to check yet (the self-test passed)"
	exit 77
fi
