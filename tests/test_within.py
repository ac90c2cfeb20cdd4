"""`within` means an area: a 12-digit code is that area and everything below it, a shorter string of
digits a code prefix. Outside the caller's scope it is 404 area_not_found, as a missing area is; a wider
one that holds the scope narrows to it. Statistics (`area=`) answer for the caller's area or one below."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import UserFactory
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import COUNTY, HUANGJIN, OTHER_TOWN, SHUANGFENG, TOWN, make_areas, make_household

B = "610925101201"  # a village of another county
ELSEWHERE = {"610925000000": "岚皋县", "610925101000": "城关镇", B: "肖家坝村"}
MALFORMED = "001234000000"  # twelve digits, but no province is 00
LISTS = {  # path -> the record of each village it lists
    "/api/v1/households": "household",
    "/api/v1/people": "person",
    "/api/v1/inspections": "inspection",
    "/api/v1/alerts": "alert",
    "/api/v1/cases": "case",
    "/api/v1/cadres": "cadre",
    "/api/v1/programmes": "period",
    "/api/v1/welfare-posts": "post",
    "/api/v1/post-assignments": "post_assignment",
    "/api/v1/training-courses": "course",
    "/api/v1/training-enrolments": "enrolment",
    "/api/v1/employment-records": "employment_record",
}
LEDGERS = ("/api/v1/households/export", "/api/v1/cases/export", "/api/v1/visits/export")
STATS = (
    "/api/v1/registry-stats/households",
    "/api/v1/monitoring-stats",
    "/api/v1/employment-stats",
    "/api/v1/welfare-post-stats",
    "/api/v1/training-stats",
    "/api/v1/reports/area-summary",
)


def filter_name(path: str) -> str:
    return "area" if path.startswith("/api/v1/employment-records") else "within"


async def created(admin: httpx.AsyncClient, path: str, body: dict) -> dict:
    response = await admin.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def records_in(admin: httpx.AsyncClient, village: str) -> dict[str, str]:
    """One of each kind of record in ``village``; the visit finds the household poor (an alert)."""
    household = await make_household(admin, village, members=1)
    head = household["head_person_id"]
    visit = inspection(household["id"], area_code=village, wages=1000)
    await created(admin, "/api/v1/inspections", visit)
    alert = (await admin.get("/api/v1/alerts", params={"household_id": household["id"]})).json()["items"][0]
    case = await created(admin, "/api/v1/cases", {"id": str(uuid.uuid4()), "alert_ids": [alert["id"]]})
    cadre = await created(admin, "/api/v1/cadres", {"area_code": village, "name": "李干部", "unit": "镇政府"})
    period = {"household_id": household["id"], "programme": "dibao", "starts_on": "2024-01-01"}
    post = {"title": "保洁员", "type": "cleaning", "funding_source": "hrss", "monthly_subsidy": 500}
    post = await created(
        admin,
        "/api/v1/welfare-posts",
        post | {"capacity": 2, "starts_on": "2025-01-01", "area_code": village},
    )
    holder = {"id": str(uuid.uuid4()), "person_id": head, "starts_on": "2025-01-01"}
    await created(admin, f"/api/v1/welfare-posts/{post['id']}/assignments", holder)
    course = {"title": "培训班", "provider": "县职教中心", "skill": "修脚足疗", "starts_on": "2025-03-01"}
    course = await created(admin, "/api/v1/training-courses", course | {"area_code": village})
    signup = {"id": str(uuid.uuid4()), "person_id": head, "enrolled_on": "2025-03-01"}
    await created(admin, f"/api/v1/training-courses/{course['id']}/enrolments", signup)
    work = {"id": str(uuid.uuid4()), "person_id": head, "status": "local", "source": "door_to_door"}
    await created(admin, "/api/v1/employment-records", work | {"reported_on": "2025-01-01"})
    return {
        "number": household["number"],
        "household": household["id"],
        "person": head,
        "inspection": visit["id"],
        "alert": alert["id"],
        "case": case["id"],
        "cadre": cadre["id"],
        "period": (await created(admin, "/api/v1/programmes", period))["id"],
        "post": post["id"],
        "post_assignment": holder["id"],
        "course": course["id"],
        "enrolment": signup["id"],
        "employment_record": work["id"],
    }


@pytest.fixture
async def world(admin: httpx.AsyncClient, user_headers: UserFactory) -> dict:
    """A county admin and a town reviewer; records in a village of the town and one of another town."""
    await make_areas(admin)
    for code, name in ELSEWHERE.items():
        assert (await admin.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201
    await set_thresholds(admin, 2025)
    return {
        "county": await user_headers("county", "county_admin", COUNTY),
        "town": await user_headers("town", "town_reviewer", TOWN),
        "bureau": await user_headers("bureau", "bureau_partner", COUNTY),
        "here": await records_in(admin, HUANGJIN),
        "there": await records_in(admin, SHUANGFENG),
    }


async def ids(client: httpx.AsyncClient, path: str, headers: dict, within: str | None) -> set[str]:
    params = {"limit": 500} | ({filter_name(path): within} if within else {})
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, (path, within, response.text)
    return {row["id"] for row in response.json()["items"]}


def not_found(response: httpx.Response) -> bool:
    return (response.status_code, response.json().get("code")) == (404, "area_not_found")


async def test_a_code_means_its_area_and_another_countys_is_not_found(
    client: httpx.AsyncClient, world: dict
) -> None:
    county, here, there = world["county"], world["here"], world["there"]
    for path, key in LISTS.items():
        assert await ids(client, path, county, TOWN) == {here[key]}, path  # a town's full code
        assert await ids(client, path, county, HUANGJIN) == {here[key]}, path
        assert await ids(client, path, county, "610924105") == {here[key]}, path  # a prefix, as before
        assert await ids(client, path, county, None) == {here[key], there[key]}, path
        for outside in (B, "610925", MALFORMED):
            answer = await client.get(path, params={filter_name(path): outside}, headers=county)
            assert not_found(answer), (path, outside, answer.text)
    count = await client.get("/api/v1/households/count", params={"within": TOWN}, headers=county)
    assert count.json() == {"count": 1}
    compliance = await client.get("/api/v1/visits/compliance", params={"within": B}, headers=county)
    assert not_found(compliance)
    areas = await client.get("/api/v1/areas", params={"within": TOWN}, headers=county)
    assert {a["code"] for a in areas.json()["items"]} == {TOWN, HUANGJIN, "610924105202"}
    assert not_found(await client.get("/api/v1/areas", params={"within": B}, headers=county))


async def test_a_wider_area_narrows_to_the_callers_own(client: httpx.AsyncClient, world: dict) -> None:
    town, here = world["town"], world["here"]
    for path, key in LISTS.items():
        for wider in ("61", COUNTY, "000000000000"):
            assert await ids(client, path, town, wider) == {here[key]}, (path, wider)
        assert not_found(await client.get(path, params={filter_name(path): OTHER_TOWN}, headers=town)), path
    # The areas list also shows the areas above your own: a wider filter keeps those it holds.
    areas = await client.get("/api/v1/areas", params={"within": "6109"}, headers=town)
    assert {a["code"] for a in areas.json()["items"]} == {
        "610900000000",
        COUNTY,
        TOWN,
        HUANGJIN,
        "610924105202",
    }


async def test_the_ledgers_keep_to_the_area_asked_for(client: httpx.AsyncClient, world: dict) -> None:
    county, town, here, there = world["county"], world["town"], world["here"], world["there"]
    ledgers = {path: "within" for path in LEDGERS} | {"/api/v1/employment-records/export": "area"}
    for path, name in ledgers.items():
        for headers, area in ((county, TOWN), (town, COUNTY), (town, "61")):
            answer = await client.get(path, params={name: area, "format": "csv"}, headers=headers)
            assert answer.status_code == 200, (path, area, answer.text)
            shown = here["person"] if "employment" in path else here["number"]
            hidden = there["person"] if "employment" in path else there["number"]
            assert shown in answer.text and hidden not in answer.text, (path, area)
        for headers, outside in ((county, B), (county, MALFORMED), (town, OTHER_TOWN)):
            assert not_found(await client.get(path, params={name: outside}, headers=headers)), (path, outside)


async def test_statistics_answer_for_the_callers_area_or_one_below(
    client: httpx.AsyncClient, world: dict
) -> None:
    county, town = world["county"], world["town"]
    for path in STATS:
        answer = await client.get(path, params={"area": TOWN}, headers=county)
        assert (answer.status_code, answer.json()["area_code"]) == (200, TOWN), (path, answer.text)
        # Figures speak for the whole area, so a wider one is not narrowed: it is not found.
        for headers, outside in ((county, B), (county, MALFORMED), (town, OTHER_TOWN), (town, COUNTY)):
            assert not_found(await client.get(path, params={"area": outside}, headers=headers)), (
                path,
                outside,
            )
    registry = await client.get(STATS[0], params={"area": TOWN}, headers=county)
    assert registry.json()["households"] == 1
    report = await client.get(STATS[-1], params={"area": TOWN}, headers=town)
    assert (report.json()["complete"], report.json()["registry"]["households"]) == (True, 1)


async def test_outside_is_the_same_answer_as_missing_and_permission_comes_first(
    client: httpx.AsyncClient, world: dict
) -> None:
    def body(response: httpx.Response, code: str) -> dict:
        problem = response.json()
        problem.pop("instance", None)
        return problem | {"detail": problem["detail"].replace(code, "ID")}

    county, missing = world["county"], "610924105299"
    outside = await client.get("/api/v1/households", params={"within": B}, headers=county)
    absent = await client.get(STATS[0], params={"area": missing}, headers=county)
    assert body(outside, B) == body(absent, missing)
    refused = await client.get("/api/v1/households", params={"within": B}, headers=world["bureau"])
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
