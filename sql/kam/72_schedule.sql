-- ===========================================================================
-- 72 schedule: kam.refresh() run by pg_cron (doc/snapshots.md, "Scheduling")
--
-- pg_cron keeps its jobs in one database per cluster (cron.database_name)
-- and runs each job as the role that scheduled it.  kam.schedule_refresh()
-- schedules "SELECT kam.refresh()" there, under the job name
-- 'kam refresh <database>'; kam.unschedule_refresh() removes it.  pg_cron is
-- optional: none of this is needed to install kam, and its objects are found
-- when called (through the pg_cron extension's own schema, never by name
-- lookup, so no object a role without superuser made runs instead).
--
-- A cron schedule fires at fixed minutes of the hour, hours of the day and
-- days of the month, so only an interval that divides the next larger unit
-- repeats exactly: every 7 minutes ('*/7 * * * *') would fire at :56 and
-- again at :00.  kam refuses such intervals instead of approximating them.
-- Debian 12's pg_cron (1.4) has no schedules under a minute.
-- ===========================================================================

-- The pg_cron schedule that fires exactly every p_every, or an error (22023)
-- when no 5-field cron schedule does.  Minutes and hours count from :00 and
-- midnight, days from midnight, weeks from Sunday, months from January 1st,
-- all on pg_cron's clock (GMT in pg_cron 1.4).
CREATE FUNCTION @extschema@.refresh_cron_schedule(p_every interval)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n_months int4 := (extract(year FROM p_every) OPERATOR(pg_catalog.*) 12::numeric
					  OPERATOR(pg_catalog.+) extract(month FROM p_every))::int4;
	n_days int4 := extract(day FROM p_every)::int4;
	secs numeric;
	mins int8;
	why text;
BEGIN
	secs := extract(epoch FROM p_every OPERATOR(pg_catalog.-) make_interval(months => n_months, days => n_days))
			OPERATOR(pg_catalog.+) (n_days::numeric OPERATOR(pg_catalog.*) 86400::numeric);
	IF n_months OPERATOR(pg_catalog.<>) 0 AND secs OPERATOR(pg_catalog.<>) 0::numeric THEN
		why := 'it mixes months with days or time';
	ELSIF n_months OPERATOR(pg_catalog.<>) 0 THEN
		IF n_months OPERATOR(pg_catalog.<) 0 THEN
			why := 'it is not positive';
		ELSIF n_months OPERATOR(pg_catalog.=) 1 THEN
			RETURN '0 0 1 * *';
		ELSIF n_months OPERATOR(pg_catalog.=) 12 THEN
			RETURN '0 0 1 1 *';
		ELSIF n_months OPERATOR(pg_catalog.<) 12 AND 12 OPERATOR(pg_catalog.%) n_months OPERATOR(pg_catalog.=) 0 THEN
			RETURN format('0 0 1 */%s *', n_months);
		ELSE
			why := 'a cron schedule repeats every year, and this does not divide the year';
		END IF;
	ELSIF secs OPERATOR(pg_catalog.<=) 0::numeric THEN
		why := 'it is not positive';
	ELSIF secs OPERATOR(pg_catalog.<) 60::numeric THEN
		why := 'pg_cron 1.4 (Debian 12''s) schedules by the minute';
	ELSIF secs OPERATOR(pg_catalog.%) 60::numeric OPERATOR(pg_catalog.<>) 0::numeric THEN
		why := 'it is not a whole number of minutes';
	ELSE
		mins := (secs OPERATOR(pg_catalog./) 60::numeric)::int8;
		IF mins OPERATOR(pg_catalog.=) 1 THEN
			RETURN '* * * * *';
		ELSIF mins OPERATOR(pg_catalog.<) 60 AND 60 OPERATOR(pg_catalog.%) mins OPERATOR(pg_catalog.=) 0 THEN
			RETURN format('*/%s * * * *', mins);
		ELSIF mins OPERATOR(pg_catalog.=) 60 THEN
			RETURN '0 * * * *';
		ELSIF mins OPERATOR(pg_catalog.<) 1440 AND 1440 OPERATOR(pg_catalog.%) mins OPERATOR(pg_catalog.=) 0
			  AND mins OPERATOR(pg_catalog.%) 60 OPERATOR(pg_catalog.=) 0 THEN
			RETURN format('0 */%s * * *', mins OPERATOR(pg_catalog./) 60);
		ELSIF mins OPERATOR(pg_catalog.=) 1440 THEN
			RETURN '0 0 * * *';
		ELSIF mins OPERATOR(pg_catalog.=) 10080 THEN
			RETURN '0 0 * * 0';
		ELSIF mins OPERATOR(pg_catalog.<) 60 THEN
			why := format('a cron schedule starts again at every full hour, so */%s would fire at minute %s and again at :00',
						  mins, 60 OPERATOR(pg_catalog.-) (60 OPERATOR(pg_catalog.%) mins));
		ELSIF mins OPERATOR(pg_catalog.<) 1440 THEN
			why := 'a cron schedule starts again every day at midnight, and this does not divide the day into whole hours';
		ELSE
			why := 'a cron schedule has no fixed period longer than a day other than the week and whole months';
		END IF;
	END IF;
	RAISE EXCEPTION 'pg_cron cannot run kam.refresh() exactly every %', p_every
		USING ERRCODE = 'invalid_parameter_value',
			  DETAIL = format('No cron schedule repeats at that interval: %s.', why),
			  HINT = 'Use 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes, 1, 2, 3, 4, 6, 8 or 12 hours, 1 day, 7 days, or 1, 2, 3, 4, 6 or 12 months; for another schedule call cron.schedule yourself.';
