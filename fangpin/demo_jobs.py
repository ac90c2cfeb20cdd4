"""The demo's public-welfare posts and training, from the seeds, loaded through the API.

篇1: the town (双丰镇 here) developed 233 public-welfare posts with photovoltaic, 人社, forestry and
village money — 光伏199, 人社7, 林业17, 乡村综合财力10 — and looks after 10 photovoltaic stations. The
demo spreads the photovoltaic places over those 10 stations (two posts each: cleaning and patrol or
publicity, in the station's village, naming it by its id in projects: fangpin/demo_stations.py) and the
others over the town's villages; places add up to the seed's figures. Titles and subsidies are
illustrative. Jobs learns the stations from projects' events, so the projects demo loads first and the
posts wait (a minute at most) for the relay to bring them.
篇5: in 黄金村, 37 people signed up for the 远元 foot-care (修脚足疗) training and 16 went to work in 武汉.
The demo enrols 37 working-age villagers; 16 completed and were placed in 武汉, the others are still in
training. Dates are illustrative (the seed's year is blanked out).

Ids are fixed (UUID 5), so loading again answers each create as a retry; a load already complete is
skipped after one look at the figures.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import date
from typing import Any

import httpx

logger = logging.getLogger("fangpin.demo")

NAMESPACE = uuid.UUID("6f1f3c2e-5a0b-4b8e-9d37-2f0c61a1b7d5")
TOWN = "610924108000"  # 篇1's town
VILLAGES = {
    "610924108201": "双丰村",
    "610924108202": "新华村",
    "610924108203": "红星村",
    "610924108204": "团结村",
}
HUANGJIN = "610924105201"
POSTS_FROM = "2024-01-01"
# 篇1: 233 = 光伏199 + 人社7 + 林业17 + 乡村综合财力10 (places per village, in VILLAGES order).
OTHER_POSTS = [
    ("hrss", "road_maintenance", "乡村道路养护员", 800, [2, 2, 2, 1]),
    ("forestry", "forest_ranger", "生态护林员", 800, [5, 4, 4, 4]),
    ("village_fund", "water_management", "村级管水员", 300, [3, 3, 2, 2]),
]
STATIONS = 10  # fangpin.demo_stations.STATIONS
PHOTOVOLTAIC_PLACES = 199
STATION_WAIT_S = 60.0  # how long the posts wait for jobs to learn the stations from projects' relay
ENROLLED, PLACED = 37, 16
COURSE_ID = uuid.uuid5(NAMESPACE, "course:yuanyuan-footcare")
WUHAN = {"employer": "远元修脚足疗武汉门店", "place": "湖北省武汉市", "place_code": "420100000000"}
CONCURRENCY = 8


def ok_json(response: httpx.Response, what: str) -> dict[str, Any]:
    """The answer's body, or the demo load stops with what failed."""
    if response.status_code not in (200, 201):
        raise RuntimeError(f"demo {what}: {response.status_code} {response.text[:500]}")
    return response.json()


def demo_posts() -> list[dict[str, Any]]:
    """The 233 places as posts: two per photovoltaic station, one per village for the other sources."""
    from fangpin.demo_stations import STATIONS as STATION_VILLAGES  # it imports this module
    from fangpin.demo_stations import station_id

    posts: list[dict[str, Any]] = []
    codes = list(VILLAGES)
    share, extra = divmod(PHOTOVOLTAIC_PLACES, STATIONS)
    for n, (village, *_) in enumerate(STATION_VILLAGES):
        station = station_id(n)
        places = share + (1 if n < extra else 0)
        second = ("patrol", "治安巡逻员") if n % 2 else ("publicity", "政策宣传员")
        for kind, title, count in (("cleaning", "环境保洁员", places - places // 2), (*second, places // 2)):
            posts.append(_post(f"pv{n}:{kind}", village, title, kind, "photovoltaic", 500, count, station))
    for source, kind, title, subsidy, counts in OTHER_POSTS:
        for village, count in zip(codes, counts, strict=True):
            posts.append(_post(f"{source}:{village}", village, title, kind, source, subsidy, count, None))
    return posts


def _post(
    key: str, village: str, title: str, kind: str, source: str, subsidy: int, places: int, station: str | None
) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid5(NAMESPACE, f"post:{key}")),
        "area_code": village,
        "title": f"{VILLAGES[village]}{title}",
        "type": kind,
        "funding_source": source,
        "monthly_subsidy": subsidy,
        "capacity": places,
        "starts_on": POSTS_FROM,
    }
    return body | ({"station_id": station} if station else {})


