"""Station bodies for the tests: 篇1's photovoltaic stations in 双丰村, and a month of their readings."""

from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from tests.support.projects import WAN, asset_body
from tests.support.registry import SHUANGFENG

STATIONS, READINGS, ALARMS = "/api/v1/stations", "/api/v1/station-readings", "/api/v1/station-alarms"
# A fault seen at a station (故障损毁), as a phone reports it (its id added per report).
FAULT = {"reported_on": "2024-06-01", "text": "组件破损", "photo_refs": ["photos/fault.jpg"]}
# A valley town's expected output per kW by month and its low-output share.
EXPECTATION = {"kwh_per_kw": [60, 70, 90, 100, 110, 105, 100, 100, 90, 80, 60, 50], "low_share_pct": 70}


def station_body(asset_id: str, village: str, **fields: Any) -> dict[str, Any]:
    """A 100 kW station on the asset, on the grid since 2000 (a new id each time)."""
    body = {
        "id": str(uuid.uuid4()),
        "asset_id": asset_id,
        "area_code": village,
        "name": "村级光伏扶贫电站",
        "capacity_kw": 100,
        "grid_connected_on": "2000-01-01",
    }
    return body | fields


async def station(client: httpx.AsyncClient, headers: dict, village: str = SHUANGFENG, **fields: Any) -> dict:
    """A 100 kW station on a new operating asset in ``village``, on the grid since 2023-06-30."""
    asset = await client.post(
        "/api/v1/assets",
        json=asset_body(village, name="双丰村光伏扶贫电站", value_fen=60 * WAN, formed_on="2023-06-30"),
        headers=headers,
    )
    assert asset.status_code == 201, asset.text
    body = {
        "id": str(uuid.uuid4()),
        "asset_id": asset.json()["id"],
        "area_code": village,
        "name": "双丰村村级光伏电站",
        "capacity_kw": 100,
        "grid_connected_on": "2023-06-30",
    } | fields
    response = await client.post(STATIONS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def month_of_days(station_id: str, year: int, month: int, kwh: int, prefix: str = "") -> list[dict[str, Any]]:
    """A reading of every day of the month, each ``kwh``, the feed's record ids named by station and day."""
    first = date(year, month, 1)
    days = calendar.monthrange(year, month)[1]
    return [
        {
            "record_id": f"{prefix}{station_id[:8]}-{first + timedelta(days=n)}",
            "station_id": station_id,
            "period": "day",
            "day": (first + timedelta(days=n)).isoformat(),
            "kwh": kwh,
        }
        for n in range(days)
    ]