END
$$;
COMMENT ON FUNCTION @extschema@.refresh_cron_schedule(interval) IS
'The pg_cron schedule that fires exactly every given interval (e.g. 5 minutes -> */5 * * * *), or an error when none does';

-- The schema that the pg_cron extension of this database created (pg_cron
-- installs into a schema "cron" of its own, a member of the extension), or
-- NULL.  Found through pg_depend, so a schema "cron" that someone else made
-- is never used.
CREATE FUNCTION @extschema@.refresh_cron_schema()
RETURNS regnamespace
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT d.objid::pg_catalog.regnamespace
	  FROM pg_catalog.pg_extension e
	  JOIN pg_catalog.pg_depend d ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
								 AND d.refobjid OPERATOR(pg_catalog.=) e.oid
								 AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
								 AND d.deptype OPERATOR(pg_catalog.=) 'e'::"char"
	 WHERE e.extname OPERATOR(pg_catalog.=) 'pg_cron'
	 ORDER BY d.objid LIMIT 1;
$$;
COMMENT ON FUNCTION @extschema@.refresh_cron_schema() IS
'The schema of the pg_cron extension in this database (cron), or NULL when it is not installed here; internal';

-- pg_cron's schema, after checking that a job scheduled here runs: pg_cron
-- loaded by the server, its jobs kept in this database, the extension
-- created here, and the role allowed to use it.  Each failure says what to
-- run.  pg_cron's settings are readable only by superusers (and members of
-- pg_read_all_settings); for other roles the extension in this database is
-- the proof (CREATE EXTENSION pg_cron succeeds only in cron.database_name).
-- p_schedule (NULL when unscheduling) goes into the hint for a cluster whose
-- pg_cron lives in another database.
CREATE FUNCTION @extschema@.refresh_cron_check(p_schedule text)
RETURNS regnamespace
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	crondb text;
	readable boolean := true;
	db text := current_database();
	job text := 'kam refresh ' OPERATOR(pg_catalog.||) current_database();
	ns regnamespace := @extschema@.refresh_cron_schema();
	setup text := format('add ''pg_cron'' to shared_preload_libraries and set cron.database_name = ''%s'' in postgresql.conf, restart the server, then run CREATE EXTENSION pg_cron; in database %s',
						 current_database(), current_database());
	elsewhere text;
