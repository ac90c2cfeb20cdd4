"""Assets (扶贫资产) and their public notices: thin endpoints over ``service.AssetService``. Every money
change (value, income, a distribution noticed, in effect or withdrawn) is audited old → new."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import ledgers
from services.common.audit import audit_trail, diff
from services.common.auth import Permission, Principal
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
from services.common.scope import WithinQuery
from services.projects.assets.ledger import asset_ledger
from services.projects.assets.models import Asset, AssetNotice
from services.projects.assets.repository import AssetRepository
from services.projects.assets.schemas import (
    AssetCreate,
    AssetDetail,
    AssetRead,
    AssetUpdate,
    CheckCreate,
    CheckRead,
    IncomeRead,
    IncomeSet,
    NoticeAction,
    NoticeCreate,
    NoticeRead,
    ObjectionCreate,
    ObjectionRead,
    ObjectionResolve,
)
from services.projects.assets.service import AssetService, asset_not_found
from services.projects.codes import AssetKind, AssetState

router = APIRouter(prefix="/api/v1", tags=["assets and their notices"])

Reader = Annotated[Principal, requires(Permission.projects_read)]
Reporter = Annotated[Principal, requires(Permission.projects_report)]
Manager = Annotated[Principal, requires(Permission.projects_manage)]
YearPath = Annotated[int, Path(ge=2000, le=2100)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


def _audit(session: Any, action: str, asset: Asset | AssetNotice, changes: dict[str, Any]) -> None:
    asset_id = asset.id if isinstance(asset, Asset) else asset.asset_id
    audit_trail(session).record(action, "asset", str(asset_id), area_code=asset.area_code, changes=changes)


async def _detail(session: Any, asset: Asset) -> AssetDetail:
    repository = AssetRepository(session)
    return AssetDetail(
        **AssetRead.model_validate(asset).model_dump(),
        checks=[CheckRead.model_validate(c) for c in await repository.checks_of(asset.id)],
        incomes=[IncomeRead.model_validate(i) for i in await repository.incomes_of(asset.id)],
    )


async def _notices(session: Any, notices: list[AssetNotice]) -> list[NoticeRead]:
    objections = await AssetRepository(session).objections_of([n.id for n in notices])
    return [
        NoticeRead(
            **NoticeRead.model_validate(n).model_dump(exclude={"objections"}),
            objections=[ObjectionRead.model_validate(o) for o in objections.get(n.id, [])],
        )
        for n in notices
    ]


@router.post("/assets", response_model=AssetDetail, status_code=201, responses=RETRY)
async def register_asset(
    body: AssetCreate, principal: Manager, session: SessionDep, response: Response
) -> AssetDetail:
    """Register an asset directly (a hand-over forms its own); a `project_id` must be a handed-over
    project in your area without an asset yet."""
    asset, created = await AssetService(session).register(body, principal)
    if created:
        _audit(session, "asset.register", asset, {"value_fen": [None, asset.value_fen]})
    else:
        response.status_code = 200
    return await _detail(session, asset)


@router.get("/assets", response_model=Page[AssetRead])
async def list_assets(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    kind: Annotated[AssetKind | None, Query(description=AssetKind.describe())] = None,
    state: Annotated[AssetState | None, Query(description=AssetState.describe())] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[AssetRead]:
    """Assets in your area (资产台账)."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await AssetRepository(session).page(
        principal.scope_prefix,
        within,
        kind=kind.value if kind else None,
        state=state.value if state else None,
        after=after,
        limit=limit + 1,
    )
    return page_after(rows, limit, AssetRead.model_validate)


@router.get("/assets/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_asset_ledger(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    format: ledgers.FormatQuery = "xlsx",
) -> Response:
    """The asset ledger (资产台账) as a spreadsheet with Chinese column headers: each asset's area (code
    and name), kind, value (fen), title and upkeep owner, state, latest yearly check and its income
    (recorded, noticed for distribution, distributed; fen)."""
    return await asset_ledger(request, session, principal, within, format)


