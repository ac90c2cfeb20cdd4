"""analyze_tables: the serving role may refresh the planner's statistics of the registry's big tables

ANALYZE needs the table's owner (the migration role); the bulk import runs as the serving role, and its
ANALYZE was skipped with only a warning. Without fresh statistics mid-import, the planner took a
county's people for a handful of rows and hashed all of them for every batch.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
CREATE FUNCTION registry.analyze_tables() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    ANALYZE registry.households, registry.people, registry.programme_memberships;
END
$$
"""
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION registry.analyze_tables()")
