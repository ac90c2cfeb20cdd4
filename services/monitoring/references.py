"""The ids a request body names (households, members, cadres), checked against the registry.

Every reference must exist, lie inside the caller's area and belong to the record it qualifies: a
person of *that* household, a cadre paired with it or whose own area covers its village. The registry
answers for the caller's own scope (with the caller's token), so an id of another county is simply
unknown, and is refused with the same words as an id that exists nowhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from fastapi import Request

from services.common.area_codes import is_within
from services.common.errors import ValidationFailed
from services.common.peers import call_peer

CHUNK = 5000  # the registry's limit per list and call

Loc = list[str | int]


@dataclass(frozen=True)
class CadreReach:
    area_code: str
    paired: frozenset[uuid.UUID]  # of the households asked, those the cadre is paired with now


@dataclass
class Asked:
    households: set[uuid.UUID] = field(default_factory=set)
    people: set[uuid.UUID] = field(default_factory=set)
    cadres: set[uuid.UUID] = field(default_factory=set)
    area_codes: set[str] = field(default_factory=set)  # villages outside scope, maybe merged into it


@dataclass
class Registered:
    """What the registry knows, inside the caller's area, of the ids asked."""

    villages: dict[uuid.UUID, str] = field(default_factory=dict)  # household -> its village now
    registered: dict[uuid.UUID, date] = field(default_factory=dict)  # household -> counted from
    households_of: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # person -> household
    cadres: dict[uuid.UUID, CadreReach] = field(default_factory=dict)
    deleted: set[uuid.UUID] = field(default_factory=set)  # deleted while in scope
    moved_out: set[uuid.UUID] = field(default_factory=set)  # moved out of scope (not said where)
    successors: dict[str, str] = field(default_factory=dict)  # merged-away village -> its successor

    def household_problem(self, household_id: uuid.UUID, loc: Loc) -> ValidationFailed | None:
        if household_id in self.villages:
            return None
        if household_id in self.deleted:
            return ValidationFailed.field(
                loc, f"Household {household_id} was deleted from the register", "household_deleted"
            )
        if household_id in self.moved_out:
            return ValidationFailed.field(
                loc, f"Household {household_id} moved out of your area", "household_not_in_your_area"
            )
        return ValidationFailed.field(
            loc, f"No household {household_id} is registered in your area", "household_not_found"
        )

    def person_problem(
        self, person_id: uuid.UUID, household_id: uuid.UUID, loc: Loc
    ) -> ValidationFailed | None:
        owner = self.households_of.get(person_id)
        if owner is None:
            return ValidationFailed.field(
                loc, f"No person {person_id} is registered in your area", "person_not_found"
            )
        if owner != household_id:
            return ValidationFailed.field(
                loc, f"Person {person_id} is not a member of household {household_id}", "person_not_member"
            )
        return None

    def cadre_problem(
        self, cadre_id: uuid.UUID, household_id: uuid.UUID, loc: Loc
    ) -> ValidationFailed | None:
        reach = self.cadres.get(cadre_id)
        if reach is None:
            return ValidationFailed.field(loc, f"No cadre {cadre_id} in your area", "cadre_not_found")
        village = self.villages.get(household_id)
        if household_id in reach.paired or (village is not None and is_within(village, reach.area_code)):
            return None
        return ValidationFailed.field(
            loc,
            f"Cadre {cadre_id} is neither paired with household {household_id} nor of its area",
            "cadre_not_responsible",
        )


Lookup = Callable[[Asked], Awaitable[Registered]]


def registry_lookup(request: Request) -> Lookup:
    """Ask the registry on the caller's behalf (its token, so its own scope applies)."""

    async def look_up(asked: Asked) -> Registered:
        known = Registered()
        # Households go whole with every call, since a cadre's pairings are asked among them; a batch
        # names at most 1,000 households, so only members and cadres ever need more than one call.
        households = _strings(asked.households)[:CHUNK]
        people, cadres = _strings(asked.people), _strings(asked.cadres)
        codes = sorted(asked.area_codes)[:CHUNK]  # a batch names at most 1,000 visits
        for start in range(0, max(len(people), len(cadres), 1), CHUNK):
            body = {
                "household_ids": households,
                "person_ids": people[start : start + CHUNK],
                "cadre_ids": cadres[start : start + CHUNK],
                "area_codes": codes if start == 0 else [],
            }
            answer = await call_peer(
                request, request.app.state.registry_peer, "registry", "/internal/v1/references", body
            )
            known.villages.update(
                (uuid.UUID(h["household_id"]), h["area_code"]) for h in answer["households"]
            )
            known.registered.update(
                (uuid.UUID(h["household_id"]), date.fromisoformat(h["registered_on"]))
                for h in answer["households"]
                if h.get("registered_on")
            )
            known.households_of.update(
                (uuid.UUID(p["person_id"]), uuid.UUID(p["household_id"])) for p in answer["people"]
            )
            known.cadres.update(
                (
                    uuid.UUID(c["cadre_id"]),
                    CadreReach(c["area_code"], frozenset(map(uuid.UUID, c["paired_household_ids"]))),
                )
                for c in answer["cadres"]
            )
            known.deleted.update(map(uuid.UUID, answer.get("deleted_household_ids", [])))
            known.moved_out.update(map(uuid.UUID, answer.get("moved_household_ids", [])))
            known.successors.update(answer.get("successors", {}))
        return known

    return look_up


def _strings(ids: Iterable[uuid.UUID]) -> list[str]:
    return [str(i) for i in sorted(ids)]
