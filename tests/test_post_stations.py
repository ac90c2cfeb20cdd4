"""Photovoltaic posts (光伏公益岗位) name their station by id: jobs learns stations and their months'
allocation to post wages from projects' events (once each), a post names only a station it knows in the
caller's area whose village holds the post, and the post figures warn where a station's posts plan to
pay more in a month than projects allocated to them."""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from fangpin.demo_jobs import demo_posts
from fangpin.demo_projects import load_projects
from tests.conftest import UserFactory
from tests.support.database import libpq_url
from tests.support.events import deliver, forget_positions, relay_of
from tests.support.jobs_stations import allocate, deliver_to_jobs, known_station, station_event
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, SHUANGFENG, TOWN, make_areas, make_household
from tests.support.stations import STATIONS, station
from tests.support.system import Database

POSTS = "/api/v1/welfare-posts"
STATS = "/api/v1/welfare-post-stats"


def pv_post(station_id: str, area_code: str = HUANGJIN, **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "area_code": area_code,
        "title": "光伏电站保洁员",
        "type": "cleaning",
        "funding_source": "photovoltaic",
        "station_id": station_id,
        "monthly_subsidy": 500,
        "capacity": 3,
        "starts_on": "2024-01-01",
    }
    return body | fields


async def station_figures(admin: httpx.AsyncClient, area: str, as_of: str) -> list[dict[str, Any]]:
    response = await admin.get(STATS, params={"area": area, "as_of": as_of})
    assert response.status_code == 200, response.text
    return response.json()["stations"]


async def test_a_station_registered_renamed_and_allocated_in_projects_reaches_jobs_once(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database
) -> None:
    await make_areas(admin)
    made = await station(admin, {}, SHUANGFENG)
    renamed = await admin.patch(f"{STATIONS}/{made['id']}", json={"base_version": 1, "name": "双丰村1号电站"})
    assert renamed.status_code == 200, renamed.text
    revenue = {"revenue_fen": 1000_00, "to_posts_fen": 600_00, "to_households_fen": 0, "to_village_fen": 0}
    put = await admin.put(f"{STATIONS}/{made['id']}/revenues/2024-05", json=revenue)
    assert put.status_code == 200, put.text
    unchanged_posts = await admin.put(
        f"{STATIONS}/{made['id']}/revenues/2024-05", json=revenue | {"to_village_fen": 100_00}
    )
    assert unchanged_posts.status_code == 200  # the posts' share is the same: nothing for jobs

    relay = relay_of(system, "projects")
    assert await deliver(relay, 3) == 3  # registered, changed, allocated
    post = await admin.post(POSTS, json=pv_post(made["id"], SHUANGFENG))
    assert post.status_code == 201, post.text
    assert (post.json()["station_id"], post.json()["station_note"]) == (made["id"], None)
    [figure] = await station_figures(admin, SHUANGFENG, "2024-05-20")
    assert (figure["name"], figure["allocated_fen"], figure["month"]) == ("双丰村1号电站", 600_00, "2024-05")

    await forget_positions(clean_database, "projects")  # as if the relay crashed before noting it
    assert await relay.deliver_pending() == 3  # sent again …
    again = await admin.post(POSTS, json=pv_post(made["id"], SHUANGFENG))
    assert again.status_code == 201  # … and taken in once: the station is there, unchanged
    assert await station_figures(admin, SHUANGFENG, "2024-05-20") == [figure]


async def test_a_repeated_event_is_taken_in_once_and_only_projects_delivers_its_own(system: FastAPI) -> None:
    village = HUANGJIN
    payload = {"station_id": str(uuid.uuid4()), "name": "黄金村电站", "area_code": village}
    event = station_event("station.registered", village, payload | {"asset_id": str(uuid.uuid4())})
    first = await deliver_to_jobs(system, [event, event])
    assert (first["handled"], first["repeats"]) == (1, 1)
    assert (await deliver_to_jobs(system, [event]))["repeats"] == 1
    jobs = system.state.local_apps["jobs"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=jobs), base_url="http://jobs") as direct:
        nobody = await direct.post("/internal/v1/events", json={"source": "projects", "events": [event]})
    assert nobody.status_code == 401


