-- ===========================================================================
-- 70 snapshots: a store of every report view's rows, change capture on the
-- bound tables, kam.refresh(), and views that read the store while it is
-- fresh (doc/snapshots.md)
--
--   * The store: with the setting snapshots on, kam.rebuild_views() gives
--     every report view kam.X a table kam.snapshot_X of the same columns
--     (created from the catalog, like kam.tier_snapshot) and creates kam.X as
--         SELECT * FROM kam.snapshot_X WHERE <fresh>
--         UNION ALL SELECT * FROM (<live definition>) l WHERE NOT <fresh>
--     where <fresh> is (SELECT kam.snapshot_fresh('X')): a one-time filter,
--     so only one branch runs.  Names and columns of the views do not change.
--   * Change capture: statement-level triggers with transition tables on
--     every bound table (and every partition or child of one) write the
--     distinct customers a statement touched into kam.snapshot_log; TRUNCATE
--     writes "every customer".  A bound view, materialized view or foreign
--     table cannot be captured: then the views always compute live.
--   * kam.refresh() recomputes every view into its store in one transaction
--     and clears exactly the log rows that were committed before it began.
--     When the fingerprint is the last refresh's and no TRUNCATE is logged,
--     the customer-local views (kam.snapshot_local_views) are recomputed
--     only for the logged customers (through the index on the bound
--     customer column), the others in full.
--   * Real-time merged reads: while only rows are pending, a customer-local
--     view returns the stored rows of the customers not logged plus live
--     rows computed for the logged ones (kam.snapshot_mode 'merge').
--   * Fresh means: the store was refreshed, nothing is logged since, every
--     bound relation is captured, the fingerprint of everything else the rows
--     depend on (settings, as_of, TimeZone, bindings, policies, models,
--     version) is the refresh's, and the reader is not filtered by row-level
--     security on a bound table (a filtered reader computes live and sees
--     exactly what the live view shows it).
-- ===========================================================================

INSERT INTO @extschema@.setting_defaults (name, value, type, min_value, max_value, description) VALUES
	('snapshots', 'off', 'boolean', NULL, NULL,
	 'Whether the report views read the snapshot store that kam.refresh() fills (set by kam.enable_snapshots() and kam.disable_snapshots()).'),
	('snapshot_realtime', 'on', 'boolean', NULL, NULL,
	 'With snapshots on: on, a view reads the store only while it equals the live computation (else live); off, it reads the last refresh.')
ON CONFLICT (name) DO UPDATE SET value = excluded.value, type = excluded.type,
	min_value = excluded.min_value, max_value = excluded.max_value, description = excluded.description;

-- The invalidation log: one row per write statement on a captured table.
CREATE TABLE @extschema@.snapshot_log (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind text NOT NULL,
	customer_ids text[],
	customer_count integer,
	logged_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.snapshot_log IS
'Invalidation log of the snapshot store: the customers each write statement on a bound table touched since the last kam.refresh()';
COMMENT ON COLUMN @extschema@.snapshot_log.id IS 'Log entry number (not in commit order)';
COMMENT ON COLUMN @extschema@.snapshot_log.kind IS 'Binding whose table was written: orders, customers, visits, feedback or complaints';
COMMENT ON COLUMN @extschema@.snapshot_log.customer_ids IS 'Distinct customers the statement touched (old and new customer of an updated row), as text; NULL: every customer (TRUNCATE)';
COMMENT ON COLUMN @extschema@.snapshot_log.customer_count IS 'Number of distinct customers in customer_ids; NULL: every customer (TRUNCATE)';
COMMENT ON COLUMN @extschema@.snapshot_log.logged_at IS 'Start time of the transaction that wrote the table';
-- every role may see whether something is pending (kam.snapshot_fresh), not which customers
GRANT SELECT (id, kind, customer_count, logged_at) ON @extschema@.snapshot_log TO PUBLIC;

-- The last completed refresh (at most one row).
CREATE TABLE @extschema@.snapshot_state (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	refreshed_at timestamptz NOT NULL,
	duration interval NOT NULL,
	customers bigint NOT NULL,
	fingerprint text NOT NULL,
	bindings_fingerprint text NOT NULL,
	failed_views text[] NOT NULL,
	incremental boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.snapshot_state IS
'The last completed kam.refresh() of the snapshot store: when, how long, how many customers, and the fingerprint of what the rows depend on';
COMMENT ON COLUMN @extschema@.snapshot_state.singleton IS 'Always true: the table has at most one row';
COMMENT ON COLUMN @extschema@.snapshot_state.refreshed_at IS 'Start time of the transaction of the last completed refresh';
COMMENT ON COLUMN @extschema@.snapshot_state.duration IS 'Wall-clock time the last refresh took to compute and store the views';
COMMENT ON COLUMN @extschema@.snapshot_state.customers IS 'Customers recomputed by the last refresh: when it was incremental the distinct customers logged for the orders and customers bindings, else every customer in kam.customers';
COMMENT ON COLUMN @extschema@.snapshot_state.fingerprint IS 'md5 of everything besides the data the stored rows depend on (kam.snapshot_fingerprint()) at the refresh';
COMMENT ON COLUMN @extschema@.snapshot_state.bindings_fingerprint IS 'md5 of the bindings at the refresh (kam.snapshot_bindings_fingerprint())';
COMMENT ON COLUMN @extschema@.snapshot_state.incremental IS 'True when the last refresh recomputed only the logged customers of the customer-local views (kam.snapshot_local_views); false: every view in full';
COMMENT ON COLUMN @extschema@.snapshot_state.failed_views IS 'Report views whose computation raised an error in the last refresh (e.g. no stored model yet): they always compute live, and show the error';
GRANT SELECT ON @extschema@.snapshot_state TO PUBLIC;
-- kept by pg_dump (a restored database has other OIDs, so the fingerprint no
-- longer matches and the views compute live until the next refresh)
SELECT pg_catalog.pg_extension_config_dump('@extschema@.snapshot_state', '');

-- The customer-local report views: each output row belongs to one customer
-- (customer_column), and a customer's rows depend only on that customer's
-- rows in kam.orders and kam.customers (directly or through another local
-- view) plus what the fingerprint covers (settings, as_of, policies, models).
-- For these, kam.refresh() recomputes only the logged customers and the
-- real-time reads combine the stored rows of the other customers with live
-- rows of the logged ones.  The rest rank, threshold or total across
-- customers (customer_tier: Pareto ranks over all customers; the per-period
-- and per-manager views; customer_survival: one curve of all customers;
-- account_health: scores against the whole portfolio) and are recomputed in
-- full.
CREATE TABLE @extschema@.snapshot_local_views (
	name text PRIMARY KEY,
	customer_column text NOT NULL,
	reason text NOT NULL
);
COMMENT ON TABLE @extschema@.snapshot_local_views IS
'The customer-local report views (one customer per row, computed from that customer''s rows only): refreshed and read per logged customer by the snapshot store';
COMMENT ON COLUMN @extschema@.snapshot_local_views.name IS 'Report view name (kam.report_views.name)';
COMMENT ON COLUMN @extschema@.snapshot_local_views.customer_column IS 'The view''s column holding the customer of each row';
COMMENT ON COLUMN @extschema@.snapshot_local_views.reason IS 'Why the view''s rows of a customer depend only on that customer''s rows';
GRANT SELECT ON @extschema@.snapshot_local_views TO PUBLIC;
INSERT INTO @extschema@.snapshot_local_views (name, customer_column, reason) VALUES
	('customer_summary', 'customer_id', 'kam.customers joined to the rfm state of the same customer''s orders (GROUP BY customer)'),
	('customer_value', 'customer_id', 'a row of kam.customer_summary with the stored models (in the fingerprint)'),
	('customer_activity', 'customer_id', 'the activity signature of the customer''s orders (GROUP BY customer)'),
	('customer_retention', 'customer_id', 'the customer''s kam.customer_activity row summarised, joined to the same customer in kam.customers')
ON CONFLICT (name) DO UPDATE SET customer_column = excluded.customer_column, reason = excluded.reason;

-- The bindings as text: kind, relation oid and columns of each.
CREATE FUNCTION @extschema@.snapshot_bindings_fingerprint()
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT md5(COALESCE(string_agg(b.kind OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) b.relation::oid::text
								   OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) b.columns::text, ';' ORDER BY b.kind), ''))
	  FROM @extschema@.bindings b
