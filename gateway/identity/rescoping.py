"""Accounts of a merged-away village follow it into the village it was merged into (篇5: a cadre of
龙泉村 becomes a cadre of 黄金村), each move audited.

The registry owns merges and the gateway owns accounts, so the gateway reconciles: it asks the registry
which of its accounts' areas were merged away, and into what, and moves those accounts. It does so right
after it forwards a merge that succeeded (or a retry of one), and every minute. A reconciliation, not a
one-off event: a merge made at the command line, or a gateway that stopped between the registry's answer
and its own write, is put right by the next run, and a run that finds nothing to do changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import FastAPI

from gateway.identity.repository import UserRepository
from services.common.area_codes import NATIONAL_ROOT, is_village
from services.common.audit.trail import SESSION_KEY, AuditTrail, Outcome
from services.common.auth import Principal, PrincipalKind, Role

logger = logging.getLogger("fangpin.gateway")
INTERVAL_S = 60.0
CHUNK = 5000  # the registry's limit of codes per call
MERGES = Principal(
    id="gateway-merges",
    name="fangpin gateway: village merges",
    kind=PrincipalKind.system,
    role=Role.county_admin,
    scope=NATIONAL_ROOT,
)


async def successors(app: FastAPI, codes: list[str]) -> dict[str, str]:
    """Of these villages, those merged away, with the village each ended in (the registry answers)."""
    upstream = app.state.upstreams["registry"]
    found: dict[str, str] = {}
    for start in range(0, len(codes), CHUNK):
        token = app.state.identity.signer.sign(MERGES, "registry")
        answer = await upstream.client.post(
            "/internal/v1/references",
            json={"area_codes": codes[start : start + CHUNK]},
            headers={"authorization": f"Bearer {token}"},
        )
        answer.raise_for_status()
        found.update(answer.json().get("successors", {}))
    return found


async def follow_merges(app: FastAPI) -> int:
    """Move the accounts of merged-away villages into their successors; how many moved."""
    sessionmaker = app.state.database.sessionmaker
    async with sessionmaker() as session:
        codes = [code for code in await UserRepository(session).area_codes() if is_village(code)]
    merged = await successors(app, codes) if codes else {}
    if not merged:
        return 0
    moved: list[str] = []
    async with sessionmaker() as session, session.begin():
        trail = AuditTrail(
            method="TASK",
            route="village merges",
            request_id=None,
            address="local",
            client="fangpin gateway",
            principal=MERGES,
        )
        session.info[SESSION_KEY] = trail
        for user in await UserRepository(session).in_areas(sorted(merged)):
            old, new = user.area_code, merged[user.area_code]
            user.area_code, user.version = new, user.version + 1
            changes: dict[str, Any] = {"area_code": [old, new], "reason": [None, f"{old} merged into {new}"]}
            trail.record("user.rescope", "user", str(user.id), area_code=new, changes=changes)
            moved.append(str(user.id))
        await session.flush()
        await app.state.audit_store.append(session, trail, Outcome.success, status=None)
    for user_id in moved:  # this replica at once; others within the principal cache's lifetime
        app.state.identity.authenticator.forget(user_id)
    if moved:
        logger.info("village merges: %d accounts moved into the villages theirs were merged into", len(moved))
    return len(moved)


async def _run(app: FastAPI) -> None:
    while True:
        await asyncio.sleep(INTERVAL_S)
        try:
            await follow_merges(app)
        except asyncio.CancelledError:
            raise
        except Exception:  # the registry or the database away now may be back next time
            logger.exception("village merges: could not move accounts; trying again later")


def start_following_merges(app: FastAPI) -> None:
    app.state.merge_follower = asyncio.create_task(_run(app), name="follow-village-merges")


async def stop_following_merges(app: FastAPI) -> None:
    task = getattr(app.state, "merge_follower", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
