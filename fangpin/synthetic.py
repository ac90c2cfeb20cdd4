"""Synthetic rural households: fake but valid-looking names and ID numbers, deterministic by seed.

Used by the demo data, the tests and the benchmarks. Nobody here is real: names are drawn from common
characters, ID numbers carry the village's place code (its first 6 digits), the birth date, a sequence
whose parity gives the sex and a correct check digit. Ages, schooling and labour ability agree with each
other and with each member's relation to the head. One ``Generator`` never repeats an ID number, and the
same seed gives the same households. Everything draws on the generator's own ``random.Random``.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate

from services.registry.national_id import check_digit

SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
MALE_GIVEN = "伟强军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国志峰磊成东文亮海"
FEMALE_GIVEN = "秀英芳娜敏静丽艳娟霞燕玲桂兰萍红梅琳雪婷慧莉倩颖琴云莲真环凤洁佳雯晶月巧美"
PHONE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 176 177 180 181 182 183 185 186 187 188 189 191 198 199"
).split()

# The ledger's categories. 监测户 is not one of them: a household becomes one when the county enrols its
# case (past cases: POST /api/v1/case-imports), so a monitored household is made ``monitored=True``
# with the category it has underneath (脱贫户: a 脱贫不稳定户; 一般农户: 边缘易致贫户 or 突发严重困难户).
CATEGORIES = ("escaped", "ordinary")
MAX_SIZE = 8
HEAD_AGES = (25, 75)
TODAY = date(2026, 11, 28)


class _Table:
    """A weighted choice made with one ``random()`` call (``Random.choices`` is several times slower)."""

    __slots__ = ("values", "bounds")

    def __init__(self, weighted: dict) -> None:
        self.values = tuple(weighted)
        totals = list(accumulate(weighted.values()))
        self.bounds = [total / totals[-1] for total in totals[:-1]]

    def pick(self, rng: random.Random):  # noqa: ANN201
        return self.values[bisect(self.bounds, rng.random())]


# Household sizes in the ledgers: many old couples and small families, few of more than six.
SIZES = _Table({1: 14, 2: 22, 3: 21, 4: 20, 5: 13, 6: 7, 7: 2, 8: 1})
HEALTH = {
    "child": _Table({"healthy": 96, "chronic": 2, "serious": 1, "disabled": 1}),
    "adult": _Table({"healthy": 84, "chronic": 10, "serious": 2, "disabled": 4}),
    "old": _Table({"healthy": 58, "chronic": 30, "serious": 5, "disabled": 7}),
}
# Monitored households are monitored for a reason: illness and disability are several times as common.
RISK_HEALTH = {
    "child": _Table({"healthy": 85, "chronic": 6, "serious": 4, "disabled": 5}),
    "adult": _Table({"healthy": 55, "chronic": 22, "serious": 11, "disabled": 12}),
    "old": _Table({"healthy": 30, "chronic": 40, "serious": 14, "disabled": 16}),
}
HOUSING_TYPES = _Table({"brick": 72, "adobe": 12, "bought_in_town": 11, "other": 5})
HOUSING_GRADES = _Table({"A": 62, "B": 31, "C": 5, "D": 2})
SECURED_GRADES = _Table({"A": 55, "B": 44, "C": 1})  # escaped and monitored: safe housing is guaranteed
EXIT_YEARS = _Table({2014: 5, 2015: 8, 2016: 18, 2017: 20, 2018: 22, 2019: 18, 2020: 9})
# The dependants of a head, by the head's age (the head's generation decides who else lives there).
DEPENDANTS = (
    (45, _Table({"child": 82, "parent": 15, "sibling": 2, "other": 1})),
    (60, _Table({"child": 62, "grandchild": 20, "parent": 12, "sibling": 3, "other": 3})),
    (200, _Table({"child": 40, "grandchild": 50, "sibling": 4, "other": 6})),
)


@dataclass(slots=True)
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


@dataclass(slots=True)
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
    monitored: bool = False  # to be enrolled through monitoring's cases (its ledger category: underneath)

    @property
    def monitoring_type(self) -> str:
        """The case's type, should the household be enrolled: 脱贫不稳定户 or 边缘易致贫户."""
        return "unstable" if self.category == "escaped" else "marginal"


