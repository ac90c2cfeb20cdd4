"""projects: assets' checks reported from phones (the yearly check or an upkeep inspection, with photos),
each kept once by the phone's UUID

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE projects.asset_check_reports (
    id uuid PRIMARY KEY,
    asset_id uuid NOT NULL REFERENCES projects.assets (id),
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    kind varchar(8) NOT NULL CHECK (kind IN ('yearly', 'upkeep')),
    year smallint CHECK (year BETWEEN 2000 AND 2100),
    checked_on date NOT NULL,
    result varchar(8) NOT NULL CHECK (result IN ('normal', 'problem')),
    problem varchar(500),
    photo_refs varchar(200)[] NOT NULL CHECK (cardinality(photo_refs) BETWEEN 1 AND 10),
    request_sha256 bytea NOT NULL,
    reported_by varchar(64) NOT NULL,
    reported_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT a_yearly_check_names_its_year CHECK ((kind = 'yearly') = (year IS NOT NULL)),
    CONSTRAINT a_reported_problem_is_described CHECK ((result = 'problem') = (problem IS NOT NULL))
);
CREATE INDEX ix_asset_check_reports_asset ON projects.asset_check_reports (asset_id, checked_on);
CREATE INDEX ix_asset_check_reports_area ON projects.asset_check_reports (area_code text_pattern_ops, id)
"""


def upgrade() -> None:
    # One statement at a time: the driver prepares each, and a prepared statement holds only one.
    for statement in TABLES.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE projects.asset_check_reports")
