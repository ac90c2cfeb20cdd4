"""The sync feed's cursor: where a phone is, signed so that a phone can keep it but not forge it.

A cursor is ``<base64url JSON>.<base64url HMAC-SHA256, 16 bytes>``; the key is derived from the
registry's national ID master key (HMAC with a label of its own), so every replica signs alike and no
new secret has to be handed out. A cursor that is altered is 400 ``invalid_cursor``; one older than the
horizon, or whose changes were compacted away, or issued for another scope, or made before cursors were
signed, is 409 ``sync_restart`` with a fresh cursor: starting again never costs more than catching up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from services.common.errors import BadRequest, Conflict
from services.common.events.window import Position

FULL, DELTA = "full", "delta"
TABLES = ("household", "person")
SIGNATURE_BYTES = 16


def cursor_key(master: str) -> bytes:
    """The cursor key, derived from the registry's master key (so it reveals nothing of it)."""
    return hmac.new(master.encode(), b"fangpin sync cursor v1", hashlib.sha256).digest()


def invalid_cursor() -> BadRequest:
    return BadRequest("The cursor is not one this API issued, or it was altered", code="invalid_cursor")


def restart(why: str, fresh: SyncCursor, key: bytes) -> Conflict:
    return Conflict(
        f"{why}; sync again from the start with the cursor given here (or none)",
        code="sync_restart",
        cursor=fresh.encode(key),
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SyncCursor:
    """In the full download (which table, after which id) or in the change log; ``issued`` is when
    (Unix seconds) the cursor was handed out."""

    def __init__(
        self,
        scope: str,
        phase: str,
        position: Position,
        table: str = "household",
        after: str | None = None,
        issued: int | None = None,
    ) -> None:
        self.scope, self.phase, self.position, self.table, self.after = scope, phase, position, table, after
        self.issued = int(time.time()) if issued is None else issued

    def encode(self, key: bytes) -> str:
        value = {"s": self.scope, "p": self.phase, "t": self.table, "k": self.after, "i": self.issued}
        body = _b64(json.dumps(value | self.position.to_json(), separators=(",", ":")).encode())
        return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES])}"

    @classmethod
    def decode(cls, raw: str, key: bytes) -> SyncCursor | None:
        """The cursor, or None for an unsigned one of before (well formed: the phone restarts)."""
        body, dot, signature = raw.partition(".")
        try:
            if not dot:
                _legacy(body)
                return None
            expected = hmac.new(key, body.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]
            if not hmac.compare_digest(_unb64(signature), expected):
                raise invalid_cursor()
            value = json.loads(_unb64(body))
            cursor = cls(
                str(value["s"]),
                str(value["p"]),
                Position.from_json(value),
                str(value["t"]),
                None if value["k"] is None else str(value["k"]),
                int(value["i"]),
            )
        except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
            raise invalid_cursor() from exc
        if cursor.phase not in (FULL, DELTA) or cursor.table not in TABLES:
            raise invalid_cursor()
        return cursor


def _legacy(body: str) -> dict[str, Any]:
    """An unsigned cursor as issued before December 2026: accepted only to tell the phone to restart."""
    value = json.loads(_unb64(body))
    if not isinstance(value, dict) or value.get("p") not in (FULL, DELTA):
        raise ValueError("not a cursor")
    return value
