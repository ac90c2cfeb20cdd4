"""Writing checked rows in bulk: COPY into session-local staging tables, then set-based upserts.

Every upsert only touches rows whose fields really differ, so importing the same file again changes
nothing (and the change log records nothing). The registry's triggers log whatever does change.
"""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from services.common.rollups.ddl import defer_sql, flush_sql
from services.registry.imports import periods
from services.registry.imports.periods import affected

STAGING = """
CREATE TEMP TABLE IF NOT EXISTS import_households (
    row integer, id uuid, number text, area_code text, group_no smallint, address text, phone text,
    housing_type text, housing_grade text, drinking_water text, cultivated_land_mu numeric,
    forest_land_mu numeric, category text, poverty_exit_year smallint, registered_on date
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_people (
    row integer, id uuid, household_number text, idx bytea, cipher bytea, masked text, name text,
    birth_date date, sex text, relation text, health text, disability_grade smallint, labour_ability text,
    schooling text, medical_insured boolean, programmes text[], programme_starts date[], registered_on date
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_resolved (
    row integer, person_id uuid, household_id uuid, area_code text, programmes text[],
    programme_starts date[], registered_on date, created boolean
) ON COMMIT DELETE ROWS;
"""
HOUSEHOLD_COLUMNS = tuple(
    "row id number area_code group_no address phone housing_type housing_grade drinking_water "
    "cultivated_land_mu forest_land_mu category poverty_exit_year registered_on".split()
)
PEOPLE_COLUMNS = tuple(
    "row id household_number idx cipher masked name birth_date sex relation health disability_grade "
    "labour_ability schooling medical_insured programmes programme_starts registered_on".split()
)

# Every lookup of a staged row goes through a unique index, one row at a time (LATERAL; LIMIT 1 keeps
# the planner from turning it back into a join). A batch is a few thousand rows against a county's
# hundreds of thousands: as hash joins, each batch read whole tables, more so the further an import got
# (the check for blocked rows took 6 ms in the first batch of a 300,000-person file, 100 ms in the last).
LIVING = """SELECT p.id, p.household_id, p.area_code FROM registry.people p
    WHERE p.national_id_index = s.idx AND p.deceased_on IS NULL AND p.deleted_at IS NULL LIMIT 1"""
HOUSEHOLD = """SELECT h.id, h.area_code, h.category, h.deleted_at, h.head_person_id FROM registry.households h
    WHERE h.number = s.{number} LIMIT 1"""
