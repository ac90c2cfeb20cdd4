"""Taking in inspections: check each item alone, store the new ones once, evaluate the rules, raise alerts.

A batch is one transaction, but items never depend on each other: a bad item is answered as invalid
(or forbidden, or a conflict) and the good ones are stored. A retried item (same UUID, same content) is
a duplicate with no effect, however many retries race: the primary key decides, not a prior read.
A new visit's household must be registered in the caller's area (the registry answers, once per batch);
the registry's village wins over the phone's copy, which may predate a move or a village merge. The
village's scope is checked only after stored visits are looked up (a retry answers "duplicate" whatever
happened since), and a village merged into one of the caller's area counts as its successor.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village
from services.common.auth import Principal
from services.common.batches import in_turns
from services.common.calendar import CHINA
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.monitoring.alerts.repository import AlertRepository, Signal
from services.monitoring.cases.exit import propose_exits
from services.monitoring.codes import AlertSource
from services.monitoring.events import incomes
from services.monitoring.inspections.repository import InspectionRepository
from services.monitoring.inspections.schemas import (
    ChildAnswer,
    InspectionBatchResult,
    InspectionCreate,
    InspectionItemResult,
    InsuranceAnswer,
    RiskEventAnswer,
)
from services.monitoring.references import Asked, Lookup, Registered
from services.monitoring.rules import engine
from services.monitoring.rules.facts import (
    Child,
    HouseholdFacts,
    Income,
    Person,
    PreviousVisit,
    RiskEvent,
    Thresholds,
    Water,
)
from services.monitoring.thresholds.repository import ThresholdRepository

# Phones' clocks drift; a visit further in the future than this is a wrong clock, not a visit.
CLOCK_SKEW = timedelta(hours=12)


def content_hash(document: str) -> bytes:
    """The digest of an item's JSON (``model_dump_json``: the schema's field order, so the same
    answers always give the same text)."""
    return hashlib.sha256(document.encode()).digest()


def legacy_content_hash(item: InspectionCreate) -> bytes:
    """The digest of items received before December 2026 (sorted-key JSON), so that a phone retrying
    one of them after the upgrade is still answered "duplicate"."""
    canonical = json.dumps(item.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).digest()


def facts_of(item: InspectionCreate) -> HouseholdFacts:
    income = item.income
    return HouseholdFacts(
        household_id=item.household_id,
        observed_on=item.visited_at.astimezone(CHINA).date(),
        size=item.household_size,
        food_secure=item.food_secure,
        clothing_secure=item.clothing_secure,
        children=tuple(Child(c.name, c.age, c.schooling.value, c.person_id) for c in item.children),
        people=tuple(Person(p.name, p.insured, p.person_id) for p in item.medical_insurance),
        housing_grade=item.housing_grade,
        water=Water(**item.water.model_dump()) if item.water else None,
        income=Income(income.wages, income.business, income.property, income.transfer, income.business_costs)
        if income
        else None,
        medical_expense=item.large_expenses.medical,
        schooling_expense=item.large_expenses.schooling,
        risk_events=tuple(RiskEvent(e.kind.value, e.happened_on, e.note or "") for e in item.risk_events),
    )


def thresholds_of(row: Any) -> Thresholds:
    return Thresholds(
        row.id,
        row.area_code,
        row.year,
        row.version,
        row.income_line,
        row.large_expense_line,
        row.income_drop_share,
        row.spending_jump_line,
    )


def previous_of(item: InspectionCreate) -> PreviousVisit:
    """A visit of the same batch as the one a later visit of its household compares with."""
    facts = facts_of(item)
    return PreviousVisit(facts.observed_on, facts.income_per_person, facts.rigid_spending)


def previous_stored(row: Any) -> PreviousVisit:
    """A stored visit (``InspectionRepository.previous_visits``) as the one a new visit compares with."""
    per_person = None
    if row.income is not None and row.size:
        parts = ("wages", "business", "property", "transfer")
        net = sum((Decimal(str(row.income.get(k, 0))) for k in parts), Decimal(0))
        per_person = (net - Decimal(str(row.income.get("business_costs", 0)))) / row.size
    expenses = row.expenses or {}
    spending = Decimal(str(expenses.get("medical", 0))) + Decimal(str(expenses.get("schooling", 0)))
    return PreviousVisit(row.visited_at.astimezone(CHINA).date(), per_person, spending)


@dataclass(eq=False)
class _Visit(Entry):
    item: InspectionCreate
    document: str = ""  # the item as JSON: its digest, and its answers once stored
    findings: list[engine.Finding] = field(default_factory=list)
    threshold: Thresholds | None = None


class InspectionIntake(BatchIntake[_Visit, InspectionItemResult]):
    model = InspectionCreate
    result_model = InspectionItemResult
    entry_type = _Visit
    invalid_detail = "Item {index} is not a valid inspection"

    def __init__(self, session: AsyncSession, registry: Lookup) -> None:
        self.session = session
        self.registry = registry
        self.inspections = InspectionRepository(session)
        self.thresholds = ThresholdRepository(session)
        self.alerts = AlertRepository(session)
        self._sent: dict[uuid.UUID, _Visit] = {}  # each id's first item, by the digest's turn
        self.superseded: set[uuid.UUID] = set()  # created here, but a later visit already speaks

    async def take(
        self, raw_items: list[dict[str, Any]] | list[InspectionCreate], principal: Principal
    ) -> InspectionBatchResult:
        items = await self.answer_items(raw_items, principal)
        return InspectionBatchResult(**summary(items), items=items)

    def check(self, item: InspectionCreate, loc: list[str | int]) -> None:
        if not is_village(item.area_code):
            raise ValidationFailed.field(
                [*loc, "area_code"],
                f"{item.area_code} is not a village code (a household lives in a village)",
                "not_a_village",
            )
        visited = item.visited_at.astimezone(CHINA)
        if visited.year < 2013:
            raise ValidationFailed.field(
                [*loc, "visited_at"], "A visit before 2013 is a wrong clock", "visit_too_early"
            )
        if item.visited_at - datetime.now(UTC) > CLOCK_SKEW:
            raise ValidationFailed.field(
                [*loc, "visited_at"],
                "The visit time is in the future: check the phone's clock",
                "visit_in_future",
            )

    def digest(self, entry: _Visit) -> bytes:
        entry.document = entry.item.model_dump_json()
        self._sent.setdefault(entry.item.id, entry)
        return content_hash(entry.document)

    def same(self, entry: _Visit, stored: bytes | None) -> bool:
        return stored == entry.digest or stored == legacy_content_hash(entry.item)

    def conflict(self, key: uuid.UUID) -> Conflict:
        return Conflict(
            f"Inspection {key} was already received with other answers; a new visit needs a new id",
            code="inspection_id_in_use",
        )

    async def stored(self, keys: list[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        """The stored digests; a retry whose only difference is the village code (the phone rewrote it
        after a merge or a move: the registry's village wins anyway) counts as the same visit."""
        found = {}
        for key, (digest, village) in (await self.inspections.hashes_and_villages(keys)).items():
            sent = self._sent.get(key)
            if sent is not None and not self.same(sent, digest) and sent.item.area_code != village:
                as_stored = sent.item.model_copy(update={"area_code": village})
                if content_hash(as_stored.model_dump_json()) == digest:
                    digest = sent.digest
            found[key] = digest
        return found

    async def admit(self, entries: list[_Visit], refuse: Refuse) -> None:
        await self._evaluate(await self._place(entries, refuse))

    async def insert(self, entries: list[_Visit]) -> set[uuid.UUID]:
        return await self.inspections.insert_new([self._row(v) for v in entries])

    async def created(self, entries: list[_Visit]) -> None:
        await self._raise_alerts(entries)

    def created_fields(self, entry: _Visit) -> dict[str, Any]:
        return {
            "findings": [f.as_dict() for f in entry.findings],
            "area_code": entry.item.area_code,
            "superseded": entry.item.id in self.superseded,
        }

    async def _place(self, visits: list[_Visit], refuse: Refuse) -> list[_Visit]:
        """Keep the visits of registered households whose members and cadre are theirs, each in its
        household's village as of now."""
        if not visits:
            return []
        asked = Asked()
        for v in visits:
            if not self.principal.covers(v.item.area_code):
                asked.area_codes.add(v.item.area_code)  # perhaps merged into a village of ours
            asked.households.add(v.item.household_id)
            asked.people.update(person_id for _, person_id in _people_named(v.item))
            if v.item.cadre_id is not None:
                asked.cadres.add(v.item.cadre_id)
        known = await self.registry(asked)
        kept = []
        for v in visits:
            if (forbidden := self._scope_problem(v.item.area_code, known)) is not None:
                refuse(v, forbidden)
                continue
            if (problem := _reference_problem(v, known)) is not None:
                refuse(v, problem)
                continue
            if (village := known.villages[v.item.household_id]) != v.item.area_code:
                v.item = v.item.model_copy(update={"area_code": village})
            kept.append(v)
        return kept

    def _scope_problem(self, code: str, known: Registered) -> Forbidden | None:
        """Decided from the codes alone (and merges), so a refusal reveals nothing about households."""
        if self.principal.covers(code) or self.principal.covers(known.successors.get(code, "-")):
            return None
        return Forbidden(f"{code} is outside your area ({self.principal.scope})", code="outside_scope")

    async def _evaluate(self, visits: list[_Visit]) -> None:
        """The rules over each item, with the thresholds in force in its village in the visit's year
        (one query per year in the batch, not one per village), each income component at least what
        projects' beneficiary payments recorded for the household that year."""
        previous = await self._previous(visits)
        years: dict[int, list[_Visit]] = {}
        for v in visits:
            years.setdefault(v.item.visited_at.astimezone(CHINA).year, []).append(v)
        for year, items in years.items():
            in_force = await self.thresholds.in_force_for((v.item.area_code for v in items), year)
            thresholds = {code: thresholds_of(row) if row else None for code, row in in_force.items()}
            recorded = await incomes.recorded_for(self.session, (v.item.household_id for v in items), year)
            async for v in in_turns(items):
                v.threshold = thresholds[v.item.area_code]
                facts = replace(facts_of(v.item), previous=previous.get(v.item.id))
                if facts.income is not None and v.item.household_id in recorded:
                    income = incomes.at_least_recorded(facts.income, recorded[v.item.household_id])
                    facts = replace(facts, income=income)
                v.findings = engine.evaluate(facts, v.threshold)

    async def _previous(self, visits: list[_Visit]) -> dict[uuid.UUID, PreviousVisit]:
        """Each visit's household's latest visit before it: stored, or earlier in this batch."""
        stored = await self.inspections.previous_visits(
            [(v.item.id, v.item.household_id, v.item.visited_at) for v in visits]
        )
        found: dict[uuid.UUID, tuple[datetime, PreviousVisit]] = {
            key: (row.visited_at, previous_stored(row)) for key, row in stored.items()
        }
        households: dict[uuid.UUID, list[_Visit]] = {}
        for v in sorted(visits, key=lambda v: v.item.visited_at):
            households.setdefault(v.item.household_id, []).append(v)
        for batch in households.values():
            for earlier, v in zip(batch, batch[1:], strict=False):
                at = earlier.item.visited_at
                if at < v.item.visited_at and (v.item.id not in found or found[v.item.id][0] < at):
                    found[v.item.id] = (at, previous_of(earlier.item))
        return {key: previous for key, (_, previous) in found.items()}

    def _row(self, v: _Visit) -> dict[str, Any]:
        item = v.item
        return {
            "id": item.id,
            "household_id": item.household_id,
            "area_code": item.area_code,
            "inspector_id": self.principal.id,
            "inspector_name": self.principal.name[:100],
            "cadre_id": item.cadre_id,
            "visited_at": item.visited_at,
            "latitude": item.location.latitude if item.location else None,
            "longitude": item.location.longitude if item.location else None,
            "answers": v.document,  # the repository strips the fields that have columns of their own
            "content_sha256": v.digest,
            "findings": json.dumps([f.as_dict() for f in v.findings], ensure_ascii=False),
            "ruleset_version": engine.RULESET_VERSION,
            "threshold_id": v.threshold.id if v.threshold else None,
        }

    async def _raise_alerts(self, inserted: list[_Visit]) -> None:
        """Only a household's latest visit speaks for it now: an older visit that arrives late (phones
        sync out of order) is kept with its findings but raises nothing."""
        if not inserted:
            return
        households = list({v.item.household_id for v in inserted})
        latest = await self.inspections.latest_visits(households, [v.item.id for v in inserted])
        current: dict[uuid.UUID, _Visit] = {}
        superseded = []
        for v in sorted(inserted, key=lambda v: (v.item.visited_at, v.item.id)):
            earlier = latest.get(v.item.household_id)
            if earlier is not None and v.item.visited_at < earlier:
                superseded.append(v.item.id)
                continue
            if (previous := current.get(v.item.household_id)) is not None:
                superseded.append(previous.item.id)
            current[v.item.household_id] = v
        await self.inspections.mark_superseded(superseded)
        self.superseded.update(superseded)  # the answers say so (created_fields)
        signals = [
            Signal(
                household_id=v.item.household_id,
                area_code=v.item.area_code,
                risk_code=f.code.value,
                severity=f.severity.value,
                reason=f.reason,
                rule_version=f.rule_version,
                source=AlertSource.inspection.value,
                source_id=str(v.item.id),
                raised_at=v.item.visited_at,
                threshold_id=f.threshold_id,
                threshold_version=f.threshold_version,
            )
            for v in current.values()
            for f in v.findings
        ]
        await self.alerts.raise_signals(signals)
        clean = [household for household, v in current.items() if not v.findings]
        await propose_exits(self.session, sorted(clean))


def _people_named(item: InspectionCreate) -> list[tuple[list[str | int], uuid.UUID]]:
    """Each member an answer names, with where in the item it is named."""
    named: list[tuple[list[str | int], uuid.UUID]] = []
    answered: tuple[tuple[str, Sequence[ChildAnswer | InsuranceAnswer | RiskEventAnswer]], ...] = (
        ("children", item.children),
        ("medical_insurance", item.medical_insurance),
        ("risk_events", item.risk_events),
    )
    for key, answers in answered:
        named += [([key, i, "person_id"], x.person_id) for i, x in enumerate(answers) if x.person_id]
    return named


def _reference_problem(v: _Visit, known: Registered) -> ValidationFailed | None:
    household = v.item.household_id
    if (problem := known.household_problem(household, [*v.loc, "household_id"])) is not None:
        return problem
    for where, person_id in _people_named(v.item):
        if (problem := known.person_problem(person_id, household, [*v.loc, *where])) is not None:
            return problem
    if v.item.cadre_id is not None:
        return known.cadre_problem(v.item.cadre_id, household, [*v.loc, "cadre_id"])
    return None
