"""Accounts for tests: made by the operator (as `fangpin users create` does) or through the API."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from gateway.identity.bootstrap import create_user_as_operator
from gateway.identity.schemas import UserCreate
from services.common.area_codes import NATIONAL_ROOT

ROOT_ADMIN = "root"
PASSWORD = "correct horse battery staple"
# Administrators cannot grant these (the role may do what they may not); the operator makes them.
OPERATOR_ONLY_ROLES = {"auditor"}


async def create_account(
    system: FastAPI, username: str, role: str = "county_admin", area_code: str = NATIONAL_ROOT
) -> None:
    data = UserCreate(
        username=username, display_name=username, password=PASSWORD, role=role, area_code=area_code
    )
    state = system.state
    async with state.database.sessionmaker() as session:
        await create_user_as_operator(session, state.audit_store, state.identity.hasher, data, "tests")


async def bootstrap_admin(
    system: FastAPI, username: str = ROOT_ADMIN, area_code: str = NATIONAL_ROOT
) -> None:
    await create_account(system, username, "county_admin", area_code)


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def make_user(
    system: FastAPI,
    client: httpx.AsyncClient,
    admin: dict[str, str],
    username: str,
    role: str,
    area_code: str,
) -> dict[str, str]:
    """Create a user (through the API as ``admin`` where an administrator may) and sign it in."""
    if role in OPERATOR_ONLY_ROLES:
        await create_account(system, username, role, area_code)
        return await sign_in(client, username)
    body = {"username": username, "display_name": username, "password": PASSWORD, "role": role}
    response = await client.post("/api/v1/users", json=body | {"area_code": area_code}, headers=admin)
    assert response.status_code in (200, 201), response.text
    return await sign_in(client, username)
