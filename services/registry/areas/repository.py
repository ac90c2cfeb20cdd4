"""All SQL of the registry's areas; every read takes the caller's area scope."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, String, literal_column, or_, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.area_codes import CODE_LENGTH, PREFIX_LENGTH
from services.registry.models import Area

# Added by migration 0013 and not on the shared Area model: read by name next to it.
URBAN_RURAL_CLASS = literal_column("registry.areas.urban_rural_class", String).label("urban_rural_class")
AreaRow = tuple[Area, str | None]  # an area and its urban-rural class


def ancestor_codes(scope_prefix: str) -> list[str]:
    """Codes of the areas above a scope; a phone shows them as the path to its own area."""
    return [
        scope_prefix[:length].ljust(CODE_LENGTH, "0")
        for length in PREFIX_LENGTH.values()
        if length < len(scope_prefix)
    ]


def visible_to(scope_prefix: str) -> ColumnElement[bool]:
    """Areas a caller with this scope may read: its subtree and the areas above it."""
    inside = col(Area.code).startswith(scope_prefix, autoescape=True)
    ancestors = ancestor_codes(scope_prefix)
    return or_(inside, col(Area.code).in_(ancestors)) if ancestors else inside


class AreaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str, scope_prefix: str) -> AreaRow | None:
        query = select(Area, URBAN_RURAL_CLASS).where(Area.code == code, visible_to(scope_prefix))
        row = (await self.session.execute(query)).one_or_none()
        return (row[0], row[1]) if row else None

    async def get_any(self, code: str) -> Area | None:
        """Unscoped lookup, for integrity checks only (a parent must exist); never returned to callers."""
        return await self.session.get(Area, code)

    async def insert_if_absent(self, area: Area, recorded_by: str) -> bool:
        """Insert unless the code exists (a concurrent twin may have won); True if this call inserted."""
        statement = (
            insert(Area)
            .values(code=area.code, name=area.name, level=area.level, parent_code=area.parent_code)
            .on_conflict_do_nothing(index_elements=["code"])
            .returning(col(Area.code))
        )
        inserted = (await self.session.execute(statement)).scalar_one_or_none() is not None
        if inserted:  # its first name, undated: the API is not told since when it is in use
            await self.session.execute(
                text("INSERT INTO registry.area_names (code, name, recorded_by) VALUES (:code, :name, :by)"),
                {"code": area.code, "name": area.name, "by": recorded_by},
            )
        return inserted

    async def urban_rural_class(self, code: str) -> str | None:
        query = select(URBAN_RURAL_CLASS).select_from(Area).where(Area.code == code)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def names(self, code: str) -> Sequence[tuple[str, date | None, datetime]]:
        """The area's names, oldest first (an undated first name before every dated one)."""
        rows = await self.session.execute(
            text(
                "SELECT name, valid_from, recorded_at FROM registry.area_names WHERE code = :code "
                "ORDER BY valid_from NULLS FIRST, recorded_at"
            ),
            {"code": code},
        )
        return [(name, valid_from, recorded_at) for name, valid_from, recorded_at in rows]

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
    ) -> list[AreaRow]:
        query = select(Area, URBAN_RURAL_CLASS).where(visible_to(scope_prefix))
        if parent_code is not None:
            query = query.where(Area.parent_code == parent_code)
        if level is not None:
            query = query.where(Area.level == level)
        if name_contains:
            query = query.where(col(Area.name).contains(name_contains, autoescape=True))
        if code_prefix:
            query = query.where(col(Area.code).startswith(code_prefix, autoescape=True))
        if after_code is not None:
            query = query.where(Area.code > after_code)
        query = query.order_by(Area.code).limit(limit)
        return [(area, urban_rural) for area, urban_rural in await self.session.execute(query)]
