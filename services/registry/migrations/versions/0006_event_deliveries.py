"""event_deliveries: how far the relay has delivered the change log's events to each subscriber

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op

from services.common.events.outbox import deliveries_ddl
from services.common.migrations import sql_statements

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in sql_statements(deliveries_ddl("registry")):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE registry.event_deliveries")
