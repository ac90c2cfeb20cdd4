"""projects: beneficiary links (利益联结) of projects and assets to the registry's households, the
payments households received through them, and the service's outbox (``beneficiary.paid``)

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-06
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE projects.beneficiary_links (
    id uuid PRIMARY KEY,
    project_id uuid REFERENCES projects.projects (id),
    asset_id uuid REFERENCES projects.assets (id),
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    kind varchar(16) NOT NULL CHECK (kind IN ('wage', 'dividend', 'land_rent', 'produce', 'other')),
    starts_on date NOT NULL,
    note varchar(500),
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT links_a_project_or_an_asset CHECK ((project_id IS NULL) <> (asset_id IS NULL))
);
CREATE INDEX ix_beneficiary_links_area ON projects.beneficiary_links (area_code text_pattern_ops, id);
CREATE INDEX ix_beneficiary_links_project ON projects.beneficiary_links (project_id, id)
    WHERE project_id IS NOT NULL;
CREATE INDEX ix_beneficiary_links_asset ON projects.beneficiary_links (asset_id, id)
    WHERE asset_id IS NOT NULL;
CREATE INDEX ix_beneficiary_links_household ON projects.beneficiary_links (household_id, id);

CREATE TABLE projects.beneficiary_payments (
    id uuid PRIMARY KEY,
    link_id uuid NOT NULL REFERENCES projects.beneficiary_links (id),
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    paid_on date NOT NULL,
    voucher varchar(100) NOT NULL,
    notice_id uuid REFERENCES projects.asset_notices (id),
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_beneficiary_payments_link ON projects.beneficiary_payments (link_id, id);
CREATE INDEX ix_beneficiary_payments_household ON projects.beneficiary_payments (household_id, paid_on);

CREATE TABLE projects.outbox_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    event_type varchar(64) NOT NULL,
    area_code varchar(12) NOT NULL,
    subject_id uuid,
    payload jsonb NOT NULL
);
CREATE INDEX ix_outbox_events_xid ON projects.outbox_events (xid, id);

CREATE TABLE projects.event_deliveries (
    subscriber varchar(32) PRIMARY KEY,
    position jsonb NOT NULL,
    delivered integer NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""


def upgrade() -> None:
    # One statement at a time: the driver prepares each, and a prepared statement holds only one.
    for statement in TABLES.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for table in ("event_deliveries", "outbox_events", "beneficiary_payments", "beneficiary_links"):
        op.execute(f"DROP TABLE projects.{table}")
