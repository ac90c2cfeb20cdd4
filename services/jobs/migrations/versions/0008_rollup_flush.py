"""rollup_flush: a bulk writer may refresh each touched subject once, before it commits

It made functions only; functions live in the sql layer now (sql/030_rollup_refresh.sql), which makes them
once the schema is at head: this revision is kept, empty, so that the revision chain stays whole.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
