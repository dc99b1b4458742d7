#!/usr/bin/env bash
# The key-account report as one self-contained HTML file with charts.
#
#   bash test/demo/report.sh [-d DIR] DATABASE OUT.html
#
# Reads kam's views in DATABASE (the server is the one in PGHOST / PGPORT /
# PGUSER), writes each chart's data as CSV (psql -At -F,), draws the charts with
# gnuplot (pngcairo) and writes OUT.html with the PNGs embedded as base64, so
# the file can be mailed or opened offline.  With -d DIR the CSV files, the
# gnuplot scripts and the PNGs are kept in DIR (the test reads them there).
# Installs gnuplot-nox with apt when gnuplot is missing.  When no lifetime-value
# model is stored yet it fits the default ones (SELECT kam.fit_models(), which
# writes to kam.models), as the text report does.  doc/report.md has the why.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

keep=
if [ "${1:-}" = -d ]; then keep=$2; shift 2; fi
[ $# -eq 2 ] || { echo "usage: $0 [-d DIR] DATABASE OUT.html" >&2; exit 2; }
db=$1 out=$2

kam_ensure_gnuplot() {
	command -v gnuplot >/dev/null && return 0
	kam_log "kam: installing gnuplot-nox (charts of the HTML report)"
	export DEBIAN_FRONTEND=noninteractive
	[ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ] || kam_as_root apt-get update -qq
	kam_as_root apt-get install -y -qq --no-install-recommends gnuplot-nox fonts-dejavu-core >/dev/null ||
		{ kam_as_root apt-get update -qq &&
			kam_as_root apt-get install -y -qq --no-install-recommends gnuplot-nox fonts-dejavu-core >/dev/null; }
}
kam_ensure_gnuplot

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	dir=$keep
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/kam-report.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
fi

q() { kam_psql -d "$db" -At -F, "$@"; }          # q -c SQL: CSV rows, no header
csv() { q -c "$2" >"$dir/$1.csv"; }              # csv NAME SQL

# The default models, when none is stored (kam.customer_value needs them).
[ "$(q -c "SELECT count(*) FROM kam.models WHERE name IN ('bgnbd', 'gammagamma')")" = 2 ] ||
	q -c "SELECT count(*) FROM kam.fit_models()" >/dev/null

# ---- data: one CSV file per chart ----------------------------------------------
csv pareto "SELECT 100 * customer_fraction, 100 * revenue_fraction FROM kam.pareto_curve ORDER BY point"
# tier, customer %, revenue %, revenue, customers
csv tiers "SELECT tier, 100 * customer_share, 100 * revenue_share, revenue_12m, customers
	FROM kam.tier_summary ORDER BY rank"
# cohort row (0 = oldest), period offset, retention %, cohort label
csv cohorts "SELECT dense_rank() OVER (ORDER BY cohort) - 1, period_offset, 100 * retention, to_char(cohort, 'YYYY-MM')
	FROM kam.cohort_retention WHERE period_offset > 0 ORDER BY cohort, period_offset"
# Kaplan-Meier steps: S(k) holds from period k to the next period; starts at 1
csv survival "SELECT 0, 100, 100, 100
	UNION ALL
	SELECT x, 100 * survival, 100 * conf_low, 100 * conf_high
	  FROM (SELECT *, lead(period_offset, 1, period_offset + 1) OVER (ORDER BY period_offset) AS next
			  FROM kam.customer_survival) s
	 CROSS JOIN LATERAL (VALUES (s.period_offset, 0), (s.next, 1)) v(x, o)
	 ORDER BY 1, 2 DESC"
# tier (accounts without revenue in 12 months have none), CLV, accounts, mean CLV
csv clv "SELECT coalesce(t.tier, 'no tier'), sum(v.clv_12m), count(*), avg(v.clv_12m)
	FROM kam.customer_value v LEFT JOIN kam.customer_tier t USING (customer_id)
	 LEFT JOIN kam.tier_summary s ON s.tier = t.tier
	 WHERE v.clv_12m IS NOT NULL
	 GROUP BY t.tier, s.rank ORDER BY s.rank NULLS LAST"
# account manager, value at risk (CLV of accounts with P(alive) < 0.5), accounts at risk
csv risk "SELECT replace(account_manager, ',', ' '), coalesce(sum(clv_12m) FILTER (WHERE p_alive < 0.5), 0),
		count(*) FILTER (WHERE p_alive < 0.5)
	FROM kam.customer_value WHERE account_manager IS NOT NULL
	 GROUP BY account_manager ORDER BY 2, 1"

# key figures: as_of|customers|tiered|revenue_12m|gini|top20|p80|median|clv|at_risk|accounts_at_risk|revenue_at_risk
IFS='|' read -r as_of customers tiered revenue gini top20 p80 median clv at_risk n_risk rev_risk < <(kam_psql -d "$db" -At -c "
	WITH s AS MATERIALIZED (SELECT * FROM kam.tier_summary)
	SELECT kam.as_of(),
		   (SELECT count(*) FROM kam.customer_summary),
		   (SELECT sum(customers) FROM s),
		   (SELECT round(sum(revenue_12m)) FROM s),
		   (SELECT round(gini::numeric, 3) FROM s LIMIT 1),
		   (SELECT round(100 * top_20_share::numeric, 1) FROM s LIMIT 1),
		   (SELECT round(100 * pareto_80_fraction::numeric, 1) FROM s LIMIT 1),
		   (SELECT coalesce(min(median_lifetime)::text, 'not reached') FROM kam.customer_survival),
		   round(sum(clv_12m)), round(coalesce(sum(clv_12m) FILTER (WHERE p_alive < 0.5), 0)),
		   count(*) FILTER (WHERE p_alive < 0.5),
		   round(coalesce(sum(historical_revenue) FILTER (WHERE p_alive < 0.5), 0))
	  FROM kam.customer_value")
period=$(q -c "SELECT kam.setting('period')")
churn_after=$(q -c "SELECT kam.setting('churn_after') || ' ' || kam.setting('period') || CASE WHEN kam.setting('churn_after') = '1' THEN '' ELSE 's' END")

# ---- charts ----------------------------------------------------------------------
# Every chart: white background, light horizontal grid, no frame on top and right.
style='set terminal pngcairo size 960,520 enhanced font "DejaVu Sans,11" background rgb "white"
set datafile separator ","
set border 3 lc rgb "#666666"
set tics nomirror textcolor rgb "#333333"
set grid ytics lc rgb "#e0e0e0" lt 1 dt 1
set key noautotitle
set style fill solid 1.0 noborder
set decimalsign "."
tier_color(t) = t eq "Strategic" ? 0x1f4e79 : t eq "A" ? 0x2e75b6 : t eq "B" ? 0x7fb3e0 : t eq "C" ? 0xbdd7ee : 0xbfbfbf'

plot_chart() { # plot_chart NAME GNUPLOT-COMMANDS: $dir/NAME.png (none when NAME.csv is empty)
	[ -s "$dir/$1.csv" ] || { kam_log "kam: no data for the $1 chart"; return 0; }
	printf '%s\nset output "%s"\n%s\n' "$style" "$dir/$1.png" "$2" >"$dir/$1.gp"
	(cd "$dir" && gnuplot "$1.gp")
}

plot_chart pareto "
set xrange [0:100]; set yrange [0:100]
set xtics 10; set ytics 10; set format x '%g%%'; set format y '%g%%'
set grid xtics
set xlabel 'customers, largest first (trailing 12 months)'
set ylabel 'share of revenue'
set arrow from $p80,0 to $p80,80 nohead dt 2 lc rgb '#c0392b' lw 1.5 front
set arrow from 0,80 to $p80,80 nohead dt 2 lc rgb '#c0392b' lw 1.5 front
set object circle at $p80,80 size 1 fc rgb '#c0392b' fs solid front
set label '$p80% of customers bring 80% of revenue' at $p80 + 2, 74 front tc rgb '#c0392b' font ',12'
set object circle at 20,$top20 size 0.8 fc rgb '#1f4e79' fs solid front
set label '(the top 20% bring $top20%)' at $p80 + 2, 67 front tc rgb '#1f4e79'
set key bottom right
plot 'pareto.csv' using 1:2 with filledcurves y1=0 lc rgb '#dbe8f5', \
	 '' using 1:2 with lines lw 2.5 lc rgb '#1f4e79', \
	 x with lines dt 3 lc rgb '#999999' title 'equal shares'
"

plot_chart tiers "
set style data histograms
set style histogram clustered gap 1.5
set boxwidth 0.9
set yrange [0:*]; set offsets 0, 0, 8, 0
set format y '%g%%'
set ylabel 'share'
set key top right
plot 'tiers.csv' using 2:xtic(1) title 'of customers' lc rgb '#bfbfbf', \
	 '' using 3 title 'of revenue (trailing 12 months)' lc rgb '#1f4e79', \
	 '' using (\$0 - 0.15):2:(sprintf('%d', \$5)) with labels offset 0,0.8 tc rgb '#555555' notitle, \
	 '' using (\$0 + 0.15):3:(gprintf('%.1s%c', \$4)) with labels offset 0,0.8 tc rgb '#1f4e79' notitle
"

# cohort labels on every third row
ytics=$(awk -F, 'NR == 1 || $1 != last { if ($1 % 3 == 0) printf "%s\"%s\" %d", (n++ ? ", " : ""), $4, $1; last = $1 }' "$dir/cohorts.csv")
plot_chart cohorts "
set terminal pngcairo size 960,680
set grid noytics
set border 0
set xrange [0.5:*]; set yrange [*:*] reverse
set autoscale xfix; set autoscale yfix
set offsets 0.5, 0.5, 0.5, 0.5
set ytics ($ytics) scale 0
set xtics 3 scale 0
set xlabel '${period}s since the first order'
set ylabel 'cohort (month of first order)'
set rmargin 12
set cblabel 'ordering in that $period, % of the cohort' offset 2,0
set cbrange [0:*]; set format cb '%g%%'
set palette defined (0 '#f7fbff', 0.25 '#c6dbef', 0.5 '#6baed6', 0.75 '#2171b5', 1 '#08306b')
plot 'cohorts.csv' using 2:1:(0.5):(0.5):3 with boxxyerror fc palette
"

plot_chart survival "
set xrange [0:*]; set autoscale xfix; set yrange [0:100]
set ytics 10; set format y '%g%%'
set xlabel '${period}s since the first order'
set ylabel 'customers still buying'
set key top right
$( [ "$median" != "not reached" ] && echo "set arrow from 0,50 to $median,50 nohead dt 2 lc rgb '#c0392b'
set arrow from $median,0 to $median,50 nohead dt 2 lc rgb '#c0392b'
set label 'median lifetime: $median ${period}s' at $median + 0.8, 54 tc rgb '#c0392b' font ',12'")
plot 'survival.csv' using 1:3:4 with filledcurves lc rgb '#dbe8f5' title '95% confidence band', \
	 '' using 1:2 with lines lw 2.5 lc rgb '#1f4e79' title 'Kaplan-Meier estimate'
"

plot_chart clv "
set boxwidth 0.6
set yrange [0:*]; set offsets 0, 0, graph 0.12, 0
set format y '%gM'
set ylabel 'CLV, margin over the next 12 months'
plot 'clv.csv' using 0:(\$2 / 1e6):(tier_color(strcol(1))):xtic(1) with boxes lc rgb variable, \
	 '' using 0:(\$2 / 1e6):(sprintf(\"%s accounts\\nmean %s\", gprintf('%.0f', \$3), gprintf('%.0f', \$4))) with labels offset 0,1.6 tc rgb '#333333'
"

plot_chart risk "
set terminal pngcairo size 960,640
set grid xtics noytics
set xrange [0:*]; set offsets 0, graph 0.12, 0.6, 0.6
set yrange [*:*]
set format x '%.0s%c'
set ytics scale 0
set xlabel 'value at risk: CLV of the accounts with P(alive) < 0.5'
plot 'risk.csv' using (0):0:(0):2:(\$0 - 0.35):(\$0 + 0.35):ytic(1) with boxxyerror lc rgb '#c0392b', \
	 '' using 2:0:(sprintf('  %s (%d accounts)', gprintf('%.0f', \$2), \$3)) with labels left tc rgb '#333333'
"

# ---- the page --------------------------------------------------------------------
html_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }
# Each manager's three most urgent alerts (kam.account_alerts, ordered by priority) as table rows;
# empty when account health is not installed or no alert is due.
alerts_rows() {
	kam_psql -d "$db" -At -F $'\t' -c "
		SELECT coalesce(a.account_manager, '(none)'), a.manager_rank, coalesce(a.name, a.customer_id::text),
			   coalesce(a.tier, '-'), a.reason, to_char(round(a.value_at_stake::numeric), 'FM999,999,999,990'), a.detail
		  FROM kam.account_alerts a
		 WHERE a.manager_rank <= 3
		 ORDER BY a.account_manager NULLS LAST, a.manager_rank" 2>/dev/null |
	html_escape | awk -F '\t' '{ printf "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"n\">%s</td><td>%s</td></tr>\n", $1, $2, $3, $4, $5, $6, $7 }'
}
alerts=$(alerts_rows)
portfolio=$(kam_psql -d "$db" -At -F $'\t' -c "
	SELECT round(p.value_at_risk::numeric)::text, p.accounts_at_risk, p.open_alerts, round(p.avg_health::numeric, 1)::text
	  FROM kam.manager_portfolio p WHERE p.scope = 'company'" 2>/dev/null || true)
# Does the model predict?  kam.model_validation_errors (one line) and the conditional expectations
# as table rows; both empty when the validation_calibration_end setting is not set.
validation=$(kam_psql -d "$db" -At -F $'\t' -c "
	SELECT calibration_end, holdout_end, customers, actual_total, round(predicted_total::numeric),
		   round(aggregate_error_pct::numeric, 1), round(mae::numeric, 2), round(rmse::numeric, 2), round(bias::numeric, 3)
	  FROM kam.model_validation_errors" 2>/dev/null || true)
validation_rows() {
	kam_psql -d "$db" -At -F $'\t' -c "
		SELECT frequency_label, customers, round(actual::numeric, 2), round(predicted::numeric, 2)
		  FROM kam.model_validation_conditional ORDER BY frequency" 2>/dev/null |
	awk -F '\t' '{ printf "<tr><th>%s</th><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n", $1, $2, $3, $4 }'
}
img() { # img NAME ALT
	[ -s "$dir/$1.png" ] || { printf '<p><em>No data for this chart (is its input bound?).</em></p>'; return 0; }
	printf '<img alt="%s" src="data:image/png;base64,' "$2"
	base64 -w 0 "$dir/$1.png"
	printf '">'
}
fmt() { printf '%s' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|[,.]\)/\1,\2\3/' -e 'ta'; }  # 1234567 -> 1,234,567

{
cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kam key-account report, as of $as_of</title>
<style>
body { font-family: "DejaVu Sans", system-ui, sans-serif; color: #222; background: #f4f6f8; margin: 0; }
header { background: #1f4e79; color: #fff; padding: 24px 40px; }
header h1 { margin: 0 0 4px; font-size: 26px; font-weight: 600; }
header p { margin: 0; opacity: .85; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 40px; }
.figures { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-bottom: 24px; }
.figure { background: #fff; border-radius: 6px; padding: 14px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.figure b { display: block; font-size: 22px; color: #1f4e79; }
.figure span { font-size: 13px; color: #666; }
section { background: #fff; border-radius: 6px; padding: 18px 20px; margin-bottom: 20px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
section h2 { margin: 0 0 6px; font-size: 19px; font-weight: 600; }
section p { margin: 0 0 10px; color: #555; font-size: 14px; line-height: 1.45; }
section img { width: 100%; height: auto; display: block; }
code { font-size: 13px; background: #eef2f6; padding: 1px 4px; border-radius: 3px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #e3e7eb; vertical-align: top; }
td.n { text-align: right; white-space: nowrap; }
footer { color: #888; font-size: 12px; text-align: center; padding-bottom: 30px; }
</style>
</head>
<body>
<header>
<h1>Key-account report</h1>
<p>As of $as_of &middot; database $(printf '%s' "$db" | html_escape) &middot; made by kam from its views</p>
</header>
<main>
<div class="figures">
<div class="figure"><b>$(fmt "$customers")</b><span>customers</span></div>
<div class="figure"><b>$(fmt "$tiered")</b><span>accounts with revenue in the last 12 months</span></div>
<div class="figure"><b>$(fmt "$revenue")</b><span>revenue, trailing 12 months</span></div>
<div class="figure"><b>$gini</b><span>Gini coefficient of that revenue</span></div>
<div class="figure"><b>$p80%</b><span>of the accounts bring 80% of the revenue</span></div>
<div class="figure"><b>$median</b><span>median customer lifetime, ${period}s</span></div>
<div class="figure"><b>$(fmt "$clv")</b><span>CLV of all customers, next 12 months</span></div>
<div class="figure"><b>$(fmt "$at_risk")</b><span>value at risk: CLV of $(fmt "$n_risk") accounts with P(alive) &lt; 0.5</span></div>
</div>
<section>
<h2>Is it 80/20? The Pareto curve</h2>
<p>Share of trailing-12-month revenue brought by the largest customers (<code>kam.pareto_curve</code>).
The marked point is where the curve reaches 80% of revenue: $p80% of the active accounts
(<code>kam.tier_summary.pareto_80_fraction</code>); the top 20% bring $top20%.</p>
$(img pareto "Pareto curve of trailing-12-month revenue")
</section>
<section>
<h2>Revenue by tier</h2>
<p>Each tier's share of the active accounts and of trailing-12-month revenue, with the number of
accounts and the revenue above the bars (<code>kam.tier_summary</code>, tiers from the policy in
<code>kam.tier_policy</code>).</p>
$(img tiers "Share of customers and of revenue by tier")
</section>
<section>
<h2>Cohort retention</h2>
<p>Each row is the customers whose first order fell in that month; each cell the share of them that
ordered again k ${period}s later (<code>kam.cohort_retention.retention</code>; k = 0 is 100% by definition
and is left out).</p>
$(img cohorts "Cohort retention heatmap")
</section>
<section>
<h2>How long customers stay</h2>
<p>Kaplan&ndash;Meier estimate of the share of customers still buying k ${period}s after their first order,
with its 95% confidence band (<code>kam.customer_survival</code>; a customer counts as lost
after $churn_after without an order, the <code>churn_after</code> setting).</p>
$(img survival "Kaplan-Meier survival curve of customer lifetimes")
</section>
<section>
<h2>Lifetime value by tier</h2>
<p>Expected margin over the next 12 months (BG/NBD and Gamma-Gamma models stored in <code>kam.models</code>,
<code>kam.customer_value.clv_12m</code>) summed over each tier's accounts (<code>kam.customer_tier</code>);
"no tier" is the customers without revenue in the last 12 months.</p>
$(img clv "Customer lifetime value by tier")
</section>
<section>
<h2>Value at risk by account manager</h2>
<p>CLV of the accounts that have probably left (P(alive) &lt; 0.5 in <code>kam.customer_value</code>), by
account manager. Little future value remains in them by construction; what they brought to date
is $(fmt "$rev_risk") of revenue: the business to win back.</p>
$(img risk "Value at risk by account manager")
</section>
<section>
<h2>Does the model predict? Calibration and holdout</h2>
$(if [ -n "$validation" ]; then
	IFS=$'\t' read -r vcal vhold vcust vact vpred vpct vmae vrmse vbias <<<"$validation"
	printf '<p>BG/NBD fitted on the orders up to %s only, then asked to forecast the holdout after it, up to %s\n' "$vcal" "$vhold"
	printf '(<code>kam.model_validation_errors</code>): %s customers made %s purchases in the holdout, the model predicted %s\n' \
		"$(fmt "$vcust")" "$(fmt "$vact")" "$(fmt "$vpred")"
	printf '(error %s%%; per customer MAE %s, RMSE %s, bias %s). Below, the mean holdout purchases of the customers\n' \
		"$vpct" "$vmae" "$vrmse" "$vbias"
	printf 'with each number of repeat purchases in the calibration period (<code>kam.model_validation_conditional</code>;\n'
	printf 'Fader, Hardie &amp; Lee 2005, figure 4).</p>\n'
	printf '<table><tr><th>calibration purchases</th><th>customers</th><th>actual</th><th>predicted</th></tr>\n%s\n</table>\n' "$(validation_rows)"
else
	printf '<p><em>Not configured: set the calibration end with <code>SELECT kam.set('"'"'validation_calibration_end'"'"', '"'"'YYYY-MM-DD'"'"')</code>.</em></p>\n'
fi)
</section>
<section>
<h2>This week's worklist: each manager's top alerts</h2>
$(if [ -n "$alerts" ]; then
	IFS=$'\t' read -r var nvar nalerts avgh <<<"$portfolio"
	printf '<p>The three most urgent of each account manager'"'"'s alerts (<code>kam.account_alerts</code>, ordered by priority:\n'
	printf 'value at stake times the reason'"'"'s weight). Company-wide (<code>kam.manager_portfolio</code>): %s open alerts,\n' "$(fmt "$nalerts")"
	printf 'average health %s of 100, value at risk %s in %s accounts.</p>\n' "$avgh" "$(fmt "$var")" "$(fmt "$nvar")"
	printf '<table><tr><th>manager</th><th>#</th><th>account</th><th>tier</th><th>reason</th><th>value at stake</th><th>why</th></tr>\n%s\n</table>\n' "$alerts"
else
	printf '<p><em>No alerts: account health (<code>kam.account_alerts</code>) has nothing due, or is not installed.</em></p>\n'
fi)
</section>
</main>
<footer>kam &middot; generated $(date -u '+%Y-%m-%d %H:%M UTC') by test/demo/report.sh</footer>
</body>
</html>
EOF
} >"$out.tmp"
mv "$out.tmp" "$out"
