"""Micro-credit bodies for the tests: 篇1's town loans (扶贫小额信贷), as a bank's system sends them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from services.common.calendar import china_today
from tests.support.registry import fresh_number, member

LOANS, REPAYMENTS, CREDIT_STATS = "/api/v1/loans", "/api/v1/loan-repayments", "/api/v1/credit-stats"
WAN = 10_000 * 100  # 1万元 in fen


def days_from_today(days: int) -> str:
    return (china_today() + timedelta(days=days)).isoformat()


def bank_loan(record_id: str, national_id: str, amount_fen: int = 5 * WAN, **fields: Any) -> dict[str, Any]:
    """A three-year 5万 loan at 4.35% with full 贴息, lent two years ago (due in about a year)."""
    body = {
        "record_id": record_id,
        "national_id": national_id,
        "bank": "紫阳县农村信用合作联社",
        "amount_fen": amount_fen,
        "rate_bp": 435,
        "subsidy_bp": 435,
        "purpose": "养殖（肉牛）",
        "starts_on": (china_today() - timedelta(days=730)).isoformat(),
        "due_on": days_from_today(365),
    }
    return body | fields


def loan_body(person_id: str, amount_fen: int = 5 * WAN, **fields: Any) -> dict[str, Any]:
    """The same loan entered by hand (a new client id each time)."""
    body = bank_loan("", "", amount_fen) | {"id": str(uuid.uuid4()), "person_id": person_id}
    del body["record_id"], body["national_id"]
    return body | fields


async def borrower(admin: httpx.AsyncClient, village: str) -> tuple[dict[str, Any], str]:
    """A one-member household in ``village``: the household and its head's ID number."""
    head = member(name="陈德贵")
    body = {"number": fresh_number(village), "area_code": village, "members": [head]}
    made = await admin.post("/api/v1/households", json=body)
    assert made.status_code == 201, made.text
    return made.json(), head["national_id"]


async def push(client: httpx.AsyncClient, loans: list[dict[str, Any]], headers: dict | None = None) -> dict:
    pushed = await client.post(f"{LOANS}/batch", json={"loans": loans}, headers=headers)
    assert pushed.status_code == 200, pushed.text
    return pushed.json()


async def borrowers(admin: httpx.AsyncClient, village: str, count: int) -> list[tuple[dict[str, Any], str]]:
    """``count`` one-member households in ``village``, registered in one batch, with their heads' numbers."""
    heads = [member(name="陈德贵") for _ in range(count)]
    items = [
        {"id": str(uuid.uuid4()), "number": fresh_number(village), "area_code": village, "members": [head]}
        for head in heads
    ]
    made = await admin.post("/api/v1/households/batch", json={"items": items})
    assert made.status_code == 200 and made.json()["created"] == count, made.text
    return [
        (item["household"], head["national_id"])
        for item, head in zip(made.json()["items"], heads, strict=True)
    ]
