"""The demo's work team in 黄金村 and a quarter of its check-ins, from the seeds, loaded through the API.

篇5: the county office stations a team in 黄金村, 220 days a year in the village. The demo's team is three
members of the county's 乡村振兴局 (names illustrative) with their check-ins from January to March 2024:
the first secretary and the leader keep pace, the third member does not (40 days of 91: projected to
the year's end, short of 220). Check-ins are at the village's point (illustrative), one each morning.

Five rectification items (整改) in 黄金村 (illustrative, after 篇4): the tour's finding received 3/11, its
draft plan 3/16, due 3/30, closed (销号) — reported and submitted by the village's cadre, closed above it;
an audit finding past its deadline (overdue); one open, one in progress, one submitted for closing.
The session log of 安康市 gives 篇4's figures for 2025: 18 sessions for cadres (12 study, 6 training,
606 人次: "600余人次") and publicity for villagers (6 sessions, 1,230 人次: "1,200余人次").

An appraisal scheme (考核方案, illustrative) for 2025 at work-team level, set by the county: visits on
time, days in the village, items closed on time, households out of risk and labour employed, so the
scores of 黄金村's team as of a 2025 date have a result (篇5's "严格考核").

Ids are fixed (UUID 5), so loading again answers each create as a retry; a load already complete is
skipped after one look at the figures; an item's steps are taken only where its state still wants them.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from fangpin.demo_jobs import ok_json

NAMESPACE = uuid.UUID("5b0e2a8c-3d1f-4c6e-9a7b-2f4d6e8a0c13")
PREFECTURE, COUNTY, HUANGJIN = "610900000000", "610924000000", "610924105201"
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


async def load_oversight(
    client: httpx.AsyncClient, auth: dict[str, str], cadre_auth: dict[str, str] | None = None
) -> dict[str, int]:
    """The team and its check-ins, the rectification items (their steps taken by 黄金村's cadre,
    ``cadre_auth``, and closed by the administrator above it; without the cadre's sign-in the items
    stay open) and the session log."""
    created = await load_team(client, auth)
    created["rectifications"] = await load_rectifications(client, auth, cadre_auth)
    created["sessions"] = await load_sessions(client, auth)
    created["appraisal_schemes"] = await load_appraisal(client, auth)
    return created


async def load_team(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
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


def _item(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"rectification:{key}")),
        "area_code": HUANGJIN,
        "unit_name": "黄金村村委会",
        "person_name": "黄金村村支书",
        "milestones": [],
        **fields,
    }


def _report(key: str, on: str, text: str, milestone: int | None = None) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"rectification-report:{key}:{on}")),
        "reported_on": on,
        "text": text,
        "attachments": [f"demo/rectification/{key}/{on}.jpg"],
        "milestone": milestone,
    }


# (item, its reports, the steps after them: "submit", "close")
ITEMS: list[tuple[dict[str, Any], list[dict[str, Any]], tuple[str, ...]]] = [
    (
        _item(
            "tour-2025",
            source="inspection_tour",
            title="巡察反馈：监测对象信息更新不及时",
            problem="部分监测户家庭收入、务工信息未及时更新",
            measures="逐户入户核查，更新信息，建立动态管理台账",
            received_on="2025-03-11",
            deadline="2025-03-30",
            milestones=[
                {"label": "收到交办", "due_on": "2025-03-11"},
                {"label": "形成整改方案初稿", "due_on": "2025-03-16"},
                {"label": "整改完成", "due_on": "2025-03-30"},
            ],
        ),
        [
            _report("tour-2025", "2025-03-16", "形成整改方案初稿，明确责任人和时限", 1),
            _report("tour-2025", "2025-03-28", "完成全部监测户入户核查和信息更新", 2),
        ],
        ("submit", "close"),
    ),
    (
        _item(
            "audit-2025",
            source="audit",
            title="审计发现：公益岗位人员考勤记录不全",
            problem="村级公益岗位考勤记录缺失",
            measures="补齐考勤记录，建立月度考勤公示制度",
            received_on="2025-05-10",
            deadline="2025-06-30",
        ),
        [_report("audit-2025", "2025-06-10", "已补齐1至5月考勤记录")],
        (),
    ),
    (
        _item(
            "self-check-2026",
            source="self_check",
            title="自查：部分户档案资料不齐",
            problem="户档案中帮扶措施佐证材料不全",
            measures="逐户补齐帮扶措施佐证材料",
            received_on="2026-11-01",
            deadline="2027-03-31",
        ),
        [],
        (),
    ),
    (
        _item(
            "warning-2026",
            source="monitoring_warning",
            title="监测预警：因病支出骤增户帮扶措施落实",
            problem="两户因病支出骤增，帮扶措施待落实",
            measures="落实医疗救助和临时救助，跟踪回访",
            received_on="2026-10-15",
            deadline="2027-01-31",
        ),
        [_report("warning-2026", "2026-11-20", "已协助申请医疗救助")],
        (),
    ),
    (
        _item(
            "letter-2026",
            source="superior_letter",
            title="上级交办：村级集体经济台账规范",
            problem="村集体经济收支台账不规范",
            measures="按县级模板重建台账，按季度公示",
            received_on="2026-09-01",
            deadline="2027-06-30",
        ),
        [_report("letter-2026", "2026-11-30", "已按模板重建台账并公示")],
        ("submit",),
    ),
]


async def load_rectifications(
    client: httpx.AsyncClient, auth: dict[str, str], cadre_auth: dict[str, str] | None
) -> int:
    made = 0
    for body, reports, steps in ITEMS:
        response = await client.post("/api/v1/rectifications", json=body, headers=auth)
        item = ok_json(response, f"rectification {body['title']}")
        made += response.status_code == 201
        if cadre_auth is None:
            continue
        url = f"/api/v1/rectifications/{item['id']}"
        if item["state"] in ("open", "in_progress"):
            for report in reports:
                item = ok_json(await client.post(f"{url}/reports", json=report, headers=cadre_auth), "report")
        if "submit" in steps and item["state"] == "in_progress":
            item = ok_json(await client.post(f"{url}/submit", json={}, headers=cadre_auth), "submit")
        if "close" in steps and item["state"] == "submitted":
            closing = {"decision": "close", "on": reports[-1]["reported_on"]}  # closed on the day, on paper
            ok_json(await client.post(f"{url}/review", json=closing, headers=auth), "close")
    return made


def sessions() -> list[dict[str, Any]]:
    """篇4's year in 安康市's log: 18 sessions for cadres (606 人次) and 6 of publicity (1,230 人次)."""
    found = []
    plan = [("study", "cadres", 33, "学习巩固拓展脱贫攻坚成果政策")] * 12
    plan += [("training", "cadres", 35, "防返贫监测帮扶业务培训")] * 6
    plan += [("publicity", "villagers", 205, "防返贫政策进村宣讲")] * 6
    for n, (kind, audience, attendance, title) in enumerate(plan):
        found.append(
            {
                "id": str(uuid.uuid5(NAMESPACE, f"session:2025:{n}")),
                "area_code": PREFECTURE,
                "held_on": date(2025, 1 + n % 11, 5 + n // 11).isoformat(),
                "kind": kind,
                "audience": audience,
                "title": title,
                "place": "市乡村振兴局会议室" if audience == "cadres" else "各村村委会",
                "attendance": attendance,
            }
        )
    return found


async def load_sessions(client: httpx.AsyncClient, auth: dict[str, str]) -> int:
    made = 0
    for body in sessions():
        response = await client.post("/api/v1/study-sessions", json=body, headers=auth)
        ok_json(response, f"session {body['title']}")
        made += response.status_code == 201
    return made


def _rule(indicator: str, weight: int, full_at: int, zero_below: int) -> dict[str, Any]:
    return {"indicator": indicator, "weight": weight, "full_at": full_at, "zero_below": zero_below}


APPRAISAL_SCHEME: dict[str, Any] = {
    "area_code": COUNTY,
    "year": 2025,
    "level": "work_team",
    "indicators": [
        _rule("visit_compliance", 30, 90, 50),
        _rule("days_in_village", 25, 100, 50),
        _rule("tasks_closed_on_time", 25, 100, 0),
        _rule("risk_eliminated", 10, 50, 0),
        _rule("labour_employed", 10, 80, 30),
    ],
    "note": "紫阳县驻村工作队年度考核办法（示例）",
}


async def load_appraisal(client: httpx.AsyncClient, auth: dict[str, str]) -> int:
    """The county's 2025 scheme for work teams (a second load is a retry: 200, no new version)."""
    response = await client.put("/api/v1/appraisal-schemes", json=APPRAISAL_SCHEME, headers=auth)
    ok_json(response, "the 2025 appraisal scheme")
    return int(response.status_code == 201)
