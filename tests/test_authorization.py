"""The authorization matrix: every role × every endpoint × targets in its own village, a sibling village, the
parent town and another county. Only allowed calls succeed; a foreign object is 404 (its existence is not
leaked); lists never hold foreign rows. Expectations come from a small rule, itself checked by hand rows."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest

from services.common.auth import ROLE_PERMISSIONS, Permission, Role
from tests.support.auth import PASSWORD
from tests.support.monitoring import inspection, seed_enrolled_case, set_thresholds
from tests.support.registry import fresh_number, make_household, member, national_id
from tests.support.system import Database

_days = itertools.count()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def next_day() -> str:
    """A distinct start date per call, so programme periods made by the matrix never overlap."""
    return (date(2000, 1, 1) + timedelta(days=next(_days))).isoformat()


COUNTY_A, COUNTY_B = "610924000000", "610925000000"
V, S, T, B = "610924105201", "610924105202", "610924105000", "610925101201"
X = "610924105203"  # a third village of the town: where the "parent-town" label keeps its household
AREAS = {  # parents first
    "610000000000": "陕西省",
    "610900000000": "安康市",
    COUNTY_A: "紫阳县",
    T: "蒿坪镇",
    V: "黄金村",
    S: "龙泉村",
    X: "双河村",
    COUNTY_B: "岚皋县",
    "610925101000": "城关镇",
    B: "肖家坝村",
}
TARGETS = {"own-village": V, "sibling-village": S, "parent-town": T, "other-county": B}
# Households live in villages, so records "at" the parent town sit in another of its villages.
RECORD_AREAS = TARGETS | {"parent-town": X}
SCOPE_OF = {role: COUNTY_A for role in Role} | {Role.village_cadre: V, Role.town_reviewer: T}


def prefix(code: str) -> str:
    """Significant digits, written out here rather than imported so a bug there cannot hide."""
    if code == "000000000000":
        return ""
    return next(code[:n] for n in (2, 4, 6, 9, 12) if set(code[n:]) <= {"0"})


def inside(code: str, scope: str) -> bool:
    return code.startswith(prefix(scope))


def above(code: str, scope: str) -> bool:
    return prefix(scope).startswith(prefix(code)) and prefix(code) != prefix(scope)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {area} becomes the target's code; {user} / {key} the id of the user / key made there
    permission: Permission | None  # None: any signed-in caller
    kind: str  # "area": scope or above, else 404; "object": scope, else 404; "create": 403 outside_scope;
    # "record"/"record_create": the same, for rows in a village; "reference": a body names a foreign row, 422
    ok: int = 200
    not_found: str | None = None
    ok_code: str | None = None  # an allowed call that is refused on its merits (e.g. a stale version)
    body: dict | None = None  # for untargeted calls that need one


TARGETED = {
    "area_get": Endpoint("GET", "/api/v1/areas/{area}", Permission.areas_read, "area", 200, "area_not_found"),
    "area_children": Endpoint(
        "GET", "/api/v1/areas/{area}/children", Permission.areas_read, "area", 200, "area_not_found"
    ),
    "area_names": Endpoint(
        "GET", "/api/v1/areas/{area}/names", Permission.areas_read, "area", 200, "area_not_found"
    ),
    # The targets exist, so posting the same area again is the idempotent 200.
    "area_create": Endpoint("POST", "/api/v1/areas", Permission.areas_write, "create", 200),
    "user_create": Endpoint("POST", "/api/v1/users", Permission.users_manage, "create", 201),
    "user_get": Endpoint(
        "GET", "/api/v1/users/{user}", Permission.users_manage, "object", 200, "user_not_found"
    ),
    "user_patch": Endpoint(
        "PATCH", "/api/v1/users/{user}", Permission.users_manage, "object", 200, "user_not_found"
    ),
    "key_create": Endpoint("POST", "/api/v1/api-keys", Permission.api_keys_manage, "create", 201),
    "key_get": Endpoint(
        "GET", "/api/v1/api-keys/{key}", Permission.api_keys_manage, "object", 200, "api_key_not_found"
    ),
    "key_patch": Endpoint(
        "PATCH", "/api/v1/api-keys/{key}", Permission.api_keys_manage, "object", 200, "api_key_not_found"
    ),
    "key_revoke": Endpoint(  # last: a revoked key is still readable, but keep the others plain
        "POST",
        "/api/v1/api-keys/{key}/revoke",
        Permission.api_keys_manage,
        "object",
        200,
        "api_key_not_found",
    ),
    **{
        name: Endpoint(method, path, permission, kind, ok, not_found, ok_code)
        for name, (method, path, permission, kind, ok, not_found, ok_code) in {
            "household_create": (
                "POST",
                "/api/v1/households",
                Permission.households_write,
                "record_create",
                201,
                None,
                None,
            ),
            "household_get": (
                "GET",
                "/api/v1/households/{household}",
                Permission.households_read,
                "record",
                200,
                "household_not_found",
                None,
            ),
            "household_patch": (
                "PATCH",
                "/api/v1/households/{household}",
                Permission.households_write,
                "record",
                200,
                "household_not_found",
                None,
            ),
            "household_move": (
                "POST",
                "/api/v1/households/{household}/move",
                Permission.households_write,
                "record",
                200,
                "household_not_found",
                None,
            ),
            "household_delete": (
                "POST",
                "/api/v1/households/{household}/delete",
                Permission.households_write,
                "record",
                409,
                "household_not_found",
                "stale_version",
            ),
            "household_history": (
                "GET",
                "/api/v1/households/{household}/history",
                Permission.households_read,
                "record",
                200,
                "household_not_found",
                None,
            ),
            "household_cadres": (
                "GET",
                "/api/v1/households/{household}/cadres",
                Permission.households_read,
                "record",
                200,
                "household_not_found",
                None,
            ),
            "member_add": (
                "POST",
                "/api/v1/households/{household}/members",
                Permission.households_write,
                "record",
                201,
                "household_not_found",
                None,
            ),
            "person_get": (
                "GET",
                "/api/v1/people/{person}",
                Permission.households_read,
                "record",
                200,
                "person_not_found",
                None,
            ),
            "person_patch": (
                "PATCH",
                "/api/v1/people/{person}",
                Permission.households_write,
                "record",
                200,
                "person_not_found",
                None,
            ),
            "person_move": (
                "POST",
                "/api/v1/people/{person}/move",
                Permission.households_write,
                "record",
                200,
                "person_not_found",
                None,
            ),
            "person_delete": (
                "POST",
                "/api/v1/people/{person}/delete",
                Permission.households_write,
                "record",
                409,
                "person_not_found",
                "stale_version",
            ),
            "person_history": (
                "GET",
                "/api/v1/people/{person}/history",
                Permission.households_read,
                "record",
                200,
                "person_not_found",
                None,
            ),
            "programme_add": (
                "POST",
                "/api/v1/programmes",
                Permission.households_write,
                "reference",
                201,
                "household_not_found",
                None,
            ),
            "programme_end": (
                "POST",
                "/api/v1/programmes/{period}/end",
                Permission.households_write,
                "record",
                200,
                "membership_not_found",
                None,
            ),
            "cadre_create": ("POST", "/api/v1/cadres", Permission.cadres_manage, "create", 201, None, None),
            "cadre_get": (
                "GET",
                "/api/v1/cadres/{cadre}",
                Permission.households_read,
                "object",
                200,
                "cadre_not_found",
                None,
            ),
            "cadre_pair": (
                "POST",
                "/api/v1/cadres/{cadre}/assignments",
                Permission.cadres_manage,
                "object",
                200,
                "cadre_not_found",
                None,
            ),
            "cadre_unpair": (
                "POST",
                "/api/v1/cadres/assignments/{assignment}/end",
                Permission.cadres_manage,
                "record",
                200,
                "assignment_not_found",
                None,
            ),
            "area_merge": (
                "POST",
                "/api/v1/area-merges",
                Permission.areas_merge,
                "create",
                422,
                None,
                "nothing_to_merge",
            ),
            "import_get": (
                "GET",
                "/api/v1/imports/{job}",
                Permission.imports_run,
                "record",
                200,
                "import_not_found",
                None,
            ),
            "inspection_create": (
                "POST",
                "/api/v1/inspections",
                Permission.inspections_write,
                "record_create",
                201,
                None,
                None,
            ),
            "inspection_get": (
                "GET",
                "/api/v1/inspections/{inspection}",
                Permission.monitoring_read,
                "record",
                200,
                "inspection_not_found",
                None,
            ),
            "photo_put": (
                "PUT",
                "/api/v1/inspections/{inspection}/photos/{new_photo}",
                Permission.inspections_write,
                "record",
                201,
                "inspection_not_found",
                None,
            ),
            "photo_list": (
                "GET",
                "/api/v1/inspections/{inspection}/photos",
                Permission.monitoring_read,
                "record",
                200,
                "inspection_not_found",
                None,
            ),
            "photo_get": (
                "GET",
                "/api/v1/inspections/{inspection}/photos/{photo}",
                Permission.monitoring_read,
                "record",
                200,
                "photo_not_found",
                None,
            ),
            "alert_get": (
                "GET",
                "/api/v1/alerts/{alert}",
                Permission.monitoring_read,
                "record",
                200,
                "alert_not_found",
                None,
            ),
            "alert_acknowledge": (
                "POST",
                "/api/v1/alerts/{alert}/acknowledge",
                Permission.alerts_handle,
                "record",
                409,
                "alert_not_found",
                "stale_version",
            ),
            "alert_dismiss": (
                "POST",
                "/api/v1/alerts/{alert}/dismiss",
                Permission.alerts_handle,
                "record",
                409,
                "alert_not_found",
                "stale_version",
            ),
            "case_open": (
                "POST",
                "/api/v1/cases",
                Permission.cases_village,
                "reference",
                200,
                "alert_not_found",
                None,
            ),
            "case_get": (
                "GET",
                "/api/v1/cases/{case}",
                Permission.monitoring_read,
                "record",
                200,
                "case_not_found",
                None,
            ),
            "case_step": (
                "POST",
                "/api/v1/cases/{case}/actions",
                Permission.monitoring_read,
                "record",
                409,
                "case_not_found",
                "stale_version",
            ),
            "measure_add": (
                "POST",
                "/api/v1/cases/{case}/measures",
                Permission.measures_write,
                "record",
                201,
                "case_not_found",
                None,
            ),
            "measure_list": (
                "GET",
                "/api/v1/cases/{case}/measures",
                Permission.monitoring_read,
                "record",
                200,
                "case_not_found",
                None,
            ),
            "measure_patch": (
                "PATCH",
                "/api/v1/measures/{measure}",
                Permission.measures_write,
                "record",
                409,
                "measure_not_found",
                "stale_version",
            ),
            "alert_declare": (
                "POST",
                "/api/v1/alerts/declarations",
                Permission.inspections_write,
                "record_create",
                201,
                None,
                None,
            ),
            "threshold_set": (
                "POST",
                "/api/v1/thresholds",
                Permission.thresholds_manage,
                "create",
                201,
                None,
                None,
            ),
            "threshold_in_force": (
                "GET",
                "/api/v1/thresholds/in-force?area_code={area}&year=2025",
                Permission.monitoring_read,
                "object",
                200,
                "thresholds_not_set",
                None,
            ),
            # Counts only: bureaus read them too (without visit compliance, counted from pairings).
            "monitoring_stats": (
                "GET",
                "/api/v1/monitoring-stats?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # Employment records (jobs): the body names a person in the target; outside the caller's
            # area the registry knows no such person (422), as for any reference.
            "employment_create": (
                "POST",
                "/api/v1/employment-records",
                Permission.employment_write,
                "reference",
                201,
                "person_not_found",
                None,
            ),
            "employment_stats": (
                "GET",
                "/api/v1/employment-stats?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            "employment_export": (
                "GET",
                "/api/v1/employment-records/export?area={area}&format=csv",
                Permission.employment_read,
                "area",
                200,
                "area_not_found",
                None,
            ),
            # The other ledgers (台账): as their lists, for an area in the caller's scope (else 404).
            "household_export": (
                "GET",
                "/api/v1/households/export?within={area}&format=csv",
                Permission.households_read,
                "area",
                200,
                "area_not_found",
                None,
            ),
            "case_export": (
                "GET",
                "/api/v1/cases/export?within={area}&format=csv",
                Permission.monitoring_read,
                "area",
                200,
                "area_not_found",
                None,
            ),
            "visit_export": (
                "GET",
                "/api/v1/visits/export?within={area}&format=csv",
                Permission.monitoring_read,
                "area",
                200,
                "area_not_found",
                None,
            ),
            "registry_stats": (
                "GET",
                "/api/v1/registry-stats/households?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # The area report: composed by the gateway from the statistics above, with the same rule.
            "area_report": (
                "GET",
                "/api/v1/reports/area-summary?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # Public-welfare posts and training (jobs). Assigning and enrolling repeat the record's own
            # request (a retry: 200), ending repeats its own end; steps name a stale version (409).
            "post_create": (
                "POST",
                "/api/v1/welfare-posts",
                Permission.posts_manage,
                "record_create",
                201,
                None,
                None,
            ),
            "post_get": (
                "GET",
                "/api/v1/welfare-posts/{post}",
                Permission.employment_read,
                "record",
                200,
                "post_not_found",
                None,
            ),
            "post_patch": (
                "PATCH",
                "/api/v1/welfare-posts/{post}",
                Permission.posts_manage,
                "record",
                409,
                "post_not_found",
                "stale_version",
            ),
            "post_assign": (
                "POST",
                "/api/v1/welfare-posts/{post}/assignments",
                Permission.employment_write,
                "record",
                200,
                "post_not_found",
                None,
            ),
            "post_assignment_get": (
                "GET",
                "/api/v1/post-assignments/{post_assignment}",
                Permission.employment_read,
                "record",
                200,
                "assignment_not_found",
                None,
            ),
            "post_assignment_end": (
                "POST",
                "/api/v1/post-assignments/{post_assignment}/end",
                Permission.employment_write,
                "record",
                200,
                "assignment_not_found",
                None,
            ),
            "welfare_post_stats": (
                "GET",
                "/api/v1/welfare-post-stats?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            "course_create": (
                "POST",
                "/api/v1/training-courses",
                Permission.posts_manage,
                "record_create",
                201,
                None,
                None,
            ),
            "course_get": (
                "GET",
                "/api/v1/training-courses/{course}",
                Permission.employment_read,
                "record",
                200,
                "course_not_found",
                None,
            ),
            "course_patch": (
                "PATCH",
                "/api/v1/training-courses/{course}",
                Permission.posts_manage,
                "record",
                409,
                "course_not_found",
                "stale_version",
            ),
            "course_enrol": (
                "POST",
                "/api/v1/training-courses/{course}/enrolments",
                Permission.employment_write,
                "record",
                200,
                "course_not_found",
                None,
            ),
            "enrolment_get": (
                "GET",
                "/api/v1/training-enrolments/{enrolment}",
                Permission.employment_read,
                "record",
                200,
                "enrolment_not_found",
                None,
            ),
            "enrolment_step": (
                "POST",
                "/api/v1/training-enrolments/{enrolment}/actions",
                Permission.employment_write,
                "record",
                409,
                "enrolment_not_found",
                "stale_version",
            ),
            "training_stats": (
                "GET",
                "/api/v1/training-stats?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
        }.items()
    },
}
UNTARGETED = {
    "area_list": Endpoint("GET", "/api/v1/areas", Permission.areas_read, "list"),
    "user_list": Endpoint("GET", "/api/v1/users", Permission.users_manage, "list"),
    "key_list": Endpoint("GET", "/api/v1/api-keys", Permission.api_keys_manage, "list"),
    "audit_verify": Endpoint("GET", "/api/v1/audit/verify", Permission.audit_read, "list"),
    "audit_events": Endpoint("GET", "/api/v1/audit/events", Permission.audit_read, "list"),
    "system_status": Endpoint("GET", "/api/v1/system/status", Permission.system_status, "list"),
    "me": Endpoint("GET", "/api/v1/users/me", None, "list"),
    "household_list": Endpoint("GET", "/api/v1/households", Permission.households_read, "list"),
    "household_count": Endpoint("GET", "/api/v1/households/count", Permission.households_read, "list"),
    "person_list": Endpoint("GET", "/api/v1/people", Permission.households_read, "list"),
    "person_count": Endpoint("GET", "/api/v1/people/count", Permission.households_read, "list"),
    "person_lookup": Endpoint(
        "POST",
        "/api/v1/people/lookup",
        Permission.households_read,
        "list",
        body={"national_id": national_id()},
    ),
    "programme_list": Endpoint("GET", "/api/v1/programmes", Permission.households_read, "list"),
    "cadre_list": Endpoint("GET", "/api/v1/cadres", Permission.households_read, "list"),
    "sync_changes": Endpoint("GET", "/api/v1/sync/changes", Permission.households_read, "list"),
    "registry_events": Endpoint("GET", "/api/v1/registry-events", Permission.households_read, "list"),
    # Without a file: allowed callers get as far as the missing file.
    "import_start": Endpoint(
        "POST", "/api/v1/imports", Permission.imports_run, "list", ok=422, ok_code="validation_failed"
    ),
    # Without a file: allowed callers get as far as the missing file.
    "area_import": Endpoint(
        "POST", "/api/v1/area-imports", Permission.areas_write, "list", ok=422, ok_code="validation_failed"
    ),
    "threshold_list": Endpoint("GET", "/api/v1/thresholds", Permission.monitoring_read, "list"),
    "inspection_list": Endpoint("GET", "/api/v1/inspections", Permission.monitoring_read, "list"),
    "alert_list": Endpoint("GET", "/api/v1/alerts", Permission.monitoring_read, "list"),
    "case_list": Endpoint("GET", "/api/v1/cases", Permission.monitoring_read, "list"),
    "visit_compliance": Endpoint("GET", "/api/v1/visits/compliance", Permission.monitoring_read, "list"),
    "post_list": Endpoint("GET", "/api/v1/welfare-posts", Permission.employment_read, "list"),
    "post_assignment_list": Endpoint("GET", "/api/v1/post-assignments", Permission.employment_read, "list"),
    "course_list": Endpoint("GET", "/api/v1/training-courses", Permission.employment_read, "list"),
    "enrolment_list": Endpoint("GET", "/api/v1/training-enrolments", Permission.employment_read, "list"),
    "employment_list": Endpoint("GET", "/api/v1/employment-records", Permission.employment_read, "list"),
    # Items naming someone unknown (or, for a 人社 system, by person_id) fail one by one; the batch is 200.
    "employment_batch": Endpoint(
        "POST",
        "/api/v1/employment-records/batch",
        Permission.employment_write,
        "list",
        body={
            "items": [
                {
                    "id": str(uuid.uuid4()),
                    "person_id": str(uuid.uuid4()),
                    "status": "local",
                    "source": "door_to_door",
                    "reported_on": "2025-01-01",
                }
            ]
        },
    ),
    # Matched in the caller's own area (the registry answers for it); an unknown number is answered per item.
    "partner_feed": Endpoint(
        "POST",
        "/api/v1/partner-feeds/{kind}/batch",
        Permission.partner_feeds_push,
        "list",
        body={
            "records": [
                {"record_id": "D-1", "national_id": "610924198001010011", "occurred_on": "2025-01-01"}
            ]
        },
    ),
    "inspection_batch": Endpoint(
        "POST",
        "/api/v1/inspections/batch",
        Permission.inspections_write,
        "list",
        body={"items": [inspection(area_code=V)]},
    ),
    # Items outside the caller's area fail one by one (status forbidden); the batch itself answers 200.
    "household_batch": Endpoint(
        "POST",
        "/api/v1/households/batch",
        Permission.households_write,
        "list",
        body={"items": [{"number": "B0000001", "area_code": V}]},
    ),
}
# Export jobs belong to the account that asked: anyone else, allowed or not to export, finds none there.
for _resource, _permission in (
    ("households", Permission.households_read),
    ("cases", Permission.monitoring_read),
    ("visits", Permission.monitoring_read),
    ("employment-records", Permission.employment_read),
):
    for _suffix in ("", "/file"):
        UNTARGETED[f"{_resource}_export_job{_suffix}"] = Endpoint(
            "GET",
            f"/api/v1/{_resource}/exports/{{job}}{_suffix}",
            _permission,
            "list",
            ok=404,
            ok_code="export_not_found",
        )
# About the caller's own sign-in, not about anything in an area.
SELF_SERVICE = {
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/users/me/password"),
}


@dataclass(frozen=True)
class Reference:
    """An id a request body names, besides the call's own target."""

    record: str  # the key of World.records whose id it names
    relation: str  # what it must be to the call's household in the caller's own village:
    # "scope": anything in the caller's area; "member": a member of that household; "cadre": paired
    # with it or of an area covering its village; "local": living in the area of the post or course;
    # "head": a member of that household, any other person refused alike
    ok: tuple[int, ...] = (201,)
    asks: Permission | None = None  # what the registry's look-up of the id needs, if not the call's own


