#!/usr/bin/env bash
# kam.schedule_refresh() with pg_cron, for real (sql/kam/72_schedule.sql):
#   1. In the check cluster, which does not preload pg_cron: scheduling and
#      unscheduling fail with 55000 and a hint that says how to set pg_cron
#      up; kam.refresh_schedule is empty.
#   2. The interval -> cron schedule mapping against an independent oracle: a
#      small evaluator of cron fields in plain SQL lists the firing times of
#      every schedule kam produces, and the gaps between them must all equal
#      the interval; of every whole number of minutes up to a week exactly the
#      documented 20 are accepted; the rest, and odd intervals (seconds,
#      months mixed with days, 2 years), are refused with 22023; the schedules
#      kam refuses to approximate (*/7 minutes, every 5 hours or 5 days) do
#      not repeat evenly in the oracle.
#   3. pg_cron installed (kam_ensure_pg_cron; exit 77 only when it cannot be)
#      and a cluster of this script's own started with
#      shared_preload_libraries = 'pg_cron' (the check cluster stays as it
#      is): before CREATE EXTENSION pg_cron -> 55000 with that hint; from
#      another database -> 55000 whose hint, run as given in the pg_cron
#      database, schedules the job there; every schedule kam produces is one
#      pg_cron accepts; a role kam's owner did not grant -> 42501; a granted
#      role without USAGE on schema cron -> 42501 whose hint, run, lets it;
#      a schema cron planted by a role without superuser is never called;
#      snapshots off -> 55000; rescheduling replaces the job (same job, new
#      schedule, one row), a superuser's schedule replaces every role's,
#      unscheduling twice -> true then false.
#   4. A refresh scheduled every minute by kam's owner (no superuser) really
#      runs: an order inserted after the last refresh is pending in
#      kam.snapshot_status; within a bounded wait cron.job_run_details shows a
#      run as that role in this database that succeeded, kam.snapshot_status
#      shows a later refresh with nothing pending, and the store counts the
#      new order.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

if [ -z "${KAM_STAGE:-}" ] || [ -z "${KAM_TMP:-}" ] || [ -z "${PGHOST:-}" ]; then
	echo "run this through make check (KAM_TESTS=snapshots_cron make check): it needs the check cluster and stage"
	exit 77
fi
fail=0
ok() { printf 'ok      %s\n' "$*"; }
failed() { printf 'FAILED  %s\n' "$*"; fail=1; }

# expect_error LABEL SQLSTATE HINT_PATTERN DB SQL [psql args]: SQL fails with
# SQLSTATE and a hint matching the (grep -E) pattern; sets $hint to the hint.
expect_error() {
	local label=$1 state=$2 pattern=$3 db=$4 sql=$5 out
	shift 5
	if out=$(kam_psql -d "$db" "$@" -c '\set VERBOSITY verbose' -c "$sql" 2>&1); then
		failed "$label: no error"
		hint=
		return
	fi
	hint=$(sed -n 's/^HINT:  //p' <<<"$out")
	if grep -q "^ERROR:  $state:" <<<"$out" && grep -Eq -- "$pattern" <<<"$hint"; then
		ok "$label: $state"
	else
		failed "$label: expected $state and a hint matching /$pattern/, got:"
		sed 's/^/    /' <<<"$out"
	fi
}

# ---------------------------------------------------------------------------
# 1. No pg_cron in the server
# ---------------------------------------------------------------------------
db=kam_cron_$$
kam_psql -d postgres -c "CREATE DATABASE $db" >/dev/null
trap 'kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
kam_psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION kam" >/dev/null
expect_error "schedule_refresh without pg_cron loaded" 55000 \
	"shared_preload_libraries and set cron.database_name = '$db'.*CREATE EXTENSION pg_cron" \
	"$db" "SELECT kam.schedule_refresh('5 minutes')"
expect_error "unschedule_refresh without pg_cron loaded" 55000 "shared_preload_libraries" \
	"$db" "SELECT kam.unschedule_refresh()"
n=$(kam_psql -d "$db" -At -c "SELECT count(*) FROM kam.refresh_schedule")
[ "$n" = 0 ] && ok "kam.refresh_schedule is empty without pg_cron" || failed "kam.refresh_schedule has $n rows without pg_cron"
expect_error "schedule_refresh(NULL)" 22004 "schedule_refresh\('5 minutes'\)" "$db" "SELECT kam.schedule_refresh(NULL)"

