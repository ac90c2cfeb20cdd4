"""The projects service's codes, each with the Chinese label its ledgers and the seeds use."""

from __future__ import annotations

from services.common.labels import LabelledEnum


class Sector(LabelledEnum):
    """What a project builds (项目类别), as the summaries count them."""

    housing_facilities = "housing_facilities", "保障房配套"
    agriculture = "agriculture", "农林水牧"
    social = "social", "社会事业"
    settlement_housing = "settlement_housing", "定居/危旧房改造"
    industry = "industry", "产业"
    roads = "roads", "基础设施·道路"
    drinking_water = "drinking_water", "基础设施·饮水"
    courtyards = "courtyards", "基础设施·庭院"
    sanitation = "sanitation", "基础设施·环卫"
    employment = "employment", "就业"
    education = "education", "教育"
    health = "health", "医疗"
    other = "other", "其他"


# Sectors that serve people's livelihood (民生) unless a project says otherwise: what 篇4's rule ("≥ 80%
# of 援疆 money to grassroots and livelihood") counts on the livelihood side.
LIVELIHOOD_SECTORS = frozenset(set(Sector) - {Sector.industry, Sector.other})


class FundingSource(LabelledEnum):
    """Whose money (资金来源)."""

    central = "central", "中央衔接/专项资金"
    province = "province", "省级资金"
    city_county = "city_county", "市县资金"
    integrated = "integrated", "统筹整合资金"
    east_west = "east_west", "东西部协作资金"
    counterpart = "counterpart", "对口支援资金（援疆）"
    social = "social", "社会帮扶资金"
    other = "other", "其他"


class MovementKind(LabelledEnum):
    received = "received", "到位"
    paid = "paid", "支付"


class ProjectState(LabelledEnum):
    in_library = "in_library", "入库"
    approved = "approved", "已批复"
    started = "started", "已开工"
    completed = "completed", "已完工"
    accepted = "accepted", "已验收"
    handed_over = "handed_over", "已移交"
    cancelled = "cancelled", "已取消"


class ProjectAction(LabelledEnum):
    approve = "approve", "批复"
    start = "start", "开工"
    complete = "complete", "完工"
    accept = "accept", "验收"
    hand_over = "hand_over", "移交（形成资产）"
    adjust = "adjust", "调整"
    cancel = "cancel", "取消"


class AssetKind(LabelledEnum):
    operating = "operating", "经营性资产"
    public_welfare = "public_welfare", "公益性资产"
    household = "household", "到户类资产"


class OwnerType(LabelledEnum):
    """Who holds the title after 确权."""

    village_collective = "village_collective", "村集体"
    household = "household", "农户"
    other = "other", "其他"


class AssetState(LabelledEnum):
    active = "active", "在用"
    disposed = "disposed", "已处置"


class CheckResult(LabelledEnum):
    normal = "normal", "正常"
    problem = "problem", "发现问题"


class NoticeSubject(LabelledEnum):
    operation = "operation", "经营公示"
    distribution = "distribution", "收益分配公示"
    disposal = "disposal", "处置公示"


class NoticeState(LabelledEnum):
    posted = "posted", "公示中"
    effective = "effective", "已生效"
    withdrawn = "withdrawn", "已撤回"


class ReadingPeriod(LabelledEnum):
    """What a generation reading covers."""

    day = "day", "日发电量"
    month = "month", "月发电量"


class AlarmKind(LabelledEnum):
    operation = "operation", "运行告警"
    low_output = "low_output", "低效运行"
    damage = "damage", "故障损毁"


class AlarmState(LabelledEnum):
    open = "open", "待处置"
    fixing = "fixing", "处置中"
    fixed = "fixed", "已修复"


class AlarmAction(LabelledEnum):
    start_fixing = "start_fixing", "开始处置"
    fixed = "fixed", "修复完成"
