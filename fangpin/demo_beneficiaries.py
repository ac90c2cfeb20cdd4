"""The demo's beneficiary links (利益联结), loaded through the API: 篇1's greenhouse project in 双丰村
employs three of the village's households (务工), and two of them have been paid wages so far. Monitoring
learns of the payments from the projects service's events and counts them as the households' wages.

Ids are derived (UUID 5) from the household's, so loading again answers each create as a retry.
Amounts and dates are illustrative.
"""

from __future__ import annotations

import uuid

import httpx

from fangpin.demo_jobs import ok_json
from fangpin.demo_projects import GREENHOUSE, NAMESPACE, YUAN

SHUANGFENG = "610924108201"
WORKERS = 3
WAGES = (
    ("2023-06-30", 4_800 * YUAN, "双丰村合作社工资表2023-06"),
    ("2023-07-31", 5_200 * YUAN, "双丰村合作社工资表2023-07"),
)


async def load_beneficiaries(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    listed = await client.get(
        "/api/v1/households", params={"within": SHUANGFENG, "limit": WORKERS}, headers=auth
    )
    households = [h["id"] for h in ok_json(listed, "双丰村's households")["items"]]
    created = 0
    for index, household in enumerate(households):
        link_id = str(uuid.uuid5(NAMESPACE, f"greenhouse:worker:{household}"))
        link = {
            "id": link_id,
            "project_id": GREENHOUSE["id"],
            "household_id": household,
            "kind": "wage",
            "starts_on": "2023-03-06",
            "note": "温室大棚建设务工",
        }
        made = await client.post("/api/v1/beneficiary-links", json=link, headers=auth)
        ok_json(made, f"the greenhouse's link to household {household}")
        created += made.status_code == 201
        if index >= len(WAGES):
            continue  # the third worker has not been paid yet
        paid_on, fen, voucher = WAGES[index]
        payment = {
            "id": str(uuid.uuid5(NAMESPACE, f"greenhouse:wage:{household}")),
            "amount_fen": fen,
            "paid_on": paid_on,
            "voucher": voucher,
        }
        url = f"/api/v1/beneficiary-links/{link_id}/payments"
        ok_json(await client.post(url, json=payment, headers=auth), f"wages of household {household}")
    return {"beneficiary_links": created}
