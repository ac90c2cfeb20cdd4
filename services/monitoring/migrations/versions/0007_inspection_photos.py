"""inspection_photos: photos a phone attaches to an inspection (type and size checked)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE monitoring.inspection_photos (
    id uuid PRIMARY KEY,
    inspection_id uuid NOT NULL REFERENCES monitoring.inspections (id),
    area_code varchar(12) NOT NULL,
    content_type varchar(16) NOT NULL,
    size_bytes integer NOT NULL CHECK (size_bytes > 0),
    content_sha256 bytea NOT NULL,
    data bytea NOT NULL,
    uploaded_by varchar(64) NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_inspection_photos_inspection ON monitoring.inspection_photos (inspection_id, uploaded_at);
-- Photos are already compressed: do not spend CPU compressing them again.
ALTER TABLE monitoring.inspection_photos ALTER COLUMN data SET STORAGE EXTERNAL;
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE monitoring.inspection_photos")
