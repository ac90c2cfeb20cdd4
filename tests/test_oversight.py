"""The oversight service through the gateway: support units and their work teams in the caller's area,
check-ins from flaky phones counted once and far ones kept and flagged, and days in the village against
篇5's targets (or the county's own) projected to the year's end on a test calendar."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from tests.conftest import UserFactory
from tests.support.oversight import LAT, LON, check_in_body, team_body, unit_body
from tests.support.registry import COUNTY, HUANGJIN, OTHER_TOWN, SHUANGFENG, TOWN, make_areas
from tests.support.system import Database
from tests.test_rollups import reports_verify

UNITS, TEAMS, CHECK_INS = "/api/v1/support-units", "/api/v1/work-teams", "/api/v1/check-ins"


async def stationed(client: httpx.AsyncClient, headers: dict | None = None, **team: Any) -> dict[str, Any]:
    unit = await client.post(UNITS, json=unit_body(), headers=headers)
    assert unit.status_code == 201, unit.text
    response = await client.post(TEAMS, json=team_body(unit.json()["id"], **team), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def check_in(client: httpx.AsyncClient, member: str, day: date, **more: Any) -> httpx.Response:
    return await client.post(
        CHECK_INS, json=check_in_body(member, f"{day.isoformat()}T08:30:00+08:00", **more)
    )


async def test_a_unit_stations_a_team_in_a_village_it_supports_and_retries_are_exact(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    client.headers.update(county)
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    sibling = await user_headers("cun2", "village_cadre", SHUANGFENG)
    unit = unit_body()
    assert (await client.post(UNITS, json=unit, headers=county)).status_code == 201
    assert (await client.post(UNITS, json=unit, headers=county)).status_code == 200  # a retry
    changed = await client.post(UNITS, json=unit | {"name": "另一单位"}, headers=county)
    assert (changed.status_code, changed.json()["code"]) == (409, "unit_id_in_use")
    # A village outside the unit's area; a village cadre may not register units.
    outside = await client.post(
        UNITS, json=unit_body(area_code=TOWN, villages=[OTHER_TOWN[:9] + "201"]), headers=county
    )
    assert (outside.status_code, outside.json()["code"]) == (422, "village_outside_area")
    assert (await client.post(UNITS, json=unit_body(), headers=village)).status_code == 403

    body = team_body(unit["id"])
    team = await client.post(TEAMS, json=body, headers=county)
    assert team.status_code == 201, team.text
    assert sorted(m["role"] for m in team.json()["members"]) == ["first_secretary", "leader", "member"]
    assert {m["duty"] for m in team.json()["members"]} == {"work_team"}
    assert (await client.post(TEAMS, json=body, headers=county)).status_code == 200
    # Another team naming a member's id already on this one.
    reused = team_body(unit["id"])
    reused["members"][1]["id"] = body["members"][0]["id"]
    taken = await client.post(TEAMS, json=reused, headers=county)
    assert (taken.status_code, taken.json()["code"]) == (409, "member_id_in_use")
    # Two teams at once sharing a member's id: one is stationed, the other refused (never a 500).
    first, second = team_body(unit["id"]), team_body(unit["id"])
    second["members"][0]["id"] = first["members"][0]["id"]
    raced = await asyncio.gather(*(client.post(TEAMS, json=b, headers=county) for b in (first, second)))
    assert sorted(r.status_code for r in raced) == [201, 409], [r.text for r in raced]
    # The unit supports 黄金村 only.
    elsewhere = await client.post(TEAMS, json=team_body(unit["id"], village=SHUANGFENG), headers=county)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "unit_not_supporting_village")
    # 黄金村's cadre sees the team and the unit; 双丰村's sees neither.
    assert (await client.get(f"{TEAMS}/{body['id']}", headers=village)).status_code == 200
    assert (await client.get(f"{UNITS}/{unit['id']}", headers=village)).status_code == 200
    hidden = await client.get(f"{TEAMS}/{body['id']}", headers=sibling)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "team_not_found")
    assert (await client.get(f"{UNITS}/{unit['id']}", headers=sibling)).status_code == 404
    assert (await client.get(TEAMS, headers=sibling)).json()["items"] == []
    assert len((await client.get(TEAMS, headers=village)).json()["items"]) == 2  # one raced in


async def test_a_members_cadre_id_is_a_registry_cadre_in_the_callers_area(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    mine = await admin.post(
        "/api/v1/cadres", json={"area_code": HUANGJIN, "name": "王书记", "unit": "县乡村振兴局"}
    )
    theirs = await admin.post(
        "/api/v1/cadres", json={"area_code": SHUANGFENG, "name": "李干部", "unit": "镇政府"}
    )
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    unit = await client.post(UNITS, json=unit_body(area_code=TOWN), headers=town)
    assert unit.status_code == 201, unit.text

    def team(cadre: str) -> dict[str, Any]:
        body = team_body(unit.json()["id"])
        body["members"][0]["cadre_id"] = cadre
        return body

    outside = await client.post(TEAMS, json=team(theirs.json()["id"]), headers=town)
    assert (outside.status_code, outside.json()["code"]) == (422, "cadre_not_found")
    unknown = await client.post(TEAMS, json=team(str(uuid.uuid4())), headers=town)
    assert (unknown.status_code, unknown.json()["code"]) == (422, "cadre_not_found")
    stationed_ = await client.post(TEAMS, json=team(mine.json()["id"]), headers=town)
    assert stationed_.status_code == 201, stationed_.text
    assert mine.json()["id"] in {m["cadre_id"] for m in stationed_.json()["members"]}


async def test_check_ins_from_a_flaky_phone_count_once_and_far_ones_are_kept_and_flagged(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    client.headers.update(county)
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    sibling = await user_headers("cun2", "village_cadre", SHUANGFENG)
    team = await stationed(client, county)
    member = team["members"][0]["id"]

    # The village's first check-in sets its point; the phone sends it twice: one check-in.
    first = check_in_body(member, "2024-03-01T08:30:00+08:00")
    sent = await client.post(CHECK_INS, json=first, headers=village)
    assert sent.status_code == 201, sent.text
    assert (sent.json()["distance_m"], sent.json()["far"]) == (None, False)
    again = await client.post(CHECK_INS, json=first, headers=village)
    assert (again.status_code, again.json()) == (200, sent.json())
    other = await client.post(CHECK_INS, json=first | {"latitude": LAT + 1}, headers=village)
    assert (other.status_code, other.json()["code"]) == (409, "check_in_id_in_use")
    # The same day again, about 1.1 km off: near. Another day, about 5.6 km off: kept, flagged far.
    near = await client.post(
        CHECK_INS,
        json=check_in_body(member, "2024-03-01T17:00:00+08:00", latitude=LAT + 0.01),
        headers=village,
    )
    assert (near.status_code, near.json()["far"]) == (201, False)
    assert 1000 < near.json()["distance_m"] < 1200
    far = await client.post(
        CHECK_INS,
        json=check_in_body(member, "2024-03-02T08:00:00+08:00", longitude=LON + 0.06),
        headers=village,
    )
    assert (far.status_code, far.json()["far"]) == (201, True)
    flagged = (await client.get(CHECK_INS, params={"far": "true"}, headers=county)).json()["items"]
    assert [c["id"] for c in flagged] == [far.json()["id"]]
    # A member of another village's team is not the caller's; a day before the member joined is refused.
    refused = await client.post(CHECK_INS, json=check_in_body(member), headers=sibling)
    assert (refused.status_code, refused.json()["code"]) == (422, "member_not_found")
    early = await client.post(
        CHECK_INS, json=check_in_body(member, "2023-12-31T09:00:00+08:00"), headers=village
    )
    assert (early.status_code, early.json()["code"]) == (422, "outside_membership")
    future = (date.today() + timedelta(days=3)).isoformat()
    ahead = await client.post(
        CHECK_INS, json=check_in_body(member, f"{future}T09:00:00+08:00"), headers=village
    )
    assert (ahead.status_code, ahead.json()["code"]) == (422, "date_in_future")

    # Three check-ins over two days: two days in the village, by the rollups and by the member's row.
    presence = (await client.get("/api/v1/presence", params={"area": HUANGJIN, "as_of": "2024-03-31"})).json()
    assert {i["member_id"]: i["days_present"] for i in presence["items"]}[member] == 2
    stats = (
        await client.get("/api/v1/oversight-stats", params={"area": HUANGJIN, "as_of": "2024-03-31"})
    ).json()
    assert (stats["days_present"], stats["members"]) == (2, 3)
    assert {d["duty"]: d["days_present"] for d in stats["by_duty"]}["work_team"] == 2


async def test_a_batch_of_check_ins_kept_offline_is_answered_item_by_item_and_sent_again_changes_nothing(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    county = await user_headers("xian", "county_admin", COUNTY)
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    client.headers.update(county)
    members = [m["id"] for m in (await stationed(client))["members"]]
    first = check_in_body(members[0], "2024-03-04T08:00:00+08:00")
    items = [
        first,
        check_in_body(members[1], "2024-03-04T08:05:00+08:00", longitude=LON + 0.1),  # about 9 km off
        check_in_body(str(uuid.uuid4())),  # no such member
        {"id": str(uuid.uuid4()), "member_id": members[2]},  # no time, no place
        first,  # the same item twice in one batch
        first | {"latitude": LAT + 0.001},  # its id again with another body
    ]
    sent = await client.post(f"{CHECK_INS}/batch", json={"items": items}, headers=village)
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    assert (answer["created"], answer["duplicates"], answer["failed"]) == (2, 1, 3)
    statuses = [(i["status"], (i["error"] or {}).get("code")) for i in answer["items"]]
    assert statuses == [
        ("created", None),
        ("created", None),
        ("invalid", "member_not_found"),
        ("invalid", "validation_failed"),
        ("duplicate", None),
        ("conflict", "check_in_id_in_use"),
    ]
    assert (answer["items"][0]["far"], answer["items"][1]["far"]) == (False, True)
    assert answer["items"][1]["distance_m"] > 9000
    again = (await client.post(f"{CHECK_INS}/batch", json={"items": items[:2]}, headers=village)).json()
    assert (again["created"], again["duplicates"]) == (0, 2)
    # The single endpoint answers the batch's item as a retry.
    single = await client.post(CHECK_INS, json=first, headers=village)
    assert (single.status_code, single.json()["id"]) == (200, first["id"])
    stored = (await client.get(CHECK_INS, headers=county)).json()["items"]
    assert len(stored) == 2


async def test_days_in_the_village_against_the_target_projected_to_the_years_end(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    """2024 (366 days), as of 3/31 (91 days served): 50 days projects to 201 < 220 (篇5's), short by 19;
    60 days to 241. A county target of 180 days puts the first back on track."""
    county = await user_headers("xian", "county_admin", COUNTY)
    client.headers.update(county)
    members = [
        {"id": str(uuid.uuid4()), "name": "王书记", "role": "first_secretary", "starts_on": "2024-01-01"},
        {"id": str(uuid.uuid4()), "name": "李队长", "role": "leader", "starts_on": "2024-01-01"},
        {
            "id": str(uuid.uuid4()),
            "name": "赵干部",
            "role": "member",
            "duty": "town_cadre",
            "starts_on": "2024-01-01",
        },
    ]
    await stationed(client, county, members=members)
    slow, steady, town = (m["id"] for m in members)
    start = date(2024, 1, 1)
    for n in range(60):
        for member in (slow, steady) if n < 50 else (steady,):
            response = await check_in(client, member, start + timedelta(days=n))
            assert response.status_code == 201, response.text
    for n in range(30):  # a town cadre 30 days: 3 days a week over the year is 157; projects to 121
        assert (await check_in(client, town, start + timedelta(days=n))).status_code == 201

    async def presence() -> dict[str, dict[str, Any]]:
        params = {"area": HUANGJIN, "as_of": "2024-03-31"}
        items = (await client.get("/api/v1/presence", params=params)).json()["items"]
        return {i["member_id"]: i for i in items}

    found = await presence()
    assert (found[slow]["days_present"], found[slow]["target_days"], found[slow]["projected_days"]) == (
        50,
        220,
        201,
    )
    assert (found[slow]["shortfall_days"], found[slow]["behind"], found[slow]["target_source"]) == (
        19,
        True,
        "default",
    )
    assert (found[steady]["projected_days"], found[steady]["behind"]) == (241, False)
    assert (found[town]["target_days"], found[town]["projected_days"], found[town]["behind"]) == (
        157,
        121,
        True,
    )
    behind = await client.get(
        "/api/v1/presence", params={"area": TOWN, "as_of": "2024-03-31", "behind": "true"}
    )
    assert {i["member_id"] for i in behind.json()["items"]} == {slow, town}
    stats = (
        await client.get("/api/v1/oversight-stats", params={"area": COUNTY, "as_of": "2024-03-31"})
    ).json()
    assert (stats["members"], stats["days_present"], stats["behind"]) == (3, 140, 2)

    # The county sets its own target for the team: 180 days; a village cadre may not.
    target = {"area_code": COUNTY, "year": 2024, "duty": "work_team", "days_per_year": 180}
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    assert (await client.put("/api/v1/presence-targets", json=target, headers=village)).status_code == 403
    assert (await client.put("/api/v1/presence-targets", json=target, headers=county)).status_code == 200
    found = await presence()
    assert (found[slow]["target_days"], found[slow]["behind"], found[slow]["target_source"]) == (
        180,
        False,
        COUNTY,
    )
    both = await client.put("/api/v1/presence-targets", json=target | {"days_per_week": 3}, headers=county)
    assert both.status_code == 422
    # Another year's target leaves 2024's figures as they were.
    later = target | {"year": 2025, "days_per_year": 300}
    assert (await client.put("/api/v1/presence-targets", json=later, headers=county)).status_code == 200
    assert (await presence())[slow]["target_days"] == 180
    listed = (await client.get("/api/v1/presence-targets", params={"year": 2024}, headers=county)).json()
    assert [(t["area_code"], t["days_per_year"]) for t in listed] == [(COUNTY, 180)]


async def test_the_area_report_has_a_presence_section(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    team = await stationed(admin)
    assert (await check_in(admin, team["members"][0]["id"], date(2024, 3, 1))).status_code == 201
    report = await admin.get("/api/v1/reports/area-summary", params={"area": TOWN, "as_of": "2024-03-31"})
    assert report.status_code == 200, report.text
    presence = report.json()["presence"]
    assert (presence["members"], presence["days_present"], presence["year"]) == (3, 1, 2024)


async def test_leave_approved_by_the_town_is_not_a_shortfall(
    client: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    """50 days in the village from 1 January, then leave from 20 February to 31 March (41 days): as of
    3/31, asked only, the member projects to 201 of 220 (behind); approved, the year has 325 days to
    serve, the target is 195 and the pace (50 of 50) projects to 325."""
    county = await user_headers("xian", "county_admin", COUNTY)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    village_admin = await user_headers("cunguan", "county_admin", HUANGJIN)
    client.headers.update(county)
    member = (await stationed(client))["members"][0]["id"]
    for n in range(50):
        assert (await check_in(client, member, date(2024, 1, 1) + timedelta(days=n))).status_code == 201

    async def figures() -> dict[str, Any]:
        params = {"area": HUANGJIN, "as_of": "2024-03-31"}
        items = (await client.get("/api/v1/presence", params=params)).json()["items"]
        return {i["member_id"]: i for i in items}[member]

    leave = {
        "id": str(uuid.uuid4()),
        "member_id": member,
        "starts_on": "2024-02-20",
        "ends_on": "2024-03-31",
        "reason": "住院治疗",
    }
    asked = await client.post("/api/v1/leaves", json=leave, headers=village)
    assert (asked.status_code, asked.json()["state"]) == (201, "requested")
    assert (await client.post("/api/v1/leaves", json=leave, headers=village)).status_code == 200
    before = await figures()
    assert (before["target_days"], before["projected_days"], before["behind"]) == (220, 201, True)

    decide = f"/api/v1/leaves/{leave['id']}/decision"
    refused = await client.post(decide, json={"approve": True}, headers=village)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    by_village = await client.post(decide, json={"approve": True}, headers=village_admin)
    assert (by_village.status_code, by_village.json()["code"]) == (403, "town_decides")
    no_reason = await client.post(decide, json={"approve": False}, headers=town)
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "note_required")
    approved = await client.post(decide, json={"approve": True}, headers=town)
    assert (approved.status_code, approved.json()["state"]) == (200, "approved"), approved.text
    again = await client.post(decide, json={"approve": False, "note": "改了"}, headers=town)
    assert (again.status_code, again.json()["code"]) == (409, "leave_decided")
    after = await figures()
    assert (after["target_days"], after["projected_days"], after["behind"]) == (195, 325, False)
    listed = (await client.get("/api/v1/leaves", params={"state": "approved"})).json()["items"]
    assert [row["id"] for row in listed] == [leave["id"]]


async def test_the_presence_rollups_equal_a_recount(admin: httpx.AsyncClient, database: Database) -> None:
    """Days in the village come from rollups: after check-ins (two on one day among them), retries and
    a batch, `fangpin reports verify` finds them equal to a recount from the raw rows."""
    members = [m["id"] for m in (await stationed(admin))["members"]]
    for n in range(5):
        day = date(2024, 4, 1) + timedelta(days=n)
        for member in members[: 1 + n % 3]:
            body = check_in_body(member, f"{day.isoformat()}T08:00:00+08:00")
            assert (await admin.post(CHECK_INS, json=body)).status_code == 201
            assert (await admin.post(CHECK_INS, json=body)).status_code == 200
    evening = [check_in_body(m, "2024-04-01T18:00:00+08:00") for m in members]
    assert (await admin.post(f"{CHECK_INS}/batch", json={"items": evening})).json()["created"] == 3
    stats = await admin.get("/api/v1/oversight-stats", params={"area": COUNTY, "as_of": "2024-04-30"})
    # 5, 3 and 1 mornings; the evening of 4/1 is a new day for the second and third only.
    assert stats.json()["days_present"] == 5 + (3 + 1) + (1 + 1)
    result = reports_verify(database)
    assert result.returncode == 0, result.stderr
    assert "oversight: the rollups equal a recount from the raw rows" in result.stderr
