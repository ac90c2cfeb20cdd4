"""Compression at the gateway: answers encoded as the caller accepts (q-values honoured), streamed ledgers
too, never what is compressed already or a byte range; gzip JSON bodies taken within the body limit."""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
import uuid
import zlib

import brotli
import httpx
import openpyxl
import pytest
from fastapi import FastAPI

from tests.support.monitoring import inspection
from tests.support.registry import HUANGJIN, fresh_number, make_areas, make_household, member, seed_households
from tests.test_export_jobs import finished, inline_limit

HOUSEHOLDS, EXPORT = "/api/v1/households", "/api/v1/households/export"
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}
LIMIT = 2 * 1024 * 1024  # FANGPIN_MAX_BODY_BYTES's default, which the tests' gateway keeps


async def raw_get(
    client: httpx.AsyncClient, url: str, accept: str | None, **kwargs: object
) -> tuple[httpx.Response, bytes]:
    """An answer and its bytes as they came (``accept`` None: no Accept-Encoding header at all)."""
    request = client.build_request("GET", url, **kwargs)  # type: ignore[arg-type]
    del request.headers["accept-encoding"]
    if accept is not None:
        request.headers["accept-encoding"] = accept
    response = await client.send(request, stream=True)
    raw = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, raw


def decoded(response: httpx.Response, raw: bytes) -> bytes:
    coding = response.headers.get("content-encoding")
    return DECODE[coding](raw) if coding else raw


async def households(admin: httpx.AsyncClient, count: int = 4) -> None:
    await make_areas(admin)
    for _ in range(count):
        await make_household(admin, HUANGJIN, members=3)


async def test_json_is_compressed_as_the_caller_accepts_and_plain_otherwise(admin: httpx.AsyncClient) -> None:
    await households(admin)
    plain, plain_raw = await raw_get(admin, HOUSEHOLDS, None)
    assert "content-encoding" not in plain.headers and len(plain_raw) > 2000
    cases = {
        "gzip": "gzip",
        "br": "br",
        "gzip, deflate, br": "br",  # a tie: the smaller coding
        "gzip;q=1, br;q=0.5": "gzip",
        "x-gzip": "gzip",
        "br;q=0, *;q=0.1": "gzip",
        "gzip;q=0": None,
        "gzip;q=0.5, identity": None,  # plain is what it prefers
        "identity": None,
        "deflate": None,
        "": None,
    }
    for accept, coding in cases.items():
        response, raw = await raw_get(admin, HOUSEHOLDS, accept)
        assert response.status_code == 200
        assert response.headers.get("content-encoding") == coding, accept
        assert "accept-encoding" in response.headers["vary"].lower()
        assert int(response.headers["content-length"]) == len(raw)  # never a mismatch
        assert json.loads(decoded(response, raw)) == json.loads(plain_raw)
        if coding:
            assert len(raw) < len(plain_raw) / 3
    # httpx asks for gzip and br by itself and decodes them.
    assert (await admin.get(HOUSEHOLDS)).json() == json.loads(plain_raw)


