"""篇1's 27 边缘易致贫户 (83 people), enrolled as monitored households the way a county brings in its past
cases: `POST /api/v1/case-imports`, dated as decided. The ledger registers them as ordinary households;
monitoring's `case.enrolled` events make the registry's 监测户 periods and category follow, so every
figure — registry, monitoring, employment — says 27 from the same decisions.

Case ids are fixed (UUID 5), so loading again answers each item `duplicate`.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx

from fangpin.demo_households import demo_households
from fangpin.demo_jobs import ok_json

NAMESPACE = uuid.UUID("4d2c9a1e-7b3f-4e8a-9c6d-1f2e3a4b5c6d")
TOWN = "610924108"  # 篇1's town, as a code prefix
FIRST_ALERT_ON, IDENTIFIED_ON = "2023-02-10", "2023-03-01"
DELIVERY_WAIT_S = 120  # the registry learns of the cases by monitoring's events, normally within seconds


async def load_cases(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    numbers = [household.number for group, household in demo_households() if group.enrolled]
    items = []
    for number in numbers:
        found = ok_json(
            await client.get("/api/v1/households", params={"number": number}, headers=auth), number
        )
        [household] = found["items"]
        items.append(
            {
                "id": str(uuid.uuid5(NAMESPACE, number)),
                "household_id": household["id"],
                "monitoring_type": "marginal",
                "risk_codes": ["low_income"],
                "first_alert_on": FIRST_ALERT_ON,
                "identified_on": IDENTIFIED_ON,
            }
        )
    answer = ok_json(await client.post("/api/v1/case-imports", json={"items": items}, headers=auth), "cases")
    refused = [i for i in answer["items"] if i["status"] not in ("created", "duplicate")]
    if refused:
        raise RuntimeError(f"demo cases: {refused[:3]}")
    await _delivered(client, auth, len(numbers))
    return {"cases": sum(i["status"] == "created" for i in answer["items"])}


async def _delivered(client: httpx.AsyncClient, auth: dict[str, str], expected: int) -> None:
    """Until the registry counts them as 监测户 (its periods follow monitoring's events)."""
    params = {"within": TOWN, "category": "monitored"}
    for _ in range(DELIVERY_WAIT_S * 4):
        count = ok_json(await client.get("/api/v1/households/count", params=params, headers=auth), "count")
        if count["count"] >= expected:
            return
        await asyncio.sleep(0.25)
    raise RuntimeError(
        f"demo cases: the registry did not learn of {expected} enrolments in {DELIVERY_WAIT_S} s"
    )