# Each id field of each request body, varied across the targets while the call itself stays in the
# caller's own village. Fields of "reference" endpoints are varied by the main matrix itself.
BODY_REFERENCES: dict[tuple[str, tuple[str | int, ...]], Reference] = {
    ("alert_declare", ("household_id",)): Reference("household", "scope"),
    ("inspection_create", ("household_id",)): Reference("household", "scope"),
    ("inspection_create", ("cadre_id",)): Reference("cadre", "cadre"),
    ("inspection_create", ("children", 0, "person_id")): Reference("person", "member"),
    ("inspection_create", ("medical_insurance", 0, "person_id")): Reference("person", "member"),
    ("inspection_create", ("risk_events", 0, "person_id")): Reference("person", "member"),
    ("measure_add", ("person_id",)): Reference("person", "member"),
    ("measure_add", ("cadre_id",)): Reference("cadre", "cadre"),
    ("programme_add", ("person_id",)): Reference("person", "member"),
    ("household_patch", ("head_person_id",)): Reference("person", "head", ok=(200,)),
    ("cadre_pair", ("household_id",)): Reference("household", "scope", ok=(200, 201)),
    ("person_move", ("to_household_id",)): Reference("household", "scope", ok=(200,)),
    # 人社 systems give posts and courses no one by registry id: they may not read the registry.
    ("post_assign", ("person_id",)): Reference("second_person", "local", asks=Permission.households_read),
    ("course_enrol", ("person_id",)): Reference("second_person", "local", asks=Permission.households_read),
}
# Fields that name the body's own record or another part of the same request, not a stored one.
OWN_IDS = {"id", "HouseholdProgramme.person_id"}
REFUSED_AS = {
    "household": "household_not_found",
    "second_household": "household_not_found",
    "person": "person_not_found",
    "second_person": "person_not_found",
    "cadre": "cadre_not_found",
}


