"""The registry's event feed: typed events in commit order, only for the caller's area, none lost."""

from __future__ import annotations

import httpx

from tests.conftest import UserFactory
from tests.support.registry import HUANGJIN, LONGQUAN, SHUANGFENG, make_areas, make_household
from tests.support.system import asgi_client


async def all_events(client: httpx.AsyncClient, cursor: str | None = None) -> tuple[list[dict], str]:
    events: list[dict] = []
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/registry-events", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        events += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return events, cursor


async def test_health_death_and_moves_become_typed_events(
    admin: httpx.AsyncClient, user_headers: UserFactory, system
) -> None:
    await make_areas(admin)
    household = await make_household(admin, HUANGJIN, members=2)
    await make_household(admin, SHUANGFENG, members=1)
    created, cursor = await all_events(admin)
    assert sum("household.created" in e["types"] for e in created) == 2

    child = next(m for m in household["members"] if m["relation"] == "child")
    await admin.patch(f"/api/v1/people/{child['id']}", json={"base_version": 1, "health": "serious"})
    await admin.patch(f"/api/v1/people/{child['id']}", json={"base_version": 2, "deceased_on": "2026-11-01"})
    await admin.post(
        f"/api/v1/households/{household['id']}/move", json={"base_version": 1, "to_area_code": LONGQUAN}
    )
    later, cursor = await all_events(admin, cursor)
    by_type = [(e["entity_id"], t) for e in later for t in e["types"]]
    assert (child["id"], "person.health_changed") in by_type
    assert (child["id"], "person.deceased") in by_type
    assert (household["id"], "household.moved") in by_type
    health = next(e for e in later if "person.health_changed" in e["types"])
    assert health["changes"]["health"] == ["healthy", "serious"] and health["fields"] == ["health"]
    moved = next(e for e in later if "household.moved" in e["types"])
    assert (moved["old_area_code"], moved["area_code"]) == (HUANGJIN, LONGQUAN)
    assert (await admin.get("/api/v1/registry-events", params={"cursor": cursor})).json()["items"] == []

    # A cadre of 双丰村 sees only its village's events.
    async with asgi_client(
        system, headers=await user_headers("cadre_ev", "village_cadre", SHUANGFENG)
    ) as cadre:
        own, _ = await all_events(cadre)
        assert {e["area_code"] for e in own} == {SHUANGFENG}
        foreign = await cadre.get("/api/v1/registry-events", params={"cursor": cursor})
        assert foreign.status_code == 422
