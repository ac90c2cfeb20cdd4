"""Registering a household again with the phone's id: the same request is answered as the first was
(created once, then duplicate / 200), however the copies race and whatever happened to the household
since; another body with the id is the only conflict."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import asyncpg
import httpx

from tests.support.database import libpq_url
from tests.support.registry import (
    HUANGJIN,
    LONGQUAN,
    fresh_number,
    make_areas,
    member,
    move_household,
    national_id,
)
from tests.support.system import Database

PAIRS = 20


def registration(**fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "number": fresh_number(),
        "area_code": HUANGJIN,
        "address": "一组 3 号",
        "members": [member("head", name="王建国")],
    }
    return body | fields


def without_household(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "household"}


async def households_numbered(admin: httpx.AsyncClient, number: str) -> list[dict[str, Any]]:
    answer = await admin.get("/api/v1/households", params={"number": number})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_identical_batches_sent_at_once_register_each_household_once(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    bodies = [registration() for _ in range(PAIRS)]
    answers = await asyncio.gather(
        *(admin.post("/api/v1/households/batch", json={"items": [b]}) for b in bodies for _ in range(2))
    )
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    items = [a.json()["items"][0] for a in answers]
    assert {i["status"] for i in items} <= {"created", "duplicate"}, items
    for b in bodies:
        mine = [i for i in items if i["id"] == b["id"]]
        assert sorted(i["status"] for i in mine) == ["created", "duplicate"], mine
        assert [h["id"] for h in await households_numbered(admin, b["number"])] == [b["id"]]


async def test_identical_registrations_sent_at_once_register_each_household_once(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    bodies = [registration() for _ in range(PAIRS)]
    answers = await asyncio.gather(
        *(admin.post("/api/v1/households", json=b) for b in bodies for _ in range(2))
    )
    for b, pair in zip(bodies, zip(answers[::2], answers[1::2], strict=True), strict=True):
        assert sorted(a.status_code for a in pair) == [200, 201], [a.text for a in pair]
        assert [a.json()["id"] for a in pair] == [b["id"], b["id"]]
        assert [h["id"] for h in await households_numbered(admin, b["number"])] == [b["id"]]


async def test_a_retry_after_a_move_and_an_edit_is_a_duplicate_with_the_first_id(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    batched, single = registration(), registration()
    first = (await admin.post("/api/v1/households/batch", json={"items": [batched]})).json()
    assert without_household(first["items"][0]) == {
        "index": 0,
        "status": "created",
        "id": batched["id"],
        "error": None,
    }
    created = await admin.post("/api/v1/households", json=single)
    assert created.status_code == 201, created.text
    for body in (batched, single):
        household = (await admin.get(f"/api/v1/households/{body['id']}")).json()
        await move_household(admin, household, LONGQUAN)
        edit = {"address": "二组 8 号", "base_version": household["version"] + 1}
        edited = await admin.patch(f"/api/v1/households/{body['id']}", json=edit)
        assert edited.status_code == 200, edited.text

        again = (await admin.post("/api/v1/households/batch", json={"items": [body]})).json()
        assert (again["created"], again["duplicates"], again["failed"]) == (0, 1, 0)
        assert without_household(again["items"][0]) == {
            "index": 0,
            "status": "duplicate",
            "id": body["id"],
            "error": None,
        }
        assert again["items"][0]["household"]["area_code"] == LONGQUAN  # as it stands now
        replayed = await admin.post("/api/v1/households", json=body)
        assert replayed.status_code == 200, replayed.text
        assert (replayed.json()["id"], replayed.json()["area_code"]) == (body["id"], LONGQUAN)
        assert len(await households_numbered(admin, body["number"])) == 1


async def test_the_same_id_with_another_body_is_the_only_conflict(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    body = registration()
    assert (await admin.post("/api/v1/households", json=body)).status_code == 201
    for other in (body | {"address": "三组 1 号"}, body | {"number": fresh_number()}, body | {"members": []}):
        batch = (await admin.post("/api/v1/households/batch", json={"items": [other, body]})).json()
        statuses = [(i["status"], i["id"], (i["error"] or {}).get("code")) for i in batch["items"]]
        assert statuses == [
            ("conflict", body["id"], "household_id_in_use"),
            ("conflict", body["id"], "household_id_in_use"),  # repeats an id refused in this batch
        ]
        single = await admin.post("/api/v1/households", json=other)
        assert (single.status_code, single.json()["code"]) == (409, "household_id_in_use")
    # Alone, the first body is still a retry.
    alone = (await admin.post("/api/v1/households/batch", json={"items": [body]})).json()
    assert alone["items"][0]["status"] == "duplicate"


async def test_households_registered_before_digests_are_compared_as_before(
    admin: httpx.AsyncClient, database: Database
) -> None:
    await make_areas(admin)
    body = registration()
    assert (await admin.post("/api/v1/households", json=body)).status_code == 201
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        stored = await conn.fetchval(
            "SELECT request_sha256 FROM registry.households WHERE id = $1", uuid.UUID(body["id"])
        )
        assert stored is not None and len(stored) == 32
        await conn.execute(
            "UPDATE registry.households SET request_sha256 = NULL WHERE id = $1", uuid.UUID(body["id"])
        )
    finally:
        await conn.close()
    # The same number in the caller's area: a retry, as it was answered before digests were kept.
    same_number = body | {"address": "三组 1 号"}
    batch = (await admin.post("/api/v1/households/batch", json={"items": [same_number]})).json()
    assert batch["items"][0]["status"] == "duplicate"
    assert (await admin.post("/api/v1/households", json=same_number)).status_code == 200
    other_number = body | {"number": fresh_number()}
    batch = (await admin.post("/api/v1/households/batch", json={"items": [other_number]})).json()
    assert (batch["items"][0]["status"], batch["items"][0]["error"]["code"]) == (
        "conflict",
        "household_id_in_use",
    )


async def test_items_without_an_id_get_one_and_their_number_stays_unique(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    body = registration()
    del body["id"]
    batch = (await admin.post("/api/v1/households/batch", json={"items": [body, body]})).json()
    statuses = [(i["status"], (i["error"] or {}).get("code")) for i in batch["items"]]
    assert statuses == [("created", None), ("conflict", "household_number_exists")]
    assert batch["items"][0]["id"] is not None and batch["items"][1]["id"] is None
    again = (await admin.post("/api/v1/households/batch", json={"items": [body]})).json()
    assert (again["items"][0]["status"], again["items"][0]["id"]) == ("conflict", None)
    single = await admin.post("/api/v1/households", json=body)
    assert (single.status_code, single.json()["code"]) == (409, "household_number_exists")
    assert Counter(h["id"] for h in await households_numbered(admin, body["number"])) == Counter(
        [batch["items"][0]["id"]]
    )


async def test_a_retry_after_a_move_out_of_your_area_says_nothing_of_where_it_went(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    cadre = await user_headers("cadre-retry", "village_cadre", HUANGJIN)
    body = registration()
    assert (await admin.post("/api/v1/households", json=body, headers=cadre)).status_code == 201
    household = (await admin.get(f"/api/v1/households/{body['id']}")).json()
    await move_household(admin, household, LONGQUAN)  # by the town: out of the cadre's village

    batch = (await admin.post("/api/v1/households/batch", json={"items": [body]}, headers=cadre)).json()
    assert batch["items"][0]["status"] == "duplicate"  # stored once, and no more is said
    single = await admin.post("/api/v1/households", json=body, headers=cadre)
    assert (single.status_code, single.json()["code"]) == (404, "household_not_found")
    assert LONGQUAN not in single.text


async def test_a_batch_answer_says_what_the_server_decided(admin: httpx.AsyncClient) -> None:
    """Each created or duplicate item carries the household as stored: its version, members with their
    ids, masked ID numbers and the birth date and sex read from them."""
    await make_areas(admin)
    body = registration(members=[member("head", name="王建国", national_id=national_id("19700315", "male"))])
    for expected in ("created", "duplicate"):
        answer = await admin.post("/api/v1/households/batch", json={"items": [body]})
        assert answer.status_code == 200, answer.text
        item = answer.json()["items"][0]
        assert item["status"] == expected
        household = item["household"]
        assert (household["id"], household["version"]) == (body["id"], 1)
        head = household["members"][0]
        assert (head["birth_date"], head["sex"], head["national_id_masked"]) == ("1970-03-15", "male", True)
    refused = await admin.post(
        "/api/v1/households/batch",
        json={"items": [registration(members=[member("head", national_id="123")])]},
    )
    assert refused.json()["items"][0]["household"] is None
