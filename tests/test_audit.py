"""The audit trail: who did what, where from, with what result; append-only and tamper-evident."""

from __future__ import annotations

import json

import asyncpg
import httpx
import pytest

from tests.support.database import libpq_url
from tests.support.system import Database

COUNTY = "610924000000"
CHAIN = [("610000000000", "陕西省"), ("610900000000", "安康市"), (COUNTY, "紫阳县")]


async def seed_areas(admin: httpx.AsyncClient) -> None:
    for code, name in CHAIN:
        assert (await admin.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201


async def events(client: httpx.AsyncClient, auditor: dict, **params: str) -> list[dict]:
    response = await client.get("/api/v1/audit/events", params=params, headers=auditor)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def verify(client: httpx.AsyncClient, auditor: dict) -> dict:
    response = await client.get("/api/v1/audit/verify", headers=auditor)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_write_is_recorded_with_actor_address_client_and_changes(
    client: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await seed_areas(admin)
    auditor = await user_headers("auditor-1", "auditor", COUNTY)
    created = [e for e in await events(client, auditor, action="area.create") if e["resource_id"] == COUNTY]
    assert len(created) == 1
    event = created[0]
    assert event["chain"] == "registry"
    assert event["actor_name"] == "root" and event["actor_role"] == "county_admin"
    assert event["address"] == "127.0.0.1" and event["client"].startswith("python-httpx")
    assert event["outcome"] == "success" and event["request_id"]
    assert json.loads(event["changes"]) == {
        "level": [None, "county"],
        "name": [None, "紫阳县"],
        "parent_code": [None, "610900000000"],
    }


async def test_denied_and_unauthenticated_writes_are_recorded(
    client: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await seed_areas(admin)
    cadre = await user_headers("cadre-1", "village_cadre", COUNTY)
    denied = await client.post(
        "/api/v1/areas", json={"code": "610924105000", "name": "蒿坪镇"}, headers=cadre
    )
    assert denied.status_code == 403
    anonymous = await client.post("/api/v1/areas", json={"code": "610924105000", "name": "蒿坪镇"})
    assert anonymous.status_code == 401
    auditor = await user_headers("auditor-1", "auditor", COUNTY)
    denials = await events(client, auditor, outcome="denied")
    by_actor = {(e["actor_name"], e["chain"], e["status"]) for e in denials}
    assert ("cadre-1", "registry", 403) in by_actor
    # The anonymous attempt never reached a service; the gateway's own chain has it (unscoped: a
    # national auditor sees it).
    national = await user_headers("auditor-2", "auditor", "000000000000")
    assert any(
        e["actor_name"] is None and e["chain"] == "gateway"
        for e in await events(client, national, outcome="denied")
    )


async def test_sign_ins_are_recorded(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers
) -> None:  # noqa: ANN001
    await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": "root", "password": "wrong one!"}
    )
    national = await user_headers("auditor-2", "auditor", "000000000000")
    sign_ins = await events(client, national, action="auth.sign_in")
    outcomes = sorted(e["outcome"] for e in sign_ins)
    assert "denied" in outcomes and "success" in outcomes


async def test_events_page_through_every_chain_once(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers
) -> None:  # noqa: ANN001
    await seed_areas(admin)
    for n in range(1, 13):
        await admin.post("/api/v1/areas", json={"code": f"610924{100 + n:03d}000", "name": f"镇{n}"})
    national = await user_headers("auditor-2", "auditor", "000000000000")
    everything = await events(client, national, limit="500")
    seen, cursor = [], None
    while True:
        params = {"limit": "4"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/audit/events", params=params, headers=national)).json()
        seen += [(e["chain"], e["id"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen))
    assert set(seen) >= {(e["chain"], e["id"]) for e in everything}
    assert {chain for chain, _ in seen} >= {"gateway", "registry"}


async def test_verify_points_at_a_changed_record(
    client: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    user_headers,
    database: Database,  # noqa: ANN001
) -> None:
    await seed_areas(admin)
    auditor = await user_headers("auditor-1", "auditor", COUNTY)
    report = await verify(client, auditor)
    assert report["ok"] is True and report["first_broken"] is None
    registry = next(c for c in report["chains"] if c["chain"] == "registry")
    assert registry["records_checked"] >= 3 and registry["head"]["hash"]

    # A database administrator edits one record behind the application's back.
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        target = await conn.fetchval("SELECT min(id) + 1 FROM registry.audit_log")
        await conn.execute("ALTER TABLE registry.audit_log DISABLE TRIGGER audit_log_no_update_delete")
        await conn.execute("UPDATE registry.audit_log SET actor_name = 'someone else' WHERE id = $1", target)
        await conn.execute("ALTER TABLE registry.audit_log ENABLE TRIGGER audit_log_no_update_delete")
    finally:
        await conn.close()
    broken = await verify(client, auditor)
    assert broken["ok"] is False
    assert broken["first_broken"]["chain"] == "registry"
    assert broken["first_broken"]["id"] == target
    assert "changed" in broken["first_broken"]["reason"]


async def test_verify_points_after_a_removed_record(
    client: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    user_headers,
    database: Database,  # noqa: ANN001
) -> None:
    await seed_areas(admin)
    auditor = await user_headers("auditor-1", "auditor", COUNTY)
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        first = await conn.fetchval("SELECT min(id) FROM registry.audit_log")
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute("DELETE FROM registry.audit_log WHERE id = $1", first + 1)
    finally:
        await conn.close()
    broken = (await verify(client, auditor))["first_broken"]
    assert (broken["chain"], broken["id"]) == ("registry", first + 2)
    assert "removed" in broken["reason"]


async def test_audit_rows_cannot_be_changed_or_deleted_by_the_application(
    admin: httpx.AsyncClient, database: Database
) -> None:
    await seed_areas(admin)
    change = "UPDATE registry.audit_log SET outcome = 'success'"
    delete = "DELETE FROM registry.audit_log"
    # Even the owner cannot, without first disabling the guard on purpose.
    await assert_refused(database.owner_url, change, delete, "TRUNCATE registry.audit_log")
    if database.app_url == database.owner_url:
        pytest.skip("this server did not let the tests create a separate serving role")
    unguard = "ALTER TABLE registry.audit_log DISABLE TRIGGER audit_log_no_update_delete"
    await assert_refused(database.app_url, change, delete, unguard)


async def assert_refused(url: str, *statements: str) -> None:
    """Each statement, run as the user of ``url``, fails for lack of privilege (rows there to hit)."""
    conn = await asyncpg.connect(libpq_url(url))
    try:
        assert await conn.fetchval("SELECT count(*) FROM registry.audit_log") >= 3
        for statement in statements:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()


async def test_only_auditors_read_the_audit_log(client: httpx.AsyncClient, user_headers) -> None:  # noqa: ANN001
    for role in ("village_cadre", "town_reviewer", "county_admin", "bureau_partner", "ops"):
        headers = await user_headers(f"u-{role.replace('_', '-')}", role, COUNTY)
        for path in ("/api/v1/audit/events", "/api/v1/audit/verify"):
            response = await client.get(path, headers=headers)
            assert response.status_code == 403, (role, path)
