"""inbox_events: events taken in from the registry and jobs, each handled once

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "monitoring"
UPGRADE = f"""
CREATE TABLE {S}.inbox_events (
    source varchar(32) NOT NULL,
    event_id varchar(64) NOT NULL,
    event_type varchar(64) NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id)
);
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE monitoring.inbox_events")
