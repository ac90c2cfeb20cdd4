"""Beneficiary links (利益联结) and the payments households receive through them: thin endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.batches import answer_single
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
from services.projects.beneficiaries.codes import LinkKind
from services.projects.beneficiaries.intake import LinkIntake
from services.projects.beneficiaries.models import BeneficiaryLink
from services.projects.beneficiaries.repository import BeneficiaryRepository
from services.projects.beneficiaries.schemas import (
    LinkBatch,
    LinkBatchResult,
    LinkCreate,
    LinkRead,
    PaymentCreate,
    PaymentRead,
)
from services.projects.beneficiaries.service import PaymentService, link_not_found
from services.projects.registry import registry_households

router = APIRouter(prefix="/api/v1", tags=["beneficiaries"])

Reader = Annotated[Principal, requires(Permission.projects_read)]
Manager = Annotated[Principal, requires(Permission.projects_manage)]
Pusher = Annotated[Principal, requires(Permission.partner_feeds_push)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


async def _read(repository: BeneficiaryRepository, links: list[BeneficiaryLink]) -> list[LinkRead]:
    paid = await repository.paid_through([link.id for link in links])
    return [
        LinkRead.model_validate(link).model_copy(
            update={"paid_fen": paid.get(link.id, 0), "kind_label": LinkKind(link.kind).label}
        )
        for link in links
    ]


@router.post("/beneficiary-links", response_model=LinkRead, status_code=201, responses=RETRY)
async def create_link(
    body: LinkCreate, principal: Manager, session: SessionDep, request: Request, response: Response
) -> LinkRead:
    """Link a registry household (in your area) to a project or an asset, and say how it benefits."""
    [item] = await LinkIntake(session, registry_households(request)).answer_items([body], principal)
    answer_single(item, response)  # 200 for a retry; the item's own problem for a refusal
    repository = BeneficiaryRepository(session)
    link = await repository.link(item.id, principal.scope_prefix) if item.id else None
    if link is None:
        raise link_not_found(item.id or uuid.UUID(int=0))
    return (await _read(repository, [link]))[0]


@router.post("/beneficiary-links/batch", response_model=LinkBatchResult)
async def create_links_batch(
    body: LinkBatch, principal: Pusher, session: SessionDep, request: Request
) -> LinkBatchResult:
    """A bureau system's links, up to 1,000, each answered alone (created, duplicate, invalid, conflict)."""
    return await LinkIntake(session, registry_households(request)).take(body.items, principal)


@router.get("/beneficiary-links", response_model=Page[LinkRead])
async def list_links(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    project_id: uuid.UUID | None = None,
    asset_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[LinkRead]:
    """Links in your area: of a project, an asset or a household, each with what was paid through it."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    repository = BeneficiaryRepository(session)
    rows = await repository.links(
        principal.scope_prefix,
        within=within,
        project_id=project_id,
        asset_id=asset_id,
        household_id=household_id,
        after=after,
        limit=limit + 1,
    )
    page = page_after(rows, limit, lambda link: link)
    return Page(items=await _read(repository, list(page.items)), next_cursor=page.next_cursor)


@router.get("/beneficiary-links/{link_id:uuid}", response_model=LinkRead)
async def get_link(link_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> LinkRead:
    """One link, with what was paid through it."""
    repository = BeneficiaryRepository(session)
    if (link := await repository.link(link_id, principal.scope_prefix)) is None:
        raise link_not_found(link_id)
    return (await _read(repository, [link]))[0]


@router.post(
    "/beneficiary-links/{link_id:uuid}/payments", response_model=PaymentRead, status_code=201, responses=RETRY
)
async def record_payment(
    link_id: uuid.UUID, body: PaymentCreate, principal: Manager, session: SessionDep, response: Response
) -> PaymentRead:
    """What the household received through the link, in fen, with its voucher; monitoring counts it as
    the household's wage (务工) or transfer income for the year."""
    payment, created = await PaymentService(session).pay(link_id, body, principal)
    if created:
        audit_trail(session).record(
            "beneficiary_payment.create",
            "beneficiary_link",
            str(link_id),
            area_code=payment.area_code,
            changes={
                "paid_fen": [None, payment.amount_fen],
                "payment": [
                    None,
                    {"id": str(payment.id), "voucher": payment.voucher, "on": str(payment.paid_on)},
                ],
            },
        )
    else:
        response.status_code = 200
    return PaymentRead.model_validate(payment)


@router.get("/beneficiary-links/{link_id:uuid}/payments", response_model=Page[PaymentRead])
async def list_payments(
    link_id: uuid.UUID,
    principal: Reader,
    session: ReadSessionDep,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[PaymentRead]:
    """The payments through one link."""
    repository = BeneficiaryRepository(session)
    if await repository.link(link_id, principal.scope_prefix) is None:
        raise link_not_found(link_id)
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await repository.payments_of(link_id, after=after, limit=limit + 1)
    return page_after(rows, limit, PaymentRead.model_validate)
