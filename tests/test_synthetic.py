"""Synthetic households: deterministic, valid ID numbers, exact totals, ages that fit (no database)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

from fangpin.synthetic import (
    FEMALE_GIVEN,
    MALE_GIVEN,
    SURNAMES,
    Generator,
    SyntheticHousehold,
    import_rows,
)
from services.registry import codes, national_id
from services.registry.imports.columns import header_row
from services.registry.imports.validate import Header, ImportRow, RowChecker

VILLAGE = "610924105201"  # 汉阴县 蒿坪镇 黄金村
OTHER_VILLAGE = "440524100202"
TODAY = date(2026, 11, 28)


def age_on(born: date, today: date) -> int:
    """Whole years of age on ``today``, worked out apart from the generator's own arithmetic."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def people(households: list[SyntheticHousehold]):  # noqa: ANN201
    return [(h, p) for h in households for p in h.members]


@pytest.fixture(scope="module")
def sample() -> list[SyntheticHousehold]:
    """A few thousand people of every category, from two places; monitored ones (to be enrolled through
    cases) with each category underneath."""
    generator = Generator(11)
    made = []
    for category, monitored, count in (
        ("ordinary", False, 400),
        ("escaped", False, 400),
        ("escaped", True, 200),
        ("ordinary", True, 200),
    ):
        for village, share in ((VILLAGE, 3), (OTHER_VILLAGE, 1)):
            made += generator.households(
                village,
                count * share // 4,
                category=category,
                monitored=monitored,
                start_serial=len(made) + 1,
            )
    return made


def test_the_same_seed_gives_the_same_households() -> None:
    first = list(Generator(3).households(VILLAGE, 50, persons=170))
    again = list(Generator(3).households(VILLAGE, 50, persons=170))
    other = list(Generator(4).households(VILLAGE, 50, persons=170))
    assert first == again
    assert first != other
    assert [p.national_id for _, p in people(first)] != [p.national_id for _, p in people(other)]


def test_generators_share_no_state_and_leave_the_global_random_alone() -> None:
    alone = Generator(5).household(VILLAGE, 1)
    busy, other = Generator(5), Generator(5)
    other.household(VILLAGE, 9)  # another generator's draws change nothing
    random.seed(123)
    expected = random.random()
    random.seed(123)
    assert busy.household(VILLAGE, 1) == alone
    assert random.random() == expected


def test_every_id_number_is_valid_and_agrees_with_the_person(sample: list[SyntheticHousehold]) -> None:
    for household, person in people(sample):
        parsed = national_id.parse(
            person.national_id, birth_date=person.birth_date, sex=person.sex, today=TODAY
        )
        assert parsed.number == person.national_id
        assert person.national_id[:6] == household.village_code[:6]
        assert person.national_id[14:17] != "000"


def test_id_numbers_never_repeat_within_a_generator() -> None:
    generator = Generator(1)
    numbers = [p.national_id for _, p in people(list(generator.households(VILLAGE, 6000, persons=20_000)))]
    assert len(numbers) == len(set(numbers)) == 20_000
    assert generator.used_ids == set(numbers)


def test_a_birth_date_and_sex_can_run_out_of_sequences() -> None:
    generator = Generator(0)
    born = date(1980, 1, 1)
    made = {generator._national_id("610924", born, "female") for _ in range(499)}
    assert len(made) == 499 and {int(n[14:17]) % 2 for n in made} == {0}
    with pytest.raises(ValueError, match="taken"):
        generator._national_id("610924", born, "female")
    assert int(generator._national_id("610924", born, "male")[14:17]) % 2 == 1


@pytest.mark.parametrize(
    ("count", "persons"), [(216, 783), (240, 980), (662, 674), (27, 83), (10, 10), (5, 40)]
)
def test_people_add_up_exactly(count: int, persons: int) -> None:
    made = list(Generator(2).households(VILLAGE, count, persons=persons))
    sizes = [len(h.members) for h in made]
    assert len(made) == count and sum(sizes) == persons
    assert min(sizes) >= 1 and max(sizes) <= 8
    assert [h.number for h in made] == [f"{VILLAGE}{serial:04d}" for serial in range(1, count + 1)]


