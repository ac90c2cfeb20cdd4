"""sql_layer: which version of the schema's own code (its functions, triggers and views) is applied

The functions, triggers and views of this schema are no longer made by revisions: they are the files
in services/registry/sql/, applied by services.common.sql_layer once the schema is at head, whenever their
content hash differs from the one stored here (and after any revision). Applying them drops every
function, trigger and view of the schema first, so a database upgraded from the revision before this
one ends up with exactly what a fresh one gets: nothing else is to be dropped here.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row: the sha256 of the files last applied, and when.
    op.execute("CREATE TABLE registry.sql_layer (hash char(64) NOT NULL, applied_at timestamptz NOT NULL)")


def downgrade() -> None:
    op.execute("DROP TABLE registry.sql_layer")
