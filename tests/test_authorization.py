"""The authorization matrix: every role × every endpoint × targets in its own village, a sibling village, the
parent town and another county. Only allowed calls succeed; a foreign object is 404 (its existence is not
leaked); lists never hold foreign rows; every id inside a request body is varied across the same targets.
Expectations come from a small rule (tests/support/authz/), itself checked by hand rows."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from fastapi import FastAPI

from services.common.auth import ROLE_PERMISSIONS, Permission, Role
from tests.support import snapshots
from tests.support.auth import PASSWORD
from tests.support.authz.matrix import (
    AREAS,
    COUNTY_A,
    COUNTY_B,
    JPEG,
    RECORD_AREAS,
    SCOPE_OF,
    SELF_SERVICE,
    TARGETED,
    TARGETS,
    UNTARGETED,
    B,
    S,
    T,
    V,
    X,
    above,
    expected,
    inside,
    target_of,
)
from tests.support.authz.references import (
    BATCH_OF,
    BODY_REFERENCES,
    OWN_IDS,
    VARIED_BY_THE_MATRIX,
    body_id_fields,
    expected_reference,
    with_reference,
)
from tests.support.authz.world import World, build_world, outcome, request_for
from tests.support.events import deliver, relay_of
from tests.support.registry import member
from tests.support.snapshots import Snapshot
from tests.support.system import Database

# Written by hand, not by the rule: if the rule and the application share a mistake, these disagree.
HAND_WRITTEN = [
    (Role.village_cadre, "area_get", "parent-town", 200, None),
    (Role.village_cadre, "area_get", "sibling-village", 404, "area_not_found"),
    (Role.village_cadre, "area_children", "other-county", 404, "area_not_found"),
    (Role.village_cadre, "user_get", "own-village", 403, "permission_denied"),
    (Role.town_reviewer, "area_get", "sibling-village", 200, None),
    (Role.town_reviewer, "area_create", "own-village", 403, "permission_denied"),
    (Role.county_admin, "area_create", "other-county", 403, "outside_scope"),
    (Role.county_admin, "user_create", "parent-town", 201, None),
    (Role.county_admin, "user_get", "sibling-village", 200, None),
    (Role.county_admin, "user_get", "other-county", 404, "user_not_found"),
    (Role.county_admin, "key_patch", "other-county", 404, "api_key_not_found"),
    (Role.county_admin, "key_create", "other-county", 403, "outside_scope"),
    (Role.bureau_partner, "key_get", "own-village", 403, "permission_denied"),
    (Role.auditor, "area_get", "other-county", 404, "area_not_found"),
    (Role.auditor, "user_list", None, 403, "permission_denied"),
    (Role.ops, "area_get", "own-village", 403, "permission_denied"),
    (Role.ops, "system_status", None, 200, None),
    (Role.village_cadre, "audit_events", None, 403, "permission_denied"),
    (Role.village_cadre, "household_get", "own-village", 200, None),
    (Role.village_cadre, "round_get", "parent-town", 404, "round_not_found"),
    (Role.village_cadre, "plan_add", "own-village", 201, None),
    (Role.town_reviewer, "round_open", "own-village", 403, "permission_denied"),
    (Role.county_admin, "round_open", "other-county", 403, "outside_scope"),
    (Role.county_admin, "round_close", "sibling-village", 409, "stale_version"),
    (Role.village_cadre, "household_get", "parent-town", 404, "household_not_found"),
    (Role.village_cadre, "cadre_create", "own-village", 403, "permission_denied"),
    (Role.town_reviewer, "person_patch", "parent-town", 200, None),
    (Role.town_reviewer, "programme_add", "other-county", 422, "household_not_found"),
    (Role.county_admin, "household_create", "other-county", 403, "outside_scope"),
    (Role.county_admin, "household_delete", "sibling-village", 409, "stale_version"),
    (Role.bureau_partner, "person_get", "own-village", 403, "permission_denied"),
    (Role.auditor, "person_history", "sibling-village", 200, None),
    (Role.auditor, "household_patch", "own-village", 403, "permission_denied"),
    (Role.bureau_partner, "employment_create", "sibling-village", 201, None),
    (Role.village_cadre, "employment_create", "sibling-village", 422, "person_not_found"),
    (Role.auditor, "employment_create", "own-village", 403, "permission_denied"),
    (Role.bureau_partner, "employment_stats", "own-village", 200, None),  # counts only
    (Role.ops, "employment_stats", "own-village", 403, "permission_denied"),
    (Role.village_cadre, "employment_export", "parent-town", 200, None),
    (Role.village_cadre, "household_export", "parent-town", 200, None),
    (Role.bureau_partner, "household_export", "own-village", 403, "permission_denied"),
    (Role.auditor, "case_export", "sibling-village", 200, None),
    (Role.bureau_partner, "case_export", "own-village", 403, "permission_denied"),
    (Role.town_reviewer, "visit_export", "other-county", 404, "area_not_found"),
    (Role.bureau_partner, "visit_export", "own-village", 403, "permission_denied"),
    (Role.village_cadre, "post_create", "own-village", 403, "permission_denied"),
    (Role.county_admin, "post_create", "other-county", 403, "outside_scope"),
    (Role.village_cadre, "post_get", "sibling-village", 404, "post_not_found"),
    (Role.bureau_partner, "post_get", "own-village", 403, "permission_denied"),
    (Role.bureau_partner, "post_assign", "sibling-village", 200, None),
    (Role.town_reviewer, "training_stats", "parent-town", 200, None),
    (Role.village_cadre, "welfare_post_stats", "parent-town", 404, "area_not_found"),
    (Role.bureau_partner, "monitoring_stats", "sibling-village", 200, None),
    (Role.village_cadre, "monitoring_stats", "parent-town", 404, "area_not_found"),
    (Role.town_reviewer, "monitoring_stats", "other-county", 404, "area_not_found"),
    (Role.ops, "monitoring_stats", "own-village", 403, "permission_denied"),
    (Role.village_cadre, "project_get", "own-village", 200, None),
    (Role.village_cadre, "project_get", "sibling-village", 404, "project_not_found"),
    (Role.village_cadre, "project_step", "own-village", 403, "permission_denied"),
    (Role.town_reviewer, "project_step", "parent-town", 409, "stale_version"),
    (Role.town_reviewer, "project_movement", "own-village", 403, "permission_denied"),
    (Role.county_admin, "project_create", "other-county", 403, "outside_scope"),
    (Role.county_admin, "project_movement", "sibling-village", 200, None),
    (Role.bureau_partner, "project_get", "own-village", 403, "permission_denied"),
    (Role.bureau_partner, "project_stats", "own-village", 200, None),
    (Role.auditor, "project_movements", "sibling-village", 200, None),
    (Role.village_cadre, "team_get", "own-village", 200, None),
    (Role.village_cadre, "team_get", "parent-town", 404, "team_not_found"),
    (Role.village_cadre, "team_create", "own-village", 403, "permission_denied"),
    (Role.village_cadre, "check_in_create", "own-village", 201, None),
    (Role.village_cadre, "check_in_create", "sibling-village", 422, "member_not_found"),
    (Role.town_reviewer, "team_create", "parent-town", 201, None),
    (Role.town_reviewer, "unit_get", "other-county", 404, "unit_not_found"),
    (Role.county_admin, "unit_create", "other-county", 403, "outside_scope"),
    (Role.county_admin, "target_set", "parent-town", 200, None),
    (Role.bureau_partner, "oversight_stats", "own-village", 200, None),
    (Role.bureau_partner, "presence", "own-village", 403, "permission_denied"),
    (Role.auditor, "check_in_create", "own-village", 403, "permission_denied"),
    (Role.auditor, "presence", "sibling-village", 200, None),
    (Role.village_cadre, "leave_request", "parent-town", 422, "member_not_found"),
    (Role.village_cadre, "leave_decide", "own-village", 403, "permission_denied"),
    (Role.town_reviewer, "leave_decide", "sibling-village", 409, "leave_decided"),
    (Role.town_reviewer, "leave_decide", "other-county", 404, "leave_not_found"),
    (Role.village_cadre, "link_get", "own-village", 200, None),
    (Role.village_cadre, "link_get", "sibling-village", 404, "link_not_found"),
    (Role.town_reviewer, "link_create", "parent-town", 403, "permission_denied"),
    (Role.county_admin, "link_create", "parent-town", 201, None),
    (Role.county_admin, "asset_link_create", "other-county", 422, "asset_not_found"),
    (Role.county_admin, "link_pay", "sibling-village", 200, None),
    (Role.bureau_partner, "link_batch", None, 200, None),
    (Role.bureau_partner, "link_get", "own-village", 403, "permission_denied"),
    (Role.town_reviewer, "appraisal_scheme_set", "own-village", 403, "permission_denied"),
    (Role.county_admin, "appraisal_scheme_set", "other-county", 403, "outside_scope"),
    (Role.county_admin, "appraisal_scheme_set", "parent-town", 201, None),
    (Role.bureau_partner, "appraisal_scores", "own-village", 403, "permission_denied"),
    (Role.auditor, "appraisal_scores", "sibling-village", 200, None),
]


# The world as first built in this run (per database), and the administrator's sign-in that built it.
BUILT: dict[str, tuple[World, Snapshot, dict[str, str]]] = {}


@pytest.fixture
async def world(
    admin: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers,  # noqa: ANN001
    clean_database: Database,
    system: FastAPI,
) -> World:
    """The same world for every test here: built once, then put back as built for each (a role's check
    changes it), which costs a fraction of building it through the API again."""
    url = clean_database.owner_url
    if url not in BUILT:
        built = await build_world(admin, user_headers, url)
        # Jobs learns the world's stations (one per target), which photovoltaic posts name.
        assert await deliver(relay_of(system, "projects"), len(TARGETS)) >= len(TARGETS)
        BUILT[url] = (built, await snapshots.take(url, "authz_world"), dict(admin_headers))
        return built
    built, snapshot, builder = BUILT[url]
    await snapshots.restore(url, snapshot)
    system.state.identity.authenticator.forget_all()
    # The administrator signed in for this test is gone with the tables: act as the one that built it.
    admin_headers.update(builder)
    admin.headers.update(builder)
    return built


@pytest.mark.parametrize(("role", "name", "label", "status", "code"), HAND_WRITTEN)
def test_the_rule_agrees_with_the_hand_written_rows(
    role: Role, name: str, label: str | None, status: int, code: str | None
) -> None:
    assert expected(role, name, target_of(name, label) if label else None) == (status, code)


async def test_the_matrix_covers_every_endpoint_that_exists(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    existing = {(m.upper(), re.sub(r"{[^}]+}", "{}", p)) for p, ops in document["paths"].items() for m in ops}
    covered = {
        (e.method, re.sub(r"{[^}]+}", "{}", e.path.split("?")[0])) for e in (TARGETED | UNTARGETED).values()
    }
    assert existing - SELF_SERVICE == covered


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_sees_and_gets_exactly_what_the_rule_allows(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, world: World, role: Role
) -> None:
    # Lists first, while the world is as made (the calls below add to it); one world for both.
    await check_lists_hold_exactly_the_rows_in_scope(client, world, role)
    headers, wrong = world.principals[role], []
    for name in TARGETED:
        for label in TARGETS:
            method, url, body = request_for(world, role, name, label)
            extra = {"If-Match": '"99"'} if name == "person_delete" else {}
            if name == "photo_put":  # a photo's body is its bytes
                sent = client.request(
                    method, url, content=JPEG, headers=headers | {"Content-Type": "image/jpeg"}
                )
            else:
                sent = client.request(method, url, json=body, headers=headers | extra)
            got = outcome(await sent)
            want = expected(role, name, target_of(name, label))
            if got != want:
                wrong.append(f"{method} {url} [{label}]: expected {want}, got {got}")
    for name, endpoint in UNTARGETED.items():
        path = endpoint.path.replace("{kind}", "death").replace("{job}", str(uuid.uuid4()))
        got = outcome(await client.request(endpoint.method, path, json=endpoint.body, headers=headers))
        if got != expected(role, name):
            wrong.append(f"{endpoint.method} {endpoint.path}: expected {expected(role, name)}, got {got}")
    wrong += await reference_mismatches(client, admin, world, role)
    assert not wrong, f"{role.value} in {SCOPE_OF[role]}:\n" + "\n".join(wrong)


async def reference_mismatches(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, world: World, role: Role
) -> list[str]:
    """Every id field of every request body, naming each target's record in turn (BODY_REFERENCES)."""
    headers, wrong, own = world.principals[role], [], world.records["own-village"]
    for (name, path), reference in BODY_REFERENCES.items():
        for label in TARGETS:
            method, url, body = request_for(world, role, name, "own-village")
            assert body is not None
            if name == "person_move":  # a member of its own, which an allowed call moves away
                joined = await admin.post(
                    f"/api/v1/households/{own['household']}/members", json=member("child")
                )
                assert joined.status_code == 201, joined.text
                url, body = f"/api/v1/people/{joined.json()['id']}/move", body | {"relation": "child"}
            elif name == "household_patch":  # based on the version the main matrix left
                current = await admin.get(f"/api/v1/households/{own['household']}")
                body = body | {"base_version": current.json()["version"]}
            elif name == "post_patch":  # the own post turned photovoltaic, naming the target's station
                current = await admin.get(f"/api/v1/welfare-posts/{own['post']}")
                body = {"base_version": current.json()["version"], "funding_source": "photovoltaic"}
            elif name in ("post_assign", "course_enrol", "link_pay"):
                body = body | {"id": str(uuid.uuid4())}  # a new one, not a retry of the world's
            sent = with_reference(body, path, world.records[label][reference.record])
            got = outcome(await client.request(method, url, json=sent, headers=headers))
            allowed = expected_reference(role, name, reference, label)
            if got not in allowed:
                where = ".".join(map(str, path))
                wrong.append(f"{method} {url} {where} [{label}]: expected {allowed}, got {got}")
    return wrong