$$;
COMMENT ON FUNCTION @extschema@.snapshot_bindings_fingerprint() IS
'md5 of the bindings (kind, relation, columns); internal';

-- Everything the report views' rows depend on besides the bound data: the
-- extension version and the registered definitions, every setting's
-- effective value (the snapshot settings aside), the resolved as_of, the
-- session's TimeZone (timestamptz are floored to periods in it), the
-- bindings, the policy tables and the stored models.  The text forms are
-- pinned (DateStyle, IntervalStyle, extra_float_digits), so the same state
-- gives the same fingerprint in every session with the same TimeZone.
CREATE FUNCTION @extschema@.snapshot_fingerprint()
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
SET extra_float_digits = 1
AS $$
	SELECT md5(concat_ws(E'\n',
		(SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'kam'),
		(SELECT md5(string_agg(r.name OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) r.definition, ',' ORDER BY r.position))
		   FROM @extschema@.report_views r),
		'TimeZone=' OPERATOR(pg_catalog.||) @extschema@.time_zone(),
		'as_of=' OPERATOR(pg_catalog.||) @extschema@.as_of()::text,
		(SELECT string_agg(s.name OPERATOR(pg_catalog.||) '=' OPERATOR(pg_catalog.||) COALESCE(s.value, ''), ',' ORDER BY s.name)
		   FROM @extschema@.current_settings s
		  WHERE s.name OPERATOR(pg_catalog.<>) ALL (ARRAY['snapshots', 'snapshot_realtime']::pg_catalog.text[])),
		@extschema@.snapshot_bindings_fingerprint(),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM @extschema@.tier_policy t),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM @extschema@.loyalty_ladder t),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM @extschema@.rfm_segment_map t),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM @extschema@.health_policy t),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM @extschema@.deleted_defaults t),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM @extschema@.models t)))
$$;
COMMENT ON FUNCTION @extschema@.snapshot_fingerprint() IS
'md5 of everything the report views depend on besides the bound data (settings, as_of, TimeZone, bindings, policies, models, version); internal';

-- Whether the current role may read the store: it may read every bound
-- relation, each is a table (a view or foreign table may show each role
-- other rows), and row-level security filters none of them for it.  This is
-- the policy of every store table, so a role that the live views would
-- show part of the data never reads company-wide stored rows.
CREATE FUNCTION @extschema@.snapshot_readable()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(bool_and(COALESCE(c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'm']::"char"[])
									  AND has_table_privilege(c.oid, 'SELECT')
									  AND NOT row_security_active(c.oid), false)), false)
	  FROM @extschema@.bindings b
	  LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) b.relation::oid
$$;
COMMENT ON FUNCTION @extschema@.snapshot_readable() IS
'True when the current role may read every bound relation, each is a table, and row-level security filters none of them for it; internal';