# Rows that may not be written: the number belongs to another area, or was deleted; or the row says
# 户类别 监测户 of a household that is not one through its case (new or registered): 监测户 is set only
# by monitoring's cases (services/registry/programmes/monitored.py), never by a file.
BLOCKED_HOUSEHOLDS = f"""
SELECT s.row, CASE WHEN h.deleted_at IS NOT NULL THEN 'deleted'
                   WHEN NOT (h.area_code LIKE $1) THEN 'outside' ELSE 'monitored' END AS why,
       h.id, h.area_code
FROM import_households s LEFT JOIN LATERAL ({HOUSEHOLD.format(number="number")}) h ON true
WHERE h.deleted_at IS NOT NULL OR NOT (h.area_code LIKE $1)
   OR (s.category = 'monitored' AND h.category IS DISTINCT FROM 'monitored')
"""  # noqa: S608 - our own constants
BLOCKED_PEOPLE = f"""
SELECT s.row, p.id, p.area_code FROM import_people s CROSS JOIN LATERAL ({LIVING}) p
WHERE NOT (p.area_code LIKE $1)
"""  # noqa: S608 - our own constants
# A file without the 户类别 column says nothing of a registered household's category ($2: it has one),
# so neither it nor its 脱贫户 period changes; a new household is 一般农户. A 监测户 stays one whatever
# the file says: its category follows its case, and the file's 户类别 says what it is underneath (see
# ``periods``).
CATEGORY = "CASE WHEN $2::boolean AND h.category <> 'monitored' THEN EXCLUDED.category ELSE h.category END"
# A new household gets its head as it is written (the head's row is in the same batch: its person id is
# the staged one, or the living person's with that ID number); the foreign key is checked at commit.
# Updating every new household again afterwards cost as much as writing it, and logged a change.
UPSERT_HOUSEHOLDS = f"""
WITH heads AS (
    SELECT DISTINCT ON (s.household_number) s.household_number, COALESCE(p.id, s.id) AS person_id
    FROM import_people s LEFT JOIN LATERAL ({LIVING}) p ON true
    WHERE s.relation = 'head'
    ORDER BY s.household_number, s.row
)
INSERT INTO registry.households AS h (id, number, area_code, group_no, address, phone, housing_type,
    housing_grade, drinking_water, cultivated_land_mu, forest_land_mu, category, poverty_exit_year,
    registered_on, head_person_id, created_by, updated_by)
SELECT s.id, s.number, s.area_code, s.group_no, s.address, s.phone, s.housing_type, s.housing_grade,
       s.drinking_water, s.cultivated_land_mu, s.forest_land_mu, s.category, s.poverty_exit_year,
       s.registered_on, heads.person_id, $1, $1
FROM import_households s LEFT JOIN heads ON heads.household_number = s.number
ON CONFLICT (number) DO UPDATE SET
    area_code = EXCLUDED.area_code, group_no = EXCLUDED.group_no, address = EXCLUDED.address,
    phone = EXCLUDED.phone, housing_type = EXCLUDED.housing_type, housing_grade = EXCLUDED.housing_grade,
    drinking_water = EXCLUDED.drinking_water, cultivated_land_mu = EXCLUDED.cultivated_land_mu,
    forest_land_mu = EXCLUDED.forest_land_mu, category = {CATEGORY},
    poverty_exit_year = EXCLUDED.poverty_exit_year, version = h.version + 1, updated_at = now(),
    updated_by = EXCLUDED.updated_by
WHERE (h.area_code, h.group_no, h.address, h.phone, h.housing_type, h.housing_grade, h.drinking_water,
       h.cultivated_land_mu, h.forest_land_mu, h.category, h.poverty_exit_year)
   IS DISTINCT FROM
      (EXCLUDED.area_code, EXCLUDED.group_no, EXCLUDED.address, EXCLUDED.phone, EXCLUDED.housing_type,
       EXCLUDED.housing_grade, EXCLUDED.drinking_water, EXCLUDED.cultivated_land_mu,
       EXCLUDED.forest_land_mu, {CATEGORY}, EXCLUDED.poverty_exit_year)
RETURNING (xmax = 0) AS inserted
"""  # noqa: S608 - our own constants
UPSERT_PEOPLE = f"""
INSERT INTO registry.people AS p (id, household_id, area_code, name, national_id_cipher, national_id_index,
    national_id_masked, birth_date, sex, relation, health, disability_grade, labour_ability, schooling,
    medical_insured, registered_on, created_by, updated_by)
SELECT s.id, h.id, h.area_code, s.name, s.cipher, s.idx, s.masked, s.birth_date, s.sex, s.relation, s.health,
       s.disability_grade, s.labour_ability, s.schooling, s.medical_insured, s.registered_on, $1, $1
FROM import_people s CROSS JOIN LATERAL ({HOUSEHOLD.format(number="household_number")}) h
ON CONFLICT (national_id_index) WHERE deceased_on IS NULL AND deleted_at IS NULL DO UPDATE SET
    household_id = EXCLUDED.household_id, area_code = EXCLUDED.area_code, name = EXCLUDED.name,
    relation = EXCLUDED.relation, health = EXCLUDED.health, disability_grade = EXCLUDED.disability_grade,
    labour_ability = EXCLUDED.labour_ability, schooling = EXCLUDED.schooling,
    medical_insured = EXCLUDED.medical_insured, version = p.version + 1, updated_at = now(),
    updated_by = EXCLUDED.updated_by
WHERE (p.household_id, p.area_code, p.name, p.relation, p.health, p.disability_grade, p.labour_ability,
       p.schooling, p.medical_insured)
   IS DISTINCT FROM
      (EXCLUDED.household_id, EXCLUDED.area_code, EXCLUDED.name, EXCLUDED.relation, EXCLUDED.health,
       EXCLUDED.disability_grade, EXCLUDED.labour_ability, EXCLUDED.schooling, EXCLUDED.medical_insured)
RETURNING (xmax = 0) AS inserted
"""  # noqa: S608 - our own constants
# A household already registered whose head the file changes.
SET_HEADS = f"""
UPDATE registry.households h
SET head_person_id = x.person_id, updated_at = now(),
    version = h.version + CASE WHEN h.head_person_id IS NULL THEN 0 ELSE 1 END
FROM (
    SELECT hh.id AS household_id, p.id AS person_id
    FROM import_people s CROSS JOIN LATERAL ({LIVING}) p
    CROSS JOIN LATERAL ({HOUSEHOLD.format(number="household_number")}) hh
    WHERE s.relation = 'head' AND hh.head_person_id IS DISTINCT FROM p.id
) x
WHERE h.id = x.household_id
"""  # noqa: S608 - our own constants
# Each staged person with the living person written or matched (looked up once, used three times).
RESOLVE = f"""
INSERT INTO import_resolved
SELECT s.row, p.id, p.household_id, p.area_code, s.programmes, s.programme_starts, s.registered_on,
       p.id = s.id
FROM import_people s CROSS JOIN LATERAL ({LIVING}) p
"""  # noqa: S608 - our own constants
# Which household and person each row wrote or matched, kept with the job (read: repository.JOB_ROWS).
LIST_ROWS = """
INSERT INTO registry.import_rows (job_id, row, household_id, person_id)
SELECT $1, r.row, r.household_id, r.person_id FROM import_resolved r
"""


