"""Bureau systems' batches: project records (发改) and fund movements (财政) pushed up to 1,000 at a time,
each answered alone with the single forms' checks — a payment above what was received is that item's
422 and changes nothing —, kept once by the record's id (a batch again, or the single form, is a retry),
and a bureau may push but not take a project's steps."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import UserFactory
from tests.support.projects import WAN, project_body
from tests.support.registry import COUNTY, HUANGJIN, SHUANGFENG
from tests.test_projects import step

PROJECTS, MOVEMENTS = "/api/v1/projects", "/api/v1/fund-movements/batch"
OTHER_COUNTY_VILLAGE = "610925101201"


def movement(project: dict, kind: str, fen: int, **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "project_id": project["id"],
        "source": "central",
        "kind": kind,
        "amount_fen": fen,
        "on": "2023-04-01",
        "voucher": "财预〔2023〕12号",
    }
    return body | fields


async def test_a_bureaus_project_records_are_each_answered_alone_and_kept_once(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    bureau = await user_headers("fagai", "bureau_partner", COUNTY)
    county = await user_headers("xian", "county_admin", COUNTY)
    items = [
        project_body(),
        project_body(HUANGJIN, name="黄金村道路硬化", sector="roads"),
        project_body(OTHER_COUNTY_VILLAGE),  # outside the bureau's county
        project_body(entered_on="2999-01-01"),
        {"name": "no id, no year"},
    ]
    answer = await client.post(f"{PROJECTS}/batch", json={"items": items}, headers=bureau)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert [i["status"] for i in result["items"]] == ["created", "created", "forbidden", "invalid", "invalid"]
    assert result["items"][3]["error"]["code"] == "date_in_future"
    assert result["items"][3]["error"]["errors"][0]["loc"] == ["body", "items", 3, "entered_on"]
    assert (result["created"], result["duplicates"], result["failed"]) == (2, 0, 3)

    again = (await client.post(f"{PROJECTS}/batch", json={"items": items[:2]}, headers=bureau)).json()
    assert [i["status"] for i in again["items"]] == ["duplicate", "duplicate"]
    single = await client.post(PROJECTS, json=items[0], headers=county)  # the single form: a retry
    assert single.status_code == 200
    changed = items[0] | {"name": "改名"}
    conflict = (await client.post(f"{PROJECTS}/batch", json={"items": [changed]}, headers=bureau)).json()
    assert conflict["items"][0]["status"] == "conflict"
    assert conflict["items"][0]["error"]["code"] == "project_id_in_use"

    listed = (await client.get(PROJECTS, headers=county)).json()["items"]
    assert sorted(p["name"] for p in listed) == ["双丰村温室大棚建设项目", "黄金村道路硬化"]
    assert all(p["state"] == "in_library" and p["created_by"] for p in listed)
    # A bureau pushes; it does not approve.
    refused = await step(client, {"id": items[0]["id"]}, "approve", "2023-02-01", bureau)
    assert refused.status_code == 403


async def test_fund_movements_keep_paid_within_received_item_by_item(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    bureau = await user_headers("caizheng", "bureau_partner", COUNTY)
    county = await user_headers("xian", "county_admin", COUNTY)
    created = await client.post(PROJECTS, json=project_body(), headers=county)
    project = created.json()
    other = (await client.post(PROJECTS, json=project_body(HUANGJIN), headers=county)).json()
    ids = sorted(str(uuid.uuid4()) for _ in range(5))  # the items are taken in the order of their ids
    items = [
        movement(project, "received", 100 * WAN, id=ids[0]),
        movement(project, "paid", 60 * WAN, id=ids[1]),
        movement(project, "paid", 50 * WAN, id=ids[2]),  # 110 paid of 100 received
        movement(project, "received", 60 * WAN, id=ids[3]),  # 160 received of a 150 budget
        movement(other, "paid", 1, id=ids[4], source="province"),  # no such budget line
        movement({"id": str(uuid.uuid4())}, "received", 1),  # no such project
    ]
    answer = await client.post(MOVEMENTS, json={"items": items}, headers=bureau)
    assert answer.status_code == 200, answer.text
    result = answer.json()["items"]
    assert [i["status"] for i in result] == ["created", "created", "invalid", "invalid", "invalid", "invalid"]
    assert [i["error"]["code"] for i in result[2:]] == [
        "paid_above_received",
        "received_above_budget",
        "no_budget_line",
        "project_not_found",
    ]
    assert result[2]["error"]["errors"][0]["loc"] == ["body", "items", 2, "amount_fen"]
    funds = (await client.get(f"{PROJECTS}/{project['id']}", headers=county)).json()
    assert (funds["received_fen"], funds["paid_fen"]) == (100 * WAN, 60 * WAN)
    trail = (await client.get(f"{PROJECTS}/{project['id']}/fund-movements", headers=county)).json()
    assert sorted(m["id"] for m in trail["items"]) == ids[:2]

    # The same batch again moves nothing; the single form's retry of a pushed movement is a retry too.
    again = (await client.post(MOVEMENTS, json={"items": items}, headers=bureau)).json()["items"]
    assert [i["status"] for i in again[:2]] == ["duplicate", "duplicate"]
    single = {k: v for k, v in items[0].items() if k != "project_id"}
    retried = await client.post(f"{PROJECTS}/{project['id']}/fund-movements", json=single, headers=county)
    assert retried.status_code == 200
    elsewhere = items[0] | {"project_id": other["id"]}  # the same id on another project: a conflict
    moved = (await client.post(MOVEMENTS, json={"items": [elsewhere]}, headers=bureau)).json()["items"]
    assert moved[0]["status"] == "conflict" and moved[0]["error"]["code"] == "movement_id_in_use"
    funds = (await client.get(f"{PROJECTS}/{project['id']}", headers=county)).json()
    assert (funds["received_fen"], funds["paid_fen"]) == (100 * WAN, 60 * WAN)
    village = await user_headers("cun", "village_cadre", SHUANGFENG)
    assert (await client.post(MOVEMENTS, json={"items": items}, headers=village)).status_code == 403


async def test_one_pushed_movement_is_answered_as_the_single_form_would(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    bureau = await user_headers("caizheng", "bureau_partner", COUNTY)
    county = await user_headers("xian", "county_admin", COUNTY)
    project = (await client.post(PROJECTS, json=project_body(), headers=county)).json()
    over = await client.post("/api/v1/fund-movements", json=movement(project, "paid", 1), headers=bureau)
    assert over.status_code == 422 and over.json()["code"] == "paid_above_received"
    assert over.json()["errors"][0]["loc"] == ["body", "amount_fen"]
    body = movement(project, "received", 10 * WAN)
    first = await client.post("/api/v1/fund-movements", json=body, headers=bureau)
    assert first.status_code == 201 and first.json()["project_id"] == project["id"]
    again = await client.post("/api/v1/fund-movements", json=body, headers=bureau)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    funds = (await client.get(f"{PROJECTS}/{project['id']}", headers=county)).json()
    assert (funds["received_fen"], funds["paid_fen"]) == (10 * WAN, 0)
