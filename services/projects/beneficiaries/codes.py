"""How a household benefits from a project or an asset, and which income that is for monitoring."""

from __future__ import annotations

from services.common.labels import LabelledEnum


class LinkKind(LabelledEnum):
    """利益联结方式."""

    wage = "wage", "务工"
    dividend = "dividend", "分红"
    land_rent = "land_rent", "土地流转租金"
    produce = "produce", "农产品收购"
    other = "other", "其他"


def income_kind(kind: str) -> str:
    """The income component monitoring counts a payment as: 务工 is wage income (工资性收入); DOMAIN.md
    names no other mapping, so every other way is transfer income (转移性收入)."""
    return "wage" if kind == LinkKind.wage.value else "transfer"


PAID_EVENT = "beneficiary.paid"
