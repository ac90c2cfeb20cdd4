"""Village merge and "as of" statistics: before the merge the old villages' counts, after it the new."""

from __future__ import annotations

import httpx

from tests.support.registry import HUANGJIN, LONGQUAN, TOWN, make_areas, make_household


async def counts(client: httpx.AsyncClient, area: str, as_of: str) -> dict:
    response = await client.get("/api/v1/registry-stats/households", params={"area": area, "as_of": as_of})
    assert response.status_code == 200, response.text
    return response.json()


async def test_statistics_as_of_before_the_merge_give_the_pre_merge_villages(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    for _ in range(3):
        await make_household(admin, HUANGJIN, members=3, registered_on="2023-01-01", category="escaped")
    for _ in range(2):
        await make_household(admin, LONGQUAN, members=2, registered_on="2023-01-01")
    merge = {"target_code": HUANGJIN, "source_codes": [HUANGJIN, LONGQUAN], "effective_on": "2024-01-01"}
    done = await admin.post("/api/v1/area-merges", json=merge)
    assert done.status_code == 201, done.text
    assert done.json()["households_moved"] == 2
    assert (await admin.post("/api/v1/area-merges", json=merge)).status_code == 200  # a retry

    before = await counts(admin, TOWN, "2023-06-30")
    by_village = {c["area_code"]: (c["households"], c["people"]) for c in before["children"]}
    assert by_village == {HUANGJIN: (3, 9), LONGQUAN: (2, 4)}
    after = await counts(admin, TOWN, "2024-06-30")
    assert {c["area_code"]: (c["households"], c["people"]) for c in after["children"]} == {HUANGJIN: (5, 13)}
    assert (await counts(admin, LONGQUAN, "2023-06-30"))["households"] == 2
    assert (await counts(admin, LONGQUAN, "2024-06-30"))["households"] == 0
    escaped = next(p for p in before["programmes"] if p["programme"] == "escaped")
    assert (escaped["households"], escaped["people"], escaped["label"]) == (3, 9, "脱贫户")

    old = (await admin.get(f"/api/v1/areas/{LONGQUAN}")).json()
    assert (old["merged_into_code"], old["merged_on"]) == (HUANGJIN, "2024-01-01")
    moved_in = (await admin.get("/api/v1/households/count", params={"within": HUANGJIN})).json()
    assert moved_in["count"] == 5
    refused = await admin.post("/api/v1/households", json={"number": "X0001", "area_code": LONGQUAN})
    assert refused.status_code == 422 and refused.json()["code"] == "village_merged"


async def test_programme_periods_answer_as_of_queries(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    household = await make_household(admin, HUANGJIN, members=2, registered_on="2022-01-01")
    head = household["head_person_id"]
    period = {"household_id": household["id"], "programme": "dibao", "starts_on": "2023-01-01"}
    created = await admin.post("/api/v1/programmes", json=period | {"person_id": head})
    assert created.status_code == 201, created.text
    overlap = await admin.post(
        "/api/v1/programmes", json=period | {"person_id": head, "starts_on": "2023-05-01"}
    )
    assert overlap.status_code == 409 and overlap.json()["code"] == "programme_overlap"
    ended = await admin.post(f"/api/v1/programmes/{created.json()['id']}/end", json={"ends_on": "2024-12-31"})
    assert ended.status_code == 200
    in_2024 = await counts(admin, HUANGJIN, "2024-06-01")
    assert [(p["programme"], p["households"], p["people"]) for p in in_2024["programmes"]] == [
        ("dibao", 1, 1)
    ]
    assert (await counts(admin, HUANGJIN, "2025-06-01"))["programmes"] == []
    listed = await admin.get("/api/v1/programmes", params={"programme": "dibao", "as_of": "2024-06-01"})
    assert len(listed.json()["items"]) == 1
    assert (
        await admin.get("/api/v1/households/count", params={"programme": "dibao", "as_of": "2025-01-01"})
    ).json()["count"] == 0
