"""Plans for everyone (一户一方案、一人一措施): measures for any 脱贫户, 监测户 or 边缘户, case or not,
and the share of 脱贫户 with a plan in force per area and day (issue #23, acceptance 1)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fastapi import FastAPI

from services.monitoring.models import Case
from services.monitoring.plans.service import plannable
from tests.support.events import relay_of
from tests.support.monitoring import seed_enrolled_case, set_thresholds
from tests.support.registry import HUANGJIN, LONGQUAN, TOWN, make_areas, make_household, move_household
from tests.support.system import Database

ESCAPED = {"category": "escaped", "poverty_exit_year": 2019, "registered_on": "2024-01-01"}


def measure(**fields: object) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "kind": "industry",
        "description": "发展茶叶种植",
        "starts_on": "2025-03-01",
    } | fields


async def coverage(admin: httpx.AsyncClient, as_of: str, area: str = TOWN, **params: str) -> dict:
    answer = await admin.get("/api/v1/plans/coverage", params={"area": area, "as_of": as_of} | params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_an_escaped_household_without_a_case_gets_a_plan_and_coverage_counts_it(
    system: FastAPI, admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    a1, a2 = [await make_household(admin, HUANGJIN, members=2, **ESCAPED) for _ in range(2)]
    b1 = await make_household(admin, LONGQUAN, members=1, **ESCAPED)
    ordinary = await make_household(admin, HUANGJIN, members=1, registered_on="2024-01-01")

    before = await coverage(admin, "2025-06-30")
    assert (before["total"]["households"], before["total"]["planned"]) == (3, 0)

    body = measure()
    made = await admin.post(f"/api/v1/plans/{a1['id']}/measures", json=body)
    assert made.status_code == 201, made.text
    assert (made.json()["case_id"], made.json()["area_code"], made.json()["status"]) == (
        None,
        HUANGJIN,
        "planned",
    )
    again = await admin.post(f"/api/v1/plans/{a1['id']}/measures", json=body)
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    other = await admin.post(f"/api/v1/plans/{a1['id']}/measures", json=body | {"description": "别的"})
    assert (other.status_code, other.json()["code"]) == (409, "measure_id_in_use")
    # 一人一措施: a member of the household; a member of another one is refused, nothing changed.
    child = a1["members"][1]["id"]
    for_child = measure(kind="education", description="雨露计划", person_id=child)
    assert (await admin.post(f"/api/v1/plans/{a1['id']}/measures", json=for_child)).status_code == 201
    stranger = measure(person_id=b1["head_person_id"])
    refused = await admin.post(f"/api/v1/plans/{a1['id']}/measures", json=stranger)
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (422, "person_not_member")

    # An ordinary household with no case is not planned for; an unknown one is not found.
    no = await admin.post(f"/api/v1/plans/{ordinary['id']}/measures", json=measure())
    assert (no.status_code, no.json()["code"]) == (409, "household_not_plannable")
    gone = await admin.post(f"/api/v1/plans/{uuid.uuid4()}/measures", json=measure())
    assert (gone.status_code, gone.json()["code"]) == (404, "household_not_found")

    # A measure that ended before the day, and a cancelled one, do not count; a2 is planned from May.
    ended = measure(starts_on="2024-03-01", ends_on="2024-12-31")
    assert (await admin.post(f"/api/v1/plans/{b1['id']}/measures", json=ended)).status_code == 201
    later = (
        await admin.post(f"/api/v1/plans/{a2['id']}/measures", json=measure(starts_on="2025-05-01"))
    ).json()
    cancelled = await admin.patch(
        f"/api/v1/measures/{later['id']}", json={"base_version": 1, "status": "cancelled"}
    )
    assert cancelled.status_code == 200, cancelled.text

    june = await coverage(admin, "2025-06-30")
    assert (june["total"]["households"], june["total"]["planned"], june["total"]["share"]) == (3, 1, 0.3333)
    villages = {v["area_code"]: (v["name"], v["households"], v["planned"]) for v in june["by_village"]}
    assert villages == {HUANGJIN: ("黄金村", 2, 1), LONGQUAN: ("龙泉村", 1, 0)}
    assert (await coverage(admin, "2025-02-28"))["total"]["planned"] == 0  # before it started
    assert (await coverage(admin, "2024-06-30"))["total"]["planned"] == 1  # b1's, then in force
    assert (await coverage(admin, "2025-06-30", area=LONGQUAN))["total"] == {
        "area_code": LONGQUAN, "name": None, "households": 1, "planned": 0, "share": 0.0
    }  # fmt: skip

    plan = (await admin.get(f"/api/v1/plans/{a1['id']}")).json()
    assert plan["household_id"] == a1["id"] and len(plan["measures"]) == 2
    assert (await admin.get(f"/api/v1/plans/{uuid.uuid4()}")).json()["code"] == "household_not_found"

    # The plan follows the household when it moves (its live work goes with it).
    await move_household(admin, a1, LONGQUAN)
    for _ in range(150):  # the move reaches monitoring by the registry's events
        await relay_of(system, "registry").deliver_pending()
        moved = (await admin.get(f"/api/v1/plans/{a1['id']}")).json()["measures"]
        if {m["area_code"] for m in moved} == {LONGQUAN}:
            break
        await asyncio.sleep(0.2)
    assert {m["area_code"] for m in moved} == {LONGQUAN}


async def test_a_marginal_household_with_an_enrolled_case_gets_measures_of_its_case(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025)
    household = await make_household(admin, HUANGJIN, members=1, registered_on="2024-01-01")
    case = await seed_enrolled_case(clean_database.owner_url, household["id"], HUANGJIN)
    made = await admin.post(f"/api/v1/plans/{household['id']}/measures", json=measure(kind="employment"))
    assert made.status_code == 201, made.text
    assert made.json()["case_id"] == case
    of_case = (await admin.get(f"/api/v1/cases/{case}/measures")).json()
    assert [m["id"] for m in of_case] == [made.json()["id"]]


async def test_village_cadres_plan_only_in_their_village(
    admin: httpx.AsyncClient,
    user_headers,
    clean_database: Database,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    ours = await make_household(admin, HUANGJIN, members=1, **ESCAPED)
    theirs = await make_household(admin, LONGQUAN, members=1, **ESCAPED)
    cadre = await user_headers("cadre-hj", "village_cadre", HUANGJIN)
    mine = await admin.post(f"/api/v1/plans/{ours['id']}/measures", json=measure(), headers=cadre)
    assert mine.status_code == 201, mine.text
    other = await admin.post(f"/api/v1/plans/{theirs['id']}/measures", json=measure(), headers=cadre)
    assert (other.status_code, other.json()["code"]) == (404, "household_not_found")
    wide = await admin.get("/api/v1/plans/coverage", params={"area": TOWN}, headers=cadre)
    assert (wide.status_code, wide.json()["code"]) == (404, "area_not_found")
    own = await admin.get("/api/v1/plans/coverage", params={"area": HUANGJIN}, headers=cadre)
    assert own.json()["total"]["planned"] == 1


def test_which_households_are_plannable_is_a_setting() -> None:
    marginal = Case(monitoring_type="marginal")
    unstable = Case(monitoring_type="unstable")
    everyone = {"escaped", "monitored", "marginal"}
    assert plannable("escaped", None, everyone) and not plannable("ordinary", None, everyone)
    assert plannable("ordinary", unstable, everyone)  # an enrolled case: a 监测户
    assert plannable("ordinary", marginal, {"marginal"}) and not plannable("ordinary", unstable, {"marginal"})
    assert not plannable("escaped", None, {"monitored"})


async def test_a_measure_sent_twice_at_once_is_stored_once(admin: httpx.AsyncClient) -> None:
    """A phone's retry racing its original on a bad link: one measure, both answered with it."""
    await make_areas(admin)
    household = await make_household(admin, HUANGJIN, members=1, **ESCAPED)
    body = measure()
    url = f"/api/v1/plans/{household['id']}/measures"
    first, second = await asyncio.gather(admin.post(url, json=body), admin.post(url, json=body))
    assert sorted([first.status_code, second.status_code]) == [200, 201], (first.text, second.text)
    assert first.json()["id"] == second.json()["id"] == body["id"]
    plan = (await admin.get(f"/api/v1/plans/{household['id']}")).json()
    assert [m["id"] for m in plan["measures"]] == [body["id"]]
