"""Accounts for tests: the bootstrap administrator, and users of any role made through the API."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from gateway.identity.bootstrap import create_admin
from gateway.identity.schemas import UserCreate
from services.common.area_codes import NATIONAL_ROOT

ROOT_ADMIN = "root"
PASSWORD = "correct horse battery staple"


async def bootstrap_admin(
    system: FastAPI, username: str = ROOT_ADMIN, area_code: str = NATIONAL_ROOT
) -> None:
    data = UserCreate(
        username=username, display_name=username, password=PASSWORD, role="county_admin", area_code=area_code
    )
    async with system.state.database.sessionmaker() as session:
        await create_admin(session, system.state.audit_store, system.state.identity.hasher, data, "tests")


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def make_user(
    client: httpx.AsyncClient, admin: dict[str, str], username: str, role: str, area_code: str
) -> dict[str, str]:
    """Create a user through the API as ``admin`` and return its sign-in headers."""
    body = {
        "username": username,
        "display_name": username,
        "password": PASSWORD,
        "role": role,
        "area_code": area_code,
    }
    response = await client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code in (200, 201), response.text
    return await sign_in(client, username)
