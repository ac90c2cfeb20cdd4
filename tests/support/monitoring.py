"""Factories for monitoring tests: thresholds and inspections through the API."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from tests.support.database import libpq_url
from tests.support.registry import COUNTY, HUANGJIN


async def set_thresholds(
    admin: httpx.AsyncClient, year: int, income_line: float = 7000, area_code: str = COUNTY, **fields: Any
) -> dict[str, Any]:
    body = {"area_code": area_code, "year": year, "income_line": income_line, "large_expense_line": 20000}
    response = await admin.post("/api/v1/thresholds", json=body | fields)
    assert response.status_code == 201, response.text
    return response.json()


def inspection(
    household_id: uuid.UUID | str | None = None,
    *,
    visited_at: str = "2025-10-10T10:00:00+08:00",
    wages: float = 40000,
    size: int = 4,
    area_code: str = HUANGJIN,
    **answers: Any,
) -> dict[str, Any]:
    """A visit that finds nothing wrong unless told otherwise (income 10,000 per person)."""
    body = {
        "id": str(uuid.uuid4()),
        "household_id": str(household_id or uuid.uuid4()),
        "area_code": area_code,
        "visited_at": visited_at,
        "household_size": size,
        "food_secure": True,
        "clothing_secure": True,
        "housing_grade": "A",
        "water": {"enough": True, "quality_ok": True, "convenient": True, "reliable": True},
        "income": {"wages": wages},
    }
    return body | answers


async def seed_enrolled_case(owner_url: str, household_id: str, area_code: str) -> str:
    """An enrolled case written straight into the tables (for tests about access, not the workflow)."""
    case_id = uuid.uuid4()
    conn = await asyncpg.connect(libpq_url(owner_url))
    try:
        await conn.execute(
            """INSERT INTO monitoring.cases (id, household_id, area_code, state, monitoring_type,
                   first_alert_at, decision_due_on, decided_at, enrolled_on, opened_by)
               VALUES ($1, $2, $3, 'enrolled', 'marginal',
                       now(), current_date, now(), current_date, 'test')""",
            case_id,
            uuid.UUID(household_id),
            area_code,
        )
    finally:
        await conn.close()
    return str(case_id)