def expected_reference(role: Role, name: str, reference: Reference, label: str) -> tuple[int, ...] | tuple:
    """The answers allowed for a body naming the label's record: the reference's ok, or one refusal."""
    for permission in (TARGETED[name].permission, reference.asks):
        if permission is not None and permission not in ROLE_PERMISSIONS[role]:
            return ((403, "permission_denied"),)
    own = label == "own-village"
    if reference.relation == "head":
        return tuple((status, None) for status in reference.ok) if own else ((422, "head_not_member"),)
    scope = SCOPE_OF[role]
    lives = RECORD_AREAS[label]
    # A cadre is visible from its own area, or from the area of a household it is paired with.
    visible = inside(lives, scope) or (reference.relation == "cadre" and inside(TARGETS[label], scope))
    if not visible:
        return ((422, REFUSED_AS[reference.record]),)
    if reference.relation == "member" and not own:
        return ((422, "person_not_member"),)
    if reference.relation == "local" and not own:
        return ((422, "person_outside_area"),)
    if reference.relation == "cadre" and not (own or inside(V, TARGETS[label])):
        return ((422, "cadre_not_responsible"),)
    return tuple((status, None) for status in reference.ok)


def with_reference(body: dict, path: tuple[str | int, ...], value: str) -> dict:
    """The body with the id at ``path`` set (lists made long enough, the rest of an entry filled in)."""
    body = json_copy(body)
    node: dict | list = body
    for step, following in zip(path, path[1:], strict=False):
        if isinstance(step, int):
            assert isinstance(node, list)
            while len(node) <= step:
                node.append(LIST_ENTRIES[path[0]])  # type: ignore[index]
            node = node[step]
        else:
            assert isinstance(node, dict)
            node = node.setdefault(step, [] if isinstance(following, int) else {})
    node[path[-1]] = value  # type: ignore[index]
    return body