def test_sizes_are_spread_like_a_village() -> None:
    sizes = Counter(len(h.members) for h in Generator(2).households(VILLAGE, 216, persons=783))
    assert len(sizes) >= 5  # not all the same size
    assert sizes[1] + sizes[2] >= 30 and sizes[5] + sizes[6] + sizes[7] + sizes[8] >= 20
    natural = Counter(len(h.members) for h in Generator(2).households(VILLAGE, 5000))
    assert 3.0 < sum(size * n for size, n in natural.items()) / 5000 < 3.6


@pytest.mark.parametrize(("count", "persons"), [(10, 9), (10, 81), (1, 0)])
def test_impossible_totals_are_refused(count: int, persons: int) -> None:
    with pytest.raises(ValueError, match="cannot fill"):
        list(Generator().households(VILLAGE, count, persons=persons))


def test_bad_arguments_are_refused() -> None:
    generator = Generator()
    for size in (0, 9):
        with pytest.raises(ValueError, match="1 to 8"):
            generator.household(VILLAGE, 1, size=size)
    with pytest.raises(ValueError, match="category"):
        generator.household(VILLAGE, 1, category="rich")
    with pytest.raises(ValueError, match="case-imports"):  # 监测户 is not a ledger's category
        generator.household(VILLAGE, 1, category="monitored")
    with pytest.raises(ValueError, match="place code"):
        generator.household("61A9", 1)
    assert list(generator.households(VILLAGE, 0, persons=0)) == []


def test_numbers_and_serials(sample: list[SyntheticHousehold]) -> None:
    generator = Generator()
    assert generator.household("610924105201", 52).number == "6109241052010052"
    made = list(generator.households(VILLAGE, 3, start_serial=7))
    assert [h.number for h in made] == ["6109241052010007", "6109241052010008", "6109241052010009"]
    assert len({h.number for h in sample}) == len(sample)


def test_codes_are_the_registrys(sample: list[SyntheticHousehold]) -> None:
    for household, person in people(sample):
        assert household.housing_type in set(codes.HousingType)
        assert household.housing_grade in set(codes.HousingGrade)
        assert household.drinking_water in set(codes.DrinkingWater)
        assert household.category in set(codes.HouseholdCategory)
        assert person.relation in set(codes.Relation)
        assert person.health in set(codes.Health)
        assert person.labour_ability in set(codes.LabourAbility)
        assert person.schooling in set(codes.Schooling)
        assert person.sex in set(codes.Sex)
        assert (person.disability_grade is not None) == (person.health == "disabled")
        assert person.disability_grade in (None, 1, 2, 3, 4)
    relations = Counter(p.relation for _, p in people(sample))
    assert set(relations) == set(codes.Relation)
    grades = Counter(h.housing_grade for h in sample)
    assert (grades["A"] + grades["B"]) / len(sample) > 0.85


def test_households_look_like_rural_ledgers(sample: list[SyntheticHousehold]) -> None:
    for household in sample:
        assert household.phone.isdigit() and len(household.phone) == 11 and household.phone[0] == "1"
        assert household.phone[1] in "3456789"
        assert 1 <= household.group_no <= 12 and household.address.startswith(f"{household.group_no}组")
        assert 0 < household.cultivated_land_mu <= 8 and 0 <= household.forest_land_mu <= 30
        assert household.category in ("ordinary", "escaped")  # 监测户 comes from a case, not the ledger
        if household.category == "escaped":
            assert 2014 <= household.poverty_exit_year <= 2020
        else:
            assert household.poverty_exit_year is None
        assert household.monitoring_type == ("unstable" if household.category == "escaped" else "marginal")
    monitored = [p for h in sample if h.monitored for p in h.members]
    ordinary = [p for h in sample if h.category == "ordinary" and not h.monitored for p in h.members]
    assert {h.category for h in sample if h.monitored} == {"ordinary", "escaped"}
    assert all(p.medical_insured for p in monitored)
    share = lambda group: sum(p.health != "healthy" for p in group) / len(group)  # noqa: E731
    assert share(monitored) > 1.5 * share(ordinary)


