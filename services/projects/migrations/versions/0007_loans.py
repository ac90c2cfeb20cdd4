"""projects: micro-credit (扶贫小额信贷) — loans to households' members, their repayments and their
extensions (展期); a bank's records are kept once by the bank's own record id, the borrower by registry
id (the ID number the bank sent is never stored)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE projects.loans (
    id uuid PRIMARY KEY,
    sender_id varchar(64),
    record_id varchar(64),
    request_sha256 bytea,
    person_id uuid NOT NULL,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    bank varchar(100) NOT NULL,
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    rate_bp integer NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    subsidy_bp integer NOT NULL CHECK (subsidy_bp BETWEEN 0 AND 10000),
    purpose varchar(200) NOT NULL,
    starts_on date NOT NULL,
    due_on date NOT NULL,
    extended_due_on date,
    repaid_fen bigint NOT NULL DEFAULT 0,
    repaid_on date,
    written_off_on date,
    write_off_reason varchar(500),
    overdue_reported_on date,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT loans_due_after_start CHECK (due_on > starts_on),
    CONSTRAINT loans_subsidy_within_rate CHECK (subsidy_bp <= rate_bp),
    CONSTRAINT loans_repaid_within_amount CHECK (repaid_fen BETWEEN 0 AND amount_fen),
    CONSTRAINT loans_record_of_a_sender CHECK ((sender_id IS NULL) = (record_id IS NULL)),
    CONSTRAINT loans_record_once UNIQUE (sender_id, record_id)
);
CREATE INDEX ix_loans_area ON projects.loans (area_code text_pattern_ops, id);
CREATE INDEX ix_loans_household ON projects.loans (household_id, id);
CREATE INDEX ix_loans_open_due ON projects.loans (coalesce(extended_due_on, due_on), area_code)
    WHERE written_off_on IS NULL AND repaid_on IS NULL;

CREATE TABLE projects.loan_repayments (
    id uuid PRIMARY KEY,
    loan_id uuid NOT NULL REFERENCES projects.loans (id),
    sender_id varchar(64),
    record_id varchar(64),
    request_sha256 bytea,
    area_code varchar(12) NOT NULL,
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    paid_on date NOT NULL,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT loan_repayments_record_once UNIQUE (sender_id, record_id)
);
CREATE INDEX ix_loan_repayments_loan ON projects.loan_repayments (loan_id, paid_on);
CREATE INDEX ix_loan_repayments_area ON projects.loan_repayments (area_code text_pattern_ops, paid_on);

CREATE TABLE projects.loan_extensions (
    id uuid PRIMARY KEY,
    loan_id uuid NOT NULL REFERENCES projects.loans (id),
    area_code varchar(12) NOT NULL,
    due_on date NOT NULL,
    reason varchar(500) NOT NULL,
    state varchar(10) NOT NULL CHECK (state IN ('requested', 'approved', 'rejected')),
    request_sha256 bytea,
    requested_by varchar(64) NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by varchar(64),
    decided_on date,
    note varchar(500),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT loan_extensions_decided CHECK ((state = 'requested') = (decided_on IS NULL))
);
CREATE INDEX ix_loan_extensions_loan ON projects.loan_extensions (loan_id, requested_at);
CREATE UNIQUE INDEX ux_loan_extensions_one_pending ON projects.loan_extensions (loan_id)
    WHERE state = 'requested'
"""


def upgrade() -> None:
    # One statement at a time: the driver prepares each, and a prepared statement holds only one.
    for statement in TABLES.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for table in ("loan_extensions", "loan_repayments", "loans"):
        op.execute(f"DROP TABLE projects.{table}")
