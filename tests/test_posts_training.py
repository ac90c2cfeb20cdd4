"""Public-welfare posts (公益岗) and skills training (技能培训) through the gateway: places are never
over-filled, even by requests at the same moment; one post per person; a photovoltaic post names its
station; figures by funding source and the placement rate respect dates; roles and scope hold."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from services.jobs.posts.periods import Period, busiest_day
from tests.support.jobs_stations import known_station
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, TOWN, make_areas, make_household

POSTS = "/api/v1/welfare-posts"


def post_body(area_code: str = HUANGJIN, **fields: Any) -> dict[str, Any]:
    body = {
        "area_code": area_code,
        "title": "村道保洁员",
        "type": "cleaning",
        "funding_source": "hrss",
        "monthly_subsidy": 500,
        "capacity": 1,
        "starts_on": "2025-01-01",
    }
    return body | fields


async def make_post(client: httpx.AsyncClient, headers: dict | None = None, **fields: Any) -> dict[str, Any]:
    response = await client.post(POSTS, json=post_body(**fields), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def make_people(client: httpx.AsyncClient, count: int, village: str = HUANGJIN) -> list[str]:
    """``count`` people in few households (30 members each, the registry's limit per household)."""
    people: list[str] = []
    while len(people) < count:
        household = await make_household(client, village, members=min(30, count - len(people)))
        people += [m["id"] for m in household["members"]]
    return people


async def assign(
    client: httpx.AsyncClient, post: dict, person: str, headers: dict | None = None, **fields: Any
) -> httpx.Response:
    body = {"person_id": person, "starts_on": "2025-02-01"} | fields
    return await client.post(f"{POSTS}/{post['id']}/assignments", json=body, headers=headers)


async def held(client: httpx.AsyncClient, **params: str) -> list[dict]:
    response = await client.get("/api/v1/post-assignments", params={"limit": "500"} | params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_200th_person_on_a_199_place_post_is_refused(
    admin: httpx.AsyncClient, system: FastAPI
) -> None:
    """篇1: 光伏公益岗199个. The 200th assignment is refused with the capacity and the places held, and
    nothing of it is written."""
    await make_areas(admin)
    station = await known_station(system, HUANGJIN)
    post = await make_post(
        admin, funding_source="photovoltaic", station_id=station, capacity=199, title="光伏公益岗"
    )
    people = await make_people(admin, 200)
    gate = asyncio.Semaphore(8)

    async def give(person: str) -> int:
        async with gate:
            return (await assign(admin, post, person)).status_code

    assert await asyncio.gather(*(give(p) for p in people[:199])) == [201] * 199
    refused = await assign(admin, post, people[199])
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert (problem["code"], problem["capacity"], problem["filled"]) == ("post_full", 199, 199)
    assert "199 places and 199 are held" in problem["detail"]
    assert refused.headers["content-type"] == "application/problem+json"
    assert len(await held(admin, post_id=post["id"])) == 199
    assert await held(admin, person_id=people[199]) == []
    assert (await admin.get(f"{POSTS}/{post['id']}")).json()["filled"] == 199

    # A place freed from a date can be given again from the day after, not before.
    first = (await held(admin, person_id=people[0]))[0]
    ended = await admin.post(
        f"/api/v1/post-assignments/{first['id']}/end", json={"ends_on": "2025-06-30", "reason": "外出务工"}
    )
    assert ended.status_code == 200 and ended.json()["ends_on"] == "2025-06-30", ended.text
    early = await assign(admin, post, people[199], starts_on="2025-06-30")
    assert early.status_code == 409 and early.json()["code"] == "post_full"
    assert (await assign(admin, post, people[199], starts_on="2025-07-01")).status_code == 201


async def test_concurrent_requests_for_the_last_place_never_overfill(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    post = await make_post(admin, capacity=2)
    people = await make_people(admin, 7)
    assert (await assign(admin, post, people[0])).status_code == 201
    answers = await asyncio.gather(*(assign(admin, post, p) for p in people[1:]))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [409] * 5, [r.text for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"post_full"}
    assert len(await held(admin, post_id=post["id"])) == 2


async def test_one_post_per_person_at_a_time(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    cleaning = await make_post(admin, capacity=5, title="村道保洁员")
    forest = await make_post(
        admin, capacity=5, title="生态护林员", type="forest_ranger", funding_source="forestry"
    )
    [person] = await make_people(admin, 1)
    first = await assign(admin, cleaning, person, ends_on="2025-12-31")
    assert first.status_code == 201, first.text

    refused = await assign(admin, forest, person, starts_on="2025-06-01")
    assert refused.status_code == 409
    assert refused.json()["code"] == "person_has_post"
    assert "村道保洁员" in refused.json()["detail"] and cleaning["id"] in refused.json()["detail"]
    assert refused.json()["held_post_ids"] == [cleaning["id"]]
    again = await assign(admin, cleaning, person, starts_on="2025-03-01")
    assert again.status_code == 409 and again.json()["code"] == "already_assigned"

    # Once the first ends, the second may start.
    later = await assign(admin, forest, person, starts_on="2026-01-01")
    assert later.status_code == 201, later.text
    assert len(await held(admin, person_id=person)) == 2


async def test_the_limit_of_posts_per_person_is_a_setting(admin: httpx.AsyncClient, system: FastAPI) -> None:
    await make_areas(admin)
    first, second, third = [await make_post(admin, capacity=3, title=f"岗位{n}") for n in range(3)]
    [person] = await make_people(admin, 1)
    settings = system.state.local_apps["jobs"].state.settings
    settings.max_active_posts_per_person = 2  # FANGPIN_JOBS_MAX_ACTIVE_POSTS_PER_PERSON=2
    try:
        assert (await assign(admin, first, person)).status_code == 201
        assert (await assign(admin, second, person)).status_code == 201
        refused = await assign(admin, third, person)
    finally:
        settings.max_active_posts_per_person = 1
    assert refused.status_code == 409 and refused.json()["code"] == "person_has_post"
    assert "at most 2 posts" in refused.json()["detail"]
    assert sorted(refused.json()["held_post_ids"]) == sorted([first["id"], second["id"]])


async def test_an_assignment_lies_within_its_post_and_ends_no_later_than_planned(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    post = await make_post(admin, capacity=3, starts_on="2025-01-01", ends_on="2025-12-31")
    [person] = await make_people(admin, 1)
    early = await assign(admin, post, person, starts_on="2024-12-01")
    assert (early.status_code, early.json()["code"]) == (422, "before_post_starts")
    late = await assign(admin, post, person, ends_on="2026-06-30")
    assert (late.status_code, late.json()["code"]) == (422, "after_post_ends")
    backwards = await assign(admin, post, person, starts_on="2025-05-01", ends_on="2025-04-01")
    assert (backwards.status_code, backwards.json()["code"]) == (422, "ends_before_start")
    given = await assign(admin, post, person)
    assert given.status_code == 201 and given.json()["ends_on"] == "2025-12-31"  # the post's last day
    url = f"/api/v1/post-assignments/{given.json()['id']}/end"
    longer = await admin.post(url, json={"ends_on": "2026-01-31", "reason": "延期"})
    assert (longer.status_code, longer.json()["code"]) == (422, "ends_after_planned_end")
    ended = await admin.post(url, json={"ends_on": "2025-09-30", "reason": "外出务工"})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["end_reason"], ended.json()["ended_by"] is not None) == ("外出务工", True)
    assert await held(admin, held_on="2025-10-01") == []
    assert len(await held(admin, held_on="2025-09-30")) == 1


async def test_a_retry_is_answered_like_the_first_and_other_details_are_a_conflict(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    body = post_body(id=str(uuid.uuid4()), capacity=3)
    assert (await admin.post(POSTS, json=body)).status_code == 201
    assert (await admin.post(POSTS, json=body)).status_code == 200
    assert (await admin.post(POSTS, json=body | {"capacity": 4})).json()["code"] == "id_in_use"
    post = (await admin.get(f"{POSTS}/{body['id']}")).json()
    [person, other] = await make_people(admin, 2)
    key = str(uuid.uuid4())
    assert (await assign(admin, post, person, id=key)).status_code == 201
    retry = await assign(admin, post, person, id=key)
    assert retry.status_code == 200 and retry.json()["id"] == key
    assert (await assign(admin, post, other, id=key)).json()["code"] == "id_in_use"
    assert len(await held(admin, post_id=post["id"])) == 1
    end = {"ends_on": "2025-03-31", "reason": "身体原因"}
    assert (await admin.post(f"/api/v1/post-assignments/{key}/end", json=end)).status_code == 200
    assert (await admin.post(f"/api/v1/post-assignments/{key}/end", json=end)).status_code == 200
    moved = await admin.post(f"/api/v1/post-assignments/{key}/end", json=end | {"ends_on": "2025-04-30"})
    assert moved.status_code == 409 and moved.json()["code"] == "assignment_ended"


async def test_a_photovoltaic_post_must_name_its_station(admin: httpx.AsyncClient, system: FastAPI) -> None:
    await make_areas(admin)
    station = await known_station(system, HUANGJIN)
    unnamed = post_body(funding_source="photovoltaic")
    refused = await admin.post(POSTS, json=unnamed)
    assert refused.status_code == 422
    assert refused.json()["code"] == "station_required"
    assert refused.json()["errors"][0]["loc"] == ["body", "station_id"]
    assert "光伏" in refused.json()["detail"]
    stray = await admin.post(POSTS, json=post_body(funding_source="forestry", station_id=station))
    assert stray.status_code == 422 and stray.json()["code"] == "station_not_applicable"
    typed = await admin.post(POSTS, json=post_body(funding_source="photovoltaic", station="黄金村光伏电站"))
    assert typed.status_code == 422  # the free text is no longer taken

    post = await make_post(admin, funding_source="hrss")
    change = {"base_version": 1, "funding_source": "photovoltaic"}
    assert (await admin.patch(f"{POSTS}/{post['id']}", json=change)).json()["code"] == "station_required"
    changed = await admin.patch(f"{POSTS}/{post['id']}", json=change | {"station_id": station})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["station_id"], changed.json()["version"]) == (station, 2)
    stale = await admin.patch(f"{POSTS}/{post['id']}", json={"base_version": 1, "capacity": 9})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert stale.json()["current"]["station_id"] == station


async def test_capacity_and_period_cannot_shrink_below_the_holders(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    post = await make_post(admin, capacity=3)
    for person in await make_people(admin, 2):
        assert (await assign(admin, post, person)).status_code == 201
    shrink = await admin.patch(f"{POSTS}/{post['id']}", json={"base_version": 1, "capacity": 1})
    assert shrink.status_code == 409 and shrink.json()["code"] == "capacity_below_filled"
    cut = await admin.patch(f"{POSTS}/{post['id']}", json={"base_version": 1, "ends_on": "2025-12-31"})
    assert cut.status_code == 409 and cut.json()["code"] == "assignments_outside_period"
    assert (
        await admin.patch(f"{POSTS}/{post['id']}", json={"base_version": 1, "capacity": 2})
    ).status_code == 200


async def test_post_figures_by_funding_source_on_a_date(admin: httpx.AsyncClient, system: FastAPI) -> None:
    """篇1: 233 = 光伏199 + 人社7 + 林业17 + 乡村综合财力10, counted as of a date."""
    await make_areas(admin)
    station = {"station_id": await known_station(system, HUANGJIN)}
    for funding, places, kind in (
        ("photovoltaic", 120, "cleaning"),
        ("photovoltaic", 79, "patrol"),
        ("hrss", 7, "elderly_care"),
        ("forestry", 17, "forest_ranger"),
        ("village_fund", 10, "water_management"),
    ):
        named = station if funding == "photovoltaic" else {}
        await make_post(
            admin, funding_source=funding, capacity=places, type=kind, area_code=HUANGJIN, **named
        )
    await make_post(admin, capacity=50, starts_on="2026-01-01", area_code=LONGQUAN)  # not yet
    await make_post(admin, capacity=30, starts_on="2024-01-01", ends_on="2024-12-31")  # over
    patrol = (await admin.get(POSTS, params={"type": "patrol"})).json()["items"][0]
    people = await make_people(admin, 3)
    assert (await assign(admin, patrol, people[0], starts_on="2025-03-01")).status_code == 201
    assert (await assign(admin, patrol, people[1], starts_on="2025-08-01")).status_code == 201

    stats = await admin.get("/api/v1/welfare-post-stats", params={"area": TOWN, "as_of": "2025-06-30"})
    assert stats.status_code == 200, stats.text
    figures = stats.json()
    assert (figures["posts"], figures["places"], figures["filled"], figures["open"]) == (5, 233, 1, 232)
    by_source = {s["funding_source"]: (s["places"], s["filled"]) for s in figures["by_funding_source"]}
    assert by_source == {
        "photovoltaic": (199, 1),
        "hrss": (7, 0),
        "forestry": (17, 0),
        "village_fund": (10, 0),
        "other": (0, 0),
    }
    assert {s["funding_source"]: s["label"] for s in figures["by_funding_source"]}[
        "photovoltaic"
    ] == "光伏收益"
    by_type = {t["type"]: (t["posts"], t["places"]) for t in figures["by_type"]}
    assert by_type["cleaning"] == (1, 120) and by_type["patrol"] == (1, 79)

    later = (
        await admin.get("/api/v1/welfare-post-stats", params={"area": TOWN, "as_of": "2026-02-01"})
    ).json()
    assert (later["posts"], later["places"], later["filled"]) == (6, 283, 2)
    past = (
        await admin.get("/api/v1/welfare-post-stats", params={"area": HUANGJIN, "as_of": "2024-06-30"})
    ).json()
    assert (past["posts"], past["places"], past["filled"]) == (1, 30, 0)


async def enrol(
    client: httpx.AsyncClient, course: dict, person: str, headers: dict | None = None
) -> httpx.Response:
    body = {"person_id": person, "enrolled_on": "2024-02-20"}
    return await client.post(
        f"/api/v1/training-courses/{course['id']}/enrolments", json=body, headers=headers
    )


async def step(client: httpx.AsyncClient, enrolment: dict, action: str, **body: Any) -> httpx.Response:
    payload = {"action": action, "base_version": enrolment["version"]} | body
    return await client.post(f"/api/v1/training-enrolments/{enrolment['id']}/actions", json=payload)


WUHAN = {"employer": "远元修脚武汉门店", "place": "湖北省武汉市", "place_code": "420100000000"}


async def test_training_to_placement_and_the_placement_rate(admin: httpx.AsyncClient) -> None:
    """篇5 in small: signed up, trained, some placed in 武汉; the rate is placed over enrolled."""
    await make_areas(admin)
    course = {
        "area_code": HUANGJIN,
        "title": "修脚足疗技能培训班",
        "provider": "远元修脚培训学校",
        "skill": "修脚足疗",
        "starts_on": "2024-02-26",
        "capacity": 5,
    }
    made = await admin.post("/api/v1/training-courses", json=course)
    assert made.status_code == 201, made.text
    course = made.json()
    people = await make_people(admin, 6)
    enrolments = []
    for person in people[:5]:
        response = await enrol(admin, course, person)
        assert response.status_code == 201, response.text
        enrolments.append(response.json())
    assert enrolments[0]["actions"] == ["complete", "drop"]
    full = await enrol(admin, course, people[5])
    assert full.status_code == 409 and full.json()["code"] == "course_full"
    assert (await enrol(admin, course, people[0])).json()["code"] == "already_enrolled"

    done = []
    for enrolment in enrolments[:3]:
        response = await step(admin, enrolment, "complete", on="2024-03-20", certificate_no="YY-2024-001")
        assert response.status_code == 200, response.text
        done.append(response.json())
    assert (done[0]["state"], done[0]["actions"]) == ("completed", ["place"])
    no_reason = await step(admin, enrolments[3], "drop", on="2024-03-01")
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    assert (await step(admin, enrolments[3], "drop", on="2024-03-01", reason="家中有事")).status_code == 200
    placed = []
    for enrolment, income in zip(done[:2], (3000, 5000), strict=True):
        job = WUHAN | {"started_on": "2024-04-01", "monthly_income": income}
        response = await step(admin, enrolment, "place", placement=job)
        assert response.status_code == 200, response.text
        placed.append(response.json())
    assert (placed[1]["state"], placed[1]["place"], placed[1]["monthly_income"], placed[1]["actions"]) == (
        "placed",
        "湖北省武汉市",
        5000,
        ["leave"],
    )
    wrong = await step(admin, placed[0], "complete")
    assert wrong.status_code == 409 and wrong.json()["code"] == "step_not_allowed"
    unplaced = await step(admin, enrolments[4], "place", placement=WUHAN | {"started_on": "2024-04-01"})
    assert unplaced.status_code == 409 and "allowed now: complete, drop" in unplaced.json()["detail"]
    stale = await step(admin, enrolments[0], "place", placement=WUHAN | {"started_on": "2024-04-01"})
    assert stale.status_code == 409 and stale.json()["current"]["state"] == "placed"

    stats = await admin.get("/api/v1/training-stats", params={"area": HUANGJIN, "as_of": "2024-06-30"})
    assert stats.status_code == 200, stats.text
    figures = stats.json()
    assert {k: figures[k] for k in ("enrolled", "in_training", "completed", "dropped", "placed")} == {
        "enrolled": 5,
        "in_training": 1,
        "completed": 3,
        "dropped": 1,
        "placed": 2,
    }
    assert (figures["placement_rate"], figures["placement_rate_of_completed"]) == (0.4, 0.6667)
    assert figures["by_place"] == [{"place_code": "420100000000", "name": "湖北省武汉市", "placed": 2}]
    assert figures["by_course"][0]["title"] == "修脚足疗技能培训班"
    march = (await admin.get("/api/v1/training-stats", params={"area": TOWN, "as_of": "2024-03-10"})).json()
    assert (march["enrolled"], march["completed"], march["dropped"], march["placed"]) == (5, 0, 1, 0)
    assert (await admin.get(f"/api/v1/training-courses/{course['id']}")).json()["enrolled"] == 4


async def test_a_county_course_is_open_to_its_villages(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    cadre = await user_headers("cadre", "village_cadre", HUANGJIN)
    course = {
        "area_code": COUNTY,
        "title": "电工培训",
        "provider": "县职教中心",
        "skill": "电工",
        "starts_on": "2024-01-01",
    }
    course = (await admin.post("/api/v1/training-courses", json=course)).json()
    assert [
        c["id"] for c in (await admin.get("/api/v1/training-courses", headers=cadre)).json()["items"]
    ] == [course["id"]]
    [mine] = await make_people(admin, 1)
    [theirs] = await make_people(admin, 1, village=LONGQUAN)
    assert (await enrol(admin, course, mine, headers=cadre)).status_code == 201
    foreign = await enrol(admin, course, theirs, headers=cadre)
    assert foreign.status_code == 422 and foreign.json()["code"] == "person_not_found"
    changed = await admin.patch(
        f"/api/v1/training-courses/{course['id']}", json={"base_version": 1, "title": "x"}, headers=cadre
    )
    assert changed.status_code == 403 and changed.json()["code"] == "permission_denied"


async def test_roles_without_the_right_are_refused_and_other_areas_are_not_found(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    cadre = await user_headers("cadre", "village_cadre", HUANGJIN)
    ops = await user_headers("ops", "ops", COUNTY)
    auditor = await user_headers("auditor", "auditor", COUNTY)
    mine = await make_post(admin, capacity=3)
    theirs = await make_post(admin, area_code=LONGQUAN, capacity=3)
    [person] = await make_people(admin, 1)
    [neighbour] = await make_people(admin, 1, village=LONGQUAN)

    refused = await admin.post(POSTS, json=post_body(), headers=cadre)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert "posts:manage" in refused.json()["detail"]
    assert (await admin.get(POSTS, headers=ops)).status_code == 403
    assert (await assign(admin, mine, person, headers=auditor)).status_code == 403
    assert (await admin.get(f"{POSTS}/{mine['id']}", headers=auditor)).status_code == 200

    hidden = await admin.get(f"{POSTS}/{theirs['id']}", headers=cadre)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "post_not_found")
    assert (await assign(admin, theirs, person, headers=cadre)).json()["code"] == "post_not_found"
    stranger = await assign(admin, mine, neighbour, headers=cadre)
    assert (stranger.status_code, stranger.json()["code"]) == (422, "person_not_found")
    stats = await admin.get("/api/v1/welfare-post-stats", params={"area": LONGQUAN}, headers=cadre)
    assert (stats.status_code, stats.json()["code"]) == (404, "area_not_found")
    outside = await admin.post(
        POSTS,
        json=post_body(area_code="610925101201"),
        headers=await user_headers("county", "county_admin", COUNTY),
    )
    assert (outside.status_code, outside.json()["code"]) == (403, "outside_scope")

    given = await assign(admin, mine, person, headers=cadre)
    assert given.status_code == 201, given.text
    assert given.json()["area_code"] == HUANGJIN
    listed = (await admin.get(POSTS, headers=cadre)).json()["items"]
    assert [(p["id"], p["filled"]) for p in listed] == [(mine["id"], 1)]


def test_the_busiest_day_decides_whether_a_place_is_free() -> None:
    jan, feb = Period(date(2025, 1, 1), date(2025, 1, 31)), Period(date(2025, 2, 1), None)
    # Two people one after the other hold one place, never two at once.
    assert busiest_day(Period(date(2025, 1, 15), date(2025, 3, 1)), [jan, feb]) == (date(2025, 1, 15), 1)
    assert busiest_day(Period(date(2024, 1, 1), None), [jan, feb, Period(date(2025, 2, 10), None)]) == (
        date(2025, 2, 10),
        2,
    )
    assert busiest_day(Period(date(2024, 1, 1), date(2024, 12, 31)), [jan, feb]) == (date(2024, 1, 1), 0)