async def test_every_id_in_a_request_body_is_varied(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    named = {
        (e.method, re.sub(r"{[^}]+}", "{}", e.path.split("?")[0])): n
        for n, e in (TARGETED | UNTARGETED).items()
    }
    varied = set(BODY_REFERENCES) | VARIED_BY_THE_MATRIX
    unvaried = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            name = named.get((method.upper(), re.sub(r"{[^}]+}", "{}", path)))
            if content is None or name is None:
                continue
            for field, where in body_id_fields(document, content["schema"]):
                if field.rsplit(".", 1)[-1] in OWN_IDS or field in OWN_IDS:
                    continue
                single, inner = (BATCH_OF[name], where[2:]) if name in BATCH_OF else (name, where)
                if (single, inner) not in varied:
                    unvaried.append(f"{method.upper()} {path}: {field} at {where}")
    assert unvaried == []


async def test_foreign_objects_answer_exactly_like_missing_ones(
    client: httpx.AsyncClient, world: World
) -> None:
    admin_a = world.principals[Role.county_admin]
    missing_user, missing_key = str(uuid.uuid4()), str(uuid.uuid4())
    for path, foreign, missing in (
        ("/api/v1/users/{}", world.users["other-county"], missing_user),
        ("/api/v1/api-keys/{}", world.keys["other-county"], missing_key),
        ("/api/v1/areas/{}", B, "610924105299"),
    ):
        # Same status, code, title and wording, once the identifier itself is set aside.
        seen = (await client.get(path.format(foreign), headers=admin_a)).text.replace(foreign, "ID")
        absent = (await client.get(path.format(missing), headers=admin_a)).text.replace(missing, "ID")
        assert '"status":404' in seen.replace(" ", ""), seen
        assert seen == absent
    # Creating in county B is refused from the code alone, whether the parent exists there or not.
    for code in (B, "610925101202", "610925199201"):
        response = await client.post("/api/v1/areas", json={"code": code, "name": "外县"}, headers=admin_a)
        assert outcome(response) == (403, "outside_scope"), code


async def listed(client: httpx.AsyncClient, path: str, headers: dict, **params: str) -> list[dict]:
    response = await client.get(path, params={"limit": 500} | params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None  # one page holds everything here
    return response.json()["items"]


async def foreign_within(
    client: httpx.AsyncClient, path: str, headers: dict, name: str = "within"
) -> tuple[int, str | None]:
    """A list filtered by another county's code: 404, as for an area that does not exist."""
    return outcome(await client.get(path, params={name: COUNTY_B[:6]}, headers=headers))


async def check_lists_hold_exactly_the_rows_in_scope(
    client: httpx.AsyncClient, world: World, role: Role
) -> None:
    headers, scope = world.principals[role], SCOPE_OF[role]
    if Permission.areas_read in ROLE_PERMISSIONS[role]:
        codes = {a["code"] for a in await listed(client, "/api/v1/areas", headers)}
        assert codes == {c for c in AREAS if inside(c, scope) or above(c, scope)}
        children = {a["code"] for a in await listed(client, f"/api/v1/areas/{T}/children", headers)}
        assert children == {c for c in (V, S, X) if inside(c, scope)}
        # Filters narrow the visible set; they never open another county.
        for params in ({"parent": COUNTY_B}, {"q": "岚皋"}, {"q": "肖家坝"}):
            assert await listed(client, "/api/v1/areas", headers, **params) == [], params
        assert await foreign_within(client, "/api/v1/areas", headers) == (404, "area_not_found")
    if Permission.households_read in ROLE_PERMISSIONS[role]:
        households = {h["id"] for h in await listed(client, "/api/v1/households", headers)}
        records = world.records.items()
        assert households == {
            r[key]
            for label, r in records
            for key in ("household", "second_household")
            if inside(RECORD_AREAS[label], scope)
        }
        people = {p["id"] for p in await listed(client, "/api/v1/people", headers)}
        assert people == {
            r[key]
            for label, r in records
            for key in ("person", "second_person")
            if inside(RECORD_AREAS[label], scope)
        }
        assert await foreign_within(client, "/api/v1/households", headers) == (404, "area_not_found")
    if Permission.monitoring_read in ROLE_PERMISSIONS[role]:
        for path, keys in (
            ("/api/v1/inspections", ("inspection", "second_inspection")),
            ("/api/v1/alerts", ("alert", "fresh_alert")),
            ("/api/v1/cases", ("case", "opened_case")),
        ):
            seen = {row["id"] for row in await listed(client, path, headers)}
            visible = {
                r[k] for label, r in world.records.items() for k in keys if inside(RECORD_AREAS[label], scope)
            }
            assert seen == visible, path
            assert await foreign_within(client, path, headers) == (404, "area_not_found"), path
    if Permission.monitoring_read in ROLE_PERMISSIONS[role]:  # the world's rounds are of villages
        seen = {row["id"] for row in await listed(client, "/api/v1/screening-rounds", headers)}
        assert seen == {
            r["screening_round"] for label, r in world.records.items() if inside(RECORD_AREAS[label], scope)
        }
    if Permission.employment_read in ROLE_PERMISSIONS[role]:
        for path, key in (
            ("/api/v1/welfare-posts", "post"),
            ("/api/v1/post-assignments", "post_assignment"),
            ("/api/v1/training-courses", "course"),
            ("/api/v1/training-enrolments", "enrolment"),
        ):
            seen = {row["id"] for row in await listed(client, path, headers)}
            assert seen == {
                r[key] for label, r in world.records.items() if inside(RECORD_AREAS[label], scope)
            }
            assert await foreign_within(client, path, headers) == (404, "area_not_found"), path
    if Permission.employment_read in ROLE_PERMISSIONS[role]:
        seen = {row["id"] for row in await listed(client, "/api/v1/employment-records", headers)}
        assert seen == {
            r["employment_record"] for label, r in world.records.items() if inside(RECORD_AREAS[label], scope)
        }
        foreign = await foreign_within(client, "/api/v1/employment-records", headers, name="area")
        assert foreign == (404, "area_not_found")
    if Permission.projects_read in ROLE_PERMISSIONS[role]:
        for path, key in (("/api/v1/stations", "station"), ("/api/v1/station-alarms", "station_alarm")):
            seen = {row["id"] for row in await listed(client, path, headers)}
            assert seen == {
                r[key] for label, r in world.records.items() if inside(RECORD_AREAS[label], scope)
            }, path
            assert await foreign_within(client, path, headers) == (404, "area_not_found"), path
        seen = {row["id"] for row in await listed(client, "/api/v1/loans", headers)}
        assert seen == {r["loan"] for label, r in world.records.items() if inside(RECORD_AREAS[label], scope)}
        assert await foreign_within(client, "/api/v1/loans", headers) == (404, "area_not_found")
        seen = {row["id"] for row in await listed(client, "/api/v1/beneficiary-links", headers)}
        assert seen == {r["link"] for label, r in world.records.items() if inside(RECORD_AREAS[label], scope)}
        assert await foreign_within(client, "/api/v1/beneficiary-links", headers) == (404, "area_not_found")
    if Permission.oversight_read in ROLE_PERMISSIONS[role]:
        for path, key in (("/api/v1/support-units", "unit"), ("/api/v1/work-teams", "team")):
            seen = {row["id"] for row in await listed(client, path, headers)}
            assert seen == {
                r[key] for label, r in world.records.items() if inside(RECORD_AREAS[label], scope)
            }, path
            assert await foreign_within(client, path, headers) == (404, "area_not_found"), path
    if Permission.users_manage in ROLE_PERMISSIONS[role]:
        names = {u["username"] for u in await listed(client, "/api/v1/users", headers)}
        made = {f"target-{label}": code for label, code in TARGETS.items()}
        made |= {f"as-{r.value}": SCOPE_OF[r] for r in Role} | {"root": "000000000000"}
        made |= {f"importer-{label}": code for label, code in RECORD_AREAS.items()}
        assert names == {name for name, code in made.items() if inside(code, scope)}
        assert await foreign_within(client, "/api/v1/users", headers) == (404, "area_not_found")
    if Permission.api_keys_manage in ROLE_PERMISSIONS[role]:
        keys = {k["id"] for k in await listed(client, "/api/v1/api-keys", headers)}
        assert keys == {world.keys[label] for label, code in TARGETS.items() if inside(code, scope)}


async def test_an_auditor_sees_its_county_and_nothing_of_another(
    client: httpx.AsyncClient,
    world: World,
    user_headers,  # noqa: ANN001
) -> None:
    admin_b = await user_headers("admin-b", "county_admin", COUNTY_B)
    body = {"username": "made-in-b", "display_name": "乙", "password": PASSWORD, "role": "village_cadre"}
    made = await client.post("/api/v1/users", json=body | {"area_code": B}, headers=admin_b)
    assert made.status_code == 201, made.text  # actor and area both in county B
    b_ids = {made.json()["id"], world.users["other-county"], world.keys["other-county"], COUNTY_B, B}

    everyone = await user_headers("auditor-all", "auditor", "000000000000")
    seen_nationally = {e["resource_id"] for e in await listed(client, "/api/v1/audit/events", everyone)}
    assert b_ids <= seen_nationally  # the events exist, so their absence below means something

    events = await listed(client, "/api/v1/audit/events", world.principals[Role.auditor])
    leaked = [
        e
        for e in events
        if not (inside(e["area_code"] or "", COUNTY_A) or inside(e["actor_scope"] or "", COUNTY_A))
    ]
    assert leaked == []
    seen = {e["resource_id"] for e in events}
    assert seen.isdisjoint(b_ids)
    assert {COUNTY_A, V, world.users["own-village"], world.keys["parent-town"]} <= seen
