"""Households and people through the gateway: register, read masked, update with versions, history."""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import asyncpg
import httpx

from tests.conftest import UserFactory
from tests.support.database import libpq_url
from tests.support.registry import (
    HUANGJIN,
    LONGQUAN,
    SHUANGFENG,
    fresh_number,
    make_areas,
    make_household,
    member,
    national_id,
)
from tests.support.system import Database


async def test_register_a_household_with_members_masks_id_numbers(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    number = national_id("19750312", "female")
    body = {
        "id": str(uuid.uuid4()),
        "number": fresh_number(),
        "area_code": HUANGJIN,
        "group_no": 3,
        "housing_grade": "B",
        "category": "escaped",
        "members": [member("head", name="刘桂兰", national_id=number), member("child", name="刘强")],
    }
    created = await admin.post("/api/v1/households", json=body)
    assert created.status_code == 201, created.text
    household = created.json()
    assert household["version"] == 1
    head = next(m for m in household["members"] if m["relation"] == "head")
    assert household["head_person_id"] == head["id"]
    assert head["national_id"] == number[:6] + "********" + number[-4:]
    assert head["national_id_masked"] is True
    assert (head["birth_date"], head["sex"]) == ("1975-03-12", "female")

    again = await admin.post("/api/v1/households", json=body)
    assert again.status_code == 200
    assert again.json()["id"] == household["id"]
    assert (await admin.get("/api/v1/households/count", params={"within": HUANGJIN})).json() == {"count": 1}


async def test_bad_id_numbers_are_refused_with_the_reason_and_nothing_is_stored(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    good = national_id()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    cases = {
        wrong_check: "id_check_digit",
        "61092419800101": "id_length",
        good[:6] + "19801332" + good[14:]: "id_check_digit",
    }
    for number, code in cases.items():
        body = {"number": fresh_number(), "area_code": HUANGJIN, "members": [member(national_id=number)]}
        response = await admin.post("/api/v1/households", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code
    mismatch = {
        "number": fresh_number(),
        "area_code": HUANGJIN,
        "members": [member(national_id=national_id("19800101", "male"), sex="female")],
    }
    response = await admin.post("/api/v1/households", json=mismatch)
    assert response.json()["code"] == "id_sex_mismatch"
    assert (await admin.get("/api/v1/households/count")).json() == {"count": 0}


async def test_one_id_number_belongs_to_one_living_person(
    admin: httpx.AsyncClient, user_headers: UserFactory, system
) -> None:
    await make_areas(admin)
    household = await make_household(admin, HUANGJIN, members=1)
    taken = national_id()
    first = await admin.post(
        f"/api/v1/households/{household['id']}/members", json=member("child", national_id=taken)
    )
    assert first.status_code == 201

    second_home = await make_household(admin, HUANGJIN, members=1)
    clash = await admin.post(
        f"/api/v1/households/{second_home['id']}/members", json=member("child", national_id=taken)
    )
    assert clash.status_code == 409
    assert clash.json()["code"] == "national_id_registered"
    assert clash.json()["household_id"] == household["id"]

    # A cadre of another village learns only that the number is held elsewhere.
    from tests.support.system import asgi_client

    headers = await user_headers("cadre_sf", "village_cadre", SHUANGFENG)
    async with asgi_client(system, headers=headers) as cadre:
        body = {
            "number": fresh_number(SHUANGFENG),
            "area_code": SHUANGFENG,
            "members": [member(national_id=taken)],
        }
        refused = await cadre.post("/api/v1/households", json=body)
    assert refused.status_code == 409
    assert "household_id" not in refused.json()
    assert "outside your area" in refused.json()["detail"]

    # Once the holder has died, the number may be registered again (e.g. a correction elsewhere).
    person_id = first.json()["id"]
    dead = await admin.patch(
        f"/api/v1/people/{person_id}", json={"base_version": 1, "deceased_on": "2026-01-02"}
    )
    assert dead.status_code == 200, dead.text
    again = await admin.post(
        f"/api/v1/households/{second_home['id']}/members", json=member("child", national_id=taken)
    )
    assert again.status_code == 201


async def test_two_phones_editing_the_same_version_second_gets_409_with_current_state(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    household = await make_household(admin)
    path = f"/api/v1/households/{household['id']}"
    phone_a, phone_b = (
        admin.patch(path, json={"base_version": 1, "phone": "13900000001"}),
        admin.patch(path, json={"base_version": 1, "housing_grade": "C"}),
    )
    results = await asyncio.gather(phone_a, phone_b)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409]
    refused = next(r for r in results if r.status_code == 409).json()
    assert refused["code"] == "stale_version"
    assert refused["current_version"] == 2
    assert refused["current"]["version"] == 2
    # The refused phone redoes its change on the current version: nothing is lost.
    winner = next(r for r in results if r.status_code == 200).json()
    redo = {"phone": "13900000001"} if winner["phone"] is None else {"housing_grade": "C"}
    retried = await admin.patch(path, json={"base_version": 2, **redo})
    assert retried.status_code == 200
    final = retried.json()
    assert (final["phone"], final["housing_grade"], final["version"]) == ("13900000001", "C", 3)
    missing = await admin.patch(path, json={"phone": "13900000002"})
    assert missing.status_code == 428


async def test_history_keeps_every_change_with_who_and_old_to_new(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    household = await make_household(admin, members=2)
    child = next(m for m in household["members"] if m["relation"] == "child")
    await admin.patch(f"/api/v1/households/{household['id']}", json={"base_version": 1, "housing_grade": "D"})
    await admin.patch(
        f"/api/v1/people/{child['id']}", json={"base_version": 1, "health": "disabled", "disability_grade": 2}
    )
    history = (await admin.get(f"/api/v1/households/{household['id']}/history")).json()["items"]
    actions = [(e["entity_type"], e["action"]) for e in history]
    assert actions.count(("household", "created")) == 1 and actions.count(("person", "created")) == 2
    grade = next(e for e in history if e["changes"] and "housing_grade" in e["changes"])
    assert grade["changes"]["housing_grade"] == [None, "D"]
    assert grade["actor_name"] and grade["version"] == 2
    health = next(e for e in history if e["action"] == "changed" and "health" in e["changes"])
    assert health["changes"]["health"] == ["healthy", "disabled"]
    assert all("national_id_cipher" not in (e["changes"] or {}) for e in history)
    person_history = (await admin.get(f"/api/v1/people/{child['id']}/history")).json()["items"]
    assert [e["action"] for e in person_history] == ["created", "changed"]


# What the change log held for created rows before migration 0012: the whole row, walked as JSON.
WHOLE_ROW_CHANGES = """(SELECT jsonb_object_agg(key, jsonb_build_array(NULL, value))
    FROM jsonb_each(to_jsonb(t) - ARRAY['id','national_id_cipher','national_id_index','version',
        'created_at','updated_at','created_by','updated_by']) WHERE value <> 'null'::jsonb)"""
UNTRACKED = {
    "id",
    "national_id_cipher",
    "national_id_index",
    "version",
    "created_at",
    "updated_at",
    "created_by",
}
UNTRACKED |= {"updated_by", "request_sha256"}


async def test_the_change_log_of_a_created_row_holds_every_field_as_before(
    admin: httpx.AsyncClient, database: Database
) -> None:
    """Each table's created logger names its columns: none may be missing, and the JSON is what the whole
    row gave (every column filled, each type once). Written in a transaction that is rolled back
    (the household's head is checked at commit)."""
    await make_areas(admin)
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        async with conn.transaction():
            for table in ("households", "people"):
                definition = await conn.fetchval(
                    "SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.oid = to_regproc($1)",
                    f"registry.{table}_log_created",
                )
                logged = set(re.findall(r"'(\w+)', CASE WHEN", definition))
                columns = {
                    r["attname"]
                    for r in await conn.fetch(
                        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) "
                        "AND attnum > 0 AND NOT attisdropped",
                        f"registry.{table}",
                    )
                }
                assert columns - logged <= UNTRACKED and logged < columns, table
            household_id, person_id = uuid.uuid4(), uuid.uuid4()
            await conn.execute(
                "INSERT INTO registry.households (id, number, area_code, group_no, address, latitude,"
                " longitude, phone, housing_type, housing_grade, drinking_water, cultivated_land_mu,"
                " forest_land_mu, category, poverty_exit_year, registered_on, deleted_at, deleted_reason,"
                " head_person_id) VALUES"
                " ($1, $2, $3, 4, '二组 7 号', 32.52, 108.53, '13800000000', 'brick', 'B', 'tap', 2.5, 10.25,"
                " 'escaped', 2019, '2023-01-01', '2026-01-02T03:04:05.678+08', 'duplicate', $4)",
                household_id,
                fresh_number(),
                HUANGJIN,
                person_id,
            )
            await conn.execute(
                "INSERT INTO registry.people (id, household_id, area_code, name, national_id_cipher,"
                " national_id_index, national_id_masked, birth_date, sex, relation, health,"
                " disability_grade, labour_ability, schooling, medical_insured, phone, registered_on,"
                " deceased_on, deleted_at) VALUES ($1, $2, $3, '王秀英', '\\x01', '\\x02',"
                " '610924********1234', '1975-03-12', 'female', 'head', 'disabled', 2, 'partial',"
                " 'junior', true, '13900000000', '2023-01-01', '2025-05-05', now())",
                person_id,
                household_id,
                HUANGJIN,
            )
            for table, entity_id in (("households", household_id), ("people", person_id)):
                logged, whole = await conn.fetchrow(
                    f"SELECT c.changes, {WHOLE_ROW_CHANGES} FROM registry.record_changes c"  # noqa: S608
                    f" JOIN registry.{table} t ON t.id = c.entity_id"
                    " WHERE c.entity_id = $1 AND c.action = 'created'",
                    entity_id,
                )
                assert json.loads(logged) == json.loads(whole) and len(json.loads(logged)) >= 15, table
            raise Rollback
    except Rollback:
        pass
    finally:
        await conn.close()


class Rollback(Exception):
    """Leaves the transaction without a trace."""


async def test_full_id_numbers_only_on_request_for_roles_that_may_and_audited(
    admin: httpx.AsyncClient, user_headers: UserFactory, system
) -> None:
    from tests.support.system import asgi_client

    await make_areas(admin)
    number = national_id()
    household = await make_household(admin, members=1)
    await admin.post(
        f"/api/v1/households/{household['id']}/members", json=member("spouse", national_id=number)
    )
    found = await admin.post("/api/v1/people/lookup", params={"reveal": "true"}, json={"national_id": number})
    assert found.status_code == 200
    [person] = found.json()["items"]
    assert person["national_id"] == number and person["national_id_masked"] is False
    auditor = await user_headers("auditor_1", "auditor", "610924000000")
    params = {"action": "person.national_id.read"}
    events = (await admin.get("/api/v1/audit/events", params=params, headers=auditor)).json()
    assert any(e["resource_id"] == person["id"] for e in events["items"])

    cadre_headers = await user_headers("cadre_hj", "village_cadre", HUANGJIN)
    async with asgi_client(system, headers=cadre_headers) as cadre:
        masked = await cadre.get(f"/api/v1/people/{person['id']}")
        assert masked.json()["national_id"].count("*") == 8
        refused = await cadre.get(f"/api/v1/people/{person['id']}", params={"reveal": "true"})
        assert refused.status_code == 403


async def test_search_by_name_area_category_programme_and_pages(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    for _ in range(3):
        await make_household(admin, HUANGJIN, members=2, category="escaped")
    await make_household(admin, LONGQUAN, members=1)
    assert (await admin.get("/api/v1/households/count", params={"category": "escaped"})).json()["count"] == 3
    assert (await admin.get("/api/v1/households/count", params={"programme": "escaped"})).json()["count"] == 3
    assert (await admin.get("/api/v1/households/count", params={"within": "610924105"})).json()["count"] == 4
    assert (await admin.get("/api/v1/people/count", params={"name": "王小"})).json()["count"] == 3
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await admin.get("/api/v1/people", params=params)).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7


async def test_a_person_moves_to_another_household_on_marriage(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    origin = await make_household(admin, HUANGJIN, members=2)
    destination = await make_household(admin, LONGQUAN, members=1)
    bride = next(m for m in origin["members"] if m["relation"] == "child")
    moved = await admin.post(
        f"/api/v1/people/{bride['id']}/move",
        json={
            "base_version": 1,
            "to_household_id": destination["id"],
            "reason": "marriage",
            "relation": "spouse",
        },
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["household_id"], moved.json()["area_code"]) == (destination["id"], LONGQUAN)
    members = (await admin.get(f"/api/v1/households/{destination['id']}")).json()["members"]
    assert {m["id"] for m in members} >= {bride["id"]}
    history = (await admin.get(f"/api/v1/households/{origin['id']}/history")).json()["items"]
    assert any(
        e["entity_id"] == bride["id"] and e["changes"] and "household_id" in e["changes"] for e in history
    )


async def test_cadres_pairings_current_and_past(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    household = await make_household(admin)
    cadre = (
        await admin.post(
            "/api/v1/cadres", json={"area_code": HUANGJIN, "name": "李建国", "unit": "县农业农村局"}
        )
    ).json()
    first = await admin.post(
        f"/api/v1/cadres/{cadre['id']}/assignments", json={"household_id": household["id"]}
    )
    assert first.status_code == 201
    assert (
        await admin.post(f"/api/v1/cadres/{cadre['id']}/assignments", json={"household_id": household["id"]})
    ).status_code == 200
    paired = await admin.get("/api/v1/households/count", params={"cadre_id": cadre["id"]})
    assert paired.json()["count"] == 1
    ended = await admin.post(f"/api/v1/cadres/assignments/{first.json()['id']}/end", json={})
    assert ended.json()["current"] is False
    later = (
        await admin.post("/api/v1/cadres", json={"area_code": HUANGJIN, "name": "张敏", "unit": "镇政府"})
    ).json()
    await admin.post(f"/api/v1/cadres/{later['id']}/assignments", json={"household_id": household["id"]})
    cadres = (await admin.get(f"/api/v1/households/{household['id']}/cadres")).json()
    assert [(c["cadre"]["name"], c["assignment"]["current"]) for c in cadres] == [
        ("张敏", True),
        ("李建国", False),
    ]


async def test_a_batch_from_a_phone_keeps_good_items_when_one_is_bad_and_retries_are_duplicates(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    head_id = str(uuid.uuid4())
    good = {
        "id": str(uuid.uuid4()),
        "number": fresh_number(),
        "area_code": HUANGJIN,
        "members": [member("head", id=head_id), member("child")],
        "programmes": [{"programme": "dibao", "starts_on": "2024-01-01", "person_id": head_id}],
    }
    bad = {
        "id": str(uuid.uuid4()),
        "number": fresh_number(),
        "area_code": HUANGJIN,
        "members": [member(national_id="610924198001010000")],
    }
    other = {"id": str(uuid.uuid4()), "number": fresh_number(), "area_code": LONGQUAN}
    first = await admin.post("/api/v1/households/batch", json={"items": [good, bad, other]})
    assert first.status_code == 200, first.text
    result = first.json()
    assert [i["status"] for i in result["items"]] == ["created", "invalid", "created"]
    assert result["items"][1]["error"]["code"] == "id_check_digit"
    assert result["items"][1]["error"]["errors"][0]["loc"] == [
        "body",
        "items",
        1,
        "members",
        0,
        "national_id",
    ]
    again = (await admin.post("/api/v1/households/batch", json={"items": [good, other]})).json()
    assert [i["status"] for i in again["items"]] == ["duplicate", "duplicate"]
    assert (await admin.get("/api/v1/households/count")).json()["count"] == 2
    periods = (await admin.get("/api/v1/programmes", params={"household_id": good["id"]})).json()["items"]
    assert [(p["programme"], p["person_id"]) for p in periods] == [("dibao", head_id)]
    too_many = await admin.post("/api/v1/households/batch", json={"items": [other] * 501})
    assert too_many.status_code == 422


async def test_cadres_of_one_name_are_all_listed_page_by_page(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    made = set()
    for unit in ("镇政府", "县局", "村委"):
        body = {"area_code": HUANGJIN, "name": "王干部", "unit": unit}
        made.add((await admin.post("/api/v1/cadres", json=body)).json()["id"])
    seen, cursor = [], None
    while True:  # one per page: the id breaks the tie between equal names
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await admin.get("/api/v1/cadres", params=params)).json()
        seen += [c["id"] for c in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted(made)
