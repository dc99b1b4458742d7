# Sourced by test/t/clients_*.sh after test/lib.sh: three small databases with
# kam bound to the same demo data under three customer-id types, for reading
# kam's views through real client libraries.
#   clients_setup PREFIX    creates PREFIX_bigint (demo.*, customer_id bigint),
#                           PREFIX_uuid and PREFIX_text (ids.*, customer_id uuid /
#                           text), models fitted in each; sets clients_dbs
#   clients_teardown        drops them
# Each database has one extra customer, "Edge Case Ltd", with id
# 9007199254740993 (2^53 + 1: not a JavaScript number) in the bigint one, whose
# first order is at 2024-03-31 01:30:00 UTC (amounts 1234.56 and 0.10).

clients_setup() {
	local p=$1
	clients_dbs=("${p}_bigint" "${p}_uuid" "${p}_text")
	KAM_TMP=$work kam_load_demo "${p}_bigint" 2000 50000 7 >/dev/null
	kam_psql -d "${p}_bigint" >/dev/null <<'SQL'
SET client_min_messages = warning;
INSERT INTO demo.customers VALUES (9007199254740993, 'Edge Case Ltd', 'Ana Silva');
INSERT INTO demo.orders
SELECT max(order_id) + n, 9007199254740993, t, a, a / 5
  FROM demo.orders,
	   (VALUES (1, timestamptz '2024-03-31 01:30:00+00', 1234.56), (2, '2025-06-01 12:00:00+00', 0.10)) v(n, t, a)
 GROUP BY n, t, a;
ANALYZE demo.customers, demo.orders;
SELECT count(*) FROM kam.fit_models();
SQL
	local db type expr
	for type in uuid text; do
		db=${p}_$type
		case $type in
		uuid) expr="md5('c' || x.customer_id)::uuid" ;;
		text) expr="'C-' || x.customer_id" ;;
		esac
		kam_psql -d postgres -c "CREATE DATABASE $db TEMPLATE ${p}_bigint"
		kam_psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE SCHEMA ids;
CREATE TABLE ids.customers AS SELECT $expr AS customer_id, x.name, x.account_manager, x.potential FROM demo.customers x;
CREATE TABLE ids.orders AS SELECT x.order_id, $expr AS customer_id, x.ordered_at, x.amount, x.margin FROM demo.orders x;
CREATE TABLE ids.visits AS SELECT x.visit_id, $expr AS customer_id, x.visited_at FROM demo.visits x;
CREATE TABLE ids.feedback AS SELECT x.feedback_id, $expr AS customer_id, x.answered_at, x.score, x.kind FROM demo.feedback x;
CREATE TABLE ids.complaints AS
	SELECT x.complaint_id, $expr AS customer_id, x.opened_at, x.closed_at, x.severity FROM demo.complaints x;
CREATE INDEX ON ids.orders (customer_id);
CREATE INDEX ON ids.visits (customer_id);
ANALYZE ids.customers, ids.orders, ids.visits, ids.feedback, ids.complaints;
SELECT kam.unbind('customers');
SELECT kam.unbind('visits');
SELECT kam.unbind('feedback');
SELECT kam.unbind('complaints');
SELECT kam.bind_orders('ids.orders', 'customer_id', 'ordered_at', 'amount', 'margin');
SELECT kam.bind_customers('ids.customers', 'customer_id', 'name', 'account_manager', 'potential');
SELECT kam.bind_visits('ids.visits', 'customer_id', 'visited_at');
SELECT kam.bind_feedback('ids.feedback', 'customer_id', 'answered_at', 'score', 'kind');
SELECT kam.bind_complaints('ids.complaints', 'customer_id', 'opened_at', 'closed_at', 'severity');
SELECT count(*) FROM kam.fit_models();
SQL
	done
}

clients_teardown() {
	local db
	for db in "${clients_dbs[@]}"; do
		kam_psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	done
}
