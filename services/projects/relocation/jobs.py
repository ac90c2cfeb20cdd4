"""The relocated people's follow-up (后续扶持): their work as the jobs service records it, asked on the
caller's behalf (its token: its role and scope apply) — each person's record in force on the date, of
the settlement's households, counted per settlement. Jobs owns employment; nothing of it is kept here."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import date

from fastapi import FastAPI, Request

from services.common.area_codes import PREFIX_LENGTH, prefix_of
from services.common.errors import FangpinError
from services.common.peers import get_from_peer, open_peer
from services.projects.relocation.schemas import EmployedCount, FollowUp

# Jobs' statuses of people working (its WORKING): away, local, a public-welfare post, self-employed.
WORKING = frozenset(
    {
        "away_out_of_province",
        "away_in_province",
        "away_in_county",
        "local",
        "public_welfare_post",
        "self_employed",
    }
)
PAGE = 500  # jobs' largest page
MAX_PAGES = 200


def common_area(villages: Iterable[str], scope_prefix: str) -> str:
    """The narrowest area prefix holding every village (and inside the caller's scope)."""
    common = os.path.commonprefix([prefix_of(v) for v in villages])
    level = max((n for n in PREFIX_LENGTH.values() if n <= len(common)), default=0)
    found = common[:level]
    return found if len(found) > len(scope_prefix) else scope_prefix


async def follow_up(
    request: Request, households: set[uuid.UUID], villages: Iterable[str], scope_prefix: str, as_of: date
) -> tuple[FollowUp | None, str | None]:
    """The households' people by work status on ``as_of``; None and why when jobs cannot say."""
    if not households:
        return FollowUp(people=0, working=0, by_status=[]), None
    params: dict[str, str | int] = {"as_of": as_of.isoformat(), "limit": PAGE}
    if area := common_area(villages, scope_prefix):
        params["area"] = area
    statuses: Counter[str] = Counter()
    client = getattr(request.app.state, "jobs_peer", None)
    try:
        for _ in range(MAX_PAGES):
            page = await get_from_peer(request, client, "jobs", "/api/v1/employment-records", params)
            for record in page["items"]:
                if uuid.UUID(record["household_id"]) in households:
                    statuses[record["status"]] += 1
            if not (cursor := page.get("next_cursor")):
                break
            params["cursor"] = cursor
    except FangpinError as exc:
        return None, f"the jobs service could not give the employment records: {exc}"
    by_status = [EmployedCount(status=s, people=n) for s, n in sorted(statuses.items())]
    working = sum(n for s, n in statuses.items() if s in WORKING)
    return FollowUp(people=sum(statuses.values()), working=working, by_status=by_status), None


async def open_jobs_peer(app: FastAPI) -> None:
    app.state.jobs_peer = open_peer(app, "jobs", app.state.settings.jobs_url)


async def close_jobs_peer(app: FastAPI) -> None:
    if (peer := getattr(app.state, "jobs_peer", None)) is not None:
        await peer.aclose()