async def test_a_post_names_only_a_known_station_in_the_callers_area_whose_village_holds_it(
    admin: httpx.AsyncClient, system: FastAPI, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    huangjin = await known_station(system, HUANGJIN)
    elsewhere = await known_station(system, "610925101201", "外县电站")  # another county's village
    cases = [
        (pv_post(str(uuid.uuid4())), "station_not_found"),  # projects never registered it
        (pv_post(huangjin, LONGQUAN), "post_outside_station_village"),  # the next village
        (pv_post(huangjin, TOWN), "post_outside_station_village"),  # the town: no one village's
    ]
    for body, code in cases:
        refused = await admin.post(POSTS, json=body)
        assert refused.status_code == 422 and refused.json()["code"] == code, refused.text
        assert refused.json()["errors"][0]["loc"] == ["body", "station_id"]
    assert (await admin.get(POSTS)).json()["items"] == []  # nothing of them was written

    county = await user_headers("xian", "county_admin", COUNTY)
    hidden = await admin.post(POSTS, json=pv_post(elsewhere), headers=county)
    assert hidden.status_code == 422 and hidden.json()["code"] == "station_not_found"  # outside the area

    good, bad = pv_post(huangjin), pv_post(huangjin, LONGQUAN)
    batch = (await admin.post(f"{POSTS}/batch", json={"items": [good, bad]})).json()
    assert [i["status"] for i in batch["items"]] == ["created", "invalid"]
    assert batch["items"][1]["error"]["errors"][0]["loc"] == ["body", "items", 1, "station_id"]
    retry = (await admin.post(f"{POSTS}/batch", json={"items": [good]})).json()
    assert retry["items"][0]["status"] == "duplicate"
    assert len((await admin.get(POSTS)).json()["items"]) == 1

    post = (await admin.get(f"{POSTS}/{good['id']}")).json()
    to_forestry = {"base_version": post["version"], "funding_source": "forestry", "station_id": None}
    changed = await admin.patch(f"{POSTS}/{good['id']}", json=to_forestry)
    assert changed.status_code == 200 and changed.json()["station_id"] is None, changed.text
    back = {"base_version": 2, "funding_source": "photovoltaic", "station_id": elsewhere}
    wrong = await admin.patch(f"{POSTS}/{good['id']}", json=back)
    assert wrong.status_code == 422 and wrong.json()["code"] == "post_outside_station_village"


async def test_the_post_figures_warn_where_a_months_planned_subsidies_exceed_the_allocation(
    admin: httpx.AsyncClient, system: FastAPI
) -> None:
    await make_areas(admin)
    huangjin = await known_station(system, HUANGJIN)
    post = await admin.post(POSTS, json=pv_post(huangjin, capacity=3))  # 500 yuan a month a place
    assert post.status_code == 201, post.text
    household = await make_household(admin, HUANGJIN, members=2)
    for member in household["members"]:
        body = {"person_id": member["id"], "starts_on": "2025-01-01"}
        assigned = await admin.post(f"{POSTS}/{post.json()['id']}/assignments", json=body)
        assert assigned.status_code == 201, assigned.text
    await allocate(system, huangjin, HUANGJIN, "2025-06", 800_00)

    [june] = await station_figures(admin, TOWN, "2025-06-30")
    assert (june["held"], june["planned_fen"], june["allocated_fen"]) == (2, 1000_00, 800_00)
    assert june["over_allocation"] is True
    await allocate(system, huangjin, HUANGJIN, "2025-06", 1000_00)  # projects raised the posts' share
    [june] = await station_figures(admin, TOWN, "2025-06-30")
    assert (june["allocated_fen"], june["over_allocation"]) == (1000_00, False)
    [july] = await station_figures(admin, TOWN, "2025-07-15")  # nothing allocated for July yet
    assert (july["allocated_fen"], july["over_allocation"]) == (None, True)
    [before] = await station_figures(admin, TOWN, "2024-12-31")  # the post, no one holding it yet
    assert (before["held"], before["planned_fen"], before["over_allocation"]) == (0, 0, False)
    assert await station_figures(admin, LONGQUAN, "2025-06-30") == []


async def test_the_demos_199_photovoltaic_places_name_its_ten_stations_in_their_villages(
    admin: httpx.AsyncClient, admin_headers: dict[str, str], system: FastAPI
) -> None:
    """篇1: 光伏公益岗位199个 over the town's 10 village stations: the projects demo registers the stations,
    its relay brings them to jobs, and every photovoltaic post of the jobs demo names one."""
    await load_projects(admin, admin_headers)
    assert await deliver(relay_of(system, "projects"), 11) >= 11  # ten stations and one month's allocation
    for body in demo_posts():
        created = await admin.post(POSTS, json=body)
        assert created.status_code == 201, created.text
    stations = {s["id"]: s for s in (await admin.get(STATIONS, params={"limit": 50})).json()["items"]}
    posts = (await admin.get(POSTS, params={"limit": 500, "funding_source": "photovoltaic"})).json()["items"]
    assert sum(p["capacity"] for p in posts) == 199
    assert {p["station_id"] for p in posts} == set(stations) and len(stations) == 10
    assert all(p["area_code"] == stations[p["station_id"]]["area_code"] for p in posts)
    figures = await station_figures(admin, "610924108000", "2024-05-31")
    assert len(figures) == 10 and sum(1 for f in figures if f["allocated_fen"] is not None) == 1


async def test_a_post_from_before_station_ids_keeps_its_typed_station_as_a_read_only_note(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database
) -> None:
    """Migration 0011 kept the free text as ``station_note`` (jobs knew no station to match it to); the
    post names its station by id at its next edit, and the table refuses a photovoltaic post naming none."""
    await make_areas(admin)
    post_id = uuid.uuid4()
    conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
    try:
        await conn.execute(
            "INSERT INTO jobs.welfare_posts (id, area_code, title, post_type, funding_source, station_note, "
            "monthly_subsidy, capacity, starts_on, created_by) VALUES ($1, $2, '光伏保洁员', 'cleaning', "
            "'photovoltaic', '黄金村光伏电站', 500, 2, '2023-01-01', 'migrated')",
            post_id,
            HUANGJIN,
        )
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("UPDATE jobs.welfare_posts SET station_note = NULL WHERE id = $1", post_id)
    finally:
        await conn.close()
    legacy = (await admin.get(f"{POSTS}/{post_id}")).json()
    assert (legacy["station_id"], legacy["station_note"]) == (None, "黄金村光伏电站")
    edit = await admin.patch(f"{POSTS}/{post_id}", json={"base_version": 1, "capacity": 3})
    assert edit.status_code == 422 and edit.json()["code"] == "station_required"
    station_id = await known_station(system, HUANGJIN)
    named = await admin.patch(
        f"{POSTS}/{post_id}", json={"base_version": 1, "capacity": 3, "station_id": station_id}
    )
    assert named.status_code == 200, named.text
    assert (named.json()["station_id"], named.json()["station_note"]) == (station_id, "黄金村光伏电站")
    typed = await admin.patch(f"{POSTS}/{post_id}", json={"base_version": 2, "station_note": "改名"})
    assert typed.status_code == 422  # read-only: the API takes no free text


async def test_stations_registered_before_jobs_subscribed_reach_jobs_through_the_backfill(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database
) -> None:
    """Projects' migration 0006 publishes the stations and revenues that predate the station events."""
    path = Path(__file__).parents[1] / "services/projects/migrations/versions/0006_station_events.py"
    spec = importlib.util.spec_from_file_location("station_events_0006", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    await make_areas(admin)
    made = await station(admin, {}, SHUANGFENG)
    revenue = {"revenue_fen": 1000_00, "to_posts_fen": 700_00, "to_households_fen": 0, "to_village_fen": 0}
    assert (await admin.put(f"{STATIONS}/{made['id']}/revenues/2024-05", json=revenue)).status_code == 200
    conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
    try:  # as before the service published them
        await conn.execute("DELETE FROM projects.outbox_events WHERE event_type LIKE 'station.%'")
        for statement in migration.BACKFILL:
            await conn.execute(statement)
    finally:
        await conn.close()
    assert await deliver(relay_of(system, "projects"), 2) == 2
    assert (await admin.post(POSTS, json=pv_post(made["id"], SHUANGFENG))).status_code == 201
    [figure] = await station_figures(admin, SHUANGFENG, "2024-05-31")
    assert (figure["station_id"], figure["allocated_fen"]) == (made["id"], 700_00)
