"""areas: the urban-rural class (城乡分类代码) and a dated history of names (area_names)

The official division table (统计用区划代码) is loaded into ``registry.areas``. Each area keeps its code
for life; a renamed one records its new name from a date, so the history says what a code was called
when. ``valid_from`` is NULL for a name the registry knew before it knew any date for it (every area
existing now, and those created one at a time through the API).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

S = "registry"

UPGRADE = f"""
ALTER TABLE {S}.areas ADD COLUMN urban_rural_class varchar(3)
    CONSTRAINT areas_urban_rural_class_known
    CHECK (urban_rural_class IN ('111', '112', '121', '122', '123', '210', '220'));
CREATE TABLE {S}.area_names (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code varchar(12) NOT NULL REFERENCES {S}.areas(code),
    name varchar(100) NOT NULL,
    valid_from date,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by text
);
CREATE UNIQUE INDEX ux_area_names_undated ON {S}.area_names (code) WHERE valid_from IS NULL;
CREATE UNIQUE INDEX ux_area_names_dated ON {S}.area_names (code, valid_from) WHERE valid_from IS NOT NULL;
INSERT INTO {S}.area_names (code, name, recorded_at, recorded_by)
    SELECT code, name, created_at, 'migration 0013' FROM {S}.areas;
"""  # noqa: S608 - our own constants, no input


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.area_names")
    op.execute(f"ALTER TABLE {S}.areas DROP COLUMN urban_rural_class")
