"""The demo's photovoltaic stations (光伏扶贫电站), from 篇1: "全镇10个光伏扶贫电站", whose 运行告警, 低效运行
and 故障损毁 the town watches on the national PV monitoring system.

The town (双丰镇 here) has ten village stations over its four villages; the first is 双丰村's 100 kW
station whose asset the projects demo forms from its 2021 project, the other nine are registered as
operating assets directly. May 2024 arrives as one feed of daily readings: 新华村's second station runs
at about half its expected output, so judging the whole month raises one 低效运行 alarm, and 红星村's
first station's feed carries an inverter alarm (运行告警) on 12 May. Capacities, outputs, codes and
dates are illustrative.

Ids and record ids are fixed (UUID 5), so loading again answers each create as a retry and each
reading as a duplicate: nothing is raised twice.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from fangpin.demo_jobs import ok_json

NAMESPACE = uuid.UUID("6f7e3c1a-52a4-4d0e-9b57-1e0d3c4a8f21")
WAN = 10_000 * 100  # fen
MONTH = date(2024, 5, 1)
# (village, its name, capacity kW, a day's output per kW in good weather)
STATIONS = [
    ("610924108201", "双丰村", 100, 4.6),  # the projects demo's asset
    ("610924108201", "双丰村", 60, 4.5),
    ("610924108201", "双丰村", 60, 4.4),
    ("610924108202", "新华村", 100, 4.6),
    ("610924108202", "新华村", 60, 2.1),  # dust and shade: about half of what May should give
    ("610924108202", "新华村", 60, 4.5),
    ("610924108203", "红星村", 100, 4.4),  # its inverter alarm on 12 May
    ("610924108203", "红星村", 60, 4.6),
    ("610924108204", "团结村", 100, 4.5),
    ("610924108204", "团结村", 60, 4.4),
]
ALARM_STATION, ALARM_DAY = 6, date(2024, 5, 12)
WEATHER = (1.0, 1.05, 0.9, 0.6, 1.1, 0.95, 1.0)  # a week's sun, repeated: an overcast day now and then


def _id(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, key))


def station_id(index: int) -> str:
    """The demo's station ``index`` (its id in projects, named by the photovoltaic posts)."""
    return _id(f"station:{index}")


def _name(index: int) -> str:
    village, name, capacity, _ = STATIONS[index]
    number = sum(1 for v, *_ in STATIONS[: index + 1] if v == village)
    return f"{name}{number}号村级光伏扶贫电站（{capacity}千瓦）"


async def _asset_of(client: httpx.AsyncClient, auth: dict[str, str], index: int, first_asset: str) -> str:
    if index == 0:
        return first_asset
    village, _, capacity, _ = STATIONS[index]
    body = {
        "id": _id(f"asset:{index}"),
        "area_code": village,
        "name": _name(index),
        "kind": "operating",
        "value_fen": capacity * 6_000 * 100,  # about 6,000 元 a kW built
        "formed_on": "2021-06-30",
        "owner_type": "village_collective",
        "owner_name": f"{STATIONS[index][1]}股份经济合作社",
        "upkeep_owner": f"{STATIONS[index][1]}村民委员会",
    }
    return ok_json(await client.post("/api/v1/assets", json=body, headers=auth), f"station asset {index}")[
        "id"
    ]


def readings(station_ids: list[str]) -> list[dict[str, Any]]:
    """May's daily readings of every station, in whole kWh, by the feed's record id."""
    items: list[dict[str, Any]] = []
    for index, station_id in enumerate(station_ids):
        _, _, capacity, per_kw = STATIONS[index]
        for n in range(31):
            day = MONTH + timedelta(days=n)
            item: dict[str, Any] = {
                "record_id": f"GF-{day:%Y%m%d}-{index + 1:02d}",
                "station_id": station_id,
                "period": "day",
                "day": day.isoformat(),
                "kwh": round(capacity * per_kw * WEATHER[n % len(WEATHER)]),
            }
            if index == ALARM_STATION and day == ALARM_DAY:
                item["kwh"] //= 3
                item["alarm"] = {"code": "INV-OFFLINE", "text": "逆变器通讯中断，组串停机约6小时"}
            items.append(item)
    return items


async def load_stations(client: httpx.AsyncClient, auth: dict[str, str], first_asset: str | None) -> int:
    """The ten stations, May's readings (one low, one with an alarm) and the first station's May revenue
    allocated mostly to its 光伏公益岗位 wages; the number of stations made now."""
    if first_asset is None:
        return 0
    made, station_ids = 0, []
    for index, (village, _, capacity, _) in enumerate(STATIONS):
        body = {
            "id": station_id(index),
            "asset_id": await _asset_of(client, auth, index, first_asset),
            "area_code": village,
            "name": _name(index),
            "capacity_kw": capacity,
            "grid_connected_on": "2021-06-30",
        }
        response = await client.post("/api/v1/stations", json=body, headers=auth)
        station_ids.append(ok_json(response, f"station {index}")["id"])
        made += response.status_code == 201
    feed = await client.post(
        "/api/v1/station-readings/batch", json={"readings": readings(station_ids)}, headers=auth
    )
    result = ok_json(feed, "the stations' May readings")
    if result["failed"]:
        raise RuntimeError(f"demo station readings: {result['failed']} refused")
    revenue = {
        "revenue_fen": 1 * WAN + 2_500 * 100,  # about 0.9 元 a kWh sold
        "to_posts_fen": 9_000 * 100,
        "to_households_fen": 2_000 * 100,
        "to_village_fen": 1_500 * 100,
    }
    url = f"/api/v1/stations/{station_ids[0]}/revenues/{MONTH:%Y-%m}"
    ok_json(await client.put(url, json=revenue, headers=auth), "the first station's May revenue")
    return made
