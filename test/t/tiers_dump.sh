#!/usr/bin/env bash
# The policy tables survive pg_dump / pg_restore exactly: the user's edits,
# inserts and deletions come back, and the shipped defaults are not duplicated.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
src=kam_tiers_dump_src_$$ dst=kam_tiers_dump_dst_$$
dump=$(mktemp /tmp/kam_tiers_dump.XXXXXX)
cleanup() {
	kam_psql -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1 || true
	rm -f "$dump"
}
trap cleanup EXIT
kam_psql -d postgres -c "CREATE DATABASE $src TEMPLATE ${KAM_DEMO_DB:-kam_demo}"
kam_psql -d "$src" <<'SQL'
UPDATE kam.tier_policy SET visits_per_week = 3 WHERE tier = 'Strategic';	-- edited
UPDATE kam.tier_policy SET tier = 'Gold' WHERE tier = 'A';					-- renamed
DELETE FROM kam.tier_policy WHERE tier = 'C';								-- deleted
INSERT INTO kam.tier_policy (tier, rank, min_revenue, visits_per_week) VALUES ('Key', 0, 250000, 4);
DELETE FROM kam.loyalty_ladder WHERE stage = 'loyal';
UPDATE kam.loyalty_ladder SET min_active_quarters = 2 WHERE stage = 'regular';
UPDATE kam.rfm_segment_map SET segment = 'stars' WHERE r_score = 5 AND f_score >= 4;
SQL

snapshot() {
	kam_psql -d "$1" -At <<'SQL'
SELECT 'tier_policy', tier, rank, share_cutoff, min_revenue, visits_per_week, description FROM kam.tier_policy ORDER BY rank, tier;
SELECT 'loyalty_ladder', stage, rank, min_purchase_periods, min_active_quarters, of_last_quarters FROM kam.loyalty_ladder ORDER BY rank, stage;
SELECT 'rfm_segment_map', r_score, f_score, segment FROM kam.rfm_segment_map ORDER BY 2, 3;
SELECT 'tiers', tier, count(*) FROM kam.customer_tier GROUP BY tier ORDER BY tier;
SELECT 'stages', stage, count(*) FROM kam.customer_tier GROUP BY stage ORDER BY stage;
SQL
}
before=$(snapshot "$src")

"$PG_BIN/pg_dump" -Fc -f "$dump" "$src"
kam_psql -d postgres -c "CREATE DATABASE $dst"
"$PG_BIN/pg_restore" --exit-on-error -d "$dst" "$dump"
after=$(snapshot "$dst")

if [ "$before" != "$after" ]; then
	echo "policy tables differ after restore:"
	diff <(echo "$before") <(echo "$after") || true
	exit 1
fi
# the edits are really there (not a comparison of two default states)
grep -q '^tier_policy|Key|0|' <<<"$after"
grep -q '^tier_policy|Gold|2|' <<<"$after"
if grep -q -e '^tier_policy|C|' -e '^loyalty_ladder|loyal|' <<<"$after"; then
	echo "a deleted default came back"
	exit 1
fi
grep -q '^rfm_segment_map|5|5|stars' <<<"$after"
echo "$after" | grep -c '^tier_policy|' | grep -qx 4
echo "policy tables restored exactly: $(echo "$after" | wc -l) lines"
