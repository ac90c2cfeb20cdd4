"""Names of division codes that need not be in the registry (a worker's destination in another province):
the official names (GB/T 2260) of every province and of the prefectures people most often go to work in.

A workbook never shows a code alone: a code the registry names takes the registry's name (the caller's
own areas), else the name here, else it says the name is not registered (with its province where that is
known), so a reader sees a name or that there is none, never a bare code.
"""

from __future__ import annotations

from collections.abc import Mapping

UNREGISTERED = "（未登记）"

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

# Provincial capitals and the cities most migrant workers go to (their prefecture-level codes).
PREFECTURES = {
    "1301": "石家庄市", "1401": "太原市", "1501": "呼和浩特市", "2101": "沈阳市", "2102": "大连市",
    "2201": "长春市", "2301": "哈尔滨市",
    "3201": "南京市", "3202": "无锡市", "3205": "苏州市", "3206": "南通市",
    "3301": "杭州市", "3302": "宁波市", "3303": "温州市", "3307": "金华市",
    "3401": "合肥市", "3501": "福州市", "3502": "厦门市", "3505": "泉州市", "3601": "南昌市",
    "3701": "济南市", "3702": "青岛市", "4101": "郑州市", "4201": "武汉市", "4301": "长沙市",
    "4401": "广州市", "4403": "深圳市", "4404": "珠海市", "4406": "佛山市", "4413": "惠州市",
    "4419": "东莞市", "4420": "中山市",
    "4501": "南宁市", "4601": "海口市", "5101": "成都市", "5201": "贵阳市", "5301": "昆明市",
    "5401": "拉萨市", "6101": "西安市", "6109": "安康市", "6201": "兰州市", "6301": "西宁市",
    "6401": "银川市", "6501": "乌鲁木齐市",
}  # fmt: skip


def official_name(code: str) -> str | None:
    """The official name of a province's or a listed prefecture's 12-digit code, else None."""
    if len(code) != 12 or not code.isdigit():
        return None
    if code[2:] == "0000000000":
        return PROVINCES.get(code[:2])
    if code[4:] == "00000000":
        return PREFECTURES.get(code[:4])
    return None


def name_of(code: str, known: Mapping[str, str] | None = None) -> str:
    """What a workbook shows beside ``code``: the registry's name (``known``), the official one, or that
    it is not registered (saying in which province, when the code's province is known)."""
    if known and (name := known.get(code)):
        return name
    if name := official_name(code):
        return name
    province = PROVINCES.get(code[:2])
    return f"（未登记，属{province}）" if province else UNREGISTERED
