"""rollup_flush: a bulk writer may refresh each touched subject once, before it commits; and a
rollup_deltas_of whose plan does not depend on up-to-date row counts

It made functions only; functions live in the sql layer now (sql/030_rollup_refresh.sql and
040_rollup_deltas.sql), which makes them once the schema is at head: this revision is kept, empty, so
that the revision chain stays whole.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
