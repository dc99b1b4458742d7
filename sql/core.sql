-- Settings and bindings: defaults, validation, the views binding creates.
SELECT name, value, default_value, is_set, type FROM kam.current_settings
 WHERE name = ANY (ARRAY['as_of', 'rfm_period', 'period', 'churn_after']) ORDER BY name;
SELECT kam.setting('period'), kam.as_of() = current_date AS as_of_is_today;
SELECT kam.set('as_of', '2024-06-30');
SELECT kam.as_of();
SELECT kam.set('as_of', 'yesterday-ish');
SELECT kam.set('period', 'fortnight');
SELECT kam.set('no_such_setting', '1');
SELECT kam.set('as_of', NULL);
SELECT kam.set(NULL, '1');
SELECT kam.reset('as_of');
SELECT kam.as_of() = current_date AS as_of_is_today;

CREATE TABLE shop_orders (id int, cust text, ts timestamp, total numeric(10,2), note text);
CREATE TABLE shop_customers (cust text PRIMARY KEY, title text, rep text);
INSERT INTO shop_customers VALUES ('c1', 'Acme', 'Ana');
-- errors name the argument and the column, and nothing is created
SELECT kam.bind_orders('shop_orders', 'customer', 'ts', 'total');
SELECT kam.bind_orders('shop_orders', 'cust', 'note', 'total');
SELECT kam.bind_orders('shop_orders', 'cust', 'ts', 'note');
SELECT kam.bind_orders('shop_orders', 'cust', 'ts', NULL);
SELECT kam.bind_orders('no_such_table', 'cust', 'ts', 'total');
SELECT count(*) AS bindings FROM kam.bindings;
SELECT to_regclass('kam.orders') AS orders_view;
-- a working binding creates security_invoker views
SELECT kam.bind_orders('shop_orders', 'cust', 'ts', 'total');
SELECT kam.bind_customers('shop_customers', 'cust', 'title', 'rep');
SELECT c.relname, c.reloptions FROM pg_class c
 WHERE c.relnamespace = 'kam'::regnamespace AND c.relkind = 'v'
   AND c.relname = ANY (ARRAY['orders', 'customers', 'visits', 'current_settings', 'customer_summary']) ORDER BY 1;
-- every view binding created is security_invoker
SELECT count(*) AS views_without_security_invoker FROM pg_class c
 WHERE c.relnamespace = 'kam'::regnamespace AND c.relkind = 'v'
   AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false);
SELECT attname, atttypid::regtype FROM pg_attribute
 WHERE attrelid = 'kam.orders'::regclass AND attnum > 0 ORDER BY attnum;
-- kam's own views can't be bound; a bound relation dropped later is reported
SELECT kam.bind_orders('kam.orders', 'customer_id', 'ordered_at', 'amount');
CREATE TABLE gone (cust text, ts date, total numeric);
SELECT kam.bind_visits('gone', 'cust', 'ts');
DROP TABLE gone CASCADE;
SELECT kam.rebuild_views();
SELECT kam.unbind('visits');
-- name and manager columns are optional
SELECT kam.bind_customers('shop_customers', 'cust');
SELECT * FROM kam.customers;
SELECT kam.bind_customers('shop_customers', 'cust', manager_column => 'rep');
SELECT attname, atttypid::regtype FROM pg_attribute
 WHERE attrelid = 'kam.customers'::regclass AND attnum > 0 ORDER BY attnum;
SELECT kam.unbind('visits');
SELECT kam.unbind('customers');
SELECT kam.unbind('orders');
SELECT to_regclass('kam.orders') AS orders_view;
