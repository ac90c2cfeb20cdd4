"""The project library (项目库) and its money through the gateway: a project's steps and who may take
them, money that can't be overdrawn even by racing payments, exact retries, and 篇4's figures by sector
out of data (72项 4.41亿元, the 援疆 share to grassroots and livelihood)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.conftest import UserFactory
from tests.support.projects import WAN, project_body
from tests.support.registry import COUNTY, HUANGJIN, OTHER_TOWN, SHUANGFENG, TOWN

PROJECTS = "/api/v1/projects"
YI = 10_000 * WAN  # 1亿元 in fen


async def create(client: httpx.AsyncClient, headers: dict | None = None, **fields: Any) -> dict[str, Any]:
    response = await client.post(PROJECTS, json=project_body(**fields), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def step(
    client: httpx.AsyncClient, project: dict, action: str, on: str, headers: dict | None = None, **more: Any
) -> httpx.Response:
    return await client.post(
        f"{PROJECTS}/{project['id']}/actions", json={"action": action, "on": on, **more}, headers=headers
    )


async def move(
    client: httpx.AsyncClient, project: dict, kind: str, fen: int, headers: dict | None = None, **more: Any
) -> httpx.Response:
    body = {
        "id": str(uuid.uuid4()),
        "source": "central",
        "kind": kind,
        "amount_fen": fen,
        "on": "2023-04-01",
        "voucher": "财预〔2023〕12号",
    }
    return await client.post(f"{PROJECTS}/{project['id']}/fund-movements", json=body | more, headers=headers)


async def test_a_project_runs_from_the_library_to_an_asset_with_each_roles_actions(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    town = await user_headers("zhen", "town_reviewer", OTHER_TOWN)
    village = await user_headers("cun", "village_cadre", SHUANGFENG)
    project = await create(client, county)
    assert project["state"] == "in_library" and project["budget_fen"] == 150 * WAN
    assert project["actions"] == ["approve", "cancel"]

    async def actions(headers: dict) -> list[str]:
        response = await client.get(f"{PROJECTS}/{project['id']}", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["actions"]

    assert await actions(town) == [] and await actions(village) == []
    assert (await step(client, project, "approve", "2023-02-01", town)).status_code == 403
    assert (await step(client, project, "approve", "2023-02-01", county)).status_code == 200
    assert await actions(town) == ["start"]
    assert await actions(county) == ["start", "adjust", "cancel"]
    assert (await step(client, project, "start", "2023-03-01", village)).status_code == 403
    assert (
        await step(client, project, "start", "2023-01-31", town)
    ).status_code == 422  # before the last step
    assert (await step(client, project, "start", "2023-03-02", town)).status_code == 200
    adjusted = await step(client, project, "adjust", "2023-03-16", county, planned_end_on="2023-08-31")
    assert adjusted.status_code == 422 and adjusted.json()["code"] == "reason_required"
    adjusted = await step(
        client,
        project,
        "adjust",
        "2023-03-16",
        county,
        reason="工期顺延",
        document="县乡村振兴局〔2023〕5号",
        planned_end_on="2023-08-31",
    )
    assert adjusted.status_code == 200, adjusted.text
    for action, on, who in (
        ("complete", "2023-08-20", town),
        ("accept", "2023-09-01", county),
        ("hand_over", "2023-09-10", county),
    ):
        response = await step(client, project, action, on, who)
        assert response.status_code == 200, (action, response.text)
    detail = (await client.get(f"{PROJECTS}/{project['id']}", headers=village)).json()
    assert detail["state"] == "handed_over" and detail["actions"] == []
    assert [s["action"] for s in detail["steps"]] == [
        "approve",
        "start",
        "adjust",
        "complete",
        "accept",
        "hand_over",
    ]
    assert detail["planned_end_on"] == "2023-08-31" and detail["started_on"] == "2023-03-02"
    assert (
        await step(client, project, "cancel", "2023-09-11", county, reason="r", document="d")
    ).status_code == 409


async def test_money_is_never_overdrawn_and_a_refused_movement_changes_nothing(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    project = await create(client, county)
    assert (await move(client, project, "received", 100 * WAN, county)).status_code == 201
    too_much = await move(client, project, "paid", 120 * WAN, county)
    assert too_much.status_code == 422 and too_much.json()["code"] == "paid_above_received"
    over_budget = await move(client, project, "received", 51 * WAN, county)
    assert over_budget.status_code == 422 and over_budget.json()["code"] == "received_above_budget"
    no_line = await move(client, project, "received", 1, county, source="province")
    assert no_line.status_code == 422 and no_line.json()["code"] == "no_budget_line"
    # Twenty payments of 10万 race for the 100万 received: exactly ten land.
    answers = await asyncio.gather(*(move(client, project, "paid", 10 * WAN, county) for _ in range(20)))
    assert sorted(a.status_code for a in answers) == [201] * 10 + [422] * 10
    read = (await client.get(f"{PROJECTS}/{project['id']}", headers=county)).json()
    assert (read["budget_fen"], read["received_fen"], read["paid_fen"]) == (150 * WAN, 100 * WAN, 100 * WAN)
    trail = (await client.get(f"{PROJECTS}/{project['id']}/fund-movements", headers=county)).json()["items"]
    assert len(trail) == 11
    # A budget can't be adjusted below what was received.
    await step(client, project, "approve", "2023-02-01", county)
    lower = await step(
        client,
        project,
        "adjust",
        "2023-04-02",
        county,
        reason="r",
        document="d",
        budget=[{"source": "central", "budget_fen": 99 * WAN}],
    )
    assert lower.status_code == 422 and lower.json()["code"] == "budget_below_received"


async def test_retries_are_exact_even_at_the_same_moment(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    for _ in range(10):
        body = project_body()
        first, second = await asyncio.gather(
            *(client.post(PROJECTS, json=body, headers=county) for _ in range(2))
        )
        assert sorted((first.status_code, second.status_code)) == [200, 201], (first.text, second.text)
        assert first.json()["id"] == second.json()["id"] == body["id"]
    changed = await client.post(PROJECTS, json=body | {"name": "另一个项目"}, headers=county)
    assert changed.status_code == 409 and changed.json()["code"] == "project_id_in_use"
    project = {"id": body["id"]}
    payment = {"id": str(uuid.uuid4())}
    copies = await asyncio.gather(
        *(move(client, project, "received", 5 * WAN, county, **payment) for _ in range(2))
    )
    assert sorted(c.status_code for c in copies) == [200, 201]
    read = (await client.get(f"{PROJECTS}/{body['id']}", headers=county)).json()
    assert read["received_fen"] == 5 * WAN
    assert (await move(client, project, "received", 6 * WAN, county, **payment)).status_code == 409


async def test_scope_holds_for_projects(client: httpx.AsyncClient, user_headers: UserFactory) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    other_town = await user_headers("zhen", "town_reviewer", TOWN)  # 黄金村's town, not 双丰村's
    project = await create(client, county)
    assert (await client.get(f"{PROJECTS}/{project['id']}", headers=other_town)).status_code == 404
    assert (await step(client, project, "approve", "2023-02-01", other_town)).status_code in (403, 404)
    listed = (await client.get(PROJECTS, headers=other_town)).json()["items"]
    assert listed == []
    outside = await client.post(PROJECTS, json=project_body(area_code="610925000000"), headers=county)
    assert outside.status_code == 403 and outside.json()["code"] == "outside_scope"
    assert (await client.get(PROJECTS, params={"within": HUANGJIN}, headers=county)).json()["items"] == []


# 篇4: 72 projects and 4.41亿元 received, by sector.
SECTORS = {
    "housing_facilities": (15, 156),
    "agriculture": (22, 101),
    "social": (17, 100),
    "settlement_housing": (18, 84),
}
PREFECTURE, PREFECTURE_COUNTY = "652300000000", "652301000000"


def split(total: int, parts: int) -> list[int]:
    share, rest = divmod(total, parts)
    return [share + (1 if i < rest else 0) for i in range(parts)]


async def test_the_prefectures_figures_come_out_of_data(admin: httpx.AsyncClient) -> None:
    counterpart_to_livelihood = 0
    for sector, (count, hundredths_of_yi) in SECTORS.items():
        for i, fen in enumerate(split(hundredths_of_yi * YI // 100, count)):
            # Every fifth project is paid by counterpart support (援疆); one of them is county-level industry.
            source = "counterpart" if i % 5 == 0 else "central"
            project = await create(
                admin,
                area_code=PREFECTURE_COUNTY,
                sector=sector,
                entered_on="2023-02-20",
                budget=[{"source": source, "budget_fen": fen}],
                name=f"{sector}-{i}",
            )
            counterpart_to_livelihood += fen if source == "counterpart" else 0
            assert (
                await move(admin, project, "received", fen, source=source, on="2023-03-31")
            ).status_code == 201
    stats = (
        await admin.get("/api/v1/project-stats", params={"area": PREFECTURE, "as_of": "2023-04-30"})
    ).json()
    assert stats["projects"] == 72 and stats["received_fen"] == 441 * YI // 100
    by_sector = {s["sector"]: (s["projects"], s["received_fen"]) for s in stats["by_sector"]}
    for sector, (count, hundredths_of_yi) in SECTORS.items():
        assert by_sector[sector] == (count, hundredths_of_yi * YI // 100)
    share = stats["counterpart"]
    assert (
        share["received_fen"]
        == counterpart_to_livelihood
        == share["livelihood_fen"]
        == share["grassroots_fen"]
    )
    assert share["meets_rule"] is True
    assert [c["area_code"] for c in stats["children"]] == [PREFECTURE_COUNTY]
    # As of the day before they entered the library: nothing; money counts from the day it arrived.
    before = (
        await admin.get("/api/v1/project-stats", params={"area": PREFECTURE, "as_of": "2023-02-19"})
    ).json()
    assert before["projects"] == 0 and before["budget_fen"] == 0
    entered = (
        await admin.get("/api/v1/project-stats", params={"area": PREFECTURE, "as_of": "2023-03-01"})
    ).json()
    assert (
        entered["projects"] == 72
        and entered["received_fen"] == 0
        and entered["budget_fen"] == 441 * YI // 100
    )


async def test_warnings_list_the_projects_behind_plan_on_a_date_and_not_the_others(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    late = await create(client, county, name="迟迟未开工")  # planned start 2023-03-01, never started
    on_time = await create(client, county, name="按期开工")
    cancelled = await create(client, county, name="已取消")
    slow = await create(client, county, name="完工逾期")  # started, planned end 2023-08-05 passed
    for project in (on_time, slow):
        await step(client, project, "approve", "2023-02-01", county)
        assert (await step(client, project, "start", "2023-02-28", county)).status_code == 200
    await step(
        client, cancelled, "cancel", "2023-02-20", county, reason="资金调整", document="县发改〔2023〕3号"
    )

    async def warned(kind: str, as_of: str) -> dict[str, int]:
        params = {"kind": kind, "as_of": as_of}
        response = await client.get("/api/v1/project-warnings", params=params, headers=county)
        assert response.status_code == 200, response.text
        return {w["name"]: w["days_overdue"] for w in response.json()["items"]}

    assert await warned("start", "2023-03-01") == {}  # due that day: not yet late
    assert await warned("start", "2023-03-11") == {late["name"]: 10}
    assert await warned("completion", "2023-08-05") == {}
    assert await warned("completion", "2023-08-15") == {slow["name"]: 10, on_time["name"]: 10}
    await step(client, slow, "complete", "2023-08-20", county)
    assert await warned("completion", "2023-08-25") == {on_time["name"]: 20}
    assert await warned("completion", "2023-08-15") == {slow["name"]: 10, on_time["name"]: 10}  # as it stood
    town = await user_headers("zhen", "town_reviewer", TOWN)  # 黄金村's town: none of these
    assert (await client.get("/api/v1/project-warnings", params={"kind": "start"}, headers=town)).json()[
        "items"
    ] == []