-- The customers logged since the last refresh for the orders and customers
-- bindings (distinct, as text; the customer-local views read nothing else),
-- for the merged reads of the customer-local views; '{}' when there are
-- none.  It runs as its caller: only a role that may read the log's
-- customers (kam's owner, and the roles granted SELECT on kam.snapshot_log)
-- and the store (kam.snapshot_readable) gets them; NULL for any other, and
-- then kam.snapshot_mode does not read merged (the views compute live while
-- anything is pending, as for every view that is not customer-local).
CREATE FUNCTION @extschema@.snapshot_pending_ids()
RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT has_column_privilege('@extschema@.snapshot_log'::regclass, 'customer_ids', 'SELECT')
	   OR NOT @extschema@.snapshot_readable() THEN
		RETURN NULL;
	END IF;
	RETURN COALESCE((SELECT array_agg(DISTINCT u.id)
					   FROM @extschema@.snapshot_log l
					  CROSS JOIN LATERAL unnest(l.customer_ids) u(id)
					  WHERE l.kind OPERATOR(pg_catalog.=) ANY (ARRAY['orders', 'customers']::text[])),
					ARRAY[]::text[]);
END
$$;
COMMENT ON FUNCTION @extschema@.snapshot_pending_ids() IS
'The distinct customers logged for the orders and customers bindings since the last kam.refresh(), as text, for the merged reads; NULL for a role that may not read them or the store; internal';

-- The type to turn the logged customers (text) back into values of column
-- p_col of p_rel for an index look-up, as SQL text; NULL when that would run
-- code kam does not trust or could not match exactly: a domain (its checks),
-- a composite, range or array, a cast from text that is not pg_catalog's, or
-- a column collation other than the default.  Then kam does not recompute or
-- read per customer (full refreshes, live reads while anything is pending).
CREATE FUNCTION @extschema@.snapshot_id_type(p_rel regclass, p_col text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format_type(a.atttypid, NULL)
	  FROM pg_catalog.pg_attribute a
	  JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
	 WHERE a.attrelid OPERATOR(pg_catalog.=) p_rel::oid
	   AND a.attname OPERATOR(pg_catalog.=) p_col::name
	   AND a.attnum OPERATOR(pg_catalog.>) 0::int2 AND NOT a.attisdropped
	   AND t.typtype OPERATOR(pg_catalog.=) ANY (ARRAY['b', 'e']::"char"[])
	   AND t.typcategory OPERATOR(pg_catalog.<>) 'A'::"char"
	   AND a.attcollation OPERATOR(pg_catalog.=) ANY (ARRAY[0, 100]::oid[])
	   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_cast k
					   JOIN pg_catalog.pg_proc f ON f.oid OPERATOR(pg_catalog.=) k.castfunc
					  WHERE k.castsource OPERATOR(pg_catalog.=) 'pg_catalog.text'::pg_catalog.regtype::oid
						AND k.casttarget OPERATOR(pg_catalog.=) a.atttypid
						AND f.pronamespace OPERATOR(pg_catalog.<>) 'pg_catalog'::pg_catalog.regnamespace::oid)
$$;
COMMENT ON FUNCTION @extschema@.snapshot_id_type(regclass, text) IS
'SQL name of the type the logged customers are cast to for column p_col of p_rel; NULL when that cast is not one kam trusts; internal';

-- The live definition of report view p_view as kam.rebuild_views() creates
-- it for the current bindings (the customers binding counted as bound when
-- only the orders are: kam.customers is then derived from them).
CREATE FUNCTION @extschema@.snapshot_live_sql(p_view text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.optional_relations(r.definition,
			ARRAY(SELECT b.kind FROM @extschema@.bindings b
				  UNION SELECT 'customers'::text FROM @extschema@.bindings b WHERE b.kind OPERATOR(pg_catalog.=) 'orders'))
	  FROM @extschema@.report_views r
	 WHERE r.name OPERATOR(pg_catalog.=) p_view
$$;
COMMENT ON FUNCTION @extschema@.snapshot_live_sql(text) IS
'The live definition of a report view for the current bindings; internal';

-- The live definition of customer-local view p_view computed only for the
-- customers p_ids (an SQL expression of type text[]): every read of
-- kam.orders, kam.customers and of another local view becomes a subquery
-- filtered on its customer column = ANY (p_ids cast to that column's type),
-- which PostgreSQL pushes into the scan of the bound table (an index scan on
-- the bound customer column).  p_inline: another local view is replaced by
-- its own definition for those customers instead (the merged reads: reading
-- that view would scan its store for customers it does not hold; a refresh
-- reads the store it has just updated, by its index).  NULL when p_view is
-- not local or a customer column has a type kam does not cast to
-- (kam.snapshot_id_type).
CREATE FUNCTION @extschema@.snapshot_local_sql(p_view text, p_ids text, p_inline boolean)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d text := @extschema@.snapshot_live_sql(p_view);
	r record;
	typ text;
	pat text;
	sub text;
BEGIN
	IF d IS NULL OR NOT EXISTS (SELECT 1 FROM @extschema@.snapshot_local_views l WHERE l.name OPERATOR(pg_catalog.=) p_view) THEN
		RETURN NULL;
	END IF;
	FOR r IN SELECT x.rel, x.col
			   FROM (SELECT 'orders'::text AS rel, 'customer_id'::text AS col, 1 AS k
					 UNION ALL SELECT 'customers', 'customer_id', 2
					 UNION ALL SELECT l.name, l.customer_column, 3 FROM @extschema@.snapshot_local_views l) x
			  WHERE to_regclass(format('@extschema@.%I', x.rel)) IS NOT NULL
			  ORDER BY x.k, x.rel LOOP
		pat := '@extschema@\.' OPERATOR(pg_catalog.||) r.rel OPERATOR(pg_catalog.||) '\M';
		CONTINUE WHEN d !~ pat;
		IF p_inline AND r.rel OPERATOR(pg_catalog.<>) ALL (ARRAY['orders', 'customers']::text[]) THEN
			sub := '(' OPERATOR(pg_catalog.||) @extschema@.snapshot_local_sql(r.rel, p_ids, true) OPERATOR(pg_catalog.||) ')';
		ELSE
			typ := @extschema@.snapshot_id_type(to_regclass(format('@extschema@.%I', r.rel)), r.col);
			sub := format('(SELECT * FROM @extschema@.%I k WHERE k.%I OPERATOR(pg_catalog.=) ANY ((%s)::%s[]))',
						  r.rel, r.col, p_ids, typ);
		END IF;
		IF sub IS NULL THEN
			RETURN NULL;
		END IF;
		-- (a backslash is special in regexp_replace's replacement)
		d := regexp_replace(d, pat, replace(sub, E'\\', E'\\\\'), 'g');
	END LOOP;
	RETURN d;
END
$$;
COMMENT ON FUNCTION @extschema@.snapshot_local_sql(text, text, boolean) IS
'The live definition of a customer-local report view computed only for the given customers (reads of the bound tables filtered on their customer column); internal';

-- Every relation whose writes the store depends on: each bound relation and
-- every partition or inheritance child under it.
CREATE FUNCTION @extschema@.snapshot_captured_relations()
RETURNS TABLE (relid oid, kind text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE tree(relid, kind) AS (
		SELECT b.relation::oid, b.kind FROM @extschema@.bindings b
		UNION
		SELECT i.inhrelid, t.kind FROM pg_catalog.pg_inherits i
		  JOIN tree t ON i.inhparent OPERATOR(pg_catalog.=) t.relid)
	SELECT t.relid, t.kind FROM tree t
$$;
COMMENT ON FUNCTION @extschema@.snapshot_captured_relations() IS
'Every bound relation and every partition or inheritance child under it, with its binding kind; internal';

-- The arguments of kam's capture triggers on each of those relations: the
-- pairs (binding kind, customer column) of every binding whose data it
-- holds, by kind; tgargs is the same as pg_trigger.tgargs stores it (each
-- argument followed by a zero byte).
CREATE FUNCTION @extschema@.snapshot_capture_args()
RETURNS TABLE (relid oid, args text[], tgargs bytea)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT r.relid,
		   array_agg(a.arg ORDER BY r.kind, a.n),
		   string_agg(convert_to(a.arg, getdatabaseencoding()) OPERATOR(pg_catalog.||) decode('00', 'hex'),
					  ''::bytea ORDER BY r.kind, a.n)
	  FROM @extschema@.snapshot_captured_relations() r
	  JOIN @extschema@.bindings b ON b.kind OPERATOR(pg_catalog.=) r.kind
	 CROSS JOIN LATERAL (VALUES (1, b.kind), (2, b.columns OPERATOR(pg_catalog.->>) 'customer')) a(n, arg)
	 GROUP BY r.relid
$$;
COMMENT ON FUNCTION @extschema@.snapshot_capture_args() IS
'The arguments (binding kind, customer column pairs) kam''s capture triggers carry on every bound relation, partition and child; internal';

-- The relations whose writes are not captured: each bound relation, partition
-- or child that is not a table with kam's four capture triggers, enabled and
-- carrying the current bindings' arguments (e.g. a bound view, or a partition
-- created after kam.enable_snapshots()).  Names as regclass text.
CREATE FUNCTION @extschema@.snapshot_uncaptured()
RETURNS text[]
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(array_agg(COALESCE(c.oid::regclass::text, r.relid::text) ORDER BY r.relid), ARRAY[]::text[])
	  FROM @extschema@.snapshot_capture_args() r
	  LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) r.relid
	 WHERE c.oid IS NULL
		OR c.relkind OPERATOR(pg_catalog.<>) ALL (ARRAY['r', 'p']::"char"[])
		OR (SELECT count(DISTINCT g.tgtype) FROM pg_catalog.pg_trigger g
			 WHERE g.tgrelid OPERATOR(pg_catalog.=) r.relid
			   AND g.tgfoid OPERATOR(pg_catalog.=) '@extschema@.snapshot_capture()'::pg_catalog.regprocedure::oid
			   AND g.tgenabled OPERATOR(pg_catalog.<>) 'D'::"char"
			   AND g.tgqual IS NULL AND g.tgattr::text OPERATOR(pg_catalog.=) ''
			   AND g.tgnargs OPERATOR(pg_catalog.=) cardinality(r.args)
			   AND g.tgargs OPERATOR(pg_catalog.=) r.tgargs
			   AND g.tgtype OPERATOR(pg_catalog.=) ANY (ARRAY[4, 8, 16, 32]::int2[])) OPERATOR(pg_catalog.<>) 4
$$;
COMMENT ON FUNCTION @extschema@.snapshot_uncaptured() IS
'The bound relations, partitions and children whose writes kam''s triggers do not capture (views, foreign tables, tables created or attached after enabling); internal';

-- True when every write to the data kam reads is captured.
CREATE FUNCTION @extschema@.snapshot_captured()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT EXISTS (SELECT 1 FROM @extschema@.bindings)
	   AND cardinality(@extschema@.snapshot_uncaptured()) OPERATOR(pg_catalog.=) 0
$$;
COMMENT ON FUNCTION @extschema@.snapshot_captured() IS
'True when every bound relation (with its partitions and children) is a table whose writes kam''s triggers capture; internal';

-- How kam.X reads now: 'store' (its stored rows), 'merge' (a customer-local
-- view: the stored rows of the customers not logged since the refresh plus
-- live rows of the logged ones) or 'live'.  kam.snapshot_reads = 'live' (a
-- session setting, for comparisons) forces live reads; inside kam.refresh(),
-- the views it has already stored in this transaction are read from the
-- store.  p_view NULL: any customer-local view.
CREATE FUNCTION @extschema@.snapshot_mode(p_view text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	reads text := current_setting('kam.snapshot_reads', true);
	refreshing text := current_setting('kam.snapshot_refreshing', true);
	st @extschema@.snapshot_state;
BEGIN
	IF refreshing LIKE ',%' THEN
		RETURN CASE WHEN strpos(refreshing, ',' OPERATOR(pg_catalog.||) p_view OPERATOR(pg_catalog.||) ',') OPERATOR(pg_catalog.>) 0
					THEN 'store' ELSE 'live' END;
	END IF;
	IF reads OPERATOR(pg_catalog.=) 'live' THEN
		RETURN 'live';
	ELSIF COALESCE(reads, '') OPERATOR(pg_catalog.<>) ALL (ARRAY['', 'auto']) THEN
		RAISE EXCEPTION 'invalid value "%" for kam.snapshot_reads', reads
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use auto (the store while it is fresh) or live (always compute live).';
	END IF;
	IF NOT COALESCE(@extschema@.setting('snapshots'::text)::boolean, false) THEN
		RETURN 'live';
	END IF;
	SELECT * INTO st FROM @extschema@.snapshot_state;
	IF NOT FOUND OR p_view OPERATOR(pg_catalog.=) ANY (st.failed_views) OR NOT @extschema@.snapshot_readable() THEN
		RETURN 'live';
	END IF;
	IF NOT COALESCE(@extschema@.setting('snapshot_realtime'::text)::boolean, true) THEN
		RETURN CASE WHEN st.bindings_fingerprint OPERATOR(pg_catalog.=) @extschema@.snapshot_bindings_fingerprint()
					THEN 'store' ELSE 'live' END;
	END IF;
	IF NOT @extschema@.snapshot_captured()
	   OR st.fingerprint OPERATOR(pg_catalog.<>) @extschema@.snapshot_fingerprint() THEN
		RETURN 'live';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM @extschema@.snapshot_log) THEN
		RETURN 'store';
	END IF;
	IF (p_view IS NULL OR EXISTS (SELECT 1 FROM @extschema@.snapshot_local_views l WHERE l.name OPERATOR(pg_catalog.=) p_view))
	   AND NOT EXISTS (SELECT 1 FROM @extschema@.snapshot_log l WHERE l.customer_count IS NULL)
	   AND @extschema@.snapshot_pending_ids() IS NOT NULL THEN
		RETURN 'merge';
	END IF;
	RETURN 'live';
END
$$;
COMMENT ON FUNCTION @extschema@.snapshot_mode(text) IS
'How report view kam.X reads now: store (fresh), merge (a customer-local view with pending writes: stored rows plus live rows of the logged customers) or live; internal';

-- Whether kam.X reads only its store now (kam.snapshot_mode is 'store').
CREATE FUNCTION @extschema@.snapshot_fresh(p_view text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.snapshot_mode(p_view) OPERATOR(pg_catalog.=) 'store'
$$;
COMMENT ON FUNCTION @extschema@.snapshot_fresh(text) IS
'Whether report view kam.X reads its snapshot store now (snapshots on, refreshed, nothing changed since, the reader not filtered by row-level security); internal';

-- The capture trigger of every bound table (src/capture.c).  It runs as
-- kam's owner so that writers need no privilege on the log, and writes
-- nothing but the log.  Its arguments, written by kam.snapshot_sync_triggers
-- from kam.bindings, are pairs (binding kind, customer column); it reads that
-- column straight from the transition tables and turns each customer into
-- text with its type's output function (as pg_catalog.format('%s') does),
-- deduplicating and sorting the bytes, so no function, cast or operator of
-- the user's runs here.  No look-up and no dynamic SQL per statement but the
-- log insert.
CREATE FUNCTION @extschema@.snapshot_capture()
RETURNS trigger
AS 'MODULE_PATHNAME', 'kam_snapshot_capture'
LANGUAGE C VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.snapshot_capture() IS
'Trigger of the snapshot store on every bound table: logs the customers a statement touched (every customer on TRUNCATE) in kam.snapshot_log; internal';

-- Keeps the capture triggers in step with the bindings and the snapshots
-- setting: removes kam's triggers from tables no longer bound (or all of them
-- when snapshots are off), and creates them on every bound table and every
-- partition or child of one.  It runs as the caller, so creating a trigger
-- takes the caller's TRIGGER privilege on the table; where the caller owns
-- the table the triggers fire always, also for replicated writes
-- (session_replication_role = replica).  p_strict: a table the caller may not
-- change is an error (kam.enable_snapshots), else a warning (a rebind: the
-- views then compute live).  Every role may run it (kam.bind calls it, and a
-- role the owner lets bind needs nothing more): it does only what the
-- caller's own privileges allow, and attaching kam.snapshot_capture() takes
-- EXECUTE on it, which PUBLIC does not have.
CREATE FUNCTION @extschema@.snapshot_sync_triggers(p_strict boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	enabled boolean := COALESCE(@extschema@.setting('snapshots'::text)::boolean, false);
	r record;
	t record;
BEGIN
	FOR r IN SELECT DISTINCT g.tgrelid::regclass AS rel
			   FROM pg_catalog.pg_trigger g
			  WHERE g.tgfoid OPERATOR(pg_catalog.=) '@extschema@.snapshot_capture()'::pg_catalog.regprocedure::oid
				AND (NOT enabled OR g.tgrelid OPERATOR(pg_catalog.<>) ALL
						(ARRAY(SELECT c.relid FROM @extschema@.snapshot_captured_relations() c))) LOOP
		BEGIN
			FOR t IN SELECT g.tgname FROM pg_catalog.pg_trigger g
					  WHERE g.tgrelid OPERATOR(pg_catalog.=) r.rel::oid
						AND g.tgfoid OPERATOR(pg_catalog.=) '@extschema@.snapshot_capture()'::pg_catalog.regprocedure::oid LOOP
				EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, r.rel);
			END LOOP;
		EXCEPTION WHEN insufficient_privilege THEN
			RAISE WARNING 'kam''s snapshot triggers stay on %: you may not drop them', r.rel
				USING DETAIL = 'They log nothing for a table that is not bound.',
					  HINT = format('Its owner can drop them: DROP TRIGGER kam_snapshot_insert ON %s, and so on for update, delete and truncate.', r.rel);
		END;
	END LOOP;
	IF NOT enabled THEN
		RETURN;
	END IF;
	FOR r IN SELECT c.oid::regclass AS rel, pg_catalog.pg_has_role(c.relowner, 'USAGE') AS owned,
					x.args, x.tgargs
			   FROM @extschema@.snapshot_capture_args() x
			   JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) x.relid
			  WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::"char"[]) LOOP
		BEGIN
			-- kam's triggers whose arguments are no longer the bindings' (a rebind) go first
			FOR t IN SELECT g.tgname FROM pg_catalog.pg_trigger g
					  WHERE g.tgrelid OPERATOR(pg_catalog.=) r.rel::oid
						AND g.tgfoid OPERATOR(pg_catalog.=) '@extschema@.snapshot_capture()'::pg_catalog.regprocedure::oid
						AND g.tgargs OPERATOR(pg_catalog.<>) r.tgargs LOOP
				EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, r.rel);
			END LOOP;
			FOR t IN SELECT e.event, e.clause
					   FROM (VALUES ('insert'::text, 'AFTER INSERT ON %s REFERENCING NEW TABLE AS kam_new'::text),
									('update', 'AFTER UPDATE ON %s REFERENCING OLD TABLE AS kam_old NEW TABLE AS kam_new'),
									('delete', 'AFTER DELETE ON %s REFERENCING OLD TABLE AS kam_old'),
									('truncate', 'AFTER TRUNCATE ON %s')) e(event, clause)
					  WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
										 WHERE g.tgrelid OPERATOR(pg_catalog.=) r.rel::oid
										   AND g.tgname OPERATOR(pg_catalog.=) ('kam_snapshot_' OPERATOR(pg_catalog.||) e.event)::name) LOOP
				-- the arguments: the (kind, customer column) pairs, as quoted literals
				EXECUTE format('CREATE TRIGGER %I ' OPERATOR(pg_catalog.||) t.clause
							   OPERATOR(pg_catalog.||) ' FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.snapshot_capture(%s)',
							   'kam_snapshot_' OPERATOR(pg_catalog.||) t.event, r.rel,
							   (SELECT string_agg(quote_literal(a.arg), ', ' ORDER BY a.n)
								  FROM unnest(r.args) WITH ORDINALITY a(arg, n)));
				IF r.owned THEN
					EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', r.rel, 'kam_snapshot_' OPERATOR(pg_catalog.||) t.event);
				END IF;
			END LOOP;
		EXCEPTION WHEN insufficient_privilege THEN
			IF p_strict THEN
				RAISE EXCEPTION 'kam cannot capture the writes to %: you may not create triggers on it', r.rel
					USING ERRCODE = 'insufficient_privilege',
						  DETAIL = 'The snapshot store needs statement triggers on every bound table.',
						  HINT = format('Run it as the owner of %s, or GRANT TRIGGER ON %s to you.', r.rel, r.rel);
			END IF;
			RAISE WARNING 'kam cannot capture the writes to %: the report views compute live', r.rel
				USING HINT = format('Run SELECT kam.enable_snapshots() as a role with the TRIGGER privilege on %s.', r.rel);
		END;
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.snapshot_sync_triggers(boolean) IS
'Creates kam''s capture triggers on every bound table (and its partitions) and drops them where they are no longer needed, with the caller''s privileges; internal';

