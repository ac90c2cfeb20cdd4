"""The registry's creates that take the client's id answer a retry exactly (services.common.retries
.ExactCreate): the same request again is answered by the first result whatever happened since, a 404
like a read's once the record left the caller's area, and another body with the id is the only
conflict. Two identical copies at once: the second waits and answers the first's result."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.registry import HUANGJIN, LONGQUAN, make_areas, make_household, member, move_household

PAIRS = 20


def member_body(**fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4())} | member("child", name="王小明") | fields


async def send_pairs(
    admin: httpx.AsyncClient, requests: list[tuple[str, dict[str, Any]]]
) -> list[tuple[httpx.Response, httpx.Response]]:
    """Each request twice, all at the same moment."""
    answers = await asyncio.gather(
        *(admin.post(path, json=body) for path, body in requests for _ in range(2))
    )
    return list(zip(answers[::2], answers[1::2], strict=True))


def answered_by_the_first(pairs: list[tuple[httpx.Response, httpx.Response]], ids: list[str]) -> None:
    for (one, two), wanted in zip(pairs, ids, strict=True):
        assert sorted((one.status_code, two.status_code)) == [200, 201], (one.text, two.text)
        assert one.json() == two.json()  # the second answers what the first did
        assert one.json()["id"] == wanted


async def test_identical_creates_sent_at_once_are_answered_by_the_first(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    households = [await make_household(admin, members=1) for _ in range(PAIRS)]
    cadre = await admin.post(
        "/api/v1/cadres", json={"area_code": HUANGJIN, "name": "李建国", "unit": "县农业局"}
    )
    assert cadre.status_code == 201, cadre.text

    kinds: dict[str, Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]] = {
        "member": lambda h: (f"/api/v1/households/{h['id']}/members", member_body()),
        "cadre": lambda h: (
            "/api/v1/cadres",
            {"id": str(uuid.uuid4()), "area_code": HUANGJIN, "name": "张桂兰", "unit": "镇政府"},
        ),
        "pairing": lambda h: (
            f"/api/v1/cadres/{cadre.json()['id']}/assignments",
            {"id": str(uuid.uuid4()), "household_id": h["id"]},
        ),
        "programme period": lambda h: (
            "/api/v1/programmes",
            {
                "id": str(uuid.uuid4()),
                "household_id": h["id"],
                "programme": "dibao",
                "starts_on": "2026-01-01",
            },
        ),
    }
    for kind, make in kinds.items():
        requests = [make(h) for h in households]
        pairs = await send_pairs(admin, requests)
        answered_by_the_first(pairs, [body["id"] for _, body in requests])
        for path, body in requests:  # stored once
            if kind == "member":
                people = await admin.get("/api/v1/people", params={"household_id": path.split("/")[-2]})
                assert [p["id"] for p in people.json()["items"]].count(body["id"]) == 1
    pairings = [await admin.get(f"/api/v1/households/{h['id']}/cadres") for h in households]
    assert [len(p.json()) for p in pairings] == [1] * PAIRS
    periods = await admin.get("/api/v1/programmes", params={"programme": "dibao", "limit": 500})
    assert len({p["household_id"] for p in periods.json()["items"]} & {h["id"] for h in households}) == PAIRS


async def test_a_retry_after_an_edit_answers_the_first_result(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    household = await make_household(admin, members=1)
    body = member_body()
    path = f"/api/v1/households/{household['id']}/members"
    first = await admin.post(path, json=body)
    assert first.status_code == 201, first.text
    edited = await admin.patch(
        f"/api/v1/people/{body['id']}", json={"name": "王大明", "base_version": first.json()["version"]}
    )
    assert edited.status_code == 200, edited.text

    again = await admin.post(path, json=body)
    assert again.status_code == 200, again.text
    assert (again.json()["id"], again.json()["name"]) == (body["id"], "王大明")  # the record, as it is now


async def test_a_retry_after_a_move_out_of_your_area_answers_404_and_nothing_of_where(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    cadre = await user_headers("cadre-retries", "village_cadre", HUANGJIN)
    household = await make_household(admin, members=1)
    elsewhere = await make_household(admin, village=LONGQUAN, members=1)
    body = member_body()
    path = f"/api/v1/households/{household['id']}/members"
    assert (await admin.post(path, json=body, headers=cadre)).status_code == 201
    period = {
        "id": str(uuid.uuid4()),
        "household_id": household["id"],
        "programme": "tekun",
        "starts_on": "2026-02-01",
    }
    assert (await admin.post("/api/v1/programmes", json=period, headers=cadre)).status_code == 201

    person = (await admin.get(f"/api/v1/people/{body['id']}")).json()
    moved = await admin.post(
        f"/api/v1/people/{body['id']}/move",
        json={
            "to_household_id": elsewhere["id"],
            "reason": "marriage",
            "relation": "spouse",
            "base_version": person["version"],
        },
    )
    assert moved.status_code == 200, moved.text
    retried = await admin.post(path, json=body, headers=cadre)
    assert (retried.status_code, retried.json()["code"]) == (404, "person_not_found"), retried.text
    assert LONGQUAN not in retried.text and elsewhere["id"] not in retried.text
    assert (await admin.post(path, json=body)).status_code == 200  # the admin still sees it: a retry

    current = (await admin.get(f"/api/v1/households/{household['id']}")).json()
    await move_household(admin, current, LONGQUAN)
    retried = await admin.post("/api/v1/programmes", json=period, headers=cadre)
    assert (retried.status_code, retried.json()["code"]) == (404, "membership_not_found"), retried.text
    assert LONGQUAN not in retried.text


async def test_another_body_with_the_id_is_the_only_conflict(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    household = await make_household(admin, members=1)
    body = member_body()
    path = f"/api/v1/households/{household['id']}/members"
    assert (await admin.post(path, json=body)).status_code == 201
    other = await admin.post(path, json=body | {"name": "王小红"})
    assert (other.status_code, other.json()["code"]) == (409, "person_id_in_use"), other.text
    assert "王小明" not in other.text and body["national_id"] not in other.text  # names only the id

    cadre = {"id": str(uuid.uuid4()), "area_code": HUANGJIN, "name": "张桂兰", "unit": "镇政府"}
    assert (await admin.post("/api/v1/cadres", json=cadre)).status_code == 201
    assert (await admin.post("/api/v1/cadres", json=cadre)).status_code == 200
    other = await admin.post("/api/v1/cadres", json=cadre | {"unit": "县政府"})  # the unit counted, too
    assert (other.status_code, other.json()["code"]) == (409, "cadre_id_in_use"), other.text


async def test_a_pairing_retried_after_it_ended_answers_the_ended_pairing(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    household = await make_household(admin, members=1)
    cadre = (
        await admin.post("/api/v1/cadres", json={"area_code": HUANGJIN, "name": "李建国", "unit": "县农业局"})
    ).json()
    body = {"id": str(uuid.uuid4()), "household_id": household["id"], "starts_on": "2026-03-01"}
    path = f"/api/v1/cadres/{cadre['id']}/assignments"
    assert (await admin.post(path, json=body)).status_code == 201
    ended = await admin.post(f"/api/v1/cadres/assignments/{body['id']}/end", json={"ends_on": "2026-04-01"})
    assert ended.status_code == 200, ended.text

    again = await admin.post(path, json=body)
    assert again.status_code == 200, again.text
    assert (again.json()["id"], again.json()["current"]) == (body["id"], False)  # not paired a second time
    assert len((await admin.get(f"/api/v1/households/{household['id']}/cadres")).json()) == 1
    other = await admin.post(path, json=body | {"starts_on": "2026-03-02"})
    assert (other.status_code, other.json()["code"]) == (409, "assignment_id_in_use"), other.text
