"""The other services' figures of a unit's villages, asked on the caller's behalf (its token: its role
and scope apply): projects' /project-stats and jobs' /training-stats on the period's last day and the
day before it began (the period's own figures are the difference), monitoring's visits on the last day.
A figure a service cannot give is listed as missing with the reason, never a failure of the report."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from fastapi import Request

from services.oversight.appraisal.figures import CONCURRENT_CALLS, Answer, ask_peer
from services.oversight.unit_report.schemas import (
    Missing,
    VillageFigures,
    VillageProjects,
    VillageTraining,
    VillageVisits,
)

PATHS = {
    "projects": ("projects", "/api/v1/project-stats"),
    "training": ("jobs", "/api/v1/training-stats"),
    "visits": ("monitoring", "/api/v1/monitoring-stats"),
}


def _missing(figure: str, village: str, answers: Sequence[Answer]) -> Missing | None:
    for answer in answers:
        if answer.body is None:
            reason = answer.missing or ""
            return Missing(figure=figure, village_code=village, reason=reason, source=answer.source)
    return None


def _projects(now: dict[str, Any], before: dict[str, Any]) -> VillageProjects:
    return VillageProjects(
        projects=int(now["projects"]),
        projects_added=int(now["projects"]) - int(before["projects"]),
        budget_fen=int(now["budget_fen"]),
        paid_fen=int(now["paid_fen"]),
        paid_in_period_fen=int(now["paid_fen"]) - int(before["paid_fen"]),
    )


def _training(now: dict[str, Any], before: dict[str, Any]) -> VillageTraining:
    return VillageTraining(**{k: int(now[k]) - int(before[k]) for k in ("enrolled", "completed", "placed")})


async def village_figures(
    request: Request, villages: Sequence[str], first: date, last: date
) -> tuple[list[VillageFigures], list[Missing]]:
    limit = asyncio.Semaphore(CONCURRENT_CALLS)
    answers: dict[tuple[str, str, date], Answer] = {}

    async def one(figure: str, village: str, day: date) -> None:
        name, path = PATHS[figure]
        async with limit:
            params = {"area": village, "as_of": day.isoformat()}
            answers[(figure, village, day)] = await ask_peer(request, name, path, params)

    before = first - timedelta(days=1)
    calls = [one(f, v, d) for v in villages for f in ("projects", "training") for d in (before, last)]
    calls += [one("visits", v, last) for v in villages]
    await asyncio.gather(*calls)

    found, missing = [], []
    for village in villages:
        row = VillageFigures(village_code=village, projects=None, visits=None, training=None)
        pair = [answers[("projects", village, d)] for d in (last, before)]
        if (gone := _missing("projects", village, pair)) is not None:
            missing.append(gone)
        else:
            row.projects = _projects(pair[0].body or {}, pair[1].body or {})
        pair = [answers[("training", village, d)] for d in (last, before)]
        if (gone := _missing("training", village, pair)) is not None:
            missing.append(gone)
        else:
            row.training = _training(pair[0].body or {}, pair[1].body or {})
        visits = answers[("visits", village, last)]
        if (gone := _missing("visits", village, [visits])) is not None:
            missing.append(gone)
        elif (tally := (visits.body or {}).get("visits")) is None:
            reason = "your role may not read the cadres' pairings visits are counted from"
            gone = Missing(figure="visits", village_code=village, reason=reason, source=visits.source)
            missing.append(gone)
        else:
            row.visits = VillageVisits(**{k: int(tally[k]) for k in VillageVisits.model_fields})
        found.append(row)
    return found, missing
