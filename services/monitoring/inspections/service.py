"""Taking in inspections: check each item alone, store the new ones once, evaluate the rules, raise alerts.

A batch is one transaction, but items never depend on each other: a bad item is answered as invalid
(or forbidden, or a conflict) and the good ones are stored. A retried item (same UUID, same content) is
a duplicate with no effect, however many retries race: the primary key decides, not a prior read.
A new visit's household must be registered in the caller's area (the registry answers, once per batch);
the registry's village wins over the phone's copy, which may predate a move or a village merge.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village
from services.common.auth import Principal
from services.common.batches import in_turns, item_location, raw_item_id, refusal_status
from services.common.calendar import CHINA
from services.common.errors import Conflict, FangpinError, Forbidden, ValidationFailed
from services.monitoring.alerts.repository import AlertRepository, Signal
from services.monitoring.cases.exit import propose_exits
from services.monitoring.codes import AlertSource
from services.monitoring.inspections.repository import InspectionRepository
from services.monitoring.inspections.schemas import (
    InspectionBatchResult,
    InspectionCreate,
    InspectionItemResult,
)
from services.monitoring.references import Asked, Lookup, Registered
from services.monitoring.rules import engine
from services.monitoring.rules.facts import (
    Child,
    HouseholdFacts,
    Income,
    Person,
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
    return Thresholds(row.id, row.area_code, row.year, row.version, row.income_line, row.large_expense_line)


@dataclass
class _Accepted:
    index: int
    item: InspectionCreate
    digest: bytes
    loc: list[str | int]  # where this item's errors point
    document: str  # the item as JSON: its digest, and its answers once stored
    findings: list[engine.Finding] = field(default_factory=list)
    threshold: Thresholds | None = None


class InspectionIntake:
    def __init__(self, session: AsyncSession, registry: Lookup) -> None:
        self.session = session
        self.registry = registry
        self.inspections = InspectionRepository(session)
        self.thresholds = ThresholdRepository(session)
        self.alerts = AlertRepository(session)

    async def take(
        self, raw_items: list[dict[str, Any]] | list[InspectionCreate], principal: Principal
    ) -> InspectionBatchResult:
        results: dict[int, InspectionItemResult] = {}
        accepted: dict[uuid.UUID, _Accepted] = {}
        async for index, raw in in_turns(enumerate(raw_items)):
            try:
                item = self._check(raw, index, principal)
            except FangpinError as exc:
                results[index] = _failure(index, raw_item_id(raw), exc)
                continue
            document = item.model_dump_json()
            this = _Accepted(index, item, content_hash(document), item_location(raw, index), document)
            if item.id in accepted:  # the same visit twice in one batch
                results[index] = _repeat(this, accepted[item.id].digest)
                continue
            accepted[item.id] = this
        stored = await self.inspections.hashes(list(accepted))
        for inspection_id, digest in stored.items():  # retries are answered without asking anyone
            a = accepted.pop(inspection_id)
            results[a.index] = _repeat(a, digest)
        await self._place(accepted, results)
        await self._evaluate(accepted.values())
        inserted = await self.inspections.insert_new([self._row(a, principal) for a in accepted.values()])
        known = await self.inspections.hashes([i for i in accepted if i not in inserted])
        for inspection_id, a in accepted.items():
            if inspection_id in inserted:
                findings = [f.as_dict() for f in a.findings]
                results[a.index] = InspectionItemResult(
                    index=a.index, id=inspection_id, status="created", findings=findings
                )
            else:  # a racing retry stored it between our read and our insert
                results[a.index] = _repeat(a, known.get(inspection_id))
        await self._raise_alerts([a for i, a in accepted.items() if i in inserted])
        items = [results[i] for i in sorted(results)]
        created = sum(r.status == "created" for r in items)
        duplicates = sum(r.status == "duplicate" for r in items)
        return InspectionBatchResult(
            created=created, duplicates=duplicates, failed=len(items) - created - duplicates, items=items
        )

    def _check(self, raw: Any, index: int, principal: Principal) -> InspectionCreate:
        if isinstance(raw, InspectionCreate):
            item = raw  # already checked (the single-item endpoint)
        else:
            try:
                item = InspectionCreate.model_validate(raw)
            except ValidationError as exc:
                raise ValidationFailed.of_item(
                    exc, ["body", "items", index], f"Item {index} is not a valid inspection"
                ) from exc
        if not is_village(item.area_code):
            raise ValidationFailed.field(
                [*item_location(raw, index), "area_code"],
                f"{item.area_code} is not a village code (a household lives in a village)",
                "not_a_village",
            )
        if not principal.covers(item.area_code):
            raise Forbidden(
                f"{item.area_code} is outside your area ({principal.scope})", code="outside_scope"
            )
        visited = item.visited_at.astimezone(CHINA)
        if visited.year < 2013:
            raise ValidationFailed.field(
                [*item_location(raw, index), "visited_at"],
                "A visit before 2013 is a wrong clock",
                "visit_too_early",
            )
        if item.visited_at - datetime.now(UTC) > CLOCK_SKEW:
            raise ValidationFailed.field(
                [*item_location(raw, index), "visited_at"],
                "The visit time is in the future: check the phone's clock",
                "visit_in_future",
            )
        return item

    async def _place(
        self, accepted: dict[uuid.UUID, _Accepted], results: dict[int, InspectionItemResult]
    ) -> None:
        """Keep the visits of registered households whose members and cadre are theirs, each in its
        household's village as of now."""
        if not accepted:
            return
        asked = Asked()
        for a in accepted.values():
            asked.households.add(a.item.household_id)
            asked.people.update(person_id for _, person_id in _people_named(a.item))
            if a.item.cadre_id is not None:
                asked.cadres.add(a.item.cadre_id)
        known = await self.registry(asked)
        for inspection_id, a in list(accepted.items()):
            if (problem := _reference_problem(a, known)) is not None:
                results[a.index] = _failure(a.index, inspection_id, problem)
                del accepted[inspection_id]
            elif (village := known.villages[a.item.household_id]) != a.item.area_code:
                a.item = a.item.model_copy(update={"area_code": village})

    async def _evaluate(self, accepted: Any) -> None:
        """The rules over each item, with the thresholds in force in its village in the visit's year
        (one query per year in the batch, not one per village)."""
        years: dict[int, list[_Accepted]] = {}
        for a in accepted:
            years.setdefault(a.item.visited_at.astimezone(CHINA).year, []).append(a)
        for year, items in years.items():
            in_force = await self.thresholds.in_force_for((a.item.area_code for a in items), year)
            thresholds = {code: thresholds_of(row) if row else None for code, row in in_force.items()}
            async for a in in_turns(items):
                a.threshold = thresholds[a.item.area_code]
                a.findings = engine.evaluate(facts_of(a.item), a.threshold)

    def _row(self, a: _Accepted, principal: Principal) -> dict[str, Any]:
        item = a.item
        return {
            "id": item.id,
            "household_id": item.household_id,
            "area_code": item.area_code,
            "inspector_id": principal.id,
            "inspector_name": principal.name[:100],
            "cadre_id": item.cadre_id,
            "visited_at": item.visited_at,
            "latitude": item.location.latitude if item.location else None,
            "longitude": item.location.longitude if item.location else None,
            "answers": a.document,  # the repository strips the fields that have columns of their own
            "content_sha256": a.digest,
            "findings": json.dumps([f.as_dict() for f in a.findings], ensure_ascii=False),
            "ruleset_version": engine.RULESET_VERSION,
            "threshold_id": a.threshold.id if a.threshold else None,
        }

    async def _raise_alerts(self, inserted: list[_Accepted]) -> None:
        """Only a household's latest visit speaks for it now: an older visit that arrives late (phones
        sync out of order) is kept with its findings but raises nothing."""
        if not inserted:
            return
        households = list({a.item.household_id for a in inserted})
        latest = await self.inspections.latest_visits(households, [a.item.id for a in inserted])
        current: dict[uuid.UUID, _Accepted] = {}
        superseded = []
        for a in sorted(inserted, key=lambda a: (a.item.visited_at, a.item.id)):
            earlier = latest.get(a.item.household_id)
            if earlier is not None and a.item.visited_at < earlier:
                superseded.append(a.item.id)
                continue
            if (previous := current.get(a.item.household_id)) is not None:
                superseded.append(previous.item.id)
            current[a.item.household_id] = a
        await self.inspections.mark_superseded(superseded)
        signals = [
            Signal(
                household_id=a.item.household_id,
                area_code=a.item.area_code,
                risk_code=f.code.value,
                severity=f.severity.value,
                reason=f.reason,
                rule_version=f.rule_version,
                source=AlertSource.inspection.value,
                source_id=str(a.item.id),
                raised_at=a.item.visited_at,
                threshold_id=f.threshold_id,
                threshold_version=f.threshold_version,
            )
            for a in current.values()
            for f in a.findings
        ]
        await self.alerts.raise_signals(signals)
        clean = [household for household, a in current.items() if not a.findings]
        await propose_exits(self.session, sorted(clean))


