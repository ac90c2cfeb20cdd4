"""partner_records: bureau records (医保, 残联, 民政, 教育, deaths) matched to households

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE monitoring.partner_records (
    id uuid PRIMARY KEY,
    partner_id varchar(64) NOT NULL,
    kind varchar(24) NOT NULL,
    record_id varchar(64) NOT NULL,
    content_sha256 bytea NOT NULL,
    person_id uuid NOT NULL,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    occurred_on date NOT NULL,
    data jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partner_id, kind, record_id)
);
CREATE INDEX ix_partner_records_household ON monitoring.partner_records (household_id, kind, occurred_on);
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE monitoring.partner_records")
