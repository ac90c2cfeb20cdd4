"""The demo's figures that came from the seeds' own counts, and households' requests, through the API.

篇1: "截至5月底全镇脱贫人口外出务工882人、边缘易致贫人口外出18人" — the town's (双丰镇 here) working-age
脱贫户 members and its 边缘易致贫户 (enrolled by fangpin/demo_cases.py) are recorded as working away on
31 May, named by ID number as a 人社 system would; the employment figures split them by type.
篇1 also asks cadres to help households with their reasonable requests (合理诉求): four requests of
黄金村's 脱贫户, one resolved to the household's satisfaction, one explained, one being handled and one
overdue (unanswered 5 days past its due date). (篇5's 64 and 46 come from the households themselves:
fangpin/demo_households.py.)

Ids are fixed (UUID 5), so loading again answers each create as a retry.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx

from fangpin.demo_households import SHUANGFENG_VILLAGES, demo_households
from fangpin.demo_jobs import ok_json
from services.common.calendar import china_today

NAMESPACE = uuid.UUID("9e3b1c55-2d4f-4a7e-8b6c-0d1e2f3a4b5c")
HUANGJIN = "610924105201"
AWAY_ESCAPED, AWAY_MARGINAL = 882, 18
BATCH = 500


def _may_31() -> date:
    today = china_today()
    this_year = date(today.year, 5, 31)
    return this_year if this_year <= today else date(today.year - 1, 5, 31)


def _working_away() -> list[str]:
    """ID numbers of 882 working-age members of the town's 脱贫户 and 18 of its 边缘易致贫户."""
    on = _may_31()
    escaped: list[str] = []
    marginal: list[str] = []
    for group, household in demo_households():
        if group.villages != SHUANGFENG_VILLAGES or not (group.category == "escaped" or group.enrolled):
            continue
        chosen = marginal if group.enrolled else escaped
        for person in household.members:
            age = on.year - person.birth_date.year
            if 16 <= age < 60 and person.labour_ability in ("full", "weak"):
                chosen.append(person.national_id)
    return escaped[:AWAY_ESCAPED] + marginal[:AWAY_MARGINAL]


async def load_figures(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    national_ids = _working_away()
    on = _may_31().isoformat()
    items = [
        {
            "id": str(uuid.uuid5(NAMESPACE, f"away:{number}")),
            "national_id": number,
            "status": "away_out_of_province",
            "source": "door_to_door",
            "reported_on": on,
        }
        for number in national_ids
    ]
    created = 0
    for start in range(0, len(items), BATCH):
        answer = ok_json(
            await client.post(
                "/api/v1/employment-records/batch", json={"items": items[start : start + BATCH]}, headers=auth
            ),
            "employment records of those working away",
        )
        if answer["failed"]:
            raise RuntimeError(f"demo away: {[i['error'] for i in answer['items'] if i.get('error')][:3]}")
        created += answer["created"]
    return {"away": created} | await load_requests(client, auth)


Step = tuple[str, str | None, str | None]  # action, note, feedback
REQUESTS: list[tuple[str, str, str, list[Step]]] = [  # topic, what is asked, handler, steps
    ("medical", "户主慢性病门诊费用报销比例不清楚，希望帮助办理慢病卡", "镇医保办",
     [("handle", None, None), ("resolve", "已办理慢性病门诊卡，报销比例70%", None),
      ("feedback", None, "satisfied")]),
    ("housing", "房屋后墙开裂，希望纳入危房改造", "镇住建办",
     [("explain", "经鉴定为B级，不属于危房改造范围；已安排村里协助修补", None),
      ("feedback", "理解", "basically_satisfied")]),
    ("employment", "儿子初中毕业在家，希望推荐就近务工", "驻村工作队",
     [("handle", "已联系县职教中心", None)]),
    ("water", "自来水夏季经常停水", "村委会", []),
]  # fmt: skip


async def load_requests(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    page = ok_json(
        await client.get(
            "/api/v1/households",
            params={"within": HUANGJIN, "category": "escaped", "limit": 500},
            headers=auth,
        ),
        "households of 黄金村",
    )
    households = sorted(page["items"], key=lambda h: h["number"])[: len(REQUESTS)]
    today, made = china_today(), 0
    for n, (household, (topic, content, handler, steps)) in enumerate(
        zip(households, REQUESTS, strict=False)
    ):
        received = today - timedelta(days=40 - 5 * n)
        body = {
            "id": str(uuid.uuid5(NAMESPACE, f"request:{household['number']}")),
            "household_id": household["id"],
            "area_code": household["area_code"],
            "channel": "phone_call",
            "topic": topic,
            "content": content,
            "received_on": received.isoformat(),
            "handler_name": handler,
            "due_on": (received + timedelta(days=45 if n == 2 else 20)).isoformat(),
        }
        response = await client.post("/api/v1/household-requests", json=body, headers=auth)
        request = ok_json(response, f"request of household {household['number']}")
        if response.status_code != 201:
            continue  # there already, with its steps
        made += 1
        for i, (action, note, feedback) in enumerate(steps):
            step = {
                "action": action,
                "base_version": request["version"],
                "on": (received + timedelta(days=3 + 4 * i)).isoformat(),
            }
            step |= {"note": note} if note else {}
            step |= {"feedback": feedback} if feedback else {}
            request = ok_json(
                await client.post(
                    f"/api/v1/household-requests/{request['id']}/steps", json=step, headers=auth
                ),
                f"step {action} of request {request['id']}",
            )
    return {"requests": made}
