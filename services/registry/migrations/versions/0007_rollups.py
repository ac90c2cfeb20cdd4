"""rollups: household and people counts per area and day, kept by triggers, filled from the rows here

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op

from services.common.migrations import sql_statements
from services.common.rollups.ddl import drop_rollup_ddl, drop_trigger_ddl, rollup_ddl, trigger_ddl
from services.common.rollups.store import rebuild_statements
from services.registry.stats.rollups import DELTAS_SQL, DROP_DELTAS_SQL, FEEDS, SCHEMA

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    script = DELTAS_SQL + rollup_ddl(SCHEMA) + "".join(trigger_ddl(SCHEMA, feeds) for feeds in FEEDS)
    for statement in sql_statements(script) + rebuild_statements(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    script = "".join(drop_trigger_ddl(SCHEMA, feeds.table) for feeds in FEEDS)
    for statement in sql_statements(script + drop_rollup_ddl(SCHEMA) + DROP_DELTAS_SQL):
        op.execute(statement)
