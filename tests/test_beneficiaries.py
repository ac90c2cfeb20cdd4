"""Beneficiary links (利益联结): households a project or an asset benefits, checked with the registry in
the caller's area, created once by the client's UUID (singly or in a bureau system's batch); payments
to them, published as ``beneficiary.paid`` and counted once by monitoring's income rule."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from services.common.events.relay import Relay
from tests.conftest import UserFactory
from tests.support.events import forget_positions, relay_of
from tests.support.monitoring import inspection, set_thresholds
from tests.support.projects import ASSET_NOTICE, asset_body, project_body
from tests.support.registry import COUNTY, HUANGJIN, OTHER_TOWN, SHUANGFENG, make_areas, make_household
from tests.support.system import Database

LINKS = "/api/v1/beneficiary-links"
YUAN = 100  # fen


async def project(admin: httpx.AsyncClient) -> dict[str, Any]:
    created = await admin.post("/api/v1/projects", json=project_body())
    assert created.status_code == 201, created.text
    return created.json()


def link_body(project_id: str, household_id: str, kind: str = "wage", **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "project_id": project_id,
        "household_id": household_id,
        "kind": kind,
        "starts_on": "2025-03-01",
    }
    return body | fields


def payment(amount_yuan: int, **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "amount_fen": amount_yuan * YUAN,
        "paid_on": "2025-06-30",
        "voucher": "双丰村合作社〔2025〕7号",
    }
    return body | fields


async def deliver(relay: Relay, expected: int) -> int:
    """Deliver what was committed. The relay's window ends at the oldest transaction still running on
    the server (any database's), so while another's is open, wait for it (a few seconds at most)."""
    delivered = 0
    for _ in range(50):
        delivered += await relay.deliver_pending()
        if delivered >= expected:
            break
        await asyncio.sleep(0.1)
    return delivered


async def link(admin: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    created = await admin.post(LINKS, json=body)
    assert created.status_code == 201, created.text
    return created.json()


async def test_a_link_is_created_once_and_listed_per_project_and_household(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    household = await make_household(admin, SHUANGFENG, members=2)
    greenhouse = await project(admin)
    body = link_body(greenhouse["id"], household["id"])

    first = await link(admin, body)
    assert (first["area_code"], first["kind"], first["kind_label"]) == (SHUANGFENG, "wage", "务工")
    again = await admin.post(LINKS, json=body)
    assert (again.status_code, again.json()["id"]) == (200, first["id"])
    other = await admin.post(LINKS, json=body | {"kind": "dividend"})
    assert (other.status_code, other.json()["code"]) == (409, "link_id_in_use")

    by_project = (await admin.get(LINKS, params={"project_id": greenhouse["id"]})).json()["items"]
    by_household = (await admin.get(LINKS, params={"household_id": household["id"]})).json()["items"]
    assert [item["id"] for item in by_project] == [item["id"] for item in by_household] == [first["id"]]


async def test_a_link_to_an_unknown_household_or_one_naming_both_targets_changes_nothing(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    greenhouse = await project(admin)
    unknown = await admin.post(LINKS, json=link_body(greenhouse["id"], str(uuid.uuid4())))
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["errors"][0]["code"] == "household_not_found"
    household = await make_household(admin, SHUANGFENG, members=1)
    both = link_body(greenhouse["id"], household["id"], asset_id=str(uuid.uuid4()))
    assert (await admin.post(LINKS, json=both)).status_code == 422
    assert (await admin.get(LINKS)).json()["items"] == []


async def test_a_town_reviewer_sees_only_links_of_households_in_the_town(
    admin: httpx.AsyncClient, clean_database: Database, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    greenhouse = await project(admin)
    here = await make_household(admin, SHUANGFENG, members=1)
    there = await make_household(admin, HUANGJIN, members=1)
    mine = await link(admin, link_body(greenhouse["id"], here["id"]))
    await link(admin, link_body(greenhouse["id"], there["id"]))
    town = await user_headers("zhen", "town_reviewer", OTHER_TOWN)

    seen = (await admin.get(LINKS, headers=town)).json()["items"]
    assert [item["id"] for item in seen] == [mine["id"]]
    # The town cannot link: managing projects is the county's.
    refused = await admin.post(LINKS, json=link_body(greenhouse["id"], here["id"]), headers=town)
    assert refused.status_code == 403


async def test_a_bureau_batch_answers_each_item_alone_and_a_retry_creates_nothing(
    admin: httpx.AsyncClient, clean_database: Database, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    greenhouse = await project(admin)
    households = [await make_household(admin, SHUANGFENG, members=1) for _ in range(2)]
    items = [link_body(greenhouse["id"], h["id"], kind="land_rent") for h in households]
    items.append(link_body(greenhouse["id"], str(uuid.uuid4())))  # not registered
    items.append({"kind": "wage"})  # not a link at all
    bureau = await user_headers("nongye", "bureau_partner", COUNTY)

    batch = await admin.post(f"{LINKS}/batch", json={"items": items}, headers=bureau)
    assert batch.status_code == 200, batch.text
    result = batch.json()
    assert (result["created"], result["duplicates"], result["failed"]) == (2, 0, 2)
    assert [item["status"] for item in result["items"]] == ["created", "created", "invalid", "invalid"]
    again = (await admin.post(f"{LINKS}/batch", json={"items": items[:2]}, headers=bureau)).json()
    assert (again["created"], again["duplicates"]) == (0, 2)
    assert len((await admin.get(LINKS, params={"project_id": greenhouse["id"]})).json()["items"]) == 2


async def test_a_payment_is_recorded_once_and_above_zero(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database
) -> None:
    await make_areas(admin)
    household = await make_household(admin, SHUANGFENG, members=1)
    wage = await link(admin, link_body((await project(admin))["id"], household["id"]))
    pay = f"{LINKS}/{wage['id']}/payments"

    zero = await admin.post(pay, json=payment(0))
    assert zero.status_code == 422
    early = await admin.post(pay, json=payment(100, paid_on="2025-01-01"))
    assert (early.status_code, early.json()["code"]) == (422, "date_before_link")
    body = payment(1500)
    assert (await admin.post(pay, json=body)).status_code == 201
    assert (await admin.post(pay, json=body)).status_code == 200  # a retry
    assert (await admin.post(pay, json=body | {"amount_fen": 1})).status_code == 409

    assert (await admin.get(f"{LINKS}/{wage['id']}")).json()["paid_fen"] == 1500 * YUAN
    assert len((await admin.get(pay)).json()["items"]) == 1
    relay = relay_of(system, "projects")
    assert await deliver(relay, 1) == 1  # one event, for the one payment
    assert await relay.deliver_pending() == 0


async def test_a_dividend_may_name_its_assets_distribution_notice_and_no_other(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    household = await make_household(admin, SHUANGFENG, members=1)
    greenhouses = (await admin.post("/api/v1/assets", json=asset_body())).json()
    income = await admin.put(
        f"/api/v1/assets/{greenhouses['id']}/incomes/2024", json={"income_fen": 9000 * YUAN}
    )
    assert income.status_code == 200, income.text
    shares = {
        "year": 2024,
        "to_households_fen": 6000 * YUAN,
        "to_posts_fen": 0,
        "to_village_fen": 3000 * YUAN,
    }
    notices = {}
    for subject, more in (("distribution", {"distribution": shares}), ("operation", {})):
        posted = await admin.post(
            f"/api/v1/assets/{greenhouses['id']}/notices", json=ASSET_NOTICE | {"subject": subject} | more
        )
        assert posted.status_code == 201, posted.text
        notices[subject] = posted.json()["id"]
    dividend = await link(
        admin,
        {
            "id": str(uuid.uuid4()),
            "asset_id": greenhouses["id"],
            "household_id": household["id"],
            "kind": "dividend",
            "starts_on": "2025-01-01",
        },
    )
    pay = f"{LINKS}/{dividend['id']}/payments"

    wrong = await admin.post(pay, json=payment(2000, notice_id=notices["operation"]))
    assert (wrong.status_code, wrong.json()["code"]) == (422, "notice_not_found")
    paid = await admin.post(pay, json=payment(2000, notice_id=notices["distribution"]))
    assert (paid.status_code, paid.json()["notice_id"]) == (201, notices["distribution"])
    assert (await admin.get(pay)).json()["items"] == [paid.json()]


async def test_a_dividend_reaches_the_income_rule_once_even_when_delivered_twice(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025, income_line=7000)
    greenhouse = await project(admin)
    poor = await make_household(admin, SHUANGFENG, members=2)
    paid_well = await make_household(admin, SHUANGFENG, members=2)
    for household, yuan in ((poor, 6000), (paid_well, 20000)):
        dividend = await link(admin, link_body(greenhouse["id"], household["id"], kind="dividend"))
        paid = await admin.post(f"{LINKS}/{dividend['id']}/payments", json=payment(yuan))
        assert paid.status_code == 201, paid.text

    relay = relay_of(system, "projects")
    assert await deliver(relay, 2) == 2
    await forget_positions(clean_database, "projects")
    assert await deliver(relay, 2) == 2  # delivered again, as after a relay crash …

    # Both visits report no income at all (transfer 0); the records say otherwise.
    def visit(household: dict[str, Any]) -> dict[str, Any]:
        return inspection(household["id"], area_code=SHUANGFENG, size=2, income={"wages": 0, "transfer": 0})

    judged = await admin.post("/api/v1/inspections", json=visit(poor))
    assert judged.status_code == 201, judged.text
    [finding] = judged.json()["findings"]
    # … and counted once: 6,000 for two people is 3,000 each, not 6,000.
    assert (finding["code"], finding["rule_version"]) == ("low_income", "low_income@2")
    assert finding["reason"] == (
        f"人均纯收入3,000元 < 2025年监测标准7,000元（{COUNTY} 2025年标准第1版）"
        "（按项目利益联结记录收入计：转移性收入6,000元）"
    )
    well = await admin.post("/api/v1/inspections", json=visit(paid_well))
    assert well.json()["findings"] == []  # 10,000 each from the recorded dividend


async def test_the_demo_greenhouse_employs_three_households_and_loads_again_as_retries(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    from fangpin.demo_beneficiaries import load_beneficiaries
    from fangpin.demo_projects import GREENHOUSE

    await make_areas(admin)
    for _ in range(3):
        await make_household(admin, SHUANGFENG, members=1)
    assert (await admin.post("/api/v1/projects", json=GREENHOUSE)).status_code == 201

    assert await load_beneficiaries(admin, {}) == {"beneficiary_links": 3}
    assert await load_beneficiaries(admin, {}) == {"beneficiary_links": 0}
    links = (await admin.get(LINKS, params={"project_id": GREENHOUSE["id"]})).json()["items"]
    assert sorted(link["paid_fen"] for link in links) == [0, 4_800 * YUAN, 5_200 * YUAN]
    assert {link["kind_label"] for link in links} == {"务工"}
