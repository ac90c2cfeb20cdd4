"""Events between services: the registry's and jobs' relays deliver to monitoring at least once, and
monitoring acts on each event exactly once — also after a redelivery or while it was unreachable."""

from __future__ import annotations

import json
import uuid
from dataclasses import fields

import httpx
import pytest
from fastapi import FastAPI

from services.common.events.outbox import publish
from services.common.events.relay import DeliveryFailed, OutgoingEvent
from services.common.events.tokens import ServiceTokens
from tests.support.events import forget_positions, relay_of, relay_to_nowhere, unreachable
from tests.support.registry import HUANGJIN, make_areas, make_household
from tests.support.system import Database, Keys


async def alerts(admin: httpx.AsyncClient, risk_code: str) -> list[dict]:
    page = await admin.get("/api/v1/alerts", params={"risk_code": risk_code})
    assert page.status_code == 200, page.text
    return page.json()["items"]


async def signals_of(admin: httpx.AsyncClient, alert_id: str) -> list[dict]:
    return (await admin.get(f"/api/v1/alerts/{alert_id}")).json()["history"]


async def test_a_member_falling_seriously_ill_raises_one_illness_alert(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database
) -> None:
    await make_areas(admin)
    household = await make_household(admin, HUANGJIN, members=2)
    child = next(m for m in household["members"] if m["relation"] == "child")
    changed = await admin.patch(
        f"/api/v1/people/{child['id']}", json={"base_version": 1, "health": "serious"}
    )
    assert changed.status_code == 200, changed.text
    relay = relay_of(system, "registry")

    # The illness on the alerts' feed; the household and its two members on the members' feed (which
    # monitoring counts people from: it raises nothing).
    assert await relay.deliver_pending() == 4
    [alert] = await alerts(admin, "illness")
    assert alert["household_id"] == household["id"] and alert["area_code"] == HUANGJIN
    assert alert["reason"] == "户籍信息变更：家庭成员健康状况变为大病（原为健康）"
    [signal] = await signals_of(admin, alert["id"])
    assert signal["source"] == "registry" and signal["rule_version"] == "registry_health@1"

    await forget_positions(clean_database, "registry")
    assert await relay.deliver_pending() == 4  # delivered again …
    assert len(await signals_of(admin, alert["id"])) == 1  # … and taken in once
    assert len(await alerts(admin, "illness")) == 1
    assert await relay.deliver_pending() == 0


async def publish_return(
    database: Database, household_id: str, new_status: str, income: float | None
) -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from services.common.database import create_engine

    engine = create_engine(database.app_url, part="test")
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await publish(
                session,
                "jobs",
                "employment.returned_home",
                area_code=HUANGJIN,
                subject_id=uuid.UUID(household_id),
                payload={
                    "record_id": str(uuid.uuid4()),
                    "person_id": str(uuid.uuid4()),
                    "household_id": household_id,
                    "area_code": HUANGJIN,
                    "previous_status": "away_out_of_province",
                    "new_status": new_status,
                    "monthly_income": income,
                    "reported_on": "2026-11-20",
                },
            )
    finally:
        await engine.dispose()


async def test_coming_home_without_income_alerts_once_even_when_monitoring_was_down(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database, keys: Keys
) -> None:
    await make_areas(admin)
    jobless = await make_household(admin, HUANGJIN, members=1)
    placed = await make_household(admin, HUANGJIN, members=1)
    await publish_return(clean_database, jobless["id"], "not_working", None)
    await publish_return(clean_database, placed["id"], "local", 3200)  # home to a local job: no risk

    live = relay_of(system, "jobs")
    async with unreachable() as nowhere:
        with pytest.raises(DeliveryFailed):
            await relay_to_nowhere(live, keys, nowhere).deliver_pending()
    assert await alerts(admin, "job_loss") == []

    assert await live.deliver_pending() == 2  # monitoring is back: both go, nothing was lost
    await forget_positions(clean_database, "jobs")
    assert await live.deliver_pending() == 2  # and again, as after a relay crash …
    [alert] = await alerts(admin, "job_loss")  # … one alert, for the household without income
    assert alert["household_id"] == jobless["id"]
    assert alert["reason"] == "就业信息：务工人员返乡，现未就业、无收入（原：省外务工）"
    assert len(await signals_of(admin, alert["id"])) == 1


async def test_only_services_deliver_events_and_only_their_own(
    system: FastAPI, admin_headers: dict[str, str], keys: Keys, clean_database: Database
) -> None:
    monitoring = system.state.local_apps["monitoring"]
    transport = httpx.ASGITransport(app=monitoring)
    body = {"source": "jobs", "events": []}
    async with httpx.AsyncClient(transport=transport, base_url="http://monitoring") as direct:
        nobody = await direct.post("/internal/v1/events", json=body)
        person = await direct.post("/internal/v1/events", json=body, headers=admin_headers)
        forged = ServiceTokens("x" * 48, "jobs").sign("monitoring")
        outsider = await direct.post(
            "/internal/v1/events", json=body, headers={"Authorization": f"Bearer {forged}"}
        )
        registry = ServiceTokens(keys.service_token_secret, "registry").sign("monitoring")
        impostor = await direct.post(
            "/internal/v1/events", json=body, headers={"Authorization": f"Bearer {registry}"}
        )
        wrong_audience = ServiceTokens(keys.service_token_secret, "jobs").sign("registry")
        elsewhere = await direct.post(
            "/internal/v1/events", json=body, headers={"Authorization": f"Bearer {wrong_audience}"}
        )
    assert [r.status_code for r in (nobody, person, outsider, elsewhere)] == [401] * 4
    assert impostor.status_code == 403 and impostor.json()["code"] == "not_your_events"
    assert json.loads(person.text)["code"] == "invalid_service_token"


def test_an_outgoing_event_is_posted_with_every_field_it_has() -> None:
    event = OutgoingEvent("1", "person.created", "610924105201", "2025-01-01T00:00:00+00:00", {"a": [1]}, "s")
    assert event.as_json() == {f.name: getattr(event, f.name) for f in fields(OutgoingEvent)}