async def prepare(conn: asyncpg.Connection) -> None:
    await conn.execute(STAGING)


async def stage(conn: asyncpg.Connection, households: list[tuple], people: list[tuple]) -> None:
    await conn.copy_records_to_table("import_households", records=households, columns=HOUSEHOLD_COLUMNS)
    await conn.copy_records_to_table("import_people", records=people, columns=PEOPLE_COLUMNS)
    # Temporary tables have no statistics until analysed; without them the planner picks nested loops.
    await conn.execute("ANALYZE import_households, import_people")


async def refresh_statistics(conn: asyncpg.Connection) -> None:
    """The planner's row counts lag a bulk load until autovacuum gets round to it (if it runs at all):
    the import's own lookups, and reports and searches right after it, would be planned for a table a
    fraction of its size. ANALYZE needs the owner; ``registry.analyze_tables`` runs it as the owner."""
    await conn.execute("SELECT registry.analyze_tables()")


async def blocked_rows(conn: asyncpg.Connection, scope_prefix: str) -> tuple[list, list]:
    """Staged rows that may not be written, removed from the staging tables and returned, each with
    the household or person in the way (its id and area)."""
    pattern = scope_prefix + "%"
    households = await conn.fetch(BLOCKED_HOUSEHOLDS, pattern)
    people = await conn.fetch(BLOCKED_PEOPLE, pattern)
    if households:
        numbers = await conn.fetch(
            "DELETE FROM import_households WHERE row = ANY($1::int[]) RETURNING number",
            [r["row"] for r in households],
        )
        await conn.execute(
            "DELETE FROM import_people WHERE household_number = ANY($1::text[])",
            [r["number"] for r in numbers],
        )
    if people:
        await conn.execute("DELETE FROM import_people WHERE row = ANY($1::int[])", [r["row"] for r in people])
    return list(households), list(people)


async def write(
    conn: asyncpg.Connection,
    actor: str,
    *,
    as_of: date,
    programmes_read: list[str],
    category_read: bool = True,
    job_id: uuid.UUID | None = None,
) -> dict[str, int]:
    """Upsert what is staged; counts of rows inserted and changed, and of periods started, ended and moved
    (see ``periods``: ``as_of`` is the file's date, ``programmes_read`` the flags it has columns for,
    ``category_read`` whether it has 户类别).
    With ``job_id``, each row's household and person are kept with the job."""
    # A household's counts are touched by its own row, its people and its programme periods: refreshed
    # once at the end of the batch rather than after each of those statements.
    await conn.execute(defer_sql("registry"))
    households = await conn.fetch(UPSERT_HOUSEHOLDS, actor, category_read)
    people = await conn.fetch(UPSERT_PEOPLE, actor)
    await conn.execute(SET_HEADS)
    await conn.execute(RESOLVE)
    await conn.execute("ANALYZE import_resolved")  # else joined to the periods as if it were empty
    ended = affected(await conn.execute(periods.END_CATEGORY_PERIODS, actor, as_of, category_read))
    ended += affected(await conn.execute(periods.END_PERSON_PERIODS, actor, as_of, programmes_read))
    moved = await conn.fetch(periods.MOVED_STARTS)
    if moved:
        await conn.execute(periods.MOVE_STARTS, [r["id"] for r in moved], [r["starts_on"] for r in moved])
    started = affected(await conn.execute(periods.START_CATEGORY_PERIODS, actor, as_of, category_read))
    started += affected(await conn.execute(periods.START_PERSON_PERIODS, actor, as_of))
    if job_id is not None:
        await conn.execute(LIST_ROWS, job_id)
    await conn.execute(flush_sql("registry"))
    return {
        "households_created": sum(r["inserted"] for r in households),
        "households_changed": sum(not r["inserted"] for r in households),
        "people_created": sum(r["inserted"] for r in people),
        "people_changed": sum(not r["inserted"] for r in people),
        "periods_started": started,
        "periods_ended": ended,
        "periods_moved": len(moved),
    }
