#!/usr/bin/env bash
# The HTML report (test/demo/report.sh) on a copy of the demo database: every
# chart is produced and is a real image (PNG signature and CRCs, at least
# 600x400, the image data inflates to the size its header promises, more than
# a handful of colours, not one colour), the page embeds exactly those images
# and loads nothing from elsewhere, and -- where Debian's chromium is
# installed -- a headless screenshot of the page is not blank.  The
# validation table (calibration to 2024-12-31) shows kam.model_validation_conditional
# row for row.  Without
# chromium only the screenshot part is skipped (said in the log); the test
# does not install it.  The generator installs gnuplot itself when missing.
# KAM_CHROMIUM=path chooses the browser (empty: no screenshot).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
db=kam_report_$$
work=$(mktemp -d "${KAM_TMP:-/tmp}/report.XXXXXX")
cleanup() {
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	[ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# a copy: the generator stores the fitted models in kam.models
kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${KAM_DEMO_DB:-kam_demo}"
# the validation section needs a calibration end (the demo history is 2023-2025)
kam_psql -d "$db" -c "SELECT kam.set('validation_calibration_end', '2024-12-31')" >/dev/null

# the PNG checks need a python3 (its standard library only)
py=$(command -v /usr/bin/python3 || command -v python3 || true)
if [ -z "$py" ]; then
	kam_log "kam: installing python3"
	DEBIAN_FRONTEND=noninteractive kam_as_root apt-get install -y -qq --no-install-recommends python3-minimal >/dev/null
	py=/usr/bin/python3
fi

html=$work/report.html
bash "$KAM_ROOT/test/demo/report.sh" -d "$work/charts" "$db" "$html"
charts=(pareto tiers cohorts survival clv risk)
fail=0

# 1. every chart is a real, non-trivial image
files=()
for c in "${charts[@]}"; do files+=("$work/charts/$c.png"); done
"$py" "$here/pngcheck.py" 600 400 16 99 "${files[@]}" || fail=1
for f in "${files[@]}"; do
	size=$(stat -c %s "$f" 2>/dev/null || echo 0)
	if [ "$size" -lt 8000 ]; then echo "FAILED: $f is $size bytes"; fail=1; fi
done

# 2. the page: one embedded image per chart, byte for byte, and nothing fetched from elsewhere
n=$(grep -o 'src="data:image/png;base64,' "$html" | wc -l)
if [ "$n" -ne ${#charts[@]} ]; then echo "FAILED: $n embedded images, expected ${#charts[@]}"; fail=1; fi
grep -o 'src="data:image/png;base64,[^"]*' "$html" | sed 's/^src="data:image\/png;base64,//' >"$work/embedded"
i=0
while IFS= read -r b64; do
	c=${charts[$i]:-extra}
	if ! printf '%s' "$b64" | base64 -d | cmp -s - "$work/charts/$c.png"; then
		echo "FAILED: embedded image $((i + 1)) is not $c.png"; fail=1
	fi
	i=$((i + 1))
done <"$work/embedded"
if grep -E -o '(src|href)="[^"]*"|url\(|@import' "$html" | grep -E -v '^(src|href)="(data:|#)' | grep .; then
	echo "FAILED: the page refers to files or addresses outside itself"; fail=1
fi
for want in '<!DOCTYPE html>' '</html>' 'Pareto curve' 'Revenue by tier' 'Cohort retention' \
	'How long customers stay' 'Lifetime value by tier' 'Value at risk by account manager'; do
	grep -qF "$want" "$html" || { echo "FAILED: the page has no '$want'"; fail=1; }
done
# the worklist: one table row per alert ranked 1-3 in its manager's list
want_rows=$(kam_psql -d "$db" -At -c "SELECT count(*) FROM kam.account_alerts WHERE manager_rank <= 3")
got_rows=$(grep -c '^<tr><td>' "$html" || true)
if ! grep -qF "each manager's top alerts" "$html"; then
	echo "FAILED: the page has no worklist section"; fail=1
elif [ "$want_rows" -eq 0 ] || [ "$got_rows" != "$want_rows" ]; then
	echo "FAILED: the worklist shows $got_rows alerts, kam.account_alerts has $want_rows ranked 1-3"; fail=1
else
	echo "worklist: $got_rows alerts (each manager's top three)"
fi
want_rows=$(kam_psql -d "$db" -At -F '|' -c "SELECT frequency_label, customers, round(actual::numeric, 2), round(predicted::numeric, 2)
	FROM kam.model_validation_conditional ORDER BY frequency")
got_rows=$(sed -n 's|^<tr><th>\([0-9+]*\)</th><td class="n">\([0-9]*\)</td><td class="n">\([0-9.]*\)</td><td class="n">\([0-9.]*\)</td></tr>$|\1\|\2\|\3\|\4|p' "$html")
if ! grep -qF 'Does the model predict?' "$html"; then
	echo "FAILED: the page has no validation section"; fail=1
elif [ -z "$want_rows" ] || [ "$got_rows" != "$want_rows" ]; then
	echo "FAILED: the validation table shows"; echo "$got_rows"; echo "kam.model_validation_conditional has"; echo "$want_rows"; fail=1
else
	echo "validation: $(wc -l <<<"$got_rows") rows of kam.model_validation_conditional"
fi
echo "page: $(stat -c %s "$html") bytes, $n embedded charts"

# 3. what a reader sees: a headless screenshot (only where chromium is installed)
chromium=${KAM_CHROMIUM-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$chromium" ] || [ ! -x "$chromium" ]; then
	echo "skip: screenshot (chromium is not installed; apt-get install chromium to check the rendered page)"
else
	profile=$work/chromium-profile
	mkdir -p "$profile"
	shot=$work/screenshot.png
	timeout 180 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --hide-scrollbars --window-size=1100,2400 \
		--screenshot="$shot" "file://$html" >"$work/chromium.log" 2>&1 || true
	if [ ! -s "$shot" ]; then
		echo "FAILED: chromium wrote no screenshot"; tail -n 20 "$work/chromium.log"; fail=1
	else
		# the page's header, key figures and first charts: many colours, no colour over 90%
		"$py" "$here/pngcheck.py" 1000 2000 200 90 "$shot" || fail=1
	fi
fi

((fail == 0)) && echo "report: all checks passed"
exit $fail
