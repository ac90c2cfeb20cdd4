"""The audit_log table, one per schema (its guards and its append: services/common/sql/010_audit_log.sql)."""

from __future__ import annotations

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
