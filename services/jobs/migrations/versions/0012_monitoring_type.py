"""employment records keep the monitoring type of a 监测户 when recorded (脱贫不稳定户, 边缘易致贫户,
突发严重困难户), and the figures count those away by it (away_by_type: the household category, or a
监测户's type where known)

The records so far carry no type, so their away_by_type equals their away_by_category: both the
contributions and the totals are copied once here, and the statistics are whole from the first day.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UPGRADE = (
    "ALTER TABLE jobs.employment_records ADD COLUMN monitoring_type varchar(24)",
    """INSERT INTO jobs.rollup_contributions (subject_id, area_code, measure, key, day, delta)
       SELECT subject_id, area_code, 'away_by_type', key, day, delta FROM jobs.rollup_contributions
       WHERE measure = 'away_by_category'""",
    """INSERT INTO jobs.rollup_totals (area_code, parent_code, measure, key, day, delta)
       SELECT area_code, parent_code, 'away_by_type', key, day, delta FROM jobs.rollup_totals
       WHERE measure = 'away_by_category'""",
)


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DELETE FROM jobs.rollup_totals WHERE measure = 'away_by_type'")
    op.execute("DELETE FROM jobs.rollup_contributions WHERE measure = 'away_by_type'")
    op.execute("ALTER TABLE jobs.employment_records DROP COLUMN monitoring_type")
