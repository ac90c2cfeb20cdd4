"""SQL of idempotency keys (gateway.idempotency_keys)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from gateway.models import IdempotencyKey


@dataclass(frozen=True)
class Call:
    """One write sent with a key: who, which key, and what it asked."""

    caller_id: str
    key: str
    method: str
    path: str
    digest: bytes


def _expired(ttl_s: int) -> ColumnElement[bool]:
    return col(IdempotencyKey.created_at) < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, ttl_s)


class IdempotencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, call: Call, ttl_s: int) -> bool:
        """Take the key for this call (new, or expired); False when another copy holds it. A copy still
        running holds the row uncommitted: PostgreSQL makes this statement wait for its transaction."""
        values = {
            "caller_id": call.caller_id,
            "key": call.key,
            "method": call.method,
            "path": call.path,
            "request_sha256": call.digest,
        }
        statement = (
            insert(IdempotencyKey)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[col(IdempotencyKey.caller_id), col(IdempotencyKey.key)],
                set_=values | {"status": None, "headers": None, "body": None, "created_at": func.now()},
                where=_expired(ttl_s),
            )
            .returning(col(IdempotencyKey.caller_id))
        )
        return (await self.session.execute(statement)).first() is not None

    async def stored(self, call: Call) -> IdempotencyKey | None:
        query = select(IdempotencyKey).where(
            IdempotencyKey.caller_id == call.caller_id, IdempotencyKey.key == call.key
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def answer(self, call: Call, status: int, headers: dict[str, str], body: bytes) -> None:
        await self.session.execute(
            update(IdempotencyKey)
            .where(col(IdempotencyKey.caller_id) == call.caller_id, col(IdempotencyKey.key) == call.key)
            .values(status=status, headers=headers, body=body)
        )

    async def sweep(self, ttl_s: int) -> int:
        """Forget keys older than the TTL; how many."""
        result = await self.session.execute(delete(IdempotencyKey).where(_expired(ttl_s)))
        return int(getattr(result, "rowcount", 0) or 0)
