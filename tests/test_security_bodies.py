"""The authorisation probe's body scenarios: an alert taken over across counties, foreign ids inside
request bodies, and client ids that would tell one county about another's records."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fastapi import FastAPI

from tests.support.events import relay_of
from tests.support.monitoring import inspection, seed_enrolled_case, set_thresholds
from tests.support.registry import HUANGJIN, LONGQUAN, make_areas, make_household, move_household
from tests.support.system import Database

COUNTY_B, TOWN_B, VILLAGE_B = "610925000000", "610925101000", "610925101201"


async def county_b(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    for code, name in ((COUNTY_B, "岚皋县"), (TOWN_B, "城关镇"), (VILLAGE_B, "肖家坝村")):
        assert (await admin.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201


def declaration(household_id: str, village: str = HUANGJIN, **fields: str) -> dict[str, str]:
    body = {
        "id": str(uuid.uuid4()),
        "household_id": household_id,
        "area_code": village,
        "risk_code": "illness",
        "reason": "户主住院",
    }
    return body | fields


async def test_a_declaration_cannot_take_over_another_countys_alert(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await county_b(admin)
    theirs = await make_household(admin, VILLAGE_B, members=1)
    raised = await admin.post("/api/v1/alerts/declarations", json=declaration(theirs["id"], VILLAGE_B))
    assert raised.status_code == 201, raised.text
    alert = raised.json()

    cadre_a = await user_headers("cadre-a", "village_cadre", HUANGJIN)
    taken = await admin.post(
        "/api/v1/alerts/declarations", json=declaration(theirs["id"], reason="抢夺"), headers=cadre_a
    )
    assert (taken.status_code, taken.json()["code"]) == (422, "household_not_found")
    assert alert["id"] not in taken.text
    # A household that exists nowhere is refused with the same words.
    nowhere = str(uuid.uuid4())
    missing = await admin.post("/api/v1/alerts/declarations", json=declaration(nowhere), headers=cadre_a)
    assert missing.json()["detail"].replace(nowhere, "ID") == taken.json()["detail"].replace(
        theirs["id"], "ID"
    )

    admin_b = await user_headers("admin-b", "county_admin", COUNTY_B)
    still = await admin.get(f"/api/v1/alerts/{alert['id']}", headers=admin_b)
    assert still.status_code == 200, still.text
    assert (still.json()["area_code"], still.json()["signals"], len(still.json()["history"])) == (
        VILLAGE_B,
        1,
        1,
    )
    assert (await admin.get(f"/api/v1/alerts/{alert['id']}", headers=cadre_a)).status_code == 404


async def test_a_reused_client_id_names_nothing_of_the_other_record(
    admin: httpx.AsyncClient,
    user_headers,
    clean_database: Database,  # noqa: ANN001
) -> None:
    await county_b(admin)
    await set_thresholds(admin, 2025, area_code="000000000000")
    theirs = await make_household(admin, VILLAGE_B, members=1)
    ours = await make_household(admin, HUANGJIN, members=1)
    their_declaration = declaration(theirs["id"], VILLAGE_B)
    alert = (await admin.post("/api/v1/alerts/declarations", json=their_declaration)).json()

    admin_a = await user_headers("admin-a", "county_admin", "610924000000")
    reused = await admin.post(
        "/api/v1/alerts/declarations",
        json=declaration(ours["id"], id=their_declaration["id"]),
        headers=admin_a,
    )
    assert (reused.status_code, reused.json()["code"]) == (409, "declaration_id_in_use")
    assert alert["id"] not in reused.text and theirs["id"] not in reused.text
    # The very same declaration sent by county A is no retry of B's: it is B's household, unknown to A.
    copied = await admin.post("/api/v1/alerts/declarations", json=their_declaration, headers=admin_a)
    assert (copied.status_code, copied.json()["code"]) == (409, "declaration_id_in_use")

    # A measure id used in county B: a conflict for county A, not an error and not B's measure.
    their_case = await seed_enrolled_case(clean_database.owner_url, theirs["id"], VILLAGE_B)
    our_case = await seed_enrolled_case(clean_database.owner_url, ours["id"], HUANGJIN)
    plan = {
        "id": str(uuid.uuid4()),
        "kind": "health",
        "description": "家庭医生签约",
        "starts_on": "2025-01-01",
    }
    assert (await admin.post(f"/api/v1/cases/{their_case}/measures", json=plan)).status_code == 201
    again = await admin.post(f"/api/v1/cases/{our_case}/measures", json=plan, headers=admin_a)
    assert (again.status_code, again.json()["code"]) == (409, "measure_id_in_use")
    assert their_case not in again.text


async def test_foreign_members_and_cadres_in_a_visit_are_refused_item_by_item(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await county_b(admin)
    ours = await make_household(admin, HUANGJIN, members=1)
    neighbours = await make_household(admin, LONGQUAN, members=1)
    theirs = await make_household(admin, VILLAGE_B, members=1)
    their_cadre = (
        await admin.post("/api/v1/cadres", json={"area_code": VILLAGE_B, "name": "外县干部", "unit": "县局"})
    ).json()
    our_cadre = (
        await admin.post("/api/v1/cadres", json={"area_code": HUANGJIN, "name": "本村干部", "unit": "村委"})
    ).json()
    town = await user_headers("town", "town_reviewer", "610924105000")

    def visit(**answers: object) -> dict:
        return inspection(ours["id"], **answers)

    items = [
        visit(cadre_id=their_cadre["id"]),
        visit(medical_insurance=[{"person_id": theirs["head_person_id"], "name": "外县人", "insured": True}]),
        visit(
            medical_insurance=[{"person_id": neighbours["head_person_id"], "name": "邻村人", "insured": True}]
        ),
        visit(
            cadre_id=our_cadre["id"],
            children=[
                {"person_id": ours["head_person_id"], "name": "户主", "age": 12, "schooling": "in_school"}
            ],
        ),
    ]
    answer = await admin.post("/api/v1/inspections/batch", json={"items": items}, headers=town)
    assert answer.status_code == 200, answer.text
    outcomes = [(i["status"], (i["error"] or {}).get("code")) for i in answer.json()["items"]]
    assert outcomes == [
        ("invalid", "cadre_not_found"),
        ("invalid", "person_not_found"),
        ("invalid", "person_not_member"),
        ("created", None),
    ]
    assert answer.json()["items"][1]["error"]["errors"][0]["loc"] == [
        "body",
        "items",
        1,
        "medical_insurance",
        0,
        "person_id",
    ]


async def test_only_the_registrys_move_takes_a_live_alert_to_another_village(
    admin: httpx.AsyncClient, system: FastAPI
) -> None:
    await make_areas(admin)
    household = await make_household(admin, HUANGJIN, members=1)
    alert = (await admin.post("/api/v1/alerts/declarations", json=declaration(household["id"]))).json()
    # A phone that still thinks the household lives elsewhere moves nothing.
    elsewhere = declaration(household["id"], LONGQUAN)
    assert (await admin.post("/api/v1/alerts/declarations", json=elsewhere)).status_code == 201
    assert (await admin.get(f"/api/v1/alerts/{alert['id']}")).json()["area_code"] == HUANGJIN

    await move_household(admin, household, LONGQUAN)
    for _ in range(50):  # the relay's window waits for transactions still open elsewhere (its own loop's)
        await relay_of(system, "registry").deliver_pending()
        moved = (await admin.get(f"/api/v1/alerts/{alert['id']}")).json()
        if moved["area_code"] == LONGQUAN:
            break
        await asyncio.sleep(0.1)
    assert (moved["area_code"], moved["signals"]) == (LONGQUAN, 2)
    # The figures follow it (the rollups' triggers see the move like any write).
    for village, live in ((HUANGJIN, 0), (LONGQUAN, 1)):
        figures = (await admin.get("/api/v1/monitoring-stats", params={"area": village})).json()
        assert figures["alerts"]["open"] == live, village
