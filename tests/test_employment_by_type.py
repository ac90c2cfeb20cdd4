"""篇1: "截至5月底全镇脱贫人口外出务工882人、边缘易致贫人口外出18人" — the employment figures split those
working away by the kind of household: 脱贫户, and a 监测户 by the monitoring type its case named (the
registry keeps it with the 监测户 period, jobs keeps it with each record)."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from services.common.calendar import china_today
from tests.support.cases import enrol_past
from tests.support.registry import HUANGJIN, TOWN, make_areas, make_household


def away(person_id: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "person_id": person_id,
        "status": "away_out_of_province",
        "source": "door_to_door",
        "reported_on": str(china_today()),  # when it runs: a run may cross midnight in China
    }


async def test_those_away_split_882_escaped_and_18_marginal(
    admin: httpx.AsyncClient, system: FastAPI
) -> None:
    await make_areas(admin)
    escaped = [await make_household(admin, HUANGJIN, members=9, category="escaped") for _ in range(98)]
    edge = [await make_household(admin, HUANGJIN, members=6) for _ in range(3)]  # 边缘易致贫户 once enrolled
    unstable = await make_household(admin, HUANGJIN, members=2, category="escaped")  # 脱贫不稳定户
    await enrol_past(admin, system, [*edge, unstable])
    people = [m["id"] for h in [*escaped, *edge, unstable] for m in h["members"]]
    assert len(people) == 882 + 18 + 2
    for start in range(0, len(people), 500):
        batch = await admin.post(
            "/api/v1/employment-records/batch", json={"items": [away(p) for p in people[start : start + 500]]}
        )
        assert batch.status_code == 200, batch.text
        assert batch.json()["created"] == len(people[start : start + 500]), batch.text
    stats = await admin.get("/api/v1/employment-stats", params={"area": TOWN})
    assert stats.status_code == 200, stats.text
    by_type = {
        k["monitoring_type"]: k["current"] for k in stats.json()["away_by_monitoring_type"] if k["current"]
    }
    assert by_type == {"escaped": 882, "marginal": 18, "unstable": 2}
    labels = {k["monitoring_type"]: k["label"] for k in stats.json()["away_by_monitoring_type"]}
    assert (labels["escaped"], labels["marginal"]) == ("脱贫户", "边缘易致贫户")
    by_category = {c["household_category"]: c["current"] for c in stats.json()["away_by_household_category"]}
    assert (by_category["escaped"], by_category["monitored"]) == (882, 20)  # the categories as before
