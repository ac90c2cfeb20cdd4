"""registry members: who belongs to which household from when, kept from the registry's events, so
that monitoring counts a household's people as the registry does on any date (not the household_size
a visit typed)

Three tables mirror the registry's own (households, people, person_moves), holding only what the count
needs: no names, no ID numbers. The functions that count them and the triggers that refresh the
households' rollups are the sql layer's (sql/035_registry_members.sql), made at head.

No fill here: the members arrive through the registry's ``monitoring:members`` feed, which has no
position yet on an existing deployment, so the registry replays its whole change log into these tables
once (the relay, a batch at a time). Until a household's registration has arrived it counts in
``households_unsized``, never as 0 people. Every household with cases is marked stale so that its
rollups are recounted with the new people measures (the background compaction, in batches), and the
households' deletions taken in before are forgotten by the inbox so that the replay applies them here.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE monitoring.registry_households (
    id uuid PRIMARY KEY,  -- the registry's household
    registered_on date,  -- null: only its deletion has arrived yet (the pairings' feed is ahead)
    deleted boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE monitoring.registry_people (
    id uuid PRIMARY KEY,  -- the registry's person
    household_id uuid NOT NULL,  -- the household now (after every move)
    registered_on date NOT NULL,
    deceased_on date,
    deleted boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_registry_people_household ON monitoring.registry_people (household_id);
CREATE TABLE monitoring.registry_person_moves (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id varchar(80) NOT NULL UNIQUE,  -- the registry's event: a replay adds nothing
    person_id uuid NOT NULL,
    from_household_id uuid NOT NULL,
    to_household_id uuid NOT NULL,
    effective_on date NOT NULL
);
CREATE INDEX ix_registry_person_moves_person ON monitoring.registry_person_moves (person_id, effective_on);
CREATE INDEX ix_registry_person_moves_from ON monitoring.registry_person_moves (from_household_id);
-- The copy's triggers find the households with cases among those a registry event touched (one
-- statement per event: a replay of a county's history is millions), closed cases included.
CREATE INDEX ix_cases_household ON monitoring.cases (household_id);
INSERT INTO monitoring.rollup_stale SELECT DISTINCT household_id FROM monitoring.cases ON CONFLICT DO NOTHING;
-- A household's deletion came before on the pairings' feed only. The members' feed replays it, and it
-- must not be taken for a repeat (marking the pairings again changes nothing).
DELETE FROM monitoring.inbox_events WHERE source = 'registry' AND event_type = 'household.deleted';
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    # The sql layer of the version downgraded to is applied again (its hash differs), with no function
    # that reads these tables; their triggers go with them.
    op.execute("DROP INDEX monitoring.ix_cases_household")
    op.execute(
        "DROP TABLE monitoring.registry_person_moves, monitoring.registry_people, "
        "monitoring.registry_households"
    )
