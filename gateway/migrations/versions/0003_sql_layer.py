"""sql_layer: which version of the schema's own code (its functions and triggers) is applied

The gateway's functions and triggers (its audit log's guards, and appending to its chain) are the
shared scripts of services/common/sql/ it names, applied by services.common.sql_layer once the schema is
at head, whenever their content hash differs from the one stored here (and after any revision).
Applying them drops every function and trigger of the schema first: those revision 0001 made are made
again from the scripts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row: the sha256 of the scripts last applied, and when.
    op.execute("CREATE TABLE gateway.sql_layer (hash char(64) NOT NULL, applied_at timestamptz NOT NULL)")


def downgrade() -> None:
    op.execute("DROP TABLE gateway.sql_layer")
