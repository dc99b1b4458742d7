-- The seed values of test/fuzz/binfuzz.c: real values of each kam base type,
-- made by kam's aggregates from small generated data (ordinary histories and
-- the edges: the first and last timestamps and dates PostgreSQL holds, sums
-- at exactly 1.7e20, negative, zero and subnormal amounts and times).
-- Run as the superuser in the fuzz database; the fuzzing role only reads fz.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE EXTENSION kam;
CREATE SCHEMA fz;

CREATE TABLE fz.orders AS
SELECT 1 + (g * 7) % 30 AS c,
	   timestamptz '2023-01-01 00:00+00' + ((g * 7919) % 1095) * interval '1 day'
		   + (g % 24) * interval '1 hour' + (g % 1000) * interval '1 microsecond' AS at,
	   (((g::bigint * 104729) % 100000) / 100.0 - 50)::float8 AS amount
  FROM generate_series(1, 900) g;
INSERT INTO fz.orders VALUES
	(31, '4714-11-24 00:00:00+00 BC', 1e18), (31, '294276-12-31 23:59:59.999999+00', -1e18),
	(32, '2024-02-29 12:00+00', 5e-324), (32, '2024-02-29 12:00+00', 0.000000001),
	(32, '2024-03-01 00:00+00', -0.000000001), (34, '2025-12-31 23:59:59.999999+00', 0);
-- one period holding a sum close to the largest kam keeps (169 x 1e18)
INSERT INTO fz.orders SELECT 33, timestamptz '2000-01-01 00:00+00' + g * interval '1 second', 1e18
  FROM generate_series(1, 169) g;

CREATE TABLE fz.dorders (c int, d date, amount float8);
INSERT INTO fz.dorders SELECT c, at::date, amount FROM fz.orders WHERE c <= 30;
INSERT INTO fz.dorders VALUES (40, '4714-11-24 BC', 5), (40, '5874897-12-31', 7), (41, '5874897-12-31', -1e18),
	(42, '4714-11-24 BC', 3), (42, '294276-12-31', -3);

CREATE TABLE fz.seed_rfm_state (id serial, v kam.rfm_state);
CREATE TABLE fz.seed_activity (id serial, v kam.activity);
CREATE TABLE fz.seed_survival (id serial, v kam.survival);

-- the as-of layout of kam.rfm_state: what kam.rfm's transition makes
CREATE AGGREGATE fz.rfm_asof(timestamptz, float8, timestamptz) (sfunc = kam.rfm_accum, stype = kam.rfm_state);
CREATE AGGREGATE fz.rfm_asof(timestamptz, float8, timestamptz, text) (sfunc = kam.rfm_accum, stype = kam.rfm_state);
CREATE AGGREGATE fz.rfm_asof(date, float8, date, text) (sfunc = kam.rfm_accum, stype = kam.rfm_state);

INSERT INTO fz.seed_rfm_state (v)
SELECT kam.rfm_state(at, amount) FROM fz.orders WHERE c IN (1, 2, 31, 32, 33, 34) GROUP BY c
UNION ALL SELECT kam.rfm_state(at, amount, 'week') FROM fz.orders WHERE c IN (3, 31) GROUP BY c
UNION ALL SELECT kam.rfm_state(at::timestamp, amount, 'month') FROM fz.orders WHERE c IN (4, 31) GROUP BY c
UNION ALL SELECT kam.rfm_state(d, amount, 'quarter') FROM fz.dorders WHERE c IN (5, 42) GROUP BY c
UNION ALL SELECT kam.rfm_state(d, amount, 'year') FROM fz.dorders WHERE c = 6
UNION ALL SELECT kam.rfm_state(at, amount, 'day') FROM fz.orders WHERE c = 7
UNION ALL SELECT kam.rfm_merge(s) FROM (SELECT kam.rfm_state(at, amount) s FROM fz.orders WHERE c <= 10 GROUP BY c) x
UNION ALL SELECT fz.rfm_asof(at, amount, '2025-12-31 00:00+00') FROM fz.orders WHERE c IN (1, 8, 32, 34) GROUP BY c
UNION ALL SELECT fz.rfm_asof(at, amount, '2024-06-30 00:00+00', 'week') FROM fz.orders WHERE c = 9
UNION ALL SELECT fz.rfm_asof(at, amount, '1999-12-31 00:00+00') FROM fz.orders WHERE c = 31
UNION ALL SELECT fz.rfm_asof(d, amount, '294276-12-31', 'year') FROM fz.dorders WHERE c = 42
UNION ALL SELECT fz.rfm_asof(d, amount, '2025-12-31', 'month') FROM fz.dorders WHERE c IN (10, 11) GROUP BY c;

INSERT INTO fz.seed_activity (v)
SELECT kam.activity(at, amount, p, '2025-12-31') FROM fz.orders, unnest(ARRAY['day', 'week', 'month', 'quarter', 'year']) p
 WHERE c IN (1, 2, 32, 33) GROUP BY c, p
