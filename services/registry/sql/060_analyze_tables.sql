-- ANALYZE needs the table's owner (the migration role); the bulk import runs as the serving role and
-- calls this. Without fresh statistics mid-import, the planner took a county's people for a handful of
-- rows and hashed all of them for every batch.
CREATE OR REPLACE FUNCTION registry.analyze_tables() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    ANALYZE registry.households, registry.people, registry.programme_memberships;
END
$$;
