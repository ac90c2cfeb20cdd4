"""employment_records: each person's work status over time, appended, never overwritten

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE SEQUENCE jobs.employment_record_seq;
CREATE TABLE jobs.employment_records (
    id uuid PRIMARY KEY,
    seq bigint NOT NULL DEFAULT nextval('jobs.employment_record_seq'),  -- arrival order
    person_id uuid NOT NULL,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    household_category varchar(16) NOT NULL,
    status varchar(32) NOT NULL,
    place_code varchar(12),
    place_name varchar(100),
    employer varchar(100),
    industry varchar(50),
    started_on date,
    ended_on date,
    monthly_income numeric(12, 2),
    source varchar(16) NOT NULL,
    reported_on date NOT NULL,
    job_intention varchar(200),
    training_wanted varchar(200),
    note varchar(500),
    content_sha256 bytea NOT NULL,
    recorded_by varchar(64) NOT NULL,
    recorded_by_name varchar(100) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_employment_records_dates
        CHECK (ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on),
    CONSTRAINT ck_employment_records_income CHECK (monthly_income IS NULL OR monthly_income >= 0)
);
ALTER SEQUENCE jobs.employment_record_seq OWNED BY jobs.employment_records.seq;
CREATE INDEX ix_employment_records_person ON jobs.employment_records (person_id, reported_on, seq);
CREATE INDEX ix_employment_records_household ON jobs.employment_records (household_id, reported_on, seq);
CREATE INDEX ix_employment_records_area
    ON jobs.employment_records (area_code text_pattern_ops, reported_on, seq);
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE jobs.employment_records")
