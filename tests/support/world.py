"""Random registry writes through the API, as a county office makes them: for property tests."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from services.common.calendar import china_today
from tests.support.cases import past_case
from tests.support.events import deliver, relay_of
from tests.support.registry import HUANGJIN, LONGQUAN, SHUANGFENG, fresh_number, member


async def everything(client: httpx.AsyncClient, path: str) -> list[dict]:
    items, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(path, params=params)).json()
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


class World:
    """Random operations by the county office while the phone is offline or syncing."""

    def __init__(self, admin: httpx.AsyncClient, rng: random.Random) -> None:
        self.admin = admin
        self.rng = rng
        self.villages = [HUANGJIN, LONGQUAN, SHUANGFENG]
        self.merged = False

    def dated(self, body: dict[str, Any], field: str) -> dict[str, Any]:
        """The body of a write that may carry the day it takes effect (here: none, so today)."""
        return body

    async def households(self) -> list[dict]:
        return await everything(self.admin, "/api/v1/households")

    async def step(self) -> None:
        households = await self.households()
        rng = self.rng
        choice = rng.choice(
            ["create"] * 3 + ["update", "move", "member", "person", "relocate", "delete", "merge"]
        )
        if choice == "create" or not households:
            village = rng.choice(self.villages)
            children = [member("child", name="王小") for _ in range(rng.randint(0, 2))]
            people = [member("head", name="王建国"), *children]
            body = {"number": fresh_number(village), "area_code": village}
            body["members"] = [self.dated(person, "registered_on") for person in people]
            created = await self.admin.post("/api/v1/households", json=self.dated(body, "registered_on"))
            assert created.status_code == 201, created.text
            return
        household = rng.choice(households)
        path = f"/api/v1/households/{household['id']}"
        version = {"base_version": household["version"]}
        if choice == "update":
            response = await self.admin.patch(path, json=version | {"housing_grade": rng.choice("ABCD")})
        elif choice == "move":
            target = rng.choice([v for v in self.villages if v != household["area_code"]])
            body = self.dated(version | {"to_area_code": target}, "effective_on")
            response = await self.admin.post(f"{path}/move", json=body)
        elif choice == "member":
            body = self.dated(member("child", name="新成员"), "registered_on")
            response = await self.admin.post(f"{path}/members", json=body)
        elif choice == "delete":
            response = await self.admin.post(f"{path}/delete", json=version | {"reason": "重复登记"})
        elif choice == "merge" and not self.merged:
            self.merged = True
            self.villages.remove(LONGQUAN)
            body = {"target_code": HUANGJIN, "source_codes": [LONGQUAN], "effective_on": "2026-06-01"}
            response = await self.admin.post("/api/v1/area-merges", json=self.dated(body, "effective_on"))
        else:
            response = await self._person_step(household, choice, households)
        assert response.status_code < 300, response.text

    async def _person_step(self, household: dict, choice: str, households: list[dict]) -> httpx.Response:
        detail = (await self.admin.get(f"/api/v1/households/{household['id']}")).json()
        if not detail["members"]:
            return await self.admin.post(f"/api/v1/households/{household['id']}/members", json=member("head"))
        person = self.rng.choice(detail["members"])
        if choice == "relocate" and len(households) > 1:
            other = self.rng.choice([h for h in households if h["id"] != household["id"]])
            body = {"base_version": person["version"], "to_household_id": other["id"], "reason": "marriage"}
            body = self.dated(body, "effective_on")
            return await self.admin.post(
                f"/api/v1/people/{person['id']}/move", json=body | {"relation": "spouse"}
            )
        if self.rng.random() < 0.3:
            return await self.admin.post(
                f"/api/v1/people/{person['id']}/delete", headers={"If-Match": str(person["version"])}
            )
        body = {
            "base_version": person["version"],
            "health": self.rng.choice(["healthy", "chronic", "serious"]),
        }
        return await self.admin.patch(f"/api/v1/people/{person['id']}", json=body)


class DatedWorld(World):
    """The same writes on a clock that moves forward (registrations, moves, merges, deaths and programme
    periods each take effect on the day they are made), so "as of" counts change over time."""

    PROGRAMMES = ["dibao", "tekun", "disability_subsidy", "escaped", "monitored"]  # 监测户: by a case

    def __init__(
        self, admin: httpx.AsyncClient, rng: random.Random, system: FastAPI, start: date = date(2022, 1, 1)
    ) -> None:
        super().__init__(admin, rng)
        self.system = system  # its monitoring relay delivers the enrolments to the registry
        self.day = start
        self.days: list[date] = [start]

    def dated(self, body: dict[str, Any], field: str) -> dict[str, Any]:
        return body | {field: self.day.isoformat()}

    async def step(self) -> None:
        self.day += timedelta(days=self.rng.randint(0, 20))
        self.days.append(self.day)
        choice = self.rng.choice(["world"] * 6 + ["programme", "end_programme", "death"])
        households = await self.households() if choice != "world" else []
        if choice == "world" or not households:
            await super().step()
            return
        household = self.rng.choice(households)
        if choice == "programme":
            detail = (await self.admin.get(f"/api/v1/households/{household['id']}")).json()
            members = detail["members"]
            one = self.rng.choice(members) if members and self.rng.random() < 0.4 else None
            body = {
                "household_id": household["id"],
                "person_id": one and one["id"],
                "programme": self.rng.choice(self.PROGRAMMES),
                "starts_on": self.day.isoformat(),
            }
            if body["programme"] == "monitored":  # never by hand: the county enrols its case
                await self._enrol(household)
                return
            response = await self.admin.post("/api/v1/programmes", json=body)
            assert response.status_code in (201, 409, 422), response.text  # an overlapping period: refused
        elif choice == "end_programme":
            listed = await self.admin.get("/api/v1/programmes", params={"household_id": household["id"]})
            periods = listed.json()["items"]
            today = self.day.isoformat()
            open_periods = [
                p
                for p in periods
                if p["ends_on"] is None and p["starts_on"] <= today and p["programme"] != "monitored"
            ]  # a 监测户 period ends with its case
            if open_periods:
                period = self.rng.choice(open_periods)
                ended = await self.admin.post(
                    f"/api/v1/programmes/{period['id']}/end", json={"ends_on": self.day.isoformat()}
                )
                assert ended.status_code == 200, ended.text
        else:
            detail = (await self.admin.get(f"/api/v1/households/{household['id']}")).json()
            living = [m for m in detail["members"] if m["deceased_on"] is None]
            if living:
                person = self.rng.choice(living)
                body = {"base_version": person["version"], "deceased_on": self.day.isoformat()}
                died = await self.admin.patch(f"/api/v1/people/{person['id']}", json=body)
                assert died.status_code == 200, died.text

    async def _enrol(self, household: dict) -> None:
        """A past case from today (the world's), half of them with the day its risk was eliminated."""
        ends = self.day + timedelta(days=self.rng.randint(1, 200)) if self.rng.random() < 0.5 else None
        eliminated_on = ends.isoformat() if ends is not None and ends <= china_today() else None
        item = past_case(household, self.day.isoformat(), eliminated_on)
        answer = await self.admin.post("/api/v1/case-imports", json={"items": [item]})
        assert answer.status_code == 200, answer.text
        [result] = answer.json()["items"]
        # Refused: another case of the household's then (conflict), or it was deleted (invalid).
        assert result["status"] in ("created", "conflict", "invalid"), result
        if result["status"] == "created":
            events = 2 if eliminated_on else 1
            assert await deliver(relay_of(self.system, "monitoring"), events) == events
