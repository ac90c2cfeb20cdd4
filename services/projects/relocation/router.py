"""Relocation settlements (易地扶贫搬迁): thin endpoints over ``service.SettlementService``, the figures
and the ledger. Every write is audited; money in fen."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import ledgers
from services.common.audit import audit_trail, diff
from services.common.auth import Permission, Principal
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
    encode_cursor,
    page_after,
)
from services.common.scope import WithinQuery
from services.common.text import IsoDate
from services.projects.registry import registry_households
from services.projects.relocation.figures import build_status, tallies, warnings_of
from services.projects.relocation.ledger import relocation_ledger
from services.projects.relocation.models import Settlement
from services.projects.relocation.repository import SettlementRepository
from services.projects.relocation.schemas import (
    DownPaymentCreate,
    DownPaymentRead,
    RelocateeRead,
    SettlementCreate,
    SettlementDetail,
    SettlementFigures,
    SettlementRead,
    SettlementUpdate,
    SignUp,
    UnitTypeRead,
    WarningKind,
    WarningRead,
)
from services.projects.relocation.service import SettlementService, settlement_not_found
from services.projects.relocation.stats.service import settlement_figures
from services.projects.repository import ProjectRepository

router = APIRouter(prefix="/api/v1", tags=["relocation settlements"])

Reader = Annotated[Principal, requires(Permission.projects_read)]
Manager = Annotated[Principal, requires(Permission.projects_manage)]
AsOf = Annotated[IsoDate | None, Query(description="As things stood on this date (default today)")]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


def _audit(session: Any, action: str, settlement: Settlement, changes: dict[str, Any]) -> None:
    audit_trail(session).record(
        action, "settlement", str(settlement.id), area_code=settlement.area_code, changes=changes
    )


async def _detail(session: Any, settlement: Settlement) -> SettlementDetail:
    repository = SettlementRepository(session)
    signed = await repository.signed_up_by_type(settlement.id)
    project = await ProjectRepository(session).get_anywhere(settlement.project_id)
    return SettlementDetail(
        **SettlementRead.model_validate(settlement).model_dump(),
        build_status=build_status(settlement, project, china_today()),
        unit_types=[
            UnitTypeRead.model_validate(t).model_copy(update={"signed_up": signed.get(t.id, 0)})
            for t in await repository.unit_types([settlement.id])
        ],
    )


async def _visible(session: Any, settlement_id: uuid.UUID, principal: Principal) -> Settlement:
    settlement = await SettlementRepository(session).get(settlement_id, principal.scope_prefix)
    if settlement is None:
        raise settlement_not_found(settlement_id)
    return settlement


@router.post("/settlements", response_model=SettlementDetail, status_code=201, responses=RETRY)
async def create_settlement(
    body: SettlementCreate, principal: Manager, session: SessionDep, response: Response
) -> SettlementDetail:
    """A settlement (集中安置点) built by a project of sector settlement_housing in your area (one a
    project), standing in a village, with its unit types (floor area, cost ceiling per ㎡, turnkey or
    not, units planned), the least down-payment (default 3万元) and the plan's dates."""
    settlement, created = await SettlementService(session).create(body, principal)
    if created:
        planned = sum(u.planned_units for u in body.unit_types)
        _audit(session, "settlement.create", settlement, {"planned_households": [None, planned]})
    else:
        response.status_code = 200
    return await _detail(session, settlement)