def json_copy(body: dict) -> dict:
    return json.loads(json.dumps(body))


LIST_ENTRIES = {
    "children": {"name": "小明", "age": 10, "schooling": "in_school"},
    "medical_insurance": {"name": "张三", "insured": True},
    "risk_events": {"kind": "illness", "happened_on": "2025-05-01"},
}


def expected(role: Role, name: str, target: str | None = None) -> tuple[int, str | None]:
    """The rule: permission first (403), then where the target lies (404 to read, 403 to create)."""
    endpoint = TARGETED.get(name) or UNTARGETED[name]
    if endpoint.permission is not None and endpoint.permission not in ROLE_PERMISSIONS[role]:
        return 403, "permission_denied"
    scope = SCOPE_OF[role]
    if target is not None and not inside(target, scope):
        if endpoint.kind in ("create", "record_create"):
            return 403, "outside_scope"  # decided from the codes alone
        if endpoint.kind == "reference":
            return 422, endpoint.not_found
        if endpoint.kind in ("object", "record") or not above(target, scope):
            return 404, endpoint.not_found
    return endpoint.ok, endpoint.ok_code


def target_of(name: str, label: str) -> str:
    endpoint = TARGETED[name]
    return (RECORD_AREAS if endpoint.kind in ("record", "record_create", "reference") else TARGETS)[label]


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
]