BEGIN
	BEGIN
		crondb := current_setting('cron.database_name', true);
	EXCEPTION WHEN insufficient_privilege THEN
		readable := false;
	END;
	elsewhere := CASE WHEN p_schedule IS NULL
					  THEN format('SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = %L;', job)
					  ELSE format('SELECT cron.schedule_in_database(%L, %L, %L, %L, %L);',
								  job, p_schedule, 'SELECT @extschema@.refresh()', db, current_user) END;
	IF readable AND crondb IS NULL THEN
		RAISE EXCEPTION 'pg_cron is not loaded by this server'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions a
											  WHERE a.name OPERATOR(pg_catalog.=) 'pg_cron')
								THEN 'pg_cron is installed but not in shared_preload_libraries.'
								ELSE format('pg_cron is not installed (on Debian and Ubuntu: apt-get install postgresql-%s-cron).',
											current_setting('server_version_num')::int4 OPERATOR(pg_catalog./) 10000) END,
				  HINT = format('As a superuser: %s.', setup);
	END IF;
	IF readable AND crondb OPERATOR(pg_catalog.<>) db THEN
		RAISE EXCEPTION 'pg_cron keeps its jobs in database "%", not in "%"', crondb, db
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'kam schedules its refresh only in the database of cron.database_name.',
				  HINT = format('In database %s run (as a superuser): %s Or set cron.database_name = ''%s'' and restart the server.',
								crondb, elsewhere, db);
	END IF;
	IF ns IS NULL AND readable THEN
		RAISE EXCEPTION 'the pg_cron extension does not exist in database "%"', db
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'pg_cron is loaded and keeps its jobs in this database, but CREATE EXTENSION pg_cron was not run here.',
				  HINT = 'Run CREATE EXTENSION pg_cron; in this database as a superuser.';
	END IF;
	IF ns IS NULL THEN
		RAISE EXCEPTION 'the pg_cron extension does not exist in database "%"', db
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Either pg_cron is not set up, or it keeps its jobs in another database (cron.database_name, which only a superuser may read).',
				  HINT = format('A superuser runs SHOW cron.database_name; if that is another database, runs there %s Otherwise: %s.',
								elsewhere, setup);
	END IF;
	IF NOT has_schema_privilege(ns::oid, 'USAGE') THEN
		RAISE EXCEPTION 'role "%" may not use pg_cron', current_user
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('pg_cron''s schema %s is not usable by this role.', ns),
				  HINT = format('A superuser runs: GRANT USAGE ON SCHEMA %s TO %I;', ns, current_user);
	END IF;
	IF to_regprocedure(format('%s.schedule(text, text, text)', ns)) IS NULL THEN
		RAISE EXCEPTION 'pg_cron % is too old to schedule kam.refresh()',
				(SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'pg_cron')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'kam needs pg_cron 1.4 or later (named jobs that take a text name).',
				  HINT = 'Run ALTER EXTENSION pg_cron UPDATE; as a superuser.';
	END IF;
	RETURN ns;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh_cron_check(text) IS
'Checks that pg_cron can schedule kam.refresh() in this database as the current role and returns its schema; the error says what to run; internal';

