
-- ===========================================================================
-- 55 survival: Kaplan-Meier curves as R's survival::survfit (src/survival.c)
--
-- kam.survival is the compact histogram of a fit: the distinct times, each
-- with its number of events and censorings.  kam.km_fit aggregates it (parallel
-- safe, exact merge), kam.km_merge rolls fits up; the accessors derive the
-- curve.  kam.customer_survival applies it to customer lifetimes.
-- ===========================================================================

CREATE TYPE @extschema@.survival;

CREATE FUNCTION @extschema@.km_survival_in(cstring) RETURNS @extschema@.survival
	AS 'MODULE_PATHNAME', 'kam_survival_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.km_survival_out(@extschema@.survival) RETURNS cstring
	AS 'MODULE_PATHNAME', 'kam_survival_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.km_survival_recv(internal) RETURNS @extschema@.survival
	AS 'MODULE_PATHNAME', 'kam_survival_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.km_survival_send(@extschema@.survival) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kam_survival_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.km_survival_in(cstring) IS 'Text input function of type kam.survival; not for direct use';
COMMENT ON FUNCTION @extschema@.km_survival_out(@extschema@.survival) IS 'Text output function of type kam.survival; not for direct use';
COMMENT ON FUNCTION @extschema@.km_survival_recv(internal) IS 'Binary input function of type kam.survival; not for direct use';
COMMENT ON FUNCTION @extschema@.km_survival_send(@extschema@.survival) IS 'Binary output function of type kam.survival; not for direct use';

