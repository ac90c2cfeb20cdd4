"""Assets' checks reported from phones: a village cadre's yearly check becomes the asset's check of the
year (the warning goes), an upkeep inspection is kept with its photos, a phone's offline batch is answered
item by item, a retry never duplicates, and an asset outside the caller's area is refused alone."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import UserFactory
from tests.support.registry import COUNTY, HUANGJIN, SHUANGFENG
from tests.test_project_assets import register

CHECKS = "/api/v1/asset-checks"


def report(asset: dict, **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "asset_id": asset["id"],
        "kind": "yearly",
        "year": 2024,
        "checked_on": "2024-03-12",
        "result": "normal",
        "photo_refs": ["photos/2024/03/dapeng-1.jpg"],
    }
    return body | fields


async def test_a_village_cadres_yearly_check_is_the_assets_check_and_the_warning_goes(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    village = await user_headers("cun", "village_cadre", SHUANGFENG)
    asset = await register(client, county)
    warnings = {"kind": "asset_check", "as_of": "2024-04-02"}
    before = (await client.get("/api/v1/project-warnings", params=warnings, headers=county)).json()
    assert [w["asset_id"] for w in before["items"]] == [asset["id"]]

    body = report(asset)
    sent = await client.post(CHECKS, json=body, headers=village)
    assert sent.status_code == 201, sent.text
    assert sent.json()["photo_refs"] == body["photo_refs"] and sent.json()["kind"] == "yearly"
    again = await client.post(CHECKS, json=body, headers=village)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    changed = await client.post(CHECKS, json=body | {"checked_on": "2024-03-13"}, headers=village)
    assert changed.status_code == 409 and changed.json()["code"] == "report_id_in_use"

    checks = (await client.get(f"/api/v1/assets/{asset['id']}", headers=county)).json()["checks"]
    assert [(c["year"], c["result"], c["checked_on"]) for c in checks] == [(2024, "normal", "2024-03-12")]
    after = (await client.get("/api/v1/project-warnings", params=warnings, headers=county)).json()
    assert after["items"] == []
    # A second yearly report of the same year is refused and keeps nothing; an upkeep one is kept.
    second = await client.post(CHECKS, json=report(asset), headers=village)
    assert second.status_code == 409 and second.json()["code"] == "check_done"
    upkeep = report(asset, kind="upkeep", year=None, result="problem", problem="棚膜破损两处")
    assert (await client.post(CHECKS, json=upkeep, headers=village)).status_code == 201
    listed = (await client.get(CHECKS, params={"asset_id": asset["id"]}, headers=county)).json()["items"]
    assert sorted(r["id"] for r in listed) == sorted([body["id"], upkeep["id"]])


async def test_a_phones_offline_batch_is_answered_item_by_item_and_a_retry_changes_nothing(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    village = await user_headers("cun", "village_cadre", SHUANGFENG)
    mine = await register(client, county)
    theirs = await register(client, county, area_code=HUANGJIN, name="黄金村产业路")
    items = [
        report(mine, kind="upkeep", year=None),
        report(theirs),  # another village's asset: unknown here
        report(mine, year=None),  # a yearly check without its year
        report(mine, checked_on="2999-01-01"),
        report(mine),
        report(mine),  # the same year again: the first is kept
    ]
    answer = await client.post(f"{CHECKS}/batch", json={"items": items}, headers=village)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    statuses = [i["status"] for i in result["items"]]
    assert statuses[:4] == ["created", "invalid", "invalid", "invalid"]
    assert sorted(statuses[4:]) == ["conflict", "created"]
    assert result["items"][1]["error"]["code"] == "asset_not_found"
    assert result["items"][3]["error"]["code"] == "date_in_future"
    conflict = next(i for i in result["items"][4:] if i["status"] == "conflict")
    assert conflict["error"]["code"] == "check_done"
    assert (result["created"], result["duplicates"], result["failed"]) == (2, 0, 4)

    again = (await client.post(f"{CHECKS}/batch", json={"items": items}, headers=village)).json()
    created = [i["index"] for i in result["items"] if i["status"] == "created"]
    assert [again["items"][i]["status"] for i in created] == ["duplicate", "duplicate"]
    listed = (await client.get(CHECKS, headers=county)).json()["items"]
    assert len(listed) == 2
    checks = (await client.get(f"/api/v1/assets/{mine['id']}", headers=county)).json()["checks"]
    assert len(checks) == 1
    # An auditor reads but does not report.
    auditor = await user_headers("shenji", "auditor", COUNTY)
    refused = await client.post(CHECKS, json=report(mine, kind="upkeep", year=None), headers=auditor)
    assert refused.status_code == 403
