"""The import file's columns: one row per person, the household's fields repeated on each member's row.

Headers may be the Chinese labels of the ledgers or the API's English field names; enum cells may hold
the English code or the Chinese label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from services.registry.codes import (
    DrinkingWater,
    Health,
    HouseholdCategory,
    HousingGrade,
    HousingType,
    LabelledEnum,
    LabourAbility,
    Relation,
    Schooling,
)


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    required: bool = False
    enum: type[LabelledEnum] | None = None


COLUMNS = [
    Column("household_number", "户编号", required=True),
    Column("village_code", "村代码", required=True),
    Column("group_no", "组"),
    Column("address", "地址"),
    Column("household_phone", "联系电话"),
    Column("housing_type", "住房类型", enum=HousingType),
    Column("housing_grade", "住房安全等级", enum=HousingGrade),
    Column("drinking_water", "饮水", enum=DrinkingWater),
    Column("cultivated_land_mu", "耕地亩"),
    Column("forest_land_mu", "林地亩"),
    Column("category", "户类别", enum=HouseholdCategory),
    Column("poverty_exit_year", "脱贫年度"),
    Column("registered_on", "登记日期"),
    Column("name", "姓名", required=True),
    Column("national_id", "身份证号", required=True),
    Column("relation", "与户主关系", required=True, enum=Relation),
    Column("health", "健康状况", enum=Health),
    Column("disability_grade", "残疾等级"),
    Column("labour_ability", "劳动能力", enum=LabourAbility),
    Column("schooling", "在校情况", enum=Schooling),
    Column("medical_insured", "参加医保"),
    Column("dibao", "低保"),
    Column("tekun", "特困"),
    Column("disability_subsidy", "残疾补贴"),
    # Last, so that ledgers without them keep their columns' places. Read only where the flag is 是.
    Column("dibao_starts_on", "低保开始日期"),
    Column("tekun_starts_on", "特困开始日期"),
    Column("disability_subsidy_starts_on", "残疾补贴开始日期"),
]
BY_HEADER = {name: column for column in COLUMNS for name in (column.field, column.label)}
HOUSEHOLD_FIELDS = (
    "village_code",
    "group_no",
    "address",
    "household_phone",
    "housing_type",
    "housing_grade",
    "drinking_water",
    "cultivated_land_mu",
    "forest_land_mu",
    "category",
    "poverty_exit_year",
    "registered_on",
)
PROGRAMME_FLAGS = ("dibao", "tekun", "disability_subsidy")
# Each flag's optional start date (default: the row's 登记日期).
PROGRAMME_STARTS = {flag: f"{flag}_starts_on" for flag in PROGRAMME_FLAGS}
YES = {"是", "y", "yes", "true", "1", "有"}
NO = {"否", "n", "no", "false", "0", "无", ""}


@cache
def codes_by_cell(enum: type[LabelledEnum]) -> dict[str, str]:
    """Each enum's codes by what a cell may hold: the code or the Chinese label."""
    # Iterating an enum per cell costs more than the rest of a row's checks; a million rows need a table.
    return {text: member.value for member in enum for text in (member.label, member.value) if text}


def header_row() -> list[str]:
    """The Chinese headers, in order: what a template or an export starts with."""
    return [column.label for column in COLUMNS]