# ---------------------------------------------------------------------------
# 2. The mapping, against a cron evaluator in plain SQL
# ---------------------------------------------------------------------------
oracle=$(
	kam_psql -d "$db" -At <<'SQL'
-- does cron field f ('*', '*/n' or a number) match value v of a field whose
-- lowest value is lo (minute, hour, weekday 0; day of month, month 1)?
CREATE FUNCTION pg_temp.field_matches(f text, v int, lo int) RETURNS boolean LANGUAGE sql AS $$
	SELECT CASE WHEN f = '*' THEN true
				WHEN f LIKE '*/%' THEN (v - lo) % substr(f, 3)::int = 0
				ELSE v = f::int END $$;
-- cron's rule: minute, hour and month must match; day of month and weekday
-- both when one is '*', either when both are restricted
CREATE FUNCTION pg_temp.fires(s text, t timestamp) RETURNS boolean LANGUAGE sql AS $$
	SELECT pg_temp.field_matches(f[1], extract(minute FROM t)::int, 0)
	   AND pg_temp.field_matches(f[2], extract(hour FROM t)::int, 0)
	   AND pg_temp.field_matches(f[4], extract(month FROM t)::int, 1)
	   AND CASE WHEN f[3] <> '*' AND f[5] <> '*'
				THEN pg_temp.field_matches(f[3], extract(day FROM t)::int, 1)
					 OR pg_temp.field_matches(f[5], extract(dow FROM t)::int, 0)
				ELSE pg_temp.field_matches(f[3], extract(day FROM t)::int, 1)
					 AND pg_temp.field_matches(f[5], extract(dow FROM t)::int, 0) END
	  FROM (SELECT string_to_array(s, ' ') AS f) x $$;
-- the firing times of schedule s from 2025-01-01 over span, by the minute
-- (by the hour for schedules whose minute field is 0, to keep years short)
CREATE FUNCTION pg_temp.firings(s text, span interval) RETURNS SETOF timestamp LANGUAGE sql AS $$
	SELECT t FROM generate_series('2025-01-01'::timestamp, '2025-01-01'::timestamp + span,
								  CASE WHEN split_part(s, ' ', 1) = '0' THEN '1 hour' ELSE '1 minute' END::interval) t
	 WHERE pg_temp.fires(s, t) $$;
-- every gap between firings equals the interval: the offenders
CREATE FUNCTION pg_temp.uneven(s text, every interval) RETURNS text LANGUAGE sql AS $$
	WITH f AS (SELECT t, lead(t) OVER (ORDER BY t) AS nxt
				 FROM pg_temp.firings(s, greatest(interval '3 days', every * 10)) t)
	SELECT CASE WHEN count(*) < 4 THEN 'fires ' || count(*) || ' times'
				ELSE string_agg(CASE WHEN nxt <> t + every THEN t || ' -> ' || nxt END, ', ') END
	  FROM f $$;
-- every whole number of minutes up to a week, through kam
CREATE TEMP TABLE accepted (m int, s text);
DO $$
DECLARE m int; s text;
BEGIN
	FOR m IN 1..10080 LOOP
		BEGIN
			s := kam.refresh_cron_schedule(make_interval(mins => m));
			INSERT INTO accepted VALUES (m, s);
		EXCEPTION WHEN invalid_parameter_value THEN NULL;
		END;
	END LOOP;
END $$;
SELECT 'minutes accepted: ' || string_agg(m::text, ',' ORDER BY m) FROM accepted;
SELECT 'uneven: ' || m || ' minutes (' || s || '): ' || pg_temp.uneven(s, make_interval(mins => m))
  FROM accepted WHERE pg_temp.uneven(s, make_interval(mins => m)) IS NOT NULL;
SELECT 'longer intervals: ' || string_agg(i::text || '=' || s, ', ' ORDER BY i)
	   || CASE WHEN bool_and(pg_temp.uneven(s, i) IS NULL) THEN ' even' ELSE ' UNEVEN' END
  FROM (SELECT i, kam.refresh_cron_schedule(i) AS s
		  FROM unnest('{1 mon,2 mons,3 mons,4 mons,6 mons,1 year,24 hours,1 week,120 minutes}'::interval[]) i) x;
-- what kam refuses: these intervals, and the naive schedules are uneven
CREATE TEMP TABLE refused AS SELECT i, NULL::text AS state FROM
	unnest('{30 seconds,61 seconds,0,-1 hour,7 minutes,90 minutes,5 hours,25 hours,5 days,14 days,5 mons,2 years,1 mon 1 day,1 day 1 hour}'::interval[]) i;
DO $$
DECLARE r record;
BEGIN
	FOR r IN SELECT i FROM refused LOOP
		BEGIN
			PERFORM kam.refresh_cron_schedule(r.i);
			UPDATE refused SET state = 'accepted' WHERE i = r.i;
		EXCEPTION WHEN OTHERS THEN
			UPDATE refused SET state = SQLSTATE WHERE i = r.i;
		END;
	END LOOP;
END $$;
SELECT 'refused: ' || string_agg(i::text || '=' || state, ', ' ORDER BY i) FROM refused WHERE state <> '22023';
SELECT 'naive ' || s || ' even: ' || (pg_temp.uneven(s, every) IS NULL)
  FROM (VALUES ('*/7 * * * *', interval '7 minutes'), ('0 */5 * * *', interval '5 hours'),
			   ('0 0 */5 * *', interval '5 days')) v(s, every);
SQL
)
want="1,2,3,4,5,6,10,12,15,20,30,60,120,180,240,360,480,720,1440,10080"
if grep -qx "minutes accepted: $want" <<<"$oracle"; then
	ok "of 1..10080 minutes exactly the documented 20 are accepted"
