"""What monitoring's ledgers (台账) show beside the ids monitoring keeps: household numbers, and the names
of villages and cadres, asked of the registry with the caller's own token and scope.

Asked once, before a file starts streaming: the caller's token lives a minute, a county's file longer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from services.common.peers import call_peer

CHUNK = 5000  # ids per call (the registry's limit)


@dataclass
class Names:
    households: dict[uuid.UUID, str] = field(default_factory=dict)  # id -> household number (户编号)
    cadres: dict[uuid.UUID, str] = field(default_factory=dict)
    areas: dict[str, str] = field(default_factory=dict)


async def registry_names(
    request: Request,
    household_ids: Iterable[uuid.UUID],
    cadre_ids: Iterable[uuid.UUID] = (),
    area_codes: Iterable[str] = (),
) -> Names:
    """Those the registry knows in the caller's scope; an id it does not know is simply not named."""
    wanted: dict[str, list[Any]] = {
        "household_ids": [str(i) for i in household_ids],
        "cadre_ids": [str(i) for i in cadre_ids],
        "area_codes": list(area_codes),
    }
    names = Names()
    longest = max(len(ids) for ids in wanted.values())
    for start in range(0, longest, CHUNK):
        body = {key: ids[start : start + CHUNK] for key, ids in wanted.items()}
        answer = await call_peer(
            request, request.app.state.registry_peer, "registry", "/internal/v1/names", body
        )
        names.households.update((uuid.UUID(h["household_id"]), h["number"]) for h in answer["households"])
        names.cadres.update((uuid.UUID(c["cadre_id"]), c["name"]) for c in answer["cadres"])
        names.areas.update((a["code"], a["name"]) for a in answer["areas"])
    return names
