"""Stations beyond the feed: damage (故障损毁) reported from a phone once by its UUID; what an area
expects of a month (its own table, or the default) and judging an ended month on request, once; and
revenue by month whose allocation never exceeds it (422, nothing changes), audited old → new."""

from __future__ import annotations

import csv
import io
import json
import uuid

import httpx

from tests.conftest import UserFactory
from tests.support.projects import WAN
from tests.support.registry import COUNTY, HUANGJIN, OTHER_TOWN, SHUANGFENG, make_areas
from tests.support.stations import ALARMS, READINGS, STATIONS, month_of_days, station


async def test_a_fault_reported_from_a_phone_is_one_alarm_however_often_it_is_sent(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    made = await station(client, county)
    cadre = await user_headers("cun", "village_cadre", SHUANGFENG)
    report = {
        "id": str(uuid.uuid4()),
        "reported_on": "2024-07-20",
        "text": "暴雨后3块组件破损，支架倾斜",
        "photo_refs": ["photos/2024/07/20/a.jpg", "photos/2024/07/20/b.jpg"],
    }
    faults = f"{STATIONS}/{made['id']}/faults"
    first = await client.post(faults, json=report, headers=cadre)
    assert first.status_code == 201, first.text
    alarm = first.json()
    assert (alarm["kind"], alarm["state"], alarm["due_on"], alarm["id"]) == (
        "damage",
        "open",
        "2024-08-04",
        report["id"],
    )
    assert alarm["photo_refs"] == report["photo_refs"] and alarm["actions"] == []
    assert (await client.post(faults, json=report, headers=cadre)).status_code == 200
    other = await client.post(faults, json=report | {"text": "另一处故障"}, headers=cadre)
    assert other.status_code == 409 and other.json()["code"] == "report_id_in_use"
    assert len((await client.get(ALARMS, params={"kind": "damage"}, headers=county)).json()["items"]) == 1
    # Not without a photo; not from another village; not from a bureau's system.
    bare = await client.post(faults, json=report | {"id": str(uuid.uuid4()), "photo_refs": []}, headers=cadre)
    assert bare.status_code == 422
    huangjin = await user_headers("huangjin", "village_cadre", HUANGJIN)
    away = await client.post(faults, json=report | {"id": str(uuid.uuid4())}, headers=huangjin)
    assert away.status_code == 404 and away.json()["code"] == "station_not_found"
    partner = await user_headers("guangfu", "bureau_partner", COUNTY)
    assert (
        await client.post(faults, json=report | {"id": str(uuid.uuid4())}, headers=partner)
    ).status_code == 403
    # Past its deadline (4 August) and not fixed, it is overdue (逾期未整改).
    for day, overdue in (("2024-08-04", []), ("2024-08-05", [alarm["id"]])):
        listed = (await client.get(ALARMS, params={"overdue_on": day}, headers=county)).json()["items"]
        assert [a["id"] for a in listed] == overdue, day
    # The county can close it straight away.
    fixed = await client.post(
        f"{ALARMS}/{alarm['id']}/actions", json={"action": "fixed", "on": "2024-07-25"}, headers=county
    )
    assert (fixed.json()["state"], fixed.json()["fixing_on"], fixed.json()["fixed_on"]) == (
        "fixed",
        "2024-07-25",
        "2024-07-25",
    )
    assert (await client.get(ALARMS, params={"overdue_on": "2024-08-05"}, headers=county)).json()[
        "items"
    ] == []


async def test_an_areas_expected_output_decides_what_is_low_and_an_ended_month_is_judged_once_on_request(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    country = await admin.get("/api/v1/station-expectations/000000000000")
    assert country.status_code == 200 and country.json()["set_at"] is None
    county = await user_headers("xian", "county_admin", COUNTY)
    partner = await user_headers("guangfu", "bureau_partner", COUNTY)
    default = (await client.get(f"/api/v1/station-expectations/{SHUANGFENG}", headers=county)).json()
    assert (default["set_at"], default["kwh_per_kw"][4], default["low_share_pct"]) == (None, 145, 60)
    # The town expects less of its months (a valley, shaded): 8,000 kWh in May from 100 kW is fine there.
    table = {"kwh_per_kw": [60, 70, 90, 100, 110, 105, 100, 100, 90, 80, 60, 50], "low_share_pct": 70}
    put = await client.put(f"/api/v1/station-expectations/{OTHER_TOWN}", json=table, headers=county)
    assert put.status_code == 200 and put.json()["set_at"] == OTHER_TOWN
    village = (await client.get(f"/api/v1/station-expectations/{SHUANGFENG}", headers=county)).json()
    assert (village["set_at"], village["kwh_per_kw"][4], village["low_share_pct"]) == (OTHER_TOWN, 110, 70)
    cadre = await user_headers("cun", "village_cadre", SHUANGFENG)
    assert (
        await client.put(f"/api/v1/station-expectations/{SHUANGFENG}", json=table, headers=cadre)
    ).status_code == 403

    fine, gappy = await station(client, county), await station(client, county, name="二号")
    # 100 kW × 110 × 70% = 7,700: 260 a day (8,060) is fine. The second station sent 20 days only: its
    # month is not whole, so nothing is judged until the county asks for the ended month.
    feed = month_of_days(fine["id"], 2024, 5, 260) + month_of_days(gappy["id"], 2024, 5, 300)[:20]
    result = (await client.post(f"{READINGS}/batch", json={"readings": feed}, headers=partner)).json()
    assert result["created"] == 51 and all(i["raised"] == [] for i in result["items"])
    assert (await client.get(f"{STATIONS}/{gappy['id']}", headers=county)).json()["months"] == []
    judged = await client.post(f"{ALARMS}/evaluate", json={"month": "2024-05"}, headers=county)
    assert judged.json() == {"judged": 1, "raised": 1}  # 6,000 < 7,700
    again = await client.post(f"{ALARMS}/evaluate", json={"month": "2024-05"}, headers=county)
    assert again.json() == {"judged": 0, "raised": 0}
    low = (await client.get(ALARMS, params={"kind": "low_output"}, headers=county)).json()["items"]
    assert [a["station_id"] for a in low] == [gappy["id"]]
    unended = await client.post(f"{ALARMS}/evaluate", json={"month": "2099-01"}, headers=county)
    assert unended.status_code == 422


async def test_revenue_allocation_never_exceeds_the_revenue_and_each_change_is_audited(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    made = await station(client, county)
    revenue = f"{STATIONS}/{made['id']}/revenues/2024-05"
    body = {
        "revenue_fen": 1 * WAN,
        "to_posts_fen": 6000_00,
        "to_households_fen": 3000_00,
        "to_village_fen": 1000_00,
    }
    assert (await client.put(revenue, json=body, headers=county)).status_code == 200
    over = await client.put(revenue, json=body | {"to_village_fen": 1001_00}, headers=county)
    assert over.status_code == 422 and over.json()["code"] == "allocation_above_revenue"
    lower = await client.put(revenue, json=body | {"revenue_fen": 9000_00}, headers=county)
    assert lower.status_code == 422
    detail = (await client.get(f"{STATIONS}/{made['id']}", headers=county)).json()
    assert detail["revenues"] == [
        {
            "month": "2024-05-01",
            "revenue_fen": 1 * WAN,
            "to_posts_fen": 6000_00,
            "to_households_fen": 3000_00,
            "to_village_fen": 1000_00,
        }
    ]
    # More income later in the month: the change is audited old → new.
    changed = await client.put(revenue, json=body | {"revenue_fen": 12000_00}, headers=county)
    assert changed.status_code == 200
    early = await client.put(f"{STATIONS}/{made['id']}/revenues/2023-05", json=body, headers=county)
    assert early.status_code == 422 and early.json()["code"] == "date_too_early"
    cadre = await user_headers("cun", "village_cadre", SHUANGFENG)
    assert (await client.put(revenue, json=body, headers=cadre)).status_code == 403
    auditor = await user_headers("shenji", "auditor", COUNTY)
    params = {"resource_type": "station", "resource_id": made["id"], "limit": "100"}
    events = await client.get("/api/v1/audit/events", params=params, headers=auditor)
    assert events.status_code == 200, events.text
    changes = [
        json.loads(e["changes"]) for e in reversed(events.json()["items"]) if e["action"] == "station.revenue"
    ]
    assert changes == [
        {f"revenue.2024-05.{name}": [None, fen] for name, fen in body.items()},
        {"revenue.2024-05.revenue_fen": [1 * WAN, 12000_00]},
    ]


async def test_the_station_ledger_lists_each_station_with_its_village_month_and_money_in_chinese(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    county = await user_headers("xian", "county_admin", COUNTY)
    partner = await user_headers("guangfu", "bureau_partner", COUNTY)
    low = await station(client, county, name="双丰村一号电站")
    await station(client, county, village=HUANGJIN, name="黄金村电站")
    feed = month_of_days(low["id"], 2024, 5, 200)
    assert (
        await client.post(f"{READINGS}/batch", json={"readings": feed}, headers=partner)
    ).status_code == 200
    revenue = {"revenue_fen": 5000_00, "to_posts_fen": 3000_00}
    assert (
        await client.put(f"{STATIONS}/{low['id']}/revenues/2024-05", json=revenue, headers=county)
    ).status_code == 200
    params = {"within": OTHER_TOWN, "month": "2024-05", "format": "csv"}
    response = await client.get(f"{STATIONS}/export", params=params, headers=county)
    assert response.status_code == 200, response.text
    assert "stations-610924108000-2024-05.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:10] == [
        "电站名称",
        "村代码",
        "村名称",
        "装机容量（千瓦）",
        "并网日期",
        "统计月份",
        "月发电量（千瓦时）",
        "月预期发电量（千瓦时）",
        "低效运行",
        "未处置告警数",
    ]
    assert [r[:14] for r in rows[1:]] == [
        [
            "双丰村一号电站",
            SHUANGFENG,
            "双丰村",
            "100",
            "2023-06-30",
            "2024-05",
            "6200",
            "14500",
            "是",
            "1",
            "500000",
            "300000",
            "0",
            "0",
        ]
    ]
    # Another month has no figures yet; the village cadre elsewhere sees none of it.
    june = await client.get(f"{STATIONS}/export", params=params | {"month": "2024-06"}, headers=county)
    assert list(csv.reader(io.StringIO(june.content.decode("utf-8-sig"))))[1][5:10] == [
        "2024-06",
        "",
        "",
        "",
        "1",
    ]
    huangjin = await user_headers("huangjin", "village_cadre", HUANGJIN)
    theirs = await client.get(f"{STATIONS}/export", params={"format": "csv"}, headers=huangjin)
    assert [r[0] for r in csv.reader(io.StringIO(theirs.content.decode("utf-8-sig")))][1:] == ["黄金村电站"]