CREATE TYPE @extschema@.survival (
	INPUT = @extschema@.km_survival_in,
	OUTPUT = @extschema@.km_survival_out,
	RECEIVE = @extschema@.km_survival_recv,
	SEND = @extschema@.km_survival_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.survival IS
	'Kaplan-Meier fit: the distinct times with their numbers of events and censorings, {(time,events,censored),...}';

-- Aggregate support.  The transition function is not strict: rows with a NULL
-- duration or event are skipped.  The state is expanded in memory while
-- aggregating and flat (the type above) between nodes.
CREATE FUNCTION @extschema@.km_fit_transfn(@extschema@.survival, float8, boolean)
	RETURNS @extschema@.survival
	AS 'MODULE_PATHNAME', 'kam_km_fit_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.km_combine(@extschema@.survival, @extschema@.survival)
	RETURNS @extschema@.survival
	AS 'MODULE_PATHNAME', 'kam_km_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.km_fit_transfn(@extschema@.survival, float8, boolean) IS 'Transition function of kam.km_fit; not for direct use';
COMMENT ON FUNCTION @extschema@.km_combine(@extschema@.survival, @extschema@.survival) IS 'Combine function of kam.km_fit and kam.km_merge (merges two fits exactly); not for direct use';

CREATE AGGREGATE @extschema@.km_fit(duration float8, event boolean) (
	SFUNC = @extschema@.km_fit_transfn,
	STYPE = @extschema@.survival,
	COMBINEFUNC = @extschema@.km_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.km_fit(float8, boolean) IS
	'Kaplan-Meier fit of right-censored durations (event true = event, false = censored; NULL rows skipped)';

CREATE AGGREGATE @extschema@.km_merge(@extschema@.survival) (
	SFUNC = @extschema@.km_combine,
	STYPE = @extschema@.survival,
	COMBINEFUNC = @extschema@.km_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.km_merge(@extschema@.survival) IS
	'The Kaplan-Meier fit of the union of the observations of several fits';

CREATE FUNCTION @extschema@.km_survival(s @extschema@.survival, t float8) RETURNS float8
	AS 'MODULE_PATHNAME', 'kam_km_survival' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.km_survival(@extschema@.survival, float8) IS
	'Kaplan-Meier survival S(t), right-continuous (includes the events at t)';

CREATE FUNCTION @extschema@.km_quantile(s @extschema@.survival, p float8) RETURNS float8
	AS 'MODULE_PATHNAME', 'kam_km_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.km_quantile(@extschema@.survival, float8) IS
	'Time by which a share p has had the event, as R''s quantile.survfit (NULL when never reached)';

CREATE FUNCTION @extschema@.km_median(s @extschema@.survival) RETURNS float8
	AS 'MODULE_PATHNAME', 'kam_km_median' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.km_median(@extschema@.survival) IS
	'Median survival time as R''s survfit: smallest t with S(t) <= 0.5, the midpoint where S = 0.5 over an interval, NULL when never reached';

CREATE FUNCTION @extschema@.km_curve(s @extschema@.survival, conf_level float8 DEFAULT 0.95,
		OUT "time" float8, OUT n_risk bigint, OUT n_event bigint, OUT n_censor bigint,
		OUT survival float8, OUT std_err float8, OUT std_err_log float8,
		OUT conf_low float8, OUT conf_high float8)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'kam_km_curve' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.km_curve(@extschema@.survival, float8) IS
	'The Kaplan-Meier curve, one row per distinct time, with Greenwood standard errors and log-transformed confidence limits (as survfit)';

CREATE FUNCTION @extschema@.km_period_index(d date, period text) RETURNS integer
	AS 'MODULE_PATHNAME', 'kam_km_period_index' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.km_period_index(date, text) IS
	'Index of the period (day, week, month, quarter, year) holding d; consecutive periods have consecutive indexes';

-- Customer lifetimes: per customer, the periods (setting `period`) of the
-- first and the last order on or before as_of; lifetime = last - first
-- periods; churned (the event) when there is no order in the last
-- `churn_after` periods up to and including the as-of period, i.e.
-- as_of period - last period >= churn_after; otherwise censored.  The as-of
-- cut is a FILTER rather than a WHERE (customers with no order by then get
-- NULL dates, which km_fit skips, as it skips a NULL customer) so that the
-- planner sees the whole table and its true row counts.
INSERT INTO @extschema@.report_views (name, position, requires, definition, description) VALUES
('customer_survival', 550, ARRAY['orders'], $view$
SELECT k."time"::pg_catalog.int4 AS period_offset,
	   k.n_risk AS at_risk,
	   k.n_event AS churned,
	   k.n_censor AS censored,
	   k.survival,
	   k.std_err,
	   k.conf_low,
	   k.conf_high,
	   @extschema@.km_median(f.s) AS median_lifetime
  FROM (SELECT @extschema@.km_fit(
				   CASE WHEN c.customer_id IS NOT NULL
						THEN (@extschema@.km_period_index(c.last_day, p.period) OPERATOR(pg_catalog.-)
							  @extschema@.km_period_index(c.first_day, p.period))::pg_catalog.float8 END,
				   p.as_of_index OPERATOR(pg_catalog.-) @extschema@.km_period_index(c.last_day, p.period)
					   OPERATOR(pg_catalog.>=) p.churn_after) AS s
		  FROM (SELECT o.customer_id,
					   (pg_catalog.min(o.ordered_at) FILTER (WHERE o.ordered_at OPERATOR(pg_catalog.<) p.day_after)
						AT TIME ZONE (SELECT @extschema@.time_zone()))::pg_catalog.date AS first_day,
					   (pg_catalog.max(o.ordered_at) FILTER (WHERE o.ordered_at OPERATOR(pg_catalog.<) p.day_after)
						AT TIME ZONE (SELECT @extschema@.time_zone()))::pg_catalog.date AS last_day
				  FROM @extschema@.orders o,
					   (SELECT ((SELECT @extschema@.as_of()) OPERATOR(pg_catalog.+) 1)::pg_catalog.timestamp
							   AT TIME ZONE (SELECT @extschema@.time_zone()) AS day_after) p
				 GROUP BY o.customer_id) c,
			   (SELECT (SELECT @extschema@.setting('period'::pg_catalog.text)) AS period,
					   (SELECT @extschema@.km_period_index(@extschema@.as_of(), @extschema@.setting('period'::pg_catalog.text))) AS as_of_index,
					   (SELECT @extschema@.setting('churn_after'::pg_catalog.text)::pg_catalog.int4) AS churn_after) p) f,
	   LATERAL @extschema@.km_curve(f.s) k
$view$,
'Kaplan-Meier curve of customer lifetimes in periods (settings period, churn_after, as_of): at each period offset the customers at risk, churned and censored, the survival with its standard error and 95% limits, and the median lifetime (repeated on every row)')
ON CONFLICT (name) DO UPDATE SET position = excluded.position, requires = excluded.requires,
	definition = excluded.definition, description = excluded.description;

INSERT INTO @extschema@.report_view_columns (view_name, column_name, description) VALUES
	('customer_survival', 'period_offset', 'Customer lifetime in periods (setting period): last order''s period - first order''s period'),
	('customer_survival', 'at_risk', 'Customers whose lifetime is at least period_offset'),
	('customer_survival', 'churned', 'Customers churned (no order in the last churn_after periods) with this lifetime'),
	('customer_survival', 'censored', 'Customers still active with this lifetime so far'),
	('customer_survival', 'survival', 'Kaplan-Meier share (0-1) of customers whose lifetime is longer than period_offset'),
	('customer_survival', 'std_err', 'Greenwood standard error of survival'),
	('customer_survival', 'conf_low', 'Lower 95% confidence limit of survival (log-transformed, as R''s survfit)'),
	('customer_survival', 'conf_high', 'Upper 95% confidence limit of survival (log-transformed, as R''s survfit)'),
	('customer_survival', 'median_lifetime', 'Median customer lifetime in periods, the same on every row (NULL when survival never reaches 0.5)')
ON CONFLICT (view_name, column_name) DO UPDATE SET description = excluded.description;
