# Shared by the distributed tests (test/t/citus.sh, test/t/fdw.sh): kam on a
# cluster gives the same answers as on one node (issue 13).  Source it after
# test/lib.sh, with these set:
#   single=(psql connection options of the single-node demo database)
#   cluster=(psql connection options of the cluster's coordinator)
#   DIST_NAME  the cluster's name in messages (Citus, postgres_fdw)
#   W          a work directory
#   DIST_SETUP optional SQL each comparison runs first on the cluster side
#
# dist_compare: every query of dist_queries on both sides, with
# extra_float_digits = 0, once in TimeZone UTC (the nodes' own) and once in
# Pacific/Auckland; the result is stored on the side that computed it and
# printed with extra_float_digits = 1 (shortest exact), sorted, and compared
# byte for byte.  Sets bad[] to the "TZ:label" of every difference.
#
# dist_where PATTERN: EXPLAIN VERBOSE of a list of kam's aggregates on the
# cluster; an aggregate "runs on the nodes" when a plan line matching
# "PATTERN...agg(" shows it in the SQL sent to them.  Sets pulled[].
#
# dist_known FILE: every difference and pulled aggregate must be listed in
# FILE (one "UTC:label", "tz:label" (a difference in the session time zone
# other than the nodes'), "tz:*" (every such difference) or "pulls:aggregate"
# per line);
# exits 1 on an unlisted one and reports listed ones that now pass.

