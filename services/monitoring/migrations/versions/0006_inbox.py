"""inbox_events: events taken in from the registry and jobs, each handled once

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op

from services.common.events.outbox import inbox_ddl
from services.common.migrations import sql_statements

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in sql_statements(inbox_ddl("monitoring")):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE monitoring.inbox_events")
