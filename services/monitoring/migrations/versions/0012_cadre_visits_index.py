"""the paired cadres' visits of a household, latest first: an index for the compliance list

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The compliance list asks, for every pairing in a county, the cadre's last visit of the household:
    # with this index each is one index entry, not a walk over all of the household's visits. Only
    # visits that name a cadre are indexed.
    op.execute(
        "CREATE INDEX ix_inspections_cadre_visits ON monitoring.inspections "
        "(household_id, cadre_id, visited_at) WHERE cadre_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX monitoring.ix_inspections_cadre_visits")
