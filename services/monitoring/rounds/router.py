"""Screening rounds (拉网式大排查): open (the county), read, coverage and the unvisited list, close."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.openapi import conflict_with_current
from services.common.pagination import Page, PageCursor, PageLimit, cursor_field, decode_cursor, encode_cursor
from services.common.text import IsoDate
from services.monitoring.names import registry_names
from services.monitoring.roster import Listed, roster
from services.monitoring.rounds.schemas import RoundClose, RoundCoverage, RoundOpen, RoundRead, Unvisited
from services.monitoring.rounds.service import RoundService

router = APIRouter(prefix="/api/v1/screening-rounds", tags=["screening rounds"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Manager = Annotated[Principal, requires(Permission.rounds_manage)]
AsOf = Annotated[
    IsoDate | None,
    Query(description="The day (default: today, China time); a closed round answers its frozen figures"),
]


class UnvisitedPage(Page[Unvisited]):
    as_of: IsoDate = Field(description="The day the list speaks for")


@router.post(
    "",
    response_model=RoundRead,
    status_code=201,
    responses={200: {"description": "The same round again (a retry): no effect"}},
)
async def open_round(
    body: RoundOpen, principal: Manager, session: SessionDep, request: Request, response: Response
) -> RoundRead:
    """Open a round: the households of the kind in the area on its first day are listed (the registry's)."""

    async def ask(**kwargs: object) -> list[Listed]:
        return await roster(request, **kwargs)  # type: ignore[arg-type]

    round_, created = await RoundService(session).open(body, principal, ask)
    if created:
        audit_trail(session).record(
            "screening_round.open",
            "screening_round",
            str(round_.id),
            area_code=round_.area_code,
            changes={"name": round_.name, "households": round_.households, "due": round_.due},
        )
    else:
        response.status_code = 200
    return RoundRead.model_validate(round_)


@router.get("", response_model=Page[RoundRead])
async def list_rounds(
    principal: Reader,
    session: ReadSessionDep,
    state: Annotated[Literal["open", "closed"] | None, Query(description="Only open or closed ones")] = None,
    cursor: PageCursor = None,
    limit: PageLimit = 50,
) -> Page[RoundRead]:
    """Rounds of your area and of the areas that hold it (a county's round reaches its villages)."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await RoundService(session).rounds.page(principal.scope_prefix, state, after, limit + 1)
    more = len(rows) > limit
    items = [RoundRead.model_validate(r) for r in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor({"after": str(items[-1].id)}) if more else None)


@router.get("/{round_id:uuid}", response_model=RoundRead)
async def get_round(round_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> RoundRead:
    """One round."""
    return RoundRead.model_validate(await RoundService(session).get(round_id, principal))


@router.get("/{round_id:uuid}/coverage", response_model=RoundCoverage)
async def round_coverage(
    round_id: uuid.UUID, principal: Reader, session: ReadSessionDep, request: Request, as_of: AsOf = None
) -> RoundCoverage:
    """Visited / due in your part of the round, in all, by village and by paired cadre, on the day."""

    async def names(
        cadres: list[uuid.UUID], villages: list[str]
    ) -> tuple[dict[uuid.UUID, str], dict[str, str]]:
        found = await registry_names(request, (), cadres, villages)
        return found.cadres, found.areas

    return await RoundService(session).coverage(round_id, principal, as_of, names)


@router.get("/{round_id:uuid}/unvisited", response_model=UnvisitedPage)
async def round_unvisited(
    round_id: uuid.UUID,
    principal: Reader,
    session: ReadSessionDep,
    as_of: AsOf = None,
    cursor: PageCursor = None,
    limit: PageLimit = 50,
) -> UnvisitedPage:
    """Households of the round in your area not visited within the window by the day, with their cadres."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    day, rows = await RoundService(session).unvisited(round_id, principal, as_of, after, limit + 1)
    more = len(rows) > limit
    items = rows[:limit]
    next_cursor = encode_cursor({"after": str(items[-1].household_id)}) if more else None
    return UnvisitedPage(items=items, next_cursor=next_cursor, as_of=day)


@router.post("/{round_id:uuid}/close", response_model=RoundRead, responses=conflict_with_current(RoundRead))
async def close_round(
    round_id: uuid.UUID, body: RoundClose, principal: Manager, session: SessionDep
) -> RoundRead:
    """Close the round (with `base_version`): its coverage is frozen as of today or its last day."""
    round_ = await RoundService(session).close(round_id, body, principal)
    audit_trail(session).record(
        "screening_round.close",
        "screening_round",
        str(round_.id),
        area_code=round_.area_code,
        changes={"closed_as_of": str(round_.closed_as_of)},
    )
    return RoundRead.model_validate(round_)
