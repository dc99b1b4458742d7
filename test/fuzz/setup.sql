-- The fuzz database: small user tables full of awkward rows, bound to kam, so
-- that every registered view is created and read over NULLs, NaN, +-Infinity,
-- negative and zero amounts, orders after the as-of date, customers with one
-- order or none, and duplicate timestamps.  run.sh loads it before the calls.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION kam;
CREATE SCHEMA fuzz;
CREATE TABLE fuzz.customers (customer_id text, name text, account_manager text);
CREATE TABLE fuzz.orders (customer_id text, ordered_at timestamptz, amount float8, margin float8);
CREATE TABLE fuzz.visits (customer_id text, visited_at timestamptz);

INSERT INTO fuzz.customers
SELECT 'c' || g, 'Customer ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'am' || (g % 4) END
  FROM generate_series(1, 60) g;
INSERT INTO fuzz.customers VALUES (NULL, 'no id', 'am1'), ('c1', 'duplicate id', 'am2'), ('', '', '');

-- ordinary history: 40 customers, 2023-01-01 .. 2025-12-31
INSERT INTO fuzz.orders
SELECT 'c' || (1 + (g * 7) % 40),
	   timestamptz '2023-01-01 00:00+00' + ((g * 7919) % 1095) * interval '1 day' + (g % 5) * interval '1 hour',
	   ((g::bigint * 104729) % 100000) / 100.0,
	   ((g::bigint * 15485863) % 20000) / 100.0 - 50
  FROM generate_series(1, 600) g;
-- awkward rows kam must accept: zero, negative and tiny amounts, ties, NULL
-- margins, a customer without a customer row, orders after the as-of date
INSERT INTO fuzz.orders VALUES
	('c44', '2024-05-01', -100, -200),
	('c45', '2024-05-01', 0, 0),
	('c45', '2024-05-01', 0, 0),
	('c47', '2024-05-01', 5e-324, NULL),
	('c51', '2030-01-01', 10, 1),
	('c52', '1900-01-01', 10, 1),
	('c53', '2025-12-31 23:59:59.999999+00', 10, NULL),
	('zz-no-customer-row', '2025-01-01', 99, 9);
-- rows kam may reject (with a documented SQLSTATE): the same history plus
-- NaN, +-Infinity, 1e308 amounts, NULL keys and infinite timestamps.
-- run.sh binds this table instead of fuzz.orders every fourth reset.
CREATE TABLE fuzz.orders_bad AS SELECT * FROM fuzz.orders;
INSERT INTO fuzz.orders_bad VALUES
	('c41', '2024-05-01', 'NaN', 1),
	('c42', '2024-05-01', 'Infinity', 'NaN'),
	('c43', '2024-05-01', '-Infinity', '-Infinity'),
	('c46', '2024-05-01', 1e308, 1e308),
	('c46', '2024-05-02', 1e308, 1e308),
	('c48', NULL, 10, 1),
	(NULL, '2024-05-01', 10, 1),
	('c49', 'infinity', 10, 1),
	('c50', '-infinity', 10, 1),
	('c54', '2025-12-31', NULL, NULL);
INSERT INTO fuzz.visits
SELECT 'c' || (1 + g % 50), timestamptz '2025-07-01' + (g % 180) * interval '1 day'
  FROM generate_series(1, 200) g;
INSERT INTO fuzz.visits VALUES (NULL, '2025-01-01'), ('c1', NULL), ('c2', 'infinity'), ('c3', '2031-01-01');
ANALYZE fuzz.customers, fuzz.orders, fuzz.orders_bad, fuzz.visits;

SELECT kam.bind_customers('fuzz.customers', 'customer_id', 'name', 'account_manager');
SELECT kam.bind_orders('fuzz.orders', 'customer_id', 'ordered_at', 'amount', 'margin');
SELECT kam.bind_visits('fuzz.visits', 'customer_id', 'visited_at');
SELECT kam.set('as_of', '2025-12-31');
