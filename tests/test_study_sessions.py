"""The session log (学习/培训/宣传): a retry logs once, names are counted, and 篇4's figures — 18 sessions
and 600余人次 for cadres, 1,200余人次 of villagers — come from the log through /oversight-stats."""

from __future__ import annotations

import httpx

from tests.conftest import UserFactory
from tests.support.oversight import session_body
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, OTHER_TOWN, SHUANGFENG, TOWN, make_areas

SESSIONS = "/api/v1/study-sessions"


async def test_a_session_is_logged_once_and_named_attendees_are_counted(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    body = session_body()
    first = await client.post(SESSIONS, json=body, headers=village)
    assert (first.status_code, first.json()["attendance"]) == (201, 35)
    assert (await client.post(SESSIONS, json=body, headers=village)).status_code == 200
    changed = await client.post(SESSIONS, json=body | {"attendance": 36}, headers=village)
    assert (changed.status_code, changed.json()["code"]) == (409, "session_id_in_use")
    named = session_body(attendance=None, attendees=["张三", "李四", "王五"], audience="villagers")
    del named["attendance"]
    counted = await client.post(SESSIONS, json=named, headers=village)
    assert (counted.status_code, counted.json()["attendance"]) == (201, 3), counted.text
    wrong = session_body(attendance=2, attendees=["张三", "李四", "王五"])
    assert (await client.post(SESSIONS, json=wrong, headers=village)).status_code == 422
    neither = session_body()
    del neither["attendance"]
    assert (await client.post(SESSIONS, json=neither, headers=village)).status_code == 422
    outside = await client.post(SESSIONS, json=session_body(area_code=LONGQUAN), headers=village)
    assert (outside.status_code, outside.json()["code"]) == (403, "outside_scope")
    listed = await client.get(SESSIONS, params={"audience": "villagers"}, headers=village)
    assert [s["id"] for s in listed.json()["items"]] == [named["id"]]
    sibling = await user_headers("cun2", "village_cadre", LONGQUAN)
    hidden = await client.get(f"{SESSIONS}/{body['id']}", headers=sibling)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "session_not_found")


async def test_the_towns_sessions_and_attendance_by_kind_and_audience_come_from_the_log(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    county = await user_headers("xian", "county_admin", COUNTY)
    # 篇4: 18 sessions for cadres (12 study, 6 training) with 612 人次; villagers' publicity 1,230 人次.
    bodies = [session_body(area_code=TOWN, attendance=34, held_on=f"2025-{m:02d}-10") for m in range(1, 13)]
    bodies += [session_body(kind="training", attendance=34, held_on="2025-06-15") for _ in range(6)]
    bodies += [
        session_body(area_code=LONGQUAN, kind="publicity", audience="villagers", attendance=410)
        for _ in range(3)
    ]
    bodies.append(session_body(area_code=SHUANGFENG, attendance=50))  # another town's
    bodies.append(session_body(area_code=TOWN, held_on="2024-12-30", attendance=20))  # last year's
    for body in bodies:
        assert (await client.post(SESSIONS, json=body, headers=county)).status_code == 201
    stats = await client.get(
        "/api/v1/oversight-stats", params={"area": TOWN, "as_of": "2025-12-31"}, headers=town
    )
    assert stats.status_code == 200, stats.text
    figures = stats.json()["sessions"]
    assert figures == {
        "since": "2025-01-01",
        "sessions": 21,
        "attendance": 612 + 1230,
        "cadre_attendance": 612,
        "villager_attendance": 1230,
    }
    by_kind = {k["kind"]: k for k in stats.json()["sessions_by_kind"]}
    assert (by_kind["study"]["cadre_sessions"], by_kind["training"]["cadre_sessions"]) == (12, 6)
    assert (by_kind["publicity"]["villager_sessions"], by_kind["publicity"]["label"]) == (3, "宣传")
    assert by_kind["study"]["cadre_sessions"] + by_kind["training"]["cadre_sessions"] == 18
    # A period: the first half-year only.
    half = await client.get(
        "/api/v1/oversight-stats",
        params={"area": TOWN, "as_of": "2025-06-30", "since": "2025-01-01"},
        headers=town,
    )
    assert half.json()["sessions"]["sessions"] == 6 + 6 + 3
    bad = await client.get(
        "/api/v1/oversight-stats",
        params={"area": TOWN, "as_of": "2025-01-01", "since": "2025-06-01"},
        headers=town,
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "since_after_as_of")
    other = await client.get(
        "/api/v1/oversight-stats", params={"area": OTHER_TOWN, "as_of": "2025-12-31"}, headers=county
    )
    assert other.json()["sessions"]["attendance"] == 50
