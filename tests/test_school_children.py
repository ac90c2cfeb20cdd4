"""School-age children (控辍保学): every child 6–15 from the registry's members and the police
population feed (matched by ID number, never stored), where each studies, the proof of enrolment, the
way back to school, the figures of 篇2 (99.84% proven, 5 unproven outside the county, 4 of them one
family) and the ledger."""

from __future__ import annotations

import io
import uuid
from typing import Any

import asyncpg
import httpx
import openpyxl
from fastapi import FastAPI

from tests.support.database import libpq_url
from tests.support.events import deliver, relay_of
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, TOWN, make_areas, member, national_id
from tests.support.system import Database

DAY = "2025-06-01"
FEED = "/api/v1/school-children/population/batch"


async def fetch(database: Database, statement: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        return await conn.fetch(statement, *args)
    finally:
        await conn.close()


async def family(admin: httpx.AsyncClient, system: FastAPI, village: str = HUANGJIN) -> dict[str, Any]:
    """A household with a father, a girl born 2015-05-01 (10 on DAY) and a baby born 2024-01-01."""
    people = [
        member("head", name="刘建国"),
        member("child", name="刘小花", national_id=national_id("20150501", sex="female")),
        member("child", name="刘小宝", national_id=national_id("20240101")),
    ]
    body = {"number": f"S{uuid.uuid4().hex[:8]}", "area_code": village, "members": people}
    response = await admin.post("/api/v1/households", json=body)
    assert response.status_code == 201, response.text
    # The household's and its people's events: a relay's window may wait a moment for another test's
    # transaction to end.
    await deliver(relay_of(system, "registry"), 4)
    return response.json() | {"numbers": [p["national_id"] for p in people]}


async def children(admin: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await admin.get("/api/v1/school-children", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def stats(client: httpx.AsyncClient, area: str = TOWN, day: str = DAY, **kw: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/school-stats", params={"area": area, "as_of": day}, **kw)
    assert response.status_code == 200, response.text
    return response.json()


def record(record_id: str, number: str, name: str = "张小明", area: str = LONGQUAN, **extra: Any) -> dict:
    return {"record_id": record_id, "national_id": number, "name": name, "area_code": area} | extra


async def test_children_come_from_the_registry_and_the_police_feed_without_numbers(
    system: FastAPI,
    admin: httpx.AsyncClient,
    database: Database,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    household = await family(admin, system)
    [girl] = [c for c in await children(admin, as_of=DAY)]
    assert (girl["name"], girl["birth_date"], girl["area_code"], girl["source"]) == (
        "刘小花",
        "2015-05-01",
        HUANGJIN,
        "registry",
    )
    assert girl["household_id"] == household["id"] and girl["national_id_masked"].startswith("610924****")
    assert len(await children(admin)) == 2  # the baby is a child of the ledger too, of school age later
    assert sorted(c["name"] for c in await children(admin, as_of="2030-06-01")) == ["刘小宝", "刘小花"]

    police = await user_headers("gongan", "bureau_partner", COUNTY)
    stranger = national_id("20140302")
    batch = [
        record("GA-1", household["numbers"][1], name="刘小花", area=HUANGJIN, family_ref="HK-1"),
        record("GA-2", stranger, family_ref="HK-9"),
        record("GA-3", stranger[:17] + ("0" if stranger[17] != "0" else "1")),  # a wrong check digit
        record("GA-4", national_id("20140303"), area="610925105201"),  # another county
    ]
    answer = await admin.post(FEED, json={"records": batch}, headers=police)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [(i["status"], i["matched"]) for i in items] == [
        ("created", True),
        ("created", False),
        ("invalid", None),
        ("forbidden", None),
    ]
    assert items[0]["child_id"] == girl["id"]  # the registry's child, not a second one
    again = await admin.post(FEED, json={"records": batch[:2]}, headers=police)
    assert [i["status"] for i in again.json()["items"]] == ["duplicate", "duplicate"]
    other = await admin.post(FEED, json={"records": [batch[1] | {"name": "张小亮"}]}, headers=police)
    assert other.json()["items"][0]["status"] == "conflict"

    listed = {c["name"]: c for c in await children(admin, as_of=DAY)}
    assert listed["刘小花"]["source"] == "both" and listed["刘小花"]["family_ref"] == "HK-1"
    assert listed["张小明"]["source"] == "population" and listed["张小明"]["person_id"] is None
    assert listed["张小明"]["national_id_masked"] == stranger[:6] + "********" + stranger[-4:]
    # The number itself is nowhere in monitoring's table: only a 32-byte keyed hash.
    rows = await fetch(database, "SELECT * FROM monitoring.school_children")
    assert all(stranger not in str(dict(r)) for r in rows)
    assert [len(r["id_index"]) for r in rows if r["id_index"] is not None] == [32]

    # The police's token is no reader's: figures only.
    assert (await admin.get("/api/v1/school-children", headers=police)).status_code == 403
    assert (await stats(admin, headers=police))["children"] == 2


async def test_pian2_figures_come_from_the_data(
    system: FastAPI,
    admin: httpx.AsyncClient,
    database: Database,
    user_headers,  # noqa: ANN001
) -> None:
    """篇2: 3,125 children in school, 3,120 proven (99.84%), 5 outside the county unproven, 4 of them one
    family; one child out of school."""
    await make_areas(admin)
    police = await user_headers("gongan", "bureau_partner", COUNTY)
    # As the town's first ledger has them (population data checked against the school roll): 3,000 in
    # this town, 100 in other towns of the county, 25 outside it; all proven but five outside the county,
    # four of those one family (HK-4); one more child whose place is not known yet.
    places = ["this_town"] * 3000 + ["other_town"] * 100 + ["outside_county"] * 25 + [None]
    rows = []
    for n, place in enumerate(places):
        row = record(f"GA-{n}", national_id(f"2014{1 + n % 12:02d}{1 + n % 28:02d}"), name=f"学生{n:04d}")
        row["area_code"] = HUANGJIN if n % 2 else LONGQUAN
        if place:
            row |= {"study_place": place, "school": "蒿坪镇中心小学"}
        if place and n < 3120:
            row |= {"proven_on": "2025-05-01", "proof_document": "学籍卡"}
        if 3120 <= n < 3124:
            row["family_ref"] = "HK-4"
        rows.append(row)
    for start in range(0, len(rows), 1000):
        answer = await admin.post(FEED, json={"records": rows[start : start + 1000]}, headers=police)
        assert answer.json()["created"] == len(rows[start : start + 1000]), answer.text
    unknown = answer.json()["items"][-1]  # the last record's child
    listed = await children(admin, study_place="outside_county", proven="false", limit=50)
    assert len(listed) == 5
    dropout = unknown["child_id"]
    child = (await admin.get(f"/api/v1/school-children/{dropout}")).json()
    left = await admin.patch(
        f"/api/v1/school-children/{dropout}",
        json={
            "base_version": child["version"],
            "study_place": "not_in_school",
            "out_of_school_reason": "外出务工",
        },
    )
    assert left.status_code == 200, left.text

    figures = await stats(admin)
    assert figures["children"] == 3126
    places = {p["study_place"]: p["children"] for p in figures["by_study_place"]}
    assert places == {
        "this_town": 3000,
        "other_town": 100,
        "outside_county": 25,
        "not_in_school": 1,
        "home_schooling": 0,
        None: 0,
    }
    assert (figures["in_school"], figures["proven"], figures["proven_share_pct"]) == (3125, 3120, 99.84)
    assert figures["unproven_outside_county"] == 5
    assert [f["children"] for f in figures["unproven_outside_county_by_family"]] == [4, 1]
    assert figures["unproven_outside_county_by_family"][0]["family_ref"] == "HK-4"
    assert figures["out_of_school"] == 1
    # A village's own figures; before the proofs were taken nothing was proven.
    assert (await stats(admin, area=HUANGJIN))["children"] == 1563
    assert (await stats(admin, day="2025-04-30"))["proven"] == 0
    # Ten years on, none of them is of school age.
    assert (await stats(admin, day="2031-01-01"))["children"] == 0


async def test_a_dropout_alerts_once_and_a_returned_child_leaves_the_count(
    system: FastAPI, admin: httpx.AsyncClient, database: Database
) -> None:
    await make_areas(admin)
    household = await family(admin, system)
    [girl] = await children(admin, as_of=DAY)
    url = f"/api/v1/school-children/{girl['id']}"

    placed = await admin.patch(
        url,
        json={
            "base_version": 1,
            "study_place": "outside_county",
            "school": "广州市某小学",
            "teacher": "王老师",
        },
    )
    assert placed.status_code == 200, placed.text
    proof = {"base_version": 2, "proven_on": "2025-03-01", "document": "在读证明"}
    proven = await admin.put(f"{url}/proof", json=proof)
    assert proven.status_code == 200, proven.text
    assert proven.json()["proven_on"] == "2025-03-01" and proven.json()["proven_by"]
    assert (await admin.put(f"{url}/proof", json=proof)).status_code == 409  # stale
    photo = proof | {"base_version": 3, "photo_id": str(uuid.uuid4())}
    assert (await admin.put(f"{url}/proof", json=photo)).json()["code"] == "photo_not_found"

    reason_missing = await admin.patch(url, json={"base_version": 3, "study_place": "not_in_school"})
    assert reason_missing.status_code == 422, reason_missing.text
    dropped = await admin.patch(
        url, json={"base_version": 3, "study_place": "not_in_school", "out_of_school_reason": "厌学在家"}
    )
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["proven_on"] is None  # the proof was of the old school
    again = await admin.patch(url, json={"base_version": 4, "out_of_school_reason": "厌学，随父母外出"})
    assert again.status_code == 200, again.text
    alerts = (await admin.get("/api/v1/alerts", params={"risk_code": "compulsory_education"})).json()["items"]
    assert [a["household_id"] for a in alerts] == [household["id"]]
    assert alerts[0]["signals"] == 1 and "刘小花" in alerts[0]["reason"]
    assert (await stats(admin))["out_of_school"] == 1

    step = f"{url}/return-steps"
    early = await admin.post(step, json={"base_version": 5, "step": "persuaded", "on": "2025-04-01"})
    assert early.status_code == 409 and early.json()["code"] == "return_step_out_of_order"
    found = await admin.post(step, json={"base_version": 5, "step": "found", "on": "2025-04-01"})
    assert found.status_code == 200, found.text
    before = await admin.post(step, json={"base_version": 6, "step": "persuaded", "on": "2025-03-01"})
    assert before.status_code == 422
    persuaded = await admin.post(step, json={"base_version": 6, "step": "persuaded", "on": "2025-04-10"})
    assert persuaded.status_code == 200, persuaded.text
    assert (await stats(admin))["being_returned"] == {"found": 0, "persuaded": 1}
    body = {
        "base_version": 7,
        "step": "returned",
        "on": "2025-04-15",
        "study_place": "this_town",
        "school": "蒿坪镇中心小学",
    }
    returned = await admin.post(step, json=body)
    assert returned.status_code == 200, returned.text
    assert (returned.json()["study_place"], returned.json()["returned_on"]) == ("this_town", "2025-04-15")
    figures = await stats(admin)
    assert (figures["out_of_school"], figures["returned"]) == (0, 1)
    # A second drop-out is a new signal on the household's live alert.
    out = await admin.patch(
        url, json={"base_version": 8, "study_place": "not_in_school", "out_of_school_reason": "再次辍学"}
    )
    assert out.status_code == 200, out.text
    [alert] = (await admin.get("/api/v1/alerts", params={"risk_code": "compulsory_education"})).json()[
        "items"
    ]
    assert alert["signals"] == 2

    # Change positions grow with every change (what a phone's sync feed follows).
    rows = await fetch(
        database, "SELECT change_seq FROM monitoring.school_children WHERE id = $1", uuid.UUID(girl["id"])
    )
    assert rows[0]["change_seq"] > girl["change_seq"]


async def test_the_ledger_has_chinese_headings_and_names_beside_codes(
    system: FastAPI, admin: httpx.AsyncClient
) -> None:
    await make_areas(admin)
    await family(admin, system)
    response = await admin.get("/api/v1/school-children/export", params={"as_of": DAY})
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "控辍保学台账"
    assert rows[0][:6] == ("村代码", "村名称", "姓名", "身份证号", "出生日期", "年龄")
    assert rows[1][0] == HUANGJIN and rows[1][1] == "黄金村" and rows[1][2] == "刘小花" and rows[1][5] == 10
    assert rows[1][9] == "待核实" and len(rows) == 2


async def test_the_school_feed_reaches_the_ledger(
    system: FastAPI,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    household = await family(admin, system)
    bureau = await user_headers("jiaoyu", "bureau_partner", COUNTY)
    number = household["numbers"][1]
    url = "/api/v1/partner-feeds/school/batch"
    enrolled = {"record_id": "XJ-1", "national_id": number, "occurred_on": "2024-09-01", "status": "enrolled"}
    answer = await admin.post(
        url, json={"records": [enrolled | {"school": "蒿坪镇中心小学"}]}, headers=bureau
    )
    assert answer.json()["created"] == 1, answer.text
    [girl] = await children(admin, as_of=DAY)
    assert (girl["school"], girl["study_place"], girl["version"]) == ("蒿坪镇中心小学", None, 2)
    dropped = {
        "record_id": "XJ-2",
        "national_id": number,
        "occurred_on": "2025-03-01",
        "status": "dropped_out",
    }
    answer = await admin.post(url, json={"records": [dropped]}, headers=bureau)
    assert answer.json()["items"][0]["raised"] == ["compulsory_education"], answer.text
    [girl] = await children(admin, as_of=DAY)
    assert (
        girl["study_place"] == "not_in_school" and girl["out_of_school_reason"] == "教育部门：2025-03-01辍学"
    )
    assert (await stats(admin))["out_of_school"] == 1
    # The ledger's way back starts from there.
    found = {"base_version": girl["version"], "step": "found", "on": "2025-03-05"}
    assert (
        await admin.post(f"/api/v1/school-children/{girl['id']}/return-steps", json=found)
    ).status_code == 200


async def test_a_day_in_the_first_centuries_counts_no_one(admin: httpx.AsyncClient) -> None:
    """Found by fuzzing: sixteen years before the year 3 is no date at all."""
    await make_areas(admin)
    assert (await stats(admin, day="0003-05-24"))["children"] == 0
    assert await children(admin, as_of="0010-01-01") == []


async def test_moves_deaths_and_deletions_in_the_same_delivery_follow_the_registrations(
    system: FastAPI, admin: httpx.AsyncClient
) -> None:
    """A delivery's registrations are written together: a change of a child later in the same delivery
    still finds it (the ledger is as if each event were written as it came)."""
    await make_areas(admin)
    kids = [
        member("child", name=name, national_id=national_id(born))
        for name, born in (("王一", "20150101"), ("王二", "20160202"), ("王三", "20170303"))
    ]
    first = {"number": "S-same-1", "area_code": HUANGJIN, "members": [member("head", name="王父"), *kids]}
    second = {"number": "S-same-2", "area_code": LONGQUAN, "members": [member("head", name="李母")]}
    created = [await admin.post("/api/v1/households", json=body) for body in (first, second)]
    assert [r.status_code for r in created] == [201, 201], created[0].text
    moving, dying, mistaken = (p for p in created[0].json()["members"] if p["relation"] == "child")
    # Before any of it is delivered: one child moves to the other village, one dies, one was a mistake.
    moved = await admin.post(
        f"/api/v1/people/{moving['id']}/move",
        json={"to_household_id": created[1].json()["id"], "reason": "other", "relation": "child"},
        headers={"If-Match": '"1"'},
    )
    died = await admin.patch(
        f"/api/v1/people/{dying['id']}", json={"deceased_on": "2025-03-01"}, headers={"If-Match": '"1"'}
    )
    deleted = await admin.post(f"/api/v1/people/{mistaken['id']}/delete", headers={"If-Match": '"1"'})
    assert [moved.status_code, died.status_code, deleted.status_code] == [200, 200, 200], (
        moved.text + died.text + deleted.text
    )

    # 2 households and 5 people, then a move, a death and a deletion: one delivery.
    assert await deliver(relay_of(system, "registry"), 10) >= 10
    listed = {c["name"]: c for c in await children(admin)}
    assert set(listed) == {"王一", "王二", "王三"}
    moved_child = listed["王一"]
    assert (moved_child["area_code"], moved_child["household_id"]) == (LONGQUAN, created[1].json()["id"])
    assert listed["王二"]["left_on"] == "2025-03-01"
    assert listed["王三"]["left_on"] == "2017-03-03"  # counted nowhere
    assert [c["name"] for c in await children(admin, as_of=DAY)] == ["王一"]
