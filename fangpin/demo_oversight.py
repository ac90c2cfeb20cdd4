"""The demo's work team in 黄金村 and a quarter of its check-ins, from the seeds, loaded through the API.

篇5: the county office stations a team in 黄金村, 220 days a year in the village. The demo's team is three
members of the county's 乡村振兴局 (names illustrative) with their check-ins from January to March 2024:
the first secretary and the leader keep pace, the third member does not (40 days of 91: projected to
the year's end, short of 220). Check-ins are at the village's point (illustrative), one each morning.

Ids are fixed (UUID 5), so loading again answers each create as a retry; a load already complete is
skipped after one look at the figures.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from fangpin.demo_jobs import ok_json

NAMESPACE = uuid.UUID("5b0e2a8c-3d1f-4c6e-9a7b-2f4d6e8a0c13")
COUNTY, HUANGJIN = "610924000000", "610924105201"
LAT, LON = 32.52, 108.53  # illustrative
QUARTER_START = date(2024, 1, 1)
UNIT = {
    "id": str(uuid.uuid5(NAMESPACE, "unit:county-office")),
    "name": "紫阳县乡村振兴局",
    "level": "county",
    "area_code": COUNTY,
    "villages": [HUANGJIN],
}
# (key, name, role, days checked in from 1 January)
MEMBERS = (
    ("secretary", "陈书记", "first_secretary", 60),
    ("leader", "刘队长", "leader", 58),
    ("member", "周队员", "member", 40),
)
TEAM: dict[str, Any] = {
    "id": str(uuid.uuid5(NAMESPACE, "team:huangjin-2024")),
    "village_code": HUANGJIN,
    "unit_id": UNIT["id"],
    "starts_on": "2024-01-01",
    "ends_on": "2025-12-31",
    "members": [
        {
            "id": str(uuid.uuid5(NAMESPACE, f"member:{key}")),
            "name": name,
            "role": role,
            "starts_on": "2024-01-01",
        }
        for key, name, role, _ in MEMBERS
    ],
}


def check_ins() -> list[dict[str, Any]]:
    found = []
    for (key, _, _, days), member in zip(MEMBERS, TEAM["members"], strict=True):
        for n in range(days):
            day = QUARTER_START + timedelta(days=n)
            found.append(
                {
                    "id": str(uuid.uuid5(NAMESPACE, f"check-in:{key}:{day}")),
                    "member_id": member["id"],
                    "at": f"{day.isoformat()}T08:30:00+08:00",
                    "latitude": LAT,
                    "longitude": LON,
                }
            )
    return found


async def load_oversight(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    ok_json(await client.post("/api/v1/support-units", json=UNIT, headers=auth), "the county office")
    made = await client.post("/api/v1/work-teams", json=TEAM, headers=auth)
    ok_json(made, "黄金村's work team")
    params = {"area": HUANGJIN, "as_of": "2024-03-31"}
    figures = ok_json(await client.get("/api/v1/oversight-stats", params=params, headers=auth), "presence")
    wanted = check_ins()
    if figures["days_present"] >= sum(days for *_, days in MEMBERS):
        return {"work_teams": 0, "check_ins": 0}
    # One batch, as a phone that kept them offline sends them (and one request, not 158, to the gateway).
    sent = await client.post("/api/v1/check-ins/batch", json={"items": wanted}, headers=auth)
    answer = ok_json(sent, "the quarter's check-ins")
    if answer["failed"]:
        raise RuntimeError(f"demo check-ins: {answer['failed']} refused: {sent.text[:500]}")
    return {"work_teams": 1 if made.status_code == 201 else 0, "check_ins": answer["created"]}
