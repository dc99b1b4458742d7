-- After the demo data is copied in: index, analyze, install kam and bind it
-- to the demo tables, as a user would.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE INDEX ON demo.orders (customer_id);
CREATE INDEX ON demo.visits (customer_id);
ANALYZE demo.customers, demo.orders, demo.visits;

CREATE EXTENSION kam;
SELECT kam.bind_customers('demo.customers', 'customer_id', 'name', 'account_manager');
SELECT kam.bind_orders('demo.orders', 'customer_id', 'ordered_at', 'amount', 'margin');
SELECT kam.bind_visits('demo.visits', 'customer_id', 'visited_at');
-- the demo history ends on 2025-12-31
SELECT kam.set('as_of', '2025-12-31');
