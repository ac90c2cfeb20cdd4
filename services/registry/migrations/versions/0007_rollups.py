"""rollups: household and people counts per area and day, kept by triggers, filled from the rows here

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op

from services.common.rollups.install import install_statements, uninstall_statements
from services.registry.stats.rollups import DELTAS_SQL, DROP_DELTAS_SQL, FEEDS, SCHEMA

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in install_statements(SCHEMA, DELTAS_SQL, FEEDS):
        op.execute(statement)


def downgrade() -> None:
    for statement in uninstall_statements(SCHEMA, DROP_DELTAS_SQL, FEEDS):
        op.execute(statement)