# label|query: the main functions; then every report view of the single node.
dist_queries() {
	queries=(
		"fit_models|SELECT m.name, m.model_type, m.parameters, m.period, m.as_of, m.rows, m.log_likelihood FROM kam.fit_models() m"
		"rfm_per_customer|SELECT o.customer_id, kam.rfm(o.ordered_at, o.amount, '2025-12-31'::timestamptz, 'week') FROM kam.orders o GROUP BY o.customer_id"
		"rfm_as_of|SELECT o.customer_id, kam.rfm(o.ordered_at, o.amount, kam.as_of()::timestamptz, 'month') FROM kam.orders o GROUP BY o.customer_id"
		"rfm_local_per_customer|SELECT s.customer_id, (s.r).orders, (s.r).revenue, (s.r).frequency, (s.r).recency, (s.r).t, (s.r).monetary FROM (SELECT o.customer_id, kam.rfm(o.ordered_at AT TIME ZONE (SELECT kam.time_zone()), o.amount, '2025-12-31'::timestamp, 'week') AS r FROM kam.orders o GROUP BY o.customer_id) s"
		"rfm_state_by_manager|SELECT c.account_manager, kam.rfm_state(o.ordered_at, o.amount, 'month') FROM kam.orders o JOIN kam.customers c ON c.customer_id = o.customer_id GROUP BY c.account_manager"
		"activity_by_manager|SELECT c.account_manager, kam.activity(o.ordered_at, o.amount, 'month', '2026-01-31'::date) FROM kam.orders o JOIN kam.customers c ON c.customer_id = o.customer_id GROUP BY c.account_manager"
		"summary_by_manager|SELECT s.account_manager, count(*), sum(s.revenue::numeric), kam.gini(s.revenue), kam.top_share(s.revenue, 0.2::float8), kam.pareto_fraction(s.revenue, 0.8::float8) FROM kam.customer_summary s GROUP BY s.account_manager"
		"gini_orders|SELECT kam.gini(o.amount), kam.top_share(o.amount, 0.1::float8) FROM kam.orders o"
		"bgnbd_fit|SELECT kam.bgnbd_fit(s.frequency, s.recency, s.t) FROM kam.customer_summary s WHERE s.orders > 0"
		"paretonbd_fit|SELECT kam.paretonbd_fit(s.frequency, s.recency, s.t) FROM kam.customer_summary s WHERE s.orders > 0"
		"mbgnbd_fit|SELECT kam.mbgnbd_fit(s.frequency, s.recency, s.t) FROM kam.customer_summary s WHERE s.orders > 0"
		"gammagamma_fit|SELECT kam.gammagamma_fit(s.frequency, s.monetary) FROM kam.customer_summary s WHERE s.frequency > 0 AND s.monetary > 0"
		"bgbb_fit|SELECT kam.bgbb_fit(least(s.frequency, 12), least(s.recency::int, 12), 12) FROM kam.customer_summary s WHERE s.orders > 0"
		"sbg_fit|SELECT kam.sbg_fit(least(s.frequency, 24) + 1, s.frequency < 24) FROM kam.customer_summary s WHERE s.orders > 0"
		"km_fit|SELECT kam.km_fit(s.days_since_last_order::float8, s.days_since_last_order > 90) FROM kam.customer_summary s WHERE s.orders > 0"
	)
	local views v
	mapfile -t views < <(kam_psql "${single[@]}" -At -c "SELECT r.name FROM kam.report_views r WHERE pg_catalog.to_regclass('kam.' || r.name) IS NOT NULL ORDER BY r.position")
	((${#views[@]} >= 20)) || { echo "only ${#views[@]} report views on the single node" >&2; exit 1; }
	for v in "${views[@]}"; do
		queries+=("$v|SELECT * FROM kam.$v")
	done
}

# dist_run SIDE TZ LABEL QUERY: the sorted rows of QUERY in $W/out/TZ/SIDE/LABEL (or .err)
dist_run() {
	local side=$1 tz=$2 label=$3 q=$4 conn out setup=
	if [ "$side" = single ]; then conn=("${single[@]}"); else conn=("${cluster[@]}") setup=${DIST_SETUP:-}; fi
	out=$W/out/${tz//\//_}/$side/$label
	mkdir -p "$(dirname "$out")"
	if kam_psql "${conn[@]}" -At >"$out.raw" 2>"$out.err" <<SQL; then
SET client_min_messages = warning;
SET TimeZone = '$tz';
SET extra_float_digits = 0;
$setup
CREATE TEMP TABLE r AS $q;
SET extra_float_digits = 1;
SELECT r::text FROM r;
SQL
		LC_ALL=C sort "$out.raw" >"$out"
		rm -f "$out.err"
	fi
}

# An error instead of the single node's rows is right where a node can't know
# the answer (kam.as_of() pushed down to a Citus worker); a different answer
# never is.  dist_compare reads may_refuse[label] (an ERE of the error).
declare -A may_refuse=()
dist_compare() {
	local tz entry label q s c
	bad=()
	dist_queries
	for tz in UTC Pacific/Auckland; do
		echo "-- TimeZone $tz, extra_float_digits 0"
		for entry in "${queries[@]}"; do
			label=${entry%%|*}
			q=${entry#*|}
			dist_run single "$tz" "$label" "$q"
			dist_run cluster "$tz" "$label" "$q"
			s=$W/out/${tz//\//_}/single/$label c=$W/out/${tz//\//_}/cluster/$label
			if [ -f "$s.err" ]; then
				echo "ERROR   $label on the single node: $(head -n 1 "$s.err")"
				bad+=("$tz:$label")
			elif [ ! -s "$s" ]; then
				echo "EMPTY   $label: no rows on the single node (a comparison that can't fail)"
				bad+=("$tz:$label")
			elif [ -f "$c.err" ] && [ -n "${may_refuse[$label]:-}" ] && grep -Eq "${may_refuse[$label]}" "$c.err"; then
				echo "refused $label on $DIST_NAME, as it must: $(grep -m 1 ERROR "$c.err")"
			elif [ -f "$c.err" ]; then
				echo "ERROR   $label on $DIST_NAME: $(grep -m 1 ERROR "$c.err" || head -n 1 "$c.err")"
				bad+=("$tz:$label")
			elif ! cmp -s "$s" "$c"; then
				echo "DIFFER  $label: $(comm -23 "$s" "$c" | wc -l) of $(wc -l <"$s") rows, e.g."
				{ diff "$s" "$c" || true; } | grep -m 1 '^<' | cut -c1-300 || true
				{ diff "$s" "$c" || true; } | grep -m 1 '^>' | cut -c1-300 || true
				bad+=("$tz:$label")
			else
				echo "same    $label ($(wc -l <"$s") rows)"
			fi
		done
	done
}

# Where the aggregates run: an aggregate of kam's must reach the nodes, in
# the SQL sent to them (computed there per customer, or as a partial state),
# never be computed on the coordinator over raw rows.
dist_where() {
	local pattern=$1 entry agg q on_nodes line
	local plans=(
		"kam.rfm|SELECT o.customer_id, kam.rfm(o.ordered_at, o.amount, '2025-12-31'::timestamptz, 'week') FROM kam.orders o GROUP BY o.customer_id"
		"kam.rfm_state|SELECT c.account_manager, kam.rfm_state(o.ordered_at, o.amount, 'month') FROM kam.orders o JOIN kam.customers c ON c.customer_id = o.customer_id GROUP BY c.account_manager"
		"kam.km_fit|SELECT kam.km_fit(s.days_since_last_order::float8, s.days_since_last_order > 90) FROM kam.customer_summary s WHERE s.orders > 0"
		"kam.gini|SELECT kam.gini(o.amount) FROM kam.orders o"
		"kam.bgnbd_fit|SELECT kam.bgnbd_fit(s.frequency, s.recency, s.t) FROM kam.customer_summary s WHERE s.orders > 0"
		"kam.retention_periods|SELECT kam.retention_periods(a.activity, 1) FROM kam.customer_activity a"
		"kam.tier_days|SELECT * FROM kam.customer_tier"
		"kam.revenue_12m|SELECT * FROM kam.tier_changes"
		"kam.activity|SELECT * FROM kam.customer_activity"
	)
	echo "-- where kam's aggregates run"
	pulled=()
	plan_count=${#plans[@]}
	for entry in "${plans[@]}"; do
		agg=${entry%%|*}
		q=${entry#*|}
		on_nodes=0
		while IFS= read -r line; do
			[[ $line == *"$pattern"*"$agg("* ]] && on_nodes=1
		done < <(kam_psql "${cluster[@]}" -At -c "${DIST_SETUP:-SELECT}" -c "EXPLAIN (VERBOSE, COSTS OFF) $q")
		if ((on_nodes)); then
			echo "nodes   $agg"
		else
			echo "PULLS   $agg: computed on the coordinator over rows from the nodes"
			pulled+=("$agg")
		fi
	done
}

dist_known() {
	local file=$1 k b found
	local -A known=()
	local new_bad=()
	while read -r k _; do
		[[ -n $k && $k != \#* ]] && known[$k]=1
	done <"$file"
	for b in "${bad[@]}" "${pulled[@]/#/pulls:}"; do
		[ -z "$b" ] && continue
		if [ -n "${known[$b]:-}" ] || { [[ $b != UTC:* && $b != pulls:* ]] &&
			[ -n "${known['tz:*']:-}${known[tz:${b#*:}]:-}" ]; }; then
			echo "known   $b"
		else
			new_bad+=("$b")
		fi
	done
	for k in "${!known[@]}"; do
		[ "$k" = 'tz:*' ] && continue
		found=0
		for b in "${bad[@]}" "${pulled[@]/#/pulls:}"; do
			[[ $b == "$k" || ($k == tz:* && $b != UTC:* && $b != pulls:* && ${b#*:} == "${k#tz:}") ]] && found=1
		done
		((found)) || echo "FIXED   $k: listed in ${file#"$KAM_ROOT"/} but passes now; take it off the list"
	done
	echo "${#bad[@]} of $((2 * ${#queries[@]})) comparisons differ, ${#pulled[@]} of $plan_count aggregates pull raw rows"
	if ((${#new_bad[@]})); then
		echo "not known failures on $DIST_NAME: ${new_bad[*]}"
		exit 1
	fi
	echo "every difference from one node is a known open bug (${file#"$KAM_ROOT"/})"
}
