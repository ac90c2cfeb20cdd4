"""Found by the authorisation probe: an administrator taking over a peer's account, an account acting
above the level of its scope on a case, and an ended sign-in still passing on the gateway that ended it."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from gateway.identity.credentials import new_api_key
from tests.support.auth import PASSWORD, sign_in
from tests.support.database import libpq_url
from tests.support.monitoring import seed_enrolled_case
from tests.support.registry import COUNTY, HUANGJIN, TOWN, make_areas, seed_households
from tests.support.system import Database

NEW_PASSWORD = "a brand new long password"


async def sql(database: Database, statement: str, *args: Any) -> None:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        await conn.execute(statement, *args)
    finally:
        await conn.close()


async def make(
    client: httpx.AsyncClient, headers: dict, username: str, role: str, area: str
) -> httpx.Response:
    body = {"username": username, "display_name": username, "password": PASSWORD, "role": role}
    return await client.post("/api/v1/users", json=body | {"area_code": area}, headers=headers)


async def patch_user(
    client: httpx.AsyncClient, headers: dict, user_id: str, **body: object
) -> httpx.Response:
    current = (await client.get(f"/api/v1/users/{user_id}", headers=headers)).json()
    return await client.patch(
        f"/api/v1/users/{user_id}", json=body | {"base_version": current["version"]}, headers=headers
    )


async def user_id(client: httpx.AsyncClient, headers: dict) -> str:
    return (await client.get("/api/v1/users/me", headers=headers)).json()["id"]


def refused(response: httpx.Response, code: str) -> bool:
    return response.status_code == 403 and response.json()["code"] == code


# 1. Peers: an administrator account is managed only from a strictly wider scope.


async def test_a_peer_administrator_cannot_take_over_another_but_a_wider_one_may(
    client: httpx.AsyncClient,
    admin_headers: dict,
    user_headers,  # noqa: ANN001
) -> None:
    county_a = await user_headers("county-a", "county_admin", COUNTY)
    county_b = await user_headers("county-b", "county_admin", COUNTY)
    peer = await user_id(client, county_b)

    for change in (
        {"password": NEW_PASSWORD},
        {"disabled": True},
        {"role": "village_cadre"},
        {"area_code": HUANGJIN},
    ):
        response = await patch_user(client, county_a, peer, **change)
        assert refused(response, "peer_account"), (change, response.text)
        assert "wider area" in response.json()["detail"]
    # Nothing changed: the peer's sign-in and password still work; fixing its name is allowed.
    assert (await client.get("/api/v1/users/me", headers=county_b)).status_code == 200
    await sign_in(client, "county-b", PASSWORD)
    renamed = await patch_user(client, county_a, peer, display_name="乙管理员")
    assert renamed.status_code == 200 and renamed.json()["version"] == 2

    # The refusal is in the audit log like any other.
    auditor = await user_headers("auditor-all", "auditor", "000000000000")
    denials = (
        await client.get("/api/v1/audit/events", params={"outcome": "denied"}, headers=auditor)
    ).json()["items"]
    assert any(e["actor_name"] == "county-a" and e["status"] == 403 for e in denials)

    # The national administrator is strictly wider: it may reset the county administrator's password.
    reset = await patch_user(client, admin_headers, peer, password=NEW_PASSWORD)
    assert reset.status_code == 200, reset.text
    assert (await client.get("/api/v1/users/me", headers=county_b)).status_code == 401
    await sign_in(client, "county-b", NEW_PASSWORD)


async def test_an_administrator_manages_administrators_below_it_but_makes_no_peer(
    client: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    county = await user_headers("county-a", "county_admin", COUNTY)
    # Below it: a town's administrator, made, reset and disabled by the county.
    below = await make(client, county, "town-admin", "county_admin", TOWN)
    assert below.status_code == 201, below.text
    assert (await patch_user(client, county, below.json()["id"], password=NEW_PASSWORD)).status_code == 200
    assert (await patch_user(client, county, below.json()["id"], disabled=True)).status_code == 200

    # Beside it: not by creation, promotion or re-scoping up to its own area.
    assert refused(await make(client, county, "twin", "county_admin", COUNTY), "peer_account")
    cadre = (await make(client, county, "cadre-1", "village_cadre", COUNTY)).json()
    assert refused(await patch_user(client, county, cadre["id"], role="county_admin"), "peer_account")
    village_admin = (await make(client, county, "village-admin", "county_admin", HUANGJIN)).json()
    assert refused(await patch_user(client, county, village_admin["id"], area_code=COUNTY), "peer_account")
    assert (await client.get(f"/api/v1/users/{village_admin['id']}", headers=county)).json()[
        "area_code"
    ] == HUANGJIN


async def test_an_administrator_resets_its_own_password_only_with_the_current_one(
    client: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    county = await user_headers("county-a", "county_admin", COUNTY)
    response = await patch_user(client, county, await user_id(client, county), password=NEW_PASSWORD)
    assert refused(response, "self_change") and "/users/me/password" in response.json()["detail"]
    await sign_in(client, "county-a", PASSWORD)


async def test_an_administrator_cannot_take_over_an_auditor_account_or_key(
    client: httpx.AsyncClient,
    admin_headers: dict,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    # Resetting an auditor's password would hand its audit:read to the administrator.
    auditor = await user_headers("auditor-a", "auditor", COUNTY)
    auditor_id = await user_id(client, auditor)
    for change in ({"password": NEW_PASSWORD}, {"area_code": HUANGJIN}):
        assert refused(await patch_user(client, admin_headers, auditor_id, **change), "role_not_grantable")
    await sign_in(client, "auditor-a", PASSWORD)
    # Disabling one hands out nothing (and is audited).
    assert (await patch_user(client, admin_headers, auditor_id, disabled=True)).status_code == 200

    auditor_key, admin_key = await insert_key(clean_database, "auditor"), await insert_key(clean_database)
    county = await user_headers("county-a", "county_admin", COUNTY)
    for key, code in ((auditor_key, "role_not_grantable"), (admin_key, "peer_account")):
        rescoped = await client.patch(
            f"/api/v1/api-keys/{key}", json={"area_code": HUANGJIN, "base_version": 1}, headers=county
        )
        assert refused(rescoped, code), rescoped.text
    assert refused(await client.post(f"/api/v1/api-keys/{admin_key}/revoke", headers=county), "peer_account")
    wider = await client.post(f"/api/v1/api-keys/{admin_key}/revoke", headers=admin_headers)
    assert wider.status_code == 200 and wider.json()["revoked"] is True


async def insert_key(database: Database, role: str = "county_admin") -> str:
    """A key of a role no administrator may give a key (made by the operator, or by an older release)."""
    _, public_id, secret_hash = new_api_key()
    key_id = uuid.uuid4()
    await sql(
        database,
        """INSERT INTO gateway.api_keys (id, public_id, secret_hash, name, role, area_code, version,
               created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, 1, 'operator', now())""",
        key_id,
        public_id,
        secret_hash,
        f"{role} key",
        role,
        COUNTY,
    )
    return str(key_id)


# 2. A case step's level comes from the scope too: an account acts for the level of its area.


async def case_in(database: Database, state: str) -> str:
    [household] = await seed_households(database.owner_url)
    case = await seed_enrolled_case(database.owner_url, household, HUANGJIN)
    await sql(database, "UPDATE monitoring.cases SET state = $2 WHERE id = $1", uuid.UUID(case), state)
    return case


async def act(
    client: httpx.AsyncClient, headers: dict, case: str, action: str, **body: object
) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{case}/actions", json={"action": action, "base_version": 1} | body, headers=headers
    )


async def actions(client: httpx.AsyncClient, headers: dict, case: str) -> list[str]:
    response = await client.get(f"/api/v1/cases/{case}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["actions"]


async def test_a_village_scoped_county_admin_acts_as_the_village(
    client: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    await make_areas(admin)
    village_admin = await user_headers("village-admin", "county_admin", HUANGJIN)
    county = await user_headers("county-a", "county_admin", COUNTY)

    deliberating = await case_in(clean_database, "village_deliberation")
    assert await actions(client, village_admin, deliberating) == ["start_notice", "reject"]
    rejected = await act(client, village_admin, deliberating, "reject", reason="不符合条件")
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"

    for state in ("town_review", "county_review", "exit_town", "exit_county"):
        case = await case_in(clean_database, state)
        assert await actions(client, village_admin, case) == [], state
        response = await act(client, village_admin, case, "approve", monitoring_type="marginal")
        assert refused(response, "step_above_scope"), (state, response.text)
        assert response.json()["detail"].endswith(
            f"your scope {HUANGJIN} is a village, so you act for the village "
            f"(needs a {'town' if 'town' in state else 'county'} scope or wider)"
        )
    # The county's own administrator takes the county's step.
    approved = await act(client, county, case, "approve")
    assert approved.status_code == 200 and approved.json()["state"] == "eliminated"


async def test_a_town_scoped_county_admin_acts_as_the_town(
    client: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    await make_areas(admin)
    town_admin = await user_headers("town-admin", "county_admin", TOWN)

    exiting = await case_in(clean_database, "exit_village")
    assert await actions(client, town_admin, exiting) == ["submit", "return"]
    town = await case_in(clean_database, "town_review")
    assert await actions(client, town_admin, town) == ["approve", "return", "reject"]
    approved = await act(client, town_admin, town, "approve")
    assert approved.status_code == 200 and approved.json()["state"] == "county_review"
    assert approved.json()["actions"] == []
    county = await act(client, town_admin, town, "approve", base_version=2, monitoring_type="marginal")
    assert refused(county, "step_above_scope") and "needs a county scope" in county.json()["detail"]


# 3. An ended sign-in ends at once on the gateway that ended it, cache or not.


async def password_grant(client: httpx.AsyncClient, username: str) -> dict:
    form = {"grant_type": "password", "username": username, "password": PASSWORD}
    response = await client.post("/api/v1/auth/token", data=form)
    assert response.status_code == 200, response.text
    return response.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def me(client: httpx.AsyncClient, tokens: dict) -> httpx.Response:
    return await client.get("/api/v1/users/me", headers=bearer(tokens))


async def test_a_reused_refresh_token_ends_the_sign_in_at_once(
    client: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await user_headers("cadre-1", "village_cadre", HUANGJIN)
    first = await password_grant(client, "cadre-1")
    assert (await me(client, first)).status_code == 200  # now in this gateway's cache
    renew = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = (await client.post("/api/v1/auth/token", data=renew)).json()
    assert (await me(client, second)).status_code == 200
    replay = await client.post("/api/v1/auth/token", data=renew)
    assert replay.status_code == 400 and replay.json()["code"] == "invalid_grant"
    for tokens in (first, second):
        response = await me(client, tokens)
        assert response.status_code == 401 and response.json()["code"] == "session_ended"


async def test_logout_ends_every_access_token_of_the_sign_in_at_once(
    client: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await user_headers("cadre-1", "village_cadre", HUANGJIN)
    first = await password_grant(client, "cadre-1")
    renew = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = (await client.post("/api/v1/auth/token", data=renew)).json()
    other = await password_grant(client, "cadre-1")
    for tokens in (first, second, other):
        assert (await me(client, tokens)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=bearer(second))).status_code == 204
    for tokens in (first, second):
        assert (await me(client, tokens)).status_code == 401
    assert (await me(client, other)).status_code == 200  # another sign-in of the same user


async def test_a_look_up_before_the_end_commits_does_not_put_the_sign_in_back(
    client: httpx.AsyncClient,
    system: FastAPI,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    # Logout and the administrators' changes forget the sign-in before their transaction commits; a
    # request in between still reads it as live, and must not cache it for the next seconds.
    await user_headers("cadre-1", "village_cadre", HUANGJIN)
    tokens = await password_grant(client, "cadre-1")
    assert (await me(client, tokens)).status_code == 200
    session_id = system.state.identity.tokens.decode(tokens["access_token"]).session_id
    system.state.identity.authenticator.forget(session_id=session_id)
    assert (await me(client, tokens)).status_code == 200  # not yet committed: still live
    await sql(
        clean_database, "UPDATE gateway.sessions SET revoked_at = now() WHERE id = $1", uuid.UUID(session_id)
    )
    response = await me(client, tokens)
    assert response.status_code == 401 and response.json()["code"] == "session_ended"