-- Called by kam.rebuild_views() (as kam's owner) right after it created
-- report view p_view: with snapshots on, makes sure the store table
-- kam.snapshot_<view> has the view's columns (created from the catalog;
-- re-created, empty, when they changed) and replaces the view by the
-- store-or-live union, the live part being the registered definition filled
-- in for the current bindings, as kam.rebuild_views() created it; a
-- customer-local view gets the merged branches too and an index on its
-- store's customer column.  It reads no data and runs only text kam wrote.
CREATE FUNCTION @extschema@.snapshot_attach(p_view text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	store text := 'snapshot_' OPERATOR(pg_catalog.||) p_view;
	want text;
	have text;
	live text;
	owner text := (SELECT e.extowner::regrole::text FROM pg_catalog.pg_extension e
					WHERE e.extname OPERATOR(pg_catalog.=) 'kam');
	col text;
	typ text;
	merged text;
	pending text := '(SELECT @extschema@.snapshot_pending_ids())';
BEGIN
	IF NOT COALESCE(@extschema@.setting('snapshots'::text)::boolean, false) THEN
		RETURN;
	END IF;
	IF (SELECT c.relkind FROM pg_catalog.pg_class c
		 WHERE c.oid OPERATOR(pg_catalog.=) to_regclass(format('@extschema@.%I', p_view))::oid) OPERATOR(pg_catalog.=) 'v'::"char" THEN
		live := @extschema@.snapshot_live_sql(p_view);
	END IF;
	IF live IS NULL THEN
		RAISE EXCEPTION '"%" is not an existing report view', p_view
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'kam.rebuild_views() calls this for each report view it creates.';
	END IF;
	SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
					  OPERATOR(pg_catalog.||) CASE WHEN a.attcollation OPERATOR(pg_catalog.<>) 0::oid
														AND a.attcollation OPERATOR(pg_catalog.<>) t.typcollation
												   THEN format(' COLLATE %I.%I', n.nspname, l.collname) ELSE '' END,
					  ', ' ORDER BY a.attnum)
	  INTO want
	  FROM pg_catalog.pg_attribute a
	  JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
	  LEFT JOIN pg_catalog.pg_collation l ON l.oid OPERATOR(pg_catalog.=) a.attcollation
	  LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) l.collnamespace
	 WHERE a.attrelid OPERATOR(pg_catalog.=) to_regclass(format('@extschema@.%I', p_view))::oid
	   AND a.attnum OPERATOR(pg_catalog.>) 0::int2 AND NOT a.attisdropped;
	IF to_regclass(format('@extschema@.%I', store)) IS NOT NULL THEN
		SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
						  OPERATOR(pg_catalog.||) CASE WHEN a.attcollation OPERATOR(pg_catalog.<>) 0::oid
															AND a.attcollation OPERATOR(pg_catalog.<>) t.typcollation
													   THEN format(' COLLATE %I.%I', n.nspname, l.collname) ELSE '' END,
						  ', ' ORDER BY a.attnum)
		  INTO have
		  FROM pg_catalog.pg_attribute a
		  JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
		  LEFT JOIN pg_catalog.pg_collation l ON l.oid OPERATOR(pg_catalog.=) a.attcollation
		  LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) l.collnamespace
		 WHERE a.attrelid OPERATOR(pg_catalog.=) to_regclass(format('@extschema@.%I', store))::oid
		   AND a.attnum OPERATOR(pg_catalog.>) 0::int2 AND NOT a.attisdropped;
		IF have OPERATOR(pg_catalog.<>) want THEN
			EXECUTE format('DROP TABLE @extschema@.%I', store);
		END IF;
	END IF;
	IF to_regclass(format('@extschema@.%I', store)) IS NULL THEN
		EXECUTE format('CREATE TABLE @extschema@.%I (%s)', store, want);
		EXECUTE format('ALTER TABLE @extschema@.%I ENABLE ROW LEVEL SECURITY', store);
		EXECUTE format('GRANT SELECT ON @extschema@.%I TO PUBLIC', store);
		EXECUTE format('GRANT INSERT, DELETE ON @extschema@.%I TO %s WITH GRANT OPTION', store, owner);
		-- readers: only those whom no row-level security filters (see kam.snapshot_readable)
		EXECUTE format('CREATE POLICY readable ON @extschema@.%I FOR SELECT USING ((SELECT @extschema@.snapshot_readable()))', store);
		-- what kam.refresh() writes (its privileges decide who)
		EXECUTE format('CREATE POLICY refresh_delete ON @extschema@.%I FOR DELETE USING (true)', store);
		EXECUTE format('CREATE POLICY refresh_insert ON @extschema@.%I FOR INSERT WITH CHECK (true)', store);
		-- an empty store: the last refresh is no longer complete
		DELETE FROM @extschema@.snapshot_state;
	END IF;
	-- a customer-local view: the logged customers are looked up through an
	-- index on the store's customer column, and read merged (see below)
	SELECT l.customer_column INTO col FROM @extschema@.snapshot_local_views l WHERE l.name OPERATOR(pg_catalog.=) p_view;
	IF col IS NOT NULL THEN
		typ := @extschema@.snapshot_id_type(to_regclass(format('@extschema@.%I', store)), col);
		merged := @extschema@.snapshot_local_sql(p_view, pending, true);
	END IF;
	IF typ IS NOT NULL AND merged IS NOT NULL THEN
		IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
						 JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid
													   AND a.attnum OPERATOR(pg_catalog.=) i.indkey[0]
						WHERE i.indrelid OPERATOR(pg_catalog.=) to_regclass(format('@extschema@.%I', store))::oid
						  AND a.attname OPERATOR(pg_catalog.=) col::name) THEN
			EXECUTE format('CREATE INDEX ON @extschema@.%I (%I)', store, col);
		END IF;
		-- four branches, each behind a one-time filter (only those of the
		-- mode run): the store; in mode merge the stored rows of the customers
		-- not logged plus the live rows of the logged ones; live
		EXECUTE format('CREATE OR REPLACE VIEW @extschema@.%I WITH (security_invoker = true) AS '
					   'SELECT * FROM @extschema@.%I s WHERE (SELECT @extschema@.snapshot_mode(%L::pg_catalog.text)) OPERATOR(pg_catalog.=) ''store'' '
					   'UNION ALL SELECT * FROM @extschema@.%I s WHERE (SELECT @extschema@.snapshot_mode(%L::pg_catalog.text)) OPERATOR(pg_catalog.=) ''merge'' '
					   'AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest((%s)::%s[]) d(id) WHERE d.id OPERATOR(pg_catalog.=) s.%I) '
					   'UNION ALL SELECT * FROM (%s) m WHERE (SELECT @extschema@.snapshot_mode(%L::pg_catalog.text)) OPERATOR(pg_catalog.=) ''merge'' '
					   'UNION ALL SELECT * FROM (%s) l WHERE (SELECT @extschema@.snapshot_mode(%L::pg_catalog.text)) OPERATOR(pg_catalog.=) ''live''',
					   p_view, store, p_view, store, p_view, pending, typ, col, merged, p_view, live, p_view);
		RETURN;
	END IF;
	EXECUTE format('CREATE OR REPLACE VIEW @extschema@.%I WITH (security_invoker = true) AS '
				   'SELECT * FROM @extschema@.%I s WHERE (SELECT @extschema@.snapshot_fresh(%L::pg_catalog.text)) '
				   'UNION ALL SELECT * FROM (%s) l WHERE NOT (SELECT @extschema@.snapshot_fresh(%L::pg_catalog.text))',
				   p_view, store, p_view, live, p_view);
