"""The names of villages a projects ledger shows beside their codes, asked of the registry with the
caller's own token and scope (its areas only), once before a file starts streaming."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI, Request

from services.common.peers import call_peer, open_peer

CHUNK = 5000  # codes per call (the registry's limit)


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


async def open_peers(app: FastAPI) -> None:
    app.state.registry_peer = open_peer(app, "registry", app.state.settings.registry_url)


async def close_peers(app: FastAPI) -> None:
    if (peer := getattr(app.state, "registry_peer", None)) is not None:
        await peer.aclose()
