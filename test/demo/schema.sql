-- The demo schema; test/lib.sh (kam_load_demo) copies the generated CSV files in
-- and then runs bind.sql.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SCHEMA demo;
CREATE TABLE demo.customers (
	customer_id bigint PRIMARY KEY,
	name text NOT NULL,
	account_manager text NOT NULL
);
CREATE TABLE demo.orders (
	order_id bigint PRIMARY KEY,
	customer_id bigint NOT NULL,
	ordered_at timestamptz NOT NULL,
	amount numeric(12,2) NOT NULL,
	margin numeric(12,2)
);
CREATE TABLE demo.visits (
	visit_id bigint PRIMARY KEY,
	customer_id bigint NOT NULL,
	visited_at timestamptz NOT NULL
);
