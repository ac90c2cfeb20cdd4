"""Data checks of a visit against the registry: not risks (they raise no alert) but answers that
disagree with what the registry records, each with a reason a cadre can check and act on (correct the
registry, or the visit). Pure functions, versioned like the risk rules.

``household_size`` is the people the visit counted its per-person income over. The people monitoring
counts are the registry's members on that day (``registry_members_on``); a visit typing another number
is worth a look (a birth, a death or a move not yet registered, or a mistyped answer), never a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.monitoring.codes import Severity

HOUSEHOLD_SIZE_DIFFERS = "household_size_differs"


@dataclass(frozen=True)
class DataCheck:
    code: str
    severity: Severity
    reason: str
    rule_version: str


def household_size_check(typed: int | None, members: int | None, day: date) -> DataCheck | None:
    """The visit's household_size against the registry's members on the visit's (China) day; None when
    they agree, or when monitoring does not know the household's members yet (nothing to compare)."""
    if typed is None or members is None or typed == members:
        return None
    reason = (
        f"走访填报家庭人口{typed}人，户籍登记{members}人（{day.isoformat()}）："
        "请核实是否有出生、死亡、迁入迁出未登记，或填报有误"
    )
    return DataCheck(HOUSEHOLD_SIZE_DIFFERS, Severity.low, reason, f"{HOUSEHOLD_SIZE_DIFFERS}@1")
