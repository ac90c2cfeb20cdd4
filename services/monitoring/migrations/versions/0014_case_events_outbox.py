"""case_events_outbox: monitoring publishes enrolments and exits; past cases can be imported

outbox_events and event_deliveries: monitoring's events (a case enrolled, its risk eliminated) and how
far its relay delivered them (to the registry, which keeps the 监测户 programme periods).
cases.import_sha256: the digest of the import item a past case came from (NULL for a live case), so a
re-sent import is answered as a duplicate and the same id with other content as a conflict.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

S = "monitoring"
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

ALTER TABLE {S}.cases ADD COLUMN import_sha256 bytea NULL
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("ALTER TABLE monitoring.cases DROP COLUMN import_sha256")
    op.execute("DROP TABLE monitoring.event_deliveries")
    op.execute("DROP TABLE monitoring.outbox_events")
