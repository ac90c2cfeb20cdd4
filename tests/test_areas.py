"""Areas through the gateway: create, read, list, children; bad codes change nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest

CHAIN = [
    ("610000000000", "陕西省"),
    ("610900000000", "安康市"),
    ("610924000000", "紫阳县"),
    ("610924105000", "蒿坪镇"),
]


async def create_chain(client: httpx.AsyncClient) -> None:
    for code, name in CHAIN:
        response = await client.post("/api/v1/areas", json={"code": code, "name": name})
        assert response.status_code == 201, response.text


async def count_areas(client: httpx.AsyncClient) -> int:
    response = await client.get("/api/v1/areas", params={"limit": 500})
    return len(response.json()["items"])


async def test_create_and_read_an_area(admin: httpx.AsyncClient) -> None:
    await create_chain(admin)
    response = await admin.post("/api/v1/areas", json={"code": "610924105201", "name": "黄金村"})
    assert response.status_code == 201
    body = response.json()
    assert body["level"] == "village"
    assert body["parent_code"] == "610924105000"

    read = await admin.get("/api/v1/areas/610924105201")
    assert read.status_code == 200
    assert read.json()["name"] == "黄金村"


async def test_retried_create_returns_the_same_area_and_a_different_one_conflicts(
    admin: httpx.AsyncClient,
) -> None:
    await create_chain(admin)
    first = await admin.post("/api/v1/areas", json={"code": "610924105201", "name": "黄金村"})
    again = await admin.post("/api/v1/areas", json={"code": "610924105201", "name": "黄金村"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    clash = await admin.post("/api/v1/areas", json={"code": "610924105201", "name": "龙泉村"})
    assert clash.status_code == 409
    assert clash.json()["code"] == "area_exists"
    assert (await admin.get("/api/v1/areas/610924105201")).json()["name"] == "黄金村"


async def test_concurrent_identical_creates_store_one_row(admin: httpx.AsyncClient) -> None:
    await create_chain(admin)
    body = {"code": "610924105202", "name": "龙泉村"}
    responses = await asyncio.gather(*(admin.post("/api/v1/areas", json=body) for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert await count_areas(admin) == len(CHAIN) + 1


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"code": "61092410520", "name": "短"}, "code", "area_code_length"),
        ({"code": "6109241052011", "name": "长"}, "code", "area_code_length"),
        ({"code": "61092410520x", "name": "字母"}, "code", "area_code_digits"),
        (
            {"code": "610924105201", "name": "错父", "parent_code": "610925000000"},
            "parent_code",
            "parent_not_prefix",
        ),
        (
            {"code": "610924105201", "name": "自己", "parent_code": "610924105201"},
            "parent_code",
            "parent_not_prefix",
        ),
        ({"code": "610924108201", "name": "无父"}, "parent_code", "unknown_parent"),
        ({"code": "610924105201", "name": "级别", "level": "town"}, "level", "level_mismatch"),
    ],
)
async def test_bad_codes_get_422_and_store_nothing(
    admin: httpx.AsyncClient, body: dict, field: str, code: str
) -> None:
    await create_chain(admin)
    response = await admin.post("/api/v1/areas", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem["errors"][0]["loc"] == ["body", field]
    assert await count_areas(admin) == len(CHAIN)


async def test_names_with_control_characters_are_refused(admin: httpx.AsyncClient) -> None:
    await create_chain(admin)
    response = await admin.post("/api/v1/areas", json={"code": "610924105201", "name": "黄金\u0000村"})
    assert response.status_code == 422
    assert await count_areas(admin) == len(CHAIN)


async def test_unknown_area_is_404_problem(admin: httpx.AsyncClient) -> None:
    response = await admin.get("/api/v1/areas/610924199999")
    assert response.status_code == 404
    assert response.json()["code"] == "area_not_found"
    malformed = await admin.get("/api/v1/areas/61092419999x")
    assert malformed.status_code == 422


async def test_children_and_keyset_pages_cover_everything_once(admin: httpx.AsyncClient) -> None:
    await create_chain(admin)
    villages = [f"610924105{n:03d}" for n in range(201, 226)]
    for code in villages:
        assert (
            await admin.post("/api/v1/areas", json={"code": code, "name": f"村{code[-3:]}"})
        ).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = (await admin.get("/api/v1/areas/610924105000/children", params=params)).json()
        seen += [item["code"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == villages


async def test_list_filters(admin: httpx.AsyncClient) -> None:
    await create_chain(admin)
    await admin.post("/api/v1/areas", json={"code": "610924105201", "name": "黄金村"})
    towns = (await admin.get("/api/v1/areas", params={"level": "town"})).json()["items"]
    assert [a["code"] for a in towns] == ["610924105000"]
    named = (await admin.get("/api/v1/areas", params={"q": "黄金"})).json()["items"]
    assert [a["code"] for a in named] == ["610924105201"]
    within = (await admin.get("/api/v1/areas", params={"within": "610924"})).json()["items"]
    assert len(within) == 3


async def test_a_forged_cursor_is_422_not_500(admin: httpx.AsyncClient) -> None:
    for cursor in ("not-base64!!", "eyJ4IjoxfQ", "W10"):
        response = await admin.get("/api/v1/areas", params={"cursor": cursor})
        assert response.status_code == 422, cursor
        assert response.json()["code"] == "bad_cursor"
