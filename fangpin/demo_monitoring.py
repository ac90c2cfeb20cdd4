"""The demo's assistance cadres (帮扶干部) in 黄金村 and their door-to-door visits, through the API.

篇1: after a household left poverty, its assistance cadre still visits it at least once a quarter. The
demo pairs each 脱贫户 of 黄金村 with one of six cadres and gives each pairing its visits: most were
visited within the last quarter, one in seven last visited four to five months ago (so the compliance
list has overdue visits to show), and a few visits found a guarantee problem (a member without medical
insurance, a D-grade house) and raised alerts. Names, units and dates are illustrative; no income line
is set (that is the county's policy to configure).

Cadre ids are fixed (UUID 5) and pairing again changes nothing; the visits are posted last, in one
batch (one transaction), so a load that has visits is complete and is skipped.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from fangpin.demo_jobs import ok_json
from services.common.calendar import china_today

logger = logging.getLogger("fangpin.demo")

NAMESPACE = uuid.UUID("0b9d8a52-3c1e-4f6a-8e2d-7a4c5b6e9f10")
HUANGJIN = "610924105201"
CADRES = [
    ("陈志强", "紫阳县农业农村局"),
    ("刘海燕", "紫阳县人力资源和社会保障局"),
    ("赵建华", "蒿坪镇人民政府"),
    ("孙丽萍", "蒿坪镇人民政府"),
    ("周文斌", "驻村工作队"),
    ("吴秀兰", "黄金村村民委员会"),
]
OVERDUE_EVERY = 7  # one pairing in seven (spread over the six cadres) was last visited over a quarter ago
PROBLEM_EVERY = 25  # one visit in 25 finds a guarantee problem


async def load_monitoring(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    have = await client.get("/api/v1/inspections", params={"within": HUANGJIN, "limit": 1}, headers=auth)
    if ok_json(have, "visits of 黄金村")["items"]:
        logger.info("demo cadres and visits already loaded")
        return {"cadres": 0, "pairings": 0, "visits": 0}
    households = await _escaped_households(client, auth)
    members = await _members(client, auth)
    cadres = [await _cadre(client, auth, name, unit) for name, unit in CADRES]
    paired_on = date(china_today().year - 1, 1, 1)
    made = 0
    for n, household in enumerate(households):
        body = {"household_id": household["id"], "starts_on": paired_on.isoformat()}
        response = await client.post(
            f"/api/v1/cadres/{cadres[n % len(cadres)]}/assignments", json=body, headers=auth
        )
        ok_json(response, f"pairing of household {household['number']}")
        made += response.status_code == 201
    visits = [_visit(n, h, cadres[n % len(cadres)], members[h["id"]]) for n, h in enumerate(households)]
    posted = ok_json(
        await client.post("/api/v1/inspections/batch", json={"items": visits}, headers=auth), "visits"
    )
    if posted["failed"]:
        raise RuntimeError(f"demo visits: {[i['error'] for i in posted['items'] if i.get('error')][:3]}")
    return {"cadres": len(cadres), "pairings": made, "visits": posted["created"]}


async def _pages(client: httpx.AsyncClient, auth: dict[str, str], path: str, params: dict) -> list[dict]:
    items: list[dict] = []
    params = {**params, "limit": 500}
    while True:
        page = ok_json(await client.get(path, params=params, headers=auth), path)
        items += page["items"]
        if page["next_cursor"] is None:
            return items
        params["cursor"] = page["next_cursor"]


async def _escaped_households(client: httpx.AsyncClient, auth: dict[str, str]) -> list[dict]:
    """黄金村's 脱贫户, in household-number order (the pairing of each is fixed by it)."""
    found = await _pages(client, auth, "/api/v1/households", {"within": HUANGJIN, "category": "escaped"})
    return sorted(found, key=lambda h: h["number"])


async def _members(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, list[dict]]:
    """The living people of 黄金村 by household."""
    people = await _pages(client, auth, "/api/v1/people", {"within": HUANGJIN, "include_deceased": "false"})
    households: dict[str, list[dict]] = {}
    for person in people:
        households.setdefault(person["household_id"], []).append(person)
    return households


async def _cadre(client: httpx.AsyncClient, auth: dict[str, str], name: str, unit: str) -> str:
    body = {
        "id": str(uuid.uuid5(NAMESPACE, f"cadre:{name}")),
        "area_code": HUANGJIN,
        "name": name,
        "unit": unit,
    }
    return ok_json(await client.post("/api/v1/cadres", json=body, headers=auth), f"cadre {name}")["id"]


def _visit(n: int, household: dict, cadre: str, members: list[dict]) -> dict[str, Any]:
    """The pairing's latest visit: within the last quarter, or (one in seven) four to five months ago;
    everyone insured unless this is a visit that finds a problem."""
    today = china_today()
    days_ago = 120 + n % 30 if n % OVERDUE_EVERY == 0 else 5 + n % 80
    day = today - timedelta(days=days_ago)
    problem = n % PROBLEM_EVERY == 3
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"visit:{household['id']}:{day}")),
        "household_id": household["id"],
        "area_code": household["area_code"],
        "cadre_id": cadre,
        "visited_at": f"{day}T10:30:00+08:00",
        "household_size": len(members),
        "food_secure": True,
        "clothing_secure": True,
        "medical_insurance": [
            {"person_id": p["id"], "name": p["name"], "insured": not (problem and n % 2 and i == 0)}
            for i, p in enumerate(members)
        ],
        "housing_grade": "D" if problem and not n % 2 else "A",
        "water": {"enough": True, "quality_ok": True, "convenient": True, "reliable": True},
    }
