"""plans for everyone, screening rounds and the phones' feed: a measure needs no case (一户一方案 for
every 脱贫户, 监测户 and 边缘户); screening rounds (拉网式大排查) with the households each one visits; the
log of changes the phones' monitoring feed reads (written by the triggers in sql/070_phone_feed.sql)

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-07
"""

from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None

S = "monitoring"

UPGRADE = f"""
ALTER TABLE {S}.measures ALTER COLUMN case_id DROP NOT NULL;
CREATE INDEX ix_measures_household ON {S}.measures (household_id, starts_on);
CREATE TABLE {S}.screening_rounds (
    id uuid PRIMARY KEY,
    name varchar(100) NOT NULL,
    area_code varchar(12) NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    households varchar(24) NOT NULL
        CHECK (households IN ('all', 'escaped', 'monitored', 'ordinary', 'escaped_or_monitored')),
    due integer NOT NULL CHECK (due >= 0),
    state varchar(8) NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    request_sha256 bytea NOT NULL,
    opened_by varchar(64) NOT NULL,
    opened_at timestamptz NOT NULL DEFAULT now(),
    closed_by varchar(64),
    closed_at timestamptz,
    closed_as_of date,
    frozen jsonb,
    version integer NOT NULL DEFAULT 1,
    CHECK (ends_on >= starts_on),
    CHECK ((state = 'closed') = (frozen IS NOT NULL))
);
CREATE INDEX ix_screening_rounds_area ON {S}.screening_rounds (area_code text_pattern_ops);
CREATE TABLE {S}.screening_round_households (
    id uuid PRIMARY KEY,
    round_id uuid NOT NULL REFERENCES {S}.screening_rounds (id),
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    category varchar(16) NOT NULL,
    UNIQUE (round_id, household_id)
);
CREATE INDEX ix_screening_round_households_area
    ON {S}.screening_round_households (round_id, area_code text_pattern_ops);
CREATE TABLE {S}.phone_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    source varchar(32) NOT NULL,
    record_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    old_area_code varchar(12),
    area_prefix varchar(12)
);
CREATE INDEX ix_phone_changes_xid ON {S}.phone_changes (xid, id)
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.phone_changes")
    op.execute(f"DROP TABLE {S}.screening_round_households")
    op.execute(f"DROP TABLE {S}.screening_rounds")
    op.execute(f"DROP INDEX {S}.ix_measures_household")
    op.execute("DELETE FROM monitoring.measures WHERE case_id IS NULL")
    op.execute(f"ALTER TABLE {S}.measures ALTER COLUMN case_id SET NOT NULL")
