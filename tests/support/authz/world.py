"""The matrix's world: areas, users, keys and records in each target, and each call's request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from services.common.auth import Role
from services.common.calendar import china_today
from tests.support.auth import PASSWORD
from tests.support.authz.matrix import AREAS, JPEG, RECORD_AREAS, SCOPE_OF, TARGETED, TARGETS, next_day
from tests.support.credit import loan_body
from tests.support.monitoring import inspection, seed_enrolled_case, set_thresholds
from tests.support.oversight import (
    check_in_body,
    contact_body,
    leave_body,
    rectification_body,
    report_body,
    session_body,
    team_body,
    unit_body,
)
from tests.support.projects import ASSET_NOTICE, asset_body, project_body, receipt
from tests.support.registry import fresh_number, make_household, member, national_id
from tests.support.relocation import relocation_report, settlement_body, settlement_project
from tests.support.stations import EXPECTATION, FAULT, station_body


@dataclass
class World:
    principals: dict[Role, dict[str, str]]  # sign-in headers of one user per role
    users: dict[str, str]  # target label -> id of a user the national admin made there
    keys: dict[str, str]  # target label -> id of an API key the national admin made there
    records: dict[str, dict[str, str]]  # target label -> ids of a household, person, cadre … there


async def build_world(admin: httpx.AsyncClient, user_headers, owner_url: str) -> World:  # noqa: ANN001
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
    project = await admin.post("/api/v1/projects", json=project_body(village))
    assert project.status_code == 201, project.text
    movement = str(uuid.uuid4())
    money = await admin.post(
        f"/api/v1/projects/{project.json()['id']}/fund-movements", json=receipt(movement)
    )
    assert money.status_code in (200, 201), money.text
    assets = await make_asset(admin, project.json()["id"])
    link = await make_link(admin, assets["asset"], household["id"])
    relocation = await make_relocation(admin, village, household["id"])
    unit = await admin.post("/api/v1/support-units", json=unit_body(area_code=village, villages=[village]))
    assert unit.status_code == 201, unit.text
    team = await admin.post("/api/v1/work-teams", json=team_body(unit.json()["id"], village=village))
    assert team.status_code == 201, team.text
    leave = await admin.post("/api/v1/leaves", json=leave_body(team.json()["members"][0]["id"]))
    assert leave.status_code == 201, leave.text
    decided = await admin.post(f"/api/v1/leaves/{leave.json()['id']}/decision", json={"approve": True})
    assert decided.status_code == 200, decided.text
    rectification = await closed_rectification(admin, importer, village)
    screening = {
        "name": "拉网式排查",
        "area_code": village,
        "starts_on": "2025-05-01",
        "ends_on": "2025-06-30",
    }
    screening_round = await admin.post("/api/v1/screening-rounds", json=screening)
    assert screening_round.status_code == 201, screening_round.text
    logged = await admin.post("/api/v1/study-sessions", json=session_body(village))
    assert logged.status_code == 201, logged.text
    asked = await admin.post(
        "/api/v1/household-requests", json=household_request_body(household["id"], village)
    )
    assert asked.status_code == 201, asked.text
    child = {"record_id": f"matrix-{label}", "national_id": national_id("20150101"), "name": "李小明"}
    fed = await admin.post(
        "/api/v1/school-children/population/batch", json={"records": [child | {"area_code": village}]}
    )
    assert fed.json()["created"] == 1, fed.text
    aid = {"record_id": f"matrix-{label}", "kind": "university", "school_year": 2024, "amount_fen": 100}
    entered = await admin.post("/api/v1/student-aid", json=aid | {"person_id": household["head_person_id"]})
    assert entered.status_code == 201, entered.text
    parts = await village_parts(admin, village, cadre.json()["id"], second["id"])
    return {
        **parts,
        "screening_round": screening_round.json()["id"],
        "household_request": asked.json()["id"],
        "school_child": fed.json()["items"][0]["child_id"],
        "student_aid": entered.json()["id"],
        "study_session": logged.json()["id"],
        "rectification": rectification,
        "leave": leave.json()["id"],
        "unit": unit.json()["id"],
        "team": team.json()["id"],
        "member": team.json()["members"][0]["id"],
        "project": project.json()["id"],
        "project_movement_id": movement,
        **assets,
        **link,
        **relocation,
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
        **await make_loan(admin, household["head_person_id"]),
    }


LOAN_REPAYMENT = {"amount_fen": 100, "paid_on": "2024-06-01"}
LOAN_EXTENSION = {"due_on": "2100-01-01", "reason": "权限测试展期"}


async def make_loan(admin: httpx.AsyncClient, person_id: str) -> dict[str, str]:
    """A loan to the person, repaid in part and with an extension asked for: both sent again are retries."""
    lent = await admin.post(
        "/api/v1/loans", json=loan_body(person_id, starts_on="2024-01-01", due_on="2099-01-01")
    )
    assert lent.status_code == 201, lent.text
    loan, repayment, extension = lent.json()["id"], str(uuid.uuid4()), str(uuid.uuid4())
    paid = await admin.post(f"/api/v1/loans/{loan}/repayments", json=LOAN_REPAYMENT | {"id": repayment})
    asked = await admin.post(f"/api/v1/loans/{loan}/extensions", json=LOAN_EXTENSION | {"id": extension})
    assert (paid.status_code, asked.status_code) == (201, 201), (paid.text, asked.text)
    return {"loan": loan, "loan_repayment": repayment, "loan_extension": extension}


async def village_parts(admin: httpx.AsyncClient, village: str, cadre: str, household: str) -> dict[str, str]:
    """Group 1 of the village with the second household in it and the cadre paired with it; a second
    group pairing to end; the village's 2026 profile (村情)."""
    group = await admin.post(f"/api/v1/areas/{village}/groups", json={"number": 1, "name": "1组"})
    other = await admin.post(f"/api/v1/areas/{village}/groups", json={"number": 2, "name": "2组"})
    assert (group.status_code, other.status_code) == (201, 201), group.text
    joined = await admin.post(f"/api/v1/households/{household}/group", json={"group_id": group.json()["id"]})
    assert joined.status_code == 200, joined.text
    pairings = [
        await admin.post(f"/api/v1/cadres/{cadre}/group-pairings", json={"group_id": g.json()["id"]})
        for g in (group, other)
    ]
    assert [p.status_code for p in pairings] == [201, 201], pairings[0].text
    profile = await admin.put(f"/api/v1/areas/{village}/profiles/2026", json={"arable_mu": 1650.0})
    assert profile.status_code == 201, profile.text
    return {"group": group.json()["id"], "group_pairing": pairings[1].json()["id"], "year": "2026"}


