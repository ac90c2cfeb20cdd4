"""Programme periods as an import file states them, set-based over a batch's people (``import_resolved``:
each staged row with the living person it wrote or matched) and households (``import_households``).

A file speaks of a programme only where it has its column. There a person's 是 opens a period (from the
row's start date, by default its 登记日期) and a 否 ends the open one: its last day is the day before
the file's date (``as_of``), so "as of" that date the person is no longer in it (a period that starts
on or after that date is newer than the file and stays). A household's 脱贫户 period follows its
户类别 the same way: 脱贫户 opens one, 一般农户 ends it. 监测户 periods are monitoring's (kept from its
cases: ``programmes.monitored``): the file neither opens nor ends them. A row saying 监测户 is refused
unless the household already is one (``writer.BLOCKED_HOUSEHOLDS``), and of a 监测户 household the
file's 户类别 says what it is underneath: 脱贫户 or 一般农户 (监测户: the file does not say).

A period that starts again after one that ended starts on the file's date, unless the row gives its
start, and never overlaps the one before. A start date the row gives for a period already open moves
its start. Whatever already agrees with the file is left alone: the same file again changes nothing.
"""

from __future__ import annotations

# The latest period of one programme for a household or person: an open one first, else the last ended.
LATEST = """SELECT true AS found, m.ends_on FROM registry.programme_memberships m
    WHERE {owner} AND m.programme = {programme} ORDER BY m.ends_on DESC NULLS FIRST LIMIT 1"""
# $2: the file's date. None before: the given start or 登记日期; else not before the day after it.
STARTS_ON = """CASE WHEN last.found IS NULL THEN COALESCE({given}, {registered_on})
    ELSE greatest(COALESCE({given}, $2::date), last.ends_on + 1) END"""

# $3: the programmes the file has columns for. Looked up person by person and ended by id (OFFSET 0
# keeps the lookup from being planned as a join, = ANY an array keeps the update from one): as hash
# joins, a re-import would read every period of the county per batch.
END_PERSON_PERIODS = """
UPDATE registry.programme_memberships m
SET ends_on = greatest(m.starts_on, $2::date - 1), ended_by = $1
WHERE m.id = ANY(ARRAY(
    SELECT o.id FROM import_resolved r CROSS JOIN LATERAL (
        SELECT m.id FROM registry.programme_memberships m
        WHERE m.person_id = r.person_id AND m.ends_on IS NULL AND m.starts_on < $2::date
          AND m.programme = ANY($3::text[]) AND m.programme <> ALL(r.programmes)
        OFFSET 0) o
    WHERE NOT r.created))
"""
START_PERSON_PERIODS = f"""
INSERT INTO registry.programme_memberships
    (id, household_id, person_id, area_code, programme, starts_on, created_by)
SELECT gen_random_uuid(), r.household_id, r.person_id, r.area_code, f.flag,
       {STARTS_ON.format(given="f.starts_on", registered_on="r.registered_on")}, $1
FROM import_resolved r CROSS JOIN LATERAL unnest(r.programmes, r.programme_starts) AS f(flag, starts_on)
LEFT JOIN LATERAL ({LATEST.format(owner="m.person_id = r.person_id", programme="f.flag")}) last ON true
WHERE last.found IS NULL OR last.ends_on IS NOT NULL
"""  # noqa: S608 - our own constants
HOUSEHOLD_ITSELF = "m.household_id = h.id AND m.person_id IS NULL"
# Open periods of people already registered whose start the row gives otherwise (a ledger that now has
# the start-date column): each with its new start, never before the day after an earlier period ended.
MOVED_STARTS = """
SELECT open.id, greatest(f.starts_on, before.ends_on + 1) AS starts_on
FROM import_resolved r
CROSS JOIN LATERAL unnest(r.programmes, r.programme_starts) AS f(flag, starts_on)
CROSS JOIN LATERAL (
    SELECT m.id, m.starts_on FROM registry.programme_memberships m
    WHERE m.person_id = r.person_id AND m.programme = f.flag AND m.ends_on IS NULL LIMIT 1) open
LEFT JOIN LATERAL (
    SELECT max(m.ends_on) AS ends_on FROM registry.programme_memberships m
    WHERE m.person_id = r.person_id AND m.programme = f.flag AND m.ends_on IS NOT NULL) before ON true
WHERE NOT r.created AND f.starts_on IS NOT NULL
  AND open.starts_on <> greatest(f.starts_on, before.ends_on + 1)
"""
MOVE_STARTS = """
UPDATE registry.programme_memberships m SET starts_on = x.starts_on
FROM unnest($1::uuid[], $2::date[]) AS x(id, starts_on)
WHERE m.id = x.id
"""
# The 户类别 the file gives the household ($3: the file has the column; else the registered one). Of a
# 监测户 registered as one it is what the household is underneath; 'monitored': not said.
FILE_CATEGORY = "(CASE WHEN $3::boolean THEN s.category ELSE h.category END)"
END_CATEGORY_PERIODS = f"""
UPDATE registry.programme_memberships m
SET ends_on = greatest(m.starts_on, $2::date - 1), ended_by = $1
FROM import_households s JOIN registry.households h ON h.number = s.number
WHERE m.household_id = h.id AND m.person_id IS NULL AND m.programme = 'escaped' AND m.ends_on IS NULL
  AND {FILE_CATEGORY} = 'ordinary'
"""  # noqa: S608 - our own constants
START_CATEGORY_PERIODS = f"""
INSERT INTO registry.programme_memberships (id, household_id, area_code, programme, starts_on, created_by)
SELECT gen_random_uuid(), h.id, h.area_code, 'escaped',
       {STARTS_ON.format(given="NULL::date", registered_on="s.registered_on")}, $1
FROM import_households s CROSS JOIN LATERAL (
    SELECT h.id, h.area_code, h.category FROM registry.households h WHERE h.number = s.number LIMIT 1) h
LEFT JOIN LATERAL ({LATEST.format(owner=HOUSEHOLD_ITSELF, programme="'escaped'")}) last ON true
WHERE {FILE_CATEGORY} = 'escaped' AND (last.found IS NULL OR last.ends_on IS NOT NULL)
"""  # noqa: S608 - our own constants


def affected(status: str) -> int:
    """Rows a statement touched, from its status ("UPDATE 3", "INSERT 0 5")."""
    return int(status.rsplit(" ", 1)[-1])
