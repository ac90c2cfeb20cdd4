"""analyze_tables: the serving role may refresh the planner's statistics of the registry's big tables

ANALYZE needs the table's owner (the migration role); the bulk import runs as the serving role, and its
ANALYZE was skipped with only a warning. Without fresh statistics mid-import, the planner took a
county's people for a handful of rows and hashed all of them for every batch.

It made functions only; functions live in the sql layer now (sql/060_analyze_tables.sql), which makes them
once the schema is at head: this revision is kept, empty, so that the revision chain stays whole.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
