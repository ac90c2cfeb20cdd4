"""baseline: the jobs schema and its version table

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The schema itself is created before migrations run; tables come with the jobs domain.
    pass


def downgrade() -> None:
    pass
