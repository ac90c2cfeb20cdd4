"""audit_log: the registry's append-only, hash-chained audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

S = "registry"
# The columns as they were at this revision (services/common/audit/table.py holds today's), so that a
# fresh database replays this revision as it ran. The guards that make the table append-only are
# triggers: the sql layer (services/common/sql/010_audit_log.sql) makes them once the schema is at head.


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.Text),
        sa.Column("actor_id", sa.Text),
        sa.Column("actor_name", sa.Text),
        sa.Column("actor_kind", sa.Text),
        sa.Column("actor_role", sa.Text),
        sa.Column("actor_scope", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("client", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("resource_type", sa.Text),
        sa.Column("resource_id", sa.Text),
        sa.Column("area_code", sa.Text),
        sa.Column("changes", sa.Text, comment="canonical JSON: {field: [old, new]}"),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("prev_hash", sa.CHAR(64), nullable=False),
        sa.Column("hash", sa.CHAR(64), nullable=False),
        schema=S,
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"], schema=S)
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_id", "occurred_at"], schema=S)
    op.create_index(
        "ix_audit_log_resource", "audit_log", ["resource_type", "resource_id", "occurred_at"], schema=S
    )
    op.execute(f"CREATE INDEX ix_audit_log_area ON {S}.audit_log (area_code text_pattern_ops)")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {S}.audit_log FROM PUBLIC")


def downgrade() -> None:
    op.drop_table("audit_log", schema=S)
    op.execute(f"DROP FUNCTION IF EXISTS {S}.audit_log_append_only()")
