"""import_rows: which household and person each row of an import job wrote or matched; a job's date

A bureau importing a ledger needs the ids of what it created (to assign posts, enrol training) without
paging /people by name. Each written row is kept with its job by the import's own writer (one INSERT …
SELECT per batch, from the batch's staged rows): no ID number, only ids. No foreign keys: a million
rows checked one by one would slow the import, and the rows are only ever read through their job.

``import_jobs.as_of``: the date the file describes; the programme periods it no longer lists end the
day before it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

S = "registry"
UPGRADE = f"""
CREATE TABLE {S}.import_rows (
    job_id uuid NOT NULL,
    row integer NOT NULL,
    household_id uuid NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (job_id, row)
);
ALTER TABLE {S}.import_jobs ADD COLUMN as_of date NULL;
"""
DOWNGRADE = f"ALTER TABLE {S}.import_jobs DROP COLUMN as_of; DROP TABLE {S}.import_rows;"


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE.split(";"):
        if statement.strip():
            op.execute(statement)
