"""Idempotency-Key at the gateway: a write's retry with the same key answers what the first copy was
answered (status, body, ETag) without doing it again; the same key for another request is refused; a
copy sent while the first runs waits for it; only final answers are kept, and only for a while."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.support.database import libpq_url
from tests.support.registry import HUANGJIN, LONGQUAN, make_areas, make_household
from tests.support.system import Database, Keys, gateway_with

PAIRS = 10


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def version_of(admin: httpx.AsyncClient, household: dict[str, Any]) -> int:
    answer = await admin.get(f"/api/v1/households/{household['id']}")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["version"])


async def test_a_patch_retried_with_its_key_answers_the_first_answer_and_is_done_once(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    household = await make_household(admin, members=1)
    body = {"address": "二组 8 号", "base_version": household["version"]}
    path = f"/api/v1/households/{household['id']}"
    headers = key()
    first = await admin.patch(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    again = await admin.patch(path, json=body, headers=headers)
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers.get("etag") == first.headers.get("etag")
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await version_of(admin, household) == household["version"] + 1  # done once
    stale = await admin.patch(path, json=body)  # the same write without the key is done again: refused
    assert stale.status_code == 409, stale.text


async def test_an_action_retried_with_its_key_is_not_done_twice(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    household = await make_household(admin, members=1)
    path = f"/api/v1/households/{household['id']}/move"
    body = {"to_area_code": LONGQUAN, "base_version": household["version"]}
    headers = key()
    first = await admin.post(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    again = await admin.post(path, json=body, headers=headers)
    assert (again.status_code, again.json()) == (200, first.json())
    assert await version_of(admin, household) == first.json()["version"]


async def test_the_same_key_for_another_request_is_refused(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    household = await make_household(admin, members=1)
    path = f"/api/v1/households/{household['id']}"
    headers = key()
    first = await admin.patch(
        path, json={"address": "三组", "base_version": household["version"]}, headers=headers
    )
    assert first.status_code == 200, first.text
    other_body = await admin.patch(path, json={"address": "四组", "base_version": 2}, headers=headers)
    other = await make_household(admin, members=1)
    other_path = await admin.patch(
        f"/api/v1/households/{other['id']}", json={"address": "三组", "base_version": 1}, headers=headers
    )
    for refused in (other_body, other_path):
        assert (refused.status_code, refused.json()["code"]) == (422, "idempotency_key_reused"), refused.text
    # A method the path does not have is the service's to refuse, whatever key it carries.
    undeclared = await admin.put(path, json={"address": "三组"}, headers=headers)
    assert undeclared.status_code == 405, undeclared.text
    literal = await admin.patch("/api/v1/households/batch", json={}, headers=headers)  # not {household_id}
    assert literal.status_code == 405, literal.text
    assert await version_of(admin, household) == 2 and await version_of(admin, other) == 1
    invalid = await admin.patch(
        path, json={"address": "五组", "base_version": 2}, headers={"Idempotency-Key": "a b"}
    )
    assert (invalid.status_code, invalid.json()["code"]) == (400, "idempotency_key_invalid")


async def test_keys_are_each_callers_own(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    cadre = await user_headers("cadre-keys", "village_cadre", HUANGJIN)
    household = await make_household(admin, members=1)
    path = f"/api/v1/households/{household['id']}"
    body = {"address": "六组", "base_version": household["version"]}
    headers = key()
    assert (await admin.patch(path, json=body, headers=headers)).status_code == 200
    theirs = await admin.patch(path, json=body, headers=cadre | headers)  # not the admin's answer
    assert theirs.status_code == 409, theirs.text  # their own write, on a version now stale
    assert "idempotent-replayed" not in theirs.headers


async def test_a_final_refusal_is_kept_too(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    household = await make_household(admin, members=1)
    path = f"/api/v1/households/{household['id']}"
    body = {"address": "七组", "base_version": household["version"] + 5}
    headers = key()
    first = await admin.patch(path, json=body, headers=headers)
    assert first.status_code == 409, first.text
    again = await admin.patch(path, json=body, headers=headers)
    assert (again.status_code, again.json(), again.headers["idempotent-replayed"]) == (
        409,
        first.json(),
        "true",
    )
    assert again.headers["content-type"] == first.headers["content-type"]


async def test_copies_sent_at_once_wait_for_the_first_and_answer_its_result(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    households = [await make_household(admin, members=1) for _ in range(PAIRS)]
    requests = [
        (f"/api/v1/households/{h['id']}", {"address": "八组", "base_version": h["version"]}, key())
        for h in households
    ]
    answers = await asyncio.gather(
        *(admin.patch(path, json=body, headers=headers) for path, body, headers in requests for _ in range(2))
    )
    for one, two in zip(answers[::2], answers[1::2], strict=True):
        assert (one.status_code, two.status_code) == (200, 200), (one.text, two.text)
        assert one.json() == two.json()
        assert sorted(a.headers.get("idempotent-replayed", "") for a in (one, two)) == ["", "true"]
    assert [await version_of(admin, h) for h in households] == [h["version"] + 1 for h in households]


def stand_in(statuses: list[int], calls: list[str], delay_s: float = 0.0) -> FastAPI:
    """A registry that answers each call with the next status and counts the calls."""
    app = FastAPI()

    @app.post("/api/v1/households/{household_id}/move")
    async def move(household_id: str, request: Request) -> JSONResponse:
        calls.append(household_id)
        await asyncio.sleep(delay_s)
        status = statuses.pop(0) if statuses else 200
        return JSONResponse({"call": len(calls)}, status_code=status, headers={"ETag": f'"{len(calls)}"'})

    return app


async def test_server_errors_and_429_are_not_kept(clean_database: Database, keys: Keys) -> None:
    calls: list[str] = []
    stand_ins = {"registry": stand_in([503, 429, 201], calls)}
    async with gateway_with(clean_database, keys, stand_ins) as (client, auth):
        headers = auth | key()
        answers = [
            await client.post("/api/v1/households/h1/move", json={}, headers=headers) for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [503, 429, 201, 201]
    assert len(calls) == 3  # the fourth was answered by the third's answer
    assert answers[3].json() == {"call": 3} and answers[3].headers["etag"] == '"3"'


async def test_a_copy_sent_while_the_first_runs_is_not_run_again(
    clean_database: Database, keys: Keys
) -> None:
    calls: list[str] = []
    stand_ins = {"registry": stand_in([], calls, delay_s=0.3)}
    async with gateway_with(clean_database, keys, stand_ins) as (client, auth):
        headers = auth | key()
        answers = await asyncio.gather(
            *(client.post("/api/v1/households/h2/move", json={}, headers=headers) for _ in range(3))
        )
    assert len(calls) == 1
    assert [a.json() for a in answers] == [{"call": 1}] * 3


async def test_keys_expire_and_are_swept(clean_database: Database, keys: Keys) -> None:
    calls: list[str] = []
    stand_ins = {"registry": stand_in([], calls)}
    async with gateway_with(clean_database, keys, stand_ins, idempotency_ttl_s=60) as (client, auth):
        headers = auth | key()
        assert (await client.post("/api/v1/households/h3/move", json={}, headers=headers)).json() == {
            "call": 1
        }
        assert (await client.post("/api/v1/households/h3/move", json={}, headers=headers)).json() == {
            "call": 1
        }
        await age_keys(clean_database, seconds=61)
        assert (await client.post("/api/v1/households/h3/move", json={}, headers=headers)).json() == {
            "call": 2
        }
        other = auth | key()
        assert (await client.post("/api/v1/households/h4/move", json={}, headers=other)).status_code == 200
        await age_keys(clean_database, seconds=61)
        assert await count_keys(clean_database) == 2
    async with gateway_with(clean_database, keys, stand_ins, idempotency_ttl_s=60) as (client, auth):
        # The sweep runs with a replica's first keyed write (then at most once a minute).
        assert (
            await client.post("/api/v1/households/h5/move", json={}, headers=auth | key())
        ).status_code == 200
    assert await count_keys(clean_database) == 1  # the new one


async def age_keys(database: Database, seconds: int) -> None:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        await conn.execute(
            "UPDATE gateway.idempotency_keys SET created_at = created_at - make_interval(secs => $1)", seconds
        )
    finally:
        await conn.close()


async def count_keys(database: Database) -> int:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM gateway.idempotency_keys"))
    finally:
        await conn.close()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


async def test_the_header_is_documented_on_patch_and_actions(admin: httpx.AsyncClient) -> None:
    document = (await admin.get("/api/v1/openapi.json")).json()
    takes = set()
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "Idempotency-Key":
                assert (parameter["in"], parameter["required"]) == ("header", False), (method, path)
                takes.add((method, path))
    for wanted in (
        ("patch", "/api/v1/households/{household_id}"),
        ("post", "/api/v1/cases/{case_id}/actions"),
        ("post", "/api/v1/training-enrolments/{enrolment_id}/actions"),
        ("post", "/api/v1/people/{person_id}/move"),
        ("post", "/api/v1/households/{household_id}/delete"),
        ("post", "/api/v1/post-assignments/{assignment_id}/end"),
        ("patch", "/api/v1/users/{user_id}"),  # the gateway's own writes, too
        ("post", "/api/v1/api-keys/{key_id}/revoke"),
    ):
        assert wanted in takes, wanted
    patches = {(m, p) for m, p, _ in operations(document) if m == "patch"}
    assert patches and patches <= takes
    assert not any(method == "get" for method, _ in takes)
    assert ("post", "/api/v1/auth/token") not in takes  # the gateway's own: not forwarded, not kept


async def test_the_gateways_own_writes_take_a_key_too(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    body = {
        "username": "keyed-user",
        "display_name": "王芳",
        "password": "a long password 1",
        "role": "village_cadre",
    }
    body |= {"area_code": HUANGJIN}
    headers = key()
    first = await admin.post("/api/v1/users", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await admin.post("/api/v1/users", json=body, headers=headers)
    assert (again.status_code, again.json()["id"], again.headers["idempotent-replayed"]) == (
        201,
        first.json()["id"],
        "true",
    )
    unkeyed = await admin.post("/api/v1/users", json=body)  # asked again: the endpoint's own retry rule
    assert (unkeyed.status_code, "idempotent-replayed" in unkeyed.headers) == (200, False), unkeyed.text
