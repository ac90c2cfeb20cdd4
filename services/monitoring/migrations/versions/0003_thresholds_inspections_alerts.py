"""thresholds, inspections, alerts: yearly lines by area, door-to-door visits, risk alerts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "monitoring"

UPGRADE = f"""
CREATE TABLE {S}.thresholds (
    id uuid PRIMARY KEY,
    area_code varchar(12) NOT NULL,
    year smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    version integer NOT NULL CHECK (version > 0),
    income_line numeric(12,2) NOT NULL CHECK (income_line > 0),
    large_expense_line numeric(12,2) NOT NULL CHECK (large_expense_line > 0),
    visit_interval_days integer NOT NULL CHECK (visit_interval_days > 0),
    exit_waiting_days integer NOT NULL CHECK (exit_waiting_days >= 0),
    alert_decision_days integer NOT NULL CHECK (alert_decision_days > 0),
    note text,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (area_code, year, version)
);

CREATE TABLE {S}.inspections (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    inspector_id varchar(64) NOT NULL,
    inspector_name varchar(100) NOT NULL,
    cadre_id uuid,
    visited_at timestamptz NOT NULL,
    latitude double precision,
    longitude double precision,
    answers jsonb NOT NULL,
    content_sha256 bytea NOT NULL,
    findings jsonb NOT NULL,
    ruleset_version varchar(16) NOT NULL,
    threshold_id uuid REFERENCES {S}.thresholds (id),
    superseded boolean NOT NULL DEFAULT false,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_inspections_household ON {S}.inspections (household_id, visited_at DESC);
CREATE INDEX ix_inspections_area ON {S}.inspections (area_code text_pattern_ops, visited_at);

CREATE TABLE {S}.alerts (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    risk_code varchar(32) NOT NULL,
    severity varchar(8) NOT NULL,
    state varchar(16) NOT NULL
        CHECK (state IN ('open', 'acknowledged', 'case_opened', 'dismissed')),
    reason text NOT NULL,
    signals integer NOT NULL,
    first_raised_at timestamptz NOT NULL,
    last_raised_at timestamptz NOT NULL,
    handled_by varchar(64),
    handled_at timestamptz,
    dismissal_reason text,
    version integer NOT NULL DEFAULT 1,
    CHECK (state <> 'dismissed' OR dismissal_reason IS NOT NULL)
);
-- One live alert per household and risk: repeats attach to it.
CREATE UNIQUE INDEX ux_alerts_live ON {S}.alerts (household_id, risk_code)
    WHERE state IN ('open', 'acknowledged');
CREATE INDEX ix_alerts_area ON {S}.alerts (area_code text_pattern_ops, state, first_raised_at);

CREATE TABLE {S}.alert_signals (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id uuid NOT NULL REFERENCES {S}.alerts (id),
    source varchar(16) NOT NULL,
    source_id varchar(64) NOT NULL,
    severity varchar(8) NOT NULL,
    reason text NOT NULL,
    rule_version varchar(32) NOT NULL,
    threshold_id uuid REFERENCES {S}.thresholds (id),
    threshold_version integer,
    raised_at timestamptz NOT NULL,
    UNIQUE (alert_id, source, source_id)
);
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for table in ("alert_signals", "alerts", "inspections", "thresholds"):
        op.execute(f"DROP TABLE {S}.{table}")
