"""student aid: 教育资助 records per student by kind, and student loans (生源地助学贷款) as a kind

Entered in batches by the education bureau (by ID number, matched in the registry) or by a school (by
the registry's person id); each kept once by its sender's record id. Money in fen. A record is owed
until paid (``paid_on``); a loan is complete once done (``paid_on`` is the day it was).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE monitoring.student_aid (
    id uuid PRIMARY KEY,
    sender_id varchar(64) NOT NULL,
    record_id varchar(64) NOT NULL,
    content_sha256 bytea NOT NULL,
    person_id uuid NOT NULL,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    kind varchar(16) NOT NULL CHECK (kind IN ('preschool', 'compulsory', 'high_school', 'vocational',
        'university', 'travel', 'yulu', 'left_behind', 'loan')),
    school_year smallint NOT NULL CHECK (school_year BETWEEN 2000 AND 2100),
    term smallint CHECK (term IN (1, 2)),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    school varchar(100),
    paid_on date,
    notice_delivered_on date,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sender_id, record_id)
);
CREATE INDEX ix_student_aid_area ON monitoring.student_aid (area_code text_pattern_ops, school_year);
CREATE INDEX ix_student_aid_person ON monitoring.student_aid (person_id)
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE monitoring.student_aid")
