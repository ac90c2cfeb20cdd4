"""篇5 counts 64 people unable to work through disability (残疾、智障丧失劳动能力64人) and 46 poor
households with a chronically or seriously ill member; the registry's statistics give both from data."""

from __future__ import annotations

import httpx

from tests.support.registry import HUANGJIN, LONGQUAN, TOWN, fresh_number, make_areas, member


async def household(client: httpx.AsyncClient, village: str, people: list[dict], **fields: object) -> dict:
    body = {"number": fresh_number(village), "area_code": village, "members": people} | fields
    made = await client.post("/api/v1/households", json=body)
    assert made.status_code == 201, made.text
    return made.json()


DISABLED = {"health": "disabled", "disability_grade": 1, "labour_ability": "none"}


async def test_people_by_health_disability_and_labour_give_pian5s_64_and_46(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    # 46 poor (脱贫户) households with a chronically or seriously ill member, 5 ordinary ones too.
    for i in range(46):
        ill = "chronic" if i % 2 else "serious"
        await household(
            admin,
            HUANGJIN,
            [member("head", health=ill, labour_ability="weak"), member("spouse", labour_ability="full")],
            category="escaped",
        )
    for _ in range(5):
        await household(admin, LONGQUAN, [member("head", health="chronic", labour_ability="weak")])
    # 64 disabled and unable to work, in 32 households; 3 more disabled who can do light work.
    for i in range(32):
        await household(
            admin, HUANGJIN if i < 20 else LONGQUAN, [member("head", **DISABLED), member("child", **DISABLED)]
        )
    for _ in range(3):
        await household(
            admin, HUANGJIN, [member("head", health="disabled", disability_grade=3, labour_ability="weak")]
        )

    answer = await admin.get("/api/v1/registry-stats/people", params={"area": TOWN})
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    assert figures["disabled_unable_to_work"] == 64
    assert figures["ill_households"]["households"] == 51
    assert figures["ill_households"]["by_programme"]["escaped"] == 46
    health = {h["health"]: h["people"] for h in figures["by_health"]}
    assert health == {"healthy": 46, "chronic": 23 + 5, "serious": 23, "disabled": 67}
    labour = {h["labour_ability"]: h["people"] for h in figures["by_labour_ability"]}
    assert labour == {"full": 46, "weak": 46 + 5 + 3, "none": 64}
    assert figures["by_disability_grade"] == {"1": 64, "3": 3}
    villages = {
        c["area_code"]: (c["disabled_unable_to_work"], c["ill_households"]) for c in figures["children"]
    }
    assert villages == {HUANGJIN: (40, 46), LONGQUAN: (24, 5)}
    village = (await admin.get("/api/v1/registry-stats/people", params={"area": LONGQUAN})).json()
    assert (village["people"], village["disabled_unable_to_work"]) == (5 + 24, 24)
    missing = await admin.get("/api/v1/registry-stats/people", params={"area": "610924105299"})
    assert missing.status_code == 404
