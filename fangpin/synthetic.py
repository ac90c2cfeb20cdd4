"""Synthetic rural households: fake but valid-looking names and ID numbers, deterministic by seed.

Used by the demo data, the tests and the benchmarks. Nobody here is real: names are drawn from common
characters, ID numbers carry the village's place code, the birth date and a correct check digit.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.registry.national_id import check_digit

SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
MALE_GIVEN = "伟强军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国志峰磊成东文亮海"
FEMALE_GIVEN = "秀英芳娜敏静丽艳娟霞燕玲桂兰萍红梅琳雪婷慧莉倩颖琴云莲真环凤洁佳雯晶月巧美"
PHONE_PREFIXES = (
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "187",
)


@dataclass
class SyntheticPerson:
    name: str
    national_id: str
    birth_date: date
    sex: str
    relation: str
    health: str
    disability_grade: int | None
    labour_ability: str
    schooling: str
    medical_insured: bool


@dataclass
class SyntheticHousehold:
    number: str
    village_code: str
    group_no: int
    address: str
    phone: str
    housing_type: str
    housing_grade: str
    drinking_water: str
    cultivated_land_mu: float
    forest_land_mu: float
    category: str
    poverty_exit_year: int | None
    members: list[SyntheticPerson] = field(default_factory=list)


class Generator:
    """Makes households one by one; the same seed gives the same households."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.used_ids: set[str] = set()

    def households(
        self,
        village_code: str,
        count: int,
        *,
        persons: int | None = None,
        category: str = "ordinary",
        start_serial: int = 1,
        today: date = date(2026, 11, 28),
    ) -> Iterator[SyntheticHousehold]:
        """``count`` households; with ``persons``, their sizes add up to exactly that many people."""
        sizes = self._sizes(count, persons) if persons is not None else [None] * count
        for offset, size in enumerate(sizes):
            yield self.household(
                village_code, start_serial + offset, category=category, size=size, today=today
            )

    def _sizes(self, count: int, persons: int) -> list[int]:
        if not count <= persons <= 8 * count:
            raise ValueError(f"{persons} people cannot fill {count} households of 1 to 8")
        sizes = [1] * count
        for _ in range(persons - count):
            index = self.rng.randrange(count)
            while sizes[index] >= 8:
                index = (index + 1) % count
            sizes[index] += 1
        return sizes

    def household(
        self,
        village_code: str,
        serial: int,
        *,
        category: str = "ordinary",
        size: int | None = None,
        today: date = date(2026, 11, 28),
    ) -> SyntheticHousehold:
        rng = self.rng
        size = size or rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6))
        head_sex = "male" if rng.random() < 0.85 else "female"
        surname = rng.choice(SURNAMES)
        head_age = rng.randint(25, 75) if size > 1 else rng.randint(40, 85)
        members = [self._person(surname, head_sex, head_age, "head", today)]
        if size > 1:
            spouse_sex = "female" if head_sex == "male" else "male"
            spouse_age = max(20, head_age + rng.randint(-5, 5))
            members.append(self._person(rng.choice(SURNAMES), spouse_sex, spouse_age, "spouse", today))
        for _ in range(size - len(members)):
            members.append(self._dependant(surname, head_age, today))
        grade = rng.choices("ABCD", weights=(60, 30, 7, 3))[0]
        return SyntheticHousehold(
            number=f"{village_code}{serial:04d}",
            village_code=village_code,
            group_no=rng.randint(1, 10),
            address=f"{rng.randint(1, 10)}组{rng.randint(1, 80)}号",
            phone=rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            housing_type=rng.choices(("brick", "adobe", "bought_in_town", "other"), weights=(70, 15, 10, 5))[
                0
            ],
            housing_grade=grade,
            drinking_water="safe" if rng.random() < 0.97 else "unsafe",
            cultivated_land_mu=round(rng.uniform(0.5, 8), 1),
            forest_land_mu=round(rng.uniform(0, 30), 1),
            category=category,
            poverty_exit_year=rng.randint(2016, 2020) if category == "escaped" else None,
            members=members,
        )

    def _dependant(self, surname: str, head_age: int, today: date) -> SyntheticPerson:
        rng = self.rng
        if head_age >= 55 and rng.random() < 0.5:
            return self._person(
                surname, rng.choice(("male", "female")), rng.randint(0, 16), "grandchild", today
            )
        if head_age < 55 and rng.random() < 0.2:
            return self._person(
                surname,
                rng.choice(("male", "female")),
                min(95, head_age + rng.randint(22, 30)),
                "parent",
                today,
            )
        child_age = max(0, head_age - rng.randint(20, 35))
        return self._person(surname, rng.choice(("male", "female")), child_age, "child", today)

    def _person(self, surname: str, sex: str, age: int, relation: str, today: date) -> SyntheticPerson:
        rng = self.rng
        born = today - timedelta(days=age * 365 + rng.randint(0, 364))
        given = MALE_GIVEN if sex == "male" else FEMALE_GIVEN
        name = surname + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))
        health = rng.choices(("healthy", "chronic", "serious", "disabled"), weights=(82, 12, 3, 3))[0]
        return SyntheticPerson(
            name=name,
            national_id=self._national_id(born, sex),
            birth_date=born,
            sex=sex,
            relation=relation,
            health=health,
            disability_grade=rng.randint(1, 4) if health == "disabled" else None,
            labour_ability=_labour(age, health),
            schooling=_schooling(age, rng),
            medical_insured=rng.random() < 0.98,
        )

    def _national_id(self, born: date, sex: str, place: str = "610924") -> str:
        while True:
            serial = self.rng.randrange(500) * 2 + (1 if sex == "male" else 0)
            first17 = f"{place}{born:%Y%m%d}{serial:03d}"
            number = first17 + check_digit(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number


def _labour(age: int, health: str) -> str:
    if age < 16 or age >= 75 or health in ("serious", "disabled"):
        return "none"
    if age >= 60 or health == "chronic":
        return "weak"
    return "full"


def _schooling(age: int, rng: random.Random) -> str:
    if age < 6:
        return "preschool"
    if age <= 15:
        return "in_school" if rng.random() < 0.995 else "dropped_out"
    if age <= 18:
        return rng.choice(("high_school", "none"))
    if age <= 22:
        return rng.choice(("college", "none", "none"))
    return "none"


YES_NO = {True: "是", False: "否", None: ""}
PROGRAMME_COLUMNS = ("dibao", "tekun", "disability_subsidy")  # the import file's 低保, 特困, 残疾补贴


def import_rows(
    household: SyntheticHousehold, registered_on: date, programmes: dict[int, set[str]] | None = None
) -> list[list[str]]:
    """The household as rows of the bulk import file (one per member, in the order of its Chinese
    headers); ``programmes`` maps a member's position to the programmes that member holds."""
    h, rows = household, []
    for position, p in enumerate(h.members):
        held = (programmes or {}).get(position, set())
        rows.append(
            [
                h.number, h.village_code, str(h.group_no), h.address, h.phone, h.housing_type,
                h.housing_grade, h.drinking_water, str(h.cultivated_land_mu), str(h.forest_land_mu),
                h.category, str(h.poverty_exit_year or ""), registered_on.isoformat(), p.name, p.national_id,
                p.relation, p.health, str(p.disability_grade or ""), p.labour_ability, p.schooling,
                YES_NO[p.medical_insured], *(YES_NO[code in held] for code in PROGRAMME_COLUMNS),
            ]
        )  # fmt: skip
    return rows
