"""audit_log: the monitoring's append-only, hash-chained audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from alembic import op

from services.common.audit.table import create_audit_log, drop_audit_log

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_log(op, "monitoring")


def downgrade() -> None:
    drop_audit_log(op, "monitoring")
