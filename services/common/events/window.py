"""Reading a change log or outbox window by window: the phones' sync feed, event feeds, the relay.

Any table with ``id``, ``xid xid8 DEFAULT pg_current_xact_id()`` and ``area_code`` columns can be read
this way. Rows are ordered by transaction id. A window ends at the oldest transaction still running
when it is read, so a change that commits late can never fall behind a position already handed out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

# Ordered by the table's own columns, named with the table: a bare ``xid`` here would be the output
# column (the bigint), which no index holds, and each window would then sort the whole log (5 s a
# window of 500 with 2 million changes) instead of reading the (xid, id) index up to the limit.
WINDOW_SQL = """
SELECT xid::text::bigint AS xid, id, {columns}
FROM {table}
WHERE xid >= CAST(:low AS text)::xid8 AND xid < CAST(:high AS text)::xid8
  AND ({area_filter})
  AND ({rows_filter})
  AND (xid, id) > (CAST(:after_xid AS text)::xid8, :after_id)
ORDER BY {table}.xid, {table}.id
LIMIT :limit
"""


@dataclass(frozen=True)
class Position:
    """Everything below ``low`` has been read; within the open window, everything up to ``after``."""

    low: int
    after: tuple[int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"x": self.low, "a": list(self.after) if self.after else None}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Position:
        low, after = value["x"], value.get("a")
        if not isinstance(low, int) or low < 0:
            raise ValueError("bad position")
        if after is not None and not (
            isinstance(after, list) and len(after) == 2 and all(isinstance(v, int) for v in after)
        ):
            raise ValueError("bad position")
        return cls(low, tuple(after) if after else None)


async def finished_below(session: AsyncSession) -> int:
    """Every transaction with an id below this had finished when the current snapshot was taken."""
    value = await session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    return int(value)


@dataclass(frozen=True)
class Log:
    """A table read window by window; ``area_filter`` decides which rows touch a scope (``:pattern``)."""

    table: str
    area_filter: str = "area_code LIKE :pattern"


async def log_has_rows(session: AsyncSession, log: Log, low: int, high: int) -> bool:
    """Whether the log holds any row (whichever reader wants it) from transactions in [low, high)."""
    found = await session.scalar(
        text(
            f"SELECT EXISTS (SELECT 1 FROM {log.table} "  # noqa: S608 - the table is the service's constant
            "WHERE xid >= CAST(:low AS text)::xid8 AND xid < CAST(:high AS text)::xid8)"
        ),
        {"low": str(low), "high": str(high)},
    )
    return bool(found)


def window_sql(log: Log, columns: str, rows_filter: str = "true") -> str:
    """The statement that reads one window of ``log`` (its parameters: ``read_window``'s)."""
    return WINDOW_SQL.format(
        columns=columns, table=log.table, area_filter=log.area_filter, rows_filter=rows_filter
    )


async def read_window(
    session: AsyncSession,
    log: Log,
    scope_prefix: str,
    position: Position,
    limit: int,
    columns: str,
    rows_filter: str = "true",
) -> tuple[Sequence[Row[*tuple[Any, ...]]], Position, bool]:
    """The next rows touching the scope, the position after them, and whether more are ready now.
    ``rows_filter`` (SQL) leaves out rows the reader has no use for; the position still moves past them."""
    high = await finished_below(session)
    after_xid, after_id = position.after or (0, 0)
    rows = (
        await session.execute(
            text(window_sql(log, columns, rows_filter)),
            {
                "low": str(position.low),
                "high": str(high),
                "pattern": scope_prefix + "%",  # scope prefixes are digits only: nothing to escape
                "after_xid": str(after_xid),
                "after_id": after_id,
                "limit": limit,
            },
        )
    ).all()
    if len(rows) == limit:
        return rows, Position(position.low, (rows[-1].xid, rows[-1].id)), True
    return rows, Position(max(high, position.low)), False
