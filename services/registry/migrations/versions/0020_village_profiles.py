"""village profile (村情): groups (村民小组), households' dated group membership, yearly profiles

A group is a named part of a village; a household is in at most one group at a time, and each change
of group is a dated row (the open one has no end), so counts "as of" a day place it where it was then.
A village's profile is kept per year; a merge adds a row from its date that combines the villages'
typed figures, so a profile "as of" a day before the merge is still the old village's.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE registry.village_groups (
    id uuid PRIMARY KEY,
    area_code varchar(12) NOT NULL REFERENCES registry.areas (code),
    number smallint NOT NULL CHECK (number BETWEEN 1 AND 999),
    name varchar(50) NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by text
);
CREATE INDEX village_groups_area ON registry.village_groups (area_code, number);

CREATE TABLE registry.household_groups (
    id bigserial PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES registry.households (id),
    group_id uuid NOT NULL REFERENCES registry.village_groups (id),
    area_code varchar(12) NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
-- At most one group at a time: one open row per household.
CREATE UNIQUE INDEX household_groups_open ON registry.household_groups (household_id) WHERE ends_on IS NULL;
CREATE INDEX household_groups_group ON registry.household_groups (group_id, starts_on);

CREATE TABLE registry.village_profiles (
    id uuid PRIMARY KEY,
    area_code varchar(12) NOT NULL REFERENCES registry.areas (code),
    year smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    valid_from date NOT NULL,
    merge_id uuid,
    arable_mu numeric(12, 2),
    forest_mu numeric(12, 2),
    grain_to_green_mu numeric(12, 2),
    road_hardened_km numeric(10, 2),
    road_dirt_km numeric(10, 2),
    water text,
    facilities jsonb NOT NULL DEFAULT '[]'::jsonb,
    note text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text,
    UNIQUE (area_code, year, valid_from)
);
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE registry.village_profiles")
    op.execute("DROP TABLE registry.household_groups")
    op.execute("DROP TABLE registry.village_groups")