END
$$;
COMMENT ON FUNCTION @extschema@.snapshot_attach(text) IS
'Gives a report view its snapshot store table (from the catalog) and makes the view read the store while it is fresh; called by kam.rebuild_views(); internal';

-- Called at the end of kam.rebuild_views(): drops the store tables whose view
-- no longer reads them (snapshots off, or the view is gone), and gives the
-- others their comments (the view's).
CREATE FUNCTION @extschema@.snapshot_sync_stores()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s record;
	col record;
BEGIN
	FOR s IN SELECT k.oid::regclass AS store, substr(k.relname, 10) AS view_name
			   FROM pg_catalog.pg_class k
			  WHERE k.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace::oid
				AND k.relkind OPERATOR(pg_catalog.=) 'r'::"char"
				AND k.relname::text OPERATOR(pg_catalog.=) ANY
					(ARRAY(SELECT 'snapshot_' OPERATOR(pg_catalog.||) r.name FROM @extschema@.report_views r)) LOOP
		IF NOT COALESCE(@extschema@.setting('snapshots'::text)::boolean, false)
		   OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
						   JOIN pg_catalog.pg_rewrite w ON w.oid OPERATOR(pg_catalog.=) d.objid
						  WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::regclass::oid
							AND d.refobjid OPERATOR(pg_catalog.=) s.store::oid
							AND w.ev_class OPERATOR(pg_catalog.=) to_regclass(format('@extschema@.%I', s.view_name))::oid) THEN
			EXECUTE format('DROP TABLE %s', s.store);
			CONTINUE;
		END IF;
		EXECUTE format('COMMENT ON TABLE %s IS %L', s.store,
					   format('Snapshot store of kam.%s: its rows as of the last kam.refresh(); read them through kam.%s', s.view_name, s.view_name));
		FOR col IN SELECT a.attname, COALESCE(col_description(v.attrelid, v.attnum), 'Column of kam.' OPERATOR(pg_catalog.||) s.view_name) AS description
				   FROM pg_catalog.pg_attribute a
				   JOIN pg_catalog.pg_attribute v
					 ON v.attrelid OPERATOR(pg_catalog.=) to_regclass(format('@extschema@.%I', s.view_name))::oid
					AND v.attnum OPERATOR(pg_catalog.=) a.attnum
				  WHERE a.attrelid OPERATOR(pg_catalog.=) s.store::oid
					AND a.attnum OPERATOR(pg_catalog.>) 0::int2 AND NOT a.attisdropped LOOP
			EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', s.store, col.attname, col.description);
		END LOOP;
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.snapshot_sync_stores() IS
'Drops the snapshot store tables no view reads any more and comments the others like their views; called by kam.rebuild_views(); internal';

