-- ===========================================================================
-- 00 core: settings, bindings to the user's tables, and the report-view registry
--
-- Views over the user's data can't exist before the user names the tables, so
-- every such view is registered here as text (kam.report_views) and created by
-- kam.rebuild_views(), which kam.bind_orders / bind_customers / bind_visits call.
-- The created views are ordinary (non-member) objects: pg_dump keeps them, and
-- they are created WITH (security_invoker = true) so the user's privileges and
-- row-level security decide what each reader sees.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Settings: shipped defaults (part of the extension) and the user's overrides
-- (kept by pg_dump).  kam.set() / kam.reset() change them; kam.setting() and
-- the typed readers below read them.
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.setting_defaults (
	name text PRIMARY KEY,
	value text,					-- NULL: computed (as_of = current date, time_zone = the session's)
	type text NOT NULL CHECK (type OPERATOR(pg_catalog.=) ANY (ARRAY['date', 'period', 'integer', 'float8', 'text', 'boolean', 'time_zone']::pg_catalog.text[])),
	min_value float8,			-- inclusive range for integer / float8 settings
	max_value float8,
	description text NOT NULL
);
COMMENT ON TABLE @extschema@.setting_defaults IS
'Shipped kam settings with their default value, type, allowed range and meaning (kam.current_settings shows them with your overrides)';
COMMENT ON COLUMN @extschema@.setting_defaults.name IS 'Setting name, as passed to kam.set() and kam.setting()';
COMMENT ON COLUMN @extschema@.setting_defaults.value IS 'Shipped default value as text; NULL means computed (as_of: the current date in time_zone; time_zone: the session''s TimeZone, stored by kam.bind_orders)';
COMMENT ON COLUMN @extschema@.setting_defaults.type IS 'Value type: date, period (day, week, month, quarter, year), integer, float8, text, boolean or time_zone (a time zone PostgreSQL knows)';
COMMENT ON COLUMN @extschema@.setting_defaults.min_value IS 'Smallest allowed value of an integer or float8 setting (inclusive)';
COMMENT ON COLUMN @extschema@.setting_defaults.max_value IS 'Largest allowed value of an integer or float8 setting (inclusive)';
COMMENT ON COLUMN @extschema@.setting_defaults.description IS 'What the setting does, with its unit';
GRANT SELECT ON @extschema@.setting_defaults TO PUBLIC;

CREATE FUNCTION @extschema@.setting_check(p_name text, p_value text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.setting_defaults;
	num float8;
BEGIN
	SELECT * INTO d FROM @extschema@.setting_defaults s WHERE s.name = p_name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'unknown kam setting "%"', p_name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The available settings are listed in kam.current_settings.';
	END IF;
	IF p_value IS NULL THEN
		RETURN true;
	END IF;
	BEGIN
		IF d.type = 'date' THEN
			PERFORM p_value::date;
		ELSIF d.type = 'period' THEN
			IF NOT p_value = ANY (ARRAY['day', 'week', 'month', 'quarter', 'year']) THEN
				RAISE invalid_text_representation;
			END IF;
		ELSIF d.type = 'integer' THEN
			num := p_value::integer;
		ELSIF d.type = 'boolean' THEN
			PERFORM p_value::boolean;
		ELSIF d.type = 'float8' THEN
			num := p_value::float8;
			IF num <> num OR num IN ('Infinity', '-Infinity') THEN
				RAISE invalid_text_representation;
			END IF;
		ELSIF d.type = 'time_zone' THEN
			-- what timezone(zone, timestamptz) accepts (a zone name, a POSIX
			-- zone or an offset), but not an abbreviation alone: those follow
			-- the timezone_abbreviations setting of each session
			PERFORM pg_catalog.timezone(p_value, pg_catalog.now());
			IF EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_abbrevs a
						WHERE a.abbrev OPERATOR(pg_catalog.=) pg_catalog.upper(p_value))
			   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z
								WHERE z.name OPERATOR(pg_catalog.=) p_value) THEN
				RAISE invalid_parameter_value;  -- (class 22: caught below)
			END IF;
		END IF;
	EXCEPTION WHEN data_exception THEN
		RAISE EXCEPTION 'invalid value "%" for kam setting "%"', p_value, p_name
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('The setting takes a value of type %s.', d.type),
				  HINT = CASE WHEN d.type = 'period' THEN 'Use day, week, month, quarter or year.'
							  WHEN d.type = 'date' THEN 'Use a date such as 2025-12-31.'
							  WHEN d.type = 'boolean' THEN 'Use on or off.'
							  WHEN d.type = 'time_zone' THEN 'Use a time zone name of pg_timezone_names, such as Europe/Berlin or UTC.'
							  ELSE 'Use a finite number.' END;
	END;
	IF num IS NOT NULL AND (num < d.min_value OR num > d.max_value) THEN
		RAISE EXCEPTION 'kam setting "%" must be between % and %, got %',
			p_name, d.min_value, d.max_value, p_value
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = d.description;
	END IF;
	RETURN true;
END
$$;
COMMENT ON FUNCTION @extschema@.setting_check(text, text) IS
'Checks that a setting exists and that a value (NULL: none) suits its type and range, raising an error otherwise; internal';

CREATE TABLE @extschema@.settings (
	name text PRIMARY KEY REFERENCES @extschema@.setting_defaults (name),
	value text NOT NULL,
	CHECK (@extschema@.setting_check(name, value))
);
COMMENT ON TABLE @extschema@.settings IS
'Your overrides of kam''s settings (kept by pg_dump); change them with kam.set() and kam.reset()';
COMMENT ON COLUMN @extschema@.settings.name IS 'Setting name (one of kam.setting_defaults)';
COMMENT ON COLUMN @extschema@.settings.value IS 'Value that overrides the default, as text';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.settings', '');
GRANT SELECT ON @extschema@.settings TO PUBLIC;

