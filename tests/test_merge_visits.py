"""A phone's pending visits survive a village merge and a move: stored ones answer "duplicate", new ones
with the merged-away code land in the successor, and a gone household says why without saying where."""

from __future__ import annotations

import json

import asyncpg
import httpx

from tests.conftest import UserFactory
from tests.support.database import libpq_url
from tests.support.monitoring import inspection
from tests.support.registry import (
    HUANGJIN,
    LONGQUAN,
    SHUANGFENG,
    delete_household,
    make_areas,
    make_household,
    move_household,
)
from tests.support.system import Database, asgi_client


async def test_pending_visits_with_a_merged_away_code_land_in_the_successor_and_retries_are_duplicates(
    admin: httpx.AsyncClient, user_headers: UserFactory, system
) -> None:
    await make_areas(admin)
    first, second = [await make_household(admin, LONGQUAN, members=1) for _ in range(2)]
    stored = inspection(first["id"], area_code=LONGQUAN)
    pending = inspection(second["id"], area_code=LONGQUAN)
    async with asgi_client(
        system, headers=await user_headers("cadre_lq", "village_cadre", LONGQUAN)
    ) as phone:
        assert (await phone.post("/api/v1/inspections", json=stored)).status_code == 201

    merge = {"target_code": HUANGJIN, "source_codes": [LONGQUAN], "effective_on": "2025-11-01"}
    assert (await admin.post("/api/v1/area-merges", json=merge)).status_code == 201

    # The phone of 黄金村 (the successor) sends what it still holds, with the old code.
    async with asgi_client(
        system, headers=await user_headers("cadre_hj", "village_cadre", HUANGJIN)
    ) as phone:
        outside = inspection(first["id"], area_code=SHUANGFENG)  # not merged into anything of ours
        batch = await phone.post("/api/v1/inspections/batch", json={"items": [stored, pending, outside]})
        assert batch.status_code == 200, batch.text
        items = batch.json()["items"]
        assert [i["status"] for i in items] == ["duplicate", "created", "forbidden"]
        assert items[1]["area_code"] == HUANGJIN  # the answer says where it was stored
        assert items[2]["error"]["code"] == "outside_scope"
        kept = (await phone.get(f"/api/v1/inspections/{pending['id']}")).json()
        assert kept["area_code"] == HUANGJIN

        # Retries of both, one alone and again in a batch, whatever happened since.
        again = await phone.post("/api/v1/inspections", json=pending)
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
        retried = await phone.post("/api/v1/inspections/batch", json={"items": [stored, pending]})
        assert [i["status"] for i in retried.json()["items"]] == ["duplicate", "duplicate"]
        # The same id with other content is still the one conflict.
        changed = pending | {"household_size": 5}
        assert (await phone.post("/api/v1/inspections", json=changed)).status_code == 409


async def test_a_deleted_household_and_one_moved_away_are_told_apart_without_saying_where(
    admin: httpx.AsyncClient, user_headers: UserFactory, system
) -> None:
    await make_areas(admin)
    deleted = await make_household(admin, HUANGJIN, members=1)
    moved = await make_household(admin, HUANGJIN, members=1)
    foreign = await make_household(admin, SHUANGFENG, members=1)  # never in 黄金村
    await delete_household(admin, deleted)
    await move_household(admin, moved, SHUANGFENG)
    visits = [inspection(h["id"]) for h in (deleted, moved, foreign)]
    async with asgi_client(
        system, headers=await user_headers("cadre_hj2", "village_cadre", HUANGJIN)
    ) as phone:
        items = (await phone.post("/api/v1/inspections/batch", json={"items": visits})).json()["items"]
    codes = [i["error"]["code"] for i in items]
    assert codes == ["household_deleted", "household_not_in_your_area", "household_not_found"]
    assert all(SHUANGFENG not in str(i["error"]) for i in items)


async def test_a_cadre_of_a_merged_away_village_follows_it_and_its_phone_carries_on(
    admin: httpx.AsyncClient, user_headers: UserFactory, system, clean_database: Database
) -> None:
    await make_areas(admin)
    [household] = [await make_household(admin, LONGQUAN, members=1)]
    stored = inspection(household["id"], area_code=LONGQUAN)
    pending = inspection(household["id"], area_code=LONGQUAN, visited_at="2025-10-11T10:00:00+08:00")
    headers = await user_headers("cadre_follows", "village_cadre", LONGQUAN)
    async with asgi_client(system, headers=headers) as phone:
        assert (await phone.post("/api/v1/inspections", json=stored)).status_code == 201
        merge = {"target_code": HUANGJIN, "source_codes": [LONGQUAN], "effective_on": "2025-11-01"}
        assert (await admin.post("/api/v1/area-merges", json=merge)).status_code == 201

        # The same sign-in now acts for 黄金村, and the phone's queue goes through.
        me = (await admin.get("/api/v1/users", params={"q": "cadre_follows"})).json()["items"][0]
        assert (me["area_code"], me["version"]) == (HUANGJIN, 2)
        batch = await phone.post("/api/v1/inspections/batch", json={"items": [stored, pending]})
        assert [(i["status"], i.get("area_code")) for i in batch.json()["items"]] == [
            ("duplicate", None),
            ("created", HUANGJIN),
        ]
        assert (await phone.get(f"/api/v1/households/{household['id']}")).status_code == 200
        # A phone that rewrote the stored visit's village to the successor is told "duplicate" too;
        # another answer with that id is still the one conflict.
        rewritten = await phone.post("/api/v1/inspections", json=stored | {"area_code": HUANGJIN})
        assert (rewritten.status_code, rewritten.json()["status"]) == (200, "duplicate")
        other = stored | {"area_code": HUANGJIN, "household_size": 7}
        assert (await phone.post("/api/v1/inspections", json=other)).status_code == 409

    conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
    try:
        rows = await conn.fetch(
            "SELECT resource_id, area_code, changes, actor_kind FROM gateway.audit_log "
            "WHERE action = 'user.rescope'"
        )
    finally:
        await conn.close()
    assert [(r["resource_id"], r["area_code"], r["actor_kind"]) for r in rows] == [
        (me["id"], HUANGJIN, "system")
    ]
    assert json.loads(rows[0]["changes"])["area_code"] == [LONGQUAN, HUANGJIN]
    # A retried merge (200) finds no one left to move.
    assert (await admin.post("/api/v1/area-merges", json=merge)).status_code == 200
