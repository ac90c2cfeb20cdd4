"""Micro-credit (扶贫小额信贷): thin endpoints over ``service.LoanService``, the banks' feed
(``intake``), the due-date warnings, the figures and the ledger. Every write is audited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep, SessionDep
from services.common.errors import NotFound
from services.common.guards import requires
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageCursor,
    PageLimit,
    bad_cursor,
    cursor_field,
    decode_cursor,
    encode_cursor,
    page_after,
)
from services.common.peers import call_peer
from services.common.scope import OptionalAreaQuery, WithinQuery, area_in_scope
from services.common.text import IsoDate
from services.projects.credit.codes import LoanState
from services.projects.credit.figures import credit_stats
from services.projects.credit.intake import LoanFeedIntake, RepaymentFeedIntake
from services.projects.credit.ledger import credit_ledger
from services.projects.credit.models import Loan
from services.projects.credit.repository import CreditRepository, state_filter
from services.projects.credit.schemas import (
    CreditStats,
    ExtensionCreate,
    ExtensionDecision,
    ExtensionRead,
    FeedBatchResult,
    LoanBatch,
    LoanCreate,
    LoanDetail,
    LoanRead,
    RepaymentBatch,
    RepaymentCreate,
    RepaymentRead,
    ScanResult,
    WriteOff,
)
from services.projects.credit.service import LoanService, loan_not_found, loan_read, report_overdue

router = APIRouter(prefix="/api/v1", tags=["micro-credit"])

Reader = Annotated[Principal, requires(Permission.projects_read)]
Reporter = Annotated[Principal, requires(Permission.projects_report)]
Manager = Annotated[Principal, requires(Permission.projects_manage)]
Pusher = Annotated[Principal, requires(Permission.partner_feeds_push)]
Figures = Annotated[Principal, requires(Permission.aggregates_read)]
Days = Annotated[
    int | None,
    Query(
        ge=1,
        le=366,
        description="Warn of loans due within this many days (default 30, the service's setting)",
    ),
]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


def _days(request: Request, days: int | None) -> int:
    return days or request.app.state.settings.credit_warning_days


def _audit(session: Any, action: str, loan: Loan, changes: dict[str, Any] | None) -> None:
    audit_trail(session).record(action, "loan", str(loan.id), area_code=loan.area_code, changes=changes)


async def _detail(session: Any, loan: Loan) -> LoanDetail:
    repository = CreditRepository(session)
    return LoanDetail(
        **loan_read(loan).model_dump(),
        repayments=[RepaymentRead.model_validate(r) for r in await repository.repayments_of(loan.id)],
        extensions=[ExtensionRead.model_validate(e) for e in await repository.extensions_of(loan.id)],
    )


def _look_up(request: Request) -> Any:
    async def look_up(person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        body = {"person_ids": [str(p) for p in person_ids]}
        answer = await call_peer(
            request, request.app.state.registry_peer, "registry", "/internal/v1/people/lookup", body
        )
        return {uuid.UUID(p["person_id"]): p for p in answer["people"]}

    return look_up


@router.post("/loans", response_model=LoanDetail, status_code=201, responses=RETRY)
async def create_loan(
    body: LoanCreate, principal: Manager, session: SessionDep, request: Request, response: Response
) -> LoanDetail:
    """A loan entered by hand: its borrower a living member of a household in your area (422
    `person_not_found` otherwise), its bank, amount, rate and subsidy (贴息), purpose and dates."""
    loan, created = await LoanService(session).create(body, principal, _look_up(request))
    if created:
        _audit(
            session,
            "loan.create",
            loan,
            {"amount_fen": [None, loan.amount_fen], "due_on": [None, str(loan.due_on)]},
        )
    else:
        response.status_code = 200
    return await _detail(session, loan)


@router.get("/loans", response_model=Page[LoanRead])
async def list_loans(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    household_id: Annotated[uuid.UUID | None, Query(description="One household's loans")] = None,
    state: Annotated[LoanState | None, Query(description=LoanState.describe() + " (today)")] = None,
    days: Days = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[LoanRead]:
    """Loans in your area, each with its balance and its state today (小额信贷台账)."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    warn = _days(request, days)
    rows = await CreditRepository(session).page(
        principal.scope_prefix,
        within,
        household_id=household_id,
        state_filter=state_filter(state.value if state else None, china_today(), warn),
        after=after,
        limit=limit + 1,
    )
    return page_after(rows, limit, lambda loan: loan_read(loan, warn))


