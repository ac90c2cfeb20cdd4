"""Households' requests (诉求, 篇1: "帮助解决帮扶对象的合理诉求"): recorded once from a phone, checked
against the registry and the visit or declaration they came from, handled to an end with the household's
feedback, and listed when overdue."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx

from services.common.calendar import china_today
from tests.support.database import libpq_url
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import HUANGJIN, SHUANGFENG, make_areas, make_household
from tests.support.system import Database, asgi_client


def ask(household: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "household_id": household["id"],
        "area_code": household["area_code"],
        "channel": "phone_call",
        "topic": "medical",
        "content": "女儿住院费用报销比例不清楚，希望帮助办理大病救助",
        "received_on": str(china_today() - timedelta(days=10)),
        "handler_name": "镇医保办 张明",
        "due_on": str(china_today() - timedelta(days=3)),
    }
    return body | fields


async def step(
    client: httpx.AsyncClient, request: dict[str, Any], action: str, **fields: Any
) -> httpx.Response:
    body = {"action": action, "base_version": request["version"]} | fields
    return await client.post(f"/api/v1/household-requests/{request['id']}/steps", json=body)


async def test_a_request_is_recorded_once_and_handled_to_the_households_feedback(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    household = await make_household(admin)
    [head, _] = household["members"]
    cadre = (
        await admin.post("/api/v1/cadres", json={"area_code": HUANGJIN, "name": "李干部", "unit": "镇政府"})
    ).json()
    body = ask(household, person_id=head["id"], handler_cadre_id=cadre["id"])
    made = await admin.post("/api/v1/household-requests", json=body)
    assert made.status_code == 201, made.text
    request = made.json()
    assert (request["state"], request["version"], request["actions"]) == (
        "received",
        1,
        ["handle", "resolve", "explain"],
    )
    # The phone lost the answer and sends it again: the first result, nothing new.
    again = await admin.post("/api/v1/household-requests", json=body)
    assert (again.status_code, again.json()["id"]) == (200, request["id"])
    other = await admin.post("/api/v1/household-requests", json=body | {"content": "别的诉求"})
    assert (other.status_code, other.json()["code"]) == (409, "household_request_id_in_use")

    # Overdue: due three days ago and still open.
    overdue = (await admin.get("/api/v1/household-requests/overdue")).json()["items"]
    assert [(r["id"], r["days_overdue"]) for r in overdue] == [(request["id"], 3)]
    earlier = str(china_today() - timedelta(days=5))
    assert (await admin.get("/api/v1/household-requests/overdue", params={"as_of": earlier})).json()[
        "items"
    ] == []

    handled = await step(admin, request, "handle", note="已联系镇医保办")
    assert handled.status_code == 200, handled.text
    stale = await step(admin, request, "resolve", note="已办理")
    assert (stale.status_code, stale.json()["current"]["state"]) == (409, "handling")
    no_note = await step(admin, handled.json(), "resolve")
    assert (no_note.status_code, no_note.json()["code"]) == (422, "note_required")
    resolved = await step(admin, handled.json(), "resolve", note="已纳入大病救助，报销后自付3,200元")
    assert resolved.json()["state"] == "resolved" and resolved.json()["closed_on"] == str(china_today())
    assert (await admin.get("/api/v1/household-requests/overdue")).json()["items"] == []

    # The household is not satisfied: the request goes back to handling, then is explained.
    unhappy = await step(admin, resolved.json(), "feedback", feedback="dissatisfied", note="自付仍然太高")
    assert (unhappy.json()["state"], unhappy.json()["outcome"]) == ("handling", None)
    explained = await step(admin, unhappy.json(), "explain", note="已按政策最高比例救助，另申请临时救助")
    happy = await step(admin, explained.json(), "feedback", feedback="basically_satisfied")
    assert (happy.json()["state"], happy.json()["feedback"], happy.json()["actions"]) == (
        "explained",
        "basically_satisfied",
        [],
    )
    detail = (await admin.get(f"/api/v1/household-requests/{request['id']}")).json()
    assert [(s["action"], s["from_state"], s["to_state"]) for s in detail["steps"]] == [
        ("handle", "received", "handling"),
        ("resolve", "handling", "resolved"),
        ("feedback", "resolved", "handling"),
        ("explain", "handling", "explained"),
        ("feedback", "explained", "explained"),
    ]
    listed = await admin.get("/api/v1/household-requests", params={"state": "explained", "within": HUANGJIN})
    assert [r["id"] for r in listed.json()["items"]] == [request["id"]]


async def test_a_request_names_only_what_is_in_the_callers_area(
    admin: httpx.AsyncClient, clean_database: Database, user_headers: Any, system: Any
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025)
    here = await make_household(admin)
    there = await make_household(admin, village=SHUANGFENG)
    visit = inspection(here["id"])
    assert (await admin.post("/api/v1/inspections", json=visit)).status_code == 201
    from_visit = await admin.post(
        "/api/v1/household-requests", json=ask(here, channel="visit", source_id=visit["id"], topic="housing")
    )
    assert from_visit.status_code == 201, from_visit.text
    wrong_visit = await admin.post(
        "/api/v1/household-requests", json=ask(there, channel="visit", source_id=visit["id"])
    )
    assert (wrong_visit.status_code, wrong_visit.json()["code"]) == (422, "source_not_found")
    not_a_member = await admin.post(
        "/api/v1/household-requests", json=ask(here, person_id=there["members"][0]["id"])
    )
    assert (not_a_member.status_code, not_a_member.json()["code"]) == (422, "person_not_member")
    declared = {"id": str(uuid.uuid4()), "household_id": here["id"], "area_code": HUANGJIN}
    declared |= {"risk_code": "illness", "reason": "户主住院"}
    assert (await admin.post("/api/v1/alerts/declarations", json=declared)).status_code == 201
    from_declaration = ask(here, channel="declaration", source_id=declared["id"])
    assert (await admin.post("/api/v1/household-requests", json=from_declaration)).status_code == 201
    other_declaration = ask(there, channel="declaration", source_id=declared["id"])
    refused = await admin.post("/api/v1/household-requests", json=other_declaration)
    assert (refused.status_code, refused.json()["code"]) == (422, "source_not_found")
    phone_with_source = await admin.post("/api/v1/household-requests", json=ask(here, source_id=visit["id"]))
    assert phone_with_source.status_code == 422

    # A village cadre of 黄金村 sees its requests only; another village's household is unknown to it.
    headers = await user_headers("cadre-hj", "village_cadre", HUANGJIN)
    async with asgi_client(system, headers=headers) as cadre:
        elsewhere = await cadre.post("/api/v1/household-requests", json=ask(there))
        assert elsewhere.status_code == 403  # the village named is outside its area
        hidden = await cadre.post(
            "/api/v1/household-requests", json=ask(there, area_code=HUANGJIN)
        )  # claims its own village: the registry does not know the household there
        assert (hidden.status_code, hidden.json()["code"]) == (422, "household_not_found")
        made = await admin.post("/api/v1/household-requests", json=ask(there))
        assert made.status_code == 201
        assert (await cadre.get(f"/api/v1/household-requests/{made.json()['id']}")).status_code == 404
        mine = (await cadre.get("/api/v1/household-requests")).json()["items"]
        assert (len(mine), {r["area_code"] for r in mine}) == (
            2,
            {HUANGJIN},
        )  # from the visit, the declaration


async def test_a_request_carries_its_village_and_a_change_position(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    """What the phones' feed reads: every write moves the row to a later position."""
    await make_areas(admin)
    household = await make_household(admin)
    request = (await admin.post("/api/v1/household-requests", json=ask(household))).json()
    conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
    try:
        sql = (
            "SELECT area_code, xid::text::bigint AS x, change_seq "
            "FROM monitoring.household_requests WHERE id = $1"
        )
        before = await conn.fetchrow(sql, uuid.UUID(request["id"]))
        assert (await step(admin, request, "handle")).status_code == 200
        after = await conn.fetchrow(sql, uuid.UUID(request["id"]))
    finally:
        await conn.close()
    assert before["area_code"] == after["area_code"] == HUANGJIN
    assert (after["x"], after["change_seq"]) > (before["x"], before["change_seq"])
    assert date.fromisoformat(request["received_on"]) < china_today()
