\echo Use "CREATE EXTENSION kam" to load this file. \quit

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

GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Settings: shipped defaults (part of the extension) and the user's overrides
-- (kept by pg_dump).  kam.set() / kam.reset() change them; kam.setting() and
-- the typed readers below read them.
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.setting_defaults (
	name text PRIMARY KEY,
	value text,					-- NULL: computed (as_of = current date)
	type text NOT NULL CHECK (type = ANY (ARRAY['date', 'period', 'integer', 'float8', 'text'])),
	min_value float8,			-- inclusive range for integer / float8 settings
	max_value float8,
	description text NOT NULL
);
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
		ELSIF d.type = 'float8' THEN
			num := p_value::float8;
			IF num <> num OR num IN ('Infinity', '-Infinity') THEN
				RAISE invalid_text_representation;
			END IF;
		END IF;
	EXCEPTION WHEN data_exception THEN
		RAISE EXCEPTION 'invalid value "%" for kam setting "%"', p_value, p_name
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('The setting takes a value of type %s.', d.type),
				  HINT = CASE WHEN d.type = 'period' THEN 'Use day, week, month, quarter or year.'
							  WHEN d.type = 'date' THEN 'Use a date such as 2025-12-31.'
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

CREATE TABLE @extschema@.settings (
	name text PRIMARY KEY REFERENCES @extschema@.setting_defaults (name),
	value text NOT NULL,
	CHECK (@extschema@.setting_check(name, value))
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.settings', '');
GRANT SELECT ON @extschema@.settings TO PUBLIC;

INSERT INTO @extschema@.setting_defaults (name, value, type, min_value, max_value, description) VALUES
	('as_of', NULL, 'date', NULL, NULL,
	 'Date the reports are computed as of (orders after it are left out); empty means the current date.'),
	('rfm_period', 'day', 'period', NULL, NULL,
	 'Period in which kam.customer_summary counts frequency, recency and T (lifetimes'' freq).'),
	('period', 'month', 'period', NULL, NULL,
	 'Reporting period of the retention and tier-movement views.'),
	('churn_after', '1', 'integer', 1, 1000,
	 'A customer counts as lost after this many inactive periods in a row (retention, survival).');

CREATE FUNCTION @extschema@.setting(p_name text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN @extschema@.setting_check(p_name, NULL)
		THEN COALESCE((SELECT s.value FROM @extschema@.settings s WHERE s.name OPERATOR(pg_catalog.=) p_name),
					  (SELECT d.value FROM @extschema@.setting_defaults d WHERE d.name OPERATOR(pg_catalog.=) p_name))
	END
$$;

CREATE FUNCTION @extschema@.as_of()
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(@extschema@.setting('as_of')::pg_catalog.date, CURRENT_DATE)
$$;

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

CREATE FUNCTION @extschema@.reset(p_name text)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.setting_check(p_name, NULL);
	DELETE FROM @extschema@.settings s WHERE s.name OPERATOR(pg_catalog.=) p_name;
$$;

CREATE VIEW @extschema@.current_settings WITH (security_invoker = true) AS
	SELECT d.name,
		   COALESCE(s.value, d.value) AS value,
		   d.value AS default_value,
		   s.value IS NOT NULL AS is_set,
		   d.type,
		   d.description
	  FROM @extschema@.setting_defaults d
	  LEFT JOIN @extschema@.settings s ON s.name OPERATOR(pg_catalog.=) d.name;
GRANT SELECT ON @extschema@.current_settings TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Bindings: which user table plays which part.  kind -> relation and the
-- columns of each role.  Kept by pg_dump.
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.bindings (
	kind text PRIMARY KEY CHECK (kind = ANY (ARRAY['orders', 'customers', 'visits'])),
	relation regclass NOT NULL,
	columns jsonb NOT NULL		-- role -> column name, e.g. {"customer": "id", "time": "ts"}
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bindings', '');
GRANT SELECT ON @extschema@.bindings TO PUBLIC;

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
GRANT SELECT ON @extschema@.report_views TO PUBLIC;

-- The SELECT behind kam.orders / kam.customers / kam.visits for a binding.
CREATE FUNCTION @extschema@.binding_sql(p_kind text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	b @extschema@.bindings;
	c jsonb;
BEGIN
	SELECT * INTO b FROM @extschema@.bindings x WHERE x.kind = p_kind;
	IF FOUND AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = b.relation) THEN
		RAISE EXCEPTION 'the relation bound as % no longer exists', p_kind
			USING ERRCODE = 'undefined_table',
				  HINT = format('Bind your data again with kam.bind_%s, or remove the binding with kam.unbind(%L).',
								p_kind, p_kind);
	END IF;
	IF NOT FOUND THEN
		IF p_kind = 'customers' AND EXISTS (SELECT 1 FROM @extschema@.bindings x WHERE x.kind = 'orders') THEN
			-- no customer table bound: the customers are those that ordered
			RETURN 'SELECT DISTINCT o.customer_id, NULL::pg_catalog.text AS name, '
				   'NULL::pg_catalog.text AS account_manager FROM @extschema@.orders o';
		END IF;
		RETURN NULL;
	END IF;
	c := b.columns;
	IF p_kind = 'orders' THEN
		RETURN format('SELECT t.%I AS customer_id, t.%I::pg_catalog.timestamptz AS ordered_at, '
					  '%s AS amount, %s AS margin FROM %s t',
					  c->>'customer', c->>'time',
					  @extschema@.float8_expr(b.relation, c->>'amount'),
					  COALESCE(@extschema@.float8_expr(b.relation, c->>'margin'), 'NULL::pg_catalog.float8'),
					  b.relation);
	ELSIF p_kind = 'customers' THEN
		RETURN format('SELECT t.%I AS customer_id, %s AS name, %s AS account_manager FROM %s t',
					  c->>'customer',
					  CASE WHEN c ? 'name' THEN format('t.%I::pg_catalog.text', c->>'name')
						   ELSE 'NULL::pg_catalog.text' END,
					  CASE WHEN c ? 'manager' THEN format('t.%I::pg_catalog.text', c->>'manager')
						   ELSE 'NULL::pg_catalog.text' END,
					  b.relation);
	ELSE
		RETURN format('SELECT t.%I AS customer_id, t.%I::pg_catalog.timestamptz AS visited_at FROM %s t',
					  c->>'customer', c->>'time', b.relation);
	END IF;
END
$$;

-- t.col as float8 (money goes through numeric); NULL when col is NULL.
CREATE FUNCTION @extschema@.float8_expr(p_rel regclass, p_col text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN p_col IS NULL THEN NULL
				WHEN a.atttypid OPERATOR(pg_catalog.=) 'pg_catalog.money'::pg_catalog.regtype
				THEN format('t.%I::pg_catalog.numeric::pg_catalog.float8', p_col)
				ELSE format('t.%I::pg_catalog.float8', p_col) END
	  FROM pg_catalog.pg_attribute a
	 WHERE a.attrelid OPERATOR(pg_catalog.=) p_rel AND a.attname OPERATOR(pg_catalog.=) p_col
$$;

CREATE FUNCTION @extschema@.rebuild_views()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v record;
	bound text[];
	base text;
	q text;
BEGIN
	-- drop in reverse creation order (no CASCADE: a user's view on top of a
	-- kam view makes this fail with PostgreSQL's own clear message)
	FOR v IN SELECT name FROM @extschema@.report_views ORDER BY position DESC LOOP
		IF to_regclass(format('@extschema@.%I', v.name)) IS NOT NULL THEN
			EXECUTE format('DROP VIEW @extschema@.%I', v.name);
		END IF;
	END LOOP;
	FOREACH base IN ARRAY ARRAY['visits', 'customers', 'orders'] LOOP
		IF to_regclass(format('@extschema@.%I', base)) IS NOT NULL THEN
			EXECUTE format('DROP VIEW @extschema@.%I', base);
		END IF;
	END LOOP;

	bound := ARRAY[]::text[];
	FOREACH base IN ARRAY ARRAY['orders', 'customers', 'visits'] LOOP
		q := @extschema@.binding_sql(base);
		CONTINUE WHEN q IS NULL;
		EXECUTE format('CREATE VIEW @extschema@.%I WITH (security_invoker = true) AS %s', base, q);
		EXECUTE format('GRANT SELECT ON @extschema@.%I TO PUBLIC', base);
		bound := bound || base;
	END LOOP;

	FOR v IN SELECT * FROM @extschema@.report_views ORDER BY position LOOP
		CONTINUE WHEN NOT (v.requires <@ bound);
		EXECUTE format('CREATE VIEW @extschema@.%I WITH (security_invoker = true) AS %s',
					   v.name, v.definition);
		EXECUTE format('COMMENT ON VIEW @extschema@.%I IS %L', v.name, v.description);
		EXECUTE format('GRANT SELECT ON @extschema@.%I TO PUBLIC', v.name);
	END LOOP;
END
$$;

-- Checks that column p_col exists in p_rel and its type is in p_types (any
-- type when NULL); the error names the argument, the column and the types.
CREATE FUNCTION @extschema@.check_column(p_rel regclass, p_arg text, p_col name, p_types regtype[])
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	typ regtype;
BEGIN
	IF p_col IS NULL THEN
		RAISE EXCEPTION '% must not be NULL', p_arg
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = format('Name the column of %s that holds it.', p_rel);
	END IF;
	SELECT a.atttypid::regtype INTO typ
	  FROM pg_attribute a
	 WHERE a.attrelid = p_rel AND a.attname = p_col AND a.attnum > 0 AND NOT a.attisdropped;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'column "%" (%) does not exist in %', p_col, p_arg, p_rel
			USING ERRCODE = 'undefined_column',
				  HINT = format('The columns of %s are: %s.', p_rel,
								(SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
								   FROM pg_attribute a
								  WHERE a.attrelid = p_rel AND a.attnum > 0 AND NOT a.attisdropped));
	END IF;
	IF p_types IS NOT NULL AND NOT typ = ANY (p_types) THEN
		RAISE EXCEPTION 'column "%" (%) of % has type %, which kam cannot use', p_col, p_arg, p_rel, typ
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = format('%s must be of type %s.', p_arg, array_to_string(p_types, ', ')),
				  HINT = 'Bind a view that casts the column.';
	END IF;
END
$$;

CREATE FUNCTION @extschema@.check_relation(p_rel regclass)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF p_rel IS NULL THEN
		RAISE EXCEPTION 'relation must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = p_rel AND c.relkind = ANY (ARRAY['r', 'v', 'm', 'f', 'p'])) THEN
		RAISE EXCEPTION '% is not a table or view', p_rel
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'Bind a table, view, materialized view or foreign table.';
	END IF;
	-- kam's own views are dropped and recreated by every rebind
	IF EXISTS (SELECT 1 FROM pg_class c
				WHERE c.oid = p_rel AND c.relnamespace = '@extschema@'::regnamespace AND c.relkind = 'v'
				  AND (c.relname = ANY (ARRAY['orders', 'customers', 'visits'])
					   OR c.relname IN (SELECT r.name FROM @extschema@.report_views r))) THEN
		RAISE EXCEPTION 'cannot bind kam''s own view %', p_rel
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Bind the table or view that holds your data.';
	END IF;
END
$$;

CREATE FUNCTION @extschema@.bind_orders(relation regclass, customer_column name, time_column name,
										amount_column name, margin_column name DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	numeric_types regtype[] := ARRAY['smallint', 'integer', 'bigint', 'numeric', 'real',
									 'double precision', 'money']::regtype[];
BEGIN
	PERFORM @extschema@.check_relation(relation);
	PERFORM @extschema@.check_column(relation, 'customer_column', customer_column, NULL);
	PERFORM @extschema@.check_column(relation, 'time_column', time_column,
		ARRAY['date', 'timestamp without time zone', 'timestamp with time zone']::regtype[]);
	PERFORM @extschema@.check_column(relation, 'amount_column', amount_column, numeric_types);
	IF margin_column IS NOT NULL THEN
		PERFORM @extschema@.check_column(relation, 'margin_column', margin_column, numeric_types);
	END IF;
	INSERT INTO @extschema@.bindings AS b (kind, relation, columns)
	VALUES ('orders', relation, jsonb_strip_nulls(jsonb_build_object(
			'customer', customer_column, 'time', time_column,
			'amount', amount_column, 'margin', margin_column)))
	ON CONFLICT (kind) DO UPDATE SET relation = excluded.relation, columns = excluded.columns;
	PERFORM @extschema@.rebuild_views();
END
$$;

CREATE FUNCTION @extschema@.bind_customers(relation regclass, customer_column name,
										   name_column name DEFAULT NULL, manager_column name DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM @extschema@.check_relation(relation);
	PERFORM @extschema@.check_column(relation, 'customer_column', customer_column, NULL);
	IF name_column IS NOT NULL THEN
		PERFORM @extschema@.check_column(relation, 'name_column', name_column, NULL);
	END IF;
	IF manager_column IS NOT NULL THEN
		PERFORM @extschema@.check_column(relation, 'manager_column', manager_column, NULL);
	END IF;
	INSERT INTO @extschema@.bindings AS b (kind, relation, columns)
	VALUES ('customers', relation, jsonb_strip_nulls(jsonb_build_object(
			'customer', customer_column, 'name', name_column, 'manager', manager_column)))
	ON CONFLICT (kind) DO UPDATE SET relation = excluded.relation, columns = excluded.columns;
	PERFORM @extschema@.rebuild_views();
END
$$;

CREATE FUNCTION @extschema@.bind_visits(relation regclass, customer_column name, time_column name)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM @extschema@.check_relation(relation);
	PERFORM @extschema@.check_column(relation, 'customer_column', customer_column, NULL);
	PERFORM @extschema@.check_column(relation, 'time_column', time_column,
		ARRAY['date', 'timestamp without time zone', 'timestamp with time zone']::regtype[]);
	INSERT INTO @extschema@.bindings AS b (kind, relation, columns)
	VALUES ('visits', relation, jsonb_build_object('customer', customer_column, 'time', time_column))
	ON CONFLICT (kind) DO UPDATE SET relation = excluded.relation, columns = excluded.columns;
	PERFORM @extschema@.rebuild_views();
END
$$;

CREATE FUNCTION @extschema@.unbind(kind text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM @extschema@.bindings b WHERE b.kind = unbind.kind;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no % binding', kind
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'kind is orders, customers or visits; kam.bindings lists what is bound.';
	END IF;
	PERFORM @extschema@.rebuild_views();
END
$$;
