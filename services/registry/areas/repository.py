"""All SQL of the registry's areas; every read takes the caller's area scope."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import CODE_LENGTH, PREFIX_LENGTH
from services.registry.models import Area


def ancestor_codes(scope_prefix: str) -> list[str]:
    """Codes of the areas above a scope; a phone shows them as the path to its own area."""
    return [
        scope_prefix[:length].ljust(CODE_LENGTH, "0")
        for length in PREFIX_LENGTH.values()
        if length < len(scope_prefix)
    ]


def visible_to(scope_prefix: str) -> ColumnElement[bool]:
    """Areas a caller with this scope may read: its subtree and the areas above it."""
    inside = Area.code.startswith(scope_prefix, autoescape=True)  # type: ignore[attr-defined]
    ancestors = ancestor_codes(scope_prefix)
    return or_(inside, Area.code.in_(ancestors)) if ancestors else inside  # type: ignore[attr-defined]


class AreaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str, scope_prefix: str) -> Area | None:
        query = select(Area).where(Area.code == code, visible_to(scope_prefix))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_any(self, code: str) -> Area | None:
        """Unscoped lookup, for integrity checks only (a parent must exist); never returned to callers."""
        return await self.session.get(Area, code)

    async def insert_if_absent(self, area: Area) -> bool:
        """Insert unless the code exists (a concurrent twin may have won); True if this call inserted."""
        statement = (
            insert(Area)
            .values(code=area.code, name=area.name, level=area.level, parent_code=area.parent_code)
            .on_conflict_do_nothing(index_elements=["code"])
            .returning(Area.code)
        )
        return (await self.session.execute(statement)).scalar_one_or_none() is not None

    async def list(
        self,
        scope_prefix: str,
        *,
        parent_code: str | None = None,
        level: str | None = None,
        name_contains: str | None = None,
        code_prefix: str | None = None,
        after_code: str | None = None,
        limit: int = 50,
    ) -> Sequence[Area]:
        query = select(Area).where(visible_to(scope_prefix))
        if parent_code is not None:
            query = query.where(Area.parent_code == parent_code)
        if level is not None:
            query = query.where(Area.level == level)
        if name_contains:
            query = query.where(Area.name.contains(name_contains, autoescape=True))  # type: ignore[attr-defined]
        if code_prefix:
            query = query.where(Area.code.startswith(code_prefix, autoescape=True))  # type: ignore[attr-defined]
        if after_code is not None:
            query = query.where(Area.code > after_code)
        query = query.order_by(Area.code).limit(limit)
        return (await self.session.execute(query)).scalars().all()
