"""The demo's relocation settlement (易地扶贫搬迁), loaded through the API: 篇5's settlement at 显月寺 in
黄金村 — 58 households planned, 42 relocated in 131㎡ semi-detached houses at ≤ 1,000元/㎡ and 16 turnkey
50㎡ homes for 特困户; 36 households have paid 133万元 of down-payments (at least 3万 each: 25 paid 4万,
11 paid 3万); the main structure is due by the end of June. The 16 are the village's 特困 households,
the 42 its escaped-poverty (脱贫) households.

Ids are derived (UUID 5), so loading again answers each create as a retry. Dates and the split of the
133万 are illustrative; the figures are the seed's.
"""

from __future__ import annotations

import uuid

import httpx

from fangpin.demo_jobs import ok_json
from fangpin.demo_projects import NAMESPACE, WAN

HUANGJIN = "610924105201"
PROJECT = {
    "id": str(uuid.uuid5(NAMESPACE, "project:xianyuesi-settlement")),
    "year": 2025,
    "name": "黄金村显月寺移民搬迁集中安置点",
    "area_code": HUANGJIN,
    "sector": "settlement_housing",
    "implementing_unit": "蒿坪镇人民政府",
    "entered_on": "2025-08-01",
    "planned_start_on": "2025-09-01",
    "planned_end_on": "2026-10-31",
    "budget": [{"source": "integrated", "budget_fen": 800 * WAN}],
}
SETTLEMENT_ID = str(uuid.uuid5(NAMESPACE, "settlement:xianyuesi"))
UNIT_TYPES = [
    {
        "code": "A131",
        "name": "两户连体二层 131㎡（3室2厅2卫1厨）",
        "floor_area_m2": 131,
        "cost_ceiling_fen_per_m2": 1000 * 100,
        "turnkey": False,
        "planned_units": 42,
    },
    {
        "code": "T50",
        "name": "特困户交钥匙 50㎡（1室1厅1厨1厕）",
        "floor_area_m2": 50,
        "cost_ceiling_fen_per_m2": 1000 * 100,
        "turnkey": True,
        "planned_units": 16,
    },
]
PAYERS, AT_4_WAN = 36, 25  # 25 × 4万 + 11 × 3万 = 133万


async def _households(
    client: httpx.AsyncClient, auth: dict[str, str], how: dict[str, str], n: int
) -> list[str]:
    params = {"within": HUANGJIN, "limit": str(n)} | how
    listed = ok_json(await client.get("/api/v1/households", params=params, headers=auth), f"黄金村's {how}")
    return [h["id"] for h in listed["items"]]


async def load_relocation(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    made = await client.post("/api/v1/projects", json=PROJECT, headers=auth)
    ok_json(made, "the settlement's project")
    if made.status_code == 201:
        url = f"/api/v1/projects/{PROJECT['id']}/actions"
        for action, on in (("approve", "2025-08-20"), ("start", "2025-09-03")):
            ok_json(await client.post(url, json={"action": action, "on": on}, headers=auth), action)
    body = {
        "id": SETTLEMENT_ID,
        "project_id": PROJECT["id"],
        "area_code": HUANGJIN,
        "name": "显月寺集中安置点",
        "min_down_payment_fen": 3 * WAN,
        "payment_due_on": "2025-12-31",
        "main_structure_due_on": "2026-06-30",
        "unit_types": UNIT_TYPES,
    }
    settlement = ok_json(await client.post("/api/v1/settlements", json=body, headers=auth), "the settlement")
    types = {t["code"]: t["id"] for t in settlement["unit_types"]}
    turnkey = await _households(client, auth, {"programme": "tekun"}, 16)
    relocated = await _households(client, auth, {"category": "escaped"}, 42)
    created = 0
    base = f"/api/v1/settlements/{SETTLEMENT_ID}"
    for unit, households in (("T50", turnkey), ("A131", relocated)):
        for household in households:
            signup = {
                "id": str(uuid.uuid5(NAMESPACE, f"settlement:xianyuesi:{household}")),
                "household_id": household,
                "unit_type_id": types[unit],
                "signed_on": "2025-09-10",
            }
            signed = await client.post(f"{base}/households", json=signup, headers=auth)
            ok_json(signed, f"household {household} signed up")
            created += signed.status_code == 201
    for index, household in enumerate(relocated[:PAYERS]):
        payment = {
            "id": str(uuid.uuid5(NAMESPACE, f"settlement:xianyuesi:paid:{household}")),
            "household_id": household,
            "amount_fen": (4 if index < AT_4_WAN else 3) * WAN,
            "paid_on": "2025-11-20",
            "voucher": f"显月寺首付收据{index + 1:03d}",
        }
        ok_json(
            await client.post(f"{base}/payments", json=payment, headers=auth), f"{household}'s down-payment"
        )
    return {"settlement_households": created}
