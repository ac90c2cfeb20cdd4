"""A relocated household's handover, move-in and demolition (拆旧) recorded on a cadre's phone with photos,
offline: kept once by the phone's UUID, each kind once a household, a household outside the caller's
area refused alone; and the relocated people's work (后续扶持) counted per settlement from jobs."""

from __future__ import annotations

import uuid

import httpx

from fangpin.demo import DEMO_AREAS
from fangpin.demo_households import load_households
from fangpin.demo_relocation import SETTLEMENT_ID, load_relocation
from tests.conftest import UserFactory
from tests.support.projects import WAN
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, make_areas, make_household, seed_households
from tests.support.relocation import relocation_report
from tests.support.system import Database
from tests.test_relocation import SETTLEMENTS, make_settlement, sign_up

REPORTS = "/api/v1/relocation-reports"


async def test_a_cadres_phone_records_move_in_and_demolition_once_each(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory, clean_database: Database
) -> None:
    await make_areas(admin)
    county = await user_headers("xian", "county_admin", COUNTY)
    cadre = await user_headers("cun", "village_cadre", HUANGJIN)
    settlement = await make_settlement(client, county)
    [household, unsigned] = await seed_households(clean_database.owner_url, HUANGJIN, 2)
    assert (await sign_up(client, settlement, household, "A131", county)).status_code == 201

    moved = relocation_report(settlement["id"], household, "moved_in", "2026-08-01")
    sent = await client.post(REPORTS, json=moved, headers=cadre)
    assert sent.status_code == 201, sent.text
    assert sent.json()["photo_refs"] == moved["photo_refs"] and sent.json()["kind"] == "moved_in"
    again = await client.post(REPORTS, json=moved, headers=cadre)
    assert again.status_code == 200 and again.json()["id"] == moved["id"]
    changed = await client.post(REPORTS, json=moved | {"happened_on": "2026-08-02"}, headers=cadre)
    assert changed.status_code == 409 and changed.json()["code"] == "report_id_in_use"
    second = relocation_report(settlement["id"], household, "moved_in", "2026-08-03")
    twice = await client.post(REPORTS, json=second, headers=cadre)
    assert twice.status_code == 409 and twice.json()["code"] == "already_recorded"

    # What the phone kept offline: each item answered alone.
    items = [
        relocation_report(settlement["id"], household, "handed_over", "2026-07-20"),
        relocation_report(settlement["id"], household, "demolished", "2026-09-15"),
        relocation_report(settlement["id"], unsigned, "demolished", "2026-09-15"),  # not signed up
        relocation_report(settlement["id"], household, "demolished", "2999-01-01"),
        relocation_report(settlement["id"], household, "handed_over", "2025-01-01"),  # before sign-up
        moved,  # sent before: a duplicate
    ]
    answer = await client.post(f"{REPORTS}/batch", json={"items": items}, headers=cadre)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert [i["status"] for i in result["items"]] == [
        "created",
        "created",
        "invalid",
        "invalid",
        "invalid",
        "duplicate",
    ]
    assert (result["created"], result["duplicates"], result["failed"]) == (2, 1, 3)
    assert [i["error"]["code"] for i in result["items"][2:5]] == [
        "household_not_found",
        "date_in_future",
        "date_too_early",
    ]
    [row] = (await client.get(f"{SETTLEMENTS}/{settlement['id']}/households", headers=county)).json()["items"]
    assert (row["handed_over_on"], row["moved_in_on"], row["demolished_on"]) == (
        "2026-07-20",
        "2026-08-01",
        "2026-09-15",
    )
    figures = (
        await client.get(f"{SETTLEMENTS}/{settlement['id']}/figures?as_of=2026-08-31", headers=county)
    ).json()
    assert (figures["handed_over"], figures["moved_in"], figures["demolished"]) == (1, 1, 0)
    listed = (await client.get(REPORTS, params={"settlement_id": settlement["id"]}, headers=county)).json()
    assert len(listed["items"]) == 3

    # Another village's cadre cannot report on it: the household is unknown there.
    neighbour = await user_headers("longquan", "village_cadre", LONGQUAN)
    foreign = relocation_report(settlement["id"], household, "demolished", "2026-09-16")
    refused = await client.post(REPORTS, json=foreign, headers=neighbour)
    assert refused.status_code == 422 and refused.json()["code"] == "household_not_found"
    assert (await client.get(REPORTS, headers=neighbour)).json()["items"] == []


