"""Plans for everyone and a screening round (issue #23): 黄金村's 128 脱贫户 each get a plan (一户一方案)
with one measure, whether or not a case is open, so its coverage is 100%; 龙泉村's 53 have none yet (0%);
and the county opens a screening round of the town's 脱贫户 for the second quarter of 2025 (拉网式大排查),
which the village phones get in their monitoring feed.

Ids are fixed (UUID 5), so loading again answers each measure and the round as a retry (200).
"""

from __future__ import annotations

import uuid

import httpx

from fangpin.demo_households import HUANGJIN
from fangpin.demo_jobs import ok_json

NAMESPACE = uuid.UUID("8a9b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
TOWN = "610924105000"  # 黄金村 and 龙泉村's town
KINDS = [
    ("industry", "发展茶叶种植，技术员包户指导"),
    ("employment", "推荐县内务工，稳岗跟踪"),
    ("health", "家庭医生签约服务"),
]
ROUND = {
    "name": "2025年第二季度防返贫拉网式大排查",
    "area_code": TOWN,
    "starts_on": "2025-04-01",
    "ends_on": "2025-06-30",
    "households": "escaped",
}


async def load_plans(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    made = 0
    params: dict[str, str | int] = {"within": HUANGJIN, "category": "escaped", "limit": 500}
    households = ok_json(await client.get("/api/v1/households", params=params, headers=auth), "plans")[
        "items"
    ]
    for index, household in enumerate(households):
        kind, description = KINDS[index % len(KINDS)]
        body = {
            "id": str(uuid.uuid5(NAMESPACE, household["id"])),
            "kind": kind,
            "description": description,
            "starts_on": "2025-03-01",
        }
        answer = await client.post(f"/api/v1/plans/{household['id']}/measures", json=body, headers=auth)
        ok_json(answer, "plan")
        made += answer.status_code == 201
    body = ROUND | {"id": str(uuid.uuid5(NAMESPACE, ROUND["name"]))}
    opened = await client.post("/api/v1/screening-rounds", json=body, headers=auth)
    ok_json(opened, "screening round")
    return {"plan measures": made, "screening rounds": int(opened.status_code == 201)}
