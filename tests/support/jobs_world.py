"""Random jobs writes through the API, dated anywhere in a few years (phones sync late): employment
records, households moving between villages, posts changed and held, courses with enrolments and their
steps. For the property tests of the jobs rollups."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests.support.cases import enrol_past
from tests.support.jobs_stations import known_station
from tests.support.registry import HUANGJIN, LONGQUAN, OTHER_TOWN, SHUANGFENG, TOWN, make_household

VILLAGES = [HUANGJIN, LONGQUAN, SHUANGFENG]
START, END = date(2022, 1, 1), date(2025, 12, 31)
STATUSES = [
    "away_out_of_province",
    "away_in_province",
    "away_in_county",
    "local",
    "public_welfare_post",
    "self_employed",
    "not_working",
    "unable",
]
PLACE_CODES = [None, None, "420100000000", "440300000000", "610924108201", "610000000000"]
PLACE_NAMES = [None, None, "马来西亚", "湖北省武汉市", "", "深圳 龙华区"]
POST_TYPES = ["cleaning", "patrol", "forest_ranger", "elderly_care"]
SOURCES = ["photovoltaic", "hrss", "forestry", "village_fund", "other"]
# Only what a refusal may mean here: an overlap, a full post or course, a date out of its period.
REFUSED = (409, 422)


class JobsWorld:
    def __init__(self, admin: httpx.AsyncClient, rng: random.Random, system: FastAPI) -> None:
        self.admin = admin
        self.system = system  # its monitoring relay delivers the enrolments to the registry
        self.rng = rng
        self.households: list[dict[str, Any]] = []
        self.people: list[str] = []
        self.posts: list[str] = []
        self.assignments: list[str] = []
        self.courses: list[str] = []
        self.enrolments: list[str] = []
        self.days: set[date] = set()
        self.far_post = False  # one post ends 9999-12-31
        self.stations: dict[str, str] = {}  # a village's photovoltaic station, as jobs knows it

    async def station(self, village: str) -> str:
        if village not in self.stations:
            self.stations[village] = await known_station(self.system, village, f"{village}光伏电站")
        return self.stations[village]

    def day(self) -> date:
        picked = START + timedelta(days=self.rng.randint(0, (END - START).days))
        self.days.add(picked)
        return picked

    async def populate(self, households: int = 6) -> None:
        monitored = []
        for _ in range(households):
            category = self.rng.choice(["ordinary", "escaped", "monitored"])
            ledger = {"category": "escaped"} if category == "escaped" else {}
            made = await make_household(self.admin, self.rng.choice(VILLAGES), members=2, **ledger)
            if category == "monitored":  # 监测户 from today, through its case (the one way)
                monitored.append(made)
            self.households.append(made)
            self.people += [m["id"] for m in made["members"]]
        if monitored:
            await enrol_past(self.admin, self.system, monitored)

    async def step(self) -> None:
        choice = self.rng.choice(
            ["records"] * 4 + ["move"] + ["post", "post_update", "post_update"] + ["assign"] * 3
            + ["end", "course"] + ["enrol"] * 2 + ["enrol_step"] * 3
        )  # fmt: skip
        await getattr(self, f"_{choice}")()

    async def _records(self) -> None:
        items = []
        for _ in range(self.rng.randint(1, 4)):
            person = self.rng.choice(self.people)
            same_day = items and self.rng.random() < 0.3  # two records of one day: the later decides
            reported = items[-1]["reported_on"] if same_day else self.day().isoformat()
            body = {
                "id": str(uuid.uuid4()),
                "person_id": items[-1]["person_id"] if same_day else person,
                "status": self.rng.choice(STATUSES),
                "source": "door_to_door",
                "reported_on": reported,
            }
            if (code := self.rng.choice(PLACE_CODES)) is not None:
                body["place_code"] = code
            if (name := self.rng.choice(PLACE_NAMES)) is not None:
                body["place_name"] = name
            items.append(body)
        response = await self.admin.post("/api/v1/employment-records/batch", json={"items": items})
        assert response.status_code == 200 and response.json()["failed"] == 0, response.text

    async def _move(self) -> None:
        household = self.rng.choice(self.households)
        current = (await self.admin.get(f"/api/v1/households/{household['id']}")).json()
        target = self.rng.choice([v for v in VILLAGES if v != current["area_code"]])
        body = {"base_version": current["version"], "to_area_code": target}
        response = await self.admin.post(f"/api/v1/households/{household['id']}/move", json=body)
        assert response.status_code < 300, response.text

    async def _post(self) -> None:
        starts = self.day()
        source = self.rng.choice(SOURCES)
        # A photovoltaic post is in its station's village.
        area = self.rng.choice(VILLAGES if source == "photovoltaic" else [*VILLAGES, TOWN, OTHER_TOWN])
        body: dict[str, Any] = {
            "area_code": area,
            "title": "公益岗",
            "type": self.rng.choice(POST_TYPES),
            "funding_source": source,
            "monthly_subsidy": 500,
            "capacity": self.rng.randint(1, 4),
            "starts_on": starts.isoformat(),
        }
        if source == "photovoltaic":
            body["station_id"] = await self.station(area)
        if self.rng.random() < 0.5:
            body["ends_on"] = (starts + timedelta(days=self.rng.randint(0, 600))).isoformat()
        elif not self.far_post:
            body["ends_on"] = date.max.isoformat()  # "for good", as a form may say it
            self.far_post = True
        response = await self.admin.post("/api/v1/welfare-posts", json=body)
        assert response.status_code == 201, response.text
        self.posts.append(response.json()["id"])

    async def _post_update(self) -> None:
        if not self.posts:
            return await self._post()
        path = f"/api/v1/welfare-posts/{self.rng.choice(self.posts)}"
        post = (await self.admin.get(path)).json()
        body: dict[str, Any] = {"base_version": post["version"]}
        change = self.rng.choice(["capacity", "ends_on", "starts_on", "type", "source"])
        if change == "capacity":
            body["capacity"] = self.rng.randint(1, 5)
        elif change == "ends_on":
            body["ends_on"] = None if self.rng.random() < 0.3 else self.day().isoformat()
        elif change == "starts_on":
            body["starts_on"] = self.day().isoformat()
        elif change == "type":
            body["type"] = self.rng.choice(POST_TYPES)
        else:
            pv = post["area_code"] in VILLAGES
            body["funding_source"] = source = self.rng.choice(SOURCES if pv else SOURCES[1:])
            body["station_id"] = await self.station(post["area_code"]) if source == "photovoltaic" else None
        response = await self.admin.patch(path, json=body)
        assert response.status_code == 200 or response.status_code in REFUSED, response.text

    async def _assign(self) -> None:
        if not self.posts:
            return await self._post()
        path = f"/api/v1/welfare-posts/{self.rng.choice(self.posts)}"
        post = (await self.admin.get(path)).json()
        starts = date.fromisoformat(post["starts_on"]) + timedelta(days=self.rng.randint(-10, 400))
        self.days.add(starts)
        body: dict[str, Any] = {"person_id": self.rng.choice(self.people), "starts_on": starts.isoformat()}
        if self.rng.random() < 0.4:
            body["ends_on"] = (starts + timedelta(days=self.rng.randint(0, 200))).isoformat()
        response = await self.admin.post(f"{path}/assignments", json=body)
        assert response.status_code == 201 or response.status_code in REFUSED, response.text
        if response.status_code == 201:
            self.assignments.append(response.json()["id"])

    async def _end(self) -> None:
        if not self.assignments:
            return await self._assign()
        path = f"/api/v1/post-assignments/{self.rng.choice(self.assignments)}"
        held = (await self.admin.get(path)).json()
        ends = date.fromisoformat(held["starts_on"]) + timedelta(days=self.rng.randint(0, 120))
        self.days.add(ends)
        response = await self.admin.post(
            f"{path}/end", json={"ends_on": ends.isoformat(), "reason": "外出务工"}
        )
        assert response.status_code == 200 or response.status_code in REFUSED, response.text

    async def _course(self) -> None:
        starts = self.day()
        body = {
            "area_code": self.rng.choice([*VILLAGES, TOWN]),
            "title": "技能培训班",
            "provider": "县职教中心",
            "skill": self.rng.choice(["电工", "家政", "修脚足疗"]),
            "starts_on": starts.isoformat(),
        }
        response = await self.admin.post("/api/v1/training-courses", json=body)
        assert response.status_code == 201, response.text
        self.courses.append(response.json()["id"])

    async def _enrol(self) -> None:
        if not self.courses:
            return await self._course()
        body = {"person_id": self.rng.choice(self.people), "enrolled_on": self.day().isoformat()}
        path = f"/api/v1/training-courses/{self.rng.choice(self.courses)}/enrolments"
        response = await self.admin.post(path, json=body)
        assert response.status_code == 201 or response.status_code in REFUSED, response.text
        if response.status_code == 201:
            self.enrolments.append(response.json()["id"])

    async def _enrol_step(self) -> None:
        if not self.enrolments:
            return await self._enrol()
        path = f"/api/v1/training-enrolments/{self.rng.choice(self.enrolments)}"
        enrolment = (await self.admin.get(path)).json()
        if not enrolment["actions"]:
            return None
        action = self.rng.choice(enrolment["actions"])
        on = date.fromisoformat(enrolment["enrolled_on"]) + timedelta(days=self.rng.randint(0, 200))
        self.days.add(on)
        body: dict[str, Any] = {"action": action, "base_version": enrolment["version"], "on": on.isoformat()}
        if action == "drop":
            body["reason"] = "外出务工"
        if action == "place":
            place = self.rng.choice(["湖北省武汉市", "广东省深圳市", "本县"])
            body["placement"] = {"employer": "某公司", "place": place, "started_on": on.isoformat()}
        response = await self.admin.post(f"{path}/actions", json=body)
        assert response.status_code == 200 or response.status_code in REFUSED, response.text
