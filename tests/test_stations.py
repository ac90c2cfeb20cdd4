"""Photovoltaic stations (光伏扶贫电站): a station is an operating asset standing in a village, made once
by its client id, listed within the caller's area; generation readings come in from the PV monitoring
system's feed, each answered alone and kept once by its record id; a month of readings at low output
raises exactly one 低效运行 alarm, the same feed again raises nothing, and fixing it closes it."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx

from services.common.calendar import china_today
from tests.conftest import UserFactory
from tests.support.projects import WAN, asset_body
from tests.support.registry import COUNTY, HUANGJIN, OTHER_TOWN, SHUANGFENG
from tests.support.stations import ALARMS, READINGS, STATIONS, month_of_days, station


async def test_a_station_is_an_operating_asset_in_a_village_made_once_by_its_id(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    made = await station(client, county)
    assert (made["capacity_kw"], made["area_code"], made["open_alarms"]) == (100, SHUANGFENG, 0)
    body = {k: made[k] for k in ("id", "asset_id", "area_code", "name", "capacity_kw", "grid_connected_on")}
    again = await client.post(STATIONS, json=body, headers=county)
    assert again.status_code == 200 and again.json()["id"] == made["id"]
    other = await client.post(STATIONS, json=body | {"capacity_kw": 200}, headers=county)
    assert other.status_code == 409 and other.json()["code"] == "station_id_in_use"
    # The asset is a station already; a public-welfare asset is none; a town is no village.
    second = await client.post(STATIONS, json=body | {"id": str(uuid.uuid4())}, headers=county)
    assert second.status_code == 409 and second.json()["code"] == "asset_is_a_station"
    public = await client.post(
        "/api/v1/assets", json=asset_body(kind="public_welfare", value_fen=WAN), headers=county
    )
    refused = await client.post(
        STATIONS, json=body | {"id": str(uuid.uuid4()), "asset_id": public.json()["id"]}, headers=county
    )
    assert refused.status_code == 409 and refused.json()["code"] == "asset_not_operating"
    town = await client.post(
        STATIONS, json=body | {"id": str(uuid.uuid4()), "area_code": OTHER_TOWN}, headers=county
    )
    assert town.status_code == 422 and town.json()["code"] == "area_not_village"
    assert len((await client.get(STATIONS, headers=county)).json()["items"]) == 1


async def test_stations_are_listed_and_read_only_within_the_callers_area(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    ours = await station(client, county)
    await station(client, county, village=HUANGJIN, name="黄金村光伏电站")
    cadre = await user_headers("cun", "village_cadre", SHUANGFENG)
    listed = (await client.get(STATIONS, headers=cadre)).json()["items"]
    assert [s["id"] for s in listed] == [ours["id"]]
    within = (await client.get(STATIONS, params={"within": HUANGJIN}, headers=county)).json()["items"]
    assert [s["name"] for s in within] == ["黄金村光伏电站"]
    elsewhere = await user_headers("huangjin", "village_cadre", HUANGJIN)
    missing = await client.get(f"{STATIONS}/{ours['id']}", headers=elsewhere)
    assert missing.status_code == 404 and missing.json()["code"] == "station_not_found"
    # A correction needs the version read; a stale one is 409 and changes nothing.
    patched = await client.patch(
        f"{STATIONS}/{ours['id']}", json={"base_version": 1, "capacity_kw": 120}, headers=county
    )
    assert patched.status_code == 200 and patched.json()["capacity_kw"] == 120
    stale = await client.patch(
        f"{STATIONS}/{ours['id']}", json={"base_version": 1, "capacity_kw": 90}, headers=county
    )
    assert stale.status_code == 409
    assert (await client.get(f"{STATIONS}/{ours['id']}", headers=cadre)).json()["capacity_kw"] == 120


async def test_a_month_at_low_output_raises_one_alarm_the_same_feed_again_none_and_fixing_closes_it(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    partner = await user_headers("guangfu", "bureau_partner", COUNTY)
    good, low = await station(client, county), await station(client, county, name="双丰村二号电站")
    # May: 100 kW × 145 kWh/kW expected = 14,500 kWh; 60% of it is 8,700. 450 a day is 13,950; 200 is 6,200.
    feed = month_of_days(good["id"], 2024, 5, 450) + month_of_days(low["id"], 2024, 5, 200)
    first = await client.post(f"{READINGS}/batch", json={"readings": feed}, headers=partner)
    assert first.status_code == 200, first.text
    result = first.json()
    assert (result["created"], result["duplicates"], result["failed"]) == (62, 0, 0)
    raised = [(i["index"], i["raised"]) for i in result["items"] if i["raised"]]
    assert raised == [(61, ["low_output"])]  # the low station's last day made its month whole
    alarms = (await client.get(ALARMS, headers=county)).json()["items"]
    assert [(a["station_id"], a["kind"], a["state"], a["month"]) for a in alarms] == [
        (low["id"], "low_output", "open", "2024-05-01")
    ]
    alarm = alarms[0]
    assert alarm["raised_on"] == "2024-06-01" and alarm["due_on"] == "2024-07-01"
    assert alarm["actions"] == ["start_fixing", "fixed"] and "6200kWh" in alarm["text"]
    months = (await client.get(f"{STATIONS}/{low['id']}", headers=county)).json()["months"]
    assert months == [
        {"month": "2024-05-01", "output_kwh": 6200, "expected_kwh": 14500, "low_share_pct": 60, "low": True}
    ]

    # The same feed again: every record a duplicate, nothing raised; judging the month again, nothing.
    again = (await client.post(f"{READINGS}/batch", json={"readings": feed}, headers=partner)).json()
    assert (again["created"], again["duplicates"]) == (0, 62)
    assert all(i["raised"] == [] for i in again["items"])
    judged = await client.post(f"{ALARMS}/evaluate", json={"month": "2024-05"}, headers=county)
    assert judged.status_code == 200 and judged.json() == {"judged": 0, "raised": 0}
    auditor = await user_headers("shenji", "auditor", COUNTY)
    events = await client.get("/api/v1/audit/events", params={"action": "station.readings"}, headers=auditor)
    feeds = [json.loads(e["changes"]) for e in reversed(events.json()["items"])]
    assert feeds == [
        {"created": 62, "duplicates": 0, "failed": 0, "raised": {"low_output": 1}},
        {"created": 0, "duplicates": 62, "failed": 0, "raised": {}},
    ]
    assert len((await client.get(ALARMS, headers=county)).json()["items"]) == 1

    # Fixing it: open → fixing (the deadline moved) → fixed; a fixed alarm takes no more steps.
    cadre = await user_headers("cun", "village_cadre", SHUANGFENG)
    act = f"{ALARMS}/{alarm['id']}/actions"
    forbidden = await client.post(act, json={"action": "fixed", "on": "2024-06-05"}, headers=cadre)
    assert forbidden.status_code == 403
    assert (await client.get(f"{ALARMS}/{alarm['id']}", headers=cadre)).json()["actions"] == []
    fixing = await client.post(
        act, json={"action": "start_fixing", "on": "2024-06-03", "due_on": "2024-06-20"}, headers=county
    )
    assert fixing.status_code == 200, fixing.text
    assert (fixing.json()["state"], fixing.json()["due_on"], fixing.json()["actions"]) == (
        "fixing",
        "2024-06-20",
        ["fixed"],
    )
    early = await client.post(act, json={"action": "fixed", "on": "2024-06-02"}, headers=county)
    assert early.status_code == 422
    fixed = await client.post(
        act, json={"action": "fixed", "on": "2024-06-10", "note": "清洗组件"}, headers=county
    )
    assert (fixed.json()["state"], fixed.json()["fixed_on"], fixed.json()["actions"]) == (
        "fixed",
        "2024-06-10",
        [],
    )
    closed = await client.post(act, json={"action": "fixed", "on": "2024-06-11"}, headers=county)
    assert closed.status_code == 409 and closed.json()["code"] == "alarm_state"
    assert (await client.get(ALARMS, params={"state": "open"}, headers=county)).json()["items"] == []
    assert (await client.get(f"{STATIONS}/{low['id']}", headers=county)).json()["open_alarms"] == 0


async def test_each_reading_is_answered_alone_and_an_alarm_record_raises_an_operation_alarm(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    partner = await user_headers("guangfu", "bureau_partner", COUNTY)
    made = await station(client, county)
    day = {"station_id": made["id"], "period": "day", "day": "2024-05-02", "kwh": 300}
    feed = [
        day | {"record_id": "r-1", "alarm": {"code": "INV-013", "text": "逆变器离线"}},
        day | {"record_id": "r-2", "station_id": str(uuid.uuid4())},  # no such station
        day | {"record_id": "r-3", "kwh": -1},  # not a reading
        day | {"record_id": "r-4"},  # the day is read already (by r-1)
        day | {"record_id": "r-5", "day": "2024-05-03", "period": "month"},  # a month on its 3rd
        day | {"record_id": "r-6", "day": "2023-06-01"},  # before the grid connection
        day | {"record_id": "r-7", "period": "month", "day": china_today().replace(day=1).isoformat()},
    ]
    result = (await client.post(f"{READINGS}/batch", json={"readings": feed}, headers=partner)).json()
    assert [(i["record_id"], i["status"]) for i in result["items"]] == [
        ("r-1", "created"),
        ("r-2", "invalid"),
        ("r-3", "invalid"),
        ("r-4", "conflict"),
        ("r-5", "invalid"),
        ("r-6", "invalid"),
        ("r-7", "invalid"),  # this month has not ended
    ]
    assert result["items"][6]["error"]["code"] == "month_not_ended"
    assert result["items"][0]["raised"] == ["operation"]
    assert result["items"][1]["error"]["code"] == "station_not_found"
    assert result["items"][3]["error"]["code"] == "reading_exists"
    # r-1 again with other content is a conflict, and raises nothing more.
    changed = [day | {"record_id": "r-1", "kwh": 301}]
    again = (await client.post(f"{READINGS}/batch", json={"readings": changed}, headers=partner)).json()
    assert again["items"][0]["status"] == "conflict"
    alarms = (await client.get(ALARMS, params={"kind": "operation"}, headers=county)).json()["items"]
    assert [(a["code"], a["text"], a["raised_on"], a["due_on"]) for a in alarms] == [
        ("INV-013", "逆变器离线", "2024-05-02", "2024-05-09")
    ]
    readings = await client.get(
        f"{STATIONS}/{made['id']}/readings", params={"month": "2024-05"}, headers=county
    )
    assert [(r["record_id"], r["kwh"]) for r in readings.json()] == [("r-1", 300)]
    # One reading entered by the county office: 201, a retry 200, another content 409.
    one = day | {"record_id": "xian-1", "day": "2024-05-04"}
    assert (await client.post(READINGS, json=one, headers=county)).status_code == 201
    assert (await client.post(READINGS, json=one, headers=county)).status_code == 200
    other = await client.post(READINGS, json=one | {"kwh": 1}, headers=county)
    assert other.status_code == 409 and other.json()["code"] == "record_id_in_use"
    # A partner elsewhere does not see the station: its readings are invalid.
    far = await user_headers("far", "bureau_partner", "610925000000")
    outside = (
        await client.post(f"{READINGS}/batch", json={"readings": [day | {"record_id": "f"}]}, headers=far)
    ).json()
    assert outside["items"][0]["error"]["code"] == "station_not_found"
    village = await user_headers("cun", "village_cadre", SHUANGFENG)
    assert (
        await client.post(f"{READINGS}/batch", json={"readings": feed}, headers=village)
    ).status_code == 403


async def test_station_figures_count_capacity_the_months_output_and_alarms_open_as_of_a_date(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    partner = await user_headers("guangfu", "bureau_partner", COUNTY)
    good, low = await station(client, county), await station(client, county, capacity_kw=50)
    await station(client, county, grid_connected_on="2024-07-01")  # not on the grid in May
    feed = month_of_days(good["id"], 2024, 5, 450) + month_of_days(low["id"], 2024, 5, 100)
    assert (
        await client.post(f"{READINGS}/batch", json={"readings": feed}, headers=partner)
    ).status_code == 200
    alarm = (await client.get(ALARMS, headers=county)).json()["items"][0]
    fixed = {"action": "fixed", "on": "2024-06-10"}
    assert (
        await client.post(f"{ALARMS}/{alarm['id']}/actions", json=fixed, headers=county)
    ).status_code == 200
    revenue = {"revenue_fen": 5000_00, "to_posts_fen": 3000_00, "to_households_fen": 1000_00}
    put = await client.put(f"{STATIONS}/{good['id']}/revenues/2024-05", json=revenue, headers=county)
    assert put.status_code == 200

    async def figures(as_of: str, area: str = OTHER_TOWN) -> dict:
        response = await client.get(
            "/api/v1/station-stats", params={"area": area, "as_of": as_of}, headers=partner
        )
        assert response.status_code == 200, response.text
        return response.json()

    may = await figures("2024-05-31")
    assert (may["stations"], may["capacity_kw"], may["month_output_kwh"], may["low_output_stations"]) == (
        2,
        150,
        450 * 31 + 100 * 31,
        1,
    )
    assert may["open_alarms"] == {"operation": 0, "low_output": 0, "damage": 0}  # raised on 1 June
    assert (await figures("2024-05-15"))["month_output_kwh"] == 550 * 15
    assert (await figures("2024-06-05"))["open_alarms"]["low_output"] == 1
    june = await figures("2024-06-10")
    assert (june["open_alarms"]["low_output"], june["month_output_kwh"], june["revenue_fen"]) == (
        0,
        0,
        5000_00,
    )
    assert (june["to_posts_fen"], june["to_households_fen"], june["to_village_fen"]) == (3000_00, 1000_00, 0)
    assert (await figures("2024-06-10", HUANGJIN))["stations"] == 0
    cadre = await user_headers("cun", "village_cadre", SHUANGFENG)
    outside = await client.get("/api/v1/station-stats", params={"area": OTHER_TOWN}, headers=cadre)
    assert outside.status_code == 404


async def test_the_same_feed_sent_twice_at_once_stores_each_reading_once_and_raises_one_alarm(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    partner = await user_headers("guangfu", "bureau_partner", COUNTY)
    low = await station(client, county)
    feed = {"readings": month_of_days(low["id"], 2024, 5, 200)}
    answers = await asyncio.gather(
        *(client.post(f"{READINGS}/batch", json=feed, headers=partner) for _ in range(2))
    )
    assert [a.status_code for a in answers] == [200, 200]
    assert sorted(a.json()["created"] for a in answers) == [0, 31]
    assert sum(a.json()["duplicates"] for a in answers) == 31
    alarms = (await client.get(ALARMS, headers=county)).json()["items"]
    assert [a["kind"] for a in alarms] == ["low_output"]
