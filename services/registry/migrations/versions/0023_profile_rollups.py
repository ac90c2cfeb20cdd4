"""village profile (村情) figures from the rollups: groups are rollup subjects too, and households count
贫困户, housing types and unsafe water (the sql layer's 040/045/049 files say how)

The tables: a list of stale subjects (as monitoring's), and an index to find a household's groups
when it moves (the triggers refresh those groups too). The households and groups already registered
contribute nothing to the new measures yet: each is put on the stale list here, and the background
compaction refreshes them in batches (``rollup_refresh_stale``); until then ``fangpin reports verify``
takes them as stored. Nothing of the new definition is needed here.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UPGRADE = (
    "CREATE TABLE registry.rollup_stale (subject_id uuid PRIMARY KEY)",
    "CREATE INDEX household_groups_household ON registry.household_groups (household_id)",
    """INSERT INTO registry.rollup_stale
       SELECT id FROM registry.households WHERE deleted_at IS NULL
       UNION SELECT id FROM registry.village_groups""",
)
# The counts as the release before keeps them: its sql layer, applied again by its migrate, makes the
# functions and triggers; the new measures' rows would only stand still.
DOWNGRADE = (
    """DELETE FROM registry.rollup_contributions
       WHERE measure IN ('housing', 'water_unsafe', 'poor_households', 'poor_people', 'groups')""",
    """DELETE FROM registry.rollup_totals
       WHERE measure IN ('housing', 'water_unsafe', 'poor_households', 'poor_people', 'groups')""",
    "DELETE FROM registry.rollup_subjects WHERE subject_id IN (SELECT id FROM registry.village_groups)",
    "DROP INDEX registry.household_groups_household",
    "DROP TABLE registry.rollup_stale",
)


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
