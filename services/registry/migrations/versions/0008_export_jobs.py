"""export_jobs: ledger exports too big for one request, written in the background, and their files

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "registry"
UPGRADE = f"""
CREATE TABLE {S}.export_jobs (
    id uuid PRIMARY KEY,
    resource varchar(32) NOT NULL,
    file_name varchar(120) NOT NULL,
    media_type varchar(100) NOT NULL,
    requested_by text NOT NULL,
    status varchar(16) NOT NULL,
    rows_total bigint NOT NULL,
    rows_done bigint NOT NULL DEFAULT 0,
    bytes bigint NOT NULL DEFAULT 0,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX ix_export_jobs_created ON {S}.export_jobs (created_at);
CREATE TABLE {S}.export_chunks (
    job_id uuid NOT NULL REFERENCES {S}.export_jobs (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (job_id, seq)
);
"""
DOWNGRADE = f"DROP TABLE {S}.export_chunks; DROP TABLE {S}.export_jobs;"


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE.split(";"):
        if statement.strip():
            op.execute(statement)
