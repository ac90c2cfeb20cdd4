"""Factories for registry tests: areas, valid ID numbers, households through the API (or seeded)."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx

from services.registry.national_id import check_digit
from tests.support.database import libpq_url

COUNTY = "610924000000"
TOWN = "610924105000"
HUANGJIN = "610924105201"  # 黄金村
LONGQUAN = "610924105202"  # 龙泉村
OTHER_TOWN = "610924108000"
SHUANGFENG = "610924108201"

AREAS = [
    ("610000000000", "陕西省"),
    ("610900000000", "安康市"),
    (COUNTY, "紫阳县"),
    (TOWN, "蒿坪镇"),
    (HUANGJIN, "黄金村"),
    (LONGQUAN, "龙泉村"),
    (OTHER_TOWN, "双丰镇"),
    (SHUANGFENG, "双丰村"),
]

_sequence = itertools.count(1)


async def make_areas(admin: httpx.AsyncClient) -> None:
    for code, name in AREAS:
        response = await admin.post("/api/v1/areas", json={"code": code, "name": name})
        assert response.status_code in (200, 201), response.text


def national_id(birth: str | None = None, sex: str = "male", place: str = "610924") -> str:
    """A valid, unique ID number: the sequence's last digit is odd for men, even for women. Past 500
    numbers (the authorisation matrix makes more), a default birth date moves on a day at each turn."""
    count = next(_sequence)
    serial = count % 500
    if birth is None:
        birth = (date(1980, 1, 1) + timedelta(days=count // 500)).strftime("%Y%m%d")
    sequence = f"{serial * 2 + (1 if sex == 'male' else 0):03d}"
    first17 = place + birth + sequence
    if len(first17) != 17:
        raise ValueError(first17)
    return first17 + check_digit(first17)


def fresh_number(village: str = HUANGJIN) -> str:
    return f"{village}{next(_sequence):05d}"


def member(relation: str = "head", **fields: Any) -> dict[str, Any]:
    body = {"name": fields.pop("name", "王秀英"), "relation": relation, "national_id": national_id()}
    return body | fields


async def make_household(
    client: httpx.AsyncClient, village: str = HUANGJIN, members: int = 2, **fields: Any
) -> dict[str, Any]:
    people = [member("head", name="王建国")] + [member("child", name=f"王小{i}") for i in range(members - 1)]
    body = {"number": fresh_number(village), "area_code": village, "members": people[:members]} | fields
    response = await client.post("/api/v1/households", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def move_household(admin: httpx.AsyncClient, household: dict[str, Any], to_village: str) -> None:
    """Move a household (as created, at its first version) to another village."""
    body = {"to_area_code": to_village, "base_version": household["version"]}
    moved = await admin.post(f"/api/v1/households/{household['id']}/move", json=body)
    assert moved.status_code == 200, moved.text


async def delete_household(admin: httpx.AsyncClient, household: dict[str, Any]) -> None:
    """Delete a household (as created, at its first version) as registered twice."""
    body = {"reason": "重复登记", "base_version": household["version"]}
    gone = await admin.post(f"/api/v1/households/{household['id']}/delete", json=body)
    assert gone.status_code == 200, gone.text


async def seed_households(owner_url: str, village: str = HUANGJIN, count: int = 1) -> list[str]:
    """Registered households without members, written straight into the registry's table: for tests of
    what other services do with households (fast in bulk; the registry's own tests use the API)."""
    ids = [uuid.uuid4() for _ in range(count)]
    conn = await asyncpg.connect(libpq_url(owner_url))
    try:
        await conn.execute(
            "INSERT INTO registry.households (id, number, area_code) "
            "SELECT id, 'T' || left(replace(id::text, '-', ''), 24), $2 FROM unnest($1::uuid[]) AS t(id)",
            ids,
            village,
        )
    finally:
        await conn.close()
    return [str(i) for i in ids]
