"""Contacts with households from phones (single and batch), and the remote-contact rule."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

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
from services.common.scope import WithinQuery, area_to_create_in
from services.oversight.contacts.intake import ContactIntake
from services.oversight.contacts.models import ContactMethod
from services.oversight.contacts.registry import registry_reach
from services.oversight.contacts.repository import ContactRepository
from services.oversight.contacts.schemas import (
    ContactBatch,
    ContactBatchResult,
    ContactCreate,
    ContactRead,
    RuleRead,
    RuleSet,
)

router = APIRouter(prefix="/api/v1", tags=["oversight"])

Reader = Annotated[Principal, requires(Permission.oversight_read)]
Reporter = Annotated[Principal, requires(Permission.oversight_report)]
Manager = Annotated[Principal, requires(Permission.oversight_manage)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


def _audit(session: SessionDep, result: ContactBatchResult) -> None:
    trail = audit_trail(session)
    for item in result.items:
        if item.status == "created":
            trail.record("contact.create", "contact", str(item.id), area_code=item.area_code, changes={})


@router.post("/contacts/batch", response_model=ContactBatchResult)
async def post_contact_batch(
    body: ContactBatch, principal: Reporter, session: SessionDep, request: Request
) -> ContactBatchResult:
    """Up to 1,000 contacts kept offline; each answered alone: created, duplicate, conflict or invalid."""
    result = await ContactIntake(session, registry_reach(request)).take(body.items, principal)
    _audit(session, result)
    return result


@router.post("/contacts", response_model=ContactRead, status_code=201, responses=RETRY)
async def post_contact(
    body: ContactCreate, principal: Reporter, session: SessionDep, request: Request, response: Response
) -> ContactRead:
    """A cadre's contact with a household by phone, WeChat or visit (篇1 "通过微信、电话、上门走访")."""
    result = await ContactIntake(session, registry_reach(request)).take([body], principal)
    answer_single(result.items[0], response)
    _audit(session, result)
    stored = await ContactRepository(session).one(body.id)
    assert stored is not None
    return ContactRead.model_validate(stored)


@router.get("/contacts", response_model=Page[ContactRead])
async def list_contacts(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    cadre_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    method: Annotated[ContactMethod | None, Query(description=ContactMethod.describe())] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[ContactRead]:
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await ContactRepository(session).many(
        principal.scope_prefix,
        within,
        cadre_id=cadre_id,
        household_id=household_id,
        method=method.value if method else None,
        after=after,
        limit=limit + 1,
    )
    page = page_after(rows, limit, lambda c: c)
    return Page(items=[ContactRead.model_validate(c) for c in page.items], next_cursor=page.next_cursor)


@router.put("/contact-rules", response_model=RuleRead)
async def set_rule(body: RuleSet, principal: Manager, session: SessionDep) -> RuleRead:
    """Whether a phone or WeChat contact counts toward visit compliance within an area (a county sets it;
    the most specific area's rule applies; where none is set, only visits count)."""
    area_to_create_in(body.area_code, principal)
    repository = ContactRepository(session)
    before = await repository.rule(body.area_code)
    was = before.remote_counts if before is not None else None
    rule = await repository.set_rule(
        {"area_code": body.area_code, "remote_counts": body.remote_counts, "set_by": principal.id}
    )
    audit_trail(session).record(
        "contact_rule.set",
        "contact_rule",
        rule.area_code,
        area_code=rule.area_code,
        changes={"remote_counts": [was, rule.remote_counts]},
    )
    return RuleRead.model_validate(rule)


@router.get("/contact-rules", response_model=list[RuleRead])
async def list_rules(principal: Reader, session: ReadSessionDep, within: WithinQuery) -> list[RuleRead]:
    """Rules set in your area (where none applies, only visits count)."""
    return [
        RuleRead.model_validate(r)
        for r in await ContactRepository(session).rules(principal.scope_prefix, within)
    ]
