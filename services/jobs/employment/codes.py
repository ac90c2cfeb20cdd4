"""Employment codes: stable English codes with the Chinese labels the ledgers use."""

from __future__ import annotations

from services.common.labels import LabelledEnum


class EmploymentStatus(LabelledEnum):
    """Where a person's work stands (就业状态)."""

    away_out_of_province = "away_out_of_province", "省外务工"
    away_in_province = "away_in_province", "省内县外务工"
    away_in_county = "away_in_county", "县内乡外务工"
    local = "local", "本地务工"
    public_welfare_post = "public_welfare_post", "公益岗"
    self_employed = "self_employed", "自主创业/个体"
    not_working = "not_working", "未就业"
    unable = "unable", "无劳动能力"


# Working away from home (外出务工): the figure the reports count and compare year on year. Plain
# strings, as the database gives them back.
AWAY = frozenset(
    s.value
    for s in (
        EmploymentStatus.away_out_of_province,
        EmploymentStatus.away_in_province,
        EmploymentStatus.away_in_county,
    )
)
WORKING = AWAY | {
    s.value
    for s in (EmploymentStatus.local, EmploymentStatus.public_welfare_post, EmploymentStatus.self_employed)
}


class InformationSource(LabelledEnum):
    """Where the information came from (信息来源)."""

    door_to_door = "door_to_door", "入户走访"
    phone_survey = "phone_survey", "电话调查"
    hrss_system = "hrss_system", "人社系统"
    self_report = "self_report", "本人申报"
    employer = "employer", "用人单位"
    training = "training", "培训就业安置"  # made by a training placement (and its end)
    other = "other", "其他"


# The registry's household categories (a snapshot is stored with each record); the registry owns the
# codes, so they are repeated here rather than imported (services never import each other).
HOUSEHOLD_CATEGORY_LABELS = {"escaped": "脱贫户", "monitored": "监测户", "ordinary": "一般农户"}
# Those away by the kind of household: the category, a 监测户 by its monitoring type where known
# (篇1 counts 脱贫人口 and 边缘易致贫人口 working away); "monitored": a 监测户 of a type not known.
MONITORING_TYPE_LABELS = {
    "escaped": "脱贫户",
    "unstable": "脱贫不稳定户",
    "marginal": "边缘易致贫户",
    "sudden_hardship": "突发严重困难户",
    "monitored": "监测户（类型未知）",
    "ordinary": "一般农户",
}

RETURNED_HOME = "employment.returned_home"
JOB_LOST = "employment.job_lost"


def event_for(previous: str, new: str) -> str | None:
    """The event a change of status makes, if any. Coming home from work away is ``returned_home``
    whatever the new status (a return that is also a job loss is only that); a working person who is
    now not working has lost the job."""
    if previous in AWAY and new not in AWAY:
        return RETURNED_HOME
    if previous in WORKING and new == EmploymentStatus.not_working:
        return JOB_LOST
    return None
