"""The hash chain: each record's hash covers its content and the previous record's hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from services.common.audit.table import HASHED_COLUMNS

GENESIS = "0" * 64


def _canonical_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def canonical_record(record: Mapping[str, Any]) -> str:
    """The text a record's hash covers (after the previous hash)."""
    return json.dumps(
        [_canonical_value(record.get(column)) for column in HASHED_COLUMNS],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def link_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def record_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    return link_hash(prev_hash, canonical_record(record))


def canonical_changes(changes: Mapping[str, Any] | None) -> str | None:
    if changes is None:
        return None
    return json.dumps(changes, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def first_broken_link(rows: Sequence[Mapping[str, Any]], prev_hash: str) -> tuple[dict[str, Any] | None, str]:
    """Check consecutive rows (in id order) after ``prev_hash``; the first bad one, and the last hash."""
    for row in rows:
        if row["prev_hash"] != prev_hash:
            return {
                "id": row["id"],
                "reason": "does not link to the record before it (one was removed)",
            }, prev_hash
        if record_hash(prev_hash, row) != row["hash"]:
            return {
                "id": row["id"],
                "reason": "content does not match its hash (the record was changed)",
            }, prev_hash
        prev_hash = row["hash"]
    return None, prev_hash
