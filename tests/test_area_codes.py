"""The 12-digit division code: levels, prefixes, parents and scope tests."""

import pytest

from services.common.area_codes import (
    NATIONAL_ROOT,
    AreaCodeError,
    AreaLevel,
    is_valid_scope,
    is_within,
    level_of,
    prefix_of,
    structural_parent,
)


@pytest.mark.parametrize(
    ("code", "level", "prefix", "parent"),
    [
        ("610000000000", AreaLevel.province, "61", None),
        ("610900000000", AreaLevel.city, "6109", "610000000000"),
        ("610924000000", AreaLevel.county, "610924", "610900000000"),
        ("610924105000", AreaLevel.town, "610924105", "610924000000"),
        ("610924105201", AreaLevel.village, "610924105201", "610924105000"),
    ],
)
def test_levels_prefixes_and_parents(code: str, level: AreaLevel, prefix: str, parent: str | None) -> None:
    assert level_of(code) == level
    assert prefix_of(code) == prefix
    assert structural_parent(code) == parent


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("61092410520", "area_code_length"),
        ("6109241052011", "area_code_length"),
        ("61092410520a", "area_code_digits"),
        ("６１０９２４１０５２０１", "area_code_digits"),  # full-width digits are not ASCII digits
        ("000000000000", "area_code_root"),
        ("001234000000", "area_code_segment"),
    ],
)
def test_bad_codes_say_which_rule(code: str, error: str) -> None:
    with pytest.raises(AreaCodeError) as raised:
        level_of(code)
    assert raised.value.code == error


def test_within_is_a_prefix_test_on_significant_digits() -> None:
    county = "610924000000"
    assert is_within("610924105201", county)
    assert is_within(county, county)
    assert not is_within("610925105201", county)
    # A town's code shares the county's trailing zeros but a sibling town is not inside it.
    assert not is_within("610924108201", "610924105000")
    assert is_within("610924105201", NATIONAL_ROOT)


def test_scope_validity() -> None:
    assert is_valid_scope(NATIONAL_ROOT)
    assert is_valid_scope("610924105000")
    assert not is_valid_scope("61092410500x")
