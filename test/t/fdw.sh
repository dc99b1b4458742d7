#!/usr/bin/env bash
# kam over postgres_fdw shards gives the same answers as on one node, and
# where kam's aggregates run (issue 13).
#
# Three shard databases and a coordinator database in the throwaway cluster
# (postgres_fdw connects to the shards over the cluster's unix socket, as it
# would to other servers).  Each shard holds the demo tables of the customers
# whose hash falls in it, with kam installed (so postgres_fdw may ship kam's
# immutable functions and aggregates: the servers have `extensions 'kam'`).
# The coordinator has each demo table as a table partitioned by hash of
# customer_id over three foreign partitions, and the database has
# enable_partitionwise_join / enable_partitionwise_aggregate on, as a user of
# shards would set.  The demo data goes in through the coordinator (rows are
# routed to their shard) and kam is bound there as test/demo/bind*.sql do.
# Then test/distributed.sh compares every report view and the main functions
# with the single-node demo database, row for row and exactly, under
# extra_float_digits = 0 in UTC and in Pacific/Auckland, and checks in EXPLAIN
# VERBOSE whether each of a list of kam's aggregates is in a shard's Remote
# SQL.  Known failures (the open bugs of issue 13) are in test/t/fdw_known.txt;
# any other difference fails the test.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

nshards=3
coord_db=t_fdw_coord_$$
single_db=t_fdw_single_$$
shard_db() { echo "t_fdw_shard$1_$$"; }
tables=(customers orders visits feedback complaints)
W=$(mktemp -d "${KAM_TMP:-/tmp}/fdw.XXXXXX")
cleanup() {
	local i
	for db in $coord_db $single_db $(for ((i = 0; i < nshards; i++)); do shard_db $i; done); do
		kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	done
	[ -n "${KAM_KEEP_TMP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

# The shards: the demo tables (with their keys and customer indexes) and kam.
for ((i = 0; i < nshards; i++)); do
	s=$(shard_db $i)
	kam_psql -d postgres -c "CREATE DATABASE $s" >/dev/null
	kam_psql -d "$s" -f "$KAM_ROOT/test/demo/schema.sql" >/dev/null
	kam_psql -d "$s" >/dev/null <<'SQL'
CREATE INDEX ON demo.orders (customer_id);
CREATE INDEX ON demo.visits (customer_id);
CREATE INDEX ON demo.feedback (customer_id);
CREATE INDEX ON demo.complaints (customer_id);
CREATE EXTENSION kam;
SQL
done

# The coordinator: one server per shard, the demo tables partitioned by hash
# of customer_id with one foreign partition per shard.
kam_psql -d postgres -c "CREATE DATABASE $coord_db" >/dev/null
kam_psql -d postgres >/dev/null <<SQL
ALTER DATABASE $coord_db SET enable_partitionwise_join = on;
ALTER DATABASE $coord_db SET enable_partitionwise_aggregate = on;
SQL
coord=(-d "$coord_db")
# the shards' column definitions, from the demo schema (in schema demo_stage)
kam_psql "${coord[@]}" -f "$KAM_ROOT/test/demo/schema.sql" >/dev/null
kam_psql "${coord[@]}" -c "ALTER SCHEMA demo RENAME TO demo_stage" -c "CREATE SCHEMA demo" \
	-c "CREATE EXTENSION postgres_fdw" >/dev/null
for ((i = 0; i < nshards; i++)); do
	kam_psql "${coord[@]}" >/dev/null <<SQL
SET client_min_messages = error;	-- kam is created on the coordinator by bind.sql, below
CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw
	OPTIONS (host '$PGHOST', port '$PGPORT', dbname '$(shard_db $i)',
			 extensions 'kam', fetch_size '10000', batch_size '1000');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard$i OPTIONS (user '$PGUSER');
SQL
done
for t in "${tables[@]}"; do
	kam_psql "${coord[@]}" -c "CREATE TABLE demo.$t (LIKE demo_stage.$t) PARTITION BY HASH (customer_id)" >/dev/null
	for ((i = 0; i < nshards; i++)); do
		kam_psql "${coord[@]}" -c "CREATE FOREIGN TABLE demo.${t}_$i PARTITION OF demo.$t
			FOR VALUES WITH (MODULUS $nshards, REMAINDER $i) SERVER shard$i
			OPTIONS (schema_name 'demo', table_name '$t')" >/dev/null
	done
done

# The demo data (same generator and seed as kam_load_demo), routed to the shards.
gen=$W/kamgen
cc -O2 -std=c99 -Wall -o "$gen" "$KAM_ROOT/test/demo/generate.c" -lm
mkdir -p "$W/demo"
"$gen" -c 20000 -o 500000 -s 42 -d "$W/demo" >/dev/null
for t in "${tables[@]}"; do
	kam_psql "${coord[@]}" -c "\\copy demo_stage.$t FROM '$W/demo/$t.csv' WITH (FORMAT csv)" \
		-c "INSERT INTO demo.$t SELECT * FROM demo_stage.$t" >/dev/null
done
kam_psql "${coord[@]}" -c "DROP SCHEMA demo_stage CASCADE" >/dev/null
for ((i = 0; i < nshards; i++)); do
	kam_psql -d "$(shard_db $i)" -c "ANALYZE" >/dev/null
done
# every shard got rows, and together exactly the demo's
kam_psql "${coord[@]}" -At >"$W/counts" <<SQL
SELECT (SELECT count(*) FROM demo.orders_0) > 0 AND (SELECT count(*) FROM demo.orders_1) > 0
   AND (SELECT count(*) FROM demo.orders_2) > 0,
	   (SELECT count(*) FROM demo.orders)
SQL
kam_psql -d "${KAM_DEMO_DB:-kam_demo}" -At -c "SELECT true, count(*) FROM demo.orders" >"$W/counts.single"
cmp -s "$W/counts" "$W/counts.single" ||
	{ echo "orders on the shards: $(cat "$W/counts"), on one node: $(cat "$W/counts.single")" >&2; exit 1; }
kam_psql "${coord[@]}" -f "$KAM_ROOT/test/demo/bind.sql" >/dev/null
kam_psql "${coord[@]}" -f "$KAM_ROOT/test/demo/bind_health.sql" >/dev/null

kam_psql -d postgres -c "CREATE DATABASE $single_db TEMPLATE ${KAM_DEMO_DB:-kam_demo}" >/dev/null
single=(-d "$single_db")
# The validation views need a calibration period; the value views the models
# that kam.fit_models() fits (on each side, as the first query compared).
for conn in "$single_db" "$coord_db"; do
	kam_psql -d "$conn" -c "SELECT kam.set('validation_calibration_end', '2025-06-30')" >/dev/null
done

cluster=("${coord[@]}")
DIST_NAME=postgres_fdw
source "$KAM_ROOT/test/distributed.sh"
dist_compare
dist_where "Remote SQL: "
dist_known "$(dirname "$0")/fdw_known.txt"