@router.get("/assets/{asset_id:uuid}", response_model=AssetDetail)
async def get_asset(asset_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> AssetDetail:
    """One asset with its yearly checks and its income by year (pending and distributed)."""
    asset = await AssetRepository(session).get(asset_id, principal.scope_prefix)
    if asset is None:
        raise asset_not_found(asset_id)
    return await _detail(session, asset)


@router.patch("/assets/{asset_id:uuid}", response_model=AssetDetail)
async def update_asset(
    asset_id: uuid.UUID, body: AssetUpdate, principal: Manager, session: SessionDep
) -> AssetDetail:
    """Title it (确权: owner_type and owner_name), name its upkeep owner (管护), or correct its name, kind
    or value (with `base_version`; a stale one is 409)."""
    service = AssetService(session)
    before = AssetRead.model_validate(await service.locked(asset_id, principal)).model_dump(mode="json")
    asset = await service.update(asset_id, body, principal)
    after = AssetRead.model_validate(asset).model_dump(mode="json")
    _audit(session, "asset.update", asset, diff(before, after))
    return await _detail(session, asset)


@router.post("/assets/{asset_id:uuid}/checks", response_model=AssetDetail, status_code=201)
async def record_check(
    asset_id: uuid.UUID, body: CheckCreate, principal: Reporter, session: SessionDep
) -> AssetDetail:
    """The yearly check (核查清算) of a year, once: normal, or a problem found with its description."""
    asset = await AssetService(session).check(asset_id, body, principal)
    _audit(session, "asset.check", asset, {f"check.{body.year}": [None, body.result.value]})
    return await _detail(session, asset)


@router.put("/assets/{asset_id:uuid}/incomes/{year}", response_model=AssetDetail)
async def set_income(
    asset_id: uuid.UUID, year: YearPath, body: IncomeSet, principal: Manager, session: SessionDep
) -> AssetDetail:
    """A year's income, in fen; never below what is noticed for distribution or distributed (422)."""
    asset, before = await AssetService(session).set_income(asset_id, year, body.income_fen, principal)
    _audit(session, "asset.income", asset, {f"income.{year}.income_fen": [before, body.income_fen]})
    return await _detail(session, asset)


@router.post("/assets/{asset_id:uuid}/notices", response_model=NoticeRead, status_code=201)
async def post_notice(
    asset_id: uuid.UUID, body: NoticeCreate, principal: Manager, session: SessionDep
) -> NoticeRead:
    """Post a public notice (公告公示) of the asset's operation, an income distribution (never above the
    year's income not yet noticed or distributed: 422, nothing changes) or a disposal (reason and
    approval document). It takes effect only through `/asset-notices/{id}/actions`."""
    notice, before = await AssetService(session).post_notice(asset_id, body, principal)
    changes: dict[str, Any] = {"notice": [None, {"id": str(notice.id), "subject": notice.subject}]}
    if before is not None and body.distribution is not None:
        key = f"income.{before.year}.pending_fen"
        changes[key] = [before.pending_fen, before.pending_fen + body.distribution.total_fen]
    _audit(session, f"asset.notice_{notice.subject}", notice, changes)
    return (await _notices(session, [notice]))[0]


@router.get("/assets/{asset_id:uuid}/notices", response_model=list[NoticeRead])
async def list_notices(asset_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> list[NoticeRead]:
    """The asset's notices, oldest first, with their objections."""
    repository = AssetRepository(session)
    if await repository.get(asset_id, principal.scope_prefix) is None:
        raise asset_not_found(asset_id)
    return await _notices(session, list(await repository.notices_of(asset_id)))


@router.post("/asset-notices/{notice_id:uuid}/objections", response_model=NoticeRead, status_code=201)
async def record_objection(
    notice_id: uuid.UUID, body: ObjectionCreate, principal: Reporter, session: SessionDep
) -> NoticeRead:
    """An objection raised against a posted notice (异议): its date and text."""
    service = AssetService(session)
    objection = await service.object(notice_id, body, principal)
    notice = await service.notice(notice_id, principal)
    _audit(
        session,
        "asset.objection",
        notice,
        {"objection": [None, {"id": objection.id, "on": str(body.raised_on)}]},
    )
    return (await _notices(session, [notice]))[0]


@router.post("/asset-notices/{notice_id:uuid}/objections/{objection_id}/resolve", response_model=NoticeRead)
async def resolve_objection(
    notice_id: uuid.UUID,
    objection_id: Annotated[int, Path(ge=1, le=2**62)],
    body: ObjectionResolve,
    principal: Manager,
    session: SessionDep,
) -> NoticeRead:
    """How an objection was answered, and on which day."""
    service = AssetService(session)
    await service.resolve(notice_id, objection_id, body, principal)
    notice = await service.notice(notice_id, principal)
    _audit(session, "asset.objection_resolved", notice, {f"objection.{objection_id}": ["open", "resolved"]})
    return (await _notices(session, [notice]))[0]


@router.post("/asset-notices/{notice_id:uuid}/actions", response_model=NoticeRead)
async def conclude_notice(
    notice_id: uuid.UUID, body: NoticeAction, principal: Manager, session: SessionDep
) -> NoticeRead:
    """`take_effect` on a day after the notice period, with no objection unresolved (else 409): a
    distribution becomes distributed, a disposal ends the asset. `withdraw` releases what it promised."""
    notice, moved = await AssetService(session).conclude(notice_id, body, principal)
    changes: dict[str, Any] = {"notice.state": ["posted", notice.state]} | moved
    _audit(session, f"asset.notice_{body.action}", notice, changes)
    return (await _notices(session, [notice]))[0]
