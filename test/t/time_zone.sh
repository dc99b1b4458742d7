#!/usr/bin/env bash
# The time_zone setting (issue 13): no report depends on the session's TimeZone.
#
#   1. The setting: kam.bind_orders stores the session's TimeZone when it is
#      not set (and leaves a set one alone), kam.set rejects what is not a
#      zone (22023), and the unset as_of is the current date in the zone.
#   2. With time_zone = 'Pacific/Auckland', every report view and the main
#      functions (kam.fit_models, kam.calibration_holdout, kam.as_of) give the
#      same rows in sessions in UTC, Pacific/Auckland and America/St_Johns
#      (half-hour offset, behind UTC): results are stored in the session's
#      zone and printed in UTC, so a timestamptz that differs shows.
#   3. The oracle, today's behaviour: with time_zone unset the views floor in
#      each session's zone, as kam did before the setting; in a
#      Pacific/Auckland session they must give the rows of 2.  And the
#      timestamptz aggregates (the C path that floors in the session zone,
#      not the local times the views pass) in a Pacific/Auckland session
#      give customer_summary's and customer_activity's figures.
#   4. The setting is read: with time_zone = 'UTC' customer_summary differs
#      from 2 (the demo has orders near midnight).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
db=t_time_zone
W=$(mktemp -d)
kam_psql -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}" >/dev/null
trap 'kam_psql -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
fail=0
ok() { printf 'ok      %s\n' "$*"; }
failed() { printf 'FAILED  %s\n' "$*"; fail=1; }

