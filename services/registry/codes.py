"""The registry's stable English codes and their Chinese labels (documented in the OpenAPI text)."""

from __future__ import annotations

from services.common.labels import LabelledEnum

__all__ = ["LabelledEnum"]


class HouseholdCategory(LabelledEnum):
    escaped = "escaped", "脱贫户"
    monitored = "monitored", "监测户"
    ordinary = "ordinary", "一般农户"


class HousingType(LabelledEnum):
    brick = "brick", "砖房"
    adobe = "adobe", "土坯房"
    bought_in_town = "bought_in_town", "城镇购房"
    other = "other", "其他"


class HousingGrade(LabelledEnum):
    A = "A", "A级 安全"
    B = "B", "B级 基本安全"
    C = "C", "C级 局部危险"
    D = "D", "D级 整体危险"


class DrinkingWater(LabelledEnum):
    safe = "safe", "饮水安全"
    unsafe = "unsafe", "饮水不安全"


class Relation(LabelledEnum):
    head = "head", "户主"
    spouse = "spouse", "配偶"
    child = "child", "子女"
    parent = "parent", "父母"
    grandchild = "grandchild", "孙子女"
    sibling = "sibling", "兄弟姐妹"
    other = "other", "其他"


class Health(LabelledEnum):
    healthy = "healthy", "健康"
    chronic = "chronic", "长期慢性病"
    serious = "serious", "大病"
    disabled = "disabled", "残疾"


class LabourAbility(LabelledEnum):
    full = "full", "劳动力"
    weak = "weak", "弱劳动力"
    none = "none", "无劳动力"


class Schooling(LabelledEnum):
    preschool = "preschool", "学前"
    in_school = "in_school", "义务教育在校"
    dropped_out = "dropped_out", "辍学"
    high_school = "high_school", "高中"
    college = "college", "大学"
    none = "none", "非在校"


class Sex(LabelledEnum):
    male = "male", "男"
    female = "female", "女"


class Programme(LabelledEnum):
    """Programmes and categories a household or person holds for a period; several at once."""

    dibao = "dibao", "农村低保"
    tekun = "tekun", "特困供养/五保"
    disability_subsidy = "disability_subsidy", "残疾人两项补贴"
    escaped = "escaped", "脱贫户"
    monitored = "monitored", "监测户"


# The household categories that are also kept as programme periods, so "as of" queries see them.
CATEGORY_PROGRAMMES = {
    HouseholdCategory.escaped: Programme.escaped,
    HouseholdCategory.monitored: Programme.monitored,
}


class PersonMoveReason(LabelledEnum):
    marriage = "marriage", "婚嫁"
    split = "split", "分户"  # type: ignore[assignment]  # the API's value; the member hides str.split
    other = "other", "其他"