else
	failed "accepted minutes: $(grep '^minutes accepted' <<<"$oracle")"
fi
if grep -q '^uneven' <<<"$oracle"; then
	failed "schedules that do not repeat at their interval:"; grep '^uneven' <<<"$oracle" | sed 's/^/    /'
else
	ok "each of the 20 minute schedules fires exactly every interval (cron evaluator in SQL)"
fi
if grep -q '^longer intervals: .* even$' <<<"$oracle"; then
	ok "$(grep '^longer intervals' <<<"$oracle")"
else
	failed "$(grep '^longer intervals' <<<"$oracle")"
fi
if grep -q '^refused' <<<"$oracle"; then failed "$(grep '^refused' <<<"$oracle")"; else ok "14 odd intervals refused with 22023"; fi
if [ "$(grep -c '^naive .* even: false$' <<<"$oracle")" = 3 ]; then
	ok "the refused naive schedules (*/7 minutes, every 5 hours, every 5 days) are uneven in the evaluator"
else
	failed "naive schedules: $(grep '^naive' <<<"$oracle")"
fi
kam_psql -d postgres -c "DROP DATABASE $db" >/dev/null

# ---------------------------------------------------------------------------
# 3. A cluster of our own with pg_cron preloaded
# ---------------------------------------------------------------------------
if ! kam_ensure_pg_cron; then
	((fail == 0)) || exit 1
	echo "skipped: pg_cron (postgresql-$PG_MAJOR-cron) is not installed and cannot be installed here"
	exit 77
fi
CHECK_TMP=$KAM_TMP
KAM_TMP=$CHECK_TMP/cron
mkdir -p "$KAM_TMP"
chmod 755 "$KAM_TMP"
db=kam_cron
owner=kam_cron_owner mgr=kam_cron_mgr reader=kam_cron_reader
trap 'kam_cluster_stop' EXIT
trap 'exit 1' INT TERM # so that the EXIT trap stops the cluster on a timeout too
# pg_cron's jobs connect over libpq: through this cluster's socket (no TCP)
kam_cluster_start -c shared_preload_libraries=pg_cron -c cron.database_name=$db \
	-c cron.host="$KAM_TMP/sock"
# the database, the demo data and kam belong to a role without superuser (a
# trusted install), as in production; a small demo keeps refreshes short
kam_psql -d postgres -c "CREATE ROLE $owner LOGIN CREATEDB" >/dev/null
PGUSER=$owner kam_load_demo "$db" 300 3000 7 >/dev/null

# roles: one kam's owner lets configure, one it does not
kam_psql -d postgres -c "CREATE ROLE $mgr LOGIN" -c "CREATE ROLE $reader LOGIN" >/dev/null
PGUSER=$owner kam_psql -d "$db" >/dev/null <<SQL
GRANT USAGE ON SCHEMA demo TO $mgr, $reader;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO $mgr, $reader;
GRANT EXECUTE ON FUNCTION kam.schedule_refresh(interval), kam.unschedule_refresh(), kam.refresh() TO $mgr;
SQL

