"""export_jobs: ledger exports too big for one request, written in the background, and their files

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from alembic import op

from services.common.exports.tables import drop_exports_ddl, exports_ddl
from services.common.migrations import sql_statements

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in sql_statements(exports_ddl("registry")):
        op.execute(statement)


def downgrade() -> None:
    for statement in sql_statements(drop_exports_ddl("registry")):
        op.execute(statement)
