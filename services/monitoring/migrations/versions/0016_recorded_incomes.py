"""recorded incomes: what households received through projects' and assets' beneficiary links
(利益联结), kept from the projects service's ``beneficiary.paid`` events, so that the income rule
counts each income component as at least what the records say for the year

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE monitoring.recorded_incomes (
    payment_id uuid PRIMARY KEY,  -- the projects service's payment: a replay adds nothing
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    year smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    kind varchar(8) NOT NULL CHECK (kind IN ('wage', 'transfer')),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    paid_on date NOT NULL,
    event_id varchar(64) NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_recorded_incomes_household ON monitoring.recorded_incomes (household_id, year)
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE monitoring.recorded_incomes")
