"""rollups: employment, post and training figures per area and day, kept by triggers, filled from the rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from alembic import op

from services.jobs.rollups import downgrade_statements, upgrade_statements

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in upgrade_statements():
        op.execute(statement)


def downgrade() -> None:
    for statement in downgrade_statements():
        op.execute(statement)
