"""Jobs' creates (posts, assignments, courses, enrolments) in batches on the one intake, and retried
exactly: the same request again answers as the first did, however the copies race and whatever happened
since; another body with the id is the only conflict. And a training placement is employment."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from services.jobs.training.placements import status_for
from tests.support.registry import HUANGJIN, TOWN, make_areas, make_household, move_household
from tests.test_posts_training import POSTS, WUHAN, make_people, post_body, step

PAIRS = 20
COURSES = "/api/v1/training-courses"


def course_body(**fields: Any) -> dict[str, Any]:
    body = {
        "area_code": HUANGJIN,
        "title": "修脚足疗技能培训班",
        "provider": "远元修脚培训学校",
        "skill": "修脚足疗",
        "starts_on": "2024-02-26",
    }
    return body | fields


async def make_course(admin: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await admin.post(COURSES, json=course_body(**fields))
    assert made.status_code == 201, made.text
    return made.json()


async def pairs_at_once(admin: httpx.AsyncClient, urls_and_bodies: list[tuple[str, dict]]) -> None:
    """Each request sent twice at the same moment (a pair at a time, so that the shared test server's
    connections suffice): one 201 and one 200, with the same body."""
    for url, body in urls_and_bodies:
        pair = await asyncio.gather(admin.post(url, json=body), admin.post(url, json=body))
        assert sorted(a.status_code for a in pair) == [200, 201], [a.text for a in pair]
        first, second = (a.json() for a in pair)
        assert first["id"] == second["id"] == body["id"]
        assert first == second


async def test_identical_creates_sent_at_once_are_answered_201_and_200_with_the_same_body(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    posts = [(POSTS, post_body(id=str(uuid.uuid4()), capacity=2)) for _ in range(PAIRS)]
    await pairs_at_once(admin, posts)
    people = await make_people(admin, PAIRS)
    assignments = [
        (
            f"{POSTS}/{body['id']}/assignments",
            {"id": str(uuid.uuid4()), "person_id": p, "starts_on": "2025-02-01"},
        )
        for (_, body), p in zip(posts, people, strict=True)
    ]
    await pairs_at_once(admin, assignments)
    courses = [(COURSES, course_body(id=str(uuid.uuid4()))) for _ in range(PAIRS)]
    await pairs_at_once(admin, courses)
    enrolments = [
        (
            f"{COURSES}/{body['id']}/enrolments",
            {"id": str(uuid.uuid4()), "person_id": p, "enrolled_on": "2024-02-27"},
        )
        for (_, body), p in zip(courses, people, strict=True)
    ]
    await pairs_at_once(admin, enrolments)
    held = await admin.get("/api/v1/post-assignments", params={"limit": "500", "within": HUANGJIN})
    assert len(held.json()["items"]) == PAIRS


async def test_a_retry_after_an_edit_or_an_end_answers_the_first_result_and_another_body_conflicts(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    body = post_body(id=str(uuid.uuid4()), monthly_subsidy=500)
    post = (await admin.post(POSTS, json=body)).json()
    edited = await admin.patch(
        f"{POSTS}/{post['id']}", json={"base_version": 1, "title": "村道保洁", "capacity": 3}
    )
    assert edited.status_code == 200, edited.text
    retry = await admin.post(POSTS, json=body | {"monthly_subsidy": 500.00})  # the same, written otherwise
    assert retry.status_code == 200 and retry.json()["id"] == post["id"], retry.text
    assert retry.json()["version"] == 2  # the post as it is now: the retry changed nothing
    changed = await admin.post(POSTS, json=body | {"monthly_subsidy": 600})
    assert changed.status_code == 409 and changed.json()["code"] == "id_in_use"

    [person] = await make_people(admin, 1)
    assignment = {"id": str(uuid.uuid4()), "person_id": person, "starts_on": "2025-02-01"}
    url = f"{POSTS}/{post['id']}/assignments"
    assert (await admin.post(url, json=assignment)).status_code == 201
    end = {"ends_on": "2025-03-31", "reason": "外出务工"}
    assert (await admin.post(f"/api/v1/post-assignments/{assignment['id']}/end", json=end)).status_code == 200
    again = await admin.post(url, json=assignment)
    assert again.status_code == 200 and again.json()["ends_on"] == "2025-03-31", again.text
    other = await admin.post(url, json=assignment | {"starts_on": "2025-02-02"})
    assert other.status_code == 409 and other.json()["code"] == "id_in_use"

    household = await make_household(admin, HUANGJIN)
    course = await make_course(admin, area_code=TOWN)
    enrolment = {
        "id": str(uuid.uuid4()),
        "person_id": household["members"][0]["id"],
        "enrolled_on": "2024-02-27",
    }
    curl = f"{COURSES}/{course['id']}/enrolments"
    assert (await admin.post(curl, json=enrolment)).status_code == 201
    await move_household(admin, household, "610924105202")  # the person moves to another village
    moved = await admin.post(curl, json=enrolment)
    assert moved.status_code == 200 and moved.json()["id"] == enrolment["id"], moved.text
    assert (await admin.post(curl, json=enrolment | {"enrolled_on": "2024-02-28"})).status_code == 409


async def test_batches_of_posts_assignments_and_enrolments_answer_each_item_alone(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    posts = [post_body(id=str(uuid.uuid4()), capacity=1) for _ in range(3)]
    bad = post_body(id=str(uuid.uuid4()), funding_source="photovoltaic") | {"station_id": None}
    answer = await admin.post(f"{POSTS}/batch", json={"items": [*posts, bad, {"id": "x"}]})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["created"], result["duplicates"], result["failed"]) == (3, 0, 2)
    assert [i["status"] for i in result["items"]] == ["created"] * 3 + ["invalid", "invalid"]
    assert result["items"][3]["error"]["code"] == "station_required"
    assert result["items"][3]["error"]["errors"][0]["loc"] == ["body", "items", 3, "station_id"]
    again = (
        await admin.post(f"{POSTS}/batch", json={"items": [posts[0], posts[1] | {"capacity": 9}]})
    ).json()
    assert [i["status"] for i in again["items"]] == ["duplicate", "conflict"]

    people = await make_people(admin, 3)
    items = [
        {
            "id": str(uuid.uuid4()),
            "post_id": posts[0]["id"],
            "person_id": people[0],
            "starts_on": "2025-02-01",
        },
        {
            "id": str(uuid.uuid4()),
            "post_id": posts[0]["id"],
            "person_id": people[1],
            "starts_on": "2025-02-01",
        },
        {
            "id": str(uuid.uuid4()),
            "post_id": posts[1]["id"],
            "person_id": people[1],
            "starts_on": "2025-02-01",
        },
        {
            "id": str(uuid.uuid4()),
            "post_id": str(uuid.uuid4()),
            "person_id": people[2],
            "starts_on": "2025-02-01",
        },
    ]
    answer = await admin.post("/api/v1/post-assignments/batch", json={"items": items})
    assert answer.status_code == 200, answer.text
    statuses = [(i["status"], (i["error"] or {}).get("code")) for i in answer.json()["items"]]
    assert statuses == [
        ("created", None),
        ("conflict", "post_full"),
        ("created", None),
        ("invalid", "post_not_found"),
    ]
    retried = (await admin.post("/api/v1/post-assignments/batch", json={"items": items[:1]})).json()
    assert retried["items"][0]["status"] == "duplicate"

    course = await make_course(admin, capacity=2)
    items = [
        {"id": str(uuid.uuid4()), "course_id": course["id"], "person_id": p, "enrolled_on": "2024-02-27"}
        for p in people
    ]
    answer = (await admin.post("/api/v1/training-enrolments/batch", json={"items": items})).json()
    assert [(i["status"], (i["error"] or {}).get("code")) for i in answer["items"]] == [
        ("created", None),
        ("created", None),
        ("conflict", "course_full"),
    ]
    assert (await admin.get(f"{COURSES}/{course['id']}")).json()["enrolled"] == 2
    too_many = await admin.post(f"{POSTS}/batch", json={"items": [post_body()] * 1001})
    assert too_many.status_code == 422


async def employment_of(admin: httpx.AsyncClient, person: str) -> list[dict[str, Any]]:
    answer = await admin.get("/api/v1/employment-records", params={"person_id": person})
    assert answer.status_code == 200, answer.text
    records: list[dict[str, Any]] = answer.json()["items"]
    return records


async def test_a_placement_is_the_persons_employment_once_and_leaving_the_job_ends_it(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    course = await make_course(admin)
    [person] = await make_people(admin, 1)
    body = {"person_id": person, "enrolled_on": "2024-02-27"}
    enrolment = (await admin.post(f"{COURSES}/{course['id']}/enrolments", json=body)).json()
    done = (await step(admin, enrolment, "complete", on="2024-03-20")).json()
    job = WUHAN | {"started_on": "2024-04-01", "monthly_income": 3000}
    no_code = await step(admin, done, "place", placement={k: v for k, v in job.items() if k != "place_code"})
    assert no_code.status_code == 422
    placed = await step(admin, done, "place", placement=job)
    assert placed.status_code == 200, placed.text
    again = await step(admin, done, "place", placement=job)  # the step delivered twice
    assert again.status_code == 200 and again.json()["version"] == placed.json()["version"], again.text

    [record] = await employment_of(admin, person)
    assert record["id"] == placed.json()["employment_record_id"]
    assert (record["status"], record["place_code"], record["employer"], record["started_on"]) == (
        "away_out_of_province",
        "420100000000",
        WUHAN["employer"],
        "2024-04-01",
    )
    assert (record["monthly_income"], record["source"]) == (3000, "training")
    stats = (
        await admin.get("/api/v1/employment-stats", params={"area": HUANGJIN, "as_of": "2024-06-30"})
    ).json()
    assert stats["away"]["current"] == 1
    assert stats["away_by_destination"][0]["destination"] == "420000000000"

    left = await step(admin, placed.json(), "leave", on="2024-09-30", reason="回乡照顾老人")
    assert left.status_code == 200 and left.json()["state"] == "left", left.text
    assert (
        await step(admin, placed.json(), "leave", on="2024-09-30", reason="回乡照顾老人")
    ).status_code == 200
    history = await employment_of(admin, person)
    assert [r["status"] for r in history] == ["away_out_of_province", "not_working"]
    assert history[1]["reported_on"] == "2024-09-30"
    later = (
        await admin.get("/api/v1/employment-stats", params={"area": HUANGJIN, "as_of": "2024-10-31"})
    ).json()
    assert later["away"]["current"] == 0
    assert (await admin.get("/api/v1/training-stats", params={"area": HUANGJIN})).json()["by_place"] == [
        {"place_code": "420100000000", "name": "湖北省武汉市", "placed": 1}
    ]


async def test_an_employment_record_retried_after_the_person_moved_away_is_a_duplicate(
    admin: httpx.AsyncClient, user_headers: Any
) -> None:
    await make_areas(admin)
    cadre = await user_headers("cadre-hj", "village_cadre", HUANGJIN)
    household = await make_household(admin, HUANGJIN)
    record = {
        "id": str(uuid.uuid4()),
        "person_id": household["members"][0]["id"],
        "status": "away_out_of_province",
        "place_code": "420100000000",
        "source": "door_to_door",
        "reported_on": "2025-01-01",
    }
    url = "/api/v1/employment-records"
    assert (await admin.post(url, json=record, headers=cadre)).status_code == 201
    await move_household(admin, household, "610924105202")  # out of the cadre's village
    retry = await admin.post(url, json=record, headers=cadre)
    assert retry.status_code == 200 and retry.json()["status"] == "duplicate", retry.text
    changed = await admin.post(url, json=record | {"status": "local"}, headers=cadre)
    assert changed.status_code in (409, 422), changed.text  # no longer the same request


async def test_identical_employment_records_sent_at_once_are_stored_once(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    people = await make_people(admin, PAIRS)
    bodies = [
        {
            "id": str(uuid.uuid4()),
            "person_id": p,
            "status": "local",
            "source": "door_to_door",
            "reported_on": "2025-01-01",
        }
        for p in people
    ]
    for b in bodies:
        url = "/api/v1/employment-records"
        pair = await asyncio.gather(admin.post(url, json=b), admin.post(url, json=b))
        assert sorted(a.status_code for a in pair) == [200, 201], [a.text for a in pair]
    for p in people:
        assert len(await employment_of(admin, p)) == 1


async def test_a_role_that_may_not_read_where_people_live_has_each_item_refused_alone(
    admin: httpx.AsyncClient, user_headers: Any
) -> None:
    await make_areas(admin)
    hrss = await user_headers("renshe", "bureau_partner", "610924000000")
    post = (await admin.post(POSTS, json=post_body(capacity=2))).json()
    [person] = await make_people(admin, 1)
    item = {"id": str(uuid.uuid4()), "post_id": post["id"], "person_id": person, "starts_on": "2025-02-01"}
    answer = await admin.post("/api/v1/post-assignments/batch", json={"items": [item]}, headers=hrss)
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"][0]["status"] == "forbidden"


async def test_placements_are_grouped_by_place_code_whatever_the_place_is_called(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    course = await make_course(admin)
    people = await make_people(admin, 3)
    places = [
        (WUHAN, "2024-04-01"),
        (WUHAN | {"place": "武汉"}, "2024-04-02"),  # the same city written otherwise
        (WUHAN | {"place": "安康市", "place_code": "610900000000"}, "2024-04-03"),  # in the province
    ]
    for person, (job, start) in zip(people, places, strict=True):
        body = {"person_id": person, "enrolled_on": "2024-02-27"}
        enrolment = (await admin.post(f"{COURSES}/{course['id']}/enrolments", json=body)).json()
        done = (await step(admin, enrolment, "complete", on="2024-03-20")).json()
        placed = await step(admin, done, "place", placement=job | {"started_on": start})
        assert placed.status_code == 200, placed.text
    figures = (await admin.get("/api/v1/training-stats", params={"area": HUANGJIN})).json()
    assert figures["by_place"] == [
        {"place_code": "420100000000", "name": "武汉", "placed": 2},  # named as the latest placement
        {"place_code": "610900000000", "name": "安康市", "placed": 1},
    ]
    statuses = [(await employment_of(admin, p))[0]["status"] for p in people]
    assert statuses == ["away_out_of_province", "away_out_of_province", "away_in_province"]


def test_a_placements_status_follows_from_where_the_job_is_seen_from_home() -> None:
    home = "610924105201"  # 黄金村
    assert status_for(home, "420100000000") == "away_out_of_province"
    assert status_for(home, "610900000000") == "away_in_province"  # 安康市: the city, not this county
    assert status_for(home, "610924108000") == "away_in_county"  # another town of the county
    assert status_for(home, "610924105000") == "local"  # the village's own town
    assert status_for(home, "610924105202") == "local"  # a neighbouring village