async def make_link(admin: httpx.AsyncClient, asset_id: str, household_id: str) -> dict[str, str]:
    """The household a beneficiary of the asset (分红), paid once: the payment again is a retry."""
    body = {"id": str(uuid.uuid4()), "asset_id": asset_id, "household_id": household_id}
    made = await admin.post("/api/v1/beneficiary-links", json=body | LINK)
    assert made.status_code == 201, made.text
    paid = await admin.post(f"/api/v1/beneficiary-links/{body['id']}/payments", json=link_payment(body["id"]))
    assert paid.status_code == 201, paid.text
    return {"link": body["id"]}


LINK = {"kind": "dividend", "starts_on": "2025-01-01"}


def link_payment(link_id: str) -> dict[str, Any]:
    """The world's payment through a link: its id derived from the link's, so the same body is a retry."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, link_id)),
        "amount_fen": 100,
        "paid_on": "2025-06-30",
        "voucher": "权限测试",
    }


async def make_asset(admin: httpx.AsyncClient, project_id: str) -> dict[str, str]:
    """The project handed over (forming its asset), the asset checked for 2024 with income for 2023, a
    posted notice with an objection already resolved, and a withdrawn one: allowed calls on them are
    refused on their merits (check_done, objection_resolved, notice_closed), the same for every role."""
    for action, on in (
        ("approve", "2023-02-01"),
        ("start", "2023-03-01"),
        ("complete", "2023-08-01"),
        ("accept", "2023-08-20"),
        ("hand_over", "2023-09-01"),
    ):
        done = await admin.post(f"/api/v1/projects/{project_id}/actions", json={"action": action, "on": on})
        assert done.status_code == 200, done.text
    asset = done.json()["asset_id"]
    check = {"year": 2024, "checked_on": "2024-03-01", "result": "normal"}
    assert (await admin.post(f"/api/v1/assets/{asset}/checks", json=check)).status_code == 201
    assert (
        await admin.put(f"/api/v1/assets/{asset}/incomes/2023", json={"income_fen": 100})
    ).status_code == 200
    notices = []
    for _ in range(2):
        posted = await admin.post(f"/api/v1/assets/{asset}/notices", json=ASSET_NOTICE)
        assert posted.status_code == 201, posted.text
        notices.append(posted.json()["id"])
    objection = {"raised_on": "2024-01-12", "text": "异议"}
    objected = await admin.post(f"/api/v1/asset-notices/{notices[0]}/objections", json=objection)
    assert objected.status_code == 201, objected.text
    objection_id = objected.json()["objections"][0]["id"]
    resolved = await admin.post(
        f"/api/v1/asset-notices/{notices[0]}/objections/{objection_id}/resolve",
        json={"resolved_on": "2024-01-13", "resolution": "已答复"},
    )
    assert resolved.status_code == 200, resolved.text
    withdrawn = {"action": "withdraw", "on": "2024-01-12"}
    assert (
        await admin.post(f"/api/v1/asset-notices/{notices[1]}/actions", json=withdrawn)
    ).status_code == 200
    return {
        **await make_station(admin, asset),
        "asset": asset,
        "income_year": "2023",
        "notice": notices[0],
        "objection": str(objection_id),
        "closed_notice": notices[1],
    }


async def make_station(admin: httpx.AsyncClient, asset: str) -> dict[str, str]:
    """The asset as a station (on the grid since 2000, so every matrix reading has a day of its own), and
    its fault report, fixed: a report sent again is a retry, an action on the alarm is refused (fixed)."""
    read = (await admin.get(f"/api/v1/assets/{asset}")).json()
    body = station_body(asset, read["area_code"])
    made = await admin.post("/api/v1/stations", json=body)
    assert made.status_code == 201, made.text
    station = made.json()["id"]
    fault = FAULT | {"id": str(uuid.uuid4())}
    reported = await admin.post(f"/api/v1/stations/{station}/faults", json=fault)
    assert reported.status_code == 201, reported.text
    fixed = await admin.post(
        f"/api/v1/station-alarms/{fault['id']}/actions", json={"action": "fixed", "on": "2024-06-10"}
    )
    assert fixed.status_code == 200, fixed.text
    return {
        "station": station,
        "fault": fault["id"],
        "station_alarm": fault["id"],
        "revenue_month": "2024-05",
    }


async def make_relocation(admin: httpx.AsyncClient, village: str, household_id: str) -> dict[str, str]:
    """A settlement in the village on its own project, the household signed up for its relocated unit with
    a down-payment, and its handover, move-in and demolition recorded (so each kind is recorded once)."""
    project = await admin.post("/api/v1/projects", json=settlement_project(village))
    assert project.status_code == 201, project.text
    made = await admin.post("/api/v1/settlements", json=settlement_body(project.json()["id"], village))
    assert made.status_code == 201, made.text
    settlement, unit = made.json()["id"], made.json()["unit_types"][0]["id"]
    signup = {"household_id": household_id, "unit_type_id": unit, "signed_on": "2025-01-01"}
    signed = await admin.post(f"/api/v1/settlements/{settlement}/households", json=signup)
    assert signed.status_code == 201, signed.text
    for kind in ("handed_over", "moved_in", "demolished"):
        report = relocation_report(settlement, household_id, kind, "2025-02-01")
        assert (await admin.post("/api/v1/relocation-reports", json=report)).status_code == 201
    return {"settlement_project": project.json()["id"], "settlement": settlement, "settlement_unit": unit}


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
        # Drawn only when asked for: ID numbers repeat after 500 draws.
        "member_add": member("child") if name == "member_add" else None,
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
        "group_create": {"number": 1, "name": "1组"},  # the world's: a retry, 200
        "household_group": {"group_id": records["group"]},  # where the household is: 200
        "profile_put": {"arable_mu": 1700.0, "base_version": 99},
        "group_pair": {"group_id": records["group"]},  # paired by the world: 200
        "group_unpair": {"ends_on": "2030-01-01"},
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
        # A photovoltaic post naming its village's station (jobs learned the world's from projects).
        "post_create": WELFARE_POST
        | {"area_code": village, "funding_source": "photovoltaic", "station_id": records["station"]},
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
        "project_create": project_body(code),
        "project_patch": {"base_version": 99},
        "project_step": {"action": "start", "on": "2024-01-01", "base_version": 99},
        "project_movement": receipt(records["project_movement_id"]),
        "movement_push": receipt(str(uuid.uuid4()), amount_fen=1) | {"project_id": records["project"]},
        "asset_create": asset_body(code),
        "asset_patch": {"base_version": 99},
        "asset_check": {"year": 2024, "checked_on": "2024-03-01", "result": "normal"},
        "asset_check_report": {
            "id": str(uuid.uuid4()),
            "asset_id": records["asset"],
            "kind": "upkeep",
            "checked_on": china_today().isoformat(),
            "result": "normal",
            "photo_refs": ["photos/matrix.jpg"],
        },
        "asset_income": {"income_fen": 100},
        "asset_notice": ASSET_NOTICE,
        "notice_object": {"raised_on": "2024-01-12", "text": "异议"},
        "notice_resolve": {"resolved_on": "2024-01-13", "resolution": "已答复"},
        "notice_act": {"action": "withdraw", "on": "2024-01-12"},
        "station_create": station_body(records["asset"], village) | {"id": str(uuid.uuid4())},
        "station_patch": {"base_version": 99},
        "station_revenue": {"revenue_fen": 100},
        "station_fault": FAULT | {"id": records["fault"]},
        "reading_enter": {
            "record_id": str(uuid.uuid4()),
            "station_id": records["station"],
            "period": "day",
            "day": next_day(),
            "kwh": 100,
        },
        "alarm_act": {"action": "fixed", "on": "2024-06-11"},
        "expectation_set": EXPECTATION,
        # A new link each time: of the target's project, or of its asset, and its household.
        "link_create": {"id": str(uuid.uuid4()), "project_id": records["project"]}
        | LINK
        | {"household_id": records["household"]},
        "asset_link_create": {"id": str(uuid.uuid4()), "asset_id": records["asset"]}
        | LINK
        | {"household_id": records["household"]},
        "link_pay": link_payment(records["link"]),
        "unit_create": unit_body(area_code=code, villages=[village]),
        "team_create": team_body(records["unit"], village=village),
        "check_in_create": check_in_body(records["member"]),
        "leave_request": leave_body(records["member"]),
        "leave_decide": {"approve": True},
        "target_set": {"area_code": code, "year": 2024, "duty": "work_team", "days_per_year": 200},
        "rectification_create": {
            k: v
            for k, v in rectification_body(area_code=code, unit_id=records["unit"]).items()
            if k != "unit_name"
        },
        "rectification_report": report_body(),
        "rectification_submit": {},
        "session_create": session_body(code),
        "contact_create": contact_body(records["cadre"], records["household"]),
        "contact_rule_set": {"area_code": code, "remote_counts": True},
        "appraisal_scheme_set": {
            "area_code": code,
            "year": 2025,
            "level": "work_team",
            "indicators": [{"indicator": "tasks_closed_on_time", "weight": 100, "full_at": 100}],
            "note": f"matrix {uuid.uuid4()}",
        },
        "rectification_review": {"decision": "close"},
        "plan_add": {"kind": "industry", "description": "茶园管护", "starts_on": "2025-03-01"},
        "round_open": {
            "name": "拉网式排查",
            "area_code": code,
            "starts_on": "2025-05-01",
            "ends_on": "2025-06-30",
        },
        "round_close": {"base_version": 99},
        "loan_create": loan_body(records["person"]),
        "loan_repay": LOAN_REPAYMENT | {"id": records["loan_repayment"]},
        "loan_extend": LOAN_EXTENSION | {"id": records["loan_extension"]},
        "loan_decide": {"base_version": 99, "approve": True},
        "loan_write_off": {"base_version": 99, "on": "2024-06-01", "reason": "权限测试"},
        # Relocation: the target's project has its settlement and its household is signed up already
        # (refused on their merits); a down-payment is a new one each time; every kind of report of
        # the household is recorded already.
        "settlement_create": settlement_body(records["settlement_project"], village),
        "settlement_patch": {"base_version": 99},
        "settlement_sign_up": {
            "id": str(uuid.uuid4()),
            "household_id": records["household"],
            "unit_type_id": records["settlement_unit"],
            "signed_on": "2025-01-01",
        },
        "settlement_pay": {
            "id": str(uuid.uuid4()),
            "household_id": records["household"],
            "amount_fen": 3_000_000,
            "paid_on": "2025-06-01",
            "voucher": "XYS-0001",
        },
        "relocation_report": relocation_report(
            records["settlement"], records["household"], "moved_in", "2025-03-01"
        ),
        "household_request_create": household_request_body(records["household"], village)
        | {"channel": "visit", "source_id": records["inspection"]},
        "household_request_step": {"action": "handle", "base_version": 99},
        "child_patch": {"base_version": 99, "teacher": "王老师"},
        "child_proof": {"base_version": 99, "proven_on": "2025-03-01", "document": "在读证明"},
        "child_return": {"base_version": 99, "step": "found", "on": "2025-03-01"},
        "aid_create": {
            "record_id": str(uuid.uuid4()),
            "person_id": records["person"],
            "kind": "yulu",
            "school_year": 2024,
            "amount_fen": 150000,
        },
        "aid_patch": {"base_version": 99, "paid_on": "2025-03-01"},
    }
    return endpoint.method, url, bodies.get(name)


def household_request_body(household_id: str, village: str) -> dict[str, Any]:
    """A new request (诉求) by phone each time."""
    return {
        "id": str(uuid.uuid4()),
        "household_id": household_id,
        "area_code": village,
        "channel": "phone_call",
        "topic": "medical",
        "content": "咨询大病救助",
        "received_on": "2025-06-01",
        "handler_name": "镇医保办",
        "due_on": "2025-06-15",
    }


async def closed_rectification(admin: httpx.AsyncClient, village_admin: dict[str, str], village: str) -> str:
    """An item in the village, reported and submitted by the village's administrator, closed above it."""
    item = await admin.post("/api/v1/rectifications", json=rectification_body(area_code=village))
    assert item.status_code == 201, item.text
    url = f"/api/v1/rectifications/{item.json()['id']}"
    reported = await admin.post(f"{url}/reports", json=report_body(), headers=village_admin)
    submitted = await admin.post(f"{url}/submit", json={}, headers=village_admin)
    closed = await admin.post(f"{url}/review", json={"decision": "close"})
    assert (reported.status_code, submitted.status_code, closed.status_code) == (201, 200, 200), closed.text
    return str(item.json()["id"])


def outcome(response: httpx.Response) -> tuple[int, str | None]:
    return response.status_code, response.json().get("code") if response.status_code >= 400 else None
