"""Importing past cases: each item checked alone (its dates), then against the registry (the household
in the caller's area) and the household's other cases (never two at once), stored once by its id, with
its steps dated as they happened; enrolments and exits are published as the workflow's are, so the
registry's 监测户 periods are backdated too.

Each step is dated at noon, China time, of its day: "as of" figures (the end of a day) then see the
case as it stood on each date, in monitoring's rollups as in the registry's periods."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import CHINA, china_today
from services.common.errors import Conflict, ValidationFailed
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.monitoring.case_imports.repository import CaseImportRepository
from services.monitoring.case_imports.schemas import CaseImportItem, CaseImportItemResult, CaseImportResult
from services.monitoring.cases.events import publish_eliminated, publish_enrolled
from services.monitoring.cases.workflow import CaseState
from services.monitoring.models import Case
from services.monitoring.references import Asked, Lookup

IMPORT_ACTION = "import"  # the step's action: brought in, not taken here
FOREVER = date.max


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=CHINA)


def span(item: CaseImportItem) -> tuple[date, date]:
    """The days the case was open: from the first alert to its elimination (open-ended: still is)."""
    return item.first_alert_on or item.identified_on, item.eliminated_on or FOREVER


def span_of_case(case: Case) -> tuple[date, date]:
    opened = case.first_alert_at.astimezone(CHINA).date()
    return opened, case.eliminated_on or FOREVER


def overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _before_registration(e: _Past, since: date) -> ValidationFailed:
    """The registry counts a household from its registration: a case before it would be counted by
    monitoring and not by the registry. The ledger's 登记日期 says when; correct it there first."""
    name = "first_alert_on" if e.item.first_alert_on else "identified_on"
    return ValidationFailed.field(
        [*e.loc, name],
        f"{span(e.item)[0]} is before the household was registered ({since}); "
        "give the household its real registration date (登记日期) first",
        "before_registration",
    )


@dataclass(eq=False)
class _Past(Entry):
    item: CaseImportItem
    area_code: str = ""
    case: Case | None = None


class CaseImportIntake(BatchIntake[_Past, CaseImportItemResult]):
    model = CaseImportItem
    result_model = CaseImportItemResult
    entry_type = _Past
    invalid_detail = "Case {index} is not valid"

    def __init__(self, session: AsyncSession, registry: Lookup) -> None:
        self.session = session
        self.registry = registry
        self.repository = CaseImportRepository(session)

    async def take(self, raws: list[Any], principal: Principal) -> CaseImportResult:
        items = await self.answer_items(raws, principal)
        return CaseImportResult(**summary(items), items=items)

    def check(self, item: CaseImportItem, loc: list[str | int]) -> None:
        """The dates must tell a possible history, all of it past."""
        today = china_today()
        first, identified, eliminated = item.first_alert_on, item.identified_on, item.eliminated_on
        for name, day in (
            ("first_alert_on", first),
            ("identified_on", identified),
            ("eliminated_on", eliminated),
        ):
            if day is not None and day > today:
                raise ValidationFailed.field([*loc, name], f"{day} is in the future", "date_in_future")
        if first is not None and first > identified:
            raise ValidationFailed.field(
                [*loc, "first_alert_on"],
                f"The risk was first found ({first}) after the household was identified ({identified})",
                "alerted_after_identified",
            )
        if eliminated is not None and eliminated <= identified:
            raise ValidationFailed.field(
                [*loc, "eliminated_on"],
                f"Identified on {identified}, after or on the day its risk was eliminated ({eliminated})",
                "identified_after_eliminated",
            )

    def digest(self, entry: _Past) -> bytes:
        return hashlib.sha256(entry.item.model_dump_json().encode()).digest()

    def conflict(self, key: Any) -> Conflict:
        return Conflict(f"Case {key} already exists with other content", code="case_id_in_use")

    async def stored(self, keys: list[Any]) -> dict[Any, bytes]:
        return {k: v or b"" for k, v in (await self.repository.stored(keys)).items()}

    async def admit(self, entries: list[_Past], refuse: Refuse) -> None:
        known = await self.registry(Asked(households={e.item.household_id for e in entries}))
        placed = []
        for e in entries:
            loc = [*e.loc, "household_id"]
            if (problem := known.household_problem(e.item.household_id, loc)) is not None:
                refuse(e, problem)
            elif (since := known.registered.get(e.item.household_id)) and span(e.item)[0] < since:
                refuse(e, _before_registration(e, since))
            else:
                e.area_code = known.villages[e.item.household_id]
                placed.append(e)
        spans: dict[uuid.UUID, list[tuple[date, date]]] = {}
        for case in await self.repository.cases_of(sorted({e.item.household_id for e in placed})):
            spans.setdefault(case.household_id, []).append(span_of_case(case))
        for e in sorted(placed, key=lambda e: e.index):
            mine, taken = span(e.item), spans.setdefault(e.item.household_id, [])
            if any(overlaps(mine, other) for other in taken):
                refuse(
                    e,
                    Conflict(
                        f"Household {e.item.household_id} has another case in {mine[0]}…"
                        f"{e.item.eliminated_on or 'now'}; one case at a time",
                        code="case_overlap",
                    ),
                )
            else:
                taken.append(mine)

    async def insert(self, entries: list[_Past]) -> set[Any]:
        return await self.repository.insert_cases([self._row(e) for e in entries])

    async def created(self, entries: list[_Past]) -> None:
        """The steps, then the events, in the order the dates say (an exit after its enrolment)."""
        steps = []
        for e in entries:
            item, actor = e.item, (self.principal.id, self.principal.name[:100], self.principal.role.value)
            why = f"迁移导入（{item.note}）" if item.note else "迁移导入"
            taken: list[tuple[CaseState | None, CaseState, date]] = [
                (None, CaseState.enrolled, item.identified_on)
            ]
            if item.eliminated_on is not None:
                taken.append((CaseState.enrolled, CaseState.eliminated, item.eliminated_on))
            steps += [
                {
                    "case_id": item.id,
                    "action": IMPORT_ACTION,
                    "from_state": before.value if before else None,
                    "to_state": after.value,
                    "actor_id": actor[0],
                    "actor_name": actor[1],
                    "actor_role": actor[2],
                    "reason": why,
                    "at": noon(day),
                }
                for before, after, day in taken
            ]
        await self.repository.insert_steps(steps)
        for e in sorted(entries, key=lambda e: e.index):
            case = Case(**self._row(e))
            await publish_enrolled(self.session, case, e.item.identified_on)
            if e.item.eliminated_on is not None:
                await publish_eliminated(self.session, case, e.item.eliminated_on)

    def created_fields(self, entry: _Past) -> dict[str, Any]:
        return {"area_code": entry.area_code}

    def _row(self, e: _Past) -> dict[str, Any]:
        item = e.item
        first = item.first_alert_on or item.identified_on
        return {
            "id": item.id,
            "household_id": item.household_id,
            "area_code": e.area_code,
            "state": (CaseState.eliminated if item.eliminated_on else CaseState.enrolled).value,
            "monitoring_type": item.monitoring_type.value,
            "risk_codes": sorted({c.value for c in item.risk_codes}),
            "first_alert_at": noon(first),
            "decision_due_on": item.identified_on,
            "decided_at": noon(item.identified_on),
            "enrolled_on": item.identified_on,
            "eliminated_on": item.eliminated_on,
            "opened_by": self.principal.id,
            "opened_at": noon(first),
            "version": 1,
            "import_sha256": e.digest,
        }