class Generator:
    """Makes households one by one; the same seed gives the same households.

    ``used_ids`` holds every ID number made so far, so none repeats within one generator.
    """

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.used_ids: set[str] = set()
        self._born_within: dict[tuple[date, int], tuple[int, int]] = {}  # (today, age) -> ordinals
        self._digits: dict[int, str] = {}  # date ordinal -> YYYYMMDD

    def households(
        self,
        village_code: str,
        count: int,
        *,
        persons: int | None = None,
        category: str = "ordinary",
        monitored: bool = False,
        start_serial: int = 1,
        today: date = TODAY,
    ) -> Iterator[SyntheticHousehold]:
        """``count`` households numbered from ``start_serial``; with ``persons``, their sizes (1 to 8)
        add up to exactly that many people."""
        if count < 0:
            raise ValueError(f"A number of households cannot be negative ({count})")
        sizes = self.sizes(count, persons) if persons is not None else [None] * count
        for offset, size in enumerate(sizes):
            yield self.household(
                village_code,
                start_serial + offset,
                category=category,
                monitored=monitored,
                size=size,
                today=today,
            )

    def sizes(self, count: int, persons: int) -> list[int]:
        """``count`` household sizes of 1 to 8 adding up to ``persons``: drawn as the ledgers' sizes are
        spread, then single people taken from or added to random households until the total is right."""
        if not count <= persons <= MAX_SIZE * count:
            raise ValueError(f"{persons} people cannot fill {count} households of 1 to {MAX_SIZE} people")
        rng = self.rng
        sizes = [SIZES.pick(rng) for _ in range(count)]
        total = sum(sizes)
        step, limit = (-1, 1) if total > persons else (1, MAX_SIZE)
        # The households that can still give (or take) one person; removed once they reach the limit.
        open_ = [index for index, size in enumerate(sizes) if size != limit]
        while total != persons:
            slot = int(rng.random() * len(open_))
            index = open_[slot]
            sizes[index] += step
            total += step
            if sizes[index] == limit:
                open_[slot] = open_[-1]
                open_.pop()
        return sizes

    def household(
        self,
        village_code: str,
        serial: int,
        *,
        category: str = "ordinary",
        monitored: bool = False,
        size: int | None = None,
        today: date = TODAY,
    ) -> SyntheticHousehold:
        """One household numbered ``village_code`` + the 4-digit ``serial``, of ``size`` members (else
        drawn from the usual spread); ``monitored``: one the county is to enrol (at risk, and its members
        insured), in the ledger as ``category``."""
        if category == "monitored":
            raise ValueError(
                "监测户 is not a ledger category: make the household monitored=True with its category "
                "underneath, and enrol it through a case (POST /api/v1/case-imports)"
            )
        if category not in CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
        if size is not None and not 1 <= size <= MAX_SIZE:
            raise ValueError(f"A household has 1 to {MAX_SIZE} members, not {size}")
        place = village_code[:6]
        if not (len(place) == 6 and place.isascii() and place.isdigit()):
            raise ValueError(f"A village code starts with a 6-digit place code, not {village_code!r}")
        rng = self.rng
        random_ = rng.random
        size = size or SIZES.pick(rng)
        risky = monitored
        members: list[SyntheticPerson] = []

        def add(surname: str, sex: str, age: int, relation: str) -> None:
            members.append(self._person(place, surname, sex, age, relation, risky, today))

        # The head: an adult, most often a man; people living alone are more often old.
        surname = SURNAMES[int(random_() * len(SURNAMES))]
        head_sex = "male" if random_() < 0.84 else "female"
        low = 45 if size == 1 and random_() < 0.7 else HEAD_AGES[0]
        head_age = low + int(random_() * (HEAD_AGES[1] - low + 1))
        add(surname, head_sex, head_age, "head")
        youngest_parent = head_age
        if size > 1 and random_() < 0.9:  # a few households are a widowed head with children or parents
            spouse_sex = "female" if head_sex == "male" else "male"
            gap = int(random_() * 9) - 2  # the husband usually a few years older
            spouse_age = head_age - gap if head_sex == "male" else head_age + gap
            spouse_age = min(max(spouse_age, 22 if spouse_sex == "male" else 20), 80)
            add(SURNAMES[int(random_() * len(SURNAMES))], spouse_sex, spouse_age, "spouse")
            youngest_parent = min(head_age, spouse_age)

        table = next(table for below, table in DEPENDANTS if head_age < below)
        parents: list[str] = []
        while len(members) < size:
            relation = table.pick(rng)
            sex = "male" if random_() < 0.52 else "female"
            if relation == "parent" and len(parents) < 2 and head_age <= 65:
                sex = ("female" if parents[0] == "male" else "male") if parents else sex
                parents.append(sex)
                age = min(head_age + 20 + int(random_() * 16), 98)
                mother_surname = SURNAMES[int(random_() * len(SURNAMES))]  # a father has the head's
                add(surname if sex == "male" else mother_surname, sex, age, "parent")
            elif relation == "grandchild" and youngest_parent >= 40:
                age = int(random_() * (min(youngest_parent - 40, 20) + 1))
                add(surname, sex, age, "grandchild")
            elif relation == "sibling":
                age = max(16, head_age - 10 + int(random_() * 21))
                add(surname, sex, age, "sibling")
            elif relation == "other" and youngest_parent >= 50:  # most often a son's wife, 20 or older
                sex, age = "female" if random_() < 0.8 else "male", youngest_parent - 30 + int(random_() * 11)
                add(SURNAMES[int(random_() * len(SURNAMES))], sex, age, "other")
            else:  # a child: 20 to 40 years younger than the younger parent
                oldest = youngest_parent - 20
                age = oldest - int(random_() * (min(oldest, 20) + 1))
                add(surname, sex, age, "child")

        group_no = 1 + int(random_() * 12)
        secured = category != "ordinary" or monitored
        return SyntheticHousehold(
            number=f"{village_code}{serial:04d}",
            village_code=village_code,
            group_no=group_no,
            address=f"{group_no}组{1 + int(random_() * 90)}号",
            phone=PHONE_PREFIXES[int(random_() * len(PHONE_PREFIXES))] + f"{int(random_() * 1e8):08d}",
            housing_type=HOUSING_TYPES.pick(rng),
            housing_grade=(SECURED_GRADES if secured else HOUSING_GRADES).pick(rng),
            drinking_water="safe" if random_() < (0.995 if secured else 0.97) else "unsafe",
            cultivated_land_mu=round(0.3 + random_() * 7.7, 1),
            forest_land_mu=0.0 if random_() < 0.35 else round(random_() * 30, 1),
            category=category,
            poverty_exit_year=EXIT_YEARS.pick(rng) if category == "escaped" else None,
            members=members,
            monitored=monitored,
        )

    def _person(
        self, place: str, surname: str, sex: str, age: int, relation: str, risky: bool, today: date
    ) -> SyntheticPerson:
        random_ = self.rng.random
        born = self._birth_date(age, today)
        given = MALE_GIVEN if sex == "male" else FEMALE_GIVEN
        name = surname + given[int(random_() * len(given))]
        if random_() < 0.7:
            name += given[int(random_() * len(given))]
        stage = "child" if age < 16 else "adult" if age < 60 else "old"
        health = (RISK_HEALTH if risky else HEALTH)[stage].pick(self.rng)
        grade = 1 + int(random_() * 4) if health == "disabled" else None
        schooling = _schooling(age, random_())
        return SyntheticPerson(
            name=name,
            national_id=self._national_id(place, born, sex),
            birth_date=born,
            sex=sex,
            relation=relation,
            health=health,
            disability_grade=grade,
            labour_ability=_labour(age, health, grade, schooling),
            schooling=schooling,
            medical_insured=risky or random_() < 0.98,
        )

    def _birth_date(self, age: int, today: date) -> date:
        """A day on which someone born is exactly ``age`` on ``today``."""
        window = self._born_within.get((today, age))
        if window is None:
            latest = _years_before(today, age).toordinal()
            earliest = _years_before(today, age + 1).toordinal() + 1
            window = self._born_within[(today, age)] = (earliest, latest - earliest + 1)
        return date.fromordinal(window[0] + int(self.rng.random() * window[1]))

    def _national_id(self, place: str, born: date, sex: str) -> str:
        """A number no earlier call made: the sequence starts at random and moves on when taken."""
        ordinal = born.toordinal()
        digits = self._digits.get(ordinal)
        if digits is None:
            digits = self._digits[ordinal] = born.strftime("%Y%m%d")
        # Men get the odd sequences 001-999, women the even ones 002-998 (000 is not issued).
        male = sex == "male"
        slots = 500 if male else 499
        slot = int(self.rng.random() * slots)
        for _ in range(slots):
            first17 = f"{place}{digits}{2 * slot + (1 if male else 2):03d}"
            number = first17 + check_digit(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
            slot = slot + 1 if slot + 1 < slots else 0
        raise ValueError(f"Every {sex} ID number for place {place} born on {born} is taken")


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year without one
        return today.replace(year=today.year - years, day=28)


def _schooling(age: int, draw: float) -> str:
    if age < 6:
        return "preschool"
    if age <= 15:  # compulsory education
        return "in_school" if draw < 0.99 else "dropped_out"
    if age <= 18:
        return "high_school" if draw < 0.6 else "none"
    if age <= 22:
        return "college" if draw < 0.35 else "none"
    return "none"


def _labour(age: int, health: str, disability_grade: int | None, schooling: str) -> str:
    if age < 16 or age >= 75 or schooling in ("high_school", "college") or health == "serious":
        return "none"
    if health == "disabled":
        return "none" if disability_grade is not None and disability_grade <= 2 else "weak"
    if age >= 60 or health == "chronic":
        return "weak"
    return "full"


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
                *("" for _ in PROGRAMME_COLUMNS),  # their start dates: 登记日期
            ]
        )  # fmt: skip
    return rows