def _people_named(item: InspectionCreate) -> list[tuple[list[str | int], uuid.UUID]]:
    """Each member an answer names, with where in the item it is named."""
    named: list[tuple[list[str | int], uuid.UUID]] = []
    for key, answers in (
        ("children", item.children),
        ("medical_insurance", item.medical_insurance),
        ("risk_events", item.risk_events),
    ):
        named += [([key, i, "person_id"], x.person_id) for i, x in enumerate(answers) if x.person_id]
    return named


def _reference_problem(a: _Accepted, known: Registered) -> ValidationFailed | None:
    household = a.item.household_id
    if (problem := known.household_problem(household, [*a.loc, "household_id"])) is not None:
        return problem
    for where, person_id in _people_named(a.item):
        if (problem := known.person_problem(person_id, household, [*a.loc, *where])) is not None:
            return problem
    if a.item.cadre_id is not None:
        return known.cadre_problem(a.item.cadre_id, household, [*a.loc, "cadre_id"])
    return None


def _repeat(a: _Accepted, stored_digest: bytes | None) -> InspectionItemResult:
    """An id seen before: the same content is a duplicate with no effect, other content a conflict."""
    if stored_digest == a.digest or stored_digest == legacy_content_hash(a.item):
        return InspectionItemResult(index=a.index, id=a.item.id, status="duplicate")
    return _failure(a.index, a.item.id, _conflict(a.item.id))


def _conflict(inspection_id: uuid.UUID) -> Conflict:
    return Conflict(
        f"Inspection {inspection_id} was already received with other answers; a new visit needs a new id",
        code="inspection_id_in_use",
    )


def _failure(index: int, inspection_id: uuid.UUID | None, exc: FangpinError) -> InspectionItemResult:
    return InspectionItemResult(
        index=index, id=inspection_id, status=refusal_status(exc), error=exc.to_problem()
    )
