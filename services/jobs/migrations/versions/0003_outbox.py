"""outbox_events, event_deliveries: the jobs service's events (coming home, job loss) and their relay

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op

from services.common.events.outbox import deliveries_ddl, outbox_ddl
from services.common.migrations import sql_statements

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in sql_statements(outbox_ddl("jobs") + deliveries_ddl("jobs")):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE jobs.event_deliveries")
    op.execute("DROP TABLE jobs.outbox_events")