# a schema "cron" planted by a role without superuser (before pg_cron is
# created) is not pg_cron's: a superuser's schedule_refresh must not call it
kam_psql -d "$db" -c "GRANT CREATE ON DATABASE $db TO $mgr" >/dev/null
PGUSER=$mgr kam_psql -d "$db" >/dev/null <<'SQL'
CREATE SCHEMA cron;
GRANT USAGE ON SCHEMA cron TO PUBLIC;
CREATE TABLE cron.trap (who text);
GRANT INSERT ON cron.trap TO PUBLIC;
CREATE TABLE cron.job (jobid bigint, jobname name, schedule text, database text, username text, active boolean);
CREATE TABLE cron.job_run_details (jobid bigint, runid bigint, status text, return_message text,
	start_time timestamptz, end_time timestamptz);
INSERT INTO cron.job VALUES (1, 'kam refresh kam_cron', '* * * * *', 'kam_cron', 'postgres', true);
GRANT SELECT ON cron.job, cron.job_run_details TO PUBLIC;
CREATE FUNCTION cron.schedule(text, text, text) RETURNS bigint LANGUAGE sql
	AS $$ INSERT INTO cron.trap VALUES (current_user) RETURNING 1::bigint $$;
CREATE FUNCTION cron.unschedule(bigint) RETURNS boolean LANGUAGE sql
	AS $$ INSERT INTO cron.trap VALUES (current_user) RETURNING true $$;
SQL
expect_error "a superuser's schedule_refresh with a planted schema cron" 55000 "^Run CREATE EXTENSION pg_cron; in this database" \
	"$db" "SELECT kam.schedule_refresh('5 minutes')"
expect_error "a superuser's unschedule_refresh with a planted schema cron" 55000 "^Run CREATE EXTENSION pg_cron; in this database" \
	"$db" "SELECT kam.unschedule_refresh()"
n=$(kam_psql -d "$db" -At -c "SELECT count(*) FROM cron.trap")
[ "$n" = 0 ] && ok "the planted cron.schedule and cron.unschedule never ran" || failed "the planted functions ran $n times"
n=$(kam_psql -d "$db" -At -c "SELECT count(*) FROM kam.refresh_schedule")
[ "$n" = 0 ] && ok "kam.refresh_schedule does not read the planted cron.job" || failed "kam.refresh_schedule read the planted cron.job"
PGUSER=$mgr kam_psql -d "$db" -c "SET client_min_messages = warning" -c "DROP SCHEMA cron CASCADE" >/dev/null
kam_psql -d "$db" -c "REVOKE CREATE ON DATABASE $db FROM $mgr" >/dev/null

expect_error "schedule_refresh before CREATE EXTENSION pg_cron" 55000 "^Run CREATE EXTENSION pg_cron; in this database" \
	"$db" "SELECT kam.schedule_refresh('5 minutes')"
kam_psql -d "$db" -c "CREATE EXTENSION pg_cron" >/dev/null

# kam's owner may use pg_cron; with snapshots off there is nothing to refresh
kam_psql -d "$db" -c "GRANT USAGE ON SCHEMA cron TO $owner" >/dev/null
PGUSER=$owner expect_error "schedule_refresh with snapshots off" 55000 "kam.enable_snapshots\(\)" \
	"$db" "SELECT kam.schedule_refresh('5 minutes')"
PGUSER=$owner kam_psql -d "$db" -c "SET client_min_messages = error" \
	-c "SELECT kam.enable_snapshots()" -c "SELECT kam.refresh()" >/dev/null

# every schedule kam produces is one pg_cron accepts
if bad=$(kam_psql -d "$db" -At 2>&1 <<'SQL'
DO $$
DECLARE s text; bad text := '';
BEGIN
	FOR s IN SELECT DISTINCT kam.refresh_cron_schedule(i)
			   FROM unnest('{1 min,2 min,3 min,4 min,5 min,6 min,10 min,12 min,15 min,20 min,30 min,1 hour,2 hours,3 hours,4 hours,6 hours,8 hours,12 hours,1 day,7 days,1 mon,2 mons,3 mons,4 mons,6 mons,1 year}'::interval[]) i LOOP
		BEGIN
			PERFORM cron.schedule('kam cron test', s, 'SELECT 1');
			PERFORM cron.unschedule('kam cron test');
		EXCEPTION WHEN OTHERS THEN
			bad := bad || s || ': ' || SQLERRM || '; ';
		END;
	END LOOP;
	IF bad <> '' THEN RAISE EXCEPTION 'pg_cron refuses %', bad; END IF;
END $$;
SELECT count(*) FROM cron.job;
SQL
) && [ "$bad" = 0 ]; then
	ok "pg_cron accepts all 26 schedules kam produces"
