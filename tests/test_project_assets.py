"""Poverty-alleviation assets (扶贫资产): a hand-over forms one, titled, checked yearly, earning income
whose distribution, like a disposal, takes effect only after its public notice ran without an
unresolved objection; a distribution above the income is refused and changes nothing; the undone
yearly check is warned of as of a date."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from tests.conftest import UserFactory
from tests.support.projects import WAN, asset_body
from tests.support.registry import COUNTY, HUANGJIN, OTHER_TOWN, SHUANGFENG
from tests.test_projects import create, move, step

ASSETS, NOTICES = "/api/v1/assets", "/api/v1/asset-notices"


async def register(client: httpx.AsyncClient, headers: dict, **fields: Any) -> dict[str, Any]:
    response = await client.post(ASSETS, json=asset_body(**fields), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def notice(client: httpx.AsyncClient, asset: dict, headers: dict, **fields: Any) -> httpx.Response:
    body = {
        "subject": "operation",
        "place": "双丰村村务公开栏",
        "posted_from": "2024-01-10",
        "posted_to": "2024-01-16",
    }
    return await client.post(f"{ASSETS}/{asset['id']}/notices", json=body | fields, headers=headers)


async def conclude(
    client: httpx.AsyncClient, notice_id: str, action: str, on: str, headers: dict
) -> httpx.Response:
    return await client.post(
        f"{NOTICES}/{notice_id}/actions", json={"action": action, "on": on}, headers=headers
    )


def share(year: int = 2023, households: int = 6 * WAN, posts: int = 3 * WAN, village: int = 1 * WAN) -> dict:
    return {"year": year, "to_households_fen": households, "to_posts_fen": posts, "to_village_fen": village}


async def test_a_project_handed_over_becomes_an_asset_worth_what_was_paid(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    town = await user_headers("zhen", "town_reviewer", OTHER_TOWN)
    project = await create(client, county)
    assert (await move(client, project, "received", 150 * WAN, county)).status_code == 201
    assert (await move(client, project, "paid", 140 * WAN, county)).status_code == 201
    for action, on, who in (
        ("approve", "2023-02-01", county),
        ("start", "2023-03-01", town),
        ("complete", "2023-08-01", town),
        ("accept", "2023-08-20", county),
    ):
        assert (await step(client, project, action, on, who)).status_code == 200
    assert (await client.get(f"/api/v1/projects/{project['id']}", headers=county)).json()["asset_id"] is None
    handed = await step(client, project, "hand_over", "2023-09-01", county)
    assert handed.status_code == 200, handed.text
    asset_id = handed.json()["asset_id"]
    assert asset_id is not None
    asset = (await client.get(f"{ASSETS}/{asset_id}", headers=town)).json()
    assert asset["project_id"] == project["id"] and asset["area_code"] == SHUANGFENG
    assert (asset["name"], asset["kind"], asset["value_fen"]) == (
        "双丰村温室大棚建设项目",
        "operating",
        140 * WAN,
    )
    assert asset["formed_on"] == "2023-09-01" and asset["state"] == "active" and asset["owner_type"] is None
    # Its project can't form a second one, directly or otherwise.
    again = await client.post(ASSETS, json=asset_body(project_id=project["id"]), headers=county)
    assert again.status_code == 409 and again.json()["code"] == "project_has_asset"
    # Titling (确权) is the county's, with the owner's name, and audited; a stale version is 409.
    title = {"base_version": 1, "owner_type": "village_collective", "owner_name": "双丰村股份经济合作社"}
    assert (await client.patch(f"{ASSETS}/{asset_id}", json=title, headers=town)).status_code == 403
    titled = await client.patch(
        f"{ASSETS}/{asset_id}", json=title | {"upkeep_owner": "村委会"}, headers=county
    )
    assert titled.status_code == 200, titled.text
    assert titled.json()["owner_name"] == "双丰村股份经济合作社" and titled.json()["version"] == 2
    stale = await client.patch(f"{ASSETS}/{asset_id}", json=title, headers=county)
    assert stale.status_code == 409
    half = await client.patch(
        f"{ASSETS}/{asset_id}", json={"base_version": 2, "owner_type": "other"}, headers=county
    )
    assert half.status_code == 422


async def test_checks_income_and_a_distribution_notice_run_by_role(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    town = await user_headers("zhen", "town_reviewer", OTHER_TOWN)
    village = await user_headers("cun", "village_cadre", SHUANGFENG)
    asset = await register(client, county)
    assert (await client.post(ASSETS, json=asset_body(), headers=town)).status_code == 403
    # The yearly check: the town reports it (a village cadre may only read), once a year.
    check = {"year": 2024, "checked_on": "2024-03-20", "result": "problem", "problem": "棚膜破损两处"}
    assert (
        await client.post(f"{ASSETS}/{asset['id']}/checks", json=check, headers=village)
    ).status_code == 403
    done = await client.post(f"{ASSETS}/{asset['id']}/checks", json=check, headers=town)
    assert done.status_code == 201, done.text
    assert done.json()["checks"] == [
        {
            "year": 2024,
            "checked_on": "2024-03-20",
            "result": "problem",
            "problem": "棚膜破损两处",
            "checked_by": done.json()["checks"][0]["checked_by"],
        }
    ]
    twice = await client.post(f"{ASSETS}/{asset['id']}/checks", json=check, headers=town)
    assert twice.status_code == 409 and twice.json()["code"] == "check_done"
    undescribed = check | {"year": 2025, "problem": None}
    assert (
        await client.post(f"{ASSETS}/{asset['id']}/checks", json=undescribed, headers=town)
    ).status_code == 422
    # Income of 2023: 10万; a distribution notice for more is 422 and changes nothing.
    income = await client.put(
        f"{ASSETS}/{asset['id']}/incomes/2023", json={"income_fen": 10 * WAN}, headers=county
    )
    assert income.status_code == 200, income.text
    over = await notice(client, asset, county, subject="distribution", distribution=share(households=7 * WAN))
    assert over.status_code == 422 and over.json()["code"] == "distribution_above_income"
    read = (await client.get(f"{ASSETS}/{asset['id']}", headers=county)).json()
    assert read["incomes"] == [{"year": 2023, "income_fen": 10 * WAN, "pending_fen": 0, "distributed_fen": 0}]
    assert (await client.get(f"{ASSETS}/{asset['id']}/notices", headers=county)).json() == []
    no_income = await notice(client, asset, county, subject="distribution", distribution=share(year=2022))
    assert no_income.status_code == 422 and no_income.json()["code"] == "no_income"
    # Within the income: pending until it takes effect, and it can't be over-promised twice.
    posted = await notice(
        client,
        asset,
        county,
        subject="distribution",
        distribution=share(),
        photo_ref="photos/notice-2024-01.jpg",
    )
    assert posted.status_code == 201, posted.text
    distribution = posted.json()
    assert distribution["state"] == "posted" and distribution["to_households_fen"] == 6 * WAN
    second = await notice(client, asset, county, subject="distribution", distribution=share(households=1))
    assert second.status_code == 422
    lowered = await client.put(
        f"{ASSETS}/{asset['id']}/incomes/2023", json={"income_fen": 9 * WAN}, headers=county
    )
    assert lowered.status_code == 422 and lowered.json()["code"] == "income_below_distributed"
    # An objection (by the town) holds it: not before the period ends, nor while the objection is open.
    objection = {"raised_on": "2024-01-12", "text": "脱贫户分红名单漏了一户"}
    objected = await client.post(f"{NOTICES}/{distribution['id']}/objections", json=objection, headers=town)
    assert objected.status_code == 201, objected.text
    objection_id = objected.json()["objections"][0]["id"]
    early = await conclude(client, distribution["id"], "take_effect", "2024-01-16", county)
    assert early.status_code == 409 and early.json()["code"] == "notice_period_open"
    held = await conclude(client, distribution["id"], "take_effect", "2024-01-17", county)
    assert held.status_code == 409 and held.json()["code"] == "notice_objected"
    assert (await conclude(client, distribution["id"], "take_effect", "2024-01-17", town)).status_code == 403
    resolve = {"resolved_on": "2024-01-15", "resolution": "核实后补入名单"}
    url = f"{NOTICES}/{distribution['id']}/objections/{objection_id}/resolve"
    assert (await client.post(url, json=resolve, headers=town)).status_code == 403
    assert (await client.post(url, json=resolve, headers=county)).status_code == 200
    effective = await conclude(client, distribution["id"], "take_effect", "2024-01-17", county)
    assert effective.status_code == 200, effective.text
    assert effective.json()["state"] == "effective" and effective.json()["concluded_on"] == "2024-01-17"
    read = (await client.get(f"{ASSETS}/{asset['id']}", headers=village)).json()
    assert read["incomes"] == [
        {"year": 2023, "income_fen": 10 * WAN, "pending_fen": 0, "distributed_fen": 10 * WAN}
    ]
    closed = await client.post(f"{NOTICES}/{distribution['id']}/objections", json=objection, headers=town)
    assert closed.status_code == 409 and closed.json()["code"] == "notice_closed"
    # A withdrawn notice releases what it promised.
    await client.put(f"{ASSETS}/{asset['id']}/incomes/2023", json={"income_fen": 12 * WAN}, headers=county)
    extra = await notice(client, asset, county, subject="distribution", distribution=share(2023, WAN, WAN, 0))
    assert extra.status_code == 201
    assert (await conclude(client, extra.json()["id"], "withdraw", "2024-01-12", county)).status_code == 200
    read = (await client.get(f"{ASSETS}/{asset['id']}", headers=county)).json()
    assert read["incomes"][0]["pending_fen"] == 0 and read["incomes"][0]["distributed_fen"] == 10 * WAN


async def test_a_disposal_ends_the_asset_only_after_its_notice(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    asset = await register(client, county)
    unapproved = await notice(client, asset, county, subject="disposal")
    assert unapproved.status_code == 422
    approval = {"reason": "大棚损毁无法修复", "document": "县乡村振兴局〔2024〕8号"}
    posted = await notice(client, asset, county, subject="disposal", disposal=approval)
    assert posted.status_code == 201, posted.text
    twice = await notice(client, asset, county, subject="disposal", disposal=approval)
    assert twice.status_code == 409 and twice.json()["code"] == "disposal_in_notice"
    still = (await client.get(f"{ASSETS}/{asset['id']}", headers=county)).json()
    assert still["state"] == "active"
    done = await conclude(client, posted.json()["id"], "take_effect", "2024-01-20", county)
    assert done.status_code == 200, done.text
    disposed = (await client.get(f"{ASSETS}/{asset['id']}", headers=county)).json()
    assert disposed["state"] == "disposed" and disposed["disposed_on"] == "2024-01-20"
    after = await notice(client, asset, county)
    assert after.status_code == 409 and after.json()["code"] == "asset_disposed"


async def test_scope_holds_for_assets_and_their_projects(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    elsewhere = await user_headers("cun", "village_cadre", HUANGJIN)
    asset = await register(client, county)
    assert (await client.get(f"{ASSETS}/{asset['id']}", headers=elsewhere)).status_code == 404
    assert (await client.get(ASSETS, headers=elsewhere)).json()["items"] == []
    project = await create(client, county)
    not_handed = await client.post(ASSETS, json=asset_body(project_id=project["id"]), headers=county)
    assert not_handed.status_code == 409 and not_handed.json()["code"] == "project_not_handed_over"
    unknown = await client.post(
        ASSETS, json=asset_body(project_id="00000000-0000-4000-8000-000000000000"), headers=county
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "project_not_found"


async def test_warnings_as_of_a_date_list_the_undone_yearly_check_and_not_the_others(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    unchecked = await register(client, county, name="未核查资产")
    checked = await register(client, county, name="已核查资产")
    late_check = await register(client, county, name="四月才核查的资产")
    await register(client, county, name="当年新形成的资产", formed_on="2024-02-01")
    disposed = await register(client, county, name="已处置资产")
    for asset, on in ((checked, "2024-03-15"), (late_check, "2024-04-10")):
        body = {"year": 2024, "checked_on": on, "result": "normal"}
        assert (
            await client.post(f"{ASSETS}/{asset['id']}/checks", json=body, headers=county)
        ).status_code == 201
    gone = await notice(
        client, disposed, county, subject="disposal", disposal={"reason": "r", "document": "d"}
    )
    assert (await conclude(client, gone.json()["id"], "take_effect", "2024-01-20", county)).status_code == 200

    async def warned(as_of: str, kind: str = "asset_check") -> list[str]:
        params = {"kind": kind, "as_of": as_of}
        response = await client.get("/api/v1/project-warnings", params=params, headers=county)
        assert response.status_code == 200, response.text
        return sorted(w["name"] for w in response.json()["items"])

    assert await warned("2024-03-31") == []  # not yet past the deadline of 31 March
    assert await warned("2024-04-01") == ["四月才核查的资产", "未核查资产"]
    assert await warned("2024-04-10") == ["未核查资产"]
    first = (
        await client.get(
            "/api/v1/project-warnings", params={"kind": "asset_check", "as_of": "2024-04-11"}, headers=county
        )
    ).json()["items"]
    assert first[0]["due_on"] == "2024-03-31" and first[0]["days_overdue"] == 11
    assert first[0]["kind"] == "asset_check_overdue" and first[0]["asset_id"] == unchecked["id"]
    # A notice whose period ended without a decision is due.
    posted = await notice(client, checked, county, posted_from="2024-05-01", posted_to="2024-05-07")
    assert await warned("2024-05-07", "notice_due") == []
    assert await warned("2024-05-08", "notice_due") == ["双丰村村务公开栏 · operation"]
    assert (
        await conclude(client, posted.json()["id"], "take_effect", "2024-05-09", county)
    ).status_code == 200
    assert await warned("2024-05-08", "notice_due") == ["双丰村村务公开栏 · operation"]  # as it stood
    assert await warned("2024-05-10", "notice_due") == []


async def test_the_asset_figures_come_from_the_rollups_as_of_a_date(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    asset = await register(client, county)
    await register(client, county, kind="public_welfare", value_fen=20 * WAN, formed_on="2024-02-01")
    title = {"base_version": 1, "owner_type": "village_collective", "owner_name": "双丰村"}
    assert (await client.patch(f"{ASSETS}/{asset['id']}", json=title, headers=county)).status_code == 200
    check = {"year": 2024, "checked_on": "2024-03-20", "result": "problem", "problem": "棚膜破损"}
    assert (
        await client.post(f"{ASSETS}/{asset['id']}/checks", json=check, headers=county)
    ).status_code == 201
    await client.put(f"{ASSETS}/{asset['id']}/incomes/2023", json={"income_fen": 12 * WAN}, headers=county)
    posted = await notice(client, asset, county, subject="distribution", distribution=share())
    assert (
        await conclude(client, posted.json()["id"], "take_effect", "2024-01-17", county)
    ).status_code == 200

    async def figures(as_of: str) -> dict[str, Any]:
        params = {"area": SHUANGFENG, "as_of": as_of}
        response = await client.get("/api/v1/asset-stats", params=params, headers=county)
        assert response.status_code == 200, response.text
        return response.json()

    before = await figures("2024-01-16")
    assert (before["assets"], before["value_fen"], before["income_fen"], before["distributed_fen"]) == (
        1,
        140 * WAN,
        12 * WAN,
        0,
    )
    after = await figures("2024-04-01")
    assert after["assets"] == 2 and after["value_fen"] == 160 * WAN
    kinds = {k["kind"]: (k["assets"], k["value_fen"]) for k in after["by_kind"]}
    assert kinds == {"operating": (1, 140 * WAN), "public_welfare": (1, 20 * WAN), "household": (0, 0)}
    owners = {o["owner_type"]: o["assets"] for o in after["by_owner"]}
    assert owners == {"village_collective": 1, "household": 0, "other": 0, "untitled": 1}
    assert after["checks"] == {"year": 2024, "due": 1, "done": 1, "problems": 1}
    assert after["distributed"] == {
        "households_fen": 6 * WAN,
        "posts_fen": 3 * WAN,
        "village_fen": 1 * WAN,
        "other_fen": 0,
    }
    # The county above counts the same.
    county_figures = await client.get(
        "/api/v1/asset-stats", params={"area": COUNTY, "as_of": "2024-04-01"}, headers=county
    )
    assert county_figures.json()["distributed_fen"] == 10 * WAN and county_figures.json()["assets"] == 2


async def test_money_is_audited_old_to_new_and_racing_distributions_never_exceed_the_income(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    auditor = await user_headers("shenji", "auditor", COUNTY)
    asset = await register(client, county)
    url = f"{ASSETS}/{asset['id']}/incomes/2023"
    assert (await client.put(url, json={"income_fen": 10 * WAN}, headers=county)).status_code == 200
    assert (await client.put(url, json={"income_fen": 12 * WAN}, headers=county)).status_code == 200
    # Ten notices of 3万 each race for the 12万: exactly four land, and the rest change nothing.
    answers = await asyncio.gather(
        *(
            notice(client, asset, county, subject="distribution", distribution=share(2023, 3 * WAN, 0, 0))
            for _ in range(10)
        )
    )
    assert sorted(a.status_code for a in answers) == [201] * 4 + [422] * 6
    read = (await client.get(f"{ASSETS}/{asset['id']}", headers=county)).json()
    assert read["incomes"][0] == {
        "year": 2023,
        "income_fen": 12 * WAN,
        "pending_fen": 12 * WAN,
        "distributed_fen": 0,
    }
    landed = next(a.json()["id"] for a in answers if a.status_code == 201)
    assert (await conclude(client, landed, "take_effect", "2024-01-17", county)).status_code == 200
    params = {"resource_type": "asset", "resource_id": asset["id"], "limit": "100"}
    response = await client.get("/api/v1/audit/events", params=params, headers=auditor)
    assert response.status_code == 200, response.text
    changes = [(e["action"], json.loads(e["changes"])) for e in reversed(response.json()["items"])]
    assert changes[0] == ("asset.register", {"value_fen": [None, 140 * WAN]})
    assert changes[1] == ("asset.income", {"income.2023.income_fen": [None, 10 * WAN]})
    assert changes[2] == ("asset.income", {"income.2023.income_fen": [10 * WAN, 12 * WAN]})
    pending = [c["income.2023.pending_fen"] for a, c in changes if a == "asset.notice_distribution"]
    assert sorted(pending) == [[0, 3 * WAN], [3 * WAN, 6 * WAN], [6 * WAN, 9 * WAN], [9 * WAN, 12 * WAN]]
    assert changes[-1] == (
        "asset.notice_take_effect",
        {
            "notice.state": ["posted", "effective"],
            "income.2023.pending_fen": [12 * WAN, 9 * WAN],
            "income.2023.distributed_fen": [0, 3 * WAN],
        },
    )
