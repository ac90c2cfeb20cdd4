"""a 监测户 period's monitoring type (脱贫不稳定户, 边缘易致贫户, 突发严重困难户) as monitoring's enrolment
event names it, so that figures by type (jobs' employment statistics) can follow the registry's periods;
NULL for other programmes and for periods recorded before

Chained after 0019 in this branch; 0020–0021 are reserved for other work and 0022 follows them at merge.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE registry.programme_memberships ADD COLUMN monitoring_type varchar(24)")


def downgrade() -> None:
    op.execute("ALTER TABLE registry.programme_memberships DROP COLUMN monitoring_type")
