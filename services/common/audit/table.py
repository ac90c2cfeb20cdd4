"""The audit_log table (one per schema) and the DDL that makes it append-only."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import sqlalchemy as sa

TABLE_NAME = "audit_log"

# The columns the hash covers, in this order (everything but id, prev_hash and hash).
HASHED_COLUMNS = (
    "occurred_at",
    "request_id",
    "actor_id",
    "actor_name",
    "actor_kind",
    "actor_role",
    "actor_scope",
    "address",
    "client",
    "action",
    "resource_type",
    "resource_id",
    "area_code",
    "changes",
    "outcome",
    "status",
)


def audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.Text),
        sa.Column("actor_id", sa.Text),
        sa.Column("actor_name", sa.Text),
        sa.Column("actor_kind", sa.Text),
        sa.Column("actor_role", sa.Text),
        sa.Column("actor_scope", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("client", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("resource_type", sa.Text),
        sa.Column("resource_id", sa.Text),
        sa.Column("area_code", sa.Text),
        sa.Column("changes", sa.Text, comment="canonical JSON: {field: [old, new]}"),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("prev_hash", sa.CHAR(64), nullable=False),
        sa.Column("hash", sa.CHAR(64), nullable=False),
    ]


def audit_table(schema: str, metadata: sa.MetaData | None = None) -> sa.Table:
    return sa.Table(TABLE_NAME, metadata or sa.MetaData(), *audit_columns(), schema=schema)


def create_audit_log(op: ModuleType, schema: str) -> None:  # alembic's op module
    """For a part's migration: the table, its indexes, and the guards that make it append-only."""
    op.create_table(TABLE_NAME, *audit_columns(), schema=schema)
    op.create_index("ix_audit_log_occurred_at", TABLE_NAME, ["occurred_at"], schema=schema)
    op.create_index("ix_audit_log_actor", TABLE_NAME, ["actor_id", "occurred_at"], schema=schema)
    op.create_index(
        "ix_audit_log_resource", TABLE_NAME, ["resource_type", "resource_id", "occurred_at"], schema=schema
    )
    op.execute(f"CREATE INDEX ix_audit_log_area ON {schema}.{TABLE_NAME} (area_code text_pattern_ops)")
    op.execute(
        f"""
        CREATE FUNCTION {schema}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON {schema}.{TABLE_NAME} "
        f"FOR EACH ROW EXECUTE FUNCTION {schema}.audit_log_append_only()"
    )
    op.execute(
        f"CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {schema}.{TABLE_NAME} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.audit_log_append_only()"
    )
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.{TABLE_NAME} FROM PUBLIC")


def drop_audit_log(op: ModuleType, schema: str) -> None:
    op.drop_table(TABLE_NAME, schema=schema)
    op.execute(f"DROP FUNCTION IF EXISTS {schema}.audit_log_append_only()")
