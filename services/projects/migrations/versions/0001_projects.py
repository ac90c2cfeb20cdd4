"""projects: the audit log, the project library, funds and their movements, the rollups

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
# layer's: services/projects/sql, applied once the schema is at head. This revision imports nothing.
TABLES = """
CREATE TABLE projects.sql_layer (hash char(64) NOT NULL, applied_at timestamptz NOT NULL);

CREATE TABLE projects.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    request_id text, actor_id text, actor_name text, actor_kind text, actor_role text,
    actor_scope text, address text, client text,
    action text NOT NULL, resource_type text, resource_id text, area_code text,
    changes text,
    outcome text NOT NULL, status integer,
    prev_hash char(64) NOT NULL, hash char(64) NOT NULL
);
COMMENT ON COLUMN projects.audit_log.changes IS 'canonical JSON: {field: [old, new]}';
CREATE INDEX ix_audit_log_occurred_at ON projects.audit_log (occurred_at);
CREATE INDEX ix_audit_log_actor ON projects.audit_log (actor_id, occurred_at);
CREATE INDEX ix_audit_log_resource ON projects.audit_log (resource_type, resource_id, occurred_at);
CREATE INDEX ix_audit_log_area ON projects.audit_log (area_code text_pattern_ops);
REVOKE UPDATE, DELETE, TRUNCATE ON projects.audit_log FROM PUBLIC;

CREATE TABLE projects.projects (
    id uuid PRIMARY KEY,
    year smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    name varchar(200) NOT NULL,
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    sector varchar(24) NOT NULL,
    implementing_unit varchar(200) NOT NULL,
    grassroots boolean NOT NULL,
    livelihood boolean NOT NULL,
    state varchar(16) NOT NULL,
    entered_on date NOT NULL,
    planned_start_on date,
    planned_end_on date CHECK (planned_end_on >= planned_start_on),
    approved_on date,
    started_on date,
    completed_on date,
    accepted_on date,
    handed_over_on date,
    cancelled_on date,
    note varchar(500),
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX ix_projects_area ON projects.projects (area_code text_pattern_ops, id);
CREATE INDEX ix_projects_year ON projects.projects (year, area_code);

CREATE TABLE projects.project_steps (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects.projects (id),
    action varchar(16) NOT NULL,
    from_state varchar(16) NOT NULL,
    to_state varchar(16) NOT NULL,
    taken_on date NOT NULL,
    reason varchar(500),
    document varchar(200),
    changes varchar(2000),
    taken_by varchar(64) NOT NULL,
    taken_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_project_steps_project ON projects.project_steps (project_id, id);

-- The running totals live beside the budget so that the database refuses an overdraft itself, even
-- when two payments race: paid never exceeds received, received never exceeds the budget.
CREATE TABLE projects.project_funds (
    project_id uuid NOT NULL REFERENCES projects.projects (id),
    source varchar(16) NOT NULL,
    budget_fen bigint NOT NULL CHECK (budget_fen >= 0),
    received_fen bigint NOT NULL DEFAULT 0,
    paid_fen bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, source),
    CONSTRAINT received_within_budget CHECK (received_fen BETWEEN 0 AND budget_fen),
    CONSTRAINT paid_within_received CHECK (paid_fen BETWEEN 0 AND received_fen)
);

CREATE TABLE projects.fund_movements (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    source varchar(16) NOT NULL,
    kind varchar(8) NOT NULL CHECK (kind IN ('received', 'paid')),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    moved_on date NOT NULL,
    voucher varchar(100) NOT NULL,
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (project_id, source) REFERENCES projects.project_funds (project_id, source)
);
CREATE INDEX ix_fund_movements_project ON projects.fund_movements (project_id, moved_on);

-- The rollups (services/common/rollups): amounts are fen, so contributions are bigint here.
CREATE TABLE projects.rollup_subjects (subject_id uuid PRIMARY KEY);
CREATE TABLE projects.rollup_contributions (
    subject_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta bigint NOT NULL
);
CREATE INDEX ix_rollup_contributions_subject ON projects.rollup_contributions (subject_id);
CREATE TABLE projects.rollup_totals (
    area_code varchar(12) NOT NULL,
    parent_code varchar(12),
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta bigint NOT NULL
);
CREATE INDEX ix_rollup_totals_area ON projects.rollup_totals (area_code, day) INCLUDE (measure, key, delta);
CREATE INDEX ix_rollup_totals_parent ON projects.rollup_totals (parent_code, day)
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
        "fund_movements",
        "project_funds",
        "project_steps",
        "projects",
        "audit_log",
        "sql_layer",
    ):
        op.execute(f"DROP TABLE projects.{table}")
