"""The demo's households and people, built from the seeds' own figures and loaded through the API.

篇5: 黄金村 has 216户783人 (贫困户128户430人, 低保15户, 五保20户); merged with 龙泉村 it has 456户1763人
(贫困户181户610人, 低保26户, 五保22户), so 龙泉村 brings 240户980人. The merge takes effect on
MERGED_ON, so counts "as of" an earlier date show the two villages apart.
篇1: its town (called 双丰镇 here) counts 低保1793户2375人, 特困662户674人, 边缘易致贫27户83人 and
脱贫户567户1753人. The seeds do not say how these groups overlap, so the demo keeps them apart and adds
ordinary households. Names and ID numbers are synthetic (fangpin/synthetic.py).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from fangpin.synthetic import Generator, SyntheticHousehold

logger = logging.getLogger("fangpin.demo")

REGISTERED_ON = date(2023, 1, 1)
MERGED_ON = date(2024, 1, 1)
HUANGJIN, LONGQUAN = "610924105201", "610924105202"
SHUANGFENG_VILLAGES = ("610924108201", "610924108202", "610924108203", "610924108204")
BATCH = 200
NAMESPACE = uuid.UUID("6f1d6c52-4f0e-4a53-9d8e-2a1f1c0d5e7b")  # ids derive from numbers: reloads are retries


@dataclass(frozen=True)
class Group:
    """Households of one kind in one place: how many, how many people, which programme."""

    villages: tuple[str, ...]
    households: int
    people: int
    category: str = "ordinary"
    programme: str | None = None  # held by the whole household …
    covered: int | None = None  # … or by exactly this many of its people


GROUPS: list[Group] = [
    # 黄金村: 216户783人
    Group((HUANGJIN,), 128, 430, category="escaped"),
    Group((HUANGJIN,), 15, 60, programme="dibao"),
    Group((HUANGJIN,), 20, 24, programme="tekun"),
    Group((HUANGJIN,), 53, 269),
    # 龙泉村: 240户980人
    Group((LONGQUAN,), 53, 180, category="escaped"),
    Group((LONGQUAN,), 11, 42, programme="dibao"),
    Group((LONGQUAN,), 2, 2, programme="tekun"),
    Group((LONGQUAN,), 174, 756),
    # 篇1's town
    Group(SHUANGFENG_VILLAGES, 567, 1753, category="escaped"),
    Group(SHUANGFENG_VILLAGES, 1793, 5380, programme="dibao", covered=2375),
    Group(SHUANGFENG_VILLAGES, 662, 674, programme="tekun"),
    Group(SHUANGFENG_VILLAGES, 27, 83, category="monitored"),
    Group(SHUANGFENG_VILLAGES, 1200, 3900),
]


def demo_households(seed: int = 5) -> Iterator[SyntheticHousehold]:
    generator, serials = Generator(seed), dict.fromkeys([HUANGJIN, LONGQUAN, *SHUANGFENG_VILLAGES], 1)
    for group in GROUPS:
        made = list(generator.households(group.villages[0], group.households, persons=group.people))
        for index, household in enumerate(made):
            village = group.villages[index % len(group.villages)]
            household.village_code, household.number = village, f"{village}{serials[village]:04d}"
            household.category = group.category
            serials[village] += 1
            yield household


def _programmes(group: Group, households: list[dict[str, Any]]) -> None:
    """Attach the group's programme: to whole households, or to exactly ``covered`` people."""
    if group.programme is None:
        return
    if group.covered is None:
        for body in households:
            body["programmes"] = [{"programme": group.programme, "starts_on": REGISTERED_ON.isoformat()}]
        return
    extra = group.covered - len(households)  # one person in each household, then more where there are
    for body in households:
        take = 1 + min(extra, len(body["members"]) - 1)
        extra -= take - 1
        body["programmes"] = [
            {"programme": group.programme, "starts_on": REGISTERED_ON.isoformat(), "person_id": m["id"]}
            for m in body["members"][:take]
        ]
    if extra:
        raise ValueError(f"{group.covered} covered people do not fit in {len(households)} households")


def request_bodies(seed: int = 5) -> Iterator[dict[str, Any]]:
    households = demo_households(seed)
    for group in GROUPS:
        bodies = [_body(next(households)) for _ in range(group.households)]
        _programmes(group, bodies)
        yield from bodies


def _body(household: SyntheticHousehold) -> dict[str, Any]:
    members = [
        {
            "id": str(uuid.uuid5(NAMESPACE, person.national_id)),
            "name": person.name,
            "national_id": person.national_id,
            "relation": person.relation,
            "health": person.health,
            "disability_grade": person.disability_grade,
            "labour_ability": person.labour_ability,
            "schooling": person.schooling,
            "medical_insured": person.medical_insured,
        }
        for person in household.members
    ]
    return {
        "id": str(uuid.uuid5(NAMESPACE, household.number)),
        "number": household.number,
        "area_code": household.village_code,
        "group_no": household.group_no,
        "address": household.address,
        "phone": household.phone,
        "housing_type": household.housing_type,
        "housing_grade": household.housing_grade,
        "drinking_water": household.drinking_water,
        "cultivated_land_mu": household.cultivated_land_mu,
        "forest_land_mu": household.forest_land_mu,
        "category": household.category,
        "poverty_exit_year": household.poverty_exit_year,
        "registered_on": REGISTERED_ON.isoformat(),
        "members": members,
    }


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def load_households(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    """Register the demo households (skipped when already there) and merge 龙泉村 into 黄金村."""
    expected = sum(group.households for group in GROUPS)
    have = await client.get("/api/v1/households/count", params={"within": "610924"}, headers=auth)
    counts = {"households": 0}
    if have.status_code == 200 and have.json()["count"] >= expected:
        logger.info("demo households already loaded")
    else:
        for number, chunk in enumerate(_chunks(request_bodies(), BATCH), start=1):
            response = await client.post("/api/v1/households/batch", json={"items": chunk}, headers=auth)
            if response.status_code != 200:
                raise RuntimeError(f"demo households: {response.status_code} {response.text[:500]}")
            result = response.json()
            if result["failed"]:
                failure = next(i for i in result["items"] if i["status"] not in ("created", "duplicate"))
                raise RuntimeError(f"demo households: {failure}")
            counts["households"] += result["created"]
            done = min(number * BATCH, expected)
            print(f"\rfangpin: demo households {done}/{expected}", end="", flush=True, file=_stderr())
        print(file=_stderr())
    merge = {"target_code": HUANGJIN, "source_codes": [LONGQUAN], "effective_on": MERGED_ON.isoformat()}
    response = await client.post("/api/v1/area-merges", json=merge, headers=auth)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"demo merge: {response.status_code} {response.text[:500]}")
    counts["merges"] = int(response.status_code == 201)
    return counts


def _stderr():  # noqa: ANN202 - the process's stderr, looked up late so tests can capture it
    import sys

    return sys.stderr
