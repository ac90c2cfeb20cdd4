"""school children: the 控辍保学 ledger, every child of compulsory-school age and where each studies

One row a child, from the registry's members (its ``person.created`` events: birth date, name and
village; the ID number stays in the registry) or, for a child the registry lacks, from the police
population feed (公安), kept by a blind index of the ID number and its masked form, never in clear.
Where the child studies, the proof of enrolment (取证), the teacher in charge and the way back to
school (found → persuaded → returned) are the ledger's own edits. ``change_seq`` orders the rows'
changes (a trigger of the sql layer, sql/070_school_children.sql) for the phones' sync feed.

No fill: the children arrive as the registry's member events do (a deployment whose members' feed
replayed before this revision has its registry children only from the next person events on).

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-07
"""

from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE SEQUENCE monitoring.school_children_change_seq;
CREATE TABLE monitoring.school_children (
    id uuid PRIMARY KEY,
    person_id uuid UNIQUE,  -- the registry's person, when the registry has the child
    household_id uuid,  -- the registry's household
    id_index bytea UNIQUE,  -- the population feed's: a keyed hash of the ID number, never the number
    national_id_masked varchar(18),
    name varchar(50) NOT NULL,
    birth_date date NOT NULL,
    family_ref varchar(64),  -- the police household number (户号) of a child the registry lacks
    area_code varchar(12) NOT NULL,  -- the village the child lives in
    source varchar(12) NOT NULL CHECK (source IN ('registry', 'population', 'both')),
    population_partner varchar(64),
    population_record varchar(64),
    population_sha256 bytea,
    study_place varchar(16) CHECK (study_place IN
        ('this_town', 'other_town', 'outside_county', 'not_in_school', 'home_schooling')),
    school varchar(100),
    grade varchar(20),
    teacher varchar(50),
    out_of_school_reason text,
    proven_on date,
    proof_document varchar(100),
    proof_photo_id uuid,
    proven_by varchar(64),
    return_state varchar(12) CHECK (return_state IN ('found', 'persuaded', 'returned')),
    found_on date,
    persuaded_on date,
    returned_on date,
    left_on date,  -- died, or deleted from the register: no longer counted from then
    version integer NOT NULL DEFAULT 1,
    change_seq bigint NOT NULL DEFAULT nextval('monitoring.school_children_change_seq'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (person_id IS NOT NULL OR id_index IS NOT NULL),
    UNIQUE (population_partner, population_record)
);
CREATE INDEX ix_school_children_area ON monitoring.school_children (area_code text_pattern_ops, birth_date);
CREATE INDEX ix_school_children_changes ON monitoring.school_children (area_code text_pattern_ops, change_seq)
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE monitoring.school_children")
    op.execute("DROP SEQUENCE monitoring.school_children_change_seq")
