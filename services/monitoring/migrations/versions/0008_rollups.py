"""rollups: alerts open and overdue and households by case state per area and day, kept by triggers,
filled from the rows here

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from alembic import op

from services.monitoring.stats.rollups import downgrade_statements, upgrade_statements

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in upgrade_statements():
        op.execute(statement)


def downgrade() -> None:
    for statement in downgrade_statements():
        op.execute(statement)
