"""The authorisation matrix's rule: the areas and targets, every endpoint with the permission it needs
and how a target outside the caller's area is answered, and the rule that predicts each answer."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from services.common.auth import ROLE_PERMISSIONS, Permission, Role
from tests.support.credit import bank_loan
from tests.support.monitoring import inspection
from tests.support.oversight import check_in_body, contact_body
from tests.support.projects import project_body, receipt
from tests.support.registry import national_id

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
            "import_rows": (
                "GET",
                "/api/v1/imports/{job}/rows",
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
            "project_create": (
                "POST",
                "/api/v1/projects",
                Permission.projects_manage,
                "create",
                201,
                None,
                None,
            ),
            "project_get": (
                "GET",
                "/api/v1/projects/{project}",
                Permission.projects_read,
                "record",
                200,
                "project_not_found",
                None,
            ),
            "project_patch": (
                "PATCH",
                "/api/v1/projects/{project}",
                Permission.projects_manage,
                "record",
                409,
                "project_not_found",
                "stale_version",
            ),
            "project_step": (
                "POST",
                "/api/v1/projects/{project}/actions",
                Permission.projects_report,
                "record",
                409,
                "project_not_found",
                "stale_version",
            ),
            # The same movement again: a retry, 200.
            "project_movement": (
                "POST",
                "/api/v1/projects/{project}/fund-movements",
                Permission.projects_manage,
                "record",
                200,
                "project_not_found",
                None,
            ),
            "project_movements": (
                "GET",
                "/api/v1/projects/{project}/fund-movements",
                Permission.projects_read,
                "record",
                200,
                "project_not_found",
                None,
            ),
            "asset_create": (
                "POST",
                "/api/v1/assets",
                Permission.projects_manage,
                "create",
                201,
                None,
                None,
            ),
            "asset_get": (
                "GET",
                "/api/v1/assets/{asset}",
                Permission.projects_read,
                "record",
                200,
                "asset_not_found",
                None,
            ),
            "asset_patch": (
                "PATCH",
                "/api/v1/assets/{asset}",
                Permission.projects_manage,
                "record",
                409,
                "asset_not_found",
                "stale_version",
            ),
            # Its 2024 check is done: an allowed call is refused on its merits.
            "asset_check": (
                "POST",
                "/api/v1/assets/{asset}/checks",
                Permission.projects_report,
                "record",
                409,
                "asset_not_found",
                "check_done",
            ),
            # A phone's upkeep inspection of the target's asset: a new report each time.
            "asset_check_report": (
                "POST",
                "/api/v1/asset-checks",
                Permission.assets_report,
                "reference",
                201,
                "asset_not_found",
                None,
            ),
            "asset_income": (
                "PUT",
                "/api/v1/assets/{asset}/incomes/{income_year}",
                Permission.projects_manage,
                "record",
                200,
                "asset_not_found",
                None,
            ),
            "asset_notice": (
                "POST",
                "/api/v1/assets/{asset}/notices",
                Permission.projects_manage,
                "record",
                201,
                "asset_not_found",
                None,
            ),
            "asset_notices": (
                "GET",
                "/api/v1/assets/{asset}/notices",
                Permission.projects_read,
                "record",
                200,
                "asset_not_found",
                None,
            ),
            "notice_object": (
                "POST",
                "/api/v1/asset-notices/{notice}/objections",
                Permission.projects_report,
                "record",
                201,
                "notice_not_found",
                None,
            ),
            "notice_resolve": (
                "POST",
                "/api/v1/asset-notices/{notice}/objections/{objection}/resolve",
                Permission.projects_manage,
                "record",
                409,
                "notice_not_found",
                "objection_resolved",
            ),
            "notice_act": (
                "POST",
                "/api/v1/asset-notices/{closed_notice}/actions",
                Permission.projects_manage,
                "record",
                409,
                "notice_not_found",
                "notice_closed",
            ),
            # A bureau's fund movement (received, 1 fen) on the target's project: a new one each time.
            "movement_push": (
                "POST",
                "/api/v1/fund-movements",
                Permission.partner_feeds_push,
                "reference",
                201,
                "project_not_found",
                None,
            ),
            # Beneficiary links: a new link names the target's project (or asset) and household.
            "link_create": (
                "POST",
                "/api/v1/beneficiary-links",
                Permission.projects_manage,
                "reference",
                201,
                "project_not_found",
                None,
            ),
            "asset_link_create": (
                "POST",
                "/api/v1/beneficiary-links",
                Permission.projects_manage,
                "reference",
                201,
                "asset_not_found",
                None,
            ),
            "link_get": (
                "GET",
                "/api/v1/beneficiary-links/{link}",
                Permission.projects_read,
                "record",
                200,
                "link_not_found",
                None,
            ),
            # The world's payment again: a retry, 200.
            "link_pay": (
                "POST",
                "/api/v1/beneficiary-links/{link}/payments",
                Permission.projects_manage,
                "record",
                200,
                "link_not_found",
                None,
            ),
            "link_payments": (
                "GET",
                "/api/v1/beneficiary-links/{link}/payments",
                Permission.projects_read,
                "record",
                200,
                "link_not_found",
                None,
            ),
            "project_stats": (
                "GET",
                "/api/v1/project-stats?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            "asset_stats": (
                "GET",
                "/api/v1/asset-stats?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # Relocation: the target's settlement project has its settlement, and its household is
            # signed up already, so an allowed create or sign-up is refused on its merits; every kind of
            # the household's report is recorded already.
            "settlement_create": (
                "POST",
                "/api/v1/settlements",
                Permission.projects_manage,
                "record_create",
                409,
                None,
                "project_has_settlement",
            ),
            "settlement_get": (
                "GET",
                "/api/v1/settlements/{settlement}",
                Permission.projects_read,
                "record",
                200,
                "settlement_not_found",
                None,
            ),
            "settlement_patch": (
                "PATCH",
                "/api/v1/settlements/{settlement}",
                Permission.projects_manage,
                "record",
                409,
                "settlement_not_found",
                "stale_version",
            ),
            "settlement_figures": (
                "GET",
                "/api/v1/settlements/{settlement}/figures",
                Permission.projects_read,
                "record",
                200,
                "settlement_not_found",
                None,
            ),
            "settlement_households": (
                "GET",
                "/api/v1/settlements/{settlement}/households",
                Permission.projects_read,
                "record",
                200,
                "settlement_not_found",
                None,
            ),
            "settlement_sign_up": (
                "POST",
                "/api/v1/settlements/{settlement}/households",
                Permission.projects_manage,
                "record",
                409,
                "settlement_not_found",
                "household_signed_up",
            ),
            "settlement_pay": (
                "POST",
                "/api/v1/settlements/{settlement}/payments",
                Permission.projects_manage,
                "record",
                201,
                "settlement_not_found",
                None,
            ),
            "relocation_report": (
                "POST",
                "/api/v1/relocation-reports",
                Permission.relocation_report,
                "reference",
                409,
                "household_not_found",
                "already_recorded",
            ),
            "relocation_stats": (
                "GET",
                "/api/v1/relocation-stats?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # Photovoltaic stations: the world's asset is its station already, so an allowed create is
            # refused on its merits; its fault report sent again is a retry; its alarm is fixed.
            "station_create": (
                "POST",
                "/api/v1/stations",
                Permission.projects_manage,
                "record_create",
                409,
                None,
                "asset_is_a_station",
            ),
            "station_get": (
                "GET",
                "/api/v1/stations/{station}",
                Permission.projects_read,
                "record",
                200,
                "station_not_found",
                None,
            ),
            "station_patch": (
                "PATCH",
                "/api/v1/stations/{station}",
                Permission.projects_manage,
                "record",
                409,
                "station_not_found",
                "stale_version",
            ),
            "station_readings": (
                "GET",
                "/api/v1/stations/{station}/readings?month=2024-05",
                Permission.projects_read,
                "record",
                200,
                "station_not_found",
                None,
            ),
            "station_revenue": (
                "PUT",
                "/api/v1/stations/{station}/revenues/{revenue_month}",
                Permission.projects_manage,
                "record",
                200,
                "station_not_found",
                None,
            ),
            "station_fault": (
                "POST",
                "/api/v1/stations/{station}/faults",
                Permission.stations_report,
                "record",
                200,
                "station_not_found",
                None,
            ),
            # A reading of the body's station, each call on a day of its own.
            "reading_enter": (
                "POST",
                "/api/v1/station-readings",
                Permission.stations_push,
                "reference",
                201,
                "station_not_found",
                None,
            ),
            "alarm_get": (
                "GET",
                "/api/v1/station-alarms/{station_alarm}",
                Permission.projects_read,
                "record",
                200,
                "alarm_not_found",
                None,
            ),
            "alarm_act": (
                "POST",
                "/api/v1/station-alarms/{station_alarm}/actions",
                Permission.projects_manage,
                "record",
                409,
                "alarm_not_found",
                "alarm_state",
            ),
            "expectation_get": (
                "GET",
                "/api/v1/station-expectations/{area}",
                Permission.projects_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            "expectation_set": (
                "PUT",
                "/api/v1/station-expectations/{area}",
                Permission.projects_manage,
                "create",
                200,
                None,
                None,
            ),
            "station_stats": (
                "GET",
                "/api/v1/station-stats?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # School-age children (控辍保学) and student aid (教育资助): each target's child (from the police
            # feed) and aid record; edits at a stale version are refused on their merits.
            "child_get": (
                "GET",
                "/api/v1/school-children/{school_child}",
                Permission.monitoring_read,
                "record",
                200,
                "child_not_found",
                None,
            ),
            "child_patch": (
                "PATCH",
                "/api/v1/school-children/{school_child}",
                Permission.schools_write,
                "record",
                409,
                "child_not_found",
                "stale_version",
            ),
            "child_proof": (
                "PUT",
                "/api/v1/school-children/{school_child}/proof",
                Permission.schools_write,
                "record",
                409,
                "child_not_found",
                "stale_version",
            ),
            "child_return": (
                "POST",
                "/api/v1/school-children/{school_child}/return-steps",
                Permission.schools_write,
                "record",
                409,
                "child_not_found",
                "stale_version",
            ),
            "school_stats": (
                "GET",
                "/api/v1/school-stats?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # A new record each time, naming the target's person.
            "aid_create": (
                "POST",
                "/api/v1/student-aid",
                Permission.student_aid_write,
                "reference",
                201,
                "person_not_found",
                None,
            ),
            "aid_patch": (
                "PATCH",
                "/api/v1/student-aid/{student_aid}",
                Permission.student_aid_write,
                "record",
                409,
                "student_aid_not_found",
                "stale_version",
            ),
            "aid_stats": (
                "GET",
                "/api/v1/student-aid-stats?area={area}&school_year=2024",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # Oversight: support units, work teams, check-ins, targets and presence figures.
            "unit_create": (
                "POST",
                "/api/v1/support-units",
                Permission.oversight_manage,
                "create",
                201,
                None,
                None,
            ),
            "unit_get": (
                "GET",
                "/api/v1/support-units/{unit}",
                Permission.oversight_read,
                "record",
                200,
                "unit_not_found",
                None,
            ),
            # The report reads projects, monitoring and jobs on the caller's behalf: a figure one may
            # not give is listed missing, never a refusal of the report.
            "unit_report": (
                "GET",
                "/api/v1/support-units/{unit}/report?from=2025-01-01&to=2025-06-30",
                Permission.oversight_read,
                "record",
                200,
                "unit_not_found",
                None,
            ),
            "team_create": (
                "POST",
                "/api/v1/work-teams",
                Permission.oversight_manage,
                "record_create",
                201,
                None,
                None,
            ),
            "team_get": (
                "GET",
                "/api/v1/work-teams/{team}",
                Permission.oversight_read,
                "record",
                200,
                "team_not_found",
                None,
            ),
            # The body names the target's team member: outside the caller's area it is not found.
            "check_in_create": (
                "POST",
                "/api/v1/check-ins",
                Permission.oversight_check_in,
                "reference",
                201,
                "member_not_found",
                None,
            ),
            "leave_request": (
                "POST",
                "/api/v1/leaves",
                Permission.oversight_check_in,
                "reference",
                201,
                "member_not_found",
                None,
            ),
            # The world's leaves were approved already: whoever may decide finds it decided.
            "leave_decide": (
                "POST",
                "/api/v1/leaves/{leave}/decision",
                Permission.oversight_manage,
                "record",
                409,
                "leave_not_found",
                "leave_decided",
            ),
            "target_set": (
                "PUT",
                "/api/v1/presence-targets",
                Permission.oversight_manage,
                "create",
                200,
                None,
                None,
            ),
            "presence": (
                "GET",
                "/api/v1/presence?area={area}",
                Permission.oversight_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # Rectification: each target's item was closed already — whoever may act finds it closed.
            "rectification_create": (
                "POST",
                "/api/v1/rectifications",
                Permission.oversight_manage,
                "create",
                201,
                None,
                None,
            ),
            "rectification_get": (
                "GET",
                "/api/v1/rectifications/{rectification}",
                Permission.oversight_read,
                "record",
                200,
                "rectification_not_found",
                None,
            ),
            "rectification_report": (
                "POST",
                "/api/v1/rectifications/{rectification}/reports",
                Permission.oversight_report,
                "record",
                409,
                "rectification_not_found",
                "item_closed",
            ),
            "rectification_submit": (
                "POST",
                "/api/v1/rectifications/{rectification}/submit",
                Permission.oversight_report,
                "record",
                409,
                "rectification_not_found",
                "item_closed",
            ),
            "rectification_review": (
                "POST",
                "/api/v1/rectifications/{rectification}/review",
                Permission.oversight_manage,
                "record",
                409,
                "rectification_not_found",
                "item_closed",
            ),
            "rectification_overdue": (
                "GET",
                "/api/v1/rectifications/overdue?area={area}",
                Permission.oversight_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            "session_create": (
                "POST",
                "/api/v1/study-sessions",
                Permission.oversight_report,
                "create",
                201,
                None,
                None,
            ),
            "session_get": (
                "GET",
                "/api/v1/study-sessions/{study_session}",
                Permission.oversight_read,
                "record",
                200,
                "session_not_found",
                None,
            ),
            # The body names the target's household (and its cadre, paired with it): outside the
            # caller's area the registry knows no such household.
            "contact_create": (
                "POST",
                "/api/v1/contacts",
                Permission.oversight_report,
                "reference",
                201,
                "household_not_found",
                None,
            ),
            "contact_rule_set": (
                "PUT",
                "/api/v1/contact-rules",
                Permission.oversight_manage,
                "create",
                200,
                None,
                None,
            ),
            "oversight_stats": (
                "GET",
                "/api/v1/oversight-stats?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # Appraisal: each call's note differs, so each is a new version (201), never a repeat (200).
            "appraisal_scheme_set": (
                "PUT",
                "/api/v1/appraisal-schemes",
                Permission.appraisal_manage,
                "create",
                201,
                None,
                None,
            ),
            # The village profile (村情): groups, a household's group, the profile, group pairings.
            **{
                n: (m, "/api/v1" + p, perm, "record", ok, nf, code)
                for n, m, p, perm, ok, nf, code in (
                    (
                        "group_create",
                        "POST",
                        "/areas/{village}/groups",
                        Permission.households_write,
                        200,
                        "area_not_found",
                        None,
                    ),
                    (
                        "group_list",
                        "GET",
                        "/areas/{village}/groups",
                        Permission.households_read,
                        200,
                        "area_not_found",
                        None,
                    ),
                    (
                        "household_group",
                        "POST",
                        "/households/{second_household}/group",
                        Permission.households_write,
                        200,
                        "household_not_found",
                        None,
                    ),
                    (
                        "household_groups",
                        "GET",
                        "/households/{second_household}/groups",
                        Permission.households_read,
                        200,
                        "household_not_found",
                        None,
                    ),
                    (
                        "profile_get",
                        "GET",
                        "/areas/{village}/profiles/{year}",
                        Permission.households_read,
                        200,
                        "area_not_found",
                        None,
                    ),
                    (
                        "profile_put",
                        "PUT",
                        "/areas/{village}/profiles/{year}",
                        Permission.households_write,
                        409,
                        "area_not_found",
                        "stale_version",
                    ),
                    (
                        "group_unpair",
                        "POST",
                        "/cadres/group-pairings/{group_pairing}/end",
                        Permission.cadres_manage,
                        200,
                        "group_pairing_not_found",
                        None,
                    ),
                )
            },  # fmt: skip
            "group_pair": (
                "POST",
                "/api/v1/cadres/{cadre}/group-pairings",
                Permission.cadres_manage,
                "object",
                200,
                "cadre_not_found",
                None,
            ),
            "village_profile_stats": (
                "GET",
                "/api/v1/registry-stats/village-profiles?area={area}",
                Permission.aggregates_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            "appraisal_scores": (
                "GET",
                "/api/v1/appraisal-scores?level=work_team&area={area}",
                Permission.oversight_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            # Plans for everyone (the world's household has an enrolled case: plannable) and screening
            # rounds (one per target village, opened by the national administrator).
            "plan_add": (
                "POST",
                "/api/v1/plans/{household}/measures",
                Permission.measures_write,
                "record",
                201,
                "household_not_found",
                None,
            ),
            "plan_get": (
                "GET",
                "/api/v1/plans/{household}",
                Permission.monitoring_read,
                "record",
                200,
                "household_not_found",
                None,
            ),
            "plan_coverage": (
                "GET",
                "/api/v1/plans/coverage?area={area}",
                Permission.monitoring_read,
                "object",
                200,
                "area_not_found",
                None,
            ),
            "round_open": (
                "POST",
                "/api/v1/screening-rounds",
                Permission.rounds_manage,
                "create",
                201,
                None,
                None,
            ),
            "round_get": (
                "GET",
                "/api/v1/screening-rounds/{screening_round}",
                Permission.monitoring_read,
                "record",
                200,
                "round_not_found",
                None,
            ),
            "round_coverage": (
                "GET",
                "/api/v1/screening-rounds/{screening_round}/coverage",
                Permission.monitoring_read,
                "record",
                200,
                "round_not_found",
                None,
            ),
            "round_unvisited": (
                "GET",
                "/api/v1/screening-rounds/{screening_round}/unvisited",
                Permission.monitoring_read,
                "record",
                200,
                "round_not_found",
                None,
            ),
            "round_close": (
                "POST",
                "/api/v1/screening-rounds/{screening_round}/close",
                Permission.rounds_manage,
                "record",
                409,
                "round_not_found",
                "stale_version",
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
    "link_list": Endpoint("GET", "/api/v1/beneficiary-links", Permission.projects_read, "list"),
    # A project in another county, and a movement of a project no one can see, fail alone; 200.
    "project_batch": Endpoint(
        "POST",
        "/api/v1/projects/batch",
        Permission.partner_feeds_push,
        "list",
        body={"items": [project_body(B)]},
    ),
    "movement_batch": Endpoint(
        "POST",
        "/api/v1/fund-movements/batch",
        Permission.partner_feeds_push,
        "list",
        body={"items": [receipt(str(uuid.uuid4())) | {"project_id": str(uuid.uuid4())}]},
    ),
    "asset_check_list": Endpoint("GET", "/api/v1/asset-checks", Permission.projects_read, "list"),
    # A report of an asset no one can see fails alone (asset_not_found); the batch itself answers 200.
    "asset_check_batch": Endpoint(
        "POST",
        "/api/v1/asset-checks/batch",
        Permission.assets_report,
        "list",
        body={
            "items": [
                {
                    "id": str(uuid.uuid4()),
                    "asset_id": str(uuid.uuid4()),
                    "kind": "upkeep",
                    "checked_on": "2025-01-01",
                    "result": "normal",
                    "photo_refs": ["photos/matrix.jpg"],
                }
            ]
        },
    ),
    # A link to a project no one can see fails alone (project_not_found); the batch itself answers 200.
    "link_batch": Endpoint(
        "POST",
        "/api/v1/beneficiary-links/batch",
        Permission.partner_feeds_push,
        "list",
        body={
            "items": [
                {
                    "project_id": str(uuid.uuid4()),
                    "household_id": str(uuid.uuid4()),
                    "kind": "wage",
                    "starts_on": "2025-01-01",
                }
            ]
        },
    ),
    "settlement_list": Endpoint("GET", "/api/v1/settlements", Permission.projects_read, "list"),
    "settlement_export": Endpoint("GET", "/api/v1/settlements/export", Permission.projects_read, "list"),
    "settlement_warnings": Endpoint("GET", "/api/v1/settlements/warnings", Permission.projects_read, "list"),
    "relocation_report_list": Endpoint("GET", "/api/v1/relocation-reports", Permission.projects_read, "list"),
    # A report of a household no one can see fails alone (household_not_found); the batch answers 200.
    "relocation_report_batch": Endpoint(
        "POST",
        "/api/v1/relocation-reports/batch",
        Permission.relocation_report,
        "list",
        body={
            "items": [
                {
                    "id": str(uuid.uuid4()),
                    "settlement_id": str(uuid.uuid4()),
                    "household_id": str(uuid.uuid4()),
                    "kind": "moved_in",
                    "happened_on": "2025-03-01",
                    "photo_refs": ["photos/matrix.jpg"],
                }
            ]
        },
    ),
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
    "round_list": Endpoint("GET", "/api/v1/screening-rounds", Permission.monitoring_read, "list"),
    "monitoring_feed": Endpoint("GET", "/api/v1/monitoring-feed/changes", Permission.monitoring_read, "list"),
    "post_list": Endpoint("GET", "/api/v1/welfare-posts", Permission.employment_read, "list"),
    "post_assignment_list": Endpoint("GET", "/api/v1/post-assignments", Permission.employment_read, "list"),
    "course_list": Endpoint("GET", "/api/v1/training-courses", Permission.employment_read, "list"),
    "enrolment_list": Endpoint("GET", "/api/v1/training-enrolments", Permission.employment_read, "list"),
    "employment_list": Endpoint("GET", "/api/v1/employment-records", Permission.employment_read, "list"),
    "project_list": Endpoint("GET", "/api/v1/projects", Permission.projects_read, "list"),
    "project_warnings": Endpoint(
        "GET", "/api/v1/project-warnings?kind=start", Permission.projects_read, "list"
    ),
    "asset_warnings": Endpoint(
        "GET", "/api/v1/project-warnings?kind=asset_check", Permission.projects_read, "list"
    ),
    "asset_list": Endpoint("GET", "/api/v1/assets", Permission.projects_read, "list"),
    "station_list": Endpoint("GET", "/api/v1/stations", Permission.projects_read, "list"),
    "station_export": Endpoint("GET", "/api/v1/stations/export", Permission.projects_read, "list"),
    "project_export": Endpoint("GET", "/api/v1/projects/export", Permission.projects_read, "list"),
    "asset_export": Endpoint("GET", "/api/v1/assets/export", Permission.projects_read, "list"),
    "alarm_list": Endpoint("GET", "/api/v1/station-alarms", Permission.projects_read, "list"),
    "alarm_evaluate": Endpoint(
        "POST",
        "/api/v1/station-alarms/evaluate",
        Permission.projects_manage,
        "list",
        body={"month": "2024-05"},
    ),
    # A reading of a station no one can see fails alone (station_not_found); the batch itself answers 200.
    "reading_batch": Endpoint(
        "POST",
        "/api/v1/station-readings/batch",
        Permission.stations_push,
        "list",
        body={
            "readings": [
                {
                    "record_id": "matrix-1",
                    "station_id": str(uuid.uuid4()),
                    "period": "day",
                    "day": "2024-05-01",
                    "kwh": 100,
                }
            ]
        },
    ),
    "unit_list": Endpoint("GET", "/api/v1/support-units", Permission.oversight_read, "list"),
    "team_list": Endpoint("GET", "/api/v1/work-teams", Permission.oversight_read, "list"),
    "check_in_list": Endpoint("GET", "/api/v1/check-ins", Permission.oversight_read, "list"),
    "target_list": Endpoint("GET", "/api/v1/presence-targets", Permission.oversight_read, "list"),
    "leave_list": Endpoint("GET", "/api/v1/leaves", Permission.oversight_read, "list"),
    "rectification_list": Endpoint("GET", "/api/v1/rectifications", Permission.oversight_read, "list"),
    "session_list": Endpoint("GET", "/api/v1/study-sessions", Permission.oversight_read, "list"),
    "contact_list": Endpoint("GET", "/api/v1/contacts", Permission.oversight_read, "list"),
    "contact_rule_list": Endpoint("GET", "/api/v1/contact-rules", Permission.oversight_read, "list"),
    "appraisal_scheme_list": Endpoint("GET", "/api/v1/appraisal-schemes", Permission.oversight_read, "list"),
    # A household no one can see fails alone (household_not_found); the batch itself answers 200.
    "contact_batch": Endpoint(
        "POST",
        "/api/v1/contacts/batch",
        Permission.oversight_report,
        "list",
        body={"items": [contact_body(str(uuid.uuid4()), str(uuid.uuid4()))]},
    ),
    "rectification_export": Endpoint(
        "GET", "/api/v1/rectifications/export", Permission.oversight_read, "list"
    ),
    # A member no one can see fails alone (member_not_found); the batch itself answers 200.
    "check_in_batch": Endpoint(
        "POST",
        "/api/v1/check-ins/batch",
        Permission.oversight_check_in,
        "list",
        body={"items": [check_in_body(str(uuid.uuid4()))]},
    ),
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
    # A post outside the caller's area fails alone (forbidden); the batch itself answers 200.
    "post_batch": Endpoint(
        "POST",
        "/api/v1/welfare-posts/batch",
        Permission.posts_manage,
        "list",
        body={
            "items": [
                {
                    "id": str(uuid.uuid4()),
                    "area_code": V,
                    "title": "村道保洁员",
                    "type": "cleaning",
                    "funding_source": "hrss",
                    "monthly_subsidy": 500,
                    "capacity": 1,
                    "starts_on": "2025-01-01",
                }
            ]
        },
    ),
    # Items naming a post or course the caller cannot see fail one by one; the batch is 200.
    "post_assignment_batch": Endpoint(
        "POST",
        "/api/v1/post-assignments/batch",
        Permission.employment_write,
        "list",
        body={
            "items": [
                {
                    "id": str(uuid.uuid4()),
                    "post_id": str(uuid.uuid4()),
                    "person_id": str(uuid.uuid4()),
                    "starts_on": "2025-02-01",
                }
            ]
        },
    ),
    "enrolment_batch": Endpoint(
        "POST",
        "/api/v1/training-enrolments/batch",
        Permission.employment_write,
        "list",
        body={
            "items": [
                {
                    "id": str(uuid.uuid4()),
                    "course_id": str(uuid.uuid4()),
                    "person_id": str(uuid.uuid4()),
                    "enrolled_on": "2025-03-01",
                }
            ]
        },
    ),
    "child_list": Endpoint("GET", "/api/v1/school-children", Permission.monitoring_read, "list"),
    "child_export": Endpoint("GET", "/api/v1/school-children/export", Permission.monitoring_read, "list"),
    "aid_list": Endpoint("GET", "/api/v1/student-aid", Permission.monitoring_read, "list"),
    # Matched in the caller's own area; a village outside it or an unknown number is answered per item.
    "population_batch": Endpoint(
        "POST",
        "/api/v1/school-children/population/batch",
        Permission.partner_feeds_push,
        "list",
        body={
            "records": [
                {"record_id": "P-1", "national_id": "610924201501010011", "name": "张小明", "area_code": V}
            ]
        },
    ),
    "aid_batch": Endpoint(
        "POST",
        "/api/v1/student-aid/batch",
        Permission.partner_feeds_push,
        "list",
        body={
            "records": [
                {
                    "record_id": "A-1",
                    "national_id": "610924200501010011",
                    "kind": "university",
                    "school_year": 2024,
                    "amount_fen": 100,
                }
            ]
        },
    ),
    # Past cases (county administrators only): a household unknown in the caller's area fails alone.
    "case_import": Endpoint(
        "POST",
        "/api/v1/case-imports",
        Permission.imports_run,
        "list",
        body={
            "items": [
                {
                    "id": str(uuid.uuid4()),
                    "household_id": str(uuid.uuid4()),
                    "monitoring_type": "marginal",
                    "risk_codes": ["low_income"],
                    "identified_on": "2022-05-10",
                }
            ]
        },
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
    ("school-children", Permission.monitoring_read),
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
# Micro-credit (扶贫小额信贷): each target's loan with a repayment and an extension request, both sent
# again as retries; decisions and write-offs name a stale version, so an allowed call changes nothing.
TARGETED |= {
    "loan_create": Endpoint(
        "POST", "/api/v1/loans", Permission.projects_manage, "reference", 201, "person_not_found"
    ),
    "loan_get": Endpoint(
        "GET", "/api/v1/loans/{loan}", Permission.projects_read, "record", 200, "loan_not_found"
    ),
    "loan_repay": Endpoint(
        "POST", "/api/v1/loans/{loan}/repayments", Permission.projects_manage, "record", 200, "loan_not_found"
    ),
    "loan_extend": Endpoint(
        "POST", "/api/v1/loans/{loan}/extensions", Permission.projects_report, "record", 200, "loan_not_found"
    ),
    "loan_decide": Endpoint(
        "POST",
        "/api/v1/loans/{loan}/extensions/{loan_extension}/decision",
        Permission.projects_manage,
        "record",
        409,
        "loan_not_found",
        "stale_version",
    ),
    "loan_write_off": Endpoint(
        "POST",
        "/api/v1/loans/{loan}/write-off",
        Permission.projects_manage,
        "record",
        409,
        "loan_not_found",
        "stale_version",
    ),
    "credit_stats": Endpoint(
        "GET", "/api/v1/credit-stats?area={area}", Permission.aggregates_read, "object", 200, "area_not_found"
    ),
}
UNTARGETED |= {
    "loan_list": Endpoint("GET", "/api/v1/loans", Permission.projects_read, "list"),
    "loan_export": Endpoint("GET", "/api/v1/loans/export", Permission.projects_read, "list"),
    "loan_due_soon": Endpoint("GET", "/api/v1/loans/due-soon", Permission.projects_read, "list"),
    "loan_scan": Endpoint("POST", "/api/v1/loans/overdue-scan", Permission.projects_manage, "list"),
    # Matched in the bank's own area: an unknown number, or a loan it never sent, is answered per item.
    "loan_batch": Endpoint(
        "POST",
        "/api/v1/loans/batch",
        Permission.partner_feeds_push,
        "list",
        body={"loans": [bank_loan("matrix-1", "610924198001010011")]},
    ),
    "loan_repayment_batch": Endpoint(
        "POST",
        "/api/v1/loan-repayments/batch",
        Permission.partner_feeds_push,
        "list",
        body={
            "repayments": [
                {"record_id": "R-1", "loan_record_id": "matrix-0", "amount_fen": 100, "paid_on": "2025-01-01"}
            ]
        },
    ),
}
# About the caller's own sign-in, not about anything in an area.
SELF_SERVICE = {
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/users/me/password"),
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


# Households' requests (诉求, monitoring): recorded in a village, read and stepped there; and the
# registry's people by health and labour ability.
TARGETED |= {
    "household_request_create": Endpoint(
        "POST", "/api/v1/household-requests", Permission.requests_write, "record_create", 201
    ),
    "household_request_get": Endpoint(
        "GET",
        "/api/v1/household-requests/{household_request}",
        Permission.monitoring_read,
        "record",
        200,
        "household_request_not_found",
    ),
    "household_request_step": Endpoint(
        "POST",
        "/api/v1/household-requests/{household_request}/steps",
        Permission.requests_write,
        "record",
        409,
        "household_request_not_found",
        "stale_version",
    ),
    # Figures that were missing (篇5, 篇1): people by health and labour ability; employment by type.
    "registry_stats_people": Endpoint(
        "GET",
        "/api/v1/registry-stats/people?area={area}",
        Permission.aggregates_read,
        "object",
        200,
        "area_not_found",
    ),
}
UNTARGETED |= {
    "household_request_list": Endpoint(
        "GET", "/api/v1/household-requests", Permission.monitoring_read, "list"
    ),
    "household_request_overdue": Endpoint(
        "GET", "/api/v1/household-requests/overdue", Permission.monitoring_read, "list"
    ),
}
