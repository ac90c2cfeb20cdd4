"""household requests (诉求): what a household asks for, from a declaration, a visit or a phone call,
who handles it by when, its state and the household's feedback; and each step, who took it and why

Each row carries its village (area_code) and a change position (xid: the transaction that last wrote
it, set by the sql layer's trigger, with change_seq to order the rows of one transaction), so that
the phones' feed can hand out a village's requests as they change.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-07
"""

from alembic import op

revision = "0024"
down_revision = "0022"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE SEQUENCE monitoring.household_request_changes;
CREATE TABLE monitoring.household_requests (
    id uuid PRIMARY KEY,  -- the client's UUID: a retry is recognised
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,  -- the household's village when it was received
    person_id uuid,
    channel varchar(16) NOT NULL CHECK (channel IN ('declaration', 'visit', 'phone_call')),
    source_id uuid,  -- the visit (inspection) or the declaration it came from
    topic varchar(16) NOT NULL,
    content text NOT NULL,
    received_on date NOT NULL,
    handler_name varchar(100) NOT NULL,
    handler_cadre_id uuid,
    due_on date NOT NULL CHECK (due_on >= received_on),
    state varchar(12) NOT NULL CHECK (state IN ('received', 'handling', 'resolved', 'explained')),
    outcome text,  -- what was done (resolved) or the explanation given (explained)
    closed_on date,
    feedback varchar(24),
    feedback_note text,
    feedback_on date,
    version integer NOT NULL DEFAULT 1,
    request_sha256 bytea NOT NULL,
    created_by varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    change_seq bigint NOT NULL DEFAULT nextval('monitoring.household_request_changes'),
    CHECK ((state IN ('resolved', 'explained')) = (closed_on IS NOT NULL AND outcome IS NOT NULL))
);
CREATE INDEX ix_household_requests_area ON monitoring.household_requests (area_code text_pattern_ops, id);
CREATE INDEX ix_household_requests_household ON monitoring.household_requests (household_id);
CREATE INDEX ix_household_requests_open ON monitoring.household_requests (area_code text_pattern_ops, due_on)
    WHERE state IN ('received', 'handling');
CREATE INDEX ix_household_requests_changes ON monitoring.household_requests (xid, change_seq);

CREATE TABLE monitoring.household_request_steps (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES monitoring.household_requests (id),
    action varchar(12) NOT NULL,
    from_state varchar(12),
    to_state varchar(12) NOT NULL,
    on_date date NOT NULL,
    note text,
    actor_id varchar(64) NOT NULL,
    actor_name varchar(100) NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_household_request_steps ON monitoring.household_request_steps (request_id, id)
"""


def upgrade() -> None:
    for statement in UPGRADE.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE monitoring.household_request_steps")
    op.execute("DROP TABLE monitoring.household_requests")
    op.execute("DROP SEQUENCE monitoring.household_request_changes")
