"""idempotency_keys: the first answer to each caller's write sent with an Idempotency-Key

A retry with the same key (same caller, method, path and body) is answered from here instead of being
done again; a copy arriving while the first runs waits on the primary key for the first's transaction.
Rows are kept for FANGPIN_GATEWAY_IDEMPOTENCY_TTL_S, then swept.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import BYTEA, JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("caller_id", sa.Text, primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("request_sha256", BYTEA, nullable=False),
        # NULL only inside the first copy's transaction, which stores the answer before it commits.
        sa.Column("status", sa.SmallInteger),
        sa.Column("headers", JSONB),
        sa.Column("body", BYTEA),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        schema=SCHEMA,
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("idempotency_keys", schema=SCHEMA)