-- Refuses to refresh for a role that row-level security filters on a table
-- under kam's base views (42501 from PostgreSQL, as in
-- kam.tier_snapshot_compute): planning each with row_security off is enough,
-- and the locks taken keep policies from changing until the refresh commits.
CREATE FUNCTION @extschema@.snapshot_check_reads()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET row_security = off
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	base text;
BEGIN
	FOREACH base IN ARRAY @extschema@.binding_kinds() LOOP
		IF to_regclass(format('@extschema@.%I', base)) IS NOT NULL THEN
			EXECUTE format('SELECT 1 FROM @extschema@.%I LIMIT 0', base);
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.snapshot_check_reads() IS
'Raises 42501 when row-level security would filter what kam.refresh() reads of the bound tables; internal';

-- Warns when a bound orders or customers table has no index whose first
-- column is its bound customer column: kam.refresh() and the real-time reads
-- look the logged customers up through it, and read every row without one.
-- The hint is the statement that creates it.
CREATE FUNCTION @extschema@.snapshot_check_indexes()
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT b.kind, b.relation, b.columns OPERATOR(pg_catalog.->>) 'customer' AS col
			   FROM @extschema@.bindings b
			   JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) b.relation::oid
			  WHERE b.kind OPERATOR(pg_catalog.=) ANY (ARRAY['orders', 'customers']::text[])
				AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::"char"[])
				AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
								  JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid
																AND a.attnum OPERATOR(pg_catalog.=) i.indkey[0]
								 WHERE i.indrelid OPERATOR(pg_catalog.=) b.relation::oid
								   AND i.indpred IS NULL
								   AND a.attname OPERATOR(pg_catalog.=) (b.columns OPERATOR(pg_catalog.->>) 'customer')::name)
			  ORDER BY b.kind LOOP
		RAISE WARNING 'no index on % (bound as %) starts with its customer column %', r.relation, r.kind, quote_ident(r.col)
			USING DETAIL = 'kam.refresh() and the real-time reads look the changed customers up by that column; without an index they read every row.',
				  HINT = format('CREATE INDEX ON %s (%I);', r.relation, r.col);
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.snapshot_check_indexes() IS
'Warns, with the CREATE INDEX as hint, when a bound orders or customers table has no index starting with its customer column; internal';