async def load_jobs(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    return {
        "welfare_posts": await _load_posts(client, auth),
        "enrolments": await _load_training(client, auth),
    }


async def _load_posts(client: httpx.AsyncClient, auth: dict[str, str]) -> int:
    figures = await client.get("/api/v1/welfare-post-stats", params={"area": TOWN}, headers=auth)
    if ok_json(figures, "post figures")["places"] >= sum(p["capacity"] for p in demo_posts()):
        logger.info("demo public-welfare posts already loaded")
        return 0
    made = 0
    for body in demo_posts():
        response = await _post_when_station_known(client, auth, body)
        if response.status_code == 409:  # there already and changed since: left as it is
            continue
        ok_json(response, f"post {body['title']}")
        made += response.status_code == 201
    return made


async def _post_when_station_known(
    client: httpx.AsyncClient, auth: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    """Create the post; while jobs has not yet learned its station from projects' relay (it runs in the
    background), wait and ask again."""
    deadline = asyncio.get_running_loop().time() + STATION_WAIT_S
    while True:
        response = await client.post("/api/v1/welfare-posts", json=body, headers=auth)
        unknown = response.status_code == 422 and response.json().get("code") == "station_not_found"
        if not unknown or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.5)


async def _load_training(client: httpx.AsyncClient, auth: dict[str, str]) -> int:
    params = {"area": HUANGJIN, "course_id": str(COURSE_ID)}
    figures = await client.get("/api/v1/training-stats", params=params, headers=auth)
    if ok_json(figures, "training figures")["enrolled"] >= ENROLLED:
        logger.info("demo training already loaded")
        return 0
    course = {
        "id": str(COURSE_ID),
        "area_code": HUANGJIN,
        "title": "远元修脚足疗技能培训班",
        "provider": "远元修脚足疗培训学校",
        "skill": "修脚足疗",
        "starts_on": "2024-02-26",
        "note": "篇5: 37人报名参加培训, 16人赴武汉等地就业",
    }
    response = await client.post("/api/v1/training-courses", json=course, headers=auth)
    if response.status_code != 409:
        ok_json(response, "training course")
    people = await _working_age(client, auth, ENROLLED)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def sign_up(index: int, person: str) -> int:
        async with gate:
            return await _enrol(client, auth, index, person)

    return sum(await asyncio.gather(*(sign_up(i, p) for i, p in enumerate(people))))


async def _working_age(client: httpx.AsyncClient, auth: dict[str, str], count: int) -> list[str]:
    """The first ``count`` living villagers of 黄金村 aged 18–45 who can work."""
    params: dict[str, str] = {"within": HUANGJIN, "include_deceased": "false", "limit": "500"}
    chosen: list[str] = []
    while len(chosen) < count:
        page = ok_json(await client.get("/api/v1/people", params=params, headers=auth), "people of 黄金村")
        for person in page["items"]:
            age = (date(2024, 2, 20) - date.fromisoformat(person["birth_date"])).days // 365
            if 18 <= age <= 45 and person["labour_ability"] != "none" and len(chosen) < count:
                chosen.append(person["id"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    if len(chosen) < count:
        raise RuntimeError(f"demo training: only {len(chosen)} working-age people in 黄金村")
    return chosen


async def _enrol(client: httpx.AsyncClient, auth: dict[str, str], index: int, person: str) -> int:
    """Sign one person up; the first PLACED completed the course and went to work in 武汉."""
    body = {
        "id": str(uuid.uuid5(COURSE_ID, person)),
        "person_id": person,
        "enrolled_on": "2024-02-20",
    }
    response = await client.post(f"/api/v1/training-courses/{COURSE_ID}/enrolments", json=body, headers=auth)
    enrolment = ok_json(response, "enrolment")
    if index >= PLACED:
        return int(response.status_code == 201)
    steps: dict[str, dict[str, Any]] = {
        "complete": {"on": "2024-03-20", "certificate_no": f"YY-2024-{index + 1:03d}"},
        # 篇5: one of them became a shop manager on 5,000 a month; the others start on 3,000.
        "place": {
            "placement": WUHAN | {"started_on": "2024-04-01", "monthly_income": 5000 if index == 0 else 3000}
        },
    }
    for action, fields in steps.items():
        if action not in enrolment["actions"]:
            continue  # taken on an earlier load
        step = {"action": action, "base_version": enrolment["version"]} | fields
        url = f"/api/v1/training-enrolments/{enrolment['id']}/actions"
        enrolment = ok_json(await client.post(url, json=step, headers=auth), f"enrolment {action}")
    return int(response.status_code == 201)
