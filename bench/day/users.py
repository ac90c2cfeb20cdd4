"""The county's users as locust users: phones, office users, the bureau and the county office's import.

Imported only in the load process (locust's gevent patches the standard library). They share ``DAY``:
the plan the parent wrote and the tallies the result is made of. Each request is named by its kind,
which is what the table reports on.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, between, constant, task
from locust.contrib.fasthttp import FastResponse

CHINA = timezone(timedelta(hours=8))
LOST_ANSWERS = 0.05  # of the answers a phone or the bureau waits for, this share never reaches it
MAX_SENDS = 25  # a batch whose answer is lost this often stays in the outbox for the next round
BATCH = (20, 50)  # visits a phone posts at once
PHOTO_SHARE = 0.2  # rounds that end with a photo of one of the visits
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(7).randbytes(80 * 1024)  # 80 KiB "JPEG"
FEED_RECORDS = 100
ANDROID = {"Accept-Encoding": "gzip"}  # what a phone's HTTP client (OkHttp) asks for


class Day:
    """The plan and the tallies, shared by every user of the load process."""

    def __init__(self) -> None:
        self.plan: dict[str, Any] = {}
        self.taken: Counter[str] = Counter()  # accounts handed out, by kind
        self.acknowledged: set[str] = set()  # visit ids answered created or duplicate
        self.sent: set[str] = set()
        self.refused: Counter[str] = Counter()  # visits answered otherwise (none expected)
        self.lost_answers = 0
        self.resends = 0
        self.day_started = 0.0
        self.import_job: dict[str, Any] = {}

    def account(self, kind: str) -> dict[str, Any]:
        """The next account of a kind (``phones``, ``offices``), round the list again if need be."""
        accounts = self.plan[kind]
        self.taken[kind] += 1
        return accounts[(self.taken[kind] - 1) % len(accounts)]


DAY = Day()


class Answered:
    """A flaky link: of the answers sent back, LOST_ANSWERS never arrive, and the same request goes
    again (the server has done the work: a retry must be recognised as one)."""

    client: Any

    def answered(self, send: Any) -> FastResponse | None:
        for attempt in range(MAX_SENDS):
            if attempt:
                DAY.resends += 1
            response = send()
            if random.random() < LOST_ANSWERS:
                DAY.lost_answers += 1
                continue
            return response if response.status_code < 300 else None
        return None


class Phone(Answered, FastHttpUser):
    """A village cadre's phone: syncs its village, posts the visits made since (those not yet answered
    first), now and then a photo of one."""

    wait_time = between(10, 20)

    def on_start(self) -> None:
        account = DAY.account("phones")
        self.client.auth_header = f"Bearer {account['token']}"
        self.village: str = account["area_code"]
        self.pairings: dict[str, str] = DAY.plan["pairings"][self.village]
        self.cursor: str | None = None
        self.households: set[str] = set()
        self.members: dict[str, str] = {}  # person -> household
        self.outbox: list[dict[str, Any]] = []

    @task
    def a_round(self) -> None:
        self.sync()
        created = self.post_visits()
        if created and random.random() < PHOTO_SHARE:
            self.post_photo(random.choice(created))

    def sync(self) -> None:
        while True:
            query = {"limit": 500} | ({"cursor": self.cursor} if self.cursor else {})
            path = f"/api/v1/sync/changes?{urlencode(query)}"
            answer = self.answered(lambda: self.client.get(path, headers=ANDROID, name="sync page"))  # noqa: B023
            if answer is None:
                return
            page = answer.json()
            self.households.update(h["id"] for h in page["households"])
            self.members |= {p["id"]: p["household_id"] for p in page["people"]}
            for gone in page["tombstones"]:
                self.households.discard(gone["id"])
                for person in [gone["id"], *(gone.get("member_ids") or [])]:
                    self.members.pop(person, None)
            self.cursor = page["next_cursor"]
            if not page["has_more"]:
                return

    def post_visits(self) -> list[str]:
        """The visits' ids the server created (acknowledged ones, retries included, are tallied)."""
        size = random.randint(*BATCH)
        wanted = min(len(self.households), max(0, size - len(self.outbox)))
        chosen = random.sample(sorted(self.households), wanted)
        sizes = Counter(self.members.values())
        self.outbox += [self.visit(household, sizes[household]) for household in chosen]
        batch = self.outbox[: BATCH[1]]
        if not batch:
            return []
        DAY.sent.update(visit["id"] for visit in batch)
        answer = self.answered(
            lambda: self.client.post(
                "/api/v1/inspections/batch", json={"items": batch}, headers=ANDROID, name="visits batch"
            )
        )
        if answer is None:
            return []  # kept in the outbox: sent again next round
        self.outbox = self.outbox[len(batch) :]
        created = []
        for item in answer.json()["items"]:
            if item["status"] in ("created", "duplicate"):
                DAY.acknowledged.add(item["id"])
                created += [item["id"]] if item["status"] == "created" else []
            else:
                DAY.refused[item["status"]] += 1
        return created

    def visit(self, household: str, members: int) -> dict[str, Any]:
        visit = {
            "id": str(uuid.uuid4()),
            "household_id": household,
            "area_code": self.village,
            "visited_at": (datetime.now(CHINA) - timedelta(minutes=random.randint(1, 240))).isoformat(),
            "location": {"latitude": 32.5 + random.random() / 10, "longitude": 108.5 + random.random() / 10},
            "household_size": max(1, members),
            "food_secure": random.random() > 0.01,
            "clothing_secure": True,
            "housing_grade": random.choice("AAAAB"),
            "water": {"enough": True, "quality_ok": True, "convenient": True, "reliable": True},
            "income": {"wages": random.randint(12_000, 60_000), "transfer": random.randint(0, 3_000)},
        }
        if household in self.pairings:
            visit["cadre_id"] = self.pairings[household]
        return visit

    def post_photo(self, inspection_id: str) -> None:
        path = f"/api/v1/inspections/{inspection_id}/photos/{uuid.uuid4()}"
        headers = ANDROID | {"Content-Type": "image/jpeg"}
        self.answered(lambda: self.client.put(path, data=PHOTO, headers=headers, name="photo"))


