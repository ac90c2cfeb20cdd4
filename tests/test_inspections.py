"""Inspections from phones: idempotent batches, explainable findings, alerts that name their threshold."""

from __future__ import annotations

import asyncio
import random
import uuid

import asyncpg
import httpx

from services.monitoring.inspections.schemas import InspectionCreate
from services.monitoring.inspections.service import legacy_content_hash
from tests.support.database import libpq_url
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, SHUANGFENG, make_areas, seed_households
from tests.support.system import Database


async def count_rows(database: Database, table: str) -> int:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        return await conn.fetchval(f"SELECT count(*) FROM monitoring.{table}")  # noqa: S608 - our names
    finally:
        await conn.close()


async def test_low_income_raises_an_alert_naming_the_threshold_version(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    first = await set_thresholds(admin, 2025, income_line=7000)
    [household] = await seed_households(clean_database.owner_url)
    visit = inspection(household, wages=23280, size=4)  # 5,820 per person
    posted = await admin.post("/api/v1/inspections", json=visit)
    assert posted.status_code == 201, posted.text
    finding = posted.json()["findings"][0]
    assert finding["code"] == "low_income"
    assert finding["reason"] == f"人均纯收入5,820元 < 2025年监测标准7,000元（{COUNTY} 2025年标准第1版）"
    assert (finding["threshold_id"], finding["threshold_version"]) == (first["id"], 1)

    alerts = (await admin.get("/api/v1/alerts", params={"household_id": household})).json()["items"]
    assert [(a["risk_code"], a["state"], a["signals"]) for a in alerts] == [("low_income", "open", 1)]
    assert alerts[0]["actions"] == ["acknowledge", "dismiss"]

    # Next year's line changes nothing about this year's result, then or when evaluated again.
    await set_thresholds(admin, 2026, income_line=9000)
    again = await admin.post("/api/v1/inspections", json=inspection(household, wages=23280, size=4))
    assert again.json()["findings"][0]["reason"] == finding["reason"]
    stored = (await admin.get(f"/api/v1/inspections/{visit['id']}")).json()
    assert stored["findings"][0]["threshold_version"] == 1
    detail = (await admin.get(f"/api/v1/alerts/{alerts[0]['id']}")).json()
    assert detail["signals"] == 2 and len(detail["history"]) == 2  # the repeat attached to the open alert

    # A new version for the same year is used from then on; the old results keep theirs.
    await set_thresholds(admin, 2025, income_line=5000)
    later = await admin.post("/api/v1/inspections", json=inspection(household, wages=23280, size=4))
    assert later.json()["findings"] == []
    in_force = (
        await admin.get("/api/v1/thresholds/in-force", params={"area_code": HUANGJIN, "year": 2025})
    ).json()
    assert in_force["version"] == 2
    assert (await admin.get(f"/api/v1/inspections/{visit['id']}")).json()["findings"] == stored["findings"]


async def test_a_village_line_overrides_the_county_line(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025, income_line=7000)
    await set_thresholds(admin, 2025, income_line=6000, area_code=HUANGJIN)
    [here] = await seed_households(clean_database.owner_url, HUANGJIN)
    [there] = await seed_households(clean_database.owner_url, SHUANGFENG)
    assert (await admin.post("/api/v1/inspections", json=inspection(here, wages=26000))).json()[
        "findings"
    ] == []
    visit = inspection(there, wages=26000, area_code=SHUANGFENG)
    elsewhere = await admin.post("/api/v1/inspections", json=visit)
    assert [f["code"] for f in elsewhere.json()["findings"]] == ["low_income"]


async def test_every_guarantee_is_checked_and_explained(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025)
    [household] = await seed_households(clean_database.owner_url)
    visit = inspection(
        household,
        food_secure=False,
        children=[
            {"name": "小明", "age": 12, "schooling": "dropped_out"},
            {"name": "小红", "age": 8, "schooling": "in_school"},
        ],
        medical_insurance=[{"name": "王秀英", "insured": False}, {"name": "李四", "insured": True}],
        housing_grade="D",
        water={"enough": True, "quality_ok": False, "convenient": True, "reliable": True},
        large_expenses={"medical": 30000},
        risk_events=[{"kind": "illness", "happened_on": "2025-09-01", "note": "户主住院"}],
    )
    findings = {
        f["code"]: f["reason"]
        for f in (await admin.post("/api/v1/inspections", json=visit)).json()["findings"]
    }
    assert findings == {
        "food_clothing": "不愁吃未保障",
        "compulsory_education": "义务教育阶段未在学：小明（12岁，辍学）",
        "medical_insurance": "未参加基本医疗保险：王秀英",
        "unsafe_housing": "住房鉴定为D级（整体危险）",
        "unsafe_water": "饮水安全不达标：水质",
        "large_expense": (
            f"刚性支出30,000元（医疗30,000元）> 2025年刚性支出标准20,000元（{COUNTY} 2025年标准第1版）"
        ),
        "illness": "因病风险：患病（2025-09-01：户主住院）",
    }


async def test_a_late_older_visit_is_kept_but_raises_nothing(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025)
    [household] = await seed_households(clean_database.owner_url)
    newer = inspection(household, visited_at="2025-10-10T10:00:00+08:00")
    older = inspection(household, visited_at="2025-09-01T10:00:00+08:00", wages=1000)
    assert (await admin.post("/api/v1/inspections", json=newer)).status_code == 201
    late = await admin.post("/api/v1/inspections", json=older)
    assert [f["code"] for f in late.json()["findings"]] == ["low_income"]
    assert (await admin.get(f"/api/v1/inspections/{older['id']}")).json()["superseded"] is True
    assert (await admin.get("/api/v1/alerts", params={"household_id": household})).json()["items"] == []
    # A batch's answer says so at once: of two visits in one batch, the earlier is superseded.
    later = inspection(household, visited_at="2025-11-10T10:00:00+08:00")
    earlier = inspection(household, visited_at="2025-11-01T10:00:00+08:00", wages=1000)
    batch = await admin.post("/api/v1/inspections/batch", json={"items": [later, earlier]})
    assert [(i["status"], i["superseded"]) for i in batch.json()["items"]] == [
        ("created", False),
        ("created", True),
    ]


async def test_batch_items_stand_alone(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    await make_areas(admin)
    [household] = await seed_households(clean_database.owner_url)
    [theirs] = await seed_households(clean_database.owner_url, SHUANGFENG)
    good = inspection(household)
    changed = good | {"household_size": 3}
    outside = inspection(theirs, area_code=SHUANGFENG)
    broken = inspection(household) | {"household_size": "4"}
    cadre = await user_headers("cadre1", "village_cadre", HUANGJIN)
    result = await admin.post(
        "/api/v1/inspections/batch", headers=cadre, json={"items": [good, broken, outside, good, changed]}
    )
    assert result.status_code == 200, result.text
    statuses = [i["status"] for i in result.json()["items"]]
    assert statuses == ["created", "invalid", "forbidden", "duplicate", "conflict"]
    assert result.json()["items"][1]["error"]["errors"][0]["loc"] == ["body", "items", 1, "household_size"]
    again = await admin.post("/api/v1/inspections", headers=cadre, json=changed)
    assert again.status_code == 409 and again.json()["code"] == "inspection_id_in_use"
    assert (await admin.post("/api/v1/inspections", headers=cadre, json=good)).status_code == 200


async def test_ten_thousand_shuffled_with_duplicates_and_racing_retries_store_each_once(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025)
    rng = random.Random(20251010)
    households = await seed_households(clean_database.owner_url, HUANGJIN, 2000)
    visits = [
        inspection(
            rng.choice(households),
            wages=rng.choice([8000, 40000]),
            visited_at=f"2025-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T09:00:00+08:00",
        )
        for _ in range(10_000)
    ]
    stream = visits + rng.sample(visits, 3000)  # 30% sent again
    rng.shuffle(stream)
    batches = [stream[i : i + 1000] for i in range(0, len(stream), 1000)]
    seen: set[str] = set()
    duplicates_expected = 0
    for batch in batches:
        # A retried item in the same or a later batch is a duplicate; so is a repeat inside one batch.
        for item in batch:
            duplicates_expected += item["id"] in seen
            seen.add(item["id"])
    created = duplicates = 0
    for batch in batches:
        response = await admin.post("/api/v1/inspections/batch", json={"items": batch})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["failed"] == 0, body
        created, duplicates = created + body["created"], duplicates + body["duplicates"]
    assert (created, duplicates) == (10_000, duplicates_expected)

    # 50 phones retrying the same batch at once: every answer says duplicate, nothing is stored twice.
    retried = rng.sample(visits, 200) + [inspection(rng.choice(households)) for _ in range(50)]
    answers = await asyncio.gather(
        *(admin.post("/api/v1/inspections/batch", json={"items": retried}) for _ in range(50))
    )
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200][:1]
    assert sum(a.json()["created"] for a in answers) == 50  # the 50 new ones, once, by whichever won
    assert all(a.json()["failed"] == 0 for a in answers)
    assert await count_rows(clean_database, "inspections") == 10_050
    signals = await count_rows(clean_database, "alert_signals")
    live = await count_rows(clean_database, "alerts")
    assert live <= len(households) and signals >= live


async def test_a_visit_needs_a_household_registered_in_your_area_and_lands_in_its_village(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    await make_areas(admin)
    [merged_away] = await seed_households(clean_database.owner_url, LONGQUAN)
    [ours] = await seed_households(clean_database.owner_url, HUANGJIN)
    cadre = await user_headers("cadre1", "village_cadre", HUANGJIN)
    unknown = inspection(uuid.uuid4())
    foreign = inspection(merged_away)  # registered, but in 龙泉村: not the 黄金村 cadre's
    mine = inspection(ours)
    batch = await admin.post(
        "/api/v1/inspections/batch", headers=cadre, json={"items": [unknown, foreign, mine]}
    )
    items = batch.json()["items"]
    assert [i["status"] for i in items] == ["invalid", "invalid", "created"]
    for item in items[:2]:
        assert item["error"]["code"] == "household_not_found"
        assert item["error"]["errors"][0]["loc"] == ["body", "items", item["index"], "household_id"]
    assert items[0]["error"]["detail"].replace(unknown["household_id"], "ID") == items[1]["error"][
        "detail"
    ].replace(foreign["household_id"], "ID")  # no hint that the second one exists elsewhere

    # The county sees both villages; a phone's stale village yields to the registry's.
    stale = inspection(merged_away, area_code=HUANGJIN)
    assert (await admin.post("/api/v1/inspections", json=stale)).status_code == 201
    assert (await admin.get(f"/api/v1/inspections/{stale['id']}")).json()["area_code"] == LONGQUAN
    assert await count_rows(clean_database, "inspections") == 2


async def test_a_households_own_declaration_raises_an_alert_once(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    [household] = await seed_households(clean_database.owner_url)
    declaration = {
        "id": str(uuid.uuid4()),
        "household_id": household,
        "area_code": HUANGJIN,
        "risk_code": "accident",
        "reason": "户主务工时摔伤，暂无收入",
    }
    first = await admin.post("/api/v1/alerts/declarations", json=declaration)
    assert first.status_code == 201, first.text
    assert (first.json()["risk_code"], first.json()["reason"]) == (
        "accident",
        "农户自主申报：户主务工时摔伤，暂无收入",
    )
    again = await admin.post("/api/v1/alerts/declarations", json=declaration)
    assert (again.status_code, again.json()["id"], again.json()["signals"]) == (200, first.json()["id"], 1)
    detail = (await admin.get(f"/api/v1/alerts/{first.json()['id']}")).json()
    assert [h["source"] for h in detail["history"]] == ["self_declared"]
    # The same id with other words is a conflict; a household the registry does not know is refused.
    reworded = await admin.post("/api/v1/alerts/declarations", json=declaration | {"reason": "另一件事"})
    assert (reworded.status_code, reworded.json()["code"]) == (409, "declaration_id_in_use")
    unknown = declaration | {"id": str(uuid.uuid4()), "household_id": str(uuid.uuid4())}
    refused = await admin.post("/api/v1/alerts/declarations", json=unknown)
    assert (refused.status_code, refused.json()["code"]) == (422, "household_not_found")


async def test_stored_answers_and_a_retry_of_a_visit_received_before_the_digest_changed(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    [household] = await seed_households(clean_database.owner_url)
    visit = inspection(household, location={"latitude": 32.5, "longitude": 108.5}, note="  门口有狗 ")
    assert (await admin.post("/api/v1/inspections", json=visit)).status_code == 201
    stored = (await admin.get(f"/api/v1/inspections/{visit['id']}")).json()
    assert stored["answers"]["note"] == "门口有狗" and stored["answers"]["income"]["wages"] == 40000
    assert not {"id", "household_id", "area_code", "visited_at", "location", "cadre_id"} & set(
        stored["answers"]
    )
    assert (stored["latitude"], stored["longitude"]) == (32.5, 108.5)

    # Items received before December 2026 carry the digest of their sorted-key JSON.
    legacy = legacy_content_hash(InspectionCreate.model_validate(visit))
    conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
    try:
        await conn.execute(
            "UPDATE monitoring.inspections SET content_sha256 = $1 WHERE id = $2",
            legacy,
            uuid.UUID(visit["id"]),
        )
    finally:
        await conn.close()
    retry = await admin.post("/api/v1/inspections/batch", json={"items": [visit]})
    assert retry.json()["items"][0]["status"] == "duplicate"
    changed = await admin.post("/api/v1/inspections", json=visit | {"household_size": 3})
    assert changed.status_code == 409 and changed.json()["code"] == "inspection_id_in_use"
