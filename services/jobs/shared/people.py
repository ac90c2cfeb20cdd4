"""Who a person is, asked of the registry on the caller's behalf (with the caller's own scope): the
household and village an employment record, a post or a course enrolment belongs to."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request

from services.common.peers import call_peer

LOOKUP_BATCH = 1000  # the registry's limit per call


@dataclass(frozen=True)
class PersonFacts:
    person_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str  # the household's village
    household_category: str  # today's; registry codes: escaped 脱贫户, monitored 监测户, ordinary 一般农户
    alive: bool
    # The household's 脱贫户/监测户 periods (category, first day, last day or None, and for 监测户 the
    # monitoring type its case named, when the registry knows it), the registry's.
    category_periods: tuple[tuple[str, date, date | None, str | None], ...] = ()
    registered_on: date | None = None  # the household's registration: what the registry knows starts there

    @classmethod
    def of(cls, answer: dict[str, Any]) -> PersonFacts:
        return cls(
            person_id=uuid.UUID(answer["person_id"]),
            household_id=uuid.UUID(answer["household_id"]),
            area_code=answer["area_code"],
            household_category=answer["household_category"],
            alive=bool(answer["alive"]),
            category_periods=tuple(
                (
                    p["category"],
                    date.fromisoformat(p["starts_on"]),
                    date.fromisoformat(p["ends_on"]) if p["ends_on"] else None,
                    p.get("monitoring_type"),
                )
                for p in answer.get("category_periods") or ()
            ),
            registered_on=date.fromisoformat(answer["registered_on"])
            if answer.get("registered_on")
            else None,
        )

    def category_on(self, day: date) -> str:
        """The household's category on ``day`` by the registry's periods, which own "monitored on D":
        a 监测户 inside a monitored period; a household monitored today was, outside its periods, what
        it is underneath (脱贫户 while it held that period, else 一般农户); any other keeps today's. Before
        its registration the registry knows no history of it: today's category stands."""
        if self.registered_on is not None and day < self.registered_on:
            return self.household_category
        held = {
            c for c, start, end, _ in self.category_periods if start <= day and (end is None or day <= end)
        }
        if "monitored" in held:
            return "monitored"
        if self.household_category != "monitored":
            return self.household_category
        return "escaped" if "escaped" in held else "ordinary"

    def monitoring_type_on(self, day: date) -> str | None:
        """The monitoring type of the 监测户 period in force on ``day`` (None: not monitored then, or a
        period whose type the registry was not told)."""
        if self.category_on(day) != "monitored":
            return None
        return next(
            (
                kind
                for c, start, end, kind in self.category_periods
                if c == "monitored" and start <= day and (end is None or day <= end)
            ),
            None,
        )


Lookup = Callable[[Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, "PersonFacts"]]]


async def lookup_people(request: Request, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PersonFacts]:
    """The people among ``person_ids`` registered in the caller's scope (others are simply absent)."""
    unique = list(dict.fromkeys(person_ids))
    found: dict[uuid.UUID, PersonFacts] = {}
    for start in range(0, len(unique), LOOKUP_BATCH):
        chunk = [str(p) for p in unique[start : start + LOOKUP_BATCH]]
        answer = await _ask(request, "/internal/v1/people/lookup", {"person_ids": chunk})
        found |= {facts.person_id: facts for facts in map(PersonFacts.of, answer["people"])}
    return found


async def resolve_national_ids(request: Request, national_ids: Sequence[str]) -> list[PersonFacts | None]:
    """In the order asked: the living person with that ID number in the caller's scope, or None."""
    matches: list[PersonFacts | None] = []
    for start in range(0, len(national_ids), LOOKUP_BATCH):
        chunk = list(national_ids[start : start + LOOKUP_BATCH])
        answer = await _ask(request, "/internal/v1/people/resolve", {"national_ids": chunk})
        matches += [PersonFacts.of(m) if m is not None else None for m in answer["matches"]]
    return matches


async def _ask(request: Request, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return await call_peer(request, request.app.state.registry_peer, "registry", path, body)
