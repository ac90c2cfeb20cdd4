"""篇5's settlement at 显月寺 for the tests: its project (定居/危旧房改造) in 黄金村 and the settlement's
plan — 42 relocated households in 131㎡ semi-detached houses at ≤ 1,000元/㎡ and 16 turnkey 50㎡ homes
for 特困户; down-payments of at least 3万 due by the end of 2025; the main structure by the end of June."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.projects import WAN, project_body
from tests.support.registry import HUANGJIN

PAYMENT_DUE, MAIN_STRUCTURE_DUE = "2025-12-31", "2026-06-30"


def settlement_project(area_code: str = HUANGJIN, **fields: Any) -> dict[str, Any]:
    return (
        project_body(
            area_code,
            year=2025,
            name="黄金村显月寺移民搬迁集中安置点",
            sector="settlement_housing",
            implementing_unit="蒿坪镇人民政府",
            entered_on="2025-06-01",
            planned_start_on="2025-09-01",
            planned_end_on="2026-10-31",
            budget=[{"source": "integrated", "budget_fen": 700 * WAN}],
        )
        | fields
    )


def settlement_body(project_id: str, area_code: str = HUANGJIN, **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "project_id": project_id,
        "area_code": area_code,
        "name": "显月寺集中安置点",
        "payment_due_on": PAYMENT_DUE,
        "main_structure_due_on": MAIN_STRUCTURE_DUE,
        "unit_types": [
            {
                "code": "A131",
                "name": "两户连体二层 131㎡",
                "floor_area_m2": 131,
                "cost_ceiling_fen_per_m2": 1000 * 100,
                "turnkey": False,
                "planned_units": 42,
            },
            {
                "code": "T50",
                "name": "特困户交钥匙 50㎡",
                "floor_area_m2": 50,
                "cost_ceiling_fen_per_m2": 1000 * 100,
                "turnkey": True,
                "planned_units": 16,
            },
        ],
    }
    return body | fields


def relocation_report(
    settlement_id: str, household_id: str, kind: str, on: str, **fields: Any
) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "settlement_id": settlement_id,
        "household_id": household_id,
        "kind": kind,
        "happened_on": on,
        "photo_refs": [f"photos/relocation/{kind}-1.jpg"],
    }
    return body | fields
