-- Everything in schema kam a user can call, one tab-separated line each:
--   kind  name  argtypes  argcats  argnames  ndefaults  variadic  aggkind  ndirect  rettype  retset
-- kind: f function, a aggregate, w window function, v view.  argtypes are
-- format_type() names joined by ';', argcats the matching "typcategory:typtype"
-- (elements of arrays as "A:b:<element type>").  Functions whose arguments or
-- result are internal, or that return trigger, cannot be called from SQL and
-- are left out.
SELECT p.prokind::text,
	   'kam.' || quote_ident(p.proname),
	   coalesce((SELECT string_agg(format_type(t, NULL), ';' ORDER BY o)
				   FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, o)), ''),
	   coalesce((SELECT string_agg(ty.typcategory::text || ':' || ty.typtype::text
								   || coalesce(':' || format_type(nullif(ty.typelem, 0), NULL), ''),
								   ';' ORDER BY o)
				   FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, o)
				   JOIN pg_type ty ON ty.oid = a.t), ''),
	   coalesce(array_to_string(p.proargnames[1:p.pronargs], ';'), ''),
	   p.pronargdefaults,
	   CASE WHEN p.provariadic = 0 THEN '' ELSE format_type(p.provariadic, NULL) END,
	   coalesce(ag.aggkind::text, ''),
	   coalesce(ag.aggnumdirectargs, 0),
	   format_type(p.prorettype, NULL),
	   p.proretset
  FROM pg_proc p
  LEFT JOIN pg_aggregate ag ON ag.aggfnoid = p.oid
 WHERE p.pronamespace = 'kam'::regnamespace AND p.prokind <> 'p'
   AND p.prorettype <> ALL (ARRAY['internal', 'trigger', 'event_trigger']::regtype[])
   AND NOT 'internal'::regtype = ANY (p.proargtypes::oid[]::regtype[])
UNION ALL
SELECT 'v', 'kam.' || quote_ident(c.relname), '', '', '', 0, '', '', 0, '', false
  FROM pg_class c
 WHERE c.relnamespace = 'kam'::regnamespace AND c.relkind = ANY (ARRAY['v', 'm'])
 ORDER BY 1, 2, 3;