else
	failed "pg_cron and kam disagree: $bad"
fi

# from another database: the hint is the command to run in the pg_cron database
kam_psql -d postgres -c "CREATE DATABASE kam_cron_other" >/dev/null
kam_psql -d kam_cron_other -c "SET client_min_messages = warning" -c "CREATE EXTENSION kam" >/dev/null
expect_error "schedule_refresh from another database" 55000 \
	"^In database $db run \(as a superuser\): SELECT cron.schedule_in_database\('kam refresh kam_cron_other', '\*/10 \* \* \* \*', 'SELECT kam.refresh\(\)', 'kam_cron_other', 'postgres'\);" \
	kam_cron_other "SELECT kam.schedule_refresh('10 minutes')"
cmd=$(sed -n 's/^In database [^ ]* run (as a superuser): \(SELECT .*;\) Or set .*/\1/p' <<<"$hint")
if [ -n "$cmd" ] && kam_psql -d "$db" -c "$cmd" >/dev/null &&
	[ "$(kam_psql -d "$db" -At -c "SELECT database || ' ' || schedule || ' ' || username FROM cron.job WHERE jobname = 'kam refresh kam_cron_other'")" = "kam_cron_other */10 * * * * postgres" ]; then
	ok "the hint's command, run in $db, schedules the refresh of kam_cron_other"
else
	failed "the hint's command did not schedule the job: $cmd"
fi
expect_error "unschedule_refresh from another database" 55000 \
	"^In database $db run \(as a superuser\): SELECT cron.unschedule\(jobid\) FROM cron.job WHERE jobname = 'kam refresh kam_cron_other';" \
	kam_cron_other "SELECT kam.unschedule_refresh()"
cmd=$(sed -n 's/^In database [^ ]* run (as a superuser): \(SELECT .*;\) Or set .*/\1/p' <<<"$hint")
if [ -n "$cmd" ] && kam_psql -d "$db" -c "$cmd" >/dev/null &&
	[ "$(kam_psql -d "$db" -At -c "SELECT count(*) FROM cron.job")" = 0 ]; then
	ok "the unschedule hint's command, run in $db, removes it"
else
	failed "the unschedule hint's command did not remove the job: $cmd"
fi
PGUSER=$reader expect_error "schedule_refresh by a role kam's owner did not grant" 42501 "" \
	"$db" "SELECT kam.schedule_refresh('1 minute')"
PGUSER=$mgr expect_error "schedule_refresh by a role without USAGE on schema cron" 42501 \
	"^A superuser runs: GRANT USAGE ON SCHEMA cron TO $mgr;$" "$db" "SELECT kam.schedule_refresh('1 minute')"
kam_psql -d "$db" -c "${hint#A superuser runs: }" >/dev/null
PGUSER=$mgr expect_error "schedule_refresh every 7 minutes" 22023 "" "$db" "SELECT kam.schedule_refresh('7 minutes')"