@dataclass
class World:
    principals: dict[Role, dict[str, str]]  # sign-in headers of one user per role
    users: dict[str, str]  # target label -> id of a user the national admin made there
    keys: dict[str, str]  # target label -> id of an API key the national admin made there
    records: dict[str, dict[str, str]]  # target label -> ids of a household, person, cadre … there


@pytest.fixture
async def world(admin: httpx.AsyncClient, user_headers, clean_database: Database) -> World:  # noqa: ANN001
    for code, name in AREAS.items():
        assert (await admin.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201
    users, keys = {}, {}
    for label, code in TARGETS.items():
        body = {"username": f"target-{label}", "display_name": label, "password": PASSWORD}
        user = await admin.post("/api/v1/users", json=body | {"role": "village_cadre", "area_code": code})
        key = await admin.post(
            "/api/v1/api-keys", json={"name": label, "role": "bureau_partner", "area_code": code}
        )
        assert (user.status_code, key.status_code) == (201, 201), (user.text, key.text)
        users[label], keys[label] = user.json()["id"], key.json()["id"]
    # Lines for everywhere, so every area has thresholds in force and a poor household raises an alert.
    await set_thresholds(admin, 2025, area_code="000000000000")
    principals = {role: await user_headers(f"as-{role.value}", role.value, SCOPE_OF[role]) for role in Role}
    owner_url = clean_database.owner_url
    records = {label: await make_records(admin, label, user_headers, owner_url) for label in TARGETS}
    return World(principals, users, keys, records)


WELFARE_POST = {
    "title": "村道保洁员",
    "type": "cleaning",
    "funding_source": "hrss",
    "monthly_subsidy": 500,
    "capacity": 5,
    "starts_on": "2025-01-01",
}
COURSE = {"title": "修脚足疗培训班", "provider": "县职教中心", "skill": "修脚足疗", "starts_on": "2025-03-01"}


async def make_records(admin: httpx.AsyncClient, label: str, user_headers, owner_url: str) -> dict[str, str]:  # noqa: ANN001
    village, area = RECORD_AREAS[label], TARGETS[label]
    # An import job belongs to the scope of who started it: an administrator of that village.
    importer = await user_headers(f"importer-{label}", "county_admin", village)
    upload = {"file": ("empty.csv", "户编号,村代码,姓名,身份证号,与户主关系\n".encode(), "text/csv")}
    job = await admin.post("/api/v1/imports", files=upload, data={"dry_run": "true"}, headers=importer)
    assert job.status_code == 202, job.text
    household = await make_household(admin, village, members=1)
    period = {"household_id": household["id"], "programme": "dibao", "starts_on": "2024-01-01"}
    cadre = await admin.post("/api/v1/cadres", json={"area_code": area, "name": "李干部", "unit": "镇政府"})
    pairing = await admin.post(
        f"/api/v1/cadres/{cadre.json()['id']}/assignments", json={"household_id": household["id"]}
    )
    assert pairing.status_code == 201, pairing.text
    visit = inspection(household["id"], area_code=village, wages=1000)
    assert (await admin.post("/api/v1/inspections", json=visit)).status_code == 201
    photo = str(uuid.uuid4())
    uploaded = await admin.put(
        f"/api/v1/inspections/{visit['id']}/photos/{photo}",
        content=JPEG,
        headers={"Content-Type": "image/jpeg"},
    )
    assert uploaded.status_code == 201, uploaded.text
    alert = (await admin.get("/api/v1/alerts", params={"household_id": household["id"]})).json()["items"][0]
    # Another household's alert for opening cases; an enrolled case (seeded) for its measures and steps.
    second = await make_household(admin, village, members=1)
    poor = inspection(second["id"], area_code=village, wages=1000)
    assert (await admin.post("/api/v1/inspections", json=poor)).status_code == 201
    fresh = (await admin.get("/api/v1/alerts", params={"household_id": second["id"]})).json()["items"][0]
    opened = {"id": str(uuid.uuid4()), "alert_ids": [fresh["id"]]}  # posted again below: a retry, 200
    assert (await admin.post("/api/v1/cases", json=opened)).status_code == 201
    case = await seed_enrolled_case(owner_url, household["id"], village)
    plan = {"kind": "health", "description": "家庭医生签约", "starts_on": "2025-01-01"}
    measure = await admin.post(f"/api/v1/cases/{case}/measures", json=plan)
    assert measure.status_code == 201, measure.text
    post = (await admin.post("/api/v1/welfare-posts", json=WELFARE_POST | {"area_code": village})).json()
    holder = {"id": str(uuid.uuid4()), "person_id": household["head_person_id"], "starts_on": "2025-01-01"}
    held = await admin.post(f"/api/v1/welfare-posts/{post['id']}/assignments", json=holder)
    assert held.status_code == 201, held.text
    course = (await admin.post("/api/v1/training-courses", json=COURSE | {"area_code": village})).json()
    signup = {"id": str(uuid.uuid4()), "person_id": household["head_person_id"], "enrolled_on": "2025-03-01"}
    enrolled = await admin.post(f"/api/v1/training-courses/{course['id']}/enrolments", json=signup)
    assert enrolled.status_code == 201, enrolled.text
    return {
        "post": post["id"],
        "post_assignment": holder["id"],
        "course": course["id"],
        "enrolment": signup["id"],
        "case": case,
        "measure": measure.json()["id"],
        "opened_case": opened["id"],
        "second_household": second["id"],
        "second_inspection": poor["id"],
        "second_person": second["head_person_id"],
        "fresh_alert": fresh["id"],
        "inspection": visit["id"],
        "photo": photo,
        "alert": alert["id"],
        "household": household["id"],
        "person": household["head_person_id"],
        "national_id": (
            await admin.get(f"/api/v1/people/{household['head_person_id']}", params={"reveal": "true"})
        ).json()["national_id"],
        "employment_record": await employment_record(admin, household["head_person_id"]),
        "period": (await admin.post("/api/v1/programmes", json=period)).json()["id"],
        "cadre": cadre.json()["id"],
        "assignment": pairing.json()["id"],
        "job": job.json()["id"],
        "village": village,
    }


async def employment_record(admin: httpx.AsyncClient, person_id: str) -> str:
    body = {"id": str(uuid.uuid4()), "person_id": person_id, "status": "local", "source": "door_to_door"}
    response = await admin.post("/api/v1/employment-records", json=body | {"reported_on": "2025-01-01"})
    assert response.status_code == 201, response.text
    return body["id"]


def request_for(world: World, role: Role, name: str, label: str) -> tuple[str, str, dict | None]:
    endpoint, code = TARGETED[name], TARGETS[label]
    records = world.records[label]
    url = endpoint.path.format(
        area=code, user=world.users[label], key=world.keys[label], new_photo=uuid.uuid4(), **records
    )
    village = records["village"]
    bodies = {
        "area_create": {"code": code, "name": AREAS[code]},
        "user_create": {
            "username": f"new-{role.value}-{label}",
            "display_name": "新用户",
            "password": PASSWORD,
            "role": "village_cadre",
            "area_code": code,
        },
        "key_create": {"name": f"new key of {role.value}", "role": "bureau_partner", "area_code": code},
        "user_patch": {"display_name": "改名", "base_version": 1},
        "key_patch": {"name": f"renamed {label}", "base_version": 1},
        "household_create": {"number": fresh_number(village), "area_code": village},
        "household_patch": {"base_version": 1},  # changes nothing, so every allowed role gets 200
        "household_move": {"base_version": 1, "to_area_code": village},
        "household_delete": {"base_version": 99, "reason": "权限测试"},
        "member_add": member("child"),
        "person_patch": {"base_version": 1},
        "person_move": {
            "base_version": 1,
            "to_household_id": records["household"],
            "reason": "other",
            "relation": "head",
        },
        "programme_add": {
            "household_id": records["household"],
            "programme": "tekun",
            "starts_on": next_day(),
        },
        "programme_end": {"ends_on": "2030-01-01"},
        "cadre_create": {"area_code": code, "name": "新干部", "unit": "县局"},
        "cadre_pair": {"household_id": records["household"]},
        "cadre_unpair": {},
        "area_merge": {"target_code": code, "source_codes": [code], "effective_on": "2026-01-01"},
        "inspection_create": inspection(records["household"], area_code=village),
        "alert_declare": {
            "id": str(uuid.uuid4()),
            "household_id": records["household"],
            "area_code": village,
            "risk_code": "illness",
            "reason": "户主住院",
        },
        "alert_acknowledge": {"base_version": 99},
        "alert_dismiss": {"base_version": 99, "reason": "权限测试"},
        "case_open": {"id": records["opened_case"], "alert_ids": [records["fresh_alert"]]},
        "case_step": {"action": "propose_exit", "base_version": 99},
        "measure_add": {"kind": "education", "description": "雨露计划", "starts_on": "2025-09-01"},
        "measure_patch": {"base_version": 99, "status": "done"},
        "threshold_set": {"area_code": code, "year": 2026, "income_line": 7000, "large_expense_line": 20000},
        # A new record each time; 人社 systems cannot read where people live, so they give the ID number.
        "employment_create": {
            "id": str(uuid.uuid4()),
            "status": "local",
            "source": "door_to_door",
            "reported_on": "2025-06-01",
        }
        | (
            {"national_id": records["national_id"]}
            if role is Role.bureau_partner
            else {"person_id": records["person"]}
        ),
        "post_create": WELFARE_POST | {"area_code": village},
        "post_patch": {"base_version": 99},
        "post_assign": {
            "id": records["post_assignment"],
            "person_id": records["person"],
            "starts_on": "2025-01-01",
        },
        "post_assignment_end": {"ends_on": "2025-12-31", "reason": "权限测试"},
        "course_create": COURSE | {"area_code": village},
        "course_patch": {"base_version": 99},
        "course_enrol": {
            "id": records["enrolment"],
            "person_id": records["person"],
            "enrolled_on": "2025-03-01",
        },
        "enrolment_step": {"action": "complete", "base_version": 99},
    }
    return endpoint.method, url, bodies.get(name)


def outcome(response: httpx.Response) -> tuple[int, str | None]:
    return response.status_code, response.json().get("code") if response.status_code >= 400 else None


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
            elif name in ("post_assign", "course_enrol"):
                body = body | {"id": str(uuid.uuid4())}  # a new place, not a retry of the world's
            sent = with_reference(body, path, world.records[label][reference.record])
            got = outcome(await client.request(method, url, json=sent, headers=headers))
            allowed = expected_reference(role, name, reference, label)
            if got not in allowed:
                where = ".".join(map(str, path))
                wrong.append(f"{method} {url} {where} [{label}]: expected {allowed}, got {got}")
    return wrong


def body_id_fields(document: dict, schema: dict, path: tuple = (), owner: str = "") -> set[tuple[str, tuple]]:
    """(schema.field, path) of every UUID field a request body can carry, lists as index 0."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return body_id_fields(document, document["components"]["schemas"][name], path, name)
    found: set[tuple[str, tuple]] = set()
    for option in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
        found |= body_id_fields(document, option, path, owner)
    if schema.get("format") == "uuid":
        found.add((f"{owner}.{next(p for p in reversed(path) if isinstance(p, str))}", path))
    if "items" in schema:
        found |= body_id_fields(document, schema["items"], (*path, 0), owner)
    for field, inner in schema.get("properties", {}).items():
        found |= body_id_fields(document, inner, (*path, field), owner)
    return found


# Batches carry the single endpoint's items; their references are checked by the same code.
BATCH_OF = {"inspection_batch": "inspection_create", "employment_batch": "employment_create"}
VARIED_BY_THE_MATRIX = {  # "reference" endpoints: their target is the body's id itself
    ("programme_add", ("household_id",)),
    ("case_open", ("alert_ids", 0)),
    ("employment_create", ("person_id",)),
}


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
