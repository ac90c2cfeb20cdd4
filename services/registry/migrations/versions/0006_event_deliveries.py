"""event_deliveries: how far the relay has delivered the change log's events to each subscriber

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "registry"
UPGRADE = f"""
CREATE TABLE {S}.event_deliveries (
    subscriber varchar(32) PRIMARY KEY,
    position jsonb NOT NULL,
    delivered integer NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE registry.event_deliveries")
