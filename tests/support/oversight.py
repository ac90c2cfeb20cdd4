"""Oversight bodies for the tests: 篇5's county office stationing a team in 黄金村, and a check-in."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.registry import COUNTY, HUANGJIN

# 黄金村's point, near enough (a check-in 0.01° away is about 1.1 km off; 0.05° about 5.6 km).
LAT, LON = 33.0, 108.0


def unit_body(area_code: str = COUNTY, villages: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "name": "县乡村振兴局",
        "level": "county",
        "area_code": area_code,
        "villages": villages or [HUANGJIN],
    }
    return body | fields


def team_body(unit_id: str, village: str = HUANGJIN, **fields: Any) -> dict[str, Any]:
    """A team of three from the unit (篇5: the county office's), from 2024-01-01."""
    body = {
        "id": str(uuid.uuid4()),
        "village_code": village,
        "unit_id": unit_id,
        "starts_on": "2024-01-01",
        "members": [
            {
                "id": str(uuid.uuid4()),
                "name": "王书记",
                "role": "first_secretary",
                "starts_on": "2024-01-01",
                "phone": "13800000001",
            },
            {"id": str(uuid.uuid4()), "name": "李队长", "role": "leader", "starts_on": "2024-01-01"},
            {"id": str(uuid.uuid4()), "name": "张队员", "role": "member", "starts_on": "2024-01-01"},
        ],
    }
    return body | fields


def check_in_body(member_id: str, at: str = "2024-03-01T09:00:00+08:00", **fields: Any) -> dict[str, Any]:
    body = {"id": str(uuid.uuid4()), "member_id": member_id, "at": at, "latitude": LAT, "longitude": LON}
    return body | fields


def leave_body(member_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "member_id": member_id,
        "starts_on": "2024-05-01",
        "ends_on": "2024-05-07",
        "reason": "探亲",
    }
    return body | fields


def rectification_body(area_code: str = HUANGJIN, **fields: Any) -> dict[str, Any]:
    """篇4's item: a tour's finding received 3/11, a draft plan by 3/16, due 3/30."""
    body = {
        "id": str(uuid.uuid4()),
        "area_code": area_code,
        "source": "inspection_tour",
        "title": "监测对象动态管理不到位",
        "problem": "部分监测户信息更新不及时",
        "measures": "逐户核查，更新信息，建立台账",
        "unit_name": "蒿坪镇人民政府",
        "person_name": "李镇长",
        "received_on": "2025-03-11",
        "deadline": "2025-03-30",
        "milestones": [
            {"label": "收到交办", "due_on": "2025-03-11"},
            {"label": "形成整改方案初稿", "due_on": "2025-03-16"},
            {"label": "整改完成", "due_on": "2025-03-30"},
        ],
    }
    return body | fields


def report_body(**fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "reported_on": "2025-03-16",
        "text": "已逐户核查并更新信息",
        "attachments": ["photos/2025-03-16-1.jpg", "files/核查清单.xlsx"],
    }
    return body | fields


def session_body(area_code: str = HUANGJIN, **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "area_code": area_code,
        "held_on": "2025-03-20",
        "kind": "study",
        "audience": "cadres",
        "title": "学习巩固拓展脱贫攻坚成果政策",
        "place": "镇政府会议室",
        "attendance": 35,
    }
    return body | fields


def contact_body(cadre: str, household: str, method: str = "phone", **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "cadre_id": cadre,
        "household_id": household,
        "method": method,
        "at": "2025-04-02T10:00:00+08:00",
    }
    return body | fields
