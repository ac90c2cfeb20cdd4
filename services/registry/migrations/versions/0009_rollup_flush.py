"""rollup_flush: a bulk writer may refresh each touched subject once, before it commits; and a
rollup_deltas_of whose plan does not depend on up-to-date row counts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from alembic import op

from services.common.migrations import sql_statements
from services.common.rollups.ddl import refresh_functions_ddl
from services.registry.stats.rollups import DELTAS_SQL

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in sql_statements(refresh_functions_ddl("registry") + DELTAS_SQL):
        op.execute(statement)


def downgrade() -> None:
    # rollup_refresh and rollup_deltas_of stay as renewed: they count exactly as before (rollup_refresh
    # defers only when a bulk writer asks it to).
    op.execute("DROP FUNCTION registry.rollup_flush()")