async def test_the_relocated_peoples_work_is_counted_per_settlement_from_jobs(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    county = await user_headers("xian", "county_admin", COUNTY)
    settlement = await make_settlement(client, county)
    first = await make_household(admin, HUANGJIN, members=2)
    second = await make_household(admin, HUANGJIN, members=1)
    stayed = await make_household(admin, HUANGJIN, members=1)  # not relocated: not counted
    for household in (first, second):
        assert (await sign_up(client, settlement, household["id"], "A131", county)).status_code == 201
    statuses = [
        (first["members"][0]["id"], "away_out_of_province"),  # 篇5: 修脚 in Wuhan
        (first["members"][1]["id"], "not_working"),
        (second["members"][0]["id"], "public_welfare_post"),
        (stayed["members"][0]["id"], "local"),
    ]
    for person, status in statuses:
        body = {"id": str(uuid.uuid4()), "person_id": person, "status": status, "source": "door_to_door"}
        made = await admin.post("/api/v1/employment-records", json=body | {"reported_on": "2026-03-01"})
        assert made.status_code == 201, made.text

    answer = await client.get(f"{SETTLEMENTS}/{settlement['id']}/figures?as_of=2026-04-01", headers=county)
    assert answer.status_code == 200, answer.text
    follow = answer.json()["follow_up"]
    assert (follow["people"], follow["working"]) == (3, 2)
    assert {s["status"]: s["people"] for s in follow["by_status"]} == {
        "away_out_of_province": 1,
        "not_working": 1,
        "public_welfare_post": 1,
    }
    # Before any record, nobody is counted; an auditor (who may read employment) sees the same.
    early = (
        await client.get(f"{SETTLEMENTS}/{settlement['id']}/figures?as_of=2026-01-01", headers=county)
    ).json()
    assert early["follow_up"] == {"people": 0, "working": 0, "by_status": []}
    auditor = await user_headers("shenji", "auditor", COUNTY)
    read = (
        await client.get(f"{SETTLEMENTS}/{settlement['id']}/figures?as_of=2026-04-01", headers=auditor)
    ).json()
    assert read["follow_up"]["people"] == 3  # an auditor may read employment records


async def test_the_demo_settlement_gives_pian5s_figures_and_a_reload_changes_nothing(
    admin: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for code, name in DEMO_AREAS:
        assert (await admin.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201
    await load_households(admin, admin_headers)
    assert await load_relocation(admin, admin_headers) == {"settlement_households": 58}
    url = f"{SETTLEMENTS}/{SETTLEMENT_ID}/figures"
    figures = (await admin.get(url, params={"as_of": "2026-01-10"})).json()
    assert (figures["planned_households"], figures["planned_relocated"], figures["planned_turnkey"]) == (
        58,
        42,
        16,
    )
    assert (figures["signed_up"], figures["paid_households"], figures["paid_fen"]) == (58, 36, 133 * WAN)
    assert (figures["late_payment"], figures["build_status"]) == (6, "started")
    june = (await admin.get(f"{SETTLEMENTS}/warnings", params={"as_of": "2026-07-01"})).json()
    assert sorted({w["kind"] for w in june["items"]}) == ["late_main_structure", "late_payment"]
    assert await load_relocation(admin, admin_headers) == {"settlement_households": 0}
    again = (await admin.get(url, params={"as_of": "2026-01-10"})).json()
    assert again["paid_fen"] == 133 * WAN
