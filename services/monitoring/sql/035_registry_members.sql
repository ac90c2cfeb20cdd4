-- A household's people on a day, counted as the registry counts them (registry/sql/040_rollup_deltas.sql:
-- its members on that day), from monitoring's copy of the registry's households, people and moves (kept
-- from the registry's events: services/monitoring/events/members.py). A person counts from the day
-- registered until the day of death, in the household the moves put them in on that day: the first move
-- after the day says where they were (its from_household), else where they are now. NULL: monitoring
-- has not heard of the household yet (its registration has not arrived); 0 once it was deleted, or
-- before the day it was registered.
CREATE OR REPLACE FUNCTION monitoring.registry_members_on(household uuid, on_day date) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN h.id IS NULL THEN NULL WHEN h.deleted OR on_day < h.registered_on THEN 0 ELSE (
        SELECT count(*)::integer FROM (
            SELECT p.id, p.registered_on, p.deceased_on, p.household_id AS now_in
            FROM monitoring.registry_people AS p WHERE p.household_id = household AND NOT p.deleted
            UNION
            SELECT p.id, p.registered_on, p.deceased_on, p.household_id
            FROM monitoring.registry_person_moves AS m
            JOIN monitoring.registry_people AS p ON p.id = m.person_id AND NOT p.deleted
            WHERE m.from_household_id = household
        ) AS po
        WHERE po.registered_on <= on_day AND (po.deceased_on IS NULL OR po.deceased_on > on_day)
          AND COALESCE((SELECT m.from_household_id FROM monitoring.registry_person_moves AS m
                         WHERE m.person_id = po.id AND m.effective_on > on_day
                         ORDER BY m.effective_on, m.id LIMIT 1), po.now_in) = household
    ) END
    FROM (SELECT household AS id) AS w LEFT JOIN monitoring.registry_households AS h ON h.id = w.id
$$;

-- The days on which the people of these households may change: a registration, a birth or arrival, a
-- death, a move of anyone who was ever a member.
CREATE OR REPLACE FUNCTION monitoring.registry_member_days(ids uuid[])
RETURNS TABLE (household_id uuid, day date)
LANGUAGE sql STABLE AS $$
WITH people_of AS MATERIALIZED (
    SELECT p.id, p.household_id, p.registered_on, p.deceased_on
    FROM monitoring.registry_people AS p WHERE p.household_id = ANY(ids)
    UNION
    SELECT p.id, m.from_household_id, p.registered_on, p.deceased_on
    FROM monitoring.registry_person_moves AS m JOIN monitoring.registry_people AS p ON p.id = m.person_id
    WHERE m.from_household_id = ANY(ids)
)
SELECT h.id, h.registered_on FROM monitoring.registry_households AS h WHERE h.id = ANY(ids)
UNION SELECT household_id, registered_on FROM people_of
UNION SELECT household_id, deceased_on FROM people_of WHERE deceased_on IS NOT NULL
UNION SELECT po.household_id, m.effective_on FROM people_of AS po
      JOIN monitoring.registry_person_moves AS m ON m.person_id = po.id
$$;

-- Any write to the copy refreshes the households whose people it may change (their cases' rollups:
-- household_case_deltas_of); a household without cases contributes nothing, so that is cheap.
CREATE OR REPLACE FUNCTION monitoring.rollup_registry_households() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM monitoring.rollup_refresh(ARRAY(
        SELECT r.id FROM new_rows AS r JOIN monitoring.cases AS c ON c.household_id = r.id
    ));
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_registry_households_insert ON monitoring.registry_households;
CREATE TRIGGER rollup_registry_households_insert AFTER INSERT ON monitoring.registry_households
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring.rollup_registry_households();
DROP TRIGGER IF EXISTS rollup_registry_households_update ON monitoring.registry_households;
CREATE TRIGGER rollup_registry_households_update AFTER UPDATE ON monitoring.registry_households
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring.rollup_registry_households();

-- A person: the household now and every household the person moved out of.
CREATE OR REPLACE FUNCTION monitoring.rollup_registry_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM monitoring.rollup_refresh(ARRAY(
        SELECT c.household_id FROM (
            SELECT r.household_id FROM new_rows AS r
            UNION
            SELECT m.from_household_id FROM new_rows AS r
            JOIN monitoring.registry_person_moves AS m ON m.person_id = r.id
        ) AS hs JOIN monitoring.cases AS c ON c.household_id = hs.household_id
    ));
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_registry_people_insert ON monitoring.registry_people;
CREATE TRIGGER rollup_registry_people_insert AFTER INSERT ON monitoring.registry_people
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring.rollup_registry_people();
DROP TRIGGER IF EXISTS rollup_registry_people_update ON monitoring.registry_people;
CREATE TRIGGER rollup_registry_people_update AFTER UPDATE ON monitoring.registry_people
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring.rollup_registry_people();

CREATE OR REPLACE FUNCTION monitoring.rollup_registry_person_moves() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM monitoring.rollup_refresh(ARRAY(
        SELECT c.household_id FROM (
            SELECT r.from_household_id AS household_id FROM new_rows AS r
            UNION SELECT r.to_household_id FROM new_rows AS r
        ) AS hs JOIN monitoring.cases AS c ON c.household_id = hs.household_id
    ));
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_registry_person_moves_insert ON monitoring.registry_person_moves;
CREATE TRIGGER rollup_registry_person_moves_insert AFTER INSERT ON monitoring.registry_person_moves
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring.rollup_registry_person_moves();
