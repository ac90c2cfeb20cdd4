"""A member's cadre id, asked of the registry on the caller's behalf (with the caller's own token, so
its scope applies): an id outside the caller's area is simply unknown, as if it did not exist."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI, Request

from services.common.peers import call_peer, open_peer

KnownCadres = Callable[[Sequence[uuid.UUID]], Awaitable[set[uuid.UUID]]]


def registry_cadres(request: Request) -> KnownCadres:
    async def known(cadre_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not cadre_ids:
            return set()
        body = {
            "household_ids": [],
            "person_ids": [],
            "cadre_ids": [str(c) for c in dict.fromkeys(cadre_ids)],
            "area_codes": [],
        }
        peer = request.app.state.registry_peer
        answer = await call_peer(request, peer, "registry", "/internal/v1/references", body)
        return {uuid.UUID(c["cadre_id"]) for c in answer["cadres"]}

    return known


async def open_peers(app: FastAPI) -> None:
    app.state.registry_peer = open_peer(app, "registry", app.state.settings.registry_url)


async def close_peers(app: FastAPI) -> None:
    if (peer := getattr(app.state, "registry_peer", None)) is not None:
        await peer.aclose()
