"""The households and cadres a batch of contacts names, asked of the registry on the caller's behalf
(its token, so its scope applies): an id outside the caller's area is unknown, as if it did not exist."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from fastapi import Request

from services.common.area_codes import is_within
from services.common.peers import call_peer

CHUNK = 5000  # the registry's limit per list and call


@dataclass
class Reach:
    villages: dict[uuid.UUID, str] = field(default_factory=dict)  # household -> its village now
    cadre_areas: dict[uuid.UUID, str] = field(default_factory=dict)  # cadre -> its own area
    paired: dict[uuid.UUID, frozenset[uuid.UUID]] = field(default_factory=dict)  # cadre -> households

    def responsible(self, cadre_id: uuid.UUID, household_id: uuid.UUID) -> bool:
        """Paired with the household, or of an area covering its village (as a visit's cadre)."""
        village = self.villages.get(household_id)
        return household_id in self.paired.get(cadre_id, frozenset()) or (
            village is not None and is_within(village, self.cadre_areas[cadre_id])
        )


LookUp = Callable[[Sequence[uuid.UUID], Sequence[uuid.UUID]], Awaitable[Reach]]


def registry_reach(request: Request) -> LookUp:
    async def look_up(households: Sequence[uuid.UUID], cadres: Sequence[uuid.UUID]) -> Reach:
        reach = Reach()
        wanted_households = [str(h) for h in sorted(set(households))][:CHUNK]  # a batch names ≤ 1,000
        wanted_cadres = [str(c) for c in sorted(set(cadres))]
        for start in range(0, max(len(wanted_cadres), 1), CHUNK):
            body = {
                "household_ids": wanted_households,
                "person_ids": [],
                "cadre_ids": wanted_cadres[start : start + CHUNK],
                "area_codes": [],
            }
            peer = request.app.state.registry_peer
            answer = await call_peer(request, peer, "registry", "/internal/v1/references", body)
            reach.villages.update(
                (uuid.UUID(h["household_id"]), h["area_code"]) for h in answer["households"]
            )
            for cadre in answer["cadres"]:
                cadre_id = uuid.UUID(cadre["cadre_id"])
                reach.cadre_areas[cadre_id] = cadre["area_code"]
                reach.paired[cadre_id] = frozenset(map(uuid.UUID, cadre["paired_household_ids"]))
        return reach

    return look_up
