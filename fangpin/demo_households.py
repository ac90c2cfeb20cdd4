"""The demo's households and people, built from the seeds' own figures and loaded through the API.

篇5: 黄金村 has 216户783人 (贫困户128户430人, 低保15户, 五保20户); merged with 龙泉村 it has 456户1763人
(贫困户181户610人, 低保26户, 五保22户), so 龙泉村 brings 240户980人. The merge takes effect on
MERGED_ON, so counts "as of" an earlier date show the two villages apart.
篇1: its town (called 双丰镇 here) counts 低保1793户2375人, 特困662户674人, 边缘易致贫27户83人 and
脱贫户567户1753人. The seeds do not say how these groups overlap, so the demo keeps them apart and adds
ordinary households. Names and ID numbers are synthetic (fangpin/synthetic.py).

They are loaded as a county office would load its ledger: one CSV through the bulk import job.

篇5 also counts, in 黄金村, 64 people who cannot work through disability (残疾、智障丧失劳动能力) and 46
poor households with a chronically or seriously ill member: the generated health of 黄金村's and 龙泉村's
people (one village today) is adjusted to give exactly these figures (``shape_huangjin``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import httpx

from fangpin.demo_profile import load_village_profile, seed_housing
from fangpin.synthetic import TODAY, Generator, SyntheticHousehold, SyntheticPerson, _labour, import_rows
from services.registry.imports.columns import header_row

logger = logging.getLogger("fangpin.demo")

REGISTERED_ON = date(2023, 1, 1)
MERGED_ON = date(2024, 1, 1)
HUANGJIN, LONGQUAN = "610924105201", "610924105202"
SHUANGFENG_VILLAGES = ("610924108201", "610924108202", "610924108203", "610924108204")


@dataclass(frozen=True)
class Group:
    """Households of one kind in one place: how many, how many people, which programme."""

    villages: tuple[str, ...]
    households: int
    people: int
    category: str = "ordinary"
    programme: str | None = None  # held by the whole household …
    covered: int | None = None  # … or by exactly this many of its people
    enrolled: bool = False  # monitored (监测户): enrolled through monitoring's cases (fangpin/demo_cases.py)


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
    # 边缘易致贫户: ordinary households in the ledger; monitoring's cases make them 监测户 (one truth).
    Group(SHUANGFENG_VILLAGES, 27, 83, enrolled=True),
    Group(SHUANGFENG_VILLAGES, 1200, 3900),
]


def demo_households(seed: int = 5) -> Iterator[tuple[Group, SyntheticHousehold]]:
    generator, serials = Generator(seed), dict.fromkeys([HUANGJIN, LONGQUAN, *SHUANGFENG_VILLAGES], 1)
    for group in GROUPS:
        made = list(generator.households(group.villages[0], group.households, persons=group.people))
        for index, household in enumerate(made):
            village = group.villages[index % len(group.villages)]
            household.village_code, household.number = village, f"{village}{serials[village]:04d}"
            household.category, household.monitored = group.category, group.enrolled
            if village == HUANGJIN:  # 篇5's houses and water (fangpin/demo_profile.py)
                household.housing_type, household.drinking_water = seed_housing(serials[village] - 1)
            serials[village] += 1
            yield group, household


def _programmes(group: Group, households: list[SyntheticHousehold]) -> list[dict[int, set[str]]]:
    """Who holds the group's programme: every member, or exactly ``covered`` people in all."""
    if group.programme is None:
        return [{} for _ in households]
    if group.covered is None:
        return [{i: {group.programme} for i in range(len(h.members))} for h in households]
    extra = group.covered - len(households)  # one person in each household, then more where there are
    held = []
    for household in households:
        take = 1 + min(extra, len(household.members) - 1)
        extra -= take - 1
        held.append({i: {group.programme} for i in range(take)})
    if extra:
        raise ValueError(f"{group.covered} covered people do not fit in {len(households)} households")
    return held


DISABLED_UNABLE, ILL_ESCAPED = 64, 46  # 篇5's 黄金村
ILL = ("chronic", "serious")


