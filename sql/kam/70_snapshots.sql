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
	failed_views text[] NOT NULL
);
COMMENT ON TABLE @extschema@.snapshot_state IS
'The last completed kam.refresh() of the snapshot store: when, how long, how many customers, and the fingerprint of what the rows depend on';
COMMENT ON COLUMN @extschema@.snapshot_state.singleton IS 'Always true: the table has at most one row';
COMMENT ON COLUMN @extschema@.snapshot_state.refreshed_at IS 'Start time of the transaction of the last completed refresh';
COMMENT ON COLUMN @extschema@.snapshot_state.duration IS 'Wall-clock time the last refresh took to compute and store the views';
COMMENT ON COLUMN @extschema@.snapshot_state.customers IS 'Customers recomputed by the last refresh (every customer in kam.customers: refreshes are full)';
COMMENT ON COLUMN @extschema@.snapshot_state.fingerprint IS 'md5 of everything besides the data the stored rows depend on (kam.snapshot_fingerprint()) at the refresh';
COMMENT ON COLUMN @extschema@.snapshot_state.bindings_fingerprint IS 'md5 of the bindings at the refresh (kam.snapshot_bindings_fingerprint())';
COMMENT ON COLUMN @extschema@.snapshot_state.failed_views IS 'Report views whose computation raised an error in the last refresh (e.g. no stored model yet): they always compute live, and show the error';
GRANT SELECT ON @extschema@.snapshot_state TO PUBLIC;
-- kept by pg_dump (a restored database has other OIDs, so the fingerprint no
-- longer matches and the views compute live until the next refresh)
SELECT pg_catalog.pg_extension_config_dump('@extschema@.snapshot_state', '');

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

-- Whether kam.X reads its store now.  kam.snapshot_reads = 'live' (a session
-- setting, for comparisons) forces live reads; inside kam.refresh(), the
-- views it has already stored in this transaction are read from the store.
CREATE FUNCTION @extschema@.snapshot_fresh(p_view text)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	reads text := current_setting('kam.snapshot_reads', true);
	refreshing text := current_setting('kam.snapshot_refreshing', true);
	st @extschema@.snapshot_state;
BEGIN
	IF refreshing LIKE ',%' THEN
		RETURN strpos(refreshing, ',' OPERATOR(pg_catalog.||) p_view OPERATOR(pg_catalog.||) ',') OPERATOR(pg_catalog.>) 0;
	END IF;
	IF reads OPERATOR(pg_catalog.=) 'live' THEN
		RETURN false;
	ELSIF COALESCE(reads, '') OPERATOR(pg_catalog.<>) ALL (ARRAY['', 'auto']) THEN
		RAISE EXCEPTION 'invalid value "%" for kam.snapshot_reads', reads
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use auto (the store while it is fresh) or live (always compute live).';
	END IF;
	IF NOT COALESCE(@extschema@.setting('snapshots'::text)::boolean, false) THEN
		RETURN false;
	END IF;
	SELECT * INTO st FROM @extschema@.snapshot_state;
	IF NOT FOUND OR p_view OPERATOR(pg_catalog.=) ANY (st.failed_views) OR NOT @extschema@.snapshot_readable() THEN
		RETURN false;
	END IF;
	IF NOT COALESCE(@extschema@.setting('snapshot_realtime'::text)::boolean, true) THEN
		RETURN st.bindings_fingerprint OPERATOR(pg_catalog.=) @extschema@.snapshot_bindings_fingerprint();
	END IF;
	RETURN NOT EXISTS (SELECT 1 FROM @extschema@.snapshot_log)
		   AND @extschema@.snapshot_captured()
		   AND st.fingerprint OPERATOR(pg_catalog.=) @extschema@.snapshot_fingerprint();
END
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
-- in for the current bindings, as kam.rebuild_views() created it.  It reads no
-- data and runs only text kam wrote.
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
BEGIN
	IF NOT COALESCE(@extschema@.setting('snapshots'::text)::boolean, false) THEN
		RETURN;
	END IF;
	-- the bound kinds as kam.rebuild_views() counts them (customers: derived from the orders when unbound)
	SELECT @extschema@.optional_relations(r.definition,
			ARRAY(SELECT b.kind FROM @extschema@.bindings b
				  UNION SELECT 'customers'::text FROM @extschema@.bindings b WHERE b.kind OPERATOR(pg_catalog.=) 'orders'))
	  INTO live
	  FROM @extschema@.report_views r
	 WHERE r.name OPERATOR(pg_catalog.=) p_view
	   AND (SELECT c.relkind FROM pg_catalog.pg_class c
			 WHERE c.oid OPERATOR(pg_catalog.=) to_regclass(format('@extschema@.%I', p_view))::oid) OPERATOR(pg_catalog.=) 'v'::"char";
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

-- kam.refresh(): every report view recomputed into its store, all or
-- nothing.  One at a time (the lock on kam.bindings, as every maintenance
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
-- Returns the number of customers recomputed.
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
	fp := @extschema@.snapshot_fingerprint();
	bfp := @extschema@.snapshot_bindings_fingerprint();
	PERFORM set_config('kam.snapshot_refreshing', done, true);
	FOR v IN SELECT r.name FROM @extschema@.report_views r
			  WHERE to_regclass(format('@extschema@.snapshot_%s', r.name)) IS NOT NULL
			  ORDER BY r.position LOOP
		EXECUTE format('DELETE FROM @extschema@.%I', 'snapshot_' OPERATOR(pg_catalog.||) v.name);
		BEGIN
			EXECUTE format('INSERT INTO @extschema@.%I SELECT * FROM @extschema@.%I',
						   'snapshot_' OPERATOR(pg_catalog.||) v.name, v.name);
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
	IF to_regclass('@extschema@.customers') IS NOT NULL THEN
		SELECT count(*) INTO n FROM @extschema@.customers;
	END IF;
	DELETE FROM @extschema@.snapshot_log l WHERE l.id OPERATOR(pg_catalog.=) ANY (ids);
	INSERT INTO @extschema@.snapshot_state AS s (singleton, refreshed_at, duration, customers, fingerprint,
												 bindings_fingerprint, failed_views)
	VALUES (true, now(), clock_timestamp() OPERATOR(pg_catalog.-) t0, n, fp, bfp, failed)
	ON CONFLICT (singleton) DO UPDATE SET refreshed_at = excluded.refreshed_at, duration = excluded.duration,
		customers = excluded.customers, fingerprint = excluded.fingerprint,
		bindings_fingerprint = excluded.bindings_fingerprint, failed_views = excluded.failed_views;
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
	PERFORM @extschema@.set('snapshots'::text, 'on'::text);
	PERFORM @extschema@.snapshot_sync_triggers(true);
	PERFORM @extschema@.rebuild_views();
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
COMMENT ON COLUMN @extschema@.snapshot_status.reads_store IS 'True when your reads of the report views come from the store right now (else they compute live)';
COMMENT ON COLUMN @extschema@.snapshot_status.uncaptured IS 'With snapshots on: the bound relations, partitions and children whose writes kam does not capture (a view, a foreign table, a partition created or attached since kam.enable_snapshots(): run it again); while one is listed, real-time reads compute live';
GRANT SELECT ON @extschema@.snapshot_status TO PUBLIC;