class Office(FastHttpUser):
    """A town's (or the county's) office: lists, a household's history, alerts, the area report and,
    now and then, a village's ledger."""

    wait_time = between(3, 10)

    def on_start(self) -> None:
        account = DAY.account("offices")
        self.client.auth_header = f"Bearer {account['token']}"
        self.area: str = account["area_code"]
        prefix = self.area[:6] if self.area.endswith("000000") else self.area[:9]  # a county's, a town's
        self.villages = [v for v in DAY.plan["villages"] if v.startswith(prefix)]
        self.seen: list[str] = []

    def somewhere(self) -> str:
        return self.area if random.random() < 0.25 else random.choice(self.villages)

    @task(5)
    def household_list(self) -> None:
        query = {"within": self.somewhere(), "limit": 50}
        page = self.client.get(f"/api/v1/households?{urlencode(query)}", name="household list page")
        if page.status_code == 200:
            body = page.json()
            self.seen = [h["id"] for h in body["items"]] or self.seen
            if body["next_cursor"] and random.random() < 0.3:
                query["cursor"] = body["next_cursor"]
                self.client.get(f"/api/v1/households?{urlencode(query)}", name="household list page")

    @task(3)
    def household_history(self) -> None:
        if self.seen:
            household = random.choice(self.seen)
            self.client.get(f"/api/v1/households/{household}/history", name="household history")

    @task(2)
    def alert_list(self) -> None:
        query = {"within": self.somewhere(), "limit": 50}
        self.client.get(f"/api/v1/alerts?{urlencode(query)}", name="alert list page")

    @task(2)
    def area_report(self) -> None:
        self.client.get(f"/api/v1/reports/area-summary?area={self.area}", name="area report")

    @task(1)
    def ledger(self) -> None:
        query = {"within": random.choice(self.villages), "format": "xlsx"}
        self.client.get(f"/api/v1/households/export?{urlencode(query)}", name="village ledger export")


class Bureau(Answered, FastHttpUser):
    """The medical insurance bureau's system pushing settled bills, resending a batch it got no answer to."""

    wait_time = between(5, 15)

    def on_start(self) -> None:
        self.client.auth_header = f"Bearer {DAY.plan['bureau']['token']}"

    @task
    def push(self) -> None:
        day = datetime.now(CHINA).date().isoformat()
        records = [
            {
                "record_id": f"YB-{uuid.uuid4().hex[:20]}",
                "national_id": random.choice(DAY.plan["national_ids"]),
                "occurred_on": day,
                "out_of_pocket": round(random.uniform(50, 3_000), 2),
            }
            for _ in range(FEED_RECORDS)
        ]
        path = "/api/v1/partner-feeds/medical/batch"
        self.answered(lambda: self.client.post(path, json={"records": records}, name="partner feed batch"))


class Importer(FastHttpUser):
    """The county office uploads a ledger of new households at ``import_at_s`` into the day and follows
    the job until it ends."""

    wait_time = constant(2)

    def on_start(self) -> None:
        self.client.auth_header = f"Bearer {DAY.plan['importer']['token']}"

    @task
    def follow(self) -> None:
        job = DAY.import_job
        if not job and time.monotonic() - DAY.day_started >= DAY.plan["extra"]["import_at_s"]:
            self.upload()
        elif job and job.get("status") in ("queued", "running"):
            answer = self.client.get(f"/api/v1/imports/{job['id']}", name="import progress")
            if answer.status_code == 200:
                job |= answer.json()
                if job["status"] not in ("queued", "running"):
                    job["ended"] = time.monotonic()

    def upload(self) -> None:
        boundary = uuid.uuid4().hex
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="midday.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        body = head + Path(DAY.plan["midday_file"]).read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        started = time.monotonic()
        answer = self.client.post("/api/v1/imports", data=body, headers=headers, name="import upload")
        if answer.status_code == 202:
            DAY.import_job.update(answer.json(), uploaded=started)
