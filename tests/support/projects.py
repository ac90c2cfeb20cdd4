"""Project bodies for the tests: 篇1's greenhouse project in 双丰村, and a receipt of its money."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.registry import SHUANGFENG

WAN = 10_000 * 100  # 1万元 in fen


def project_body(area_code: str = SHUANGFENG, **fields: Any) -> dict[str, Any]:
    """篇1: the 150万元 central-fund greenhouse project in 双丰村 (a new id each time)."""
    body = {
        "id": str(uuid.uuid4()),
        "year": 2023,
        "name": "双丰村温室大棚建设项目",
        "area_code": area_code,
        "sector": "industry",
        "implementing_unit": "双丰村股份经济合作社",
        "entered_on": "2023-01-10",
        "planned_start_on": "2023-03-01",
        "planned_end_on": "2023-08-05",
        "budget": [{"source": "central", "budget_fen": 150 * WAN}],
    }
    return body | fields


def receipt(movement_id: str, **fields: Any) -> dict[str, Any]:
    """Money received (到位) on the central line: the same id and fields again is a retry."""
    body = {
        "id": movement_id,
        "source": "central",
        "kind": "received",
        "amount_fen": 100 * WAN,
        "on": "2023-04-01",
        "voucher": "财预〔2023〕12号",
    }
    return body | fields


def asset_body(area_code: str = SHUANGFENG, **fields: Any) -> dict[str, Any]:
    """An asset registered directly: 双丰村's greenhouses as an operating asset, formed in 2023."""
    body = {
        "id": str(uuid.uuid4()),
        "area_code": area_code,
        "name": "双丰村温室大棚",
        "kind": "operating",
        "value_fen": 140 * WAN,
        "formed_on": "2023-09-01",
    }
    return body | fields


# A notice of an asset's operation (经营公示), posted on the village's board for a week.
ASSET_NOTICE = {
    "subject": "operation",
    "place": "村务公开栏",
    "posted_from": "2024-01-10",
    "posted_to": "2024-01-16",
}
