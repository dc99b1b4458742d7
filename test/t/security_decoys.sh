#!/usr/bin/env bash
# kam calls its own functions with exactly typed arguments, so that no
# overload anybody could create wins (an untyped NULL, a numeric 0.2 or an
# integer 12 would let a kam.f(numeric) or kam.f(text) beat the real
# kam.f(float8)).  Since 0.2.0 no role but kam's owner can create anything in
# schema kam; this test plays the owner planting look-alikes, to prove the
# calls themselves are exact: as a superuser it creates, for every function
# and aggregate of kam and every argument position, a decoy taking another
# type there (integer, bigint, numeric, real, float8, text, varchar, name,
# date, timestamp, timestamptz, boolean, jsonb, regtype[]); a decoy that runs
# logs itself.  Then kam binds, rebuilds every view, refreshes the tier
# snapshot, fits and stores models, reads every view and changes settings and
# policies.  No decoy may run, and nothing may fail ("function is not unique"
# would mean a call that is not exact).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=kam_decoys_$$
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}" >/dev/null

planted=$(kam_psql -d "$db" -At <<'SQL'
SET client_min_messages = warning;
CREATE TABLE public.decoy_log (decoy text);
GRANT INSERT ON public.decoy_log TO PUBLIC;
DO $$
DECLARE
	f record;
	i integer;
	alt regtype;
	args text[];
	n integer := 0;
BEGIN
	FOR f IN SELECT p.proname, p.proargtypes::oid[] AS argtypes, p.prorettype::regtype AS ret, p.proretset
			   FROM pg_proc p
			  WHERE p.pronamespace = 'kam'::regnamespace AND p.prokind IN ('f', 'a', 'w')
				AND p.pronargs > 0
				AND ((SELECT t.typtype FROM pg_type t WHERE t.oid = p.prorettype) <> 'p'
					 OR p.prorettype = 'void'::regtype) LOOP
		FOR i IN 1 .. array_length(f.argtypes, 1) LOOP
			CONTINUE WHEN (SELECT t.typtype FROM pg_type t WHERE t.oid = f.argtypes[i]) = 'p';
			FOREACH alt IN ARRAY ARRAY['integer', 'bigint', 'numeric', 'real', 'double precision', 'text',
									   'character varying', 'name', 'date', 'timestamp without time zone',
									   'timestamp with time zone', 'boolean', 'jsonb', 'regtype[]']::regtype[] LOOP
				CONTINUE WHEN alt = f.argtypes[i]::regtype;
				SELECT array_agg(CASE WHEN k = i THEN alt::text ELSE a::regtype::text END ORDER BY k)
				  INTO args FROM unnest(f.argtypes) WITH ORDINALITY u(a, k);
				BEGIN
					EXECUTE format('CREATE FUNCTION kam.%I(%s) RETURNS %s%s LANGUAGE plpgsql AS %L',
						f.proname, array_to_string(args, ', '), CASE WHEN f.proretset THEN 'SETOF ' ELSE '' END, f.ret,
						format('BEGIN INSERT INTO public.decoy_log VALUES (%L); RETURN%s; END',
							   format('kam.%I(%s)', f.proname, array_to_string(args, ', ')),
							   CASE WHEN f.ret = 'void'::regtype THEN '' WHEN f.proretset THEN '' ELSE ' NULL' END));
					n := n + 1;
				EXCEPTION WHEN duplicate_function OR invalid_function_definition OR wrong_object_type THEN
					NULL;
				END;
			END LOOP;
		END LOOP;
	END LOOP;
	RAISE NOTICE 'decoys %', n;
	PERFORM set_config('kam_test.decoys', n::text, false);
END
$$;
SELECT current_setting('kam_test.decoys');
SQL
)
echo "planted $planted decoys in schema kam"
[ "$planted" -gt 500 ] || { echo "FAILED  too few decoys ($planted): the test would prove nothing"; exit 1; }

fail=0
run() { # run LABEL SQL...
	local label=$1 out
	shift
	if ! out=$(kam_psql -d "$db" -v VERBOSITY=verbose "$@" 2>&1); then
		echo "FAILED  $label: $(grep -m1 ERROR <<<"$out")"; fail=1
	else
		echo "ok      $label"
	fi
}
# (this test's own calls are typed: with the decoys, an untyped user call
# would be ambiguous, which is the point of the test, not of these calls)
run "bind every table again" -c "SET client_min_messages = warning" \
	-c "SELECT kam.bind_customers('demo.customers'::regclass, 'customer_id'::name, 'name'::name, 'account_manager'::name)" \
	-c "SELECT kam.bind_orders('demo.orders'::regclass, 'customer_id'::name, 'ordered_at'::name, 'amount'::name, 'margin'::name)" \
	-c "SELECT kam.bind_visits('demo.visits'::regclass, 'customer_id'::name, 'visited_at'::name)" -c "SELECT kam.rebuild_views()"
run "settings" -c "SELECT kam.set('visit_weeks'::text, '6'::text)" -c "SELECT kam.reset('visit_weeks'::text)" \
	-c "SELECT kam.setting('as_of'::text)"
run "policies" -c "UPDATE kam.tier_policy SET visits_per_week = 3 WHERE tier = 'Strategic'" \
	-c "SELECT kam.reset_policy('tier_policy'::text)" -c "SELECT kam.rfm_segment(3, 3)"
run "refresh the tier snapshot" -c "SELECT kam.refresh_tier_snapshot()"
run "fit and store the models" -c "SELECT count(*) FROM kam.fit_models()" \
	-c "SELECT kam.save_model('again'::text, kam.stored_bgnbd(), 'day'::text)" -c "SELECT kam.stored_gammagamma()"
for v in $(kam_psql -d "$db" -At -c "SELECT relname FROM pg_class WHERE relnamespace = 'kam'::regnamespace AND relkind = 'v' ORDER BY 1"); do
	run "read kam.$v" -c "SELECT count(*) FROM kam.$v"
done
ran=$(kam_psql -d "$db" -At -c "SELECT string_agg(DISTINCT decoy, ', ') FROM public.decoy_log")
if [ -n "$ran" ]; then echo "FAILED  decoys ran: $ran"; fail=1; else echo "ok      no decoy ran"; fi
((fail == 0))
