"""Limits: failed sign-ins are throttled per username and per address; callers are rate limited."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.auth import PASSWORD, ROOT_ADMIN
from tests.support.system import Database, Keys, gateway_with


async def password_grant(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    form = {"grant_type": "password", "username": username, "password": password}
    return await client.post("/api/v1/auth/token", data=form)


async def test_brute_force_is_throttled_and_the_right_password_works_after_the_window(
    clean_database: Database, keys: Keys
) -> None:
    async with gateway_with(clean_database, keys, login_window_s=2) as (client, _):
        statuses = [
            (await password_grant(client, ROOT_ADMIN, f"guess number {n}")).status_code for n in range(50)
        ]
        assert statuses[:5] == [400] * 5
        assert set(statuses[5:]) == {429}
        throttled = await password_grant(client, ROOT_ADMIN, PASSWORD)
        # While throttled even the right password is refused, or guessing would simply go on.
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["retry-after"]) <= 2
        assert throttled.json()["code"] == "sign_in_throttled"
        await asyncio.sleep(2.2)
        assert (await password_grant(client, ROOT_ADMIN, PASSWORD)).status_code == 200


async def test_guessing_many_usernames_from_one_address_is_throttled(
    clean_database: Database, keys: Keys
) -> None:
    async with gateway_with(clean_database, keys, login_max_failures_per_address=10) as (client, _):
        statuses = [
            (await password_grant(client, f"user-{n}", "some guess here")).status_code for n in range(12)
        ]
        assert statuses[:10] == [400] * 10 and statuses[10:] == [429, 429]


async def test_a_caller_over_its_rate_gets_429_with_retry_after(clean_database: Database, keys: Keys) -> None:
    async with gateway_with(clean_database, keys, rate_limit_per_s=1, rate_limit_burst=3) as (client, admin):
        statuses = [(await client.get("/api/v1/users/me", headers=admin)).status_code for _ in range(5)]
        assert statuses[:3] == [200] * 3 and 429 in statuses[3:]
        limited = await client.get("/api/v1/users/me", headers=admin)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.headers["content-type"] == "application/problem+json"


async def test_failed_token_guesses_from_one_address_are_rate_limited(
    clean_database: Database, keys: Keys
) -> None:
    # A burst of 6: the administrator's sign-in takes one, five guesses the rest.
    async with gateway_with(clean_database, keys, rate_limit_per_s=1, rate_limit_burst=6) as (client, _):
        statuses = [
            (await client.get("/api/v1/areas", headers={"X-API-Key": f"fpk_{n:012d}_guess"})).status_code
            for n in range(8)
        ]
        assert statuses[:5] == [401] * 5 and 429 in statuses[5:]
