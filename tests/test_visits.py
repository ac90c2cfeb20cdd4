"""Visit compliance: each paired cadre visits each household within the configured interval."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.support.events import relay_of
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import (
    HUANGJIN,
    LONGQUAN,
    TOWN,
    delete_household,
    make_areas,
    make_household,
    move_household,
)


async def pair(
    admin: httpx.AsyncClient, name: str, village: str, households: list[dict]
) -> tuple[str, list[str]]:
    """A new cadre paired with the households from 2025-01-01: its id and the pairings' ids."""
    cadre = await admin.post("/api/v1/cadres", json={"area_code": village, "name": name, "unit": "镇政府"})
    assert cadre.status_code == 201, cadre.text
    pairings = []
    for household in households:
        body = {"household_id": household["id"], "starts_on": "2025-01-01"}
        paired = await admin.post(f"/api/v1/cadres/{cadre.json()['id']}/assignments", json=body)
        assert paired.status_code == 201, paired.text
        pairings.append(paired.json()["id"])
    return cadre.json()["id"], pairings


async def test_overdue_visits_by_cadre_village_and_town(
    system: FastAPI,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025, visit_interval_days=90)
    a1, a2 = [await make_household(admin, HUANGJIN, members=1) for _ in range(2)]
    b1 = await make_household(admin, LONGQUAN, members=1)
    li, _ = await pair(admin, "李干部", HUANGJIN, [a1, a2])
    wang, _ = await pair(admin, "王干部", LONGQUAN, [b1])

    visits = [
        (a1, li, "2025-05-20"),
        (a2, li, "2025-02-01"),
        (b1, wang, "2025-01-15"),
        (a2, None, "2025-06-01"),
    ]
    for household, cadre, day in visits:
        visit = inspection(household["id"], visited_at=f"{day}T10:00:00+08:00", cadre_id=cadre)
        assert (await admin.post("/api/v1/inspections", json=visit)).status_code == 201
    # The pairings reach monitoring by the registry's events (the relay runs every second or so).
    before = (await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-06-30"})).json()
    assert (before["pairings"], before["by_cadre"], before["items"]) == (0, [], [])
    await relay_of(system, "registry").deliver_pending()

    report = await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-06-30"})
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["pairings"], body["overdue"]) == (3, 2)
    # a2: due 90 days after 2025-02-01 (a visit by someone else does not count); b1: due 2025-04-15.
    assert [(i["household_id"], i["due_on"], i["days_overdue"]) for i in body["items"]] == [
        (b1["id"], "2025-04-15", 76),
        (a2["id"], "2025-05-02", 59),
    ]
    assert {c["name"]: (c["pairings"], c["overdue"]) for c in body["by_cadre"]} == {
        "李干部": (2, 1),
        "王干部": (1, 1),
    }
    assert {v["key"]: (v["pairings"], v["overdue"]) for v in body["by_village"]} == {
        HUANGJIN: (2, 1),
        LONGQUAN: (1, 1),
    }
    assert body["by_town"] == [{"key": TOWN, "name": None, "pairings": 3, "overdue": 2}]

    # A village cadre sees its own village only; the quarter before, nobody was late.
    cadre = await user_headers("cadre", "village_cadre", HUANGJIN)
    own = (await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-06-30"}, headers=cadre)).json()
    assert (own["pairings"], own["overdue"]) == (2, 1)
    early = (await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-03-31"})).json()
    assert early["overdue"] == 0


async def test_compliance_follows_ends_moves_and_deletes(system: FastAPI, admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025, visit_interval_days=90)
    households = [await make_household(admin, HUANGJIN, members=1) for _ in range(4)]
    cadre, pairings = await pair(admin, "李干部", HUANGJIN, households)
    await relay_of(system, "registry").deliver_pending()
    report = await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-06-30"})
    assert report.status_code == 200, report.text
    assert (report.json()["pairings"], report.json()["overdue"]) == (4, 4)
    stats = await admin.get("/api/v1/monitoring-stats", params={"area": TOWN, "as_of": "2025-06-30"})
    assert stats.status_code == 200, stats.text
    assert stats.json()["visits"] == {"pairings": 4, "visited": 0, "not_yet_due": 0, "overdue": 4}

    # One pairing ends, one household moves to 龙泉村, one is deleted.
    ended = await admin.post(f"/api/v1/cadres/assignments/{pairings[0]}/end", json={"ends_on": "2025-03-31"})
    assert ended.status_code == 200, ended.text
    await move_household(admin, households[1], LONGQUAN)
    await delete_household(admin, households[2])
    await relay_of(system, "registry").deliver_pending()
    body = (await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-06-30"})).json()
    assert (body["pairings"], body["overdue"]) == (2, 2)
    assert {v["key"]: v["pairings"] for v in body["by_village"]} == {HUANGJIN: 1, LONGQUAN: 1}
    assert body["by_cadre"] == [{"key": cadre, "name": "李干部", "pairings": 2, "overdue": 2}]
    early = (await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-03-31"})).json()
    assert (early["pairings"], early["overdue"]) == (3, 0)  # the ended pairing was in force that day