-- Schedules SELECT kam.refresh() every p_every in this database, as the
-- calling role; returns pg_cron's job id.  Replaces the refresh job this role
-- scheduled before (and, for a superuser, every role's).
CREATE FUNCTION @extschema@.schedule_refresh(p_every interval)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	sched text;
	ns regnamespace;
	job text := 'kam refresh ' OPERATOR(pg_catalog.||) current_database();
	other bigint;
	id bigint;
BEGIN
	IF p_every IS NULL THEN
		RAISE EXCEPTION 'kam.schedule_refresh needs an interval'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'For example SELECT kam.schedule_refresh(''5 minutes''); kam.unschedule_refresh() stops the refresh.';
	END IF;
	sched := @extschema@.refresh_cron_schedule(p_every);
	ns := @extschema@.refresh_cron_check(sched);
	IF NOT has_function_privilege('@extschema@.refresh()'::regprocedure, 'EXECUTE') THEN
		RAISE EXCEPTION 'role "%" may not run kam.refresh()', current_user
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The scheduled job runs kam.refresh() as the role that schedules it.',
				  HINT = 'Schedule it as a role that may refresh (doc/security.md), or have kam''s owner grant EXECUTE on kam.refresh().';
	END IF;
	-- kam.refresh() would fail at every run
	IF NOT COALESCE(@extschema@.setting('snapshots'::text)::boolean, false) THEN
		RAISE EXCEPTION 'snapshots are off: there is nothing to refresh'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Turn them on with SELECT kam.enable_snapshots(), then schedule the refresh.';
	END IF;
	-- the same job of other roles, where this role sees them (a superuser)
	FOR other IN EXECUTE format('SELECT j.jobid FROM %s.job j
								  WHERE j.jobname OPERATOR(pg_catalog.=) $1::pg_catalog.name
									AND j.database OPERATOR(pg_catalog.=) pg_catalog.current_database()
									AND j.username OPERATOR(pg_catalog.<>) CURRENT_USER::pg_catalog.text', ns)
				 USING job LOOP
		EXECUTE format('SELECT %s.unschedule($1::pg_catalog.int8)', ns) USING other;
	END LOOP;
	-- pg_cron replaces this role's job of the same name
	EXECUTE format('SELECT %s.schedule($1::pg_catalog.text, $2::pg_catalog.text, $3::pg_catalog.text)', ns)
		INTO id USING job, sched, 'SELECT @extschema@.refresh()';
	RETURN id;
END
$$;
COMMENT ON FUNCTION @extschema@.schedule_refresh(interval) IS
'Has pg_cron run SELECT kam.refresh() every given interval in this database as you, replacing the previous schedule; returns the job id';

-- Removes the refresh job(s) of this database that the role sees in
-- cron.job (its own; a superuser's, every role's); false when there was none.
CREATE FUNCTION @extschema@.unschedule_refresh()
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ns regnamespace := @extschema@.refresh_cron_check(NULL::text);
	job text := 'kam refresh ' OPERATOR(pg_catalog.||) current_database();
	id bigint;
	n int4 := 0;
BEGIN
	FOR id IN EXECUTE format('SELECT j.jobid FROM %s.job j
							   WHERE j.jobname OPERATOR(pg_catalog.=) $1::pg_catalog.name
								 AND j.database OPERATOR(pg_catalog.=) pg_catalog.current_database()', ns)
			  USING job LOOP
		EXECUTE format('SELECT %s.unschedule($1::pg_catalog.int8)', ns) USING id;
		n := n OPERATOR(pg_catalog.+) 1;
	END LOOP;
	IF n OPERATOR(pg_catalog.=) 0 THEN
		RAISE NOTICE 'no refresh of database "%" is scheduled', current_database()
			USING HINT = 'cron.job shows a role only its own jobs; a superuser sees every role''s.';
	END IF;
	RETURN n OPERATOR(pg_catalog.>) 0;
END
$$;
COMMENT ON FUNCTION @extschema@.unschedule_refresh() IS
'Stops the pg_cron refresh of this database that kam.schedule_refresh() set up; false (with a notice) when none was scheduled';

-- The refresh jobs of this database that the reader sees in cron.job, with
-- their latest run; no rows where pg_cron is not usable here.
CREATE FUNCTION @extschema@.refresh_schedule_jobs()
RETURNS TABLE (jobid bigint, job_name text, schedule text, role text, active boolean,
			   last_start timestamptz, last_end timestamptz, last_status text, last_message text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ns regnamespace;
BEGIN
	ns := @extschema@.refresh_cron_schema();
	IF ns IS NULL OR NOT has_schema_privilege(ns::oid, 'USAGE') THEN
		RETURN;
	END IF;
	RETURN QUERY EXECUTE format(
		'SELECT j.jobid, j.jobname::pg_catalog.text, j.schedule, j.username, j.active,
				r.start_time, r.end_time, r.status, r.return_message
		   FROM %1$s.job j
		   LEFT JOIN LATERAL (SELECT d.start_time, d.end_time, d.status, d.return_message
								FROM %1$s.job_run_details d
							   WHERE d.jobid OPERATOR(pg_catalog.=) j.jobid
							   ORDER BY d.runid DESC LIMIT 1) r ON true
		  WHERE j.jobname OPERATOR(pg_catalog.=) $1::pg_catalog.name
			AND j.database OPERATOR(pg_catalog.=) pg_catalog.current_database()
		  ORDER BY j.jobid', ns)
		USING 'kam refresh ' OPERATOR(pg_catalog.||) current_database();
END
$$;
COMMENT ON FUNCTION @extschema@.refresh_schedule_jobs() IS
'The pg_cron jobs that refresh this database, as the reader sees them in cron.job, with their latest run; the rows of kam.refresh_schedule';

CREATE VIEW @extschema@.refresh_schedule WITH (security_invoker = true) AS
	SELECT s.jobid, s.job_name, s.schedule, s.role, s.active,
		   s.last_start, s.last_end, s.last_status, s.last_message
	  FROM @extschema@.refresh_schedule_jobs() s;
COMMENT ON VIEW @extschema@.refresh_schedule IS
'The scheduled kam.refresh() of this database (kam.schedule_refresh) and how its latest run went; empty when nothing is scheduled or pg_cron is not usable here';
COMMENT ON COLUMN @extschema@.refresh_schedule.jobid IS 'pg_cron job id (cron.job.jobid)';
COMMENT ON COLUMN @extschema@.refresh_schedule.job_name IS 'pg_cron job name: kam refresh followed by the database name';
COMMENT ON COLUMN @extschema@.refresh_schedule.schedule IS 'Cron schedule, on pg_cron''s clock (GMT in pg_cron 1.4), e.g. */5 * * * *';
COMMENT ON COLUMN @extschema@.refresh_schedule.role IS 'Role the job runs kam.refresh() as (the one that scheduled it)';
COMMENT ON COLUMN @extschema@.refresh_schedule.active IS 'False when the job was paused with cron.alter_job';
COMMENT ON COLUMN @extschema@.refresh_schedule.last_start IS 'Start of the latest run (NULL before the first)';
COMMENT ON COLUMN @extschema@.refresh_schedule.last_end IS 'End of the latest run (NULL while it runs)';
COMMENT ON COLUMN @extschema@.refresh_schedule.last_status IS 'pg_cron''s status of the latest run: starting, running, succeeded or failed';
COMMENT ON COLUMN @extschema@.refresh_schedule.last_message IS 'What the latest run returned, or its error message';
GRANT SELECT ON @extschema@.refresh_schedule TO PUBLIC;
