"""Rectification items (整改) through the gateway: an item runs open → submitted → sent back → submitted →
closed (销号) with evidence; closing by the level that submitted is refused with the reason; overdue
items are listed as of a date, per area and owner; the 整改台账 ledger; retries are exact."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid

import httpx

from fangpin.demo_oversight import load_oversight
from services.common.calendar import china_today
from tests.conftest import UserFactory
from tests.support.oversight import rectification_body, report_body, unit_body
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, OTHER_TOWN, SHUANGFENG, TOWN, make_areas

ITEMS = "/api/v1/rectifications"


async def test_an_item_is_sent_back_and_closed_one_level_up_from_who_submitted_it(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    county = await user_headers("xian", "county_admin", COUNTY)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    # A county administrator scoped to the village acts as the village.
    county_at_village = await user_headers("xian-cun", "county_admin", HUANGJIN)
    body = rectification_body()
    opened = await client.post(ITEMS, json=body, headers=county)
    assert opened.status_code == 201, opened.text
    item = opened.json()
    assert (item["state"], item["unit_name"], [m["due_on"] for m in item["milestones"]]) == (
        "open",
        "蒿坪镇人民政府",
        ["2025-03-11", "2025-03-16", "2025-03-30"],
    )
    url = f"{ITEMS}/{item['id']}"
    assert (await client.get(url, headers=village)).json()["actions"] == ["report"]
    # Nothing to submit before progress with evidence is reported.
    early = await client.post(f"{url}/submit", json={}, headers=village)
    assert (early.status_code, early.json()["code"]) == (409, "item_open")

    draft = report_body(milestone=1)
    reported = await client.post(f"{url}/reports", json=draft, headers=village)
    assert reported.status_code == 201, reported.text
    assert reported.json()["state"] == "in_progress"
    assert reported.json()["milestones"][1]["done_on"] == "2025-03-16"
    assert reported.json()["reports"][0]["attachments"] == draft["attachments"]
    assert reported.json()["actions"] == ["report", "submit"]
    again = await client.post(f"{url}/reports", json=draft, headers=village)  # a retry
    assert (again.status_code, len(again.json()["reports"])) == (200, 1)
    # The same report sent three times at once from a flaky phone: one report.
    racing = report_body(reported_on="2025-03-17")
    answers = await asyncio.gather(
        *(client.post(f"{url}/reports", json=racing, headers=village) for _ in range(3))
    )
    assert sorted(a.status_code for a in answers) == [200, 200, 201], [a.text for a in answers]
    assert len((await client.get(url, headers=village)).json()["reports"]) == 2

    submitted = await client.post(f"{url}/submit", json={}, headers=village)
    assert submitted.status_code == 200, submitted.text
    assert (submitted.json()["state"], submitted.json()["submitted_scope"]) == ("submitted", HUANGJIN)
    assert submitted.json()["actions"] == []
    assert (await client.get(url, headers=town)).json()["actions"] == ["close", "send_back"]
    # The same level as the submitter: refused, saying why; a village cadre may not review at all.
    same = await client.post(f"{url}/review", json={"decision": "close"}, headers=county_at_village)
    assert (same.status_code, same.json()["code"]) == (403, "review_not_above_submitter")
    assert "one level up" in same.json()["detail"] and "a village" in same.json()["detail"]
    denied = await client.post(f"{url}/review", json={"decision": "close"}, headers=village)
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    # Sending back says why.
    bare = await client.post(f"{url}/review", json={"decision": "send_back"}, headers=town)
    assert bare.status_code == 422
    back = await client.post(
        f"{url}/review", json={"decision": "send_back", "reason": "缺少核查清单签字页"}, headers=town
    )
    assert back.status_code == 200, back.text
    assert back.json()["state"] == "in_progress"
    assert back.json()["steps"][-1] | {"at": None} == {
        "action": "send_back",
        "from_state": "submitted",
        "to_state": "in_progress",
        "actor_id": back.json()["steps"][-1]["actor_id"],
        "actor_scope": TOWN,
        "reason": "缺少核查清单签字页",
        "at": None,
    }
    more = report_body(reported_on="2025-03-28", text="补充签字页", milestone=2)
    assert (await client.post(f"{url}/reports", json=more, headers=village)).status_code == 201
    assert (await client.post(f"{url}/submit", json={}, headers=village)).status_code == 200
    early = {"decision": "close", "on": "2025-03-20"}
    refused = await client.post(f"{url}/review", json=early, headers=town)
    assert (refused.status_code, refused.json()["code"]) == (422, "closed_before_report")
    closed = await client.post(f"{url}/review", json={"decision": "close", "on": "2025-03-29"}, headers=town)
    assert closed.status_code == 200, closed.text
    final = closed.json()
    assert (final["state"], final["closed_on"], final["actions"]) == ("closed", "2025-03-29", [])
    assert [s["action"] for s in final["steps"]] == ["report", "submit", "send_back", "submit", "close"]
    assert len(final["reports"]) == 3
    twice = await client.post(f"{url}/review", json={"decision": "close"}, headers=town)
    assert (twice.status_code, twice.json()["code"]) == (409, "item_closed")
    late = await client.post(f"{url}/reports", json=report_body(), headers=village)
    assert (late.status_code, late.json()["code"]) == (409, "item_closed")


async def test_an_item_the_town_submits_is_closed_by_the_county_not_the_town(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    county = await user_headers("xian", "county_admin", COUNTY)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    colleague = await user_headers("zhen2", "town_reviewer", TOWN)
    item = (await client.post(ITEMS, json=rectification_body(area_code=TOWN), headers=town)).json()
    url = f"{ITEMS}/{item['id']}"
    assert (await client.post(f"{url}/reports", json=report_body(), headers=town)).status_code == 201
    assert (await client.post(f"{url}/submit", json={}, headers=town)).status_code == 200
    for reviewer in (town, colleague):
        refused = await client.post(f"{url}/review", json={"decision": "close"}, headers=reviewer)
        assert (refused.status_code, refused.json()["code"]) == (403, "review_not_above_submitter")
        assert "a town" in refused.json()["detail"]
    closed = await client.post(f"{url}/review", json={"decision": "close"}, headers=county)
    assert (closed.status_code, closed.json()["state"]) == (200, "closed")


async def test_creating_is_idempotent_by_the_clients_uuid_and_bad_input_changes_nothing(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    other = await user_headers("zhen-b", "town_reviewer", OTHER_TOWN)
    unit = await client.post("/api/v1/support-units", json=unit_body(area_code=TOWN), headers=town)
    foreign = await client.post(
        "/api/v1/support-units", json=unit_body(area_code=OTHER_TOWN, villages=[SHUANGFENG]), headers=other
    )
    body = rectification_body(unit_name=None, unit_id=unit.json()["id"])
    del body["unit_name"]
    first = await client.post(ITEMS, json=body, headers=town)
    assert (first.status_code, first.json()["unit_name"]) == (201, "县乡村振兴局")
    retry = await client.post(ITEMS, json=body, headers=town)
    assert (retry.status_code, retry.json()["id"]) == (200, first.json()["id"])
    changed = await client.post(ITEMS, json=body | {"title": "另一事项"}, headers=town)
    assert (changed.status_code, changed.json()["code"]) == (409, "item_id_in_use")
    twin = rectification_body()
    raced = await asyncio.gather(*(client.post(ITEMS, json=twin, headers=town) for _ in range(2)))
    assert sorted(r.status_code for r in raced) == [200, 201], [r.text for r in raced]
    assert len(raced[0].json()["milestones"]) == 3 == len(raced[1].json()["milestones"])
    refusals = {
        "unit_not_found": rectification_body(unit_id=foreign.json()["id"], unit_name=None),
        "outside_scope": rectification_body(area_code=SHUANGFENG),
        "validation_failed": rectification_body(unit_id=unit.json()["id"]),  # both unit and name
    }
    for code, bad in refusals.items():
        if bad.get("unit_name") is None:
            bad.pop("unit_name")
        answer = await client.post(ITEMS, json=bad, headers=town)
        assert answer.status_code in (403, 422) and answer.json()["code"] == code, answer.text
    late = rectification_body(deadline="2025-03-01")  # before it was received
    assert (await client.post(ITEMS, json=late, headers=town)).status_code == 422
    listed = await client.get(ITEMS, headers=town)
    assert {i["id"] for i in listed.json()["items"]} == {first.json()["id"], twin["id"]}
    # A report naming a milestone the item does not have.
    url = f"{ITEMS}/{first.json()['id']}"
    wrong = await client.post(f"{url}/reports", json=report_body(milestone=7), headers=town)
    assert (wrong.status_code, wrong.json()["code"]) == (422, "milestone_not_found")
    item = (await client.get(url, headers=town)).json()
    assert (item["state"], item["reports"]) == ("open", [])
    # 龙泉村's cadre does not see 黄金村's item.
    sibling = await user_headers("cun2", "village_cadre", LONGQUAN)
    hidden = await client.get(url, headers=sibling)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "rectification_not_found")


async def test_overdue_items_are_listed_as_of_a_date_per_area_and_owner(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    county = await user_headers("xian", "county_admin", COUNTY)
    march = rectification_body()  # due 3/30, closed today
    may = rectification_body(area_code=LONGQUAN, deadline="2025-05-01", person_name="王主任")
    july = rectification_body(received_on="2025-07-01", deadline="2025-07-31", milestones=[])
    for body in (march, may, july):
        assert (await client.post(ITEMS, json=body, headers=county)).status_code == 201
    url = f"{ITEMS}/{march['id']}"
    await client.post(f"{url}/reports", json=report_body(), headers=town)
    await client.post(f"{url}/submit", json={}, headers=town)
    assert (await client.post(f"{url}/review", json={"decision": "close"}, headers=county)).status_code == 200

    async def overdue(as_of: str) -> tuple[set[str], dict]:
        listed = await client.get(ITEMS, params={"overdue_as_of": as_of}, headers=town)
        summary = await client.get(f"{ITEMS}/overdue", params={"as_of": as_of, "area": TOWN}, headers=town)
        assert summary.status_code == 200, summary.text
        return {i["id"] for i in listed.json()["items"]}, summary.json()

    ids, summary = await overdue("2025-04-01")  # the March item was closed later: overdue then
    assert ids == {march["id"]} and summary["items"] == 1
    ids, summary = await overdue("2025-06-01")
    assert ids == {march["id"], may["id"]}
    assert {(g["area_code"], g["person_name"], g["items"]) for g in summary["groups"]} == {
        (HUANGJIN, "李镇长", 1),
        (LONGQUAN, "王主任", 1),
    }
    assert max(g["days_overdue_max"] for g in summary["groups"]) == 63  # 3/30 → 6/1
    ids, _ = await overdue(str(china_today()))  # the March item closed; July's is late, May's too
    assert ids == {may["id"], july["id"]}
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    mine = await client.get(f"{ITEMS}/overdue", params={"as_of": "2025-06-01"}, headers=village)
    assert mine.json()["items"] == 1
    outside = await client.get(f"{ITEMS}/overdue", params={"area": OTHER_TOWN}, headers=village)
    assert outside.status_code == 404


async def test_the_rectification_ledger_has_a_row_per_item_with_chinese_headings(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    body = rectification_body()
    assert (await client.post(ITEMS, json=body, headers=town)).status_code == 201
    url = f"{ITEMS}/{body['id']}"
    assert (await client.post(f"{url}/reports", json=report_body(), headers=town)).status_code == 201
    ledger = await client.get(f"{ITEMS}/export", params={"format": "csv", "within": TOWN}, headers=town)
    assert ledger.status_code == 200, ledger.text
    rows = list(csv.DictReader(io.StringIO(ledger.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["区划代码"], row["区划名称"], row["问题来源"], row["整改状态"]) == (
        HUANGJIN,
        "黄金村",
        "巡视巡察",
        "整改中",
    )
    assert (row["最新进展"], row["整改时限"], row["是否逾期"], row["事项ID"]) == (
        "已逐户核查并更新信息",
        "2025-03-30",
        "是",
        body["id"],
    )
    xlsx = await client.get(f"{ITEMS}/export", headers=town)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert uuid.UUID(row["事项ID"])


async def test_the_demo_gives_five_items_in_huangjin_and_the_prefectures_sessions_give_pian4s_figures(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    cadre = await user_headers("cun", "village_cadre", HUANGJIN)
    for _ in range(2):  # loading again changes nothing
        await load_oversight(admin, {}, cadre)
    items = (await client.get(ITEMS, params={"within": HUANGJIN}, headers=cadre)).json()["items"]
    states = sorted(i["state"] for i in items)
    assert states == ["closed", "in_progress", "in_progress", "open", "submitted"]
    overdue = await client.get(f"{ITEMS}/overdue", params={"as_of": "2025-07-01"}, headers=cadre)
    assert overdue.json()["items"] == 1  # the audit finding; the tour's was closed on time (3/28)
    closed = next(i for i in items if i["state"] == "closed")
    assert (closed["received_on"], closed["deadline"], closed["closed_on"]) == (
        "2025-03-11",
        "2025-03-30",
        "2025-03-28",
    )
    stats = await admin.get("/api/v1/oversight-stats", params={"area": "610900000000", "as_of": "2025-12-31"})
    sessions = stats.json()["sessions"]
    assert (sessions["cadre_attendance"], sessions["villager_attendance"]) == (606, 1230)
    by_kind = {k["kind"]: k for k in stats.json()["sessions_by_kind"]}
    assert by_kind["study"]["cadre_sessions"] + by_kind["training"]["cadre_sessions"] == 18
