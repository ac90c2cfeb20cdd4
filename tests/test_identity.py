"""Signing in, refresh-token rotation, logout, API keys and account administration."""

from __future__ import annotations

import httpx

from tests.support.auth import PASSWORD, ROOT_ADMIN, sign_in

COUNTY = "610924000000"
OTHER_COUNTY = "610925000000"


def token_form(**fields: str) -> dict[str, str]:
    return fields


async def password_grant(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )


async def test_sign_in_gives_tokens_and_me_describes_the_caller(
    client: httpx.AsyncClient, admin_headers: dict
) -> None:
    response = await password_grant(client, ROOT_ADMIN, PASSWORD)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] > 0
    me = (
        await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    ).json()
    assert me["name"] == ROOT_ADMIN and me["role"] == "county_admin" and "users:manage" in me["permissions"]


async def test_wrong_password_and_unknown_user_look_the_same(
    client: httpx.AsyncClient, admin_headers: dict
) -> None:
    wrong = await password_grant(client, ROOT_ADMIN, "not the password at all")
    unknown = await password_grant(client, "nobody-here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json()["code"] == unknown.json()["code"] == "invalid_grant"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_refresh_tokens_rotate_and_a_reused_one_ends_the_sign_in(
    client: httpx.AsyncClient, admin_headers: dict
) -> None:
    first = (await password_grant(client, ROOT_ADMIN, PASSWORD)).json()
    refreshed = await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    # The old refresh token was copied by someone: using it again ends the whole sign-in.
    replay = await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 400 and replay.json()["code"] == "invalid_grant"
    after = await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert after.status_code == 400
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 401 and me.json()["code"] == "session_ended"


async def test_logout_revokes_access_and_refresh_tokens(
    client: httpx.AsyncClient, admin_headers: dict
) -> None:
    tokens = (await password_grant(client, ROOT_ADMIN, PASSWORD)).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.post("/api/v1/auth/logout", headers=auth)).status_code == 204
    assert (await client.get("/api/v1/areas", headers=auth)).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 400
    # The other sign-in of the same user is untouched.
    assert (await client.get("/api/v1/users/me", headers=admin_headers)).status_code == 200


