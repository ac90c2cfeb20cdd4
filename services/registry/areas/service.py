"""Registry rules for areas: a code must be well formed, sit under an existing parent, never change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import (
    LEVEL_ORDER,
    AreaCodeError,
    AreaLevel,
    level_of,
    prefix_of,
    structural_parent,
)
from services.common.audit import audit_trail, diff
from services.common.auth import Principal
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.pagination import Page, cursor_field, decode_cursor, encode_cursor
from services.registry.areas.repository import AreaRepository, AreaRow
from services.registry.areas.schemas import AreaCreate, AreaNameRead, AreaRead
from services.registry.models import Area


@dataclass
class CreatedArea:
    area: AreaRead
    created: bool  # False when the same area already existed (a retried request)


def _code_error(field: str, exc: AreaCodeError) -> ValidationFailed:
    return ValidationFailed.field(["body", field], str(exc), exc.code)


class AreaService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = AreaRepository(session)

    async def create(self, data: AreaCreate, principal: Principal) -> CreatedArea:
        try:
            level = level_of(data.code)
        except AreaCodeError as exc:
            raise _code_error("code", exc) from exc
        if data.level is not None and data.level != level:
            raise ValidationFailed.field(
                ["body", "level"],
                f"Code {data.code} is a {level.value} code, not a {data.level.value}",
                "level_mismatch",
            )
        if not principal.covers(data.code):
            # Decided from the codes alone, so the answer reveals nothing about what exists.
            raise Forbidden(f"Area {data.code} lies outside your area scope", code="outside_scope")
        parent_code = await self._check_parent(data, level)
        area = Area(code=data.code, name=data.name, level=level.value, parent_code=parent_code)
        if await self.repository.insert_if_absent(area, principal.id):
            stored = await self.repository.get_any(data.code)
            assert stored is not None
            audit_trail(self.session).record(
                "area.create",
                "area",
                stored.code,
                area_code=stored.code,
                changes=diff(
                    {}, {"name": stored.name, "level": stored.level, "parent_code": stored.parent_code}
                ),
            )
            return CreatedArea(read_of(stored, None), created=True)
        existing = await self.repository.get_any(data.code)
        assert existing is not None
        if (existing.name, existing.level, existing.parent_code) != (area.name, area.level, area.parent_code):
            raise Conflict(f"Area {data.code} already exists as {existing.name!r}", code="area_exists")
        urban_rural = await self.repository.urban_rural_class(data.code)
        return CreatedArea(read_of(existing, urban_rural), created=False)

    async def _check_parent(self, data: AreaCreate, level: AreaLevel) -> str | None:
        parent_code = data.parent_code if data.parent_code is not None else structural_parent(data.code)
        if parent_code is None:
            return None
        try:
            parent_level = level_of(parent_code)
        except AreaCodeError as exc:
            raise _code_error("parent_code", exc) from exc
        if LEVEL_ORDER.index(parent_level) >= LEVEL_ORDER.index(level) or not data.code.startswith(
            prefix_of(parent_code)
        ):
            raise ValidationFailed.field(
                ["body", "parent_code"],
                f"{parent_code} cannot be the parent of {data.code}: "
                "its code must be a prefix of the child's, one level or more above",
                "parent_not_prefix",
            )
        if await self.repository.get_any(parent_code) is None:
            raise ValidationFailed.field(
                ["body", "parent_code"],
                f"Parent area {parent_code} does not exist; create it first",
                "unknown_parent",
            )
        return parent_code

    async def get(self, code: str, scope_prefix: str) -> AreaRead:
        row = await self.repository.get(code, scope_prefix)
        if row is None:
            raise NotFound(f"No area {code}", code="area_not_found")
        return read_of(*row)

    async def names(self, code: str, scope_prefix: str) -> list[AreaNameRead]:
        await self.get(code, scope_prefix)
        return [
            AreaNameRead(name=name, valid_from=valid_from, recorded_at=recorded_at)
            for name, valid_from, recorded_at in await self.repository.names(code)
        ]

    async def list(
        self,
        scope_prefix: str,
        *,
        limit: int,
        cursor: str | None,
        parent_code: str | None = None,
        level: AreaLevel | None = None,
        name_contains: str | None = None,
        code_prefix: str | None = None,
    ) -> Page[AreaRead]:
        after_code = cursor_field(decode_cursor(cursor), "code", str)
        rows = await self.repository.list(
            scope_prefix,
            parent_code=parent_code,
            level=level.value if level else None,
            name_contains=name_contains,
            code_prefix=code_prefix,
            after_code=after_code,
            limit=limit + 1,
        )
        return _page(rows, limit)

    async def children(
        self, code: str, scope_prefix: str, *, limit: int, cursor: str | None
    ) -> Page[AreaRead]:
        await self.get(code, scope_prefix)
        return await self.list(scope_prefix, limit=limit, cursor=cursor, parent_code=code)


def read_of(area: Area, urban_rural_class: str | None) -> AreaRead:
    return AreaRead.model_validate(area).model_copy(update={"urban_rural_class": urban_rural_class})


def _page(rows: Sequence[AreaRow], limit: int) -> Page[AreaRead]:
    items = [read_of(*row) for row in rows[:limit]]
    next_cursor = encode_cursor({"code": items[-1].code}) if len(rows) > limit and items else None
    return Page[AreaRead](items=items, next_cursor=next_cursor)
