"""areas: administrative divisions keyed by 12-digit code

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "registry"


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("code", sa.String(12), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(12), sa.ForeignKey(f"{SCHEMA}.areas.code"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("code ~ '^[0-9]{12}$'", name="areas_code_digits"),
        sa.CheckConstraint(
            "level IN ('province','city','county','town','village')", name="areas_level_known"
        ),
        sa.CheckConstraint("parent_code IS NULL OR parent_code <> code", name="areas_parent_not_self"),
        schema=SCHEMA,
    )
    op.create_index("ix_areas_parent_code", "areas", ["parent_code"], schema=SCHEMA)
    # Prefix searches (everything inside a county) use text_pattern_ops so LIKE '520221%' is indexed.
    op.execute(f"CREATE INDEX ix_areas_code_pattern ON {SCHEMA}.areas (code text_pattern_ops)")


def downgrade() -> None:
    op.drop_table("areas", schema=SCHEMA)
