"""The sync feed's bounds: signed cursors, a horizon past which a phone restarts cleanly, a change log
that compaction keeps bounded (the history keeps everything), a first sync without an extra empty page,
and tombstones that say why a record left."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from services.common.events.window import Position
from services.registry.sync.compaction import compact_change_log
from services.registry.sync.cursor import DELTA, SyncCursor, cursor_key
from tests.conftest import UserFactory
from tests.support.database import libpq_url
from tests.support.registry import (
    HUANGJIN,
    LONGQUAN,
    SHUANGFENG,
    TOWN,
    delete_household,
    make_areas,
    make_household,
    move_household,
)
from tests.support.system import Database, Keys, asgi_client
from tests.support.world import everything


class Phone:
    """A phone's local copy; a 409 sync_restart makes it start again from the cursor it is given."""

    def __init__(self, client: httpx.AsyncClient, page_size: int = 50) -> None:
        self.client = client
        self.page_size = page_size
        self.cursor: str | None = None
        self.households: dict[str, dict] = {}
        self.people: dict[str, dict] = {}
        self.tombstones: list[dict] = []
        self.pages = 0
        self.restarts = 0

    async def pull(self) -> bool:
        params: dict[str, Any] = {"limit": self.page_size} | ({"cursor": self.cursor} if self.cursor else {})
        response = await self.client.get("/api/v1/sync/changes", params=params)
        if response.status_code == 409 and response.json()["code"] == "sync_restart":
            self.restarts += 1
            self.households, self.people, self.cursor = {}, {}, response.json()["cursor"]
            return True
        assert response.status_code == 200, response.text
        page = response.json()
        self.pages += 1
        self.households |= {h["id"]: h for h in page["households"]}
        self.people |= {p["id"]: p for p in page["people"]}
        for tombstone in page["tombstones"]:
            self.tombstones.append(tombstone)
            store = self.households if tombstone["entity_type"] == "household" else self.people
            store.pop(tombstone["id"], None)
            for member_id in tombstone.get("member_ids") or []:
                self.people.pop(member_id, None)
        self.cursor = page["next_cursor"]
        return page["has_more"]

    async def sync(self) -> None:
        while await self.pull():
            pass

    async def sync_until(self, view: tuple[dict, dict], seconds: float = 30) -> None:
        """Sync until the phone holds ``view``: a window stays open while any transaction on the shared
        server that began before a change is still running."""
        deadline = time.monotonic() + seconds
        await self.sync()
        while self.view() != view and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            await self.sync()
        assert self.view() == view

    def view(self) -> tuple[dict, dict]:
        return (
            {i: h["version"] for i, h in self.households.items()},
            {i: p["version"] for i, p in self.people.items()},
        )


async def server_view(client: httpx.AsyncClient) -> tuple[dict, dict]:
    households = await everything(client, "/api/v1/households")
    people = [p for p in await everything(client, "/api/v1/people") if not p.get("deceased_on")]
    return {h["id"]: h["version"] for h in households}, {p["id"]: p["version"] for p in people}


async def log_rows(database: Database, table: str = "record_changes") -> int:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        return await conn.fetchval(f"SELECT count(*) FROM registry.{table}")  # noqa: S608 - our names
    finally:
        await conn.close()


async def compact(system: FastAPI, before: datetime) -> int:
    return await compact_change_log(system.state.local_apps["registry"].state.database.sessionmaker, before)


async def test_a_first_sync_is_whole_pages_with_no_empty_page_after_them(
    admin: httpx.AsyncClient, user_headers: UserFactory, system: FastAPI
) -> None:
    await make_areas(admin)
    for _ in range(3):
        await make_household(admin, HUANGJIN, members=1)  # 3 households and 3 people: 6 records
    async with asgi_client(system, headers=await user_headers("cadre_w", "village_cadre", HUANGJIN)) as c:
        for page_size, pages in ((2, 3), (3, 2), (6, 1), (50, 1)):
            phone = Phone(c, page_size)
            await phone.sync()
            assert (phone.pages, len(phone.households), len(phone.people)) == (pages, 3, 3), page_size


