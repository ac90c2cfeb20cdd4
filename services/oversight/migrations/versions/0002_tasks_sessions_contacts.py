"""oversight: rectification items (整改) with milestones, progress reports and their steps; the log of
study, training and publicity sessions (学习/培训/宣传); cadres' contacts with households and the rule of
whether a remote contact counts toward visits

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
-- A rectification item (整改事项): open -> in_progress -> submitted -> closed (销号), or sent back from
-- submitted to in_progress with a reason. submitted_scope is the area of the account that submitted it:
-- only a reviewer of a wider area closes it or sends it back.
CREATE TABLE oversight.rectifications (
    id uuid PRIMARY KEY,
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    source varchar(20) NOT NULL
        CHECK (source IN ('inspection_tour', 'audit', 'self_check', 'monitoring_warning', 'superior_letter')),
    title varchar(200) NOT NULL,
    problem varchar(2000) NOT NULL,
    measures varchar(2000) NOT NULL,
    unit_id uuid REFERENCES oversight.support_units (id),
    unit_name varchar(200) NOT NULL,
    person_name varchar(100) NOT NULL,
    person_phone varchar(20),
    received_on date NOT NULL,
    deadline date NOT NULL CHECK (deadline >= received_on),
    state varchar(12) NOT NULL CHECK (state IN ('open', 'in_progress', 'submitted', 'closed')),
    report_count integer NOT NULL DEFAULT 0 CHECK (report_count >= 0),
    submitted_by varchar(64),
    submitted_scope varchar(12),
    submitted_at timestamptz,
    closed_by varchar(64),
    closed_at timestamptz,
    closed_on date,
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT closed_when_closed CHECK ((state = 'closed') = (closed_on IS NOT NULL)),
    CONSTRAINT submitted_has_scope CHECK (state <> 'submitted' OR submitted_scope IS NOT NULL)
);
CREATE INDEX ix_rectifications_area ON oversight.rectifications (area_code text_pattern_ops, id);
CREATE INDEX ix_rectifications_deadline ON oversight.rectifications (deadline) WHERE state <> 'closed';

CREATE TABLE oversight.rectification_milestones (
    item_id uuid NOT NULL REFERENCES oversight.rectifications (id),
    position smallint NOT NULL CHECK (position >= 0),
    label varchar(100) NOT NULL,
    due_on date NOT NULL,
    done_on date,
    PRIMARY KEY (item_id, position)
);

-- A progress report (整改进展) with its evidence: text and references to photos or attachments.
CREATE TABLE oversight.rectification_reports (
    id uuid PRIMARY KEY,
    item_id uuid NOT NULL REFERENCES oversight.rectifications (id),
    area_code varchar(12) NOT NULL,
    reported_on date NOT NULL,
    text varchar(2000) NOT NULL,
    attachments varchar(200)[] NOT NULL DEFAULT '{}' CHECK (cardinality(attachments) <= 20),
    milestone smallint,
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_rectification_reports_item ON oversight.rectification_reports (item_id, reported_on);

-- Every step an item took: who, from which area, and why (a sending back says why).
CREATE TABLE oversight.rectification_steps (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id uuid NOT NULL REFERENCES oversight.rectifications (id),
    action varchar(12) NOT NULL,
    from_state varchar(12) NOT NULL,
    to_state varchar(12) NOT NULL,
    actor_id varchar(64) NOT NULL,
    actor_scope varchar(12) NOT NULL,
    reason varchar(500),
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_rectification_steps_item ON oversight.rectification_steps (item_id, id);

-- A study, training or publicity session (学习/培训/宣传) and who came: a count, or names (then counted).
CREATE TABLE oversight.sessions (
    id uuid PRIMARY KEY,
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    held_on date NOT NULL,
    kind varchar(12) NOT NULL CHECK (kind IN ('study', 'training', 'publicity')),
    audience varchar(12) NOT NULL CHECK (audience IN ('cadres', 'villagers')),
    title varchar(200) NOT NULL,
    place varchar(200),
    attendance integer NOT NULL CHECK (attendance BETWEEN 1 AND 100000),
    attendees varchar(100)[],
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT names_are_counted CHECK (attendees IS NULL OR cardinality(attendees) = attendance)
);
CREATE INDEX ix_sessions_area ON oversight.sessions (area_code text_pattern_ops, held_on);

-- A cadre's contact with a household (篇1 "通过微信、电话、上门走访"), from a phone: the phone's UUID, so a
-- retry is the same row; area_code is the household's village when the contact was taken.
CREATE TABLE oversight.contacts (
    id uuid PRIMARY KEY,
    cadre_id uuid NOT NULL,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL CHECK (area_code ~ '^[0-9]{12}$'),
    method varchar(8) NOT NULL CHECK (method IN ('phone', 'wechat', 'visit')),
    at timestamptz NOT NULL,
    day date NOT NULL,
    note varchar(500),
    request_sha256 bytea,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_contacts_area ON oversight.contacts (area_code text_pattern_ops, day);
CREATE INDEX ix_contacts_household ON oversight.contacts (household_id, day);

-- Whether a remote contact (phone, WeChat) counts toward visit compliance in an area (a county sets it;
-- the most specific area's rule applies; none: only visits count).
CREATE TABLE oversight.contact_rules (
    area_code varchar(12) PRIMARY KEY CHECK (area_code ~ '^[0-9]{12}$'),
    remote_counts boolean NOT NULL,
    set_by varchar(64) NOT NULL,
    set_at timestamptz NOT NULL DEFAULT now()
);
"""


def upgrade() -> None:
    for statement in TABLES.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for table in (
        "contact_rules",
        "contacts",
        "sessions",
        "rectification_steps",
        "rectification_reports",
        "rectification_milestones",
        "rectifications",
    ):
        op.execute(f"DROP TABLE oversight.{table}")