@router.get("/settlements", response_model=Page[SettlementRead])
async def list_settlements(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[SettlementRead]:
    """Settlements in your area."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await SettlementRepository(session).page(
        principal.scope_prefix, within, after=after, limit=limit + 1
    )
    return page_after(rows, limit, SettlementRead.model_validate)


@router.get("/settlements/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_relocation_ledger(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    as_of: AsOf = None,
    format: ledgers.FormatQuery = "xlsx",
) -> Response:
    """The relocation ledger (搬迁台账) with Chinese column headers: each household signed up for a
    settlement of the area, its village, unit, down-payment due and paid (and whether late), handover,
    move-in and demolition (拆旧)."""
    return await relocation_ledger(request, session, principal, within, as_of or china_today(), format)


@router.get("/settlements/warnings", response_model=Page[WarningRead])
async def list_settlement_warnings(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    as_of: AsOf = None,
    kind: Annotated[WarningKind | None, Query(description=WarningKind.describe())] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[WarningRead]:
    """What is late on the date against the plans of the area's settlements: each household whose
    down-payment is short past its due date, each settlement whose main structure or project is past
    its planned date."""
    day = as_of or china_today()
    after = cursor_field(decode_cursor(cursor), "after", str)
    settlements = await SettlementRepository(session).in_area(principal.scope_prefix, within)
    found = sorted(
        (
            w
            for t in await tallies(session, settlements, principal.scope_prefix, day)
            for w in warnings_of(t, day)
        ),
        key=_warning_key,
    )
    rows = [
        w for w in found if (kind is None or w.kind is kind) and (after is None or _warning_key(w) > after)
    ]
    more = len(rows) > limit
    return Page(
        items=rows[:limit],
        next_cursor=encode_cursor({"after": _warning_key(rows[limit - 1])}) if more else None,
    )


def _warning_key(warning: WarningRead) -> str:
    return f"{warning.settlement_id}/{warning.kind.value}/{warning.household_id or ''}"


@router.get("/settlements/{settlement_id:uuid}", response_model=SettlementDetail)
async def get_settlement(
    settlement_id: uuid.UUID, principal: Reader, session: ReadSessionDep
) -> SettlementDetail:
    """One settlement with its build status and its unit types, each with the households signed up."""
    return await _detail(session, await _visible(session, settlement_id, principal))


@router.patch("/settlements/{settlement_id:uuid}", response_model=SettlementDetail)
async def update_settlement(
    settlement_id: uuid.UUID, body: SettlementUpdate, principal: Manager, session: SessionDep
) -> SettlementDetail:
    """Change its plan (name, least down-payment, due dates) or record its main structure done (主体竣工),
    with `base_version` (a stale one is 409)."""
    service = SettlementService(session)
    before = SettlementRead.model_validate(await service.locked(settlement_id, principal)).model_dump(
        mode="json"
    )
    settlement = await service.update(settlement_id, body, principal)
    after = SettlementRead.model_validate(settlement).model_dump(mode="json")
    _audit(session, "settlement.update", settlement, diff(before, after))
    return await _detail(session, settlement)


@router.get("/settlements/{settlement_id:uuid}/figures", response_model=SettlementFigures)
async def get_settlement_figures(
    settlement_id: uuid.UUID, principal: Reader, session: ReadSessionDep, request: Request, as_of: AsOf = None
) -> SettlementFigures:
    """Its figures on the date from its records: households planned (relocated and turnkey), signed up,
    paid and how much, handed over, moved in, demolished, late; and its people's work (后续扶持) from
    the jobs service (null with the reason if jobs cannot say)."""
    day = as_of or china_today()
    settlement = await _visible(session, settlement_id, principal)
    [tally] = await tallies(session, [settlement], principal.scope_prefix, day)
    return await settlement_figures(request, session, tally, principal.scope_prefix, day)


@router.post(
    "/settlements/{settlement_id:uuid}/households",
    response_model=RelocateeRead,
    status_code=201,
    responses=RETRY,
)
async def sign_up_household(
    settlement_id: uuid.UUID,
    body: SignUp,
    principal: Manager,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RelocateeRead:
    """Sign a registry household (in your area) up for one of the settlement's unit types, with its
    down-payment due (at least the settlement's minimum; none for a turnkey unit). One settlement a
    household (409 `household_signed_up`)."""
    relocatee, created = await SettlementService(session).sign_up(
        settlement_id, body, principal, registry_households(request)
    )
    if created:
        audit_trail(session).record(
            "settlement.sign_up",
            "settlement_household",
            str(relocatee.household_id),
            area_code=relocatee.area_code,
            changes={
                "settlement_id": [None, str(settlement_id)],
                "down_payment_due_fen": [None, relocatee.down_payment_due_fen],
            },
        )
    else:
        response.status_code = 200
    return RelocateeRead.model_validate(relocatee)


@router.get("/settlements/{settlement_id:uuid}/households", response_model=Page[RelocateeRead])
async def list_settlement_households(
    settlement_id: uuid.UUID,
    principal: Reader,
    session: ReadSessionDep,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[RelocateeRead]:
    """The households of your area signed up for it, each with its down-payment and its move."""
    await _visible(session, settlement_id, principal)
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await SettlementRepository(session).relocatees(
        settlement_id, principal.scope_prefix, after=after, limit=limit + 1
    )
    return page_after(rows, limit, RelocateeRead.model_validate)


@router.post(
    "/settlements/{settlement_id:uuid}/payments",
    response_model=DownPaymentRead,
    status_code=201,
    responses=RETRY,
)
async def record_down_payment(
    settlement_id: uuid.UUID,
    body: DownPaymentCreate,
    principal: Manager,
    session: SessionDep,
    response: Response,
) -> DownPaymentRead:
    """A down-payment (首付款) a household signed up for it paid, in fen, with its receipt."""
    payment, relocatee, created = await SettlementService(session).pay(settlement_id, body, principal)
    if created:
        audit_trail(session).record(
            "settlement.payment",
            "settlement_household",
            str(relocatee.household_id),
            area_code=relocatee.area_code,
            changes={
                "paid_fen": [relocatee.paid_fen - payment.amount_fen, relocatee.paid_fen],
                "payment": [
                    None,
                    {"id": str(payment.id), "voucher": payment.voucher, "on": str(payment.paid_on)},
                ],
            },
        )
    else:
        response.status_code = 200
    return DownPaymentRead.model_validate(payment)
