"""group pairings: a cadre paired with a whole group (篇5: 科级领导每人包联一个组)

The pairing covers the group's households through ordinary household pairings that name it
(``cadre_assignments.group_pairing_id``): made for each household in the group, ended when one leaves,
made when one joins. Monitoring learns them as it learns every pairing, and counts visit compliance on
them unchanged.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE registry.group_pairings (
    id uuid PRIMARY KEY,
    cadre_id uuid NOT NULL REFERENCES registry.cadres (id),
    group_id uuid NOT NULL REFERENCES registry.village_groups (id),
    area_code varchar(12) NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    request_sha256 bytea
);
CREATE UNIQUE INDEX group_pairings_open ON registry.group_pairings (cadre_id, group_id) WHERE ends_on IS NULL;
ALTER TABLE registry.cadre_assignments ADD COLUMN group_pairing_id uuid;
CREATE INDEX cadre_assignments_group_pairing ON registry.cadre_assignments (group_pairing_id)
    WHERE group_pairing_id IS NOT NULL;
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX registry.cadre_assignments_group_pairing")
    op.execute("ALTER TABLE registry.cadre_assignments DROP COLUMN group_pairing_id")
    op.execute("DROP TABLE registry.group_pairings")
