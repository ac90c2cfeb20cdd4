"""The households of an area on a day with their category then (脱贫户 escaped, 监测户 monitored, 一般农户
ordinary), asked of the registry with the caller's own token and scope: whom plans cover (``plans``) and
whom a screening round visits (``rounds``). The registry owns households and their periods; monitoring
keeps no copy of them, so the answer is always the registry's of that day."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from fastapi import Request

from services.common.peers import call_peer

PAGE = 5000  # the registry's page


@dataclass(frozen=True)
class Listed:
    household_id: uuid.UUID
    area_code: str  # its village now
    category: str  # on the day asked


async def roster(
    request: Request,
    within: str,
    on: date,
    categories: Iterable[str] | None = None,
    household_ids: Iterable[uuid.UUID] | None = None,
) -> list[Listed]:
    """Every household of ``within`` (a code prefix; the registry narrows it to the caller's scope)
    registered by ``on``, of those categories then (None: all), in id order."""
    wanted = sorted(categories) if categories is not None else None
    ids = [str(i) for i in sorted(set(household_ids))] if household_ids is not None else None
    found: list[Listed] = []
    chunks = [ids[s : s + PAGE] for s in range(0, len(ids), PAGE)] if ids is not None else [None]
    for chunk in chunks:
        after: str | None = None
        while True:
            body = {
                "within": within,
                "on": on.isoformat(),
                "categories": wanted,
                "household_ids": chunk,
                "after": after,
                "limit": PAGE,
            }
            answer = await call_peer(
                request, request.app.state.registry_peer, "registry", "/internal/v1/households/roster", body
            )
            rows = answer["households"]
            found.extend(Listed(uuid.UUID(r["household_id"]), r["area_code"], r["category"]) for r in rows)
            if len(rows) < PAGE:
                break
            after = rows[-1]["household_id"]
    return found
