"""The oversight service's codes, each with the Chinese label the seeds use."""

from __future__ import annotations

from services.common.labels import LabelledEnum


class UnitLevel(LabelledEnum):
    """Whose unit (帮扶单位的层级)."""

    central = "central", "中央单位"
    province = "province", "省级单位"
    prefecture = "prefecture", "市级单位"
    county = "county", "县级单位"
    town = "town", "乡镇"
    enterprise = "enterprise", "企业"
    other = "other", "其他"


class TeamRole(LabelledEnum):
    first_secretary = "first_secretary", "第一书记"
    leader = "leader", "工作队长"
    member = "member", "队员"


class Duty(LabelledEnum):
    """What a member's presence is held to (篇5): a stationed team member's days a year, a town cadre's
    or the village committee's days a week."""

    work_team = "work_team", "驻村工作队"
    town_cadre = "town_cadre", "乡镇干部"
    village_committee = "village_committee", "村两委"


# 篇5: "驻村220天", "乡镇干部每周3天", "村两委每周5天" — used where no target is set for the area and year.
DEFAULT_TARGETS: dict[Duty, tuple[int | None, int | None]] = {
    Duty.work_team: (220, None),  # (days a year, days a week)
    Duty.town_cadre: (None, 3),
    Duty.village_committee: (None, 5),
}


class LeaveState(LabelledEnum):
    requested = "requested", "待审批"
    approved = "approved", "已批准"
    refused = "refused", "未批准"
