-- After bind.sql: bind the account health inputs of the demo (each customer's
-- purchasing potential, satisfaction surveys and complaints), as a user of
-- kam 0.2.0 would.  (A separate file: test/t/reliability_upgrade.sh binds the
-- demo with bind.sql into a kam release that has no account health.)
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE INDEX ON demo.feedback (customer_id);
CREATE INDEX ON demo.complaints (customer_id);
ANALYZE demo.feedback, demo.complaints;
SELECT kam.bind_customers('demo.customers', 'customer_id', 'name', 'account_manager', 'potential');
SELECT kam.bind_feedback('demo.feedback', 'customer_id', 'answered_at', 'score', 'kind');
SELECT kam.bind_complaints('demo.complaints', 'customer_id', 'opened_at', 'closed_at', 'severity');
