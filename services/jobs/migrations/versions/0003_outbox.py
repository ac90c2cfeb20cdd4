"""outbox_events, event_deliveries: the jobs service's events (coming home, job loss) and their relay

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "jobs"
UPGRADE = f"""
CREATE TABLE {S}.outbox_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    event_type varchar(64) NOT NULL,
    area_code varchar(12) NOT NULL,
    subject_id uuid,
    payload jsonb NOT NULL
);
CREATE INDEX ix_outbox_events_xid ON {S}.outbox_events (xid, id);

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
    op.execute("DROP TABLE jobs.event_deliveries")
    op.execute("DROP TABLE jobs.outbox_events")
