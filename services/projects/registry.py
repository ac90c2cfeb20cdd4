"""The registry, asked on the caller's behalf (with the caller's own token, so its scope applies): the
names of the villages a ledger shows, and which of the households a request names lie in the caller's
area (one outside it is simply unknown)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence

from fastapi import FastAPI, Request

from services.common.peers import call_peer, open_peer

# household id -> its village now, for the households of the caller's area among those asked
KnownHouseholds = Callable[[Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, str]]]
CHUNK = 5000  # the registry's limit per list and call


async def area_names(request: Request, codes: Iterable[str]) -> dict[str, str]:
    """Code → name of those among ``codes`` the registry knows in the caller's scope."""
    wanted, names = list(dict.fromkeys(codes)), dict[str, str]()
    for start in range(0, len(wanted), CHUNK):
        body = {"household_ids": [], "cadre_ids": [], "area_codes": wanted[start : start + CHUNK]}
        answer = await call_peer(
            request, request.app.state.registry_peer, "registry", "/internal/v1/names", body
        )
        names |= {area["code"]: area["name"] for area in answer["areas"]}
    return names


def registry_households(request: Request) -> KnownHouseholds:
    async def known(household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        wanted = [str(h) for h in dict.fromkeys(household_ids)]
        villages: dict[uuid.UUID, str] = {}
        for start in range(0, len(wanted), CHUNK):
            body = {"household_ids": wanted[start : start + CHUNK], "person_ids": [], "cadre_ids": []}
            peer = request.app.state.registry_peer
            answer = await call_peer(request, peer, "registry", "/internal/v1/references", body)
            villages |= {uuid.UUID(h["household_id"]): h["area_code"] for h in answer["households"]}
        return villages

    return known


async def open_peers(app: FastAPI) -> None:
    app.state.registry_peer = open_peer(app, "registry", app.state.settings.registry_url)


async def close_peers(app: FastAPI) -> None:
    if (peer := getattr(app.state, "registry_peer", None)) is not None:
        await peer.aclose()