async def test_tampered_and_old_cursors(
    admin: httpx.AsyncClient, user_headers: UserFactory, system: FastAPI, keys: Keys
) -> None:
    await make_areas(admin)
    await make_household(admin, HUANGJIN, members=2)
    async with asgi_client(system, headers=await user_headers("cadre_c", "village_cadre", HUANGJIN)) as c:
        phone = Phone(c)
        await phone.sync()
        assert phone.cursor is not None
        body, signature = phone.cursor.split(".")
        for forged in (f"{body}x.{signature}", f"{body}.{signature[:-2]}AA", body + "."):
            bad = await c.get("/api/v1/sync/changes", params={"cursor": forged})
            assert (bad.status_code, bad.json()["code"]) == (400, "invalid_cursor"), forged

        # A cursor issued before the horizon (31 days ago; the horizon is 30) restarts cleanly.
        key = cursor_key(keys.national_id_key)
        position = Position(1)
        month_old = SyncCursor(HUANGJIN, DELTA, position, issued=int(time.time()) - 31 * 86_400)
        old = await c.get("/api/v1/sync/changes", params={"cursor": month_old.encode(key)})
        assert (old.status_code, old.json()["code"]) == (409, "sync_restart")
        assert "older than the sync horizon (30 days)" in old.json()["detail"]
        restarted = Phone(c)
        restarted.cursor = old.json()["cursor"]
        await restarted.sync()
        assert restarted.view() == phone.view() == await server_view(c)
        # A day-old one still catches up, and an unsigned cursor of before restarts.
        recent = SyncCursor(HUANGJIN, DELTA, position, issued=int(time.time()) - 86_400)
        assert (await c.get("/api/v1/sync/changes", params={"cursor": recent.encode(key)})).status_code == 200
        unsigned = await c.get("/api/v1/sync/changes", params={"cursor": body})
        assert (unsigned.status_code, unsigned.json()["code"]) == (409, "sync_restart")


async def test_the_change_log_stays_bounded_while_a_village_churns_and_phones_keep_up(
    admin: httpx.AsyncClient, user_headers: UserFactory, system: FastAPI, clean_database: Database
) -> None:
    await make_areas(admin)
    households = [await make_household(admin, HUANGJIN, members=1) for _ in range(4)]
    rounds, largest = 25, 0
    async with asgi_client(system, headers=await user_headers("cadre_b", "village_cadre", HUANGJIN)) as c:
        keeping_up, behind = Phone(c, page_size=3), Phone(c, page_size=3)
        await keeping_up.sync()
        await behind.sync()
        for round_no in range(rounds):
            for h in households:
                body = {"base_version": h["version"], "housing_grade": "ABCD"[round_no % 4]}
                changed = await admin.patch(f"/api/v1/households/{h['id']}", json=body)
                assert changed.status_code == 200, changed.text
                h["version"] = changed.json()["version"]
            await keeping_up.sync()
            await compact(system, datetime.now(UTC))  # everything written so far is past the horizon
            largest = max(largest, await log_rows(clean_database))
        # At most a round's writes stay in the log (none, unless one commits while compacting), of
        # 25 rounds of 4 households and the first 8 rows.
        assert largest <= 4, largest
        assert await log_rows(clean_database, "change_history") >= 4 * (rounds - 6)

        # The phone that synced every round and the one that slept both end with the server's view;
        # the sleeper's changes were compacted away, so it restarted (and so may the other, here where
        # all that was written is past the horizon at once).
        view = await server_view(c)
        await keeping_up.sync_until(view)
        await behind.sync_until(view)
        assert behind.restarts >= 1

    # The history still has every change, old and new.
    history = await everything(admin, f"/api/v1/households/{households[0]['id']}/history")
    grades = [e for e in history if e["entity_type"] == "household" and e["action"] == "changed"]
    assert len(grades) == rounds
    assert [e["id"] for e in history] == sorted(e["id"] for e in history)


