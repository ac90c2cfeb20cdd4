"""The phones' sync feed: a phone that syncs at any moment ends with exactly the server's view."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from tests.conftest import UserFactory
from tests.support.registry import HUANGJIN, LONGQUAN, SHUANGFENG, TOWN, make_areas, make_household
from tests.support.system import asgi_client
from tests.support.world import World, everything


class Phone:
    """A phone's local copy: applies pages in order, keeps the cursor only after applying."""

    def __init__(self, client: httpx.AsyncClient, page_size: int) -> None:
        self.client = client
        self.page_size = page_size
        self.cursor: str | None = None
        self.households: dict[str, dict] = {}
        self.people: dict[str, dict] = {}

    async def pull_one_page(self) -> bool:
        params: dict[str, Any] = {"limit": self.page_size}
        if self.cursor:
            params["cursor"] = self.cursor
        response = await self.client.get("/api/v1/sync/changes", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        self.households |= {h["id"]: h for h in page["households"]}
        self.people |= {p["id"]: p for p in page["people"]}
        for tombstone in page["tombstones"]:
            store = self.households if tombstone["entity_type"] == "household" else self.people
            store.pop(tombstone["id"], None)
            for member_id in tombstone.get("member_ids") or []:  # deleted with their household
                self.people.pop(member_id, None)
        self.cursor = page["next_cursor"]
        return page["has_more"]

    async def sync(self) -> None:
        while await self.pull_one_page():
            pass

    def view(self) -> tuple[dict, dict]:
        return (
            {i: h["version"] for i, h in self.households.items()},
            {i: p["version"] for i, p in self.people.items()},
        )


async def server_view(client: httpx.AsyncClient) -> tuple[dict, dict]:
    households = await everything(client, "/api/v1/households")
    people = await everything(client, "/api/v1/people")
    return {h["id"]: h["version"] for h in households}, {p["id"]: p["version"] for p in people}


async def test_first_sync_then_changes_moves_out_of_scope_and_deletes_as_tombstones(
    admin: httpx.AsyncClient, user_headers: UserFactory, system
) -> None:
    await make_areas(admin)
    staying = await make_household(admin, HUANGJIN, members=2)
    leaving = await make_household(admin, HUANGJIN, members=1)
    await make_household(admin, SHUANGFENG, members=1)  # outside the phone's village
    async with asgi_client(system, headers=await user_headers("cadre_p", "village_cadre", HUANGJIN)) as cadre:
        phone = Phone(cadre, page_size=2)
        await phone.sync()
        assert set(phone.households) == {staying["id"], leaving["id"]}
        assert len(phone.people) == 3

        await admin.post(
            f"/api/v1/households/{leaving['id']}/move", json={"base_version": 1, "to_area_code": LONGQUAN}
        )
        child = next(m for m in staying["members"] if m["relation"] == "child")
        await admin.post(f"/api/v1/people/{child['id']}/delete", headers={"If-Match": '"1"'})
        await admin.patch(
            f"/api/v1/households/{staying['id']}", json={"base_version": 1, "phone": "13800000000"}
        )
        await phone.sync()
        assert set(phone.households) == {staying["id"]}
        assert phone.households[staying["id"]]["phone"] == "13800000000"
        assert set(phone.people) == {staying["head_person_id"]}
        assert phone.view() == await server_view(cadre)

        nothing_new = (await cadre.get("/api/v1/sync/changes", params={"cursor": phone.cursor})).json()
        assert (nothing_new["households"], nothing_new["people"], nothing_new["tombstones"]) == ([], [], [])

        bad = await cadre.get("/api/v1/sync/changes", params={"cursor": "not-a-cursor"})
        assert (bad.status_code, bad.json()["code"]) == (400, "invalid_cursor")


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_interleavings_converge_to_the_server_view(
    seed: int, admin: httpx.AsyncClient, user_headers: UserFactory, system
) -> None:
    rng = random.Random(seed)
    await make_areas(admin)
    world = World(admin, rng)
    scope = rng.choice([HUANGJIN, TOWN])
    role = "village_cadre" if scope == HUANGJIN else "town_reviewer"
    async with asgi_client(system, headers=await user_headers(f"phone{seed}", role, scope)) as phone_client:
        phone = Phone(phone_client, page_size=rng.choice([1, 3, 50]))
        for _ in range(60):
            if rng.random() < 0.3:
                await (phone.pull_one_page() if rng.random() < 0.5 else phone.sync())
            else:
                await world.step()
        await phone.sync()
        assert phone.view() == await server_view(phone_client)

        # A second phone starting from nothing reaches the same view.
        fresh = Phone(phone_client, page_size=7)
        await fresh.sync()
        assert fresh.view() == phone.view()