jobs() { kam_psql -d "$db" -At -c "SELECT string_agg(jobid || ' ' || username || ' ' || schedule || ' ' || command, '; ' ORDER BY jobid)
	FROM cron.job WHERE jobname = 'kam refresh $db' AND database = '$db'"; }
id1=$(PGUSER=$mgr kam_psql -d "$db" -At -c "SELECT kam.schedule_refresh('2 minutes')")
id2=$(PGUSER=$mgr kam_psql -d "$db" -At -c "SELECT kam.schedule_refresh('15 minutes')")
if [ "$id1" = "$id2" ] && [ "$(jobs)" = "$id1 $mgr */15 * * * * SELECT kam.refresh()" ]; then
	ok "rescheduling replaces the job (job $id1, now */15)"
else
	failed "rescheduling: ids $id1 $id2, jobs: $(jobs)"
fi
seen=$(PGUSER=$mgr kam_psql -d "$db" -At -c "SELECT jobid || ' ' || schedule || ' ' || role FROM kam.refresh_schedule")
[ "$seen" = "$id1 */15 * * * * $mgr" ] && ok "kam.refresh_schedule shows $mgr its job" || failed "kam.refresh_schedule as $mgr: $seen"
seen=$(PGUSER=$reader kam_psql -d "$db" -At -c "SELECT count(*) FROM kam.refresh_schedule")
[ "$seen" = 0 ] && ok "kam.refresh_schedule shows $reader nothing (no USAGE on cron)" || failed "kam.refresh_schedule as $reader: $seen rows"
id3=$(kam_psql -d "$db" -At -c "SELECT kam.schedule_refresh('1 hour')")
if [ "$(jobs)" = "$id3 postgres 0 * * * * SELECT kam.refresh()" ]; then
	ok "a superuser's schedule replaces the role's job"
else
	failed "after the superuser's schedule: $(jobs)"
fi
r1=$(kam_psql -d "$db" -At -c "SELECT kam.unschedule_refresh()")
r2=$(kam_psql -d "$db" -At -c "SELECT kam.unschedule_refresh()" 2>&1)
if [ "$r1" = t ] && [[ $r2 == *"no refresh of database \"$db\" is scheduled"*f ]] && [ -z "$(jobs)" ]; then
	ok "unschedule_refresh: true, then false with a notice; no job left"
else
	failed "unschedule_refresh twice: $r1 / $r2 / $(jobs)"
fi

# ---------------------------------------------------------------------------
# 4. The scheduled refresh runs
# ---------------------------------------------------------------------------
# kam's owner (no superuser) writes an order (logged, pending) and schedules
# the refresh every minute
cust=$(kam_psql -d "$db" -At -c "SELECT min(customer_id) FROM demo.orders")
stored() { kam_psql -d "$db" -At -c "SELECT orders FROM kam.snapshot_customer_summary WHERE customer_id = $cust"; }
status() { kam_psql -d "$db" -At -c "SELECT last_refresh || ' ' || pending_invalidations FROM kam.snapshot_status"; }
before=$(stored)
PGUSER=$owner kam_psql -d "$db" -c "INSERT INTO demo.orders
	SELECT max(order_id) + 1, $cust, '2025-12-30 12:00+00', 100.00, 10.00 FROM demo.orders" >/dev/null
pending=$(status)
t0=$(kam_psql -d "$db" -At -c "SELECT clock_timestamp()")
id=$(PGUSER=$owner kam_psql -d "$db" -At -c "SELECT kam.schedule_refresh('1 minute')")
run=
deadline=$((SECONDS + 180)) # '* * * * *' fires at the next full minute
while ((SECONDS < deadline)); do
	run=$(kam_psql -d "$db" -At -c "SELECT status || ' ' || username || ' ' || database || ' ' || coalesce(return_message, '')
		FROM cron.job_run_details WHERE jobid = $id AND start_time > '$t0' AND status IN ('succeeded', 'failed')
		ORDER BY runid LIMIT 1")
	[ -n "$run" ] && break
	sleep 2
done
case $run in
"succeeded $owner $db "*) ok "the job ran kam.refresh() in $db as $owner: $run" ;;
"") failed "no finished run of job $id within 180 s; cron.job_run_details: $(kam_psql -d "$db" -At -c "SELECT * FROM cron.job_run_details")" ;;
*) failed "the run did not succeed: $run" ;;
esac
after=$(status)
if [[ ${pending##* } -ge 1 ]] && [[ ${after##* } == 0 ]] &&
	[ "$(kam_psql -d "$db" -At -c "SELECT last_refresh > '$t0' FROM kam.snapshot_status")" = t ]; then
	ok "kam.snapshot_status moved: last refresh ${pending% *} with ${pending##* } pending -> ${after% *} with ${after##* } pending"
else
	failed "kam.snapshot_status before the run: $pending; after: $after; scheduled at $t0"
fi
now=$(stored)
[ "$now" = $((before + 1)) ] && ok "the store has the new order: customer $cust's stored orders $before -> $now" ||
	failed "customer $cust's stored orders: $before before, $now after the scheduled refresh"
seen=$(PGUSER=$owner kam_psql -d "$db" -At -c "SELECT last_status || ' ' || role FROM kam.refresh_schedule WHERE jobid = $id")
[ "$seen" = "succeeded $owner" ] && ok "kam.refresh_schedule shows the run" || failed "kam.refresh_schedule: $seen"
PGUSER=$owner kam_psql -d "$db" -At -c "SELECT kam.unschedule_refresh()" >/dev/null

if grep -q "terminated by signal" "$KAM_TMP/server.log"; then
	failed "a backend of the pg_cron cluster was terminated by a signal"
fi
((fail == 0))
