"""The demo's ten photovoltaic stations (篇1): May's feed raises one 低效运行 alarm for the low station and
one 运行告警 for the station whose feed carried an alarm; loading the demo again raises nothing more."""

from __future__ import annotations

import httpx

from fangpin.demo_projects import load_projects
from fangpin.demo_stations import ALARM_STATION, STATIONS, _id


async def test_the_demo_stations_raise_one_low_output_and_one_operation_alarm_and_a_reload_nothing(
    admin: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await load_projects(admin, admin_headers)
    stations = (await admin.get("/api/v1/stations", params={"within": "610924108", "limit": 50})).json()
    assert len(stations["items"]) == len(STATIONS) == 10
    alarms = (await admin.get("/api/v1/station-alarms", params={"limit": 50})).json()["items"]
    assert sorted((a["kind"], a["station_id"]) for a in alarms) == [
        ("low_output", _id("station:4")),
        ("operation", _id(f"station:{ALARM_STATION}")),
    ]
    figures = (
        await admin.get("/api/v1/station-stats", params={"area": "610924108000", "as_of": "2024-05-31"})
    ).json()
    assert (figures["stations"], figures["capacity_kw"], figures["low_output_stations"]) == (10, 760, 1)
    assert figures["revenue_fen"] == 12_500 * 100
    await load_projects(admin, admin_headers)
    assert len((await admin.get("/api/v1/station-alarms", params={"limit": 50})).json()["items"]) == 2
