"""cases, case_events, measures: the identification and exit workflow and the assistance plans

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "monitoring"

UPGRADE = f"""
CREATE TABLE {S}.cases (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    state varchar(24) NOT NULL,
    monitoring_type varchar(24),
    risk_codes varchar(32)[] NOT NULL DEFAULT '{{}}',
    first_alert_at timestamptz NOT NULL,
    decision_due_on date NOT NULL,
    decided_at timestamptz,
    notice_ends_on date,
    enrolled_on date,
    eliminated_on date,
    opened_by varchar(64) NOT NULL,
    opened_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CHECK (state <> 'enrolled' OR monitoring_type IS NOT NULL)
);
-- One open case per household: a new risk joins it (as an alert) rather than opening another.
CREATE UNIQUE INDEX ux_cases_open ON {S}.cases (household_id)
    WHERE state NOT IN ('eliminated', 'rejected');
CREATE INDEX ix_cases_area ON {S}.cases (area_code text_pattern_ops, state);
CREATE INDEX ix_cases_due ON {S}.cases (decision_due_on) WHERE decided_at IS NULL;

CREATE TABLE {S}.case_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES {S}.cases (id),
    action varchar(24) NOT NULL,
    from_state varchar(24),
    to_state varchar(24) NOT NULL,
    actor_id varchar(64) NOT NULL,
    actor_name varchar(100) NOT NULL,
    actor_role varchar(24) NOT NULL,
    reason text,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_case_events_case ON {S}.case_events (case_id, id);

ALTER TABLE {S}.alerts ADD COLUMN case_id uuid REFERENCES {S}.cases (id);

CREATE TABLE {S}.measures (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES {S}.cases (id),
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    person_id uuid,
    kind varchar(16) NOT NULL,
    description text NOT NULL,
    cadre_id uuid,
    starts_on date NOT NULL,
    ends_on date,
    amount numeric(12,2),
    status varchar(16) NOT NULL,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX ix_measures_case ON {S}.measures (case_id);
CREATE INDEX ix_measures_area ON {S}.measures (area_code text_pattern_ops);
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.alerts DROP COLUMN case_id")
    for table in ("measures", "case_events", "cases"):
        op.execute(f"DROP TABLE {S}.{table}")
