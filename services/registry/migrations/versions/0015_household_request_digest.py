"""household_request_digest: the digest of the create request a household was registered by

A retry of a registration (same id) is answered by comparing its digest with this one: the same request
is a duplicate however the household changed since, another body with the id is a conflict. Rows
registered before this revision have none (NULL) and are compared as they were before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE registry.households ADD COLUMN request_sha256 bytea NULL")


def downgrade() -> None:
    op.execute("ALTER TABLE registry.households DROP COLUMN request_sha256")
