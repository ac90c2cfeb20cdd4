"""What the assets part does: form and register assets, title them, record their yearly checks and
income, and run the public notices their operation, income distribution and disposal go through.

A notice's rule (公告公示): a distribution or a disposal takes effect only when a county administrator
says so on a day after the notice period ended (``on > posted_to``) and every objection recorded against
it has been resolved; until then the distribution is *pending*: it counts against the year's income (so
two notices can never promise more than was earned) but not as distributed. Withdrawing a notice
releases what it promised. An operation notice has no money and simply takes effect the same way.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.concurrency import check_version
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.scope import area_to_create_in
from services.projects.assets.models import Asset, AssetIncome, AssetNotice, NoticeObjection
from services.projects.assets.repository import AssetRepository
from services.projects.assets.schemas import (
    AssetCreate,
    AssetUpdate,
    CheckCreate,
    NoticeAction,
    NoticeCreate,
    ObjectionCreate,
    ObjectionResolve,
)
from services.projects.codes import AssetKind, AssetState, NoticeState, NoticeSubject, ProjectState, Sector
from services.projects.models import Project
from services.projects.repository import ProjectRepository

# 篇1: the yearly check and title of assets (核查清算和确权) is done "by the end of March": the check
# of year Y is due on 31 March of Y, for every asset held since before that year began.
CHECK_DUE_MONTH, CHECK_DUE_DAY = 3, 31


def check_due_on(year: int) -> date:
    return date(year, CHECK_DUE_MONTH, CHECK_DUE_DAY)


def last_check_year_due(day: date) -> int:
    """The latest year whose check deadline had passed on ``day``."""
    return day.year if day > check_due_on(day.year) else day.year - 1


def asset_not_found(asset_id: uuid.UUID) -> NotFound:
    return NotFound(f"No asset {asset_id}", code="asset_not_found")


def notice_not_found(notice_id: uuid.UUID) -> NotFound:
    return NotFound(f"No asset notice {notice_id}", code="notice_not_found")


def _not_in_future(day: date, field: str) -> None:
    if day > china_today():
        raise ValidationFailed.field(["body", field], f"{field} {day} is in the future", "date_in_future")


def _before(day: date, earliest: date, field: str, what: str) -> None:
    if day < earliest:
        raise ValidationFailed.field(
            ["body", field], f"{field} {day} is before {what} ({earliest})", "date_too_early"
        )


class AssetService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = AssetRepository(session)

    async def form_from(self, project: Project, on: date, principal: Principal) -> Asset:
        """The asset a hand-over forms, in the hand-over's transaction: the project's area and name, and
        what was paid out of it as its value. 产业 projects form operating assets, others public ones;
        a PATCH corrects the kind."""
        kind = AssetKind.operating if project.sector == Sector.industry.value else AssetKind.public_welfare
        values = self._row(
            new_id(),
            project.area_code,
            project.name,
            kind.value,
            await self.repository.paid_on(project.id),
            on,
        ) | {"project_id": project.id, "created_by": principal.id}
        inserted = await self.repository.insert(values)
        asset = await self.repository.of_project(project.id)
        if not inserted or asset is None:
            raise Conflict(f"Project {project.id} has formed an asset already", code="project_has_asset")
        return asset

    @staticmethod
    def _row(asset_id: uuid.UUID, area: str, name: str, kind: str, value: int, on: date) -> dict[str, Any]:
        return {
            "id": asset_id,
            "area_code": area,
            "name": name,
            "kind": kind,
            "value_fen": value,
            "formed_on": on,
            "state": AssetState.active.value,
        }

    async def register(self, body: AssetCreate, principal: Principal) -> tuple[Asset, bool]:
        """The asset, and whether this request made it (False: a retry of the one that did)."""
        area_to_create_in(body.area_code, principal)
        _not_in_future(body.formed_on, "formed_on")
        if body.project_id is not None:
            await self._formable(body.project_id, body.area_code, principal)
        asset_id, digest = body.id or new_id(), hashlib.sha256(body.model_dump_json().encode()).digest()
        values = self._row(
            asset_id, body.area_code, body.name, body.kind.value, body.value_fen, body.formed_on
        ) | {
            "project_id": body.project_id,
            "owner_type": body.owner_type.value if body.owner_type else None,
            "owner_name": body.owner_name,
            "upkeep_owner": body.upkeep_owner,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        if await self.repository.insert(values):
            asset = await self.repository.get_anywhere(asset_id)
            assert asset is not None
            return asset, True
        earlier = await self.repository.get_anywhere(asset_id)
        if earlier is None or earlier.request_sha256 != digest or not principal.covers(earlier.area_code):
            raise Conflict(f"Asset {asset_id} (or its project's) exists already", code="asset_id_in_use")
        return earlier, False

    async def _formable(self, project_id: uuid.UUID, area_code: str, principal: Principal) -> None:
        project = await ProjectRepository(self.session).get(project_id, principal.scope_prefix)
        if project is None:  # outside the caller's area is the same as unknown
            raise ValidationFailed.field(
                ["body", "project_id"], f"No project {project_id}", "project_not_found"
            )
        if project.state != ProjectState.handed_over.value:
            raise Conflict(
                "Only a handed-over project (已移交) forms an asset", code="project_not_handed_over"
            )
        if await self.repository.of_project(project_id) is not None:
            raise Conflict(f"Project {project_id} has formed an asset already", code="project_has_asset")
        if project.area_code != area_code:
            raise ValidationFailed.field(
                ["body", "area_code"], "An asset is in its project's area", "area_not_projects"
            )

    async def update(self, asset_id: uuid.UUID, body: AssetUpdate, principal: Principal) -> Asset:
        asset = await self.locked(asset_id, principal)
        check_version(asset.version, None, body.base_version)
        if asset.state == AssetState.disposed.value:
            raise Conflict("A disposed asset is not changed", code="asset_disposed")
        for name, value in body.model_dump(exclude={"base_version"}, exclude_none=True).items():
            setattr(asset, name, value.value if hasattr(value, "value") else value)
        return await self.saved(asset)

    async def check(self, asset_id: uuid.UUID, body: CheckCreate, principal: Principal) -> Asset:
        asset = await self.locked(asset_id, principal)
        _not_in_future(body.checked_on, "checked_on")
        _before(body.checked_on, asset.formed_on, "checked_on", "the asset's forming")
        if body.checked_on.year < body.year:
            raise ValidationFailed.field(
                ["body", "checked_on"], "A year is checked in it or later", "date_too_early"
            )
        values = body.model_dump(mode="json") | {"asset_id": asset.id, "checked_by": principal.id}
        values["checked_on"] = body.checked_on
        if not await self.repository.insert_check(values):
            raise Conflict(f"The asset's {body.year} check is recorded already", code="check_done")
        return asset

    async def set_income(
        self, asset_id: uuid.UUID, year: int, income_fen: int, principal: Principal
    ) -> tuple[Asset, int | None]:
        """The asset and the year's income before (None: none recorded)."""
        asset = await self.locked(asset_id, principal)
        line = await self.repository.income(asset.id, year, lock=True)
        if line is not None and income_fen < line.pending_fen + line.distributed_fen:
            raise ValidationFailed.field(
                ["body", "income_fen"],
                f"Income would be {income_fen} fen, below the {line.pending_fen + line.distributed_fen} fen "
                "noticed or distributed",
                "income_below_distributed",
            )
        await self.repository.set_income(asset.id, year, income_fen)
        return asset, line.income_fen if line else None

    async def post_notice(
        self, asset_id: uuid.UUID, body: NoticeCreate, principal: Principal
    ) -> tuple[AssetNotice, AssetIncome | None]:
        """The notice, and for a distribution the year's income line before it (for the audit)."""
        asset = await self.locked(asset_id, principal)
        if asset.state == AssetState.disposed.value:
            raise Conflict("A disposed asset has no more notices", code="asset_disposed")
        _before(body.posted_from, asset.formed_on, "posted_from", "the asset's forming")
        line, before = None, None
        if body.distribution is not None:
            share = body.distribution
            line = await self.repository.income(asset.id, share.year, lock=True)
            if line is None:
                raise ValidationFailed.field(
                    ["body", "distribution", "year"], f"No income recorded for {share.year}", "no_income"
                )
            free = line.income_fen - line.pending_fen - line.distributed_fen
            if share.total_fen > free:
                raise ValidationFailed.field(
                    ["body", "distribution"],
                    f"The distribution of {share.total_fen} fen is above the {free} fen of {share.year}'s "
                    f"income ({line.income_fen} fen) not yet noticed or distributed",
                    "distribution_above_income",
                )
            before = AssetIncome(**{k: getattr(line, k) for k in AssetIncome.model_fields})
        notice = AssetNotice(
            id=new_id(),
            asset_id=asset.id,
            area_code=asset.area_code,
            subject=body.subject.value,
            place=body.place,
            posted_from=body.posted_from,
            posted_to=body.posted_to,
            photo_ref=body.photo_ref,
            state=NoticeState.posted.value,
            **(body.distribution.model_dump() if body.distribution else {}),
            **(body.disposal.model_dump() if body.disposal else {}),
            created_by=principal.id,
        )
        if body.subject is NoticeSubject.disposal and any(
            n.subject == "disposal" and n.state == "posted"
            for n in await self.repository.notices_of(asset.id)
        ):
            raise Conflict("A disposal of this asset is in notice already", code="disposal_in_notice")
        await self.repository.add(notice)
        if body.distribution is not None:
            await self.repository.move_income(
                asset.id, body.distribution.year, body.distribution.total_fen, 0
            )
        return notice, before

    async def object(
        self, notice_id: uuid.UUID, body: ObjectionCreate, principal: Principal
    ) -> NoticeObjection:
        notice = await self.notice(notice_id, principal)
        if notice.state != NoticeState.posted.value:
            raise Conflict("The notice is closed", code="notice_closed")
        _before(body.raised_on, notice.posted_from, "raised_on", "the notice")
        _not_in_future(body.raised_on, "raised_on")
        objection = NoticeObjection(
            notice_id=notice.id, raised_on=body.raised_on, text=body.text, recorded_by=principal.id
        )
        await self.repository.add(objection)
        return objection

    async def resolve(
        self, notice_id: uuid.UUID, objection_id: int, body: ObjectionResolve, principal: Principal
    ) -> NoticeObjection:
        notice = await self.notice(notice_id, principal)
        objection = await self.repository.objection(notice.id, objection_id)
        if objection is None:
            raise NotFound(f"No objection {objection_id} to notice {notice_id}", code="objection_not_found")
        if objection.resolved_on is not None:
            raise Conflict("The objection is resolved already", code="objection_resolved")
        _before(body.resolved_on, objection.raised_on, "resolved_on", "the objection")
        _not_in_future(body.resolved_on, "resolved_on")
        objection.resolved_on, objection.resolution = body.resolved_on, body.resolution
        await self.session.flush()
        return objection

    async def conclude(
        self, notice_id: uuid.UUID, body: NoticeAction, principal: Principal
    ) -> tuple[AssetNotice, dict[str, list[Any]]]:
        """The notice, and the money it moved as {field: [old, new]} (for the audit)."""
        notice = await self.notice(notice_id, principal)
        asset = await self.locked(notice.asset_id, principal)
        line = await self.repository.income(asset.id, notice.year, lock=True) if notice.year else None
        if notice.state != NoticeState.posted.value:
            raise Conflict("The notice is closed", code="notice_closed")
        _not_in_future(body.on, "on")
        _before(body.on, notice.posted_from, "on", "the notice")
        total = sum(
            getattr(notice, f) or 0
            for f in ("to_households_fen", "to_posts_fen", "to_village_fen", "to_other_fen")
        )
        if body.action == "withdraw":
            notice.state, notice.concluded_on = NoticeState.withdrawn.value, body.on
            if notice.year is not None:
                await self.repository.move_income(asset.id, notice.year, -total, 0)
        else:
            if body.on <= notice.posted_to:
                raise Conflict(
                    f"The notice is posted until {notice.posted_to}: it takes effect after",
                    code="notice_period_open",
                )
            objections = (await self.repository.objections_of([notice.id])).get(notice.id, [])
            if any(o.resolved_on is None for o in objections):
                raise Conflict("An objection to the notice is unresolved", code="notice_objected")
            notice.state, notice.concluded_on = NoticeState.effective.value, body.on
            if notice.year is not None:
                await self.repository.move_income(asset.id, notice.year, -total, total)
            if notice.subject == NoticeSubject.disposal.value:
                _before(body.on, asset.formed_on, "on", "the asset's forming")
                asset.state, asset.disposed_on = AssetState.disposed.value, body.on
                await self.saved(asset)
        await self.session.flush()
        moved: dict[str, list[Any]] = {}
        if line is not None:
            before = (line.pending_fen, line.distributed_fen)
            await self.session.refresh(line)
            for name, old in zip(("pending_fen", "distributed_fen"), before, strict=True):
                if getattr(line, name) != old:
                    moved[f"income.{line.year}.{name}"] = [old, getattr(line, name)]
        return notice, moved

    async def notice(self, notice_id: uuid.UUID, principal: Principal) -> AssetNotice:
        notice = await self.repository.notice(notice_id, principal.scope_prefix, lock=True)
        if notice is None:
            raise notice_not_found(notice_id)
        return notice

    async def locked(self, asset_id: uuid.UUID, principal: Principal) -> Asset:
        asset = await self.repository.get(asset_id, principal.scope_prefix, lock=True)
        if asset is None:
            raise asset_not_found(asset_id)
        return asset

    async def saved(self, asset: Asset) -> Asset:
        asset.version += 1
        asset.updated_at = datetime.now(UTC)
        await self.session.flush()
        await self.session.refresh(asset)
        return asset
