-- A new threshold version may change the visit interval of every pairing below its area in its year:
-- too many to recount in the request (a county's 100,000), so they are marked stale and recounted in
-- the background (services/common/rollups/compaction.py), within about a minute.
CREATE OR REPLACE FUNCTION monitoring.visit_thresholds_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO monitoring.rollup_stale
    SELECT DISTINCT p.id FROM new_rows AS r JOIN monitoring.pairings AS p
      ON p.area_code ~>=~ monitoring.rollup_area_prefix(r.area_code)
     AND p.area_code ~<~ (monitoring.rollup_area_prefix(r.area_code) || ':')
     AND p.starts_on <= make_date(r.year, 12, 31)
     AND (p.ends_on IS NULL OR p.ends_on >= make_date(r.year, 1, 1))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS visit_thresholds_stale ON monitoring.thresholds;
CREATE TRIGGER visit_thresholds_stale AFTER INSERT ON monitoring.thresholds
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring.visit_thresholds_stale();