-- kam.refresh(): every report view recomputed into its store, all or
-- nothing.  Incremental when the store is complete for the current
-- fingerprint, every write since the last refresh was captured and none was
-- a TRUNCATE: then each customer-local view (kam.snapshot_local_views) that
-- was stored last time has the stored rows of the logged customers deleted
-- and their live rows inserted (kam.snapshot_local_sql, the ids a constant
-- array: an index scan of the bound tables); the other views are
-- recomputed in full (they read the local views' stores, already updated).  One at a time (the lock on kam.bindings, as every maintenance
-- function takes); readers are not blocked and see the old rows until it
-- commits.  The configuration tables are locked against writes, so the
-- fingerprint taken first is what the rows are computed with.  The log rows
-- it clears are those it read in its first statement: their writes were
-- committed before any view is computed, so the new rows include them;
-- whatever is logged later stays and keeps the views live until the next
-- refresh.  Views are stored in creation order, and a view computed later
-- reads the ones already stored in this transaction (kam.snapshot_fresh).
-- JIT is off: the views' plans cross its cost thresholds, and compiling them
-- took four times as long as computing them (demo data: 57 s against 11 s).
-- Returns the number of customers recomputed (when incremental the distinct
-- customers logged for the orders and customers bindings, else every one).
CREATE FUNCTION @extschema@.refresh()
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	ids bigint[];
	fp text;
	bfp text;
	t0 timestamptz;
	v record;
	done text := ',';
	failed text[] := ARRAY[]::text[];
	msg text;
	n bigint := 0;
	st @extschema@.snapshot_state;
	incr boolean;
	dirty text[];
	col text;
	typ text;
	part text;
BEGIN
	LOCK TABLE @extschema@.bindings IN SHARE ROW EXCLUSIVE MODE;
	LOCK TABLE @extschema@.settings, @extschema@.tier_policy, @extschema@.loyalty_ladder, @extschema@.rfm_segment_map,
		@extschema@.health_policy, @extschema@.deleted_defaults, @extschema@.models IN SHARE MODE;
	ids := ARRAY(SELECT l.id FROM @extschema@.snapshot_log l);
	t0 := clock_timestamp();
	IF NOT COALESCE(@extschema@.setting('snapshots'::text)::boolean, false) THEN
		RAISE EXCEPTION 'snapshots are off'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Turn them on with SELECT kam.enable_snapshots().';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM @extschema@.report_views r
					WHERE to_regclass(format('@extschema@.snapshot_%s', r.name)) IS NOT NULL) THEN
		RAISE EXCEPTION 'there is no report view to store'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Bind your orders first (kam.bind_orders).';
	END IF;
	PERFORM @extschema@.check_trusted_read('kam.refresh()'::text);
	PERFORM @extschema@.snapshot_check_reads();
	PERFORM @extschema@.snapshot_check_indexes();
	fp := @extschema@.snapshot_fingerprint();
	bfp := @extschema@.snapshot_bindings_fingerprint();
	-- incremental: the store is complete for the same fingerprint, every
	-- write since was captured, and none was a TRUNCATE
	SELECT * INTO st FROM @extschema@.snapshot_state;
	incr := FOUND AND st.fingerprint OPERATOR(pg_catalog.=) fp
				   AND @extschema@.snapshot_captured() AND @extschema@.snapshot_readable()
				   AND NOT EXISTS (SELECT 1 FROM @extschema@.snapshot_log l
									WHERE l.id OPERATOR(pg_catalog.=) ANY (ids) AND l.customer_ids IS NULL);
	IF incr THEN
		-- (the local views read only kam.orders and kam.customers)
		dirty := ARRAY(SELECT DISTINCT u.id FROM @extschema@.snapshot_log l
						CROSS JOIN LATERAL unnest(l.customer_ids) u(id)
						WHERE l.id OPERATOR(pg_catalog.=) ANY (ids)
						  AND l.kind OPERATOR(pg_catalog.=) ANY (ARRAY['orders', 'customers']::text[]));
	END IF;
	PERFORM set_config('kam.snapshot_refreshing', done, true);
	FOR v IN SELECT r.name FROM @extschema@.report_views r
			  WHERE to_regclass(format('@extschema@.snapshot_%s', r.name)) IS NOT NULL
			  ORDER BY r.position LOOP
		-- a customer-local view stored completely last time: only the logged customers
		part := NULL;
		typ := NULL;
		IF incr AND v.name OPERATOR(pg_catalog.<>) ALL (st.failed_views) THEN
			SELECT l.customer_column INTO col FROM @extschema@.snapshot_local_views l WHERE l.name OPERATOR(pg_catalog.=) v.name;
			IF col IS NOT NULL THEN
				typ := @extschema@.snapshot_id_type(to_regclass(format('@extschema@.%I', 'snapshot_' OPERATOR(pg_catalog.||) v.name)), col);
				part := @extschema@.snapshot_local_sql(v.name, format('%L::pg_catalog.text[]', dirty), false);
			END IF;
		END IF;
		IF typ IS NOT NULL AND part IS NOT NULL THEN
			EXECUTE format('DELETE FROM @extschema@.%I s WHERE s.%I OPERATOR(pg_catalog.=) ANY (%L::pg_catalog.text[]::%s[])',
						   'snapshot_' OPERATOR(pg_catalog.||) v.name, col, dirty, typ);
		ELSE
			part := NULL;
			EXECUTE format('DELETE FROM @extschema@.%I', 'snapshot_' OPERATOR(pg_catalog.||) v.name);
		END IF;
		BEGIN
			EXECUTE format('INSERT INTO @extschema@.%I SELECT * FROM %s',
						   'snapshot_' OPERATOR(pg_catalog.||) v.name,
						   COALESCE('(' OPERATOR(pg_catalog.||) part OPERATOR(pg_catalog.||) ') q',
									format('@extschema@.%I', v.name)));
			done := done OPERATOR(pg_catalog.||) v.name OPERATOR(pg_catalog.||) ',';
			PERFORM set_config('kam.snapshot_refreshing', done, true);
		EXCEPTION WHEN insufficient_privilege THEN
			RAISE;
		WHEN OTHERS THEN
			-- the view fails live too (e.g. no stored model): it stays live and shows its error
			GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
			RAISE WARNING 'kam.% is not stored: %', v.name, msg
				USING HINT = 'It computes live (and shows that error) until a refresh can store it.';
			failed := failed OPERATOR(pg_catalog.||) v.name;
		END;
	END LOOP;
	PERFORM set_config('kam.snapshot_refreshing', '', true);
	IF incr THEN
		n := cardinality(dirty);
	ELSIF to_regclass('@extschema@.customers') IS NOT NULL THEN
		SELECT count(*) INTO n FROM @extschema@.customers;
	END IF;
	DELETE FROM @extschema@.snapshot_log l WHERE l.id OPERATOR(pg_catalog.=) ANY (ids);
	INSERT INTO @extschema@.snapshot_state AS s (singleton, refreshed_at, duration, customers, fingerprint,
												 bindings_fingerprint, failed_views, incremental)
	VALUES (true, now(), clock_timestamp() OPERATOR(pg_catalog.-) t0, n, fp, bfp, failed, incr)
	ON CONFLICT (singleton) DO UPDATE SET refreshed_at = excluded.refreshed_at, duration = excluded.duration,
		customers = excluded.customers, fingerprint = excluded.fingerprint,
		bindings_fingerprint = excluded.bindings_fingerprint, failed_views = excluded.failed_views,
		incremental = excluded.incremental;
	RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh() IS
