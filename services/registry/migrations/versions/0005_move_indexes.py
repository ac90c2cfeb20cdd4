"""Indexes for "as of" statistics: moves looked up by where they came from

A village's count on a past date includes households that have since moved (or merged) away and
people who have since left its households; both lookups start from the old place.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_household_moves_from_area"
        " ON registry.household_moves (from_area_code text_pattern_ops)"
    )
    op.create_index(
        "ix_person_moves_from_household", "person_moves", ["from_household_id"], schema="registry"
    )


def downgrade() -> None:
    op.drop_index("ix_person_moves_from_household", "person_moves", schema="registry")
    op.drop_index("ix_household_moves_from_area", "household_moves", schema="registry")
