#!/usr/bin/env bash
# kam.rfm on the CDNOW sample reproduces the published calibration summary
# (cdnow_customers_summary_with_transactions.csv: x exact; t_x, T and zbar
# within the file's rounding of 0.005), with period = day and recency / T
# divided by 7, as the literature does.  Skipped where the data is absent.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
kam_shared_data CDNOW_sample.txt cdnow_customers_summary_with_transactions.csv
db=t_rfm_cdnow
kam_psql -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kam_psql -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
# whitespace-separated with CRLF line ends: sample id, YYYYMMDD date, dollar value
awk '{ sub(/\r$/, ""); print $2 "," $3 "," $5 }' "$data/CDNOW_sample.txt" >"$tmp/sample.csv"
kam_psql -d "$db" -c "CREATE EXTENSION kam" \
	-c "CREATE TABLE sample (id int, day date, value float8)" \
	-c "CREATE TABLE published (id int, x int, t_x float8, t float8, zbar float8)" \
	-c "\\copy sample FROM '$tmp/sample.csv' WITH (FORMAT csv)"
kam_psql -d "$db" -c "\\copy published FROM '$data/cdnow_customers_summary_with_transactions.csv' WITH (FORMAT csv, HEADER)"
kam_psql -d "$db" -At <<'SQL'
DO $$
DECLARE
	-- the file rounds to 2 decimals: a true value can sit exactly on a half
	-- unit (e.g. 30.425 published as 30.43), so allow 0.005 plus float noise
	tol constant float8 := 0.005 + 1e-9;
	n int;
	bad int;
	worst float8;
BEGIN
	SELECT count(*),
		   count(*) FILTER (WHERE (s).frequency <> p.x OR abs((s).recency / 7 - p.t_x) > tol
							 OR abs((s).t / 7 - p.t) > tol OR abs((s).monetary - p.zbar) > tol),
		   max(greatest(abs((s).recency / 7 - p.t_x), abs((s).t / 7 - p.t), abs((s).monetary - p.zbar)))
	  INTO n, bad, worst
	  FROM (SELECT id, kam.rfm(day, value, date '1997-09-30') AS s FROM sample GROUP BY id) k
	  JOIN published p USING (id);
	IF n <> 2357 OR bad <> 0 THEN
		RAISE EXCEPTION 'CDNOW: % of % customers differ from the published summary (worst %)', bad, n, worst;
	END IF;
	IF (SELECT sum(x) FROM published) <> 2457 THEN
		RAISE EXCEPTION 'published file is not the expected one';
	END IF;
	RAISE NOTICE 'CDNOW: all % customers match (largest difference %)', n, worst;
END
$$;
SQL
echo "CDNOW summary reproduced"
