"""Every kind of bad request gets problem+json with a sensible status, never a 500 or an HTML page."""

from __future__ import annotations

import httpx
import pytest


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert {"type", "title", "detail", "code"} <= problem.keys()
    if code:
        assert problem["code"] == code
    return problem


async def test_malformed_json_is_400(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/api/v1/areas",
        content=b'{"code": "610000000000", "name": ',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 400, "malformed_json")


async def test_wrong_field_type_is_422_with_field_errors(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/api/v1/areas", json={"code": 610000000000, "name": ["陕西省"]})
    problem = assert_problem(response, 422, "validation_failed")
    assert {tuple(e["loc"]) for e in problem["errors"]} == {("body", "code"), ("body", "name")}
    assert all(e["code"] for e in problem["errors"])


async def test_unknown_fields_are_refused(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/api/v1/areas", json={"code": "610000000000", "name": "陕西省", "colour": "red"}
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "colour"]


async def test_ten_megabyte_body_is_413(admin: httpx.AsyncClient) -> None:
    big = b'{"name": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    response = await admin.post("/api/v1/areas", content=big, headers={"content-type": "application/json"})
    problem = assert_problem(response, 413, "payload_too_large")
    assert problem["max_bytes"] > 0


async def test_chunked_body_over_the_limit_is_413(admin: httpx.AsyncClient) -> None:
    async def chunks():
        for _ in range(40):
            yield b"x" * (256 * 1024)

    response = await admin.post(
        "/api/v1/areas", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "payload_too_large")


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/", "/nowhere", "/api/v2/areas"])
async def test_unknown_paths_are_404(admin: httpx.AsyncClient, path: str) -> None:
    assert_problem(await admin.get(path), 404)


async def test_wrong_method_is_405(admin: httpx.AsyncClient) -> None:
    assert_problem(await admin.delete("/api/v1/areas"), 405)


async def test_wrong_content_type_is_415(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/api/v1/areas", content=b"<area/>", headers={"content-type": "application/xml"}
    )
    assert_problem(response, 415, "unsupported_media_type")
    missing = await admin.post("/api/v1/areas", content=b'{"code":"610000000000","name":"x"}')
    assert_problem(missing, 415)