UNION ALL SELECT kam.activity(d, amount, 'month', '5874897-12-31') FROM fz.dorders WHERE c IN (12, 41) GROUP BY c
UNION ALL SELECT kam.activity(d, amount, 'day', '5874897-12-31') FROM fz.dorders WHERE c = 40
UNION ALL SELECT kam.activity(d, amount, 'year', '2025-12-31') FROM fz.dorders WHERE c = 13
UNION ALL SELECT kam.activity_merge(a) FROM (SELECT kam.activity(at, amount, 'quarter', '2025-06-30') a FROM fz.orders WHERE at < '2025-07-01' AND c <= 30 GROUP BY c) x;

INSERT INTO fz.seed_survival (v)
SELECT kam.km_fit(((g * 37) % 100)::float8 / 4, g % 3 <> 0) FROM generate_series(1, 300) g GROUP BY g % 5
UNION ALL SELECT kam.km_fit(d, e) FROM (VALUES (5e-324::float8, true), (2.2250738585072009e-308, false), (0, true),
	(1e-300, true), (0.1, false), (1.7976931348623157e308, true)) v(d, e)
UNION ALL SELECT kam.km_fit(1, true)
UNION ALL SELECT kam.km_fit(g * 1.000000001, g % 2 = 0) FROM generate_series(1, 40) g;

-- the aggregates' states: the transition functions without a final function
CREATE TABLE fz.seed_concentration_state (id serial, v kam.concentration_state);
CREATE TABLE fz.seed_fit_state (id serial, v kam.fit_state);
CREATE AGGREGATE fz.conc(float8) (sfunc = kam.gini_trans, stype = kam.concentration_state);
CREATE AGGREGATE fz.conc(float8, float8) (sfunc = kam.top_share_trans, stype = kam.concentration_state);
CREATE AGGREGATE fz.rft(integer, float8, float8, float8) (sfunc = kam.bgnbd_trans, stype = kam.fit_state);
CREATE AGGREGATE fz.gg(integer, float8, float8) (sfunc = kam.gammagamma_trans, stype = kam.fit_state);
CREATE AGGREGATE fz.sbg(integer, boolean) (sfunc = kam.sbg_trans, stype = kam.fit_state);
CREATE AGGREGATE fz.info(kam.bgnbd, integer, float8, float8) (sfunc = kam.bgnbd_information_trans, stype = kam.fit_state);
INSERT INTO fz.seed_concentration_state (v)
SELECT fz.conc(abs(amount)) FROM fz.orders WHERE c IN (1, 2, 31, 32, 33) GROUP BY c
UNION ALL SELECT fz.conc(abs(amount), 0.2) FROM fz.orders WHERE c IN (3, 34) GROUP BY c
UNION ALL SELECT fz.conc(v, 1) FROM (VALUES (5e-324::float8), (2.2250738585072009e-308), (0), (1.7976931348623157e308)) x(v)
UNION ALL SELECT fz.conc(NULL::float8, 0.5)
UNION ALL SELECT fz.conc(g / 3.0) FROM generate_series(1, 50) g;
INSERT INTO fz.seed_fit_state (v)
SELECT fz.rft(g % 7, least((g % 7) * 0.5, (g % 11) * 0.25 + 3.5), 3.5 + (g % 11) * 0.25, 1 + (g % 3) * 0.5) FROM generate_series(1, 200) g GROUP BY g % 3
UNION ALL SELECT fz.rft(1, 1e-300, 1.7976931348623157e308, 0.000000001)
UNION ALL SELECT fz.gg(1 + g % 5, 0.1 + g % 13, 1e12) FROM generate_series(1, 60) g
UNION ALL SELECT fz.sbg(1 + g % 9, g % 4 = 0) FROM generate_series(1, 60) g
UNION ALL SELECT fz.info((0.24, 4.41, 0.79, 2.43, 0, 0, 0, true)::kam.bgnbd, g % 4, (g % 4) * 0.5, 3) FROM generate_series(1, 40) g;

GRANT USAGE ON SCHEMA fz TO kam_binfuzz;
GRANT SELECT ON ALL TABLES IN SCHEMA fz TO kam_binfuzz;
SELECT 'rfm_state' AS type, count(*), sum(length(kam.rfm_state_send(v))) AS bytes FROM fz.seed_rfm_state
UNION ALL SELECT 'activity', count(*), sum(length(kam.activity_send(v))) FROM fz.seed_activity
UNION ALL SELECT 'survival', count(*), sum(length(kam.km_survival_send(v))) FROM fz.seed_survival
UNION ALL SELECT 'concentration_state', count(*), sum(length(kam.concentration_state_send(v))) FROM fz.seed_concentration_state
UNION ALL SELECT 'fit_state', count(*), sum(length(kam.fit_state_send(v))) FROM fz.seed_fit_state;
