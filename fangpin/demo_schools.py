"""The demo's school district (篇2), in 蒿坪镇: 控辍保学 and 教育资助.

The police population data (公安) names 3,128 children of 6–15 in the town's three villages, checked
against the school roll: 3,000 study in the town, 100 in other towns of the county, 25 outside it,
two are taught at home (送教上门), one had not been found out yet. Every one studying has its proof of
enrolment (取证) but five outside the county, four of them one family whose parents will not give the
proof (户号 HK-0004): 3,120 of 3,125 proven, 篇2's 99.84%. The one not yet found out has dropped out
(working away) and has been found and persuaded, not yet back.

Student aid of the 2024–2025 school year for six students of 黄金村: university aid, a new student's
travel aid, the 400元 for an extremely poor left-behind child, and six student loans (生源地助学贷款):
five done by 12 September (83%), the last on the 14th (100%, 篇2's "一天半"). Names, numbers and
amounts are illustrative.

Record ids are fixed, so loading again answers each record as a duplicate and changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from fangpin.demo_jobs import ok_json

TOWN = "610924105000"
VILLAGES = ("610924105201", "610924105202", "610924105203")  # 黄金村, 龙泉村, 双河村
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
YEAR = 2024


def _number(n: int) -> str:
    """A valid ID number for demo child ``n``: born 2013–2018 (6–15 today), unique by date and serial."""
    born = date(2013 + n % 6, 1 + n // 6 % 12, 1 + n // 72 % 28)
    first17 = f"610924{born:%Y%m%d}{n % 1000:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def demo_children() -> list[dict[str, Any]]:
    places: list[str | None] = []
    for where, count in (("this_town", 3000), ("other_town", 100), ("outside_county", 25)):
        places += [where] * count
    places += ["home_schooling", "home_schooling", None]
    children = []
    for n, place in enumerate(places):
        child: dict[str, Any] = {
            "record_id": f"GA-2024-{n:05d}",
            "national_id": _number(n),
            "name": f"学生{n:04d}",
            "area_code": VILLAGES[n % 3],
            "family_ref": f"HK-{n // 3:04d}" if not 3120 <= n < 3124 else "HK-0004",
        }
        if place is not None:
            school = {"this_town": "蒿坪镇中心小学", "other_town": "紫阳县城关中学"}.get(place, "外县学校")
            child |= {"study_place": place, "school": "送教上门" if place == "home_schooling" else school}
        if place in ("this_town", "other_town") or (place == "outside_county" and n < 3120):
            child |= {"proven_on": "2024-11-20", "proof_document": "在读证明"}
        children.append(child)
    return children


async def load_schools(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    made = {"school_children": 0, "student_aid": 0}
    children = demo_children()
    last: dict[str, Any] = {}
    for start in range(0, len(children), 1000):
        batch = {"records": children[start : start + 1000]}
        answer = ok_json(
            await client.post("/api/v1/school-children/population/batch", json=batch, headers=auth),
            "school children",
        )
        made["school_children"] += answer["created"]
        last = answer["items"][-1]
    if last.get("child_id"):  # a duplicate (loaded before) names no child: its steps were taken then
        await _dropped_out(client, auth, last["child_id"])
    made["student_aid"] = await _aid(client, auth)
    return made


async def _dropped_out(client: httpx.AsyncClient, auth: dict[str, str], child_id: str) -> None:
    """Found out of school, found and persuaded; left as it is when loaded before (its version moved)."""
    url = f"/api/v1/school-children/{child_id}"
    child = ok_json(await client.get(url, headers=auth), "the child out of school")
    if child["version"] != 1:
        return
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", url, {"study_place": "not_in_school", "out_of_school_reason": "初二辍学，外出务工"}),
        ("POST", f"{url}/return-steps", {"step": "found", "on": "2024-11-05"}),
        ("POST", f"{url}/return-steps", {"step": "persuaded", "on": "2024-11-18"}),
    ]
    for version, (method, path, body) in enumerate(steps, 1):
        response = await client.request(method, path, json=body | {"base_version": version}, headers=auth)
        ok_json(response, "the child out of school")


async def _aid(client: httpx.AsyncClient, auth: dict[str, str]) -> int:
    params: dict[str, str | int] = {"within": VILLAGES[0], "limit": 6}
    people = ok_json(await client.get("/api/v1/people", params=params, headers=auth), "people of 黄金村")
    students = [p["id"] for p in people["items"]]
    records: list[dict[str, Any]] = []
    for n, person in enumerate(students):
        loan_day = "2024-09-14" if n == len(students) - 1 else "2024-09-12"
        records.append({"person_id": person, "kind": "loan", "amount_fen": 800000, "paid_on": loan_day})
        if n < 3:
            records.append(
                {"person_id": person, "kind": "university", "amount_fen": 300000, "paid_on": "2024-10-15"}
            )
    records += [
        {"person_id": students[3], "kind": "travel", "amount_fen": 50000, "paid_on": "2024-09-01"},
        {"person_id": students[4], "kind": "left_behind", "amount_fen": 40000, "paid_on": "2024-12-01"},
    ]
    created = 0
    for n, record in enumerate(records):
        body = record | {
            "record_id": f"JZ-{YEAR}-{n:03d}",
            "school_year": YEAR,
            "notice_delivered_on": "2024-09-01",
        }
        response = await client.post("/api/v1/student-aid", json=body, headers=auth)
        created += ok_json(response, "student aid")["status"] == "created"
    return created
