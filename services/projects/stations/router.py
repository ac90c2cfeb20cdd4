"""Photovoltaic stations (光伏扶贫电站), their readings, expected output and revenue: thin endpoints over
``service.StationService`` and ``intake.ReadingIntake``. Money changes are audited old → new."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import ledgers
from services.common.audit import audit_trail, diff
from services.common.auth import Permission, Principal
from services.common.batches import answer_single
from services.common.calendar import china_today
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageCursor,
    PageLimit,
    cursor_field,
    decode_cursor,
    page_after,
)
from services.common.scope import (
    AREA_DESCRIPTION,
    OptionalAreaQuery,
    WithinQuery,
    area_in_scope,
    area_to_create_in,
)
from services.common.text import IsoDate
from services.projects.stations.alarms import month_bounds
from services.projects.stations.figures import StationStats, station_stats
from services.projects.stations.intake import ReadingIntake
from services.projects.stations.ledger import station_ledger
from services.projects.stations.models import Station
from services.projects.stations.repository import StationRepository
from services.projects.stations.schemas import (
    MONTH_PATTERN,
    ExpectationRead,
    ExpectationSet,
    MonthRead,
    ReadingBatch,
    ReadingBatchResult,
    ReadingIn,
    ReadingRead,
    ReadingResult,
    RevenueRead,
    RevenueSet,
    StationCreate,
    StationDetail,
    StationRead,
    StationUpdate,
    month_start,
)
from services.projects.stations.service import StationService, station_not_found

router = APIRouter(prefix="/api/v1", tags=["photovoltaic stations"])

Reader = Annotated[Principal, requires(Permission.projects_read)]
Manager = Annotated[Principal, requires(Permission.projects_manage)]
Pusher = Annotated[Principal, requires(Permission.stations_push)]
Figures = Annotated[Principal, requires(Permission.aggregates_read)]
MonthPath = Annotated[str, Path(pattern=MONTH_PATTERN, description="YYYY-MM")]
AreaPath = Annotated[str, Path(pattern=r"^[0-9]{12}$", description=AREA_DESCRIPTION)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


def _audit(session: Any, action: str, station: Station, changes: dict[str, Any]) -> None:
    audit_trail(session).record(
        action, "station", str(station.id), area_code=station.area_code, changes=changes
    )


async def _detail(session: Any, station: Station) -> StationDetail:
    repository = StationRepository(session)
    return StationDetail(
        **StationRead.model_validate(station).model_dump(),
        months=[MonthRead.model_validate(m) for m in await repository.months_of(station.id)],
        revenues=[RevenueRead.model_validate(r) for r in await repository.revenues_of(station.id)],
        open_alarms=await repository.open_alarms(station.id),
    )


@router.post("/stations", response_model=StationDetail, status_code=201, responses=RETRY)
async def create_station(
    body: StationCreate, principal: Manager, session: SessionDep, response: Response
) -> StationDetail:
    """A station on an operating asset in your area (one station an asset), standing in a village at
    or below the asset's area, with its capacity (kW) and grid connection date."""
    station, created = await StationService(session).create(body, principal)
    if created:
        _audit(session, "station.create", station, {"capacity_kw": [None, station.capacity_kw]})
    else:
        response.status_code = 200
    return await _detail(session, station)