# 1. the setting ("check NAME BAD": BAD must be 0)
checks=$(kam_psql -d "$db" -At -F ' ' <<'SQL'
SET client_min_messages = warning;
-- bound with time_zone unset: the binding session's zone is stored
SELECT kam.reset('time_zone');
SET TimeZone = 'America/St_Johns';
SELECT kam.bind_orders('demo.orders', 'customer_id', 'ordered_at', 'amount', 'margin');
SELECT 'check bind_stores_session_zone', count(*) FILTER (WHERE NOT (s.value = 'America/St_Johns' AND s.is_set))
  FROM kam.current_settings s WHERE s.name = 'time_zone';
-- bound again from another zone: the stored one stays
SET TimeZone = 'UTC';
SELECT kam.bind_orders('demo.orders', 'customer_id', 'ordered_at', 'amount', 'margin');
SELECT 'check rebind_keeps_zone', count(*) FILTER (WHERE s.value <> 'America/St_Johns')
  FROM kam.current_settings s WHERE s.name = 'time_zone';
SELECT 'check time_zone_function', (kam.time_zone() <> 'America/St_Johns')::int;
-- not a zone: 22023, and the setting unchanged
CREATE FUNCTION pg_temp.set_state(v text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kam.set('time_zone', v);
	RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
SELECT 'check rejects_' || v, (pg_temp.set_state(v) <> '22023')::int
  FROM unnest(ARRAY['Mars/Olympus', 'PST', '', 'Europe/Berlin;x']) v;
SELECT 'check rejected_leave_setting', count(*) FILTER (WHERE s.value <> 'America/St_Johns')
  FROM kam.current_settings s WHERE s.name = 'time_zone';
SELECT 'check accepts_' || v, (pg_temp.set_state(v) <> 'accepted')::int
  FROM unnest(ARRAY['UTC', 'Europe/Berlin', 'EST5EDT', 'Asia/Kolkata']) v;
-- the unset as_of: today in the zone (UTC+14 and UTC-12 are never on the same date)
SELECT kam.reset('as_of');
SELECT kam.set('time_zone', 'Pacific/Kiritimati');
CREATE TEMP TABLE d AS SELECT kam.as_of() AS east, (now() AT TIME ZONE 'Pacific/Kiritimati')::date AS want_east;
SELECT kam.set('time_zone', 'Etc/GMT+12');
ALTER TABLE d ADD west date, ADD want_west date;
UPDATE d SET west = kam.as_of(), want_west = (now() AT TIME ZONE 'Etc/GMT+12')::date;
SELECT 'check as_of_in_zone', (east <> want_east OR west <> want_west OR east = west)::int FROM d;
SELECT kam.set('as_of', '2025-12-31');
SQL
)
while read -r word name bad; do
	[ "$word" = check ] || continue
	if [ "$bad" = 0 ]; then ok "$name"; else failed "$name ($bad)"; fi
done <<<"$checks"
[ "$(grep -c '^check ' <<<"$checks")" -ge 13 ] || failed "too few setting checks"

# 2.-4.: the report views and the main functions
kam_psql -d "$db" -c "SELECT kam.set('validation_calibration_end', '2025-06-30')" >/dev/null
queries=(
	"fit_models|SELECT m.name, m.model_type, m.parameters, m.period, m.as_of, m.rows, m.log_likelihood FROM kam.fit_models() m"
	"calibration_holdout|SELECT * FROM kam.calibration_holdout('2025-06-30', '2025-12-31')"
	"as_of|SELECT kam.as_of()"
)
mapfile -t views < <(kam_psql -d "$db" -At -c "SELECT r.name FROM kam.report_views r WHERE pg_catalog.to_regclass('kam.' || r.name) IS NOT NULL ORDER BY r.position")
((${#views[@]} >= 20)) || { echo "only ${#views[@]} report views" >&2; exit 1; }
for v in "${views[@]}"; do
	queries+=("$v|SELECT * FROM kam.$v")
done
# run TAG SESSION_TZ LABEL QUERY: the sorted rows in $W/TAG/LABEL, printed in UTC
run() {
	local out=$W/$1/$3
	mkdir -p "$W/$1"
	kam_psql -d "$db" -At >"$out.raw" <<SQL
SET client_min_messages = warning;
SET TimeZone = '$2';
CREATE TEMP TABLE r AS $4;
SET TimeZone = 'UTC';
SELECT r::text FROM r;
SQL
	LC_ALL=C sort "$out.raw" >"$out"
}
run_all() { # run_all TAG SESSION_TZ
	local entry
	for entry in "${queries[@]}"; do
		run "$1" "$2" "${entry%%|*}" "${entry#*|}"
	done
}
same() { # same TAG_A TAG_B WHAT: every query's rows equal
	local entry label n=0
	for entry in "${queries[@]}"; do
		label=${entry%%|*}
		if [ ! -s "$W/$1/$label" ]; then
			failed "$label: no rows ($1), a comparison that can't fail"
		elif cmp -s "$W/$1/$label" "$W/$2/$label"; then
			n=$((n + 1))
		else
			failed "$label $3: $(comm -23 "$W/$1/$label" "$W/$2/$label" | wc -l) of $(wc -l <"$W/$1/$label") rows differ"
			{ diff "$W/$1/$label" "$W/$2/$label" || true; } | grep -m 2 '^[<>]' | cut -c1-300
		fi
	done
	ok "$n of ${#queries[@]} queries $3"
}
kam_psql -d "$db" -c "SELECT kam.set('time_zone', 'Pacific/Auckland')" >/dev/null
for tz in UTC Pacific/Auckland America/St_Johns; do
	run_all "set.${tz//\//_}" "$tz"
done
same set.UTC set.Pacific_Auckland "equal in UTC and Pacific/Auckland sessions (time_zone Pacific/Auckland)"
same set.UTC set.America_St_Johns "equal in UTC and America/St_Johns sessions (time_zone Pacific/Auckland)"

# 3. the oracle: time_zone unset, a Pacific/Auckland session
kam_psql -d "$db" -c "SELECT kam.reset('time_zone')" >/dev/null
run_all oracle Pacific/Auckland
same set.UTC oracle "equal to the session-zone behaviour in Pacific/Auckland (time_zone unset)"
# the C aggregates over timestamptz, floored in the session zone
kam_psql -d "$db" -c "SELECT kam.set('time_zone', 'Pacific/Auckland')" >/dev/null
checks=$(kam_psql -d "$db" -At -F ' ' <<'SQL'
SET TimeZone = 'Pacific/Auckland';
SELECT kam.set('rfm_period', 'week');
CREATE TEMP TABLE ref_summary AS
SELECT o.customer_id, min(o.ordered_at) AS first_at, max(o.ordered_at) AS last_at,
	   kam.rfm(o.ordered_at, o.amount, kam.as_of()::timestamptz, 'week') AS r
  FROM demo.orders o
 WHERE o.ordered_at < kam.next_period_start(kam.as_of(), 'week')::timestamptz
 GROUP BY 1;
SELECT 'check customer_summary_vs_timestamptz_rfm', count(*) FROM (
	(SELECT s.customer_id, s.first_order_at, s.last_order_at, s.orders, s.revenue, s.frequency, s.recency,
			s.t, s.monetary, s.days_since_last_order
	   FROM kam.customer_summary s WHERE s.orders > 0
	 EXCEPT ALL
	 SELECT x.customer_id, x.first_at, x.last_at, (x.r).orders, (x.r).revenue, (x.r).frequency, (x.r).recency,
			(x.r).t, (x.r).monetary, kam.as_of() - x.last_at::date
	   FROM ref_summary x)
	UNION ALL
	(SELECT x.customer_id, x.first_at, x.last_at, (x.r).orders, (x.r).revenue, (x.r).frequency, (x.r).recency,
			(x.r).t, (x.r).monetary, kam.as_of() - x.last_at::date
	   FROM ref_summary x
	 EXCEPT ALL
	 SELECT s.customer_id, s.first_order_at, s.last_order_at, s.orders, s.revenue, s.frequency, s.recency,
			s.t, s.monetary, s.days_since_last_order
	   FROM kam.customer_summary s WHERE s.orders > 0)) d;
SELECT kam.set('rfm_period', 'day');
CREATE TEMP TABLE ref_activity AS
SELECT o.customer_id, kam.activity(o.ordered_at, o.amount, kam.setting('period'), kam.as_of())::text AS a
  FROM demo.orders o WHERE o.ordered_at < (kam.as_of() + 1)::timestamptz GROUP BY 1;
SELECT 'check customer_activity_vs_timestamptz_activity', count(*) FROM (
	(SELECT a.customer_id, a.activity::text FROM kam.customer_activity a EXCEPT ALL SELECT * FROM ref_activity)
	UNION ALL
	(SELECT * FROM ref_activity EXCEPT ALL SELECT a.customer_id, a.activity::text FROM kam.customer_activity a)) d;
SELECT 'check reference_rows', (count(*) < 19000)::int FROM ref_activity;
SQL
)
while read -r word name bad; do
	[ "$word" = check ] || continue
	if [ "$bad" = 0 ]; then ok "$name"; else failed "$name ($bad)"; fi
done <<<"$checks"
[ "$(grep -c '^check ' <<<"$checks")" -eq 3 ] || failed "the timestamptz oracle checks did not all run"

# 4. the setting is what the views read
kam_psql -d "$db" -c "SELECT kam.set('time_zone', 'UTC')" >/dev/null
run utc Pacific/Auckland customer_summary "SELECT * FROM kam.customer_summary"
if cmp -s "$W/utc/customer_summary" "$W/set.UTC/customer_summary"; then
	failed "customer_summary is the same with time_zone UTC as with Pacific/Auckland"
else
	ok "customer_summary with time_zone UTC differs from Pacific/Auckland in $(comm -23 "$W/utc/customer_summary" "$W/set.UTC/customer_summary" | wc -l) rows"
fi
exit $fail