'Recomputes every report view into the snapshot store (all or nothing, one refresh at a time, readers not blocked) and returns the customers recomputed';

CREATE FUNCTION @extschema@.enable_snapshots()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	LOCK TABLE @extschema@.bindings IN SHARE ROW EXCLUSIVE MODE;
	-- writes to a relation without kam's triggers (a new partition) were not
	-- logged: the stored rows are no base for an incremental refresh
	IF NOT @extschema@.snapshot_captured() THEN
		DELETE FROM @extschema@.snapshot_state;
	END IF;
	PERFORM @extschema@.set('snapshots'::text, 'on'::text);
	PERFORM @extschema@.snapshot_sync_triggers(true);
	PERFORM @extschema@.rebuild_views();
	PERFORM @extschema@.snapshot_check_indexes();
END
$$;
COMMENT ON FUNCTION @extschema@.enable_snapshots() IS
'Turns the snapshot store on: capture triggers on the bound tables and report views that read the store while it is fresh; fill it with kam.refresh()';

CREATE FUNCTION @extschema@.disable_snapshots()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	LOCK TABLE @extschema@.bindings IN SHARE ROW EXCLUSIVE MODE;
	PERFORM @extschema@.set('snapshots'::text, 'off'::text);
	PERFORM @extschema@.rebuild_views();
	PERFORM @extschema@.snapshot_sync_triggers(false);
	DELETE FROM @extschema@.snapshot_log;
	DELETE FROM @extschema@.snapshot_state;
END
$$;
COMMENT ON FUNCTION @extschema@.disable_snapshots() IS
'Turns the snapshot store off: the report views compute live again, and the store, its log and kam''s triggers are removed';

-- What the last refresh did and what is pending (every role may read the
-- log's counts, not its customers).
CREATE VIEW @extschema@.snapshot_status WITH (security_invoker = true) AS
	SELECT COALESCE(@extschema@.setting('snapshots'::text)::boolean, false) AS enabled,
		   COALESCE(@extschema@.setting('snapshot_realtime'::text)::boolean, true) AS realtime,
		   s.refreshed_at AS last_refresh,
		   s.duration,
		   s.customers AS customers_recomputed,
		   s.failed_views AS views_not_stored,
		   (SELECT count(*) FROM @extschema@.snapshot_log) AS pending_invalidations,
		   (SELECT COALESCE(sum(l.customer_count), 0) FROM @extschema@.snapshot_log l) AS pending_customers,
		   EXISTS (SELECT 1 FROM @extschema@.snapshot_log l WHERE l.customer_count IS NULL) AS pending_all,
		   @extschema@.snapshot_fresh(NULL::text) AS reads_store,
		   s.incremental AS last_refresh_incremental,
		   @extschema@.snapshot_mode(NULL::text) OPERATOR(pg_catalog.=) 'merge' AS reads_merged,
		   CASE WHEN COALESCE(@extschema@.setting('snapshots'::text)::boolean, false)
				THEN @extschema@.snapshot_uncaptured() ELSE ARRAY[]::text[] END AS uncaptured
	  FROM (SELECT) one
	  LEFT JOIN @extschema@.snapshot_state s ON true;
COMMENT ON VIEW @extschema@.snapshot_status IS
'The snapshot store: whether it is on, the last refresh (time, duration, customers recomputed), pending invalidations, and whether your reads come from it now';
COMMENT ON COLUMN @extschema@.snapshot_status.enabled IS 'True when snapshots are on (kam.enable_snapshots())';
COMMENT ON COLUMN @extschema@.snapshot_status.realtime IS 'True when the views read the store only while it equals the live computation (setting snapshot_realtime)';
COMMENT ON COLUMN @extschema@.snapshot_status.last_refresh IS 'Start time of the last completed kam.refresh(); NULL when the store was never filled';
COMMENT ON COLUMN @extschema@.snapshot_status.duration IS 'Wall-clock time the last refresh took';
COMMENT ON COLUMN @extschema@.snapshot_status.customers_recomputed IS 'Customers the last refresh recomputed';
COMMENT ON COLUMN @extschema@.snapshot_status.views_not_stored IS 'Report views the last refresh could not compute (their error is in its warnings); they compute live';
COMMENT ON COLUMN @extschema@.snapshot_status.pending_invalidations IS 'Write statements on bound tables logged since the last refresh (each makes the views compute live until the next)';
COMMENT ON COLUMN @extschema@.snapshot_status.pending_customers IS 'Customers those statements touched, counted once per statement (a customer written by two statements counts twice)';
COMMENT ON COLUMN @extschema@.snapshot_status.pending_all IS 'True when a TRUNCATE since the last refresh invalidated every customer';
COMMENT ON COLUMN @extschema@.snapshot_status.last_refresh_incremental IS 'True when the last refresh recomputed only the logged customers of the customer-local views (the others in full); NULL when the store was never filled';
COMMENT ON COLUMN @extschema@.snapshot_status.reads_merged IS 'True when your reads of the customer-local views combine stored rows with live rows of the customers logged since the last refresh right now';
COMMENT ON COLUMN @extschema@.snapshot_status.reads_store IS 'True when your reads of the report views come from the store right now (else they compute live)';
COMMENT ON COLUMN @extschema@.snapshot_status.uncaptured IS 'With snapshots on: the bound relations, partitions and children whose writes kam does not capture (a view, a foreign table, a partition created or attached since kam.enable_snapshots(): run it again); while one is listed, real-time reads compute live';
GRANT SELECT ON @extschema@.snapshot_status TO PUBLIC;
