"""visit compliance as a rollup: the cadres' pairings (from the registry's events) and, per village,
cadre and day, how many are visited, not yet due and overdue

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from alembic import op

from services.monitoring.visits.rollups import downgrade_statements, upgrade_statements

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in upgrade_statements():
        op.execute(statement)


def downgrade() -> None:
    for statement in downgrade_statements():
        op.execute(statement)
