"""identity: users, API keys, sign-in sessions, refresh tokens, failed sign-ins; the gateway's audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "gateway"

# The audit log's guards (no update, delete or truncate) and its append are the sql layer's (revision
# 0003), applied once the schema is at head. This revision imports nothing of ours.
AUDIT_LOG = """
CREATE TABLE gateway.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    request_id text, actor_id text, actor_name text, actor_kind text, actor_role text,
    actor_scope text, address text, client text,
    action text NOT NULL, resource_type text, resource_id text, area_code text,
    changes text,
    outcome text NOT NULL, status integer,
    prev_hash char(64) NOT NULL, hash char(64) NOT NULL
);
COMMENT ON COLUMN gateway.audit_log.changes IS 'canonical JSON: {field: [old, new]}';
CREATE INDEX ix_audit_log_occurred_at ON gateway.audit_log (occurred_at);
CREATE INDEX ix_audit_log_actor ON gateway.audit_log (actor_id, occurred_at);
CREATE INDEX ix_audit_log_resource ON gateway.audit_log (resource_type, resource_id, occurred_at);
CREATE INDEX ix_audit_log_area ON gateway.audit_log (area_code text_pattern_ops);
REVOKE UPDATE, DELETE, TRUNCATE ON gateway.audit_log FROM PUBLIC;
"""


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("area_code", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_by", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("disabled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("username = lower(username)", name="users_username_lower"),
        sa.CheckConstraint("area_code ~ '^[0-9]{12}$'", name="users_area_code_digits"),
        schema=SCHEMA,
    )
    op.create_index("ix_users_area_code", "users", ["area_code"], schema=SCHEMA)
    op.create_table(
        "api_keys",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("public_id", sa.String(16), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("area_code", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_by", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("area_code ~ '^[0-9]{12}$'", name="api_keys_area_code_digits"),
        schema=SCHEMA,
    )
    op.create_index("ix_api_keys_area_code", "api_keys", ["area_code"], schema=SCHEMA)
    op.create_index(
        "ux_api_keys_active_name",
        "api_keys",
        ["area_code", "name"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey(f"{SCHEMA}.users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("address", sa.Text),
        sa.Column("client", sa.Text),
        schema=SCHEMA,
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"], schema=SCHEMA)
    op.create_table(
        "refresh_tokens",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("session_id", UUID(as_uuid=True), sa.ForeignKey(f"{SCHEMA}.sessions.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"], schema=SCHEMA)
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        schema=SCHEMA,
    )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username", "at"], schema=SCHEMA)
    op.create_index("ix_login_failures_address_at", "login_failures", ["address", "at"], schema=SCHEMA)
    for statement in AUDIT_LOG.split(";\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE gateway.audit_log")
    for table in ("login_failures", "refresh_tokens", "sessions", "api_keys", "users"):
        op.drop_table(table, schema=SCHEMA)
