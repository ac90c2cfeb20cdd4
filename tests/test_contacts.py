"""Cadres' contacts with households from phones: posted twice they count once, the household and the
cadre are checked with the registry in the caller's area, and whether a phone or WeChat contact counts
toward visits is the county's rule (by default only visits count)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import UserFactory
from tests.support.oversight import contact_body
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, SHUANGFENG, TOWN, make_areas, make_household

CONTACTS, RULES, STATS = "/api/v1/contacts", "/api/v1/contact-rules", "/api/v1/oversight-stats"


async def cadre(admin: httpx.AsyncClient, area: str, household: str | None = None) -> str:
    made = await admin.post("/api/v1/cadres", json={"area_code": area, "name": "李干部", "unit": "镇政府"})
    assert made.status_code == 201, made.text
    if household is not None:
        paired = await admin.post(
            f"/api/v1/cadres/{made.json()['id']}/assignments", json={"household_id": household}
        )
        assert paired.status_code == 201, paired.text
    return str(made.json()["id"])


async def counted(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    stats = await client.get(STATS, params={"area": TOWN, "as_of": "2025-12-31"}, headers=headers)
    assert stats.status_code == 200, stats.text
    return stats.json()["contacts"] | {
        m["method"]: (m["contacts"], m["households"]) for m in stats.json()["contacts_by_method"]
    }


async def test_contacts_from_a_flaky_phone_count_once_and_name_what_the_registry_knows_in_your_area(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    home = await make_household(admin, HUANGJIN, members=1)
    far = await make_household(admin, SHUANGFENG, members=1)
    ours = await cadre(admin, HUANGJIN)
    theirs = await cadre(admin, LONGQUAN)  # of 龙泉村, paired with no one in 黄金村
    body = contact_body(ours, home["id"])
    first = await client.post(CONTACTS, json=body, headers=village)
    assert (first.status_code, first.json()["area_code"]) == (201, HUANGJIN), first.text
    assert (await client.post(CONTACTS, json=body, headers=village)).status_code == 200
    changed = await client.post(CONTACTS, json=body | {"method": "visit"}, headers=village)
    assert (changed.status_code, changed.json()["code"]) == (409, "contact_id_in_use")
    refusals = [
        (village, contact_body(ours, far["id"]), "household_not_found"),
        (village, contact_body(ours, str(uuid.uuid4())), "household_not_found"),
        (village, contact_body(theirs, home["id"]), "cadre_not_found"),  # not visible from 黄金村
        (town, contact_body(theirs, home["id"]), "cadre_not_responsible"),
    ]
    for headers, bad, code in refusals:
        answer = await client.post(CONTACTS, json=bad, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (422, code), answer.text
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    batch = {
        "items": [
            body,  # sent again
            contact_body(ours, home["id"], "visit"),
            contact_body(ours, home["id"], at=future),
            contact_body(ours, far["id"], "wechat"),
            {"id": str(uuid.uuid4()), "method": "letter"},
        ]
    }
    result = await client.post(f"{CONTACTS}/batch", json=batch, headers=village)
    assert result.status_code == 200, result.text
    assert [i["status"] for i in result.json()["items"]] == [
        "duplicate",
        "created",
        "invalid",
        "invalid",
        "invalid",
    ]
    assert result.json()["items"][2]["error"]["code"] == "date_in_future"
    again = await client.post(f"{CONTACTS}/batch", json=batch, headers=village)
    assert [i["status"] for i in again.json()["items"]][:2] == ["duplicate", "duplicate"]
    listed = await client.get(CONTACTS, params={"household_id": home["id"]}, headers=village)
    assert sorted(c["method"] for c in listed.json()["items"]) == ["phone", "visit"]


async def test_whether_a_remote_contact_counts_toward_visits_is_the_countys_rule(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    county = await user_headers("xian", "county_admin", COUNTY)
    home = await make_household(admin, HUANGJIN, members=1)
    neighbour = await make_household(admin, LONGQUAN, members=1)
    paired = await cadre(admin, TOWN, home["id"])
    for method, household in (("phone", home), ("wechat", home), ("visit", home), ("phone", neighbour)):
        posted = await client.post(CONTACTS, json=contact_body(paired, household["id"], method), headers=town)
        assert posted.status_code == 201, posted.text
    # By default only the visit counts.
    figures = await counted(client, town)
    assert (figures["contacts"], figures["households"], figures["counted_as_visits"]) == (4, 2, 1)
    assert (figures["phone"], figures["wechat"], figures["visit"]) == ((2, 2), (1, 1), (1, 1))
    # The county lets remote contacts count; a village may not set the rule.
    denied = await client.put(RULES, json={"area_code": COUNTY, "remote_counts": True}, headers=village)
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    above = await client.put(RULES, json={"area_code": COUNTY, "remote_counts": True}, headers=town)
    assert (above.status_code, above.json()["code"]) == (403, "outside_scope")
    ruled = await client.put(RULES, json={"area_code": COUNTY, "remote_counts": True}, headers=county)
    assert (ruled.status_code, ruled.json()["remote_counts"]) == (200, True)
    assert (await counted(client, town))["counted_as_visits"] == 4
    # The most specific area's rule applies: 龙泉村 keeps to visits only.
    narrow = await client.put(RULES, json={"area_code": LONGQUAN, "remote_counts": False}, headers=town)
    assert narrow.status_code == 200, narrow.text
    assert (await counted(client, town))["counted_as_visits"] == 3
    rules = await client.get(RULES, headers=town)
    assert [(r["area_code"], r["remote_counts"]) for r in rules.json()] == [(LONGQUAN, False)]
