"""What the stations part does: register a station on an operating asset, correct it, set the expected
output its area's months are judged by, and record its revenue by month and where that went."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import NATIONAL_ROOT, is_village, is_within, structural_parent
from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.concurrency import check_version
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.scope import area_to_create_in
from services.projects.assets.repository import AssetRepository
from services.projects.codes import AssetKind, AssetState
from services.projects.stations.events import revenue_allocated, station_described
from services.projects.stations.models import Station, StationRevenue
from services.projects.stations.repository import StationRepository
from services.projects.stations.schemas import (
    ExpectationRead,
    ExpectationSet,
    RevenueSet,
    StationCreate,
    StationUpdate,
)

# Expected output of a month, kWh per kW installed (月等效利用小时), January first: a sensible default
# for the northern half of China (about 1,330 hours a year) until an area sets its own table.
DEFAULT_KWH_PER_KW = (80, 90, 115, 130, 145, 140, 135, 130, 115, 100, 80, 70)
DEFAULT_LOW_SHARE_PCT = 60  # a month below 60% of what was expected is low output (低效运行)


def station_not_found(station_id: uuid.UUID) -> NotFound:
    return NotFound(f"No station {station_id}", code="station_not_found")


def not_in_future(day: date, field: list[str | int]) -> None:
    if day > china_today():
        raise ValidationFailed.field(field, f"{day} is in the future", "date_in_future")


def areas_up(code: str) -> list[str]:
    """The area and every area above it, the area itself first."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current != NATIONAL_ROOT:
        chain.append(current)
        current = structural_parent(current)
    return chain + [NATIONAL_ROOT]  # the whole country's setting, if one was made, comes last


class StationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = StationRepository(session)

    async def create(self, body: StationCreate, principal: Principal) -> tuple[Station, bool]:
        """The station, and whether this request made it (False: a retry of the one that did)."""
        area_to_create_in(body.area_code, principal)
        if not is_village(body.area_code):
            raise ValidationFailed.field(
                ["body", "area_code"], "A station stands in a village (行政村)", "area_not_village"
            )
        not_in_future(body.grid_connected_on, ["body", "grid_connected_on"])
        station_id, digest = body.id or new_id(), hashlib.sha256(body.model_dump_json().encode()).digest()
        earlier = await self.repository.get_anywhere(station_id)
        if earlier is not None:
            if earlier.request_sha256 != digest or not principal.covers(earlier.area_code):
                raise Conflict(f"Station {station_id} exists already", code="station_id_in_use")
            return earlier, False
        await self._on_asset(body, principal)
        values = body.model_dump(exclude={"id"}) | {
            "id": station_id,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        if not await self.repository.insert(values):  # a concurrent copy, or the asset's station
            earlier = await self.repository.get_anywhere(station_id)
            if earlier is None or earlier.request_sha256 != digest:
                raise Conflict(f"Asset {body.asset_id} is a station already", code="asset_is_a_station")
            return earlier, False
        station = await self.repository.get_anywhere(station_id)
        assert station is not None
        await station_described(self.session, station, new=True)
        return station, True

    async def _on_asset(self, body: StationCreate, principal: Principal) -> None:
        asset = await AssetRepository(self.session).get(body.asset_id, principal.scope_prefix)
        if asset is None:  # outside the caller's area is the same as unknown
            raise ValidationFailed.field(["body", "asset_id"], f"No asset {body.asset_id}", "asset_not_found")
        if asset.kind != AssetKind.operating.value or asset.state != AssetState.active.value:
            raise Conflict("A station is an operating asset (经营性资产) in use", code="asset_not_operating")
        if await self.repository.of_asset(asset.id) is not None:
            raise Conflict(f"Asset {asset.id} is a station already", code="asset_is_a_station")
        if not is_within(body.area_code, asset.area_code):
            raise ValidationFailed.field(
                ["body", "area_code"], "A station stands in its asset's area", "area_not_assets"
            )

    async def update(self, station_id: uuid.UUID, body: StationUpdate, principal: Principal) -> Station:
        station = await self.locked(station_id, principal)
        check_version(station.version, None, body.base_version)
        if body.grid_connected_on is not None:
            not_in_future(body.grid_connected_on, ["body", "grid_connected_on"])
        for name, value in body.model_dump(exclude={"base_version"}, exclude_none=True).items():
            setattr(station, name, value)
        station.version += 1
        station.updated_at = datetime.now(UTC)
        await self.session.flush()
        await self.session.refresh(station)
        await station_described(self.session, station, new=False)
        return station

    async def locked(self, station_id: uuid.UUID, principal: Principal) -> Station:
        station = await self.repository.get(station_id, principal.scope_prefix, lock=True)
        if station is None:
            raise station_not_found(station_id)
        return station

    # Expected output ---------------------------------------------------------------------------

    async def expectation(self, area_code: str) -> ExpectationRead:
        """What an area's months are judged by: the most specific setting at or above it, else the
        default table."""
        chain = areas_up(area_code)
        found = await self.repository.expectations(chain)
        for code in chain:
            if code in found:
                row = found[code]
                return ExpectationRead(
                    area_code=area_code,
                    set_at=code,
                    kwh_per_kw=list(row.kwh_per_kw),
                    low_share_pct=row.low_share_pct,
                )
        return ExpectationRead(
            area_code=area_code,
            set_at=None,
            kwh_per_kw=list(DEFAULT_KWH_PER_KW),
            low_share_pct=DEFAULT_LOW_SHARE_PCT,
        )

    async def set_expectation(self, area_code: str, body: ExpectationSet, principal: Principal) -> None:
        await self.repository.set_expectation(
            {
                "area_code": area_code,
                "kwh_per_kw": body.kwh_per_kw,
                "low_share_pct": body.low_share_pct,
                "updated_by": principal.id,
            }
        )

    # Revenue -----------------------------------------------------------------------------------

    async def set_revenue(
        self, station_id: uuid.UUID, month: date, body: RevenueSet, principal: Principal
    ) -> tuple[Station, dict[str, list[Any]]]:
        """The station and what changed, {field: [old, new]} (for the audit). An allocation beyond the
        revenue is 422 and changes nothing (the table's CHECK says the same)."""
        station = await self.locked(station_id, principal)
        if month > china_today().replace(day=1):
            raise ValidationFailed.field(
                ["path", "month"], f"{month:%Y-%m} is in the future", "date_in_future"
            )
        if month < station.grid_connected_on.replace(day=1):
            raise ValidationFailed.field(
                ["path", "month"], "The month is before the station's grid connection", "date_too_early"
            )
        allocated = body.to_posts_fen + body.to_households_fen + body.to_village_fen
        if allocated > body.revenue_fen:
            raise ValidationFailed.field(
                ["body"],
                f"{allocated} fen allocated is above the month's revenue of {body.revenue_fen} fen",
                "allocation_above_revenue",
            )
        before = await self.repository.revenue(station.id, month)
        await self.repository.set_revenue(
            body.model_dump()
            | {"station_id": station.id, "month": month, "area_code": station.area_code}
            | {"updated_by": principal.id}
        )
        if before is None or before.to_posts_fen != body.to_posts_fen:
            await revenue_allocated(self.session, station, month, body.to_posts_fen)
        changes: dict[str, list[Any]] = {}
        for name, new in body.model_dump().items():
            old = getattr(before, name) if isinstance(before, StationRevenue) else None
            if old != new:
                changes[f"revenue.{month:%Y-%m}.{name}"] = [old, new]
        return station, changes
