"""The demo's micro-credit (扶贫小额信贷), loaded through the API: 篇1's town (双丰镇) has 408.7万元 of
loans outstanding, none overdue ("全镇现有存量贷款408.7万元，使用合规，无逾期现象"), and keeps warning of
those falling due (到期预警): 81 loans of 5万元 and one of 3.7万元 to households of the town, three of
them due within 30 days of the first load.

Ids are derived (UUID 5) from the household's, so loading again the same day answers each as a retry;
on a later day the due dates (counted from the day of loading) differ, so the loans already there are
kept as they are (409). Banks, rates and purposes are illustrative.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import httpx

from fangpin.demo_jobs import ok_json
from fangpin.demo_projects import NAMESPACE, WAN
from services.common.calendar import china_today

logger = logging.getLogger("fangpin.demo")

SHUANGFENG_TOWN = "610924108000"
LOANS = 82  # 81 × 5万 + 3.7万 = 408.7万元
DUE_SOON = (9, 17, 26)  # days from the first load: 到期预警
BANKS = ("紫阳县农村信用合作联社", "中国邮政储蓄银行紫阳县支行")
PURPOSES = ("种植（富硒茶）", "养殖（生猪）", "养殖（肉牛）", "种植（魔芋）", "养殖（土鸡）")


def demo_loan(index: int, person_id: str) -> dict[str, Any]:
    today = china_today()
    due_in = DUE_SOON[index] if index < len(DUE_SOON) else 120 + 7 * index
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"loan:{person_id}")),
        "person_id": person_id,
        "bank": BANKS[index % len(BANKS)],
        "amount_fen": 37_000 * 100 if index == LOANS - 1 else 5 * WAN,
        "rate_bp": 435,
        "subsidy_bp": 435,  # 全额贴息
        "purpose": PURPOSES[index % len(PURPOSES)],
        "starts_on": (today + timedelta(days=due_in) - timedelta(days=3 * 365)).isoformat(),
        "due_on": (today + timedelta(days=due_in)).isoformat(),
    }


async def load_credit(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    listed = await client.get(
        "/api/v1/households", params={"within": SHUANGFENG_TOWN, "limit": LOANS}, headers=auth
    )
    heads = [
        h["head_person_id"] for h in ok_json(listed, "双丰镇's households")["items"] if h["head_person_id"]
    ]
    created = 0
    for index, person in enumerate(heads[:LOANS]):
        made = await client.post("/api/v1/loans", json=demo_loan(index, person), headers=auth)
        if made.status_code == 409:  # loaded on an earlier day: kept as it was
            logger.info("demo loan of person %s exists; left as it is", person)
            continue
        ok_json(made, f"the loan of person {person}")
        created += made.status_code == 201
    return {"loans": created}
