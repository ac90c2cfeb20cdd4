"""Services trust only the gateway: a call that reaches one directly must carry a fresh internal token the
gateway signed for that very service; anything else is 401, and a valid token still only sees its scope."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from gateway.upstreams import Upstream
from services.common.auth import (
    CLOCK_LEEWAY_S,
    INTERNAL_ISSUER,
    INTERNAL_TOKEN_TTL_S,
    InternalTokenSigner,
    InternalTokenVerifier,
    Principal,
    PrincipalKind,
    Role,
    generate_keypair,
)
from services.common.errors import Unauthorized
from tests.support.system import Keys

NATIONAL = "000000000000"
COUNTY_A, COUNTY_B = "610924000000", "610925000000"
AREAS = {"610000000000": "陕西省", "610900000000": "安康市", COUNTY_A: "紫阳县", COUNTY_B: "岚皋县"}
AREA_A = f"/api/v1/areas/{COUNTY_A}"


@pytest.fixture
async def registry(system: FastAPI, admin: httpx.AsyncClient) -> httpx.AsyncClient:
    """A client straight into the registry service, past the gateway, with some areas to read."""
    for code, name in AREAS.items():
        assert (await admin.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201
    return system.state.upstreams["registry"].client


def principal(scope: str = NATIONAL, role: Role = Role.county_admin) -> Principal:
    return Principal(id=str(uuid.uuid4()), name="probe", kind=PrincipalKind.user, role=role, scope=scope)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def problem(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def claims(audience: str = "registry", issued: int | None = None, scope: str = NATIONAL) -> dict:
    """The same layout InternalTokenSigner.sign writes."""
    now = int(time.time()) if issued is None else issued
    return {
        "iss": INTERNAL_ISSUER,
        "aud": audience,
        "sub": str(uuid.uuid4()),
        "name": "probe",
        "kind": "user",
        "role": "county_admin",
        "scope": scope,
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
    }


async def test_a_token_the_gateway_signed_for_the_registry_is_let_in(
    registry: httpx.AsyncClient, keys: Keys
) -> None:
    # The control for every refusal below: the same call with a good token works.
    token = InternalTokenSigner(keys.internal_private).sign(principal(), audience="registry")
    response = await registry.get(AREA_A, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["code"] == COUNTY_A


@pytest.mark.parametrize(
    "headers", [{}, {"authorization": "Bearer "}, {"authorization": "Basic cm9vdDpyb290"}]
)
async def test_no_token_is_401(registry: httpx.AsyncClient, headers: dict) -> None:
    response = await registry.get(AREA_A, headers=headers)
    assert problem(response) == (401, "missing_internal_token")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_token_signed_with_another_key_is_401(registry: httpx.AsyncClient) -> None:
    forger_private, _ = generate_keypair()
    token = InternalTokenSigner(forger_private).sign(principal(), audience="registry")
    assert problem(await registry.get(AREA_A, headers=bearer(token))) == (401, "invalid_internal_token")


async def test_an_expired_token_is_401_token_expired(registry: httpx.AsyncClient, keys: Keys) -> None:
    key = serialization.load_pem_private_key(keys.internal_private.encode(), password=None)
    ten_minutes_ago = int(time.time()) - 600
    stale = claims(issued=ten_minutes_ago) | {"exp": ten_minutes_ago}
    token = jwt.encode(stale, key, algorithm="EdDSA")  # type: ignore[arg-type]
    assert problem(await registry.get(AREA_A, headers=bearer(token))) == (401, "token_expired")


async def test_a_token_for_another_service_is_401(
    system: FastAPI, registry: httpx.AsyncClient, keys: Keys
) -> None:
    signer = InternalTokenSigner(keys.internal_private)
    for_monitoring = signer.sign(principal(role=Role.auditor), audience="monitoring")
    assert problem(await registry.get(AREA_A, headers=bearer(for_monitoring))) == (
        401,
        "invalid_internal_token",
    )
    # Where it was meant to go, the same token works: the audience alone made the difference.
    monitoring = system.state.upstreams["monitoring"].client
    assert (await monitoring.get("/internal/audit/verify", headers=bearer(for_monitoring))).status_code == 200


@pytest.mark.parametrize("kind", ["unsigned", "hs256-with-the-access-token-secret", "tampered-scope"])
async def test_tokens_not_signed_by_the_gateway_key_are_401(
    registry: httpx.AsyncClient, keys: Keys, kind: str
) -> None:
    if kind == "unsigned":
        token = jwt.encode(claims(), key=None, algorithm="none")  # type: ignore[arg-type]
    elif kind == "hs256-with-the-access-token-secret":
        token = jwt.encode(claims(), keys.token_secret, algorithm="HS256")
    else:  # a genuine county-B token whose payload is swapped for a national one, signature kept
        genuine = InternalTokenSigner(keys.internal_private).sign(principal(COUNTY_B), audience="registry")
        header, _, signature = genuine.split(".")
        payload = jwt.encode(claims(), keys.token_secret, algorithm="HS256").split(".")[1]
        token = f"{header}.{payload}.{signature}"
    assert problem(await registry.get(AREA_A, headers=bearer(token))) == (401, "invalid_internal_token")


async def test_a_valid_token_still_sees_only_its_scope(registry: httpx.AsyncClient, keys: Keys) -> None:
    token = InternalTokenSigner(keys.internal_private).sign(principal(COUNTY_B), audience="registry")
    assert problem(await registry.get(AREA_A, headers=bearer(token))) == (404, "area_not_found")
    assert (await registry.get(f"/api/v1/areas/{COUNTY_B}", headers=bearer(token))).status_code == 200
    listed = (await registry.get("/api/v1/areas", headers=bearer(token))).json()["items"]
    assert {a["code"] for a in listed} == {"610000000000", "610900000000", COUNTY_B}


async def test_the_clients_own_access_token_is_refused_by_the_service(
    client: httpx.AsyncClient, registry: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assert (await client.get(AREA_A, headers=admin_headers)).status_code == 200  # good at the gateway
    assert problem(await registry.get(AREA_A, headers=admin_headers)) == (401, "invalid_internal_token")


@contextmanager
def outgoing_requests(upstream: Upstream) -> Iterator[list[httpx.Request]]:
    """Every request the gateway hands ``upstream``'s transport while the block runs (forwarding goes
    straight to the transport, past the client and its event hooks)."""
    sent: list[httpx.Request] = []
    transport = upstream.transport
    handle = transport.handle_async_request

    async def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return await handle(request)

    transport.handle_async_request = record  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        transport.handle_async_request = handle  # type: ignore[method-assign]


async def test_the_gateway_swaps_the_callers_credentials_for_an_internal_token(
    system: FastAPI,
    client: httpx.AsyncClient,
    registry: httpx.AsyncClient,
    admin_headers: dict[str, str],
    keys: Keys,
) -> None:
    me = (await client.get("/api/v1/users/me", headers=admin_headers)).json()
    with outgoing_requests(system.state.upstreams["registry"]) as sent:
        response = await client.get(AREA_A, headers=admin_headers | {"cookie": "session=secret"})
    assert response.status_code == 200, response.text
    assert len(sent) == 1
    forwarded = sent[0].headers
    assert forwarded["authorization"] != admin_headers["Authorization"]
    assert admin_headers["Authorization"].split()[1] not in str(forwarded.raw)
    assert "cookie" not in forwarded
    # What went instead is an internal token for the registry, vouching for the same caller.
    vouched = InternalTokenVerifier(keys.internal_public, "registry").verify(
        forwarded["authorization"].split()[1]
    )
    assert (vouched.id, vouched.role, vouched.scope) == (me["id"], Role.county_admin, NATIONAL)


async def test_an_api_key_is_not_passed_on_either(
    system: FastAPI, client: httpx.AsyncClient, admin: httpx.AsyncClient, registry: httpx.AsyncClient
) -> None:
    created = await admin.post(
        "/api/v1/api-keys", json={"name": "医保", "role": "bureau_partner", "area_code": COUNTY_A}
    )
    secret = created.json()["key"]
    with outgoing_requests(system.state.upstreams["registry"]) as sent:
        response = await client.get(AREA_A, headers={"x-api-key": secret})
    assert response.status_code == 200, response.text
    assert len(sent) == 1 and secret not in str(sent[0].headers.raw)
    assert problem(await registry.get(AREA_A, headers={"x-api-key": secret})) == (
        401,
        "missing_internal_token",
    )


def test_one_token_serves_a_caller_for_half_its_life_and_is_verified_once(
    keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signing and verifying an Ed25519 token on every call cost both apps on every request: the gateway
    reuses a caller's token for one audience for half its lifetime, and a service trusts a token it has
    verified until it expires — never one for another caller, another audience, or past its expiry."""
    signer = InternalTokenSigner(keys.internal_private)
    verifier = InternalTokenVerifier(keys.internal_public, "registry")
    county, town = principal(), principal(scope="610924105", role=Role.town_reviewer)
    first = signer.sign(county, "registry")
    assert signer.sign(county, "registry") == first
    assert signer.sign(town, "registry") != first
    assert signer.sign(county, ["registry", "monitoring"]) != first
    assert verifier.verify(first) == county
    with pytest.raises(Unauthorized):
        InternalTokenVerifier(keys.internal_public, "jobs").verify(first)

    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + INTERNAL_TOKEN_TTL_S / 2 + 1)
    second = signer.sign(county, "registry")
    assert second != first  # a fresh one once half the life is gone
    checked = []
    real_verify = verifier._verify
    monkeypatch.setattr(verifier, "_verify", lambda token: checked.append(token) or real_verify(token))
    assert verifier.verify(first) == county and checked == []  # still within its life: not checked again
    monkeypatch.setattr(time, "time", lambda: now + INTERNAL_TOKEN_TTL_S + CLOCK_LEEWAY_S + 2)
    verifier.verify(first)  # PyJWT reads its own clock; what matters is that it is asked again
    assert checked == [first]