async def test_garbage_tokens_are_401_problems(client: httpx.AsyncClient) -> None:
    for header in ("Bearer not-a-jwt", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer fpk_123456789012_nope"):
        response = await client.get("/api/v1/areas", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"


async def test_api_key_is_shown_once_works_and_can_be_revoked(
    client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await admin.post("/api/v1/areas", json={"code": "610000000000", "name": "陕西省"})
    created = await admin.post(
        "/api/v1/api-keys", json={"name": "县医保局", "role": "bureau_partner", "area_code": "610000000000"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    key = body["key"]
    assert key.startswith(body["prefix"]) and body["last_used_at"] is None
    listed = (await admin.get("/api/v1/api-keys")).json()["items"]
    assert [k["id"] for k in listed] == [body["id"]] and "key" not in listed[0]

    as_partner = {"X-API-Key": key}
    assert (await client.get("/api/v1/areas/610000000000", headers=as_partner)).status_code == 200
    assert (await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {key}"})).json()[
        "kind"
    ] == "api_key"
    assert (await admin.get(f"/api/v1/api-keys/{body['id']}")).json()["last_used_at"] is not None

    # A key cannot administer, and a second active key of the same name is refused.
    assert (await client.get("/api/v1/users", headers=as_partner)).status_code == 403
    twin = await admin.post("/api/v1/api-keys", json={"name": "县医保局", "area_code": "610000000000"})
    assert twin.status_code == 409

    revoked = await admin.post(f"/api/v1/api-keys/{body['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    after = await client.get("/api/v1/areas/610000000000", headers=as_partner)
    assert after.status_code == 401 and after.json()["code"] == "api_key_revoked"


async def test_api_keys_are_stored_only_as_hashes(admin: httpx.AsyncClient, system) -> None:  # noqa: ANN001
    key = (await admin.post("/api/v1/api-keys", json={"name": "民政", "area_code": COUNTY})).json()["key"]
    async with system.state.database.engine.connect() as conn:
        from sqlalchemy import text

        dump = str((await conn.execute(text("SELECT * FROM gateway.api_keys"))).all())
    assert key not in dump and key.split("_", 2)[2] not in dump


async def test_api_keys_may_not_carry_human_roles(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/api/v1/api-keys", json={"name": "x", "role": "county_admin", "area_code": COUNTY}
    )
    assert response.status_code == 422


async def test_county_admin_creates_disables_and_rescopes_users_in_its_county(
    client: httpx.AsyncClient, user_headers
) -> None:  # noqa: ANN001
    county_admin = await user_headers("county-a", "county_admin", COUNTY)
    new_user = {"username": "cadre-1", "display_name": "李四", "password": PASSWORD, "role": "village_cadre"}
    outside = await client.post(
        "/api/v1/users", json=new_user | {"area_code": OTHER_COUNTY + ""}, headers=county_admin
    )
    assert outside.status_code == 403 and outside.json()["code"] == "outside_scope"
    created = await client.post(
        "/api/v1/users", json=new_user | {"area_code": "610924105201"}, headers=county_admin
    )
    assert created.status_code == 201
    user = created.json()
    retried = await client.post(
        "/api/v1/users", json=new_user | {"area_code": "610924105201"}, headers=county_admin
    )
    assert retried.status_code == 200 and retried.json()["id"] == user["id"]
    cadre = await sign_in(client, "cadre-1")

    # Re-scope needs the version it is based on; a stale one is 409, a missing one 428.
    url = f"/api/v1/users/{user['id']}"
    assert (
        await client.patch(url, json={"area_code": "610924105202"}, headers=county_admin)
    ).status_code == 428
    stale = await client.patch(
        url, json={"area_code": "610924105202", "base_version": 7}, headers=county_admin
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == 1
    moved = await client.patch(
        url, json={"area_code": "610924105202"}, headers=county_admin | {"If-Match": '"1"'}
    )
    assert moved.status_code == 200 and moved.json()["version"] == 2
    assert (await client.get("/api/v1/users/me", headers=cadre)).json()["area_code"] == "610924105202"
    away = await client.patch(url, json={"area_code": OTHER_COUNTY, "base_version": 2}, headers=county_admin)
    assert away.status_code == 403

    disabled = await client.patch(url, json={"disabled": True, "base_version": 2}, headers=county_admin)
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert (await client.get("/api/v1/users/me", headers=cadre)).status_code == 401
    assert (await password_grant(client, "cadre-1", PASSWORD)).status_code == 400


async def test_admins_cannot_lock_themselves_out(client: httpx.AsyncClient, user_headers) -> None:  # noqa: ANN001
    county_admin = await user_headers("county-a", "county_admin", COUNTY)
    me = (await client.get("/api/v1/users/me", headers=county_admin)).json()
    response = await client.patch(
        f"/api/v1/users/{me['id']}", json={"disabled": True, "base_version": 1}, headers=county_admin
    )
    assert response.status_code == 403 and response.json()["code"] == "self_change"


async def test_changing_your_password_ends_your_sign_ins(client: httpx.AsyncClient, user_headers) -> None:  # noqa: ANN001
    cadre = await user_headers("cadre-2", "village_cadre", "610924105201")
    wrong = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": "nope", "new_password": "another long one"},
        headers=cadre,
    )
    assert wrong.status_code == 403
    changed = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": "another long one"},
        headers=cadre,
    )
    assert changed.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=cadre)).status_code == 401
    assert (await password_grant(client, "cadre-2", "another long one")).status_code == 200


async def test_page_sizes_are_capped(admin: httpx.AsyncClient, user_headers) -> None:  # noqa: ANN001
    for path in ("/api/v1/areas", "/api/v1/users", "/api/v1/api-keys"):
        response = await admin.get(path, params={"limit": 501})
        assert response.status_code == 422, path
    auditor = await user_headers("auditor-1", "auditor", COUNTY)
    response = await admin.get("/api/v1/audit/events", params={"limit": 501}, headers=auditor)
    assert response.status_code == 422


async def test_renaming_a_key_to_an_active_name_is_a_conflict(admin: httpx.AsyncClient) -> None:
    # Found by the API fuzzer: this was a 500 (the unique index caught it, nothing answered for it).
    first = (await admin.post("/api/v1/api-keys", json={"name": "医保", "area_code": COUNTY})).json()
    second = (await admin.post("/api/v1/api-keys", json={"name": "民政", "area_code": COUNTY})).json()
    response = await admin.patch(f"/api/v1/api-keys/{second['id']}", json={"name": "医保", "base_version": 1})
    assert response.status_code == 409 and response.json()["code"] == "api_key_name_taken"
    assert (await admin.get(f"/api/v1/api-keys/{second['id']}")).json()["name"] == "民政"
    assert first["name"] == "医保"


async def test_wrong_methods_get_405_with_the_documented_allow(admin: httpx.AsyncClient) -> None:
    for method, path, allow in (
        ("PATCH", "/api/v1/users/me", "GET"),
        ("PUT", "/api/v1/api-keys", "GET, POST"),
        ("OPTIONS", "/api/v1/areas", "GET, POST"),
        ("DELETE", "/api/v1/areas/610924000000", "GET"),
    ):
        response = await admin.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == allow, (method, path)
    assert (await admin.get("/api/v1/users/not-a-uuid")).status_code == 404


async def test_administrators_cannot_grant_what_they_do_not_hold(admin: httpx.AsyncClient) -> None:
    # Otherwise a county administrator could make itself an auditor account or key and read the audit log.
    user = {"username": "would-be-auditor", "display_name": "x", "password": PASSWORD, "area_code": COUNTY}
    refused = await admin.post("/api/v1/users", json=user | {"role": "auditor"})
    assert refused.status_code == 403 and refused.json()["code"] == "role_not_grantable"
    key = await admin.post("/api/v1/api-keys", json={"name": "审计", "role": "auditor", "area_code": COUNTY})
    assert key.status_code == 403 and key.json()["code"] == "role_not_grantable"

    cadre = (await admin.post("/api/v1/users", json=user | {"role": "village_cadre"})).json()
    promoted = await admin.patch(f"/api/v1/users/{cadre['id']}", json={"role": "auditor", "base_version": 1})
    assert promoted.status_code == 403
    partner = (await admin.post("/api/v1/api-keys", json={"name": "医保", "area_code": COUNTY})).json()
    rekeyed = await admin.patch(
        f"/api/v1/api-keys/{partner['id']}", json={"role": "auditor", "base_version": 1}
    )
    assert rekeyed.status_code == 403
    # Roles within its own rights it may grant.
    ops = await admin.post("/api/v1/api-keys", json={"name": "监控", "role": "ops", "area_code": COUNTY})
    assert ops.status_code == 201
