"""sharp drops: two more figures in a threshold version, the share by which income per person may
fall from the household's previous visit (收入骤减) and the amount by which its rigid spending may rise
(支出骤增) before a visit raises a finding; NULL in the versions set before (those rules stay silent)

Chained after 0016 in this branch; 0017–0021 are reserved for other work and 0022 follows them at merge.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE monitoring.thresholds
    ADD COLUMN income_drop_share numeric(5,4) CHECK (income_drop_share > 0 AND income_drop_share < 1),
    ADD COLUMN spending_jump_line numeric(12,2) CHECK (spending_jump_line > 0)
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(
        "ALTER TABLE monitoring.thresholds DROP COLUMN income_drop_share, DROP COLUMN spending_jump_line"
    )