def _set_health(person: SyntheticPerson, health: str, grade: int | None = None) -> None:
    person.health, person.disability_grade = health, grade
    age = (
        TODAY.year
        - person.birth_date.year
        - ((TODAY.month, TODAY.day) < (person.birth_date.month, person.birth_date.day))
    )
    person.labour_ability = _labour(age, health, grade, person.schooling)


def shape_huangjin(households: list[SyntheticHousehold]) -> None:
    """篇5's figures for 黄金村 (with 龙泉村, one village since the merge): 64 disabled people unable to
    work, 46 poor (脱贫户) households with a chronically or seriously ill member; deterministic."""
    people = [p for h in households for p in h.members]
    unable = [p for p in people if p.health == "disabled" and p.labour_ability == "none"]
    for person in unable[DISABLED_UNABLE:]:
        _set_health(person, "healthy")
    well = [p for p in people if p.health == "healthy" and p.labour_ability != "none"]
    for person in well[: max(DISABLED_UNABLE - len(unable), 0)]:
        _set_health(person, "disabled", 1)
    escaped = [h for h in households if h.category == "escaped"]
    ill = [h for h in escaped if any(p.health in ILL for p in h.members)]
    for household in ill[ILL_ESCAPED:]:
        for person in household.members:
            if person.health in ILL:
                _set_health(person, "healthy")
    others = [h for h in escaped if h not in ill and any(p.health == "healthy" for p in h.members)]
    for household in others[: max(ILL_ESCAPED - len(ill), 0)]:
        _set_health(next(p for p in household.members if p.health == "healthy"), "chronic")


def demo_csv(seed: int = 5) -> bytes:
    """The whole demo as one import file (about 1.5 MB)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header_row())
    households = demo_households(seed)
    groups = [(group, [next(households)[1] for _ in range(group.households)]) for group in GROUPS]
    shape_huangjin([h for group, made in groups if group.villages[0] in (HUANGJIN, LONGQUAN) for h in made])
    for group, members in groups:
        for household, held in zip(members, _programmes(group, members), strict=True):
            writer.writerows(import_rows(household, REGISTERED_ON, held))
    return out.getvalue().encode()


async def load_households(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    """Import the demo households (skipped when already there) and merge 龙泉村 into 黄金村."""
    expected = sum(group.households for group in GROUPS)
    have = await client.get("/api/v1/households/count", params={"within": "610924"}, headers=auth)
    counts = {"households": 0}
    if have.status_code == 200 and have.json()["count"] >= expected:
        logger.info("demo households already loaded")
    else:
        counts["households"] = await _import(client, auth)
    counts |= await load_village_profile(client, auth)  # before the merge, which combines the profiles
    merge = {"target_code": HUANGJIN, "source_codes": [LONGQUAN], "effective_on": MERGED_ON.isoformat()}
    response = await client.post("/api/v1/area-merges", json=merge, headers=auth)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"demo merge: {response.status_code} {response.text[:500]}")
    counts["merges"] = int(response.status_code == 201)
    return counts


async def _import(client: httpx.AsyncClient, auth: dict[str, str]) -> int:
    files = {"file": ("demo-ledger.csv", demo_csv(), "text/csv")}
    response = await client.post("/api/v1/imports", files=files, headers=auth)
    if response.status_code != 202:
        raise RuntimeError(f"demo import: {response.status_code} {response.text[:500]}")
    job = response.json()
    while job["status"] in ("queued", "running"):
        print(f"\rfangpin: demo households {job['progress']:.0%}", end="", flush=True, file=sys.stderr)
        await asyncio.sleep(0.2)
        polled = await client.get(f"/api/v1/imports/{job['id']}", headers=auth)
        if polled.status_code != 200:  # a problem, not the job: say what the server said
            raise RuntimeError(f"demo import: asking for the job: {polled.status_code} {polled.text[:500]}")
        job = polled.json()
    print(file=sys.stderr)
    if job["status"] != "succeeded" or job["rows_bad"]:
        raise RuntimeError(f"demo import: {job['status']} {job['failure'] or job['errors'][:3]}")
    return int(job["counts"]["households_created"])
