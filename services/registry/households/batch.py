"""Registering households on the one batch intake (services/common/intake): the batch, and the single
endpoint's one item. Each item stands alone, so one bad item never loses the others.

A registration with the phone's ``id`` is idempotent: its request digest (the validated HouseholdCreate
as JSON) is kept with the household, and the same id again is answered by it, whatever happened to the
household since (a move, an edit): the same request is a duplicate with the first result, another body
a conflict. Households registered before digests were kept are compared as they were then (the caller
covers its village, the number is the same). Two copies racing: the primary key decides, and the one
that lost is answered by the digest the winner stored. An item without an ``id`` cannot be retried: it
gets a server id, and its number must be free like any other.

Each household is created by HouseholdService.create in a savepoint of its own (members' ID numbers are
encrypted and checked there). Answers that disclose something outside the caller's area pass the
caller's disclosure gate: once its allowance is gone, later items are answered ``rate_limited``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, FangpinError
from services.common.ids import new_id
from services.common.intake import BatchIntake, Entry, Refusal, Refuse, summary
from services.common.retries import request_digest
from services.registry.disclosures import Disclosing, DisclosureGate, DisclosureLimited
from services.registry.households.person_service import _race_lost
from services.registry.households.repository import stamp_actor
from services.registry.households.schemas import BatchItemResult, BatchResult, HouseholdBatch, HouseholdCreate
from services.registry.households.service import HouseholdService
from services.registry.households.views import Presenter
from services.registry.models import Household
from services.registry.national_id import IdVault

# What ``stored`` says of a household registered before request digests were kept (never a sha256).
LEGACY = b""


@dataclass(eq=False)
class _Registration(Entry):
    item: HouseholdCreate
    key: uuid.UUID  # the phone's id, or the server's for an item sent without one


class HouseholdIntake(BatchIntake[_Registration, BatchItemResult]):
    model = HouseholdCreate
    result_model = BatchItemResult
    entry_type = _Registration
    invalid_detail = "Item {index} is not a valid household"

    def __init__(self, session: AsyncSession, vault: IdVault, gate: DisclosureGate | None = None) -> None:
        self.session = session
        self.service = HouseholdService(session, vault)
        # A batch's gate; none for the single endpoint, whose item's problem is raised as it comes
        # (a disclosure then passes the request's own gate, as every single write's does).
        self.gate = gate
        self.server_ids: set[uuid.UUID] = set()  # items sent without an id
        self.legacy: dict[uuid.UUID, tuple[str, str]] = {}  # village and number of rows without digest
        self.households: dict[uuid.UUID, Household] = {}  # those created here
        self.limited: DisclosureLimited | None = None  # once set, no later item is even tried

    async def take(self, items: Sequence[HouseholdCreate], principal: Principal) -> BatchResult:
        answers = await self.answer_items(items, principal)
        presenter = Presenter(self.session, self.service.vault, principal, False)
        for answer in answers:
            if answer.id is not None and answer.status in ("created", "duplicate"):
                household = await self.registered(answer.id)
                if principal.covers(household.area_code):  # a retry since moved away: not yours to see
                    answer.household = await self.service.present(household, presenter)
        return BatchResult(**summary(answers), items=answers)

    async def registered(self, household_id: uuid.UUID) -> Household:
        """The household an item was answered created or duplicate for."""
        household = self.households.get(household_id) or await self.service.repository.get_any(household_id)
        assert household is not None  # answered created or duplicate: it is stored
        return household

    # The intake's parts.

    def location(self, raw: Any, index: int) -> list[str | int]:
        return ["body"] if self.gate is None else ["body", "items", index]

    def parse(self, raw: Any, index: int) -> HouseholdCreate:
        item: HouseholdCreate = super().parse(raw, index)
        if item.id is None:  # nothing can retry it: a new registration under the server's id
            item = item.model_copy(update={"id": new_id()})
            assert item.id is not None
            self.server_ids.add(item.id)
        return item

    def digest(self, entry: _Registration) -> bytes:
        item = entry.item.model_copy(update={"id": None}) if entry.key in self.server_ids else entry.item
        return request_digest(item)

    def same(self, entry: _Registration, stored: bytes | None) -> bool:
        if stored == LEGACY and entry.key in self.legacy:  # as such a retry was answered before
            area_code, number = self.legacy[entry.key]
            return self.principal.covers(area_code) and number == entry.item.number
        return stored == entry.digest

    def conflict(self, key: uuid.UUID) -> Conflict:
        return Conflict(f"Household id {key} is already in use", code="household_id_in_use")

    async def stored(self, keys: list[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        asked = [key for key in keys if key not in self.server_ids]
        if not asked:
            return {}
        found: dict[uuid.UUID, bytes] = {}
        for household_id, digest, area_code, number in await self.service.repository.request_digests(asked):
            if digest is None:
                self.legacy[household_id] = (area_code, number)
            found[household_id] = LEGACY if digest is None else digest
        return found

    async def admit(self, entries: list[_Registration], refuse: Refuse) -> None:
        # Said once, outside the items' savepoints (a failed item's rollback would undo it).
        await stamp_actor(self.session, self.principal)
        await self.service.repository.check_free([e.key for e in entries], [e.item.number for e in entries])

    async def insert(self, entries: list[_Registration]) -> set[uuid.UUID]:
        inserted: set[uuid.UUID] = set()
        for e in entries:
            if self.limited is not None:
                self.refuse(e, self.limited)
                continue
            try:
                if await self._create(e):
                    inserted.add(e.key)
            except Disclosing as exc:
                if self.gate is None:
                    raise
                if await self.gate.take([exc.disclosure], status=exc.status):
                    self.refuse(e, exc)
                    if self.gate.left == 0:  # the last one: what the next items would meet must not show
                        self.limited = self.gate.limited()
                else:
                    self.limited = self.gate.limited()
                    self.refuse(e, self.limited)
            except FangpinError as exc:
                if self.gate is None:
                    raise
                self.refuse(e, exc)
        return inserted

    def refusal(self, index: int, key: Any, why: Refusal) -> BatchItemResult:
        if isinstance(why, DisclosureLimited):
            return self.answer(index, key, "rate_limited", why.to_problem())
        return super().refusal(index, key, why)

    def answer(
        self, index: int, key: Any, status: str, error: dict[str, Any] | None = None, **extra: Any
    ) -> BatchItemResult:
        if key in self.server_ids and status != "created":
            key = None  # an item sent without an id has one only once registered
        return super().answer(index, key, status, error, **extra)

    async def _create(self, e: _Registration) -> bool:
        """Register one item in a savepoint; False when a concurrent request stored its id first (the
        intake then answers it by the digest that request stored)."""
        try:
            async with self.session.begin_nested():  # a savepoint: a failed item rolls back alone
                household, is_new = await self.service.create(
                    e.item, self.principal, tuple(e.loc), request_sha256=e.digest
                )
        except Disclosing:
            raise
        except (IntegrityError, Conflict) as exc:
            if e.key not in self.server_ids and await self.service.repository.request_digests([e.key]):
                return False  # the id is stored now: a concurrent copy won
            if isinstance(exc, IntegrityError) and (problem := _race_lost(exc)) is not exc:
                raise problem from exc
            raise
        if not is_new:  # stored between the intake's read and this one
            return False
        self.households[e.key] = household
        self.service.repository.known_absent.discard(e.item.number)
        return True


async def create_households(
    session: AsyncSession, vault: IdVault, batch: HouseholdBatch, principal: Principal, gate: DisclosureGate
) -> BatchResult:
    return await HouseholdIntake(session, vault, gate).take(batch.items, principal)