INSERT INTO @extschema@.setting_defaults (name, value, type, min_value, max_value, description) VALUES
	('as_of', NULL, 'date', NULL, NULL,
	 'Date the reports are computed as of (orders after it are left out); empty means the current date in time_zone.'),
	('time_zone', NULL, 'time_zone', NULL, NULL,
	 'Time zone in which the report views take the days, weeks and months of order, visit, survey and complaint times, whatever the session''s TimeZone; kam.bind_orders stores the session''s TimeZone when it is not set, empty means each session''s TimeZone.'),
	('rfm_period', 'day', 'period', NULL, NULL,
	 'Period in which kam.customer_summary counts frequency, recency and T (lifetimes'' freq).'),
	('period', 'month', 'period', NULL, NULL,
	 'Reporting period of the retention and tier-movement views.'),
	('churn_after', '1', 'integer', 1, 1000,
	 'A customer counts as lost after this many inactive periods in a row (retention, survival).')
ON CONFLICT (name) DO UPDATE SET value = excluded.value, type = excluded.type,
	min_value = excluded.min_value, max_value = excluded.max_value, description = excluded.description;

CREATE FUNCTION @extschema@.setting(p_name text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN @extschema@.setting_check(p_name, NULL::pg_catalog.text)
		THEN COALESCE((SELECT s.value FROM @extschema@.settings s WHERE s.name OPERATOR(pg_catalog.=) p_name),
					  (SELECT d.value FROM @extschema@.setting_defaults d WHERE d.name OPERATOR(pg_catalog.=) p_name))
	END
$$;
COMMENT ON FUNCTION @extschema@.setting(text) IS
'Current value of a kam setting as text: your override, else the shipped default';

-- Citus: a worker (a node whose pg_dist_local_group is not the coordinator's
-- group 0) runs the parts of a query that the coordinator pushes down, but
-- its kam.settings and kam.models are not the coordinator's.  Where a default
-- would stand in for what the worker lacks (as_of: the current date), that
-- would be a silent wrong answer, so it is an error there.
CREATE FUNCTION @extschema@.check_not_citus_worker(what text, lacking text)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	grp integer;
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL THEN
		EXECUTE 'SELECT groupid FROM pg_catalog.pg_dist_local_group' INTO grp;
		IF grp IS DISTINCT FROM 0 THEN
			RAISE EXCEPTION '% ran on a Citus worker, which has no %', what, lacking
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = 'The coordinator pushed the call down to a worker, whose kam.settings and kam.models are not the coordinator''s.',
					  HINT = 'Pass the value as a constant (e.g. ''2025-12-31''::date for kam.as_of()) or call the function in a scalar subquery, (SELECT kam.as_of()), which the coordinator evaluates; see doc/distributed.md.';
		END IF;
	END IF;
	RETURN true;
END
$$;
COMMENT ON FUNCTION @extschema@.check_not_citus_worker(text, text) IS
'true, or an error when called on a Citus worker, whose settings and models are not the coordinator''s (what: the caller, lacking: what the worker lacks); internal';

-- The zone of the report views' days (see doc/foundation.md, "Time zone"):
-- the views read it once, in a scalar subquery, and pass local times
-- (ordered_at AT TIME ZONE zone, an immutable expression) to the timestamp
-- forms of kam's aggregates, so no floor depends on the TimeZone of the
-- session or of the node (a Citus worker) that computes it.
CREATE FUNCTION @extschema@.time_zone()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(@extschema@.setting('time_zone'::pg_catalog.text),
					CASE WHEN @extschema@.check_not_citus_worker('kam.time_zone()'::pg_catalog.text,
																 'time_zone setting'::pg_catalog.text)
						 THEN pg_catalog.current_setting('TimeZone'::pg_catalog.text) END)
$$;
COMMENT ON FUNCTION @extschema@.time_zone() IS
'Time zone of the report views'' days: the time_zone setting (stored by kam.bind_orders), else the session''s TimeZone';

CREATE FUNCTION @extschema@.as_of()
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(@extschema@.setting('as_of'::pg_catalog.text)::pg_catalog.date,
					CASE WHEN @extschema@.check_not_citus_worker('kam.as_of()'::pg_catalog.text,
																 'as_of setting'::pg_catalog.text)
						 THEN pg_catalog.timezone(@extschema@.time_zone(), pg_catalog.now())::pg_catalog.date END)
$$;
COMMENT ON FUNCTION @extschema@.as_of() IS
'Date the reports are computed as of: the as_of setting, else the current date in the time_zone setting''s zone';

CREATE FUNCTION @extschema@.set(p_name text, p_value text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF p_name IS NULL OR p_value IS NULL THEN
		RAISE EXCEPTION 'kam.set needs a setting name and a value'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'To go back to the default, use kam.reset(name).';
	END IF;
	INSERT INTO @extschema@.settings AS s (name, value) VALUES (p_name, p_value)
	ON CONFLICT (name) DO UPDATE SET value = excluded.value;
END
$$;
COMMENT ON FUNCTION @extschema@.set(text, text) IS
'Sets a kam setting (checked against its type and range); kam.reset() goes back to the default';

CREATE FUNCTION @extschema@.reset(p_name text)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.setting_check(p_name, NULL::pg_catalog.text);
	DELETE FROM @extschema@.settings s WHERE s.name OPERATOR(pg_catalog.=) p_name;
$$;
COMMENT ON FUNCTION @extschema@.reset(text) IS
'Removes your override of a kam setting, so the shipped default applies again';

CREATE VIEW @extschema@.current_settings WITH (security_invoker = true) AS
	SELECT d.name,
		   COALESCE(s.value, d.value) AS value,
		   d.value AS default_value,
		   s.value IS NOT NULL AS is_set,
		   d.type,
		   d.description
	  FROM @extschema@.setting_defaults d
	  LEFT JOIN @extschema@.settings s ON s.name OPERATOR(pg_catalog.=) d.name;
COMMENT ON VIEW @extschema@.current_settings IS
'Every kam setting with its current value, its default, whether you changed it, its type and meaning';
COMMENT ON COLUMN @extschema@.current_settings.name IS 'Setting name, as passed to kam.set()';
COMMENT ON COLUMN @extschema@.current_settings.value IS 'Current value as text (NULL for as_of: the current date; for time_zone: the session''s TimeZone)';
COMMENT ON COLUMN @extschema@.current_settings.default_value IS 'Shipped default value as text';
COMMENT ON COLUMN @extschema@.current_settings.is_set IS 'True when you overrode the default with kam.set()';
COMMENT ON COLUMN @extschema@.current_settings.type IS 'Value type: date, period, integer, float8, text, boolean or time_zone';
COMMENT ON COLUMN @extschema@.current_settings.description IS 'What the setting does, with its unit';
GRANT SELECT ON @extschema@.current_settings TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Bindings: which user table plays which part.  kind -> relation and the
-- columns of each role.  Kept by pg_dump.
-- ---------------------------------------------------------------------------
-- The binding kinds, in the order kam creates their views: the one list that
-- the CHECK below, kam.rebuild_views() and kam.snapshot_check_reads() use.
CREATE FUNCTION @extschema@.binding_kinds()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT ARRAY['orders', 'customers', 'visits', 'feedback', 'complaints']::text[]
$$;
COMMENT ON FUNCTION @extschema@.binding_kinds() IS
'The binding kinds (orders, customers, visits, feedback, complaints), in the order kam creates their views';

CREATE TABLE @extschema@.bindings (
	kind text PRIMARY KEY,
	relation regclass NOT NULL,
	columns jsonb NOT NULL		-- role -> column name, e.g. {"customer": "id", "time": "ts"}
);
-- (here, not in CREATE TABLE, so that an update, which replays this section,
-- gives an existing table the same constraint)
ALTER TABLE @extschema@.bindings DROP CONSTRAINT IF EXISTS bindings_kind_check;
ALTER TABLE @extschema@.bindings ADD CONSTRAINT bindings_kind_check
	CHECK (kind OPERATOR(pg_catalog.=) ANY (@extschema@.binding_kinds()));
COMMENT ON TABLE @extschema@.bindings IS
'Which of your tables kam reads as orders, customers and visits, and which column plays each role (kept by pg_dump)';
COMMENT ON COLUMN @extschema@.bindings.kind IS 'Role of the bound relation: one of kam.binding_kinds() (orders, customers, visits, feedback, complaints)';
COMMENT ON COLUMN @extschema@.bindings.relation IS 'Your table or view bound to that role';
COMMENT ON COLUMN @extschema@.bindings.columns IS 'Column name of each role as jsonb, e.g. {"customer": "id", "time": "ts", "amount": "total"}';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bindings', '');
GRANT SELECT ON @extschema@.bindings TO PUBLIC;

-- An orders binding made before the time_zone setting existed (kam 0.1.0,
-- updated by ALTER EXTENSION kam UPDATE) gets the zone of the session that
-- runs the update, stored as kam.bind_orders would have (nothing on a fresh
-- install, which has no binding yet, or when the setting is already there).
INSERT INTO @extschema@.settings AS s (name, value)
SELECT 'time_zone', pg_catalog.current_setting('TimeZone'::pg_catalog.text)
 WHERE EXISTS (SELECT 1 FROM @extschema@.bindings b WHERE b.kind OPERATOR(pg_catalog.=) 'orders')
ON CONFLICT (name) DO NOTHING;

-- ---------------------------------------------------------------------------
-- Report views: registered by each capability's section, created by
-- kam.rebuild_views() in `position` order once the bindings they need exist.
-- Definitions name kam objects as @extschema@.x; they are parsed with
-- search_path = pg_catalog, pg_temp, so built-in names resolve to pg_catalog.
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.report_views (
	name text PRIMARY KEY,
	position integer NOT NULL UNIQUE,
	requires text[] NOT NULL,
	definition text NOT NULL,
	description text NOT NULL
);
COMMENT ON TABLE @extschema@.report_views IS
'Registry of kam''s report views, created over the bound tables by kam.rebuild_views() in position order';
COMMENT ON COLUMN @extschema@.report_views.name IS 'View name in schema kam';
COMMENT ON COLUMN @extschema@.report_views.position IS 'Creation order (a view may read the views with a lower position)';
COMMENT ON COLUMN @extschema@.report_views.requires IS 'Bindings the view needs (orders, customers, visits); it exists only once they are bound';
COMMENT ON COLUMN @extschema@.report_views.definition IS 'SELECT text of the view';
COMMENT ON COLUMN @extschema@.report_views.description IS 'Comment of the view (COMMENT ON VIEW)';

-- Column comments of the views kam.rebuild_views() creates (the binding views
-- kam.orders, kam.customers, kam.visits and the report views): applied with
-- COMMENT ON COLUMN after the views are created, so that psql's \d+ and BI
-- tools show what each column means and its unit.  A row whose view or column
-- does not exist is skipped.
CREATE TABLE @extschema@.report_view_columns (
	view_name text NOT NULL,
	column_name text NOT NULL,
	description text NOT NULL,
	PRIMARY KEY (view_name, column_name)
);
GRANT SELECT ON @extschema@.report_view_columns TO PUBLIC;
COMMENT ON TABLE @extschema@.report_view_columns IS
'Registry of the column comments kam.rebuild_views() puts on the views it creates';
COMMENT ON COLUMN @extschema@.report_view_columns.view_name IS 'View name in schema kam (a report view, or orders, customers, visits, feedback, complaints)';
COMMENT ON COLUMN @extschema@.report_view_columns.column_name IS 'Column of that view';
COMMENT ON COLUMN @extschema@.report_view_columns.description IS 'Comment of the column (COMMENT ON COLUMN), with its unit';

INSERT INTO @extschema@.report_view_columns (view_name, column_name, description) VALUES
	('orders', 'customer_id', 'Customer of the order (the bound customer column, your type)'),
	('orders', 'ordered_at', 'Time of the order, as timestamptz'),
	('orders', 'amount', 'Order amount in your currency (revenue), as float8'),
	('orders', 'margin', 'Order margin in your currency, as float8; NULL when no margin column is bound'),
	('customers', 'customer_id', 'Customer (the bound customer column, your type); without a customers binding, every customer with an order'),
	('customers', 'name', 'Customer name as text; NULL when no name column is bound'),
	('customers', 'account_manager', 'Account manager of the customer as text; NULL when no manager column is bound'),
	('visits', 'customer_id', 'Customer visited (the bound customer column, your type)'),
	('visits', 'visited_at', 'Time of the visit, as timestamptz'),
	('customers', 'potential', 'Customer''s yearly purchasing volume for what we sell, in currency per year, as float8; only when a potential column is bound'),
	('feedback', 'customer_id', 'Customer who answered the survey (the bound customer column, your type)'),
	('feedback', 'answered_at', 'Time the survey was answered, as timestamptz'),
	('feedback', 'score', 'Survey score in survey points (scale feedback_scale_min..feedback_scale_max), as float8'),
	('feedback', 'kind', 'Survey kind as text; NULL when no kind column is bound'),
	('complaints', 'customer_id', 'Customer who complained (the bound customer column, your type)'),
	('complaints', 'opened_at', 'Time the complaint was opened, as timestamptz'),
	('complaints', 'closed_at', 'Time the complaint was closed, as timestamptz; NULL while open or when no closing column is bound'),
	('complaints', 'severity', 'Severity of the complaint as float8 (higher = worse, NULL counts 1); NULL when no severity column is bound')
ON CONFLICT (view_name, column_name) DO UPDATE SET description = excluded.description;
GRANT SELECT ON @extschema@.report_views TO PUBLIC;

-- Checks one binding: the relation exists and is a table or view (not one of
-- kam's own views), and each role's column exists with a type kam can read.
-- Every bound column must be of a built-in type (or a domain over one): the
-- report views compare customer ids and cast names to text, and with a type
-- of the user's own, its operators and casts (the user's code) would run as
-- every reader.  Called by the kam.bind_* functions before they store a
-- binding, and by kam.rebuild_views() for every stored binding.
CREATE FUNCTION @extschema@.check_binding(p_kind text, p_rel regclass, p_columns jsonb)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	times regtype[] := ARRAY['date', 'timestamp without time zone', 'timestamp with time zone']::regtype[];
	amounts regtype[] := ARRAY['smallint', 'integer', 'bigint', 'numeric', 'real',
							   'double precision', 'money']::regtype[];
	role record;
BEGIN
	PERFORM @extschema@.check_relation(p_rel);
	FOR role IN
		SELECT r.role, r.required, r.types
		  FROM (VALUES ('orders'::text, 'customer'::text, true, NULL::regtype[]),
					   ('orders', 'time', true, times),
					   ('orders', 'amount', true, amounts),
					   ('orders', 'margin', false, amounts),
					   ('customers', 'customer', true, NULL),
					   ('customers', 'name', false, NULL),
					   ('customers', 'manager', false, NULL),
					   ('visits', 'customer', true, NULL),
					   ('visits', 'time', true, times), ('customers', 'potential', false, amounts), ('feedback', 'customer', true, NULL), ('feedback', 'time', true, times), ('feedback', 'score', true, amounts), ('feedback', 'kind', false, NULL), ('complaints', 'customer', true, NULL), ('complaints', 'opened', true, times), ('complaints', 'closed', false, times), ('complaints', 'severity', false, amounts)) r(kind, role, required, types)
		 WHERE r.kind OPERATOR(pg_catalog.=) p_kind
	LOOP
		CONTINUE WHEN NOT role.required AND NOT p_columns OPERATOR(pg_catalog.?) role.role;
		PERFORM @extschema@.check_column(p_rel, (role.role OPERATOR(pg_catalog.||) '_column')::text,
										 (p_columns OPERATOR(pg_catalog.->>) role.role)::name, role.types);
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.check_binding(text, regclass, jsonb) IS
'Checks a binding: the relation is a table or view outside kam and each role''s column exists with a type kam can read; internal';

-- The SELECT behind kam.orders / kam.customers / kam.visits / kam.feedback /
-- kam.complaints for a binding.  kam.customers has a column potential only
-- when a potential column is bound (see kam.optional_relations()).
CREATE FUNCTION @extschema@.binding_sql(p_kind text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	b @extschema@.bindings;
	c jsonb;
BEGIN
	SELECT * INTO b FROM @extschema@.bindings x WHERE x.kind OPERATOR(pg_catalog.=) p_kind;
	IF FOUND AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class r WHERE r.oid OPERATOR(pg_catalog.=) b.relation::oid) THEN
		RAISE EXCEPTION 'the relation bound as % no longer exists', p_kind
			USING ERRCODE = 'undefined_table',
				  HINT = format('Bind your data again with kam.bind_%s, or remove the binding with kam.unbind(%L).',
								p_kind, p_kind);
	END IF;
	IF NOT FOUND THEN
		IF p_kind OPERATOR(pg_catalog.=) 'customers'
		   AND EXISTS (SELECT 1 FROM @extschema@.bindings x WHERE x.kind OPERATOR(pg_catalog.=) 'orders') THEN
			-- no customer table bound: the customers are those that ordered
			RETURN 'SELECT DISTINCT o.customer_id, NULL::pg_catalog.text AS name, '
				   'NULL::pg_catalog.text AS account_manager FROM @extschema@.orders o';
		END IF;
		RETURN NULL;
	END IF;
	PERFORM @extschema@.check_binding(b.kind, b.relation, b.columns);
	c := b.columns;
	IF p_kind OPERATOR(pg_catalog.=) 'orders' THEN
		RETURN format('SELECT t.%I AS customer_id, %s AS ordered_at, '
					  '%s AS amount, %s AS margin FROM %s t',
					  c->>'customer', @extschema@.timestamptz_expr(b.relation, (c->>'time')::text),
					  @extschema@.float8_expr(b.relation, (c->>'amount')::text),
					  COALESCE(@extschema@.float8_expr(b.relation, (c->>'margin')::text), 'NULL::pg_catalog.float8'),
					  b.relation);
	ELSIF p_kind OPERATOR(pg_catalog.=) 'customers' THEN
		RETURN format('SELECT t.%I AS customer_id, %s AS name, %s AS account_manager%s FROM %s t',
					  c->>'customer',
					  CASE WHEN c ? 'name' THEN format('t.%I::pg_catalog.text', c->>'name')
						   ELSE 'NULL::pg_catalog.text' END,
					  CASE WHEN c ? 'manager' THEN format('t.%I::pg_catalog.text', c->>'manager')
						   ELSE 'NULL::pg_catalog.text' END,
					  CASE WHEN c ? 'potential'
						   THEN ', ' || @extschema@.float8_expr(b.relation, (c->>'potential')::text) || ' AS potential'
						   ELSE '' END,
					  b.relation);
	ELSIF p_kind OPERATOR(pg_catalog.=) 'feedback' THEN
		RETURN format('SELECT t.%I AS customer_id, %s AS answered_at, '
					  '%s AS score, %s AS kind FROM %s t',
					  c->>'customer', @extschema@.timestamptz_expr(b.relation, (c->>'time')::text),
					  @extschema@.float8_expr(b.relation, (c->>'score')::text),
					  CASE WHEN c ? 'kind' THEN format('t.%I::pg_catalog.text', c->>'kind')
						   ELSE 'NULL::pg_catalog.text' END,
					  b.relation);
	ELSIF p_kind OPERATOR(pg_catalog.=) 'complaints' THEN
		RETURN format('SELECT t.%I AS customer_id, %s AS opened_at, '
					  '%s AS closed_at, %s AS severity FROM %s t',
					  c->>'customer', @extschema@.timestamptz_expr(b.relation, (c->>'opened')::text),
					  COALESCE(@extschema@.timestamptz_expr(b.relation, (c->>'closed')::text),
							   'NULL::pg_catalog.timestamptz'),
					  COALESCE(@extschema@.float8_expr(b.relation, (c->>'severity')::text), 'NULL::pg_catalog.float8'),
					  b.relation);
	ELSE
		RETURN format('SELECT t.%I AS customer_id, %s AS visited_at FROM %s t',
					  c->>'customer', @extschema@.timestamptz_expr(b.relation, (c->>'time')::text), b.relation);
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.binding_sql(text) IS
'SELECT text behind the view kam.orders, kam.customers or kam.visits for the stored binding (NULL when unbound); internal';

-- numeric_float8 without its text round trip (src/money.c): the same float8,
-- so kam's sums over a numeric amount column are those over amount::float8.
CREATE FUNCTION @extschema@.amount_float8(numeric) RETURNS float8
	AS 'MODULE_PATHNAME', 'kam_amount_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.amount_float8(numeric) IS
'The numeric as float8, equal to the cast numeric::float8 but without its round trip through text; used by kam.orders for numeric and money columns';

-- t.col as float8 (numeric and money through kam.amount_float8, which is the
-- cast without its text round trip); NULL when col is NULL.
CREATE FUNCTION @extschema@.float8_expr(p_rel regclass, p_col text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN p_col IS NULL THEN NULL
				WHEN a.atttypid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.money', 'pg_catalog.numeric']::pg_catalog.regtype[])
				THEN format('@extschema@.amount_float8(t.%I::pg_catalog.numeric)', p_col)
				ELSE format('t.%I::pg_catalog.float8', p_col) END
	  FROM pg_catalog.pg_attribute a
	 WHERE a.attrelid OPERATOR(pg_catalog.=) p_rel AND a.attname OPERATOR(pg_catalog.=) p_col
$$;
COMMENT ON FUNCTION @extschema@.float8_expr(regclass, text) IS
'SQL expression casting a bound amount column to float8 (numeric and money through kam.amount_float8); internal';

-- t.col as timestamptz: a timestamptz column as it is; a date or timestamp
-- column (or a domain over one) as that local time in the time_zone
-- setting's zone, read once per query, so that its days are the column's
-- own in the report views, whatever the reading session's TimeZone (a plain
-- cast would take the session's zone); NULL when col is NULL.
CREATE FUNCTION @extschema@.timestamptz_expr(p_rel regclass, p_col text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	base oid;
BEGIN
	IF p_col IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT a.atttypid INTO base FROM pg_catalog.pg_attribute a
	 WHERE a.attrelid OPERATOR(pg_catalog.=) p_rel AND a.attname OPERATOR(pg_catalog.=) p_col::name;
	WHILE (SELECT t.typtype FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) base) OPERATOR(pg_catalog.=) 'd' LOOP
		base := (SELECT t.typbasetype FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) base);
	END LOOP;
	IF base OPERATOR(pg_catalog.=) 'pg_catalog.timestamptz'::pg_catalog.regtype::oid THEN
		RETURN format('t.%I::pg_catalog.timestamptz', p_col);
	END IF;
	RETURN format('(t.%I::pg_catalog.timestamp AT TIME ZONE (SELECT @extschema@.time_zone()))', p_col);
END
$$;
COMMENT ON FUNCTION @extschema@.timestamptz_expr(regclass, text) IS
'SQL expression reading a bound time column as timestamptz (a date or timestamp as local time in the time_zone setting''s zone); internal';

-- kam.rebuild_views(): drops and creates the views over the bound tables
-- (kam.orders, kam.customers, kam.visits and every registered report view
-- whose bindings exist), and keeps the table kam.tier_snapshot in step with
-- kam.customer_tier (90_security).
--
-- SECURITY DEFINER, owned by the role that installed kam's objects (the
-- bootstrap superuser of a trusted install): schema kam is that role's alone
-- (sql/script/schema.sql), so no other role can create, replace or drop a
-- view that kam's functions and other readers rely on; the views are
-- security_invoker, so reading them checks the reader's own privileges and
-- row-level security, whoever created them.  What keeps this function from
-- doing anything else with its rights:
--   * it only runs DDL whose text comes from kam itself: the registered view
--     definitions in kam.report_views (only the extension's owner role can
--     write that table) and the binding SELECTs of kam.binding_sql(), whose
--     relation is a regclass and whose columns are quoted identifiers checked
--     by kam.check_binding() (built-in types only, see there);
--   * it never reads a user table or a view: CREATE VIEW only parses, and the
--     snapshot tables (the tier snapshot, the snapshot store of
--     70_snapshots) are created from the catalog, not from a query;
--   * search_path is pinned, and every kam function it calls is qualified.
-- EXECUTE is granted to the extension's owner (who may grant it on).
-- All of kam's maintenance functions take the lock on kam.bindings first, so
-- concurrent binds, unbinds, rebuilds and refreshes run one after the other.
CREATE FUNCTION @extschema@.rebuild_views()
RETURNS void
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v record;
	bound text[];
	base text;
	q text;
BEGIN
	LOCK TABLE @extschema@.bindings IN SHARE ROW EXCLUSIVE MODE;
	PERFORM @extschema@.tier_snapshot_detach();
	-- drop in reverse creation order (no CASCADE: a user's view on top of a
	-- kam view makes this fail with PostgreSQL's own clear message)
	FOR v IN SELECT r.name FROM @extschema@.report_views r ORDER BY r.position DESC LOOP
		IF to_regclass(format('@extschema@.%I', v.name)) IS NOT NULL THEN
			EXECUTE format('DROP VIEW @extschema@.%I', v.name);
		END IF;
	END LOOP;
	FOREACH base IN ARRAY ARRAY(SELECT k.kind FROM unnest(@extschema@.binding_kinds()) WITH ORDINALITY k(kind, n) ORDER BY k.n DESC) LOOP
		IF to_regclass(format('@extschema@.%I', base)) IS NOT NULL THEN
			EXECUTE format('DROP VIEW @extschema@.%I', base);
		END IF;
	END LOOP;

	bound := ARRAY[]::text[];
	FOREACH base IN ARRAY @extschema@.binding_kinds() LOOP
		q := @extschema@.binding_sql(base);
		CONTINUE WHEN q IS NULL;
		EXECUTE format('CREATE VIEW @extschema@.%I WITH (security_invoker = true) AS %s', base, q);
		EXECUTE format('COMMENT ON VIEW @extschema@.%I IS %L', base, CASE base
			WHEN 'orders' THEN 'Your orders as kam reads them (the orders binding): customer, order time, amount and margin in currency'
			WHEN 'customers' THEN 'Your customers as kam reads them (the customers binding, else every customer with an order): customer, name, account manager'
			WHEN 'feedback' THEN 'Your satisfaction surveys as kam reads them (the feedback binding): customer, answer time, score in survey points and survey kind'
			WHEN 'complaints' THEN 'Your complaints as kam reads them (the complaints binding): customer, opening and closing time, severity'
			ELSE 'Your account-manager visits as kam reads them (the visits binding): customer and visit time' END);
		EXECUTE format('GRANT SELECT ON @extschema@.%I TO PUBLIC', base);
		bound := bound OPERATOR(pg_catalog.||) base;
	END LOOP;

	FOR v IN SELECT * FROM @extschema@.report_views r ORDER BY r.position LOOP
		CONTINUE WHEN NOT (v.requires OPERATOR(pg_catalog.<@) bound);
		q := @extschema@.optional_relations(v.definition, bound);
		EXECUTE format('CREATE VIEW @extschema@.%I WITH (security_invoker = true) AS %s', v.name, q);
		-- with snapshots on, the view reads its store when that is fresh (70_snapshots)
		PERFORM @extschema@.snapshot_attach(v.name);
		EXECUTE format('COMMENT ON VIEW @extschema@.%I IS %L', v.name, v.description);
		EXECUTE format('GRANT SELECT ON @extschema@.%I TO PUBLIC', v.name);
	END LOOP;
	-- column comments of the views just created (kam.report_view_columns)
	FOR v IN SELECT c.view_name, c.column_name, c.description
			   FROM @extschema@.report_view_columns c
			   JOIN pg_catalog.pg_attribute a
				 ON a.attrelid OPERATOR(pg_catalog.=) to_regclass(format('@extschema@.%I', c.view_name))::oid
				AND a.attname OPERATOR(pg_catalog.=) c.column_name::name
				AND a.attnum OPERATOR(pg_catalog.>) 0::int2 AND NOT a.attisdropped
			  ORDER BY c.view_name, a.attnum LOOP
		EXECUTE format('COMMENT ON COLUMN @extschema@.%I.%I IS %L', v.view_name, v.column_name, v.description);
	END LOOP;
	PERFORM @extschema@.snapshot_sync_stores();
	PERFORM @extschema@.tier_snapshot_attach();
END
$$;
COMMENT ON FUNCTION @extschema@.rebuild_views() IS
'Drops and re-creates kam.orders, kam.customers, kam.visits and every registered report view whose bindings exist, with their comments';

-- A registered definition with its optional inputs filled in (text only: it
-- reads no data, and what it splices in is fixed text).  {visits},
-- {feedback}, {complaints} and {visit_compliance} become the kam view when its
-- binding exists, else an empty relation of the same columns (customer_id of
-- kam.customers' type); {bound:KIND} becomes true or false; {potential}
-- becomes c.potential when a potential column is bound, else NULL::float8.
CREATE FUNCTION @extschema@.optional_relations(p_definition text, p_bound text[])
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d text := p_definition;
	o record;
	empty_of text := ' FROM @extschema@.customers e WHERE false)';
BEGIN
	FOR o IN
		SELECT x.name, x.kind, x.stand_in
		  FROM (VALUES ('visits'::text, 'visits'::text,
						'(SELECT e.customer_id, NULL::pg_catalog.timestamptz AS visited_at'),
					   ('feedback', 'feedback',
						'(SELECT e.customer_id, NULL::pg_catalog.timestamptz AS answered_at, '
						'NULL::pg_catalog.float8 AS score, NULL::pg_catalog.text AS kind'),
					   ('complaints', 'complaints',
						'(SELECT e.customer_id, NULL::pg_catalog.timestamptz AS opened_at, '
						'NULL::pg_catalog.timestamptz AS closed_at, NULL::pg_catalog.float8 AS severity'),
					   ('visit_compliance', 'visits',
						'(SELECT e.customer_id, NULL::pg_catalog.float8 AS required_visits, '
						'NULL::pg_catalog.int8 AS actual_visits, NULL::pg_catalog.float8 AS compliance, '
						'NULL::pg_catalog.bool AS compliant')) x(name, kind, stand_in)
	LOOP
		d := replace(d, '{' OPERATOR(pg_catalog.||) o.name OPERATOR(pg_catalog.||) '}',
					 CASE WHEN o.kind OPERATOR(pg_catalog.=) ANY (p_bound)
						  THEN '@extschema@.' OPERATOR(pg_catalog.||) o.name
						  ELSE o.stand_in OPERATOR(pg_catalog.||) empty_of END);
		d := replace(d, '{bound:' OPERATOR(pg_catalog.||) o.name OPERATOR(pg_catalog.||) '}',
					 (o.kind OPERATOR(pg_catalog.=) ANY (p_bound))::text);
	END LOOP;
	d := replace(d, '{potential}',
				 CASE WHEN EXISTS (SELECT 1 FROM @extschema@.bindings b
									WHERE b.kind OPERATOR(pg_catalog.=) 'customers'
									  AND b.columns OPERATOR(pg_catalog.?) 'potential')
					  THEN 'c.potential' ELSE 'NULL::pg_catalog.float8' END);
	RETURN d;
END
$$;
COMMENT ON FUNCTION @extschema@.optional_relations(text, text[]) IS
'A registered view definition (text) with its optional inputs filled in: the kam view when bound, else an empty relation; internal';

-- Checks that column p_col exists in p_rel and its type is in p_types (any
-- built-in type when NULL); the error names the argument, the column and the
-- types.
CREATE FUNCTION @extschema@.check_column(p_rel regclass, p_arg text, p_col name, p_types regtype[])
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	typ regtype;
	base oid;
BEGIN
	IF p_col IS NULL THEN
		RAISE EXCEPTION '% must not be NULL', p_arg
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = format('Name the column of %s that holds it.', p_rel);
	END IF;
	SELECT a.atttypid::regtype INTO typ
	  FROM pg_catalog.pg_attribute a
	 WHERE a.attrelid OPERATOR(pg_catalog.=) p_rel::oid AND a.attname OPERATOR(pg_catalog.=) p_col
	   AND a.attnum OPERATOR(pg_catalog.>) 0::int2 AND NOT a.attisdropped;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'column "%" (%) does not exist in %', p_col, p_arg, p_rel
			USING ERRCODE = 'undefined_column',
				  HINT = format('The columns of %s are: %s.', p_rel,
								(SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
								   FROM pg_catalog.pg_attribute a
								  WHERE a.attrelid OPERATOR(pg_catalog.=) p_rel::oid
									AND a.attnum OPERATOR(pg_catalog.>) 0::int2 AND NOT a.attisdropped));
	END IF;
	-- the type under any domains
	base := typ::oid;
	WHILE (SELECT t.typtype FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) base) OPERATOR(pg_catalog.=) 'd' LOOP
		base := (SELECT t.typbasetype FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) base);
	END LOOP;
	IF p_types IS NULL
	   AND (SELECT t.typnamespace FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) base)
		   OPERATOR(pg_catalog.<>) 'pg_catalog'::regnamespace::oid THEN
		RAISE EXCEPTION 'column "%" (%) of % has type %, which is not a built-in type', p_col, p_arg, p_rel, typ
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = 'kam compares and casts bound columns with built-in operators only: the operators and casts of another type would run as every reader of kam''s views.',
				  HINT = 'Bind a view that casts the column to a built-in type such as text or bigint.';
	END IF;
	IF p_types IS NOT NULL AND NOT base::regtype OPERATOR(pg_catalog.=) ANY (p_types) THEN
		RAISE EXCEPTION 'column "%" (%) of % has type %, which kam cannot use', p_col, p_arg, p_rel, typ
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = format('%s must be of type %s.', p_arg, array_to_string(p_types, ', ')),
				  HINT = 'Bind a view that casts the column.';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.check_column(regclass, text, name, regtype[]) IS
