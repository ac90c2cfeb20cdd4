"""projects: relocation settlements (易地扶贫搬迁) — unit types, households signed up with their
down-payments, and phones' reports of handover, move-in and demolition

Revision ID: 0008
Revises: 0006 (0007 when merged after micro-credit's 0007)
Create Date: 2026-12-07
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE projects.settlements (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL UNIQUE REFERENCES projects.projects (id),
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    name varchar(200) NOT NULL,
    min_down_payment_fen bigint NOT NULL CHECK (min_down_payment_fen >= 0),
    payment_due_on date NOT NULL,
    main_structure_due_on date NOT NULL,
    main_structure_done_on date,
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX ix_settlements_area ON projects.settlements (area_code text_pattern_ops, id);
CREATE TABLE projects.settlement_unit_types (
    id uuid PRIMARY KEY,
    settlement_id uuid NOT NULL REFERENCES projects.settlements (id),
    code varchar(32) NOT NULL,
    name varchar(200) NOT NULL,
    floor_area_m2 integer NOT NULL CHECK (floor_area_m2 BETWEEN 1 AND 1000),
    cost_ceiling_fen_per_m2 bigint NOT NULL CHECK (cost_ceiling_fen_per_m2 > 0),
    turnkey boolean NOT NULL,
    planned_units integer NOT NULL CHECK (planned_units BETWEEN 0 AND 100000),
    UNIQUE (settlement_id, code)
);
CREATE TABLE projects.settlement_households (
    id uuid PRIMARY KEY,
    settlement_id uuid NOT NULL REFERENCES projects.settlements (id),
    unit_type_id uuid NOT NULL REFERENCES projects.settlement_unit_types (id),
    household_id uuid NOT NULL UNIQUE,
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    signed_on date NOT NULL,
    down_payment_due_fen bigint NOT NULL CHECK (down_payment_due_fen >= 0),
    paid_fen bigint NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
    last_paid_on date,
    handed_over_on date,
    moved_in_on date,
    demolished_on date,
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_settlement_households_settlement ON projects.settlement_households (settlement_id, id);
CREATE INDEX ix_settlement_households_area ON projects.settlement_households (area_code text_pattern_ops, id);
CREATE TABLE projects.settlement_payments (
    id uuid PRIMARY KEY,
    settlement_id uuid NOT NULL REFERENCES projects.settlements (id),
    relocatee_id uuid NOT NULL REFERENCES projects.settlement_households (id),
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    paid_on date NOT NULL,
    voucher varchar(100) NOT NULL,
    request_sha256 bytea NOT NULL,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_settlement_payments_relocatee ON projects.settlement_payments (relocatee_id, paid_on);
CREATE TABLE projects.relocation_reports (
    id uuid PRIMARY KEY,
    settlement_id uuid NOT NULL REFERENCES projects.settlements (id),
    relocatee_id uuid NOT NULL REFERENCES projects.settlement_households (id),
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    kind varchar(16) NOT NULL CHECK (kind IN ('handed_over', 'moved_in', 'demolished')),
    happened_on date NOT NULL,
    note varchar(500),
    photo_refs varchar(200)[] NOT NULL CHECK (cardinality(photo_refs) BETWEEN 1 AND 10),
    request_sha256 bytea NOT NULL,
    reported_by varchar(64) NOT NULL,
    reported_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT one_report_of_each_kind UNIQUE (relocatee_id, kind)
);
CREATE INDEX ix_relocation_reports_area ON projects.relocation_reports (area_code text_pattern_ops, id)
"""


def upgrade() -> None:
    # One statement at a time: the driver prepares each, and a prepared statement holds only one.
    for statement in TABLES.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for table in (
        "relocation_reports",
        "settlement_payments",
        "settlement_households",
        "settlement_unit_types",
        "settlements",
    ):
        op.execute(f"DROP TABLE projects.{table}")
