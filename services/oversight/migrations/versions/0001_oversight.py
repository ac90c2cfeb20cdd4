"""oversight: the audit log, units, teams and members, check-ins, leaves, targets, the rollups

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The functions and triggers (the audit log's guard, the rollups' refresh and deltas) are the sql
# layer's: services/oversight/sql, applied once the schema is at head. This revision imports nothing.
TABLES = """
CREATE TABLE oversight.sql_layer (hash char(64) NOT NULL, applied_at timestamptz NOT NULL);

CREATE TABLE oversight.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    request_id text, actor_id text, actor_name text, actor_kind text, actor_role text,
    actor_scope text, address text, client text,
    action text NOT NULL, resource_type text, resource_id text, area_code text,
    changes text,
    outcome text NOT NULL, status integer,
    prev_hash char(64) NOT NULL, hash char(64) NOT NULL
);
COMMENT ON COLUMN oversight.audit_log.changes IS 'canonical JSON: {field: [old, new]}';
CREATE INDEX ix_audit_log_occurred_at ON oversight.audit_log (occurred_at);
CREATE INDEX ix_audit_log_actor ON oversight.audit_log (actor_id, occurred_at);
CREATE INDEX ix_audit_log_resource ON oversight.audit_log (resource_type, resource_id, occurred_at);
CREATE INDEX ix_audit_log_area ON oversight.audit_log (area_code text_pattern_ops);
REVOKE UPDATE, DELETE, TRUNCATE ON oversight.audit_log FROM PUBLIC;

CREATE TABLE oversight.support_units (
    id uuid PRIMARY KEY,
    name varchar(200) NOT NULL,
    level varchar(16) NOT NULL,
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    villages varchar(12)[] NOT NULL CHECK (cardinality(villages) >= 1),
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_support_units_area ON oversight.support_units (area_code text_pattern_ops, id);

CREATE TABLE oversight.work_teams (
    id uuid PRIMARY KEY,
    village_code varchar(12) NOT NULL CHECK (village_code ~ '^[0-9]{12}$'),
    unit_id uuid NOT NULL REFERENCES oversight.support_units (id),
    starts_on date NOT NULL,
    ends_on date CHECK (ends_on >= starts_on),
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_work_teams_village ON oversight.work_teams (village_code text_pattern_ops, id);

CREATE TABLE oversight.team_members (
    id uuid PRIMARY KEY,
    team_id uuid NOT NULL REFERENCES oversight.work_teams (id),
    village_code varchar(12) NOT NULL,
    name varchar(100) NOT NULL,
    role varchar(16) NOT NULL,
    duty varchar(20) NOT NULL,
    unit_id uuid REFERENCES oversight.support_units (id),
    phone varchar(20),
    starts_on date NOT NULL,
    ends_on date CHECK (ends_on >= starts_on),
    cadre_id uuid
);
CREATE INDEX ix_team_members_team ON oversight.team_members (team_id);
CREATE INDEX ix_team_members_village ON oversight.team_members (village_code text_pattern_ops);

-- A check-in far from the village is kept and flagged (far), never refused.
CREATE TABLE oversight.check_ins (
    id uuid PRIMARY KEY,
    member_id uuid NOT NULL REFERENCES oversight.team_members (id),
    village_code varchar(12) NOT NULL,
    at timestamptz NOT NULL,
    day date NOT NULL,
    latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    photo_ref varchar(200),
    distance_m integer,
    far boolean NOT NULL,
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_check_ins_member ON oversight.check_ins (member_id, day);
CREATE INDEX ix_check_ins_village ON oversight.check_ins (village_code text_pattern_ops, day);

-- Leave (请假): asked for a member, approved or refused by the town; approved days are not held
-- against the member's target.
CREATE TABLE oversight.leaves (
    id uuid PRIMARY KEY,
    member_id uuid NOT NULL REFERENCES oversight.team_members (id),
    village_code varchar(12) NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL CHECK (ends_on >= starts_on),
    reason varchar(500) NOT NULL,
    state varchar(12) NOT NULL CHECK (state IN ('requested', 'approved', 'refused')),
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    decided_by varchar(64),
    decided_at timestamptz,
    decision_note varchar(500)
);
CREATE INDEX ix_leaves_member ON oversight.leaves (member_id, starts_on);
CREATE INDEX ix_leaves_village ON oversight.leaves (village_code text_pattern_ops);

CREATE TABLE oversight.village_points (
    village_code varchar(12) PRIMARY KEY,
    latitude double precision NOT NULL,
    longitude double precision NOT NULL,
    check_in_id uuid
);

CREATE TABLE oversight.presence_targets (
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    year smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    duty varchar(20) NOT NULL,
    days_per_year smallint CHECK (days_per_year BETWEEN 0 AND 366),
    days_per_week smallint CHECK (days_per_week BETWEEN 0 AND 7),
    set_by varchar(64) NOT NULL,
    set_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (area_code, year, duty),
    CONSTRAINT one_kind_of_target CHECK ((days_per_year IS NULL) <> (days_per_week IS NULL))
);

-- The rollups (services/common/rollups): days in the village by duty.
CREATE TABLE oversight.rollup_subjects (subject_id uuid PRIMARY KEY);
CREATE TABLE oversight.rollup_contributions (
    subject_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta bigint NOT NULL
);
CREATE INDEX ix_rollup_contributions_subject ON oversight.rollup_contributions (subject_id);
CREATE TABLE oversight.rollup_totals (
    area_code varchar(12) NOT NULL,
    parent_code varchar(12),
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta bigint NOT NULL
);
CREATE INDEX ix_rollup_totals_area ON oversight.rollup_totals (area_code, day) INCLUDE (measure, key, delta);
CREATE INDEX ix_rollup_totals_parent ON oversight.rollup_totals (parent_code, day)
    INCLUDE (area_code, measure, key, delta);
"""


def upgrade() -> None:
    # One statement at a time: the driver prepares each, and a prepared statement holds only one.
    for statement in TABLES.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for table in (
        "rollup_totals",
        "rollup_contributions",
        "rollup_subjects",
        "presence_targets",
        "village_points",
        "leaves",
        "check_ins",
        "team_members",
        "work_teams",
        "support_units",
        "audit_log",
        "sql_layer",
    ):
        op.execute(f"DROP TABLE oversight.{table}")
