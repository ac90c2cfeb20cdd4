"""Student aid (教育资助): records per student by kind from the education bureau (by ID number) or a
school (by person id), each kept once; covered share, paid by kind and loan completion (篇2: 83% to
100%) per area match the records."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, TOWN, make_areas, member, national_id

BATCH = "/api/v1/student-aid/batch"
SINGLE = "/api/v1/student-aid"


async def students(admin: httpx.AsyncClient, village: str, count: int) -> list[dict[str, Any]]:
    """``count`` households of one student each (born 2005: at university)."""
    people = []
    for n in range(count):
        student = member("head", name=f"学生{n}", national_id=national_id("20050901"))
        body = {"number": f"A{village[-3:]}{n:03d}", "area_code": village, "members": [student]}
        response = await admin.post("/api/v1/households", json=body)
        assert response.status_code == 201, response.text
        people.append(response.json()["members"][0] | {"national_id": student["national_id"]})
    return people


def aid(record_id: str, kind: str, fen: int, **student: Any) -> dict[str, Any]:
    return {"record_id": record_id, "kind": kind, "school_year": 2024, "amount_fen": fen} | student


async def figures(client: httpx.AsyncClient, area: str = TOWN, day: str = "2025-06-01", **kw: Any) -> dict:
    params = {"area": area, "school_year": 2024, "as_of": day}
    response = await client.get("/api/v1/student-aid-stats", params=params, **kw)
    assert response.status_code == 200, response.text
    return response.json()


async def test_aid_coverage_and_loan_completion_match_the_records(
    system: FastAPI,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    huangjin = await students(admin, HUANGJIN, 4)
    longquan = await students(admin, LONGQUAN, 2)
    bureau = await user_headers("jiaoyu", "bureau_partner", COUNTY)
    school = await user_headers("zhongxinxiao", "town_reviewer", TOWN)

    # The bureau names students by ID number: university aid for three, paid; a new student's travel.
    by_number = [
        aid("JY-1", "university", 300000, national_id=huangjin[0]["national_id"], paid_on="2025-03-01"),
        aid("JY-2", "university", 300000, national_id=huangjin[1]["national_id"], paid_on="2025-03-01"),
        aid("JY-3", "university", 300000, national_id=longquan[0]["national_id"]),  # owed
        aid("JY-4", "travel", 50000, national_id=huangjin[2]["national_id"], paid_on="2025-03-05"),
        aid("JY-5", "travel", 50000, national_id="610924199001011234"),  # nobody of that number
    ]
    first = await admin.post(BATCH, json={"records": by_number}, headers=bureau)
    assert first.status_code == 200, first.text
    assert [i["status"] for i in first.json()["items"]] == ["created"] * 4 + ["unknown_id"]
    again = await admin.post(BATCH, json={"records": by_number[:1]}, headers=bureau)
    assert again.json()["items"][0]["status"] == "duplicate"
    changed = await admin.post(BATCH, json={"records": [by_number[0] | {"amount_fen": 1}]}, headers=bureau)
    assert changed.json()["items"][0]["status"] == "conflict"

    # The central school enters them one by one by the registry's person id: six loans
    # (生源地助学贷款), five done.
    loans = [
        aid(f"XD-{n}", "loan", 800000, person_id=p["id"], **({"paid_on": "2025-09-13"} if n < 5 else {}))
        for n, p in enumerate(huangjin + longquan)
    ]
    loans[0]["notice_delivered_on"] = "2025-09-01"
    for loan in loans:
        entered = await admin.post(SINGLE, json=loan, headers=school)
        assert entered.status_code == 201, entered.text
    retry = await admin.post(SINGLE, json=loans[0], headers=school)
    assert retry.status_code == 200 and retry.json()["status"] == "duplicate"
    clash = await admin.post(SINGLE, json=loans[0] | {"amount_fen": 1}, headers=school)
    assert clash.status_code == 409 and clash.json()["code"] == "record_id_in_use"
    nobody = await admin.post(SINGLE, json=aid("X-1", "yulu", 1, person_id=str(uuid.uuid4())), headers=school)
    assert nobody.status_code == 422 and nobody.json()["code"] == "person_not_found"
    # A school names students by person id, the bureau by ID number.
    by_id = await admin.post(
        BATCH, json={"records": [aid("X", "yulu", 1, national_id=huangjin[3]["national_id"])]}, headers=school
    )
    assert by_id.status_code == 403
    assert (
        await admin.post(SINGLE, json=aid("X", "yulu", 1, person_id=huangjin[3]["id"]), headers=bureau)
    ).status_code == 403
    wrong = await admin.post(
        BATCH, json={"records": [aid("X", "yulu", 1, person_id=huangjin[3]["id"])]}, headers=bureau
    )
    assert wrong.json()["items"][0]["status"] == "invalid"

    town = await figures(admin, day="2025-09-13")
    assert (town["students"], town["students_paid"], town["covered_share_pct"]) == (4, 3, 75.0)
    kinds = {k["kind"]: k for k in town["by_kind"]}
    assert (
        kinds["university"]["students"],
        kinds["university"]["owed_fen"],
        kinds["university"]["paid_fen"],
    ) == (
        3,
        900000,
        600000,
    )
    assert kinds["travel"]["paid_fen"] == 50000 and kinds["yulu"]["records"] == 0
    assert town["loans"] == {"students": 6, "completed": 5, "completion_pct": 83.33}
    assert (await figures(admin, day="2025-09-12"))["loans"]["completed"] == 0  # before the day they were
    assert (await figures(admin, area=LONGQUAN, day="2025-09-13"))["loans"] == {
        "students": 2,
        "completed": 1,
        "completion_pct": 50.0,
    }

    # The last loan completed, the owed aid paid: 100%.
    listed = (await admin.get("/api/v1/student-aid", params={"kind": "loan"}, headers=school)).json()["items"]
    [last] = [r for r in listed if r["paid_on"] is None]
    url = f"/api/v1/student-aid/{last['id']}"
    assert (
        await admin.patch(url, json={"base_version": 1, "paid_on": "2025-09-14"}, headers=school)
    ).status_code == 200
    assert (
        await admin.patch(url, json={"base_version": 1, "paid_on": "2025-09-14"}, headers=school)
    ).status_code == 409
    assert (
        await admin.patch(url, json={"base_version": 2, "paid_on": "2099-01-01"}, headers=school)
    ).status_code == 422
    university = (await admin.get("/api/v1/student-aid", params={"kind": "university"})).json()["items"]
    [owed] = [r for r in university if r["paid_on"] is None]
    paid = await admin.patch(
        f"/api/v1/student-aid/{owed['id']}", json={"base_version": 1, "paid_on": "2025-09-14"}
    )
    assert paid.status_code == 200, paid.text
    done = await figures(admin, day="2025-09-14")
    assert done["loans"]["completion_pct"] == 100.0 and done["covered_share_pct"] == 100.0
    assert done["notices_delivered"] == 0  # aid notices (loans apart) not yet delivered

    # A village's account sees its own village's records only; the bureau reads figures, not records.
    cadre = await user_headers("cun", "village_cadre", LONGQUAN)
    mine = (await admin.get("/api/v1/student-aid", headers=cadre)).json()["items"]
    assert {r["area_code"] for r in mine} == {LONGQUAN} and len(mine) == 3
    assert (await admin.get("/api/v1/student-aid", headers=bureau)).status_code == 403
    assert (await figures(admin, headers=bureau, day="2025-09-14"))["students"] == 4
