"""Who a person is, asked of the registry on the caller's behalf (with the caller's own scope): the
household and village an employment record, a post or a course enrolment belongs to."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from services.common.peers import call_peer

LOOKUP_BATCH = 1000  # the registry's limit per call


@dataclass(frozen=True)
class PersonFacts:
    person_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str  # the household's village
    household_category: str  # registry codes: escaped 脱贫户, monitored 监测户, ordinary 一般农户
    alive: bool

    @classmethod
    def of(cls, answer: dict[str, Any]) -> PersonFacts:
        return cls(
            person_id=uuid.UUID(answer["person_id"]),
            household_id=uuid.UUID(answer["household_id"]),
            area_code=answer["area_code"],
            household_category=answer["household_category"],
            alive=bool(answer["alive"]),
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
