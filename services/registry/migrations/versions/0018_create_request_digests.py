"""create_request_digests: the digest of the create request of people, cadres, pairings, programme periods

As for households (0015): a retry with the same id is answered by comparing its digest with the stored
one, so the same request answers the first result whatever changed since, and another body with the id
is the only conflict. Rows stored before have none (NULL) and are compared as they were before.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TABLES = ("people", "cadres", "cadre_assignments", "programme_memberships")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE registry.{table} ADD COLUMN request_sha256 bytea NULL")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE registry.{table} DROP COLUMN request_sha256")