'Checks that a bound column exists and has one of the given types (any built-in type when NULL); internal';

CREATE FUNCTION @extschema@.check_relation(p_rel regclass)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF p_rel IS NULL THEN
		RAISE EXCEPTION 'relation must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
					WHERE c.oid OPERATOR(pg_catalog.=) p_rel::oid
					  AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'v', 'm', 'f', 'p']::"char"[])) THEN
		RAISE EXCEPTION '% is not a table or view', p_rel
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'Bind a table, view, materialized view or foreign table.';
	END IF;
	-- nothing in kam's own schema: its views are dropped and recreated by every
	-- rebind, and its tables are kam's
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_class c
				WHERE c.oid OPERATOR(pg_catalog.=) p_rel::oid
				  AND c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace::oid) THEN
		RAISE EXCEPTION 'cannot bind kam''s own relation %', p_rel
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Bind the table or view that holds your data.';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.check_relation(regclass) IS
'Checks that a relation to bind is a table, view, materialized or foreign table outside schema kam; internal';

-- Stores a binding and rebuilds the views (the common part of kam.bind_*).
CREATE FUNCTION @extschema@.bind(p_kind text, p_rel regclass, p_columns jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	LOCK TABLE @extschema@.bindings IN SHARE ROW EXCLUSIVE MODE;
	PERFORM @extschema@.check_binding(p_kind, p_rel, p_columns);
	INSERT INTO @extschema@.bindings AS b (kind, relation, columns)
	VALUES (p_kind, p_rel, p_columns)
	ON CONFLICT (kind) DO UPDATE SET relation = excluded.relation, columns = excluded.columns;
	-- the zone of the reports' days: this session's, stored once, so the
	-- reports never follow the TimeZone of whoever reads them
	IF p_kind OPERATOR(pg_catalog.=) 'orders' THEN
		INSERT INTO @extschema@.settings AS s (name, value)
		VALUES ('time_zone', pg_catalog.current_setting('TimeZone'::pg_catalog.text))
		ON CONFLICT (name) DO NOTHING;
	END IF;
	PERFORM @extschema@.rebuild_views();
	PERFORM @extschema@.snapshot_sync_triggers(false);
END
$$;
COMMENT ON FUNCTION @extschema@.bind(text, regclass, jsonb) IS
'Stores a checked binding and rebuilds the views (the common part of kam.bind_orders, bind_customers and bind_visits); internal';

CREATE FUNCTION @extschema@.bind_orders(relation regclass, customer_column name, time_column name,
										amount_column name, margin_column name DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.bind('orders'::text, relation, jsonb_strip_nulls(jsonb_build_object(
		'customer'::text, customer_column, 'time'::text, time_column,
		'amount'::text, amount_column, 'margin'::text, margin_column)))
$$;
COMMENT ON FUNCTION @extschema@.bind_orders(regclass, name, name, name, name) IS
'Binds your orders table (customer, order time, amount in currency, optional margin in currency) and rebuilds kam''s views';

-- potential_column: the customer's yearly purchasing volume for what we sell
-- (currency per year), for share of wallet (kam.account_health).
CREATE FUNCTION @extschema@.bind_customers(relation regclass, customer_column name,
										   name_column name DEFAULT NULL, manager_column name DEFAULT NULL,
										   potential_column name DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.bind('customers'::text, relation, jsonb_strip_nulls(jsonb_build_object(
		'customer'::text, customer_column, 'name'::text, name_column, 'manager'::text, manager_column,
		'potential'::text, potential_column)))
$$;
COMMENT ON FUNCTION @extschema@.bind_customers(regclass, name, name, name, name) IS
'Binds your customers table (customer, optional name and account manager) and rebuilds kam''s views';

CREATE FUNCTION @extschema@.bind_visits(relation regclass, customer_column name, time_column name)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.bind('visits'::text, relation, jsonb_strip_nulls(jsonb_build_object(
		'customer'::text, customer_column, 'time'::text, time_column)))
$$;
COMMENT ON FUNCTION @extschema@.bind_visits(regclass, name, name) IS
'Binds your table of account-manager visits (customer, visit time) and rebuilds kam''s views';

CREATE FUNCTION @extschema@.unbind(kind text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	LOCK TABLE @extschema@.bindings IN SHARE ROW EXCLUSIVE MODE;
	DELETE FROM @extschema@.bindings b WHERE b.kind OPERATOR(pg_catalog.=) unbind.kind;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no % binding', kind
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = format('kind is one of %s; kam.bindings lists what is bound.',
								array_to_string(@extschema@.binding_kinds(), ', '));
	END IF;
	PERFORM @extschema@.rebuild_views();
	PERFORM @extschema@.snapshot_sync_triggers(false);
END
$$;
COMMENT ON FUNCTION @extschema@.unbind(text) IS
'Removes the orders, customers or visits binding and rebuilds kam''s views without it';
