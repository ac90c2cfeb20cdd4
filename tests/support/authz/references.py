"""Ids inside request bodies: which field names which record, how it must relate to the call's own
household, and what the matrix expects when it names each target's record."""

from __future__ import annotations

import json
from dataclasses import dataclass

from services.common.auth import ROLE_PERMISSIONS, Permission, Role
from tests.support.authz.matrix import RECORD_AREAS, SCOPE_OF, TARGETED, TARGETS, V, inside


@dataclass(frozen=True)
class Reference:
    """An id a request body names, besides the call's own target."""

    record: str  # the key of World.records whose id it names
    relation: str  # what it must be to the call's household in the caller's own village:
    # "scope": anything in the caller's area; "member": a member of that household; "cadre": paired
    # with it or of an area covering its village; "local": living in the area of the post or course;
    # "head": a member of that household, any other person refused alike; "own": the call's own target's
    # only (its settlement's unit type, its signed-up household); "supports": a unit that
    # supports the call's own village; "village": a station of the call's own village
    ok: tuple[int, ...] = (201,)
    asks: Permission | None = None  # what the registry's look-up of the id needs, if not the call's own
    ok_code: str | None = None  # the code of an ok answer that is a refusal on the merits


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
    # Each target's project was handed over and formed its asset: one in scope is refused on its merits.
    ("asset_create", ("project_id",)): Reference("project", "scope", ok=(409,), ok_code="project_has_asset"),
    # Each target's asset is its station already: one in scope is refused on its merits.
    ("station_create", ("asset_id",)): Reference("asset", "scope", ok=(409,), ok_code="asset_is_a_station"),
    # A photovoltaic post names a station in the caller's area whose village holds the post.
    ("post_create", ("station_id",)): Reference("station", "village"),
    ("post_patch", ("station_id",)): Reference("station", "village", ok=(200,)),
    # A team's unit must support the team's village; a member's own unit and cadre need only be in reach.
    ("team_create", ("unit_id",)): Reference("unit", "supports"),
    ("team_create", ("members", 0, "unit_id")): Reference("unit", "scope"),
    ("team_create", ("members", 0, "cadre_id")): Reference("cadre", "scope", asks=Permission.households_read),
    # A beneficiary link's household: any in the caller's area (a village's project can employ others').
    ("link_create", ("household_id",)): Reference("household", "scope"),
    ("asset_link_create", ("household_id",)): Reference("household", "scope"),
    # The world's notices are operation notices: a payment may name only its asset's distribution
    # notice, so each is refused, in the caller's area or not, with the same words.
    ("link_pay", ("notice_id",)): Reference("notice", "scope", ok=(422,), ok_code="notice_not_found"),
    # A rectification's responsible unit: any unit in reach.
    ("rectification_create", ("unit_id",)): Reference("unit", "scope"),
    # A contact's cadre: paired with the household or of an area covering its village.
    ("contact_create", ("cadre_id",)): Reference("cadre", "cadre"),
    # A plan's member and cadre, as a case's measure's.
    ("plan_add", ("person_id",)): Reference("person", "member"),
    ("plan_add", ("cadre_id",)): Reference("cadre", "cadre"),
    # Relocation: every target's settlement project has its settlement already and every target's
    # household is signed up (each refused on its merits in the caller's area); a unit type is the
    # call's own settlement's, and a down-payment's household one signed up for it.
    ("settlement_create", ("project_id",)): Reference(
        "settlement_project", "scope", ok=(409,), ok_code="project_has_settlement"
    ),
    ("settlement_sign_up", ("household_id",)): Reference(
        "household", "scope", ok=(409,), ok_code="household_signed_up"
    ),
    ("settlement_sign_up", ("unit_type_id",)): Reference(
        "settlement_unit", "own", ok=(409,), ok_code="household_signed_up"
    ),
    ("settlement_pay", ("household_id",)): Reference("household", "own"),
    # A household request from a visit: its household the visited one (in reach), its member of that
    # household, its handler responsible for it.
    ("household_request_create", ("household_id",)): Reference("household", "visit_of"),
    ("household_request_create", ("person_id",)): Reference("person", "member"),
    ("household_request_create", ("handler_cadre_id",)): Reference("cadre", "cadre"),
    ("household_request_create", ("source_id",)): Reference("inspection", "visit_of"),
    # A proof's photo: any visit's photo in the caller's area; the world's child is at a stale version.
    ("child_proof", ("photo_id",)): Reference("photo", "scope", ok=(409,), ok_code="stale_version"),
    # A household joins a group of its own village; a cadre may be paired with any group in reach.
    ("household_group", ("group_id",)): Reference("group", "group", ok=(200,)),
    ("group_pair", ("group_id",)): Reference("group", "scope", ok=(200, 201)),
}
# Fields that name the body's own record or another part of the same request, not a stored one.
OWN_IDS = {"id", "HouseholdProgramme.person_id"}
REFUSED_AS = {
    "household": "household_not_found",
    "second_household": "household_not_found",
    "person": "person_not_found",
    "second_person": "person_not_found",
    "cadre": "cadre_not_found",
    "project": "project_not_found",
    "asset": "asset_not_found",
    "unit": "unit_not_found",
    "notice": "notice_not_found",
    "station": "station_not_found",
    "settlement_project": "project_not_found",
    "settlement_unit": "unit_type_not_found",
    "inspection": "source_not_found",
    "photo": "photo_not_found",
    "group": "group_not_found",
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
    if reference.relation == "own" and not own:  # only the call's own settlement's (or household)
        return ((422, REFUSED_AS[reference.record]),)
    if reference.relation == "visit_of" and not own:
        return ((422, "source_not_found"),)
    if reference.relation == "village" and not own:
        return ((422, "post_outside_station_village"),)
    if reference.relation == "group" and not own:
        return ((422, "group_of_other_village"),)
    if reference.relation == "supports" and not own:
        return ((422, "unit_not_supporting_village"),)
    if reference.relation == "cadre" and not (own or inside(V, TARGETS[label])):
        return ((422, "cadre_not_responsible"),)
    return tuple((status, reference.ok_code) for status in reference.ok)


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
BATCH_OF = {
    "inspection_batch": "inspection_create",
    "employment_batch": "employment_create",
    "check_in_batch": "check_in_create",
    "reading_batch": "reading_enter",
    "link_batch": "asset_link_create",
    "asset_check_batch": "asset_check_report",
    "project_batch": "project_create",
    "movement_batch": "movement_push",
    "contact_batch": "contact_create",
    "relocation_report_batch": "relocation_report",
}
VARIED_BY_THE_MATRIX = {  # "reference" endpoints: their target is the body's id itself
    ("programme_add", ("household_id",)),
    ("case_open", ("alert_ids", 0)),
    ("employment_create", ("person_id",)),
    ("check_in_create", ("member_id",)),
    ("leave_request", ("member_id",)),
    ("reading_enter", ("station_id",)),
    # One endpoint, two rows: link_create varies the project, asset_link_create the asset.
    ("link_create", ("project_id",)),
    ("link_create", ("asset_id",)),
    ("asset_link_create", ("asset_id",)),
    ("asset_link_create", ("project_id",)),
    ("contact_create", ("household_id",)),
    ("asset_check_report", ("asset_id",)),
    ("movement_push", ("project_id",)),
    ("loan_create", ("person_id",)),
    ("relocation_report", ("settlement_id",)),
    ("relocation_report", ("household_id",)),
    ("aid_create", ("person_id",)),
}
