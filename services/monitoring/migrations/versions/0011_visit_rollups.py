"""visit compliance as a rollup: the cadres' pairings (from the registry's events) and, per village,
cadre and day, how many are visited, not yet due and overdue

The tables; the functions and triggers that count the pairings are the sql layer's
(sql/045_pairing_deltas.sql, 050_rollup_triggers.sql, 060_visit_thresholds_stale.sql), made at head.
No fill: the pairings table starts empty (they arrive by the registry's events, each counted as it
comes), and the alerts and households already counted do not change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE monitoring.pairings (
    id uuid PRIMARY KEY,  -- the registry's pairing
    cadre_id uuid NOT NULL,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,  -- the household's village, following its moves
    starts_on date NOT NULL,
    ends_on date,  -- the last day in force
    household_deleted boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_pairings_household ON monitoring.pairings (household_id, cadre_id);
CREATE INDEX ix_pairings_area ON monitoring.pairings (area_code text_pattern_ops);

-- Subjects a write marked stale, refreshed in batches in the background (a new threshold version
-- touches every pairing of a county).
CREATE TABLE monitoring.rollup_stale (subject_id uuid PRIMARY KEY);

-- The statistics count visits by cadre from the pairings' own contributions (stats.repository).
CREATE INDEX ix_rollup_contributions_visits ON monitoring.rollup_contributions
    (area_code text_pattern_ops, day) INCLUDE (subject_id, measure, delta)
    WHERE measure IN ('visits_visited', 'visits_not_yet_due', 'visits_overdue');
"""

# Back to the alerts and households alone: the functions as they were before this revision, so that
# the writes to alerts and cases still count once the pairings are gone.
DOWNGRADE = (
    "DROP INDEX monitoring.ix_rollup_contributions_visits",
    "DROP TRIGGER IF EXISTS visit_thresholds_stale ON monitoring.thresholds",
    "DROP TRIGGER IF EXISTS rollup_inspections_insert ON monitoring.inspections",
    "DROP TRIGGER IF EXISTS rollup_inspections_update ON monitoring.inspections",
    "DROP TRIGGER IF EXISTS rollup_inspections_delete ON monitoring.inspections",
    "DROP TABLE monitoring.rollup_stale",
    "DROP TABLE monitoring.pairings",  # with its triggers
    """
CREATE OR REPLACE FUNCTION monitoring.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
    SELECT * FROM monitoring.alert_deltas_of(ids)
    UNION ALL SELECT * FROM monitoring.household_case_deltas_of(ids)
$$
""",
    """
CREATE OR REPLACE FUNCTION monitoring.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM monitoring.alerts UNION SELECT household_id FROM monitoring.cases
$$
""",
    "DROP FUNCTION IF EXISTS monitoring.visit_thresholds_stale(), monitoring.rollup_inspections(), "
    "monitoring.rollup_pairings(), monitoring.pairing_deltas_of(uuid[]), "
    "monitoring.rollup_refresh_stale(integer)",
    # The pairings' contributions go with them.
    "DELETE FROM monitoring.rollup_contributions WHERE measure IN "
    "('visits_visited', 'visits_not_yet_due', 'visits_overdue')",
    "DELETE FROM monitoring.rollup_totals WHERE measure IN "
    "('visits_visited', 'visits_not_yet_due', 'visits_overdue')",
)


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
