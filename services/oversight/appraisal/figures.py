"""The figures an appraisal reads: monitoring's and jobs' statistics of a village, asked on the caller's
behalf (its token, so its role and scope apply), and this service's presence and tasks. Each becomes an
``Outcome``; a figure that cannot be read says why instead of failing the whole answer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI, Request

from services.common.auth import bearer_token
from services.common.peers import open_peer
from services.oversight.appraisal.indicators import Outcome
from services.oversight.stats.schemas import MemberPresence

# Jobs' statuses of people working (its WORKING): away, local, a public-welfare post, self-employed.
WORKING = (
    "away_out_of_province",
    "away_in_province",
    "away_in_county",
    "local",
    "public_welfare_post",
    "self_employed",
)
CONCURRENT_CALLS = 8


@dataclass
class Answer:
    body: dict[str, Any] | None
    missing: str | None
    source: str


async def ask_peer(request: Request, name: str, path: str, params: dict[str, str]) -> Answer:
    """GET another service's figures with the caller's token; a refusal or silence is an answer too."""
    source = f"{name} GET {path}?" + "&".join(f"{k}={v}" for k, v in params.items())
    client: httpx.AsyncClient | None = getattr(request.app.state, f"{name}_peer", None)
    if client is None:
        return Answer(None, f"the {name} service is not configured here", source)
    headers = {"Authorization": f"Bearer {bearer_token(request)}"}
    if request_id := request.headers.get("x-request-id"):
        headers["X-Request-ID"] = request_id
    try:
        response = await client.get(path, params=params, headers=headers)
    except httpx.HTTPError:
        return Answer(None, f"the {name} service did not answer", source)
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail") or ""
        except ValueError:
            detail = ""
        return Answer(None, f"the {name} service answered {response.status_code} {detail}".rstrip(), source)
    return Answer(response.json(), None, source)


class PeerFigures:
    """Monitoring's and jobs' statistics per village, each asked once per request."""

    def __init__(self, request: Request, day: date) -> None:
        self.request, self.day = request, day
        self.monitoring: dict[str, Answer] = {}
        self.jobs: dict[str, Answer] = {}

    async def load(self, villages: Sequence[str], *, monitoring: bool, jobs: bool) -> None:
        limit = asyncio.Semaphore(CONCURRENT_CALLS)

        async def one(store: dict[str, Answer], name: str, path: str, village: str) -> None:
            async with limit:
                params = {"area": village, "as_of": self.day.isoformat()}
                store[village] = await ask_peer(self.request, name, path, params)

        calls = []
        for village in sorted(set(villages)):
            if monitoring:
                calls.append(one(self.monitoring, "monitoring", "/api/v1/monitoring-stats", village))
            if jobs:
                calls.append(one(self.jobs, "jobs", "/api/v1/employment-stats", village))
        await asyncio.gather(*calls)

    def visits(self, village: str, cadre_id: uuid.UUID | None = None, *, of_cadre: bool = False) -> Outcome:
        answer = self.monitoring[village]
        if answer.body is None:
            return Outcome(missing=answer.missing, source=answer.source)
        tally: dict[str, Any] | None = answer.body.get("visits")
        if tally is None:
            return Outcome(
                missing="your role may not read the cadres' pairings it is counted from", source=answer.source
            )
        if of_cadre:
            if cadre_id is None:
                return Outcome(missing="the member is not one of the registry's cadres", source=answer.source)
            mine = [c for c in answer.body.get("visits_by_cadre") or [] if c["cadre_id"] == str(cadre_id)]
            tally = mine[0] if mine else {"pairings": 0, "visited": 0, "not_yet_due": 0, "overdue": 0}
        figures = {k: int(tally[k]) for k in ("pairings", "visited", "not_yet_due", "overdue")}
        return Outcome(
            figures, figures["visited"], figures["visited"] + figures["overdue"], source=answer.source
        )

    def risk(self, village: str) -> Outcome:
        answer = self.monitoring[village]
        if answer.body is None:
            return Outcome(missing=answer.missing, source=answer.source)
        states = {s["state"]: int(s["households"]) for s in answer.body["cases_by_state"]}
        monitored = int(answer.body["monitored"]["households"])
        figures = {"eliminated": states.get("eliminated", 0), "monitored": monitored}
        return Outcome(
            figures, figures["eliminated"], figures["eliminated"] + monitored, source=answer.source
        )

    def labour(self, village: str) -> Outcome:
        answer = self.jobs[village]
        if answer.body is None:
            return Outcome(missing=answer.missing, source=answer.source)
        status = {s["status"]: int(s["current"]) for s in answer.body["by_status"]}
        people = int(answer.body["people"]["current"])
        working = sum(status.get(s, 0) for s in WORKING)
        figures = {"people": people, "working": working, "unable": status.get("unable", 0)}
        return Outcome(figures, working, people - figures["unable"], source=answer.source)


def presence_outcome(members: Sequence[MemberPresence], day: date) -> Outcome:
    figures = {
        "members": len(members),
        "days_present": sum(m.days_present for m in members),
        "projected_days": sum(m.projected_days for m in members),
        "target_days": sum(m.target_days for m in members),
        "behind": sum(m.behind for m in members),
    }
    # A member ahead of target does not make up for one behind: each counts up to their target.
    numerator = sum(min(m.projected_days, m.target_days) for m in members)
    source = f"oversight /presence as_of={day.isoformat()}"
    return Outcome(figures, numerator, figures["target_days"], source=source)


def tasks_outcome(counts: tuple[int, int, int, int] | None, village: str, day: date) -> Outcome:
    counted, on_time, late, open_overdue = counts or (0, 0, 0, 0)
    figures = {
        "counted": counted,
        "closed_on_time": on_time,
        "closed_late": late,
        "open_past_deadline": open_overdue,
    }
    source = f"oversight /rectifications area={village} as_of={day.isoformat()}"
    return Outcome(figures, on_time, counted, source=source)


async def open_figure_peers(app: FastAPI) -> None:
    settings = app.state.settings
    app.state.monitoring_peer = open_peer(app, "monitoring", settings.monitoring_url)
    app.state.jobs_peer = open_peer(app, "jobs", settings.jobs_url)
    app.state.projects_peer = open_peer(app, "projects", settings.projects_url)


async def close_figure_peers(app: FastAPI) -> None:
    for name in ("monitoring_peer", "jobs_peer", "projects_peer"):
        if (peer := getattr(app.state, name, None)) is not None:
            await peer.aclose()
