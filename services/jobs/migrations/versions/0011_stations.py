"""stations: the photovoltaic stations jobs learns from projects' events, and posts naming one by id

Jobs takes projects' ``station.registered`` / ``station.changed`` / ``station.revenue_allocated`` once
each (``inbox_events``) into ``stations`` and ``station_allocations`` (a station-month's revenue that
projects allocated to post wages). A photovoltaic post names its station by ``station_id``.

The free-text ``station`` becomes ``station_note``, kept read-only for history and never matched: at
this revision jobs knows no station yet (its inbox starts empty; the stations arrive later through the
relay), and a typed name ("双丰村光伏电站") does not say which of a village's stations it meant. A
photovoltaic post from before keeps its note and names its station id on its next edit.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

S = "jobs"
UPGRADE = f"""
CREATE TABLE {S}.inbox_events (
    source varchar(32) NOT NULL,
    event_id varchar(64) NOT NULL,
    event_type varchar(64) NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id)
);
CREATE TABLE {S}.stations (
    id uuid PRIMARY KEY,
    asset_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    name varchar(200) NOT NULL,
    learned_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_stations_area ON {S}.stations (area_code text_pattern_ops);
CREATE TABLE {S}.station_allocations (
    station_id uuid NOT NULL REFERENCES {S}.stations (id),
    month date NOT NULL,
    area_code varchar(12) NOT NULL,
    posts_fen bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, month),
    CONSTRAINT ck_station_allocations_month CHECK (extract(day FROM month) = 1),
    CONSTRAINT ck_station_allocations_fen CHECK (posts_fen >= 0)
);
ALTER TABLE {S}.welfare_posts DROP CONSTRAINT ck_welfare_posts_station;
ALTER TABLE {S}.welfare_posts RENAME COLUMN station TO station_note;
ALTER TABLE {S}.welfare_posts ADD COLUMN station_id uuid NULL REFERENCES {S}.stations (id);
-- A photovoltaic post names its station (by id, or a note from before ids); only such a post does.
ALTER TABLE {S}.welfare_posts ADD CONSTRAINT ck_welfare_posts_station
    CHECK ((funding_source = 'photovoltaic') = (station_id IS NOT NULL OR station_note IS NOT NULL));
CREATE INDEX ix_welfare_posts_station ON {S}.welfare_posts (station_id) WHERE station_id IS NOT NULL;
"""

DOWNGRADE = """
DROP INDEX jobs.ix_welfare_posts_station;
ALTER TABLE jobs.welfare_posts DROP CONSTRAINT ck_welfare_posts_station;
UPDATE jobs.welfare_posts p SET station_note = s.name FROM jobs.stations s
    WHERE p.station_id = s.id AND p.station_note IS NULL;
ALTER TABLE jobs.welfare_posts DROP COLUMN station_id;
ALTER TABLE jobs.welfare_posts RENAME COLUMN station_note TO station;
ALTER TABLE jobs.welfare_posts ADD CONSTRAINT ck_welfare_posts_station
    CHECK ((funding_source = 'photovoltaic') = (station IS NOT NULL));
DROP TABLE jobs.station_allocations;
DROP TABLE jobs.stations;
DROP TABLE jobs.inbox_events;
"""


def _run(script: str) -> None:
    for statement in script.split(";\n"):
        if statement.strip():
            op.execute(statement)


def upgrade() -> None:
    _run(UPGRADE)


def downgrade() -> None:
    _run(DOWNGRADE)