@router.get("/stations", response_model=Page[StationRead])
async def list_stations(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[StationRead]:
    """Stations in your area (光伏电站台账)."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await StationRepository(session).page(principal.scope_prefix, within, after=after, limit=limit + 1)
    return page_after(rows, limit, StationRead.model_validate)


@router.get("/stations/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_station_ledger(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    month: Annotated[
        str | None,
        Query(pattern=MONTH_PATTERN, description="The month its figures are of (default: this one)"),
    ] = None,
    format: ledgers.FormatQuery = "xlsx",
) -> Response:
    """The station ledger (光伏电站台账) as a spreadsheet with Chinese column headers: each station with
    its village, capacity, grid date, the month's output against expected, its alarms not fixed and the
    month's revenue and allocation."""
    day = month_start(month) if month else china_today().replace(day=1)
    return await station_ledger(request, session, principal, within, day, format)


@router.get("/stations/{station_id:uuid}", response_model=StationDetail)
async def get_station(station_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> StationDetail:
    """One station with its judged months (output against expected), revenue by month and how many of
    its alarms are not fixed."""
    station = await StationRepository(session).get(station_id, principal.scope_prefix)
    if station is None:
        raise station_not_found(station_id)
    return await _detail(session, station)


@router.patch("/stations/{station_id:uuid}", response_model=StationDetail)
async def update_station(
    station_id: uuid.UUID, body: StationUpdate, principal: Manager, session: SessionDep
) -> StationDetail:
    """Correct its name, capacity or grid date (with `base_version`; a stale one is 409)."""
    service = StationService(session)
    before = StationRead.model_validate(await service.locked(station_id, principal)).model_dump(mode="json")
    station = await service.update(station_id, body, principal)
    _audit(
        session,
        "station.update",
        station,
        diff(before, StationRead.model_validate(station).model_dump(mode="json")),
    )
    return await _detail(session, station)


@router.get("/stations/{station_id:uuid}/readings", response_model=list[ReadingRead])
async def list_readings(
    station_id: uuid.UUID,
    principal: Reader,
    session: ReadSessionDep,
    month: Annotated[str, Query(pattern=MONTH_PATTERN, description="The month, YYYY-MM")],
) -> list[ReadingRead]:
    """A month's readings of the station, by day (its month reading, if any, first)."""
    repository = StationRepository(session)
    if await repository.get(station_id, principal.scope_prefix) is None:
        raise station_not_found(station_id)
    start, end = month_bounds(month_start(month))
    return [ReadingRead.model_validate(r) for r in await repository.readings_of(station_id, start, end)]


@router.put("/stations/{station_id:uuid}/revenues/{month}", response_model=StationDetail)
async def set_revenue(
    station_id: uuid.UUID, month: MonthPath, body: RevenueSet, principal: Manager, session: SessionDep
) -> StationDetail:
    """A month's revenue (fen) and its allocation to post wages, households and the village; an
    allocation above the revenue is 422 and changes nothing."""
    station, changes = await StationService(session).set_revenue(
        station_id, month_start(month), body, principal
    )
    _audit(session, "station.revenue", station, changes)
    return await _detail(session, station)


def _audit_readings(session: Any, principal: Principal, result: ReadingBatchResult) -> None:
    audit_trail(session).record(
        "station.readings",
        "station_feed",
        None,
        area_code=principal.scope,
        changes={
            "created": result.created,
            "duplicates": result.duplicates,
            "failed": result.failed,
            "raised": dict(Counter(kind.value for item in result.items for kind in item.raised)),
        },
    )


@router.post("/station-readings", response_model=ReadingResult, status_code=201, responses=RETRY)
async def enter_reading(
    body: ReadingIn, principal: Pusher, session: SessionDep, response: Response
) -> ReadingResult:
    """One reading entered; the same `record_id` and content again is a retry (200, no effect), other
    content 409. The answer lists the alarms it raised."""
    result = await ReadingIntake(session).take([body], principal)
    item = result.items[0]
    answer_single(item, response)
    _audit_readings(session, principal, result)
    return item


@router.post("/station-readings/batch", response_model=ReadingBatchResult)
async def push_readings(body: ReadingBatch, principal: Pusher, session: SessionDep) -> ReadingBatchResult:
    """Up to 1,000 readings from the PV monitoring system (光伏监测平台), each answered alone: created,
    duplicate (the same record id and content again: no effect), conflict (the id with other content,
    or a station-day read already) or invalid. An alarm record raises 运行告警; a reading that makes a
    station's month whole judges it, raising 低效运行 once if it is low."""
    result = await ReadingIntake(session).take(body.readings, principal)
    _audit_readings(session, principal, result)
    return result


@router.get("/station-expectations/{area_code}", response_model=ExpectationRead)
async def get_expectation(area_code: AreaPath, principal: Reader, session: ReadSessionDep) -> ExpectationRead:
    """The expected output per kW of each month that the area's stations are judged by, and the share
    under which a month is low: the most specific area's setting at or above it, else the default."""
    return await StationService(session).expectation(area_in_scope(area_code, principal))


@router.put("/station-expectations/{area_code}", response_model=ExpectationRead)
async def set_expectation(
    area_code: AreaPath, body: ExpectationSet, principal: Manager, session: SessionDep
) -> ExpectationRead:
    """Set the area's expected output per kW by month and its low-output share; months already judged
    stay as judged."""
    area = area_to_create_in(area_code, principal, field="area_code")
    service = StationService(session)
    before = await service.expectation(area)
    await service.set_expectation(area, body, principal)
    after = await service.expectation(area)
    audit_trail(session).record(
        "station.expectation",
        "area",
        area,
        area_code=area,
        changes=diff(before.model_dump(mode="json"), after.model_dump(mode="json")),
    )
    return after


@router.get("/station-stats", response_model=StationStats)
async def get_station_stats(
    principal: Figures,
    session: ReadSessionDep,
    area: OptionalAreaQuery = None,
    as_of: Annotated[
        IsoDate | None, Query(description="As things stood on this date (default today)")
    ] = None,
) -> StationStats:
    """Stations on the grid and their capacity, the month's output so far and its low-output stations,
    alarms open by kind, and the year's revenue and its allocation (fen): counts and sums only."""
    return await station_stats(session, area_in_scope(area, principal), as_of or china_today())
