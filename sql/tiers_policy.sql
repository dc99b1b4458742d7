-- Policy tables: shipped defaults, user edits, what pg_dump keeps
-- (rows WHERE NOT is_default, and kam.deleted_defaults), kam.reset_policy().
SELECT * FROM kam.tier_policy ORDER BY rank;
SELECT * FROM kam.loyalty_ladder ORDER BY rank;
SELECT count(*) AS cells, count(*) FILTER (WHERE is_default) AS shipped FROM kam.rfm_segment_map;
-- the dump filters
SELECT c.relname, d.cond
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) d(oid, cond)
  JOIN pg_class c ON c.oid = d.oid
 WHERE e.extname = 'kam'
   AND c.relname = ANY (ARRAY['tier_policy', 'loyalty_ladder', 'rfm_segment_map', 'deleted_defaults'])
 ORDER BY 1;

-- an edited row becomes a user row (dumped); its key is unchanged, so no deletion is recorded
UPDATE kam.tier_policy SET visits_per_week = 3 WHERE tier = 'Strategic';
-- deleting a shipped row records the deletion
DELETE FROM kam.tier_policy WHERE tier = 'C';
-- renaming one records the old key as deleted
UPDATE kam.tier_policy SET tier = 'Gold' WHERE tier = 'A';
-- inserting a row with a shipped row's key replaces the shipped row
INSERT INTO kam.tier_policy (tier, rank, min_revenue, visits_per_week) VALUES ('B', 3, 5000, 0.5);
-- a user cannot mark a row as shipped (it would drop out of the dump)
INSERT INTO kam.tier_policy (tier, rank, visits_per_week, is_default) VALUES ('Rest', 9, 0, true);
SELECT tier, rank, share_cutoff, min_revenue, visits_per_week, is_default FROM kam.tier_policy ORDER BY rank;
SELECT policy, key FROM kam.deleted_defaults ORDER BY policy, key::text;
-- a restore replays the deletions on the freshly shipped rows
SELECT kam.reset_policy('tier_policy');
SELECT count(*) AS rows, bool_and(is_default) AS all_shipped FROM kam.tier_policy;
INSERT INTO kam.deleted_defaults VALUES ('tier_policy', '{"tier": "C"}');
SELECT tier FROM kam.tier_policy ORDER BY rank;
SELECT kam.reset_policy('tier_policy');

-- truncating records every shipped row
TRUNCATE kam.rfm_segment_map;
SELECT count(*) AS deleted FROM kam.deleted_defaults WHERE policy = 'rfm_segment_map';
SELECT kam.reset_policy('rfm_segment_map');
SELECT count(*) AS cells, count(*) FILTER (WHERE is_default) AS shipped FROM kam.rfm_segment_map;
SELECT count(*) AS deleted FROM kam.deleted_defaults;

-- rejected rows
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT pg_temp.err($$INSERT INTO kam.tier_policy (tier, rank, share_cutoff) VALUES ('X', 5, 1.5)$$);
SELECT pg_temp.err($$INSERT INTO kam.tier_policy (tier, rank, share_cutoff) VALUES ('X', 5, 0)$$);
SELECT pg_temp.err($$INSERT INTO kam.tier_policy (tier, rank, min_revenue) VALUES ('X', 5, -1)$$);
SELECT pg_temp.err($$INSERT INTO kam.tier_policy (tier, rank, visits_per_week) VALUES ('X', 5, 'Infinity')$$);
SELECT pg_temp.err($$INSERT INTO kam.tier_policy (tier, rank) VALUES ('X', NULL)$$);
SELECT pg_temp.err($$INSERT INTO kam.loyalty_ladder (stage, rank, min_active_quarters, of_last_quarters) VALUES ('x', 5, 5, 4)$$);
SELECT pg_temp.err($$INSERT INTO kam.loyalty_ladder (stage, rank, min_active_quarters) VALUES ('x', 5, 2)$$);
SELECT pg_temp.err($$INSERT INTO kam.loyalty_ladder (stage, rank, min_active_quarters, of_last_quarters) VALUES ('x', 5, 2, 41)$$);
SELECT pg_temp.err($$INSERT INTO kam.rfm_segment_map (r_score, f_score, segment) VALUES (6, 1, 'x')$$);
SELECT pg_temp.err($$INSERT INTO kam.deleted_defaults VALUES ('settings', '{}')$$);
SELECT pg_temp.err($$SELECT kam.reset_policy('settings')$$);
SELECT count(*) AS rows, bool_and(is_default) AS all_shipped FROM kam.tier_policy;
