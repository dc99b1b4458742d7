-- The demo schema; test/lib.sh (kam_load_demo) copies the generated CSV files in
-- and then runs bind.sql and bind_health.sql.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SCHEMA demo;
CREATE TABLE demo.customers (
	customer_id bigint PRIMARY KEY,
	name text NOT NULL,
	account_manager text NOT NULL,
	potential numeric(14,2)			-- yearly purchasing volume (account plan); NULL: unknown
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
-- account health inputs (test/demo/bind_health.sql binds them)
CREATE TABLE demo.feedback (
	feedback_id bigint PRIMARY KEY,
	customer_id bigint NOT NULL,
	answered_at timestamptz NOT NULL,
	score numeric(4,1) NOT NULL,	-- 0-10
	kind text NOT NULL				-- nps or csat
);
CREATE TABLE demo.complaints (
	complaint_id bigint PRIMARY KEY,
	customer_id bigint NOT NULL,
	opened_at timestamptz NOT NULL,
	closed_at timestamptz,			-- NULL: open
	severity integer NOT NULL		-- 1-3
);
