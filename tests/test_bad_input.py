"""The bad-input catalogue: each answers a clear problem+json and changes nothing."""

from __future__ import annotations

import json

import httpx
import pytest

CHAIN = [("610000000000", "陕西省"), ("610900000000", "安康市"), ("610924000000", "紫阳县")]


async def area_count(admin: httpx.AsyncClient) -> int:
    return len((await admin.get("/api/v1/areas", params={"limit": 500})).json()["items"])


@pytest.fixture
async def seeded(admin: httpx.AsyncClient) -> httpx.AsyncClient:
    for code, name in CHAIN:
        assert (await admin.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201
    return admin


def assert_problem(response: httpx.Response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"]


@pytest.mark.parametrize("depth", [100, 10_000, 100_000])
async def test_deeply_nested_json_is_refused_without_a_crash(seeded: httpx.AsyncClient, depth: int) -> None:
    body = b'{"code": "610924105000", "name": ' + b"[" * depth + b"]" * depth + b"}"
    response = await seeded.post("/api/v1/areas", content=body, headers={"content-type": "application/json"})
    assert_problem(response, 400, 413, 422)
    assert await area_count(seeded) == len(CHAIN)


@pytest.mark.parametrize(
    "name",
    [
        "黄金\x00村",  # NUL: PostgreSQL text cannot hold it
        "黄金\n村",  # a line break in a one-line name
        "黄金\x1b[31m村",  # terminal escape
        "\ud800",  # a lone surrogate
        "",  # empty
        "村" * 101,  # too long
    ],
)
async def test_names_that_cannot_be_stored_are_refused(seeded: httpx.AsyncClient, name: str) -> None:
    # json.dumps writes \u0000 and lone surrogates as escapes, as a client's JSON library would.
    body = json.dumps({"code": "610924105000", "name": name}).encode()
    response = await seeded.post("/api/v1/areas", content=body, headers={"content-type": "application/json"})
    assert_problem(response, 422)
    assert await area_count(seeded) == len(CHAIN)


@pytest.mark.parametrize(
    "name",
    ["'; DROP TABLE registry.areas; --", "<script>alert(1)</script>", "Robert'); --", "村\u200b名", "🏠村"],
)
async def test_sql_and_script_text_is_kept_as_plain_text(seeded: httpx.AsyncClient, name: str) -> None:
    created = await seeded.post("/api/v1/areas", json={"code": "610924105000", "name": name})
    assert created.status_code == 201
    assert (await seeded.get("/api/v1/areas/610924105000")).json()["name"] == name
    assert await area_count(seeded) == len(CHAIN) + 1


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/areas", {"limit": "1000000"}),
        ("/api/v1/areas", {"limit": "0"}),
        ("/api/v1/areas", {"limit": "-1"}),
        ("/api/v1/areas", {"level": "hamlet"}),
        ("/api/v1/areas", {"parent": "' OR 1=1 --"}),
        ("/api/v1/areas", {"within": "61%"}),
        ("/api/v1/audit/events", {"since": "1700000000"}),
        # A number in any spelling is not a date (pydantic would read seconds since 1970).
        ("/api/v1/areas/610924105201/profiles/2026", {"as_of": "-3.0380504727278085e-155"}),
        ("/api/v1/areas/610924105201/profiles/2026", {"as_of": "1e3"}),
    ],
)
async def test_bad_query_parameters_are_422(seeded: httpx.AsyncClient, path: str, params: dict) -> None:
    response = await seeded.get(path, params=params)
    # The audit log is for auditors: the administrator is refused before the parameters are read.
    assert_problem(response, 422, 403)


async def test_unknown_enum_codes_in_bodies_are_422(seeded: httpx.AsyncClient) -> None:
    response = await seeded.post(
        "/api/v1/areas", json={"code": "610924105000", "name": "x", "level": "hamlet"}
    )
    assert_problem(response, 422)
    user = {"username": "someone", "display_name": "x", "password": "long enough pw", "role": "superuser"}
    assert_problem(await seeded.post("/api/v1/users", json=user | {"area_code": "610924000000"}), 422)
    assert await area_count(seeded) == len(CHAIN)


async def test_a_json_body_that_is_not_an_object_is_422(seeded: httpx.AsyncClient) -> None:
    for body in (b"[]", b'"text"', b"null", b"42"):
        response = await seeded.post(
            "/api/v1/areas", content=body, headers={"content-type": "application/json"}
        )
        assert_problem(response, 422)
    assert await area_count(seeded) == len(CHAIN)


async def test_a_merge_naming_villages_by_anything_but_a_code_is_422(seeded: httpx.AsyncClient) -> None:
    """Found by the fuzzing: text with a NUL in a merge's source codes reached the database (500)."""
    raw = '{"effective_on": "2026-01-01", "target_code": "610924105201", "source_codes": ["\\u001f]\\u0000"]}'
    response = await seeded.post(
        "/api/v1/area-merges", content=raw.encode(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 422)
