"""rollup_flush: a bulk writer may refresh each touched subject once, before it commits

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from alembic import op

from services.common.migrations import sql_statements
from services.common.rollups.ddl import refresh_functions_ddl

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in sql_statements(refresh_functions_ddl("monitoring")):
        op.execute(statement)


def downgrade() -> None:
    # rollup_refresh stays as renewed: it counts exactly as before (it defers only when a bulk writer
    # asks it to).
    op.execute("DROP FUNCTION monitoring.rollup_flush()")
