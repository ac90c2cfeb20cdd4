"""households, people, programmes, cadres, moves, village merges and the change log

Every insert or update of a household or person is logged by a statement-level trigger into
``record_changes`` (who, when, old -> new). That one log is the readable history, the phones' sync feed
and the event feed other services read, so no write path (API, import, merge) can forget any of them.
The triggers and their functions are the sql layer's (sql/020_change_log.sql), made once at head.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "registry"

TABLES = f"""
ALTER TABLE {S}.areas
    ADD COLUMN merged_into_code varchar(12) REFERENCES {S}.areas(code),
    ADD COLUMN merged_on date;

CREATE TABLE {S}.households (
    id uuid PRIMARY KEY,
    number varchar(32) NOT NULL UNIQUE,
    area_code varchar(12) NOT NULL REFERENCES {S}.areas(code),
    group_no smallint CHECK (group_no BETWEEN 1 AND 999),
    address varchar(200),
    latitude double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude double precision CHECK (longitude BETWEEN -180 AND 180),
    phone varchar(20),
    housing_type varchar(16),
    housing_grade char(1) CHECK (housing_grade IN ('A','B','C','D')),
    drinking_water varchar(16),
    cultivated_land_mu numeric(10,2) CHECK (cultivated_land_mu >= 0),
    forest_land_mu numeric(10,2) CHECK (forest_land_mu >= 0),
    category varchar(16) NOT NULL DEFAULT 'ordinary',
    poverty_exit_year smallint CHECK (poverty_exit_year BETWEEN 2013 AND 2100),
    head_person_id uuid,
    registered_on date NOT NULL DEFAULT current_date,
    version integer NOT NULL DEFAULT 1,
    deleted_at timestamptz,
    deleted_reason varchar(200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    updated_by text
);
CREATE INDEX ix_households_area ON {S}.households (area_code text_pattern_ops, number);
CREATE INDEX ix_households_number_pattern ON {S}.households (number text_pattern_ops);

CREATE TABLE {S}.people (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES {S}.households(id),
    area_code varchar(12) NOT NULL,
    name varchar(50) NOT NULL,
    national_id_cipher bytea NOT NULL,
    national_id_index bytea NOT NULL,
    national_id_masked varchar(18) NOT NULL,
    birth_date date NOT NULL,
    sex varchar(6) NOT NULL CHECK (sex IN ('male','female')),
    relation varchar(16) NOT NULL,
    health varchar(16) NOT NULL DEFAULT 'healthy',
    disability_grade smallint CHECK (disability_grade BETWEEN 1 AND 4),
    labour_ability varchar(8),
    schooling varchar(16),
    medical_insured boolean,
    phone varchar(20),
    registered_on date NOT NULL DEFAULT current_date,
    deceased_on date,
    version integer NOT NULL DEFAULT 1,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    updated_by text,
    CHECK ((health = 'disabled') = (disability_grade IS NOT NULL))
);
-- One ID number belongs to one living, registered person.
CREATE UNIQUE INDEX ux_people_living_national_id ON {S}.people (national_id_index)
    WHERE deceased_on IS NULL AND deleted_at IS NULL;
CREATE INDEX ix_people_national_id ON {S}.people (national_id_index);
CREATE INDEX ix_people_household ON {S}.people (household_id);
CREATE INDEX ix_people_area_name ON {S}.people (area_code text_pattern_ops, name);

ALTER TABLE {S}.households ADD CONSTRAINT households_head_fk FOREIGN KEY (head_person_id)
    REFERENCES {S}.people(id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE {S}.programme_memberships (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES {S}.households(id),
    person_id uuid REFERENCES {S}.people(id),
    area_code varchar(12) NOT NULL,
    programme varchar(24) NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    note varchar(200),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    ended_by text,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX ix_programmes_household ON {S}.programme_memberships (household_id, programme);
CREATE INDEX ix_programmes_area ON {S}.programme_memberships (area_code text_pattern_ops, programme);

CREATE TABLE {S}.cadres (
    id uuid PRIMARY KEY,
    area_code varchar(12) NOT NULL REFERENCES {S}.areas(code),
    name varchar(50) NOT NULL,
    unit varchar(100) NOT NULL,
    phone varchar(20),
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_cadres_area ON {S}.cadres (area_code text_pattern_ops, name);

CREATE TABLE {S}.cadre_assignments (
    id uuid PRIMARY KEY,
    cadre_id uuid NOT NULL REFERENCES {S}.cadres(id),
    household_id uuid NOT NULL REFERENCES {S}.households(id),
    area_code varchar(12) NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE UNIQUE INDEX ux_cadre_assignment_current ON {S}.cadre_assignments (cadre_id, household_id)
    WHERE ends_on IS NULL;
CREATE INDEX ix_cadre_assignments_household ON {S}.cadre_assignments (household_id);

CREATE TABLE {S}.area_merges (
    id uuid PRIMARY KEY,
    target_code varchar(12) NOT NULL REFERENCES {S}.areas(code),
    source_codes varchar(12)[] NOT NULL,
    effective_on date NOT NULL,
    households_moved integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text
);

-- Where a household lived before each move (village merges included), in business time, so that
-- "as of" statistics put it in the village it belonged to on that date.
CREATE TABLE {S}.household_moves (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES {S}.households(id),
    from_area_code varchar(12) NOT NULL,
    to_area_code varchar(12) NOT NULL,
    effective_on date NOT NULL,
    reason varchar(16) NOT NULL,
    merge_id uuid REFERENCES {S}.area_merges(id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_household_moves ON {S}.household_moves (household_id, effective_on);

CREATE TABLE {S}.person_moves (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES {S}.people(id),
    from_household_id uuid NOT NULL REFERENCES {S}.households(id),
    to_household_id uuid NOT NULL REFERENCES {S}.households(id),
    effective_on date NOT NULL,
    reason varchar(16) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_person_moves ON {S}.person_moves (person_id, effective_on);

CREATE TABLE {S}.record_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    entity_type varchar(16) NOT NULL,
    entity_id uuid NOT NULL,
    action varchar(8) NOT NULL,
    area_code varchar(12) NOT NULL,
    old_area_code varchar(12),
    version integer,
    changes jsonb,
    actor text,
    actor_name text,
    reason text
);
CREATE INDEX ix_record_changes_entity ON {S}.record_changes (entity_id, id);
CREATE INDEX ix_record_changes_xid ON {S}.record_changes (xid, id);
"""


def upgrade() -> None:
    for statement in TABLES.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for table in (
        "record_changes",
        "person_moves",
        "household_moves",
        "area_merges",
        "cadre_assignments",
        "cadres",
        "programme_memberships",
    ):
        op.execute(f"DROP TABLE {S}.{table}")
    op.execute(f"ALTER TABLE {S}.households DROP CONSTRAINT households_head_fk")
    op.execute(f"DROP TABLE {S}.people, {S}.households")  # their triggers go with them
    op.execute(f"ALTER TABLE {S}.areas DROP COLUMN merged_into_code, DROP COLUMN merged_on")