@router.get("/loans/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_credit_ledger(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    days: Days = None,
    format: ledgers.FormatQuery = "xlsx",
) -> Response:
    """The micro-credit ledger (小额信贷台账) as a spreadsheet with Chinese column headers: each loan with
    its village, household number, bank, amount, rate, subsidy, purpose, dates, balance and state today."""
    return await credit_ledger(
        request, session, principal, within, china_today(), _days(request, days), format
    )


@router.get("/loans/due-soon", response_model=Page[LoanRead])
async def loans_due_soon(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    days: Days = None,
    cadre_id: Annotated[
        uuid.UUID | None, Query(description="Only the households this cadre is paired with (帮扶责任人)")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[LoanRead]:
    """Due-date warnings (到期预警): loans with a balance falling due from today within the days, soonest
    first, in an area or of one cadre's paired households, so they are recovered on time."""
    today, repository = china_today(), CreditRepository(session)
    last = today + timedelta(days=_days(request, days))
    decoded = decode_cursor(cursor)
    after = None
    if decoded is not None:
        try:
            due = date.fromisoformat(cursor_field(decoded, "due", str))
        except ValueError as exc:
            raise bad_cursor() from exc
        after = (due, cursor_field(decoded, "after", uuid.UUID))
    households = None
    if cadre_id is not None:
        households = await _paired(
            request, cadre_id, await repository.households_due(principal.scope_prefix, within, today, last)
        )
    rows = await repository.due_between(
        principal.scope_prefix, within, today, last, households=households, after=after, limit=limit + 1
    )
    page = page_after(rows, limit, lambda loan: loan_read(loan, _days(request, days)))
    if page.next_cursor is not None:
        last_row = rows[limit - 1]
        page.next_cursor = encode_cursor(
            {"due": last_row.current_due_on.isoformat(), "after": str(last_row.id)}
        )
    return page


async def _paired(request: Request, cadre_id: uuid.UUID, households: list[uuid.UUID]) -> list[uuid.UUID]:
    """Of these households, those the cadre is paired with now; 404 if the cadre is not in your area."""
    body = {
        "household_ids": [str(h) for h in households[:5000]],
        "person_ids": [],
        "cadre_ids": [str(cadre_id)],
    }
    answer = await call_peer(
        request, request.app.state.registry_peer, "registry", "/internal/v1/references", body
    )
    reach = [c for c in answer["cadres"] if c["cadre_id"] == str(cadre_id)]
    if not reach:
        raise NotFound(f"No cadre {cadre_id} in your area", code="cadre_not_found")
    return [uuid.UUID(h) for h in reach[0]["paired_household_ids"]]


@router.get("/loans/{loan_id:uuid}", response_model=LoanDetail)
async def get_loan(loan_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> LoanDetail:
    """One loan with its repayments and extensions."""
    loan = await CreditRepository(session).get(loan_id, principal.scope_prefix)
    if loan is None:
        raise loan_not_found(loan_id)
    return await _detail(session, loan)


@router.post("/loans/{loan_id:uuid}/repayments", response_model=LoanDetail, status_code=201, responses=RETRY)
async def repay_loan(
    loan_id: uuid.UUID, body: RepaymentCreate, principal: Manager, session: SessionDep, response: Response
) -> LoanDetail:
    """A repayment entered by hand: never above the balance (422 `repayment_above_balance`), not before
    the loan, not in the future; the balance reaching zero repays (结清) the loan."""
    service = LoanService(session)
    before = (await service.locked(loan_id, principal)).repaid_fen
    loan, created = await service.repay(loan_id, body, principal)
    if created:
        _audit(session, "loan.repay", loan, {"repaid_fen": [before, loan.repaid_fen]})
    else:
        response.status_code = 200
    return await _detail(session, loan)


@router.post(
    "/loans/{loan_id:uuid}/extensions", response_model=ExtensionRead, status_code=201, responses=RETRY
)
async def request_extension(
    loan_id: uuid.UUID, body: ExtensionCreate, principal: Reporter, session: SessionDep, response: Response
) -> ExtensionRead:
    """Ask for an extension (展期) to a later due date; one awaiting approval at a time (409
    `extension_pending`); a closed loan has none (409 `loan_closed`)."""
    extension, created = await LoanService(session).request_extension(loan_id, body, principal)
    if created:
        audit_trail(session).record(
            "loan.extension_request",
            "loan",
            str(loan_id),
            area_code=extension.area_code,
            changes={"extension": [None, {"id": str(extension.id), "due_on": str(extension.due_on)}]},
        )
    else:
        response.status_code = 200
    return ExtensionRead.model_validate(extension)


@router.post("/loans/{loan_id:uuid}/extensions/{extension_id:uuid}/decision", response_model=LoanDetail)
async def decide_extension(
    loan_id: uuid.UUID,
    extension_id: uuid.UUID,
    body: ExtensionDecision,
    principal: Manager,
    session: SessionDep,
) -> LoanDetail:
    """Approve (the loan falls due on the new date) or reject an extension, with the extension's
    `base_version` (409 if stale or decided already)."""
    service = LoanService(session)
    due_before = (await service.locked(loan_id, principal)).current_due_on
    loan, extension = await service.decide_extension(loan_id, extension_id, body, principal)
    changes: dict[str, Any] = {"extension.state": ["requested", extension.state]}
    if body.approve:
        changes["due_on"] = [str(due_before), str(loan.current_due_on)]
    _audit(session, "loan.extension_decide", loan, changes)
    return await _detail(session, loan)


@router.post("/loans/{loan_id:uuid}/write-off", response_model=LoanDetail)
async def write_off_loan(
    loan_id: uuid.UUID, body: WriteOff, principal: Manager, session: SessionDep
) -> LoanDetail:
    """Write off (核销) what is left of a loan, with its `base_version` and a reason."""
    loan = await LoanService(session).write_off(loan_id, body, principal)
    _audit(
        session,
        "loan.write_off",
        loan,
        {"written_off_on": [None, str(loan.written_off_on)], "balance_fen": loan.balance_fen},
    )
    return await _detail(session, loan)


@router.post("/loans/overdue-scan", response_model=ScanResult)
async def scan_overdue(principal: Manager, session: SessionDep) -> ScanResult:
    """Find the loans of your area past their due date with a balance: each is reported to monitoring
    once (an alert on the household), however often it is scanned. Each bank batch does this too."""
    found = await report_overdue(session, principal.scope_prefix)
    audit_trail(session).record(
        "loan.overdue_scan", "loan", None, area_code=principal.scope, changes={"reported": found}
    )
    return ScanResult(overdue_reported=found)


def _audit_feed(session: Any, action: str, principal: Principal, result: FeedBatchResult) -> None:
    audit_trail(session).record(
        action,
        "loan_feed",
        None,
        area_code=principal.scope,
        changes={
            "created": result.created,
            "duplicates": result.duplicates,
            "unknown_ids": result.unknown_ids,
            "failed": result.failed,
            "overdue_reported": result.overdue_reported,
        },
    )


@router.post("/loans/batch", response_model=FeedBatchResult)
async def push_loans(
    body: LoanBatch, principal: Pusher, session: SessionDep, request: Request
) -> FeedBatchResult:
    """A bank's loans (银行小额信贷), up to 1,000, each matched by the borrower's ID number to a living
    person in your area (never stored) and answered alone: created, duplicate (the same record id and
    content again: no effect), conflict (the id with other content), unknown_id or invalid."""

    async def resolve(numbers: list[str]) -> list[dict[str, Any] | None]:
        answer = await call_peer(
            request,
            request.app.state.registry_peer,
            "registry",
            "/internal/v1/people/resolve",
            {"national_ids": numbers},
        )
        return list(answer["matches"])

    result = await LoanFeedIntake(session, resolve).take(body.loans, principal)
    _audit_feed(session, "loan.feed", principal, result)
    return result


@router.post("/loan-repayments/batch", response_model=FeedBatchResult)
async def push_repayments(body: RepaymentBatch, principal: Pusher, session: SessionDep) -> FeedBatchResult:
    """A bank's repayments, up to 1,000, each naming its loan by the bank's record id (one you sent, 422
    `loan_not_found` otherwise), never above the balance, each answered alone and kept once."""
    result = await RepaymentFeedIntake(session).take(body.repayments, principal)
    _audit_feed(session, "loan.repayment_feed", principal, result)
    return result


@router.get("/credit-stats", response_model=CreditStats)
async def get_credit_stats(
    principal: Figures,
    session: ReadSessionDep,
    request: Request,
    area: OptionalAreaQuery = None,
    as_of: Annotated[
        IsoDate | None, Query(description="As things stood on this date (default today)")
    ] = None,
    days: Days = None,
) -> CreditStats:
    """Loans with a balance and how much (存量贷款), due within the warning days, overdue (逾期), repaid
    on time or late, written off, for the area and each child area: counts and sums only (fen)."""
    return await credit_stats(
        session, area_in_scope(area, principal), as_of or china_today(), _days(request, days)
    )