async def test_tombstones_say_why(
    admin: httpx.AsyncClient, user_headers: UserFactory, system: FastAPI
) -> None:
    await make_areas(admin)
    deleted = await make_household(admin, HUANGJIN, members=3)
    moved = await make_household(admin, HUANGJIN, members=1)
    widow = await make_household(admin, HUANGJIN, members=2)
    merged = await make_household(admin, LONGQUAN, members=1)
    async with (
        asgi_client(system, headers=await user_headers("cadre_t", "village_cadre", HUANGJIN)) as huangjin,
        asgi_client(system, headers=await user_headers("town_t", "town_reviewer", TOWN)) as town,
        asgi_client(system, headers=await user_headers("cadre_l", "village_cadre", LONGQUAN)) as longquan,
    ):
        phone, town_phone, old_village = Phone(huangjin), Phone(town), Phone(longquan)
        for each in (phone, town_phone, old_village):
            await each.sync()
        assert set(old_village.households) == {merged["id"]}

        await delete_household(admin, deleted)
        await move_household(admin, moved, SHUANGFENG)
        died = next(m for m in widow["members"] if m["relation"] == "child")
        body = {"base_version": died["version"], "deceased_on": "2025-03-01"}
        assert (await admin.patch(f"/api/v1/people/{died['id']}", json=body)).status_code == 200
        # 龙泉村 goes to the other town's 双丰村: its households leave the town's phone as merged.
        merge = {"target_code": SHUANGFENG, "source_codes": [LONGQUAN], "effective_on": "2025-11-01"}
        assert (await admin.post("/api/v1/area-merges", json=merge)).status_code == 201

        await phone.sync_until(await server_view(huangjin))
        why = {(t["entity_type"], t["id"]): t for t in phone.tombstones}
        gone = why[("household", deleted["id"])]
        assert (gone["reason"], gone["deleted_reason"]) == ("deleted", "重复登记")
        assert sorted(gone["member_ids"]) == sorted(m["id"] for m in deleted["members"])
        assert not any(("person", m["id"]) in why for m in deleted["members"])  # one tombstone
        assert why[("household", moved["id"])]["reason"] == "out_of_scope"
        assert SHUANGFENG not in str(why[("household", moved["id"])])  # not where it went
        assert why[("person", died["id"])]["reason"] == "deceased"
        # The dead leave the active set but stay readable.
        assert (await huangjin.get(f"/api/v1/people/{died['id']}")).status_code == 200
        fresh = Phone(huangjin)
        await fresh.sync()
        assert died["id"] not in fresh.people and fresh.view() == phone.view()

        # The town's phone hears where the merged village's households went (a merge is public).
        await town_phone.sync_until(await server_view(town))
        left = {(t["entity_type"], t["id"]): t for t in town_phone.tombstones}
        for key in (("household", merged["id"]), ("person", merged["head_person_id"])):
            assert (left[key]["reason"], left[key]["successor_area_code"]) == ("merged", SHUANGFENG)

        # The cadre of 龙泉村 followed it into 双丰村: the phone restarts there (its cursor was for the
        # old scope) and keeps its household, beside 双丰村's own.
        await old_village.sync_until(await server_view(longquan))
        assert old_village.restarts == 1 and merged["id"] in old_village.households


async def test_an_event_feed_reader_left_behind_the_horizon_is_told_not_skipped(
    admin: httpx.AsyncClient, system: FastAPI
) -> None:
    """The public event feed reads the same change log: a cursor whose unread changes were compacted
    away answers 409 events_compacted with a cursor past them, never a page that silently skips them."""
    await make_areas(admin)
    await make_household(admin, HUANGJIN, members=1)
    first = await admin.get("/api/v1/registry-events", params={"limit": 1})
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    await make_household(admin, HUANGJIN, members=1)
    await compact(system, datetime.now(UTC))
    behind = await admin.get("/api/v1/registry-events", params={"cursor": cursor})
    assert (behind.status_code, behind.json()["code"]) == (409, "events_compacted"), behind.text
    fresh = behind.json()["cursor"]
    await make_household(admin, HUANGJIN, members=1)
    following = await admin.get("/api/v1/registry-events", params={"cursor": fresh, "limit": 500})
    assert following.status_code == 200, following.text
    assert [e["types"] for e in following.json()["items"]] == [["household.created"], ["person.created"]]
