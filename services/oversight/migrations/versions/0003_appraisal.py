"""oversight: appraisal schemes (考核方案) — per area, year and level (work team, village, cadre), weighted
indicators each mapped to a score by explicit thresholds; never changed, only superseded by a new version
from a date (scores are computed on request from the figures, with the version in force on their date)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = """
-- A version of an area's appraisal scheme for a year and level. A date's scores use the version of the
-- most specific area above the unit's village with effective_from on or before the date, the highest
-- version number of that area; a version never starts before the one it supersedes.
CREATE TABLE oversight.appraisal_schemes (
    id uuid PRIMARY KEY,
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    year smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    level varchar(12) NOT NULL CHECK (level IN ('work_team', 'village', 'cadre')),
    version integer NOT NULL CHECK (version >= 1),
    effective_from date NOT NULL CHECK (extract(year FROM effective_from) = year),
    indicators jsonb NOT NULL
        CHECK (jsonb_typeof(indicators) = 'array' AND jsonb_array_length(indicators) >= 1),
    note varchar(500),
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (area_code, year, level, version)
);
CREATE INDEX ix_appraisal_schemes_year ON oversight.appraisal_schemes (year, level, area_code)
"""


def upgrade() -> None:
    for statement in TABLES.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE oversight.appraisal_schemes")