async def test_small_answers_go_out_plain(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    response, raw = await raw_get(admin, f"/api/v1/areas/{HUANGJIN}", "gzip, br")
    assert response.status_code == 200 and "content-encoding" not in response.headers
    assert len(raw) < 1024 and json.loads(raw)["code"] == HUANGJIN


async def test_a_streamed_csv_ledger_is_compressed_and_decodes_to_the_same_bytes(
    admin: httpx.AsyncClient,
) -> None:
    await households(admin, 6)
    plain, plain_raw = await raw_get(admin, EXPORT, None, params={"format": "csv"})
    assert plain.headers["content-type"].startswith("text/csv")
    for coding in ("gzip", "br"):
        response, raw = await raw_get(admin, EXPORT, coding, params={"format": "csv"})
        assert response.headers["content-encoding"] == coding
        assert decoded(response, raw) == plain_raw
        assert len(raw) < len(plain_raw)


async def test_xlsx_is_not_compressed_again(admin: httpx.AsyncClient) -> None:
    await households(admin, 2)
    response, raw = await raw_get(admin, EXPORT, "gzip, br", params={"format": "xlsx"})
    assert response.status_code == 200 and "content-encoding" not in response.headers
    assert raw[:2] == b"PK"  # the ZIP container as written
    assert openpyxl.load_workbook(io.BytesIO(raw)).active.max_row == 1 + 2 * 3  # a row per person


async def test_a_resumable_download_and_its_ranges_go_out_as_they_are(
    admin: httpx.AsyncClient, system: FastAPI
) -> None:
    await households(admin, 3)
    with inline_limit(system, "registry", 1):
        started = await admin.get(EXPORT, params={"format": "csv"})
        assert started.status_code == 202, started.text
        job = await finished(admin, started.headers["location"])
    whole, whole_raw = await raw_get(admin, job["download"], "gzip, br")
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    assert "content-encoding" not in whole.headers  # byte offsets stay those of the plain file
    part, part_raw = await raw_get(admin, job["download"], "gzip, br", headers={"Range": "bytes=10-1500"})
    assert part.status_code == 206 and "content-encoding" not in part.headers
    assert part.headers["content-range"] == f"bytes 10-1500/{len(whole_raw)}"
    assert part_raw == whole_raw[10:1501]


def gzip_json(body: object) -> bytes:
    return gzip.compress(json.dumps(body).encode())


async def test_gzip_batches_are_taken(admin: httpx.AsyncClient, clean_database) -> None:  # noqa: ANN001
    await make_areas(admin)
    [household] = await seed_households(clean_database.owner_url)
    visits = {"items": [inspection(household, visited_at=f"2025-10-{d:02d}T10:00:00+08:00") for d in (1, 2)]}
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    response = await admin.post("/api/v1/inspections/batch", content=gzip_json(visits), headers=headers)
    assert response.status_code == 200, response.text
    assert [i["status"] for i in response.json()["items"]] == ["created", "created"]

    items = [
        {"id": str(uuid.uuid4()), "number": fresh_number(), "area_code": HUANGJIN, "members": [member()]}
        for _ in range(3)
    ]
    response = await admin.post(
        "/api/v1/households/batch", content=gzip_json({"items": items}), headers=headers
    )
    assert response.status_code == 200, response.text
    assert [i["status"] for i in response.json()["items"]] == ["created"] * 3
    # Several gzip members one after another are one body (RFC 1952).
    one = {"number": fresh_number(), "area_code": HUANGJIN, "members": [member()]}
    text = json.dumps(one).encode()
    two_members = gzip.compress(text[:20]) + gzip.compress(text[20:])
    single = await admin.post(HOUSEHOLDS, content=two_members, headers=headers)
    assert single.status_code == 201, single.text


def zeros_bomb(members: int, each: int = 16 * 1024 * 1024) -> bytes:
    """``members`` × ``each`` bytes of zeros once inflated, about a thousandth of that as sent."""
    squeezer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    member_bytes = squeezer.compress(bytes(each)) + squeezer.flush()
    return member_bytes * members


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    return response.json()


async def test_a_gzip_bomb_is_413_and_memory_stays_bounded(admin: httpx.AsyncClient) -> None:
    bomb = zeros_bomb(64)  # 1 GiB inflated, 1 MiB sent
    assert len(bomb) < LIMIT
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    tracemalloc.start()
    try:
        response = await admin.post("/api/v1/inspections/batch", content=bomb, headers=headers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    problem = assert_problem(response, 413, "payload_too_large")
    assert problem["max_bytes"] == LIMIT
    assert peak < 4 * LIMIT, f"{peak:,} bytes held for a {LIMIT:,}-byte limit"

    async def in_chunks():  # noqa: ANN202 - sent chunked: no Content-Length to go by
        for start in range(0, len(bomb), 64 * 1024):
            yield bomb[start : start + 64 * 1024]

    chunked = await admin.post("/api/v1/households/batch", content=in_chunks(), headers=headers)
    assert_problem(chunked, 413, "payload_too_large")


async def test_nothing_is_inflated_for_a_caller_who_is_not_let_in(client: httpx.AsyncClient) -> None:
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    response = await client.post("/api/v1/households/batch", content=zeros_bomb(64), headers=headers)
    assert_problem(response, 401, "not_authenticated")  # refused before its body was read


async def test_the_gateways_own_json_routes_take_gzip_too(admin: httpx.AsyncClient) -> None:
    user = {
        "username": "gzip-user",
        "display_name": "gz",
        "password": "a long enough password 1",
        "role": "ops",
    }
    body = gzip_json(user | {"area_code": "000000000000"})
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    response = await admin.post("/api/v1/users", content=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["username"] == "gzip-user"


async def test_what_is_sent_counts_too_not_only_what_it_inflates_to(admin: httpx.AsyncClient) -> None:
    empty_members = gzip.compress(b"") * (LIMIT // 20 + 1)  # inflates to nothing at all
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    response = await admin.post("/api/v1/households/batch", content=empty_members, headers=headers)
    assert_problem(response, 413, "payload_too_large")


async def test_other_encodings_and_broken_gzip_are_refused(admin: httpx.AsyncClient) -> None:
    body = json.dumps({"items": []}).encode()
    for coding in ("br", "deflate", "compress", "gzip, gzip"):
        response = await admin.post(
            "/api/v1/households/batch",
            content=body,
            headers={"content-type": "application/json", "content-encoding": coding},
        )
        assert_problem(response, 415, "unsupported_content_encoding")
        assert response.headers["accept-encoding"] == "gzip"
    csv_upload = await admin.post(
        "/api/v1/imports",
        content=gzip.compress(b"a,b\n1,2\n"),
        headers={"content-type": "text/csv", "content-encoding": "gzip"},
    )
    assert_problem(csv_upload, 415, "unsupported_content_encoding")
    json_headers = {"content-type": "application/json", "content-encoding": "gzip"}
    for broken in (b"not gzip at all", gzip.compress(body)[:-6], gzip.compress(body) + b"junk"):
        response = await admin.post("/api/v1/households/batch", content=broken, headers=json_headers)
        assert_problem(response, 400, "malformed_gzip")
    plain = await admin.post(
        "/api/v1/households/batch",
        content=json.dumps({"items": []}).encode(),
        headers={"content-type": "application/json", "content-encoding": "identity"},
    )
    assert plain.status_code != 415


@pytest.mark.parametrize("accept", ["gzip", "br"])
async def test_the_merged_openapi_document_is_compressed(client: httpx.AsyncClient, accept: str) -> None:
    response, raw = await raw_get(client, "/api/v1/openapi.json", accept)
    assert response.headers["content-encoding"] == accept
    assert json.loads(decoded(response, raw))["openapi"].startswith("3.")
