"""Monitored households (监测户) the one way they are made: the county's cases, here past cases brought
in through `POST /api/v1/case-imports` and their events delivered to the registry, whose 监测户 periods
and category follow (services/registry/programmes/monitored.py). No test sets `category: monitored`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import httpx
from fastapi import FastAPI

from services.common.calendar import china_today
from tests.support.events import deliver, relay_of

URL = "/api/v1/case-imports"


def past_case(
    household: dict, identified_on: str, eliminated_on: str | None = None, **fields: object
) -> dict[str, object]:
    """A past case of ``household`` (its type: 脱贫不稳定户 for a 脱贫户, else 边缘易致贫户)."""
    kind = "unstable" if household.get("category") == "escaped" else "marginal"
    body = {
        "id": str(uuid.uuid4()),
        "household_id": household["id"],
        "monitoring_type": kind,
        "risk_codes": ["low_income"],
        "identified_on": identified_on,
    }
    return body | ({"eliminated_on": eliminated_on} if eliminated_on else {}) | fields


async def enrol_past(
    admin: httpx.AsyncClient,
    system: FastAPI,
    households: Sequence[dict],
    identified_on: str | None = None,
    eliminated_on: str | None = None,
) -> list[dict]:
    """Enrol ``households`` as 监测户 from ``identified_on`` (default today; ended the day before
    ``eliminated_on``), and deliver the events, so the registry has them when this returns."""
    day = identified_on or str(china_today())
    return await enrol_cases(admin, system, [past_case(h, day, eliminated_on) for h in households])


async def enrol_cases(admin: httpx.AsyncClient, system: FastAPI, items: list[dict]) -> list[dict]:
    """Import ``items`` (each created) and deliver their enrolments and exits to the registry."""
    answer = await admin.post(URL, json={"items": items})
    assert answer.status_code == 200, answer.text
    assert [i["status"] for i in answer.json()["items"]] == ["created"] * len(items), answer.text
    events = sum(2 if item.get("eliminated_on") else 1 for item in items)
    assert await deliver(relay_of(system, "monitoring"), events) == events
    return items
