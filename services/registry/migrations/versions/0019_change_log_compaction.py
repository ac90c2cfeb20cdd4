"""change_log_compaction: the change log keeps the sync horizon; older rows move to the history table

``record_changes`` is what the phones' sync feed, the event feed and the relay read window by window;
beyond the horizon (FANGPIN_REGISTRY_SYNC_HORIZON_DAYS) no cursor may read it any more, so its rows
move to ``change_history`` (the records' history reads both; nothing is lost), and the log stays as
big as the horizon's changes however long the registry runs. ``change_log_compaction`` holds the
newest transaction id moved (no row: none yet): a cursor that still needs it restarts.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE registry.change_history (
    id bigint PRIMARY KEY,
    xid xid8 NOT NULL,
    occurred_at timestamptz NOT NULL,
    entity_type varchar(16) NOT NULL,
    entity_id uuid NOT NULL,
    action varchar(8) NOT NULL,
    area_code varchar(12) NOT NULL,
    old_area_code varchar(12),
    version integer,
    changes jsonb,
    actor text,
    actor_name text,
    reason text
);
CREATE INDEX ix_change_history_entity ON registry.change_history (entity_id, id);
CREATE TABLE registry.change_log_compaction (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_moved xid8 NOT NULL,
    compacted_at timestamptz NOT NULL DEFAULT now(),
    moved bigint NOT NULL DEFAULT 0
)
"""


def upgrade() -> None:
    for statement in TABLES.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute(
        "INSERT INTO registry.record_changes OVERRIDING SYSTEM VALUE SELECT * FROM registry.change_history"
    )
    op.execute("DROP TABLE registry.change_log_compaction")
    op.execute("DROP TABLE registry.change_history")
