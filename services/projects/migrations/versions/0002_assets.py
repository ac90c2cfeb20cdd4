"""projects: poverty-alleviation assets (扶贫资产), their yearly checks, income and its distribution,
and the public notices (公告公示) their operation, distribution and disposal go through

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE projects.assets (
    id uuid PRIMARY KEY,
    project_id uuid UNIQUE REFERENCES projects.projects (id),
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    name varchar(200) NOT NULL,
    kind varchar(16) NOT NULL CHECK (kind IN ('operating', 'public_welfare', 'household')),
    value_fen bigint NOT NULL CHECK (value_fen >= 0),
    formed_on date NOT NULL,
    owner_type varchar(24) CHECK (owner_type IN ('village_collective', 'household', 'other')),
    owner_name varchar(200),
    upkeep_owner varchar(200),
    state varchar(16) NOT NULL CHECK (state IN ('active', 'disposed')),
    disposed_on date CHECK (disposed_on >= formed_on),
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT titled_with_a_name CHECK ((owner_type IS NULL) = (owner_name IS NULL)),
    CONSTRAINT disposed_with_a_day CHECK ((state = 'disposed') = (disposed_on IS NOT NULL))
);
CREATE INDEX ix_assets_area ON projects.assets (area_code text_pattern_ops, id);

CREATE TABLE projects.asset_checks (
    asset_id uuid NOT NULL REFERENCES projects.assets (id),
    year smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    checked_on date NOT NULL,
    result varchar(8) NOT NULL CHECK (result IN ('normal', 'problem')),
    problem varchar(500),
    checked_by varchar(64) NOT NULL,
    checked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (asset_id, year),
    CONSTRAINT a_problem_is_described CHECK ((result = 'problem') = (problem IS NOT NULL))
);

-- As with the fund lines, the totals live beside the income so the database itself refuses a
-- distribution beyond it, even when two race: noticed (pending) plus distributed never exceed income.
CREATE TABLE projects.asset_incomes (
    asset_id uuid NOT NULL REFERENCES projects.assets (id),
    year smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    income_fen bigint NOT NULL CHECK (income_fen >= 0),
    pending_fen bigint NOT NULL DEFAULT 0 CHECK (pending_fen >= 0),
    distributed_fen bigint NOT NULL DEFAULT 0 CHECK (distributed_fen >= 0),
    PRIMARY KEY (asset_id, year),
    CONSTRAINT distributed_within_income CHECK (pending_fen + distributed_fen <= income_fen)
);

CREATE TABLE projects.asset_notices (
    id uuid PRIMARY KEY,
    asset_id uuid NOT NULL REFERENCES projects.assets (id),
    area_code varchar(12) NOT NULL,
    subject varchar(16) NOT NULL CHECK (subject IN ('operation', 'distribution', 'disposal')),
    place varchar(200) NOT NULL,
    posted_from date NOT NULL,
    posted_to date NOT NULL CHECK (posted_to >= posted_from),
    photo_ref varchar(200),
    state varchar(16) NOT NULL CHECK (state IN ('posted', 'effective', 'withdrawn')),
    concluded_on date CHECK (concluded_on >= posted_from),
    year smallint,
    to_households_fen bigint CHECK (to_households_fen >= 0),
    to_posts_fen bigint CHECK (to_posts_fen >= 0),
    to_village_fen bigint CHECK (to_village_fen >= 0),
    to_other_fen bigint CHECK (to_other_fen >= 0),
    reason varchar(500),
    document varchar(200),
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT distribution_has_amounts CHECK (
        (subject = 'distribution') = (year IS NOT NULL AND to_households_fen IS NOT NULL
            AND to_posts_fen IS NOT NULL AND to_village_fen IS NOT NULL AND to_other_fen IS NOT NULL)),
    CONSTRAINT disposal_is_approved CHECK (
        (subject = 'disposal') = (reason IS NOT NULL AND document IS NOT NULL)),
    CONSTRAINT concluded_with_a_day CHECK ((state = 'posted') = (concluded_on IS NULL)),
    FOREIGN KEY (asset_id, year) REFERENCES projects.asset_incomes (asset_id, year)
);
CREATE INDEX ix_asset_notices_asset ON projects.asset_notices (asset_id, posted_from);
CREATE INDEX ix_asset_notices_area ON projects.asset_notices (area_code text_pattern_ops, posted_to)
    WHERE state = 'posted';
-- One disposal at a time: a second while one is posted would dispose of the asset twice.
CREATE UNIQUE INDEX ux_asset_notices_one_disposal ON projects.asset_notices (asset_id)
    WHERE subject = 'disposal' AND state = 'posted';

CREATE TABLE projects.notice_objections (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_id uuid NOT NULL REFERENCES projects.asset_notices (id),
    raised_on date NOT NULL,
    text varchar(1000) NOT NULL,
    resolved_on date CHECK (resolved_on >= raised_on),
    resolution varchar(500),
    recorded_by varchar(64) NOT NULL,
    CONSTRAINT resolved_with_an_answer CHECK ((resolved_on IS NULL) = (resolution IS NULL))
);
CREATE INDEX ix_notice_objections_notice ON projects.notice_objections (notice_id, id)
"""


def upgrade() -> None:
    # One statement at a time: the driver prepares each, and a prepared statement holds only one.
    for statement in TABLES.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for table in ("notice_objections", "asset_notices", "asset_incomes", "asset_checks", "assets"):
        op.execute(f"DROP TABLE projects.{table}")