def test_names_are_a_common_surname_and_one_or_two_characters(sample: list[SyntheticHousehold]) -> None:
    lengths = Counter()
    for household in sample:
        head = household.members[0]
        for person in household.members:
            assert person.name[0] in SURNAMES and len(person.name) in (2, 3)
            assert set(person.name[1:]) <= set(MALE_GIVEN if person.sex == "male" else FEMALE_GIVEN)
            if person.relation in ("child", "grandchild", "sibling"):
                assert person.name[0] == head.name[0]
            lengths[len(person.name)] += 1
    assert lengths[2] and lengths[3] > lengths[2]
    assert len(set(MALE_GIVEN + FEMALE_GIVEN)) >= 75


def test_ages_fit_relations_schooling_and_labour(sample: list[SyntheticHousehold]) -> None:
    for household in sample:
        head, *others = household.members
        assert head.relation == "head" and 25 <= age_on(head.birth_date, TODAY) <= 75
        assert [p.relation for p in others].count("spouse") <= 1
        assert [p.relation for p in others].count("parent") <= 2
        parents = [p for p in household.members if p.relation in ("head", "spouse")]
        younger_parent = max(p.birth_date for p in parents)
        for person in others:
            age = age_on(person.birth_date, TODAY)
            gap = (younger_parent - person.birth_date).days / 365.25  # positive: the person is older
            if person.relation == "spouse":
                assert person.sex != head.sex and age >= 20
            elif person.relation == "child":
                assert -41 < gap < -19
            elif person.relation == "grandchild":
                assert gap < -39
            elif person.relation == "parent":
                assert (person.birth_date - head.birth_date).days / 365.25 < -19
            elif person.relation == "other":
                assert age >= 20
        for person in household.members:
            age = age_on(person.birth_date, TODAY)
            assert person.schooling == _expected_schooling(age, person.schooling)
            if age < 16 or age >= 75 or person.schooling in ("high_school", "college"):
                assert person.labour_ability == "none"
            elif age >= 60:
                assert person.labour_ability in ("weak", "none")
            if person.labour_ability == "full":
                assert 16 <= age < 60 and person.health == "healthy"


def _expected_schooling(age: int, schooling: str) -> str:
    """What the person's schooling may be at that age (the given one when it is allowed)."""
    allowed = (
        {"preschool"}
        if age < 6
        else {"in_school", "dropped_out"}
        if age <= 15
        else {"high_school", "none"}
        if age <= 18
        else {"college", "none"}
        if age <= 22
        else {"none"}
    )
    return schooling if schooling in allowed else f"one of {sorted(allowed)}"


def test_compulsory_school_age_children_are_mostly_in_school(sample: list[SyntheticHousehold]) -> None:
    pupils = [p.schooling for _, p in people(sample) if 6 <= age_on(p.birth_date, TODAY) <= 15]
    assert len(pupils) > 100 and pupils.count("in_school") / len(pupils) > 0.95


def test_birth_dates_give_exactly_the_intended_age_around_leap_days() -> None:
    for today in (date(2024, 2, 29), date(2025, 3, 1), date(2026, 12, 31), date(2027, 1, 1)):
        generator = Generator(9)
        for age in (0, 1, 4, 15, 16, 59, 60, 98):
            for _ in range(40):
                born = generator._birth_date(age, today)
                assert age_on(born, today) == age and born <= today


def test_ages_are_counted_from_the_given_today() -> None:
    today = date(2020, 6, 1)
    head = Generator(4).household(VILLAGE, 1, size=8, today=today).members[0]
    assert 25 <= age_on(head.birth_date, today) <= 75
    for person in Generator(4).household(VILLAGE, 1, size=8, today=today).members:
        national_id.parse(person.national_id, birth_date=person.birth_date, today=today)


def test_the_rows_pass_the_import_checks(sample: list[SyntheticHousehold]) -> None:
    check_row = RowChecker(Header(header_row()))
    for number, household in enumerate(sample[::7]):
        for cells in import_rows(household, date(2023, 1, 1), {0: {"dibao"}} if number % 3 == 0 else None):
            checked = check_row(cells, 2)
            assert isinstance(checked, ImportRow), checked
