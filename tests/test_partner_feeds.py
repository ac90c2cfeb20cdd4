"""Partner feeds: bureau records matched by ID number raise alerts on the right household, once."""

from __future__ import annotations

import httpx

from tests.support.monitoring import set_thresholds
from tests.support.registry import HUANGJIN, LONGQUAN, make_areas, member, national_id


def bill(record_id: str, national_id: str, amount: float, day: str = "2025-06-01") -> dict:
    return {"record_id": record_id, "national_id": national_id, "occurred_on": day, "out_of_pocket": amount}


async def test_a_medical_bill_over_the_line_alerts_the_right_household_once(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025, large_expense_line=20000)
    patient = member(name="张三")
    neighbour = member(name="李四")
    ours = await admin.post(
        "/api/v1/households", json={"number": "B0001", "area_code": HUANGJIN, "members": [patient]}
    )
    theirs = await admin.post(
        "/api/v1/households", json={"number": "B0002", "area_code": LONGQUAN, "members": [neighbour]}
    )
    assert ours.status_code == theirs.status_code == 201, (ours.text, theirs.text)
    partner = await user_headers("yibao", "bureau_partner", "610924000000")
    url = "/api/v1/partner-feeds/medical/batch"

    first = await admin.post(
        url, json={"records": [bill("YB-1", patient["national_id"], 12000)]}, headers=partner
    )
    assert first.status_code == 200, first.text
    assert first.json()["items"][0] == {
        "index": 0,
        "record_id": "YB-1",
        "status": "created",
        "raised": [],
        "error": None,
    }  # under the line so far
    second = await admin.post(
        url,
        json={
            "records": [
                bill("YB-2", patient["national_id"], 9500),  # 21,500 this year: over the line
                bill("YB-3", neighbour["national_id"], 800),
                bill("YB-4", "610924199001011234", 500),  # nobody registered with this number
                {"record_id": "YB-5", "national_id": patient["national_id"], "occurred_on": "2025-06-02"},
            ]
        },
        headers=partner,
    )
    items = second.json()["items"]
    assert [(i["status"], i["raised"]) for i in items] == [
        ("created", ["large_expense"]),
        ("created", []),
        ("unknown_id", []),
        ("invalid", []),
    ]
    assert items[3]["error"]["errors"][0]["loc"] == ["body", "records", 3, "out_of_pocket"]

    alerts = (await admin.get("/api/v1/alerts", params={"risk_code": "large_expense"})).json()["items"]
    assert [a["household_id"] for a in alerts] == [ours.json()["id"]]
    assert alerts[0]["reason"] == (
        "医保结算：2025年家庭自付医疗费用累计21,500元 > "
        "2025年刚性支出标准20,000元（610924000000 2025年标准第1版）"
    )
    detail = (await admin.get(f"/api/v1/alerts/{alerts[0]['id']}")).json()
    assert [h["source"] for h in detail["history"]] == ["partner"]

    # The same record again does nothing; the same id with other content is a conflict.
    again = await admin.post(
        url, json={"records": [bill("YB-2", patient["national_id"], 9500)]}, headers=partner
    )
    assert again.json()["items"][0]["status"] == "duplicate"
    changed = await admin.post(
        url, json={"records": [bill("YB-2", patient["national_id"], 1)]}, headers=partner
    )
    assert changed.json()["items"][0]["status"] == "conflict"
    detail = (await admin.get(f"/api/v1/alerts/{alerts[0]['id']}")).json()
    assert detail["signals"] == 1

    # A partner sees only its own area: a county elsewhere does not match our people.
    elsewhere = await user_headers("elsewhere", "bureau_partner", "610925000000")
    outside = await admin.post(
        url, json={"records": [bill("X-1", patient["national_id"], 1)]}, headers=elsewhere
    )
    assert outside.json()["items"][0]["status"] == "unknown_id"
    # Partners read no personal data: the answer names no household, and they cannot list alerts.
    assert "household" not in second.text
    assert (await admin.get("/api/v1/alerts", headers=partner)).status_code == 403


async def test_school_dropout_and_disability_raise_their_risks(
    admin: httpx.AsyncClient, user_headers
) -> None:  # noqa: ANN001
    await make_areas(admin)
    child = member("child", name="小明", national_id=national_id("20140301"))
    head = member(name="王五")
    created = await admin.post(
        "/api/v1/households", json={"number": "C0001", "area_code": HUANGJIN, "members": [head, child]}
    )
    assert created.status_code == 201, created.text
    partner = await user_headers("jiaoyu", "bureau_partner", "610924000000")
    school = {"record_id": "JY-1", "national_id": child["national_id"], "occurred_on": "2025-09-10"}
    dropped = await admin.post(
        "/api/v1/partner-feeds/school/batch",
        json={"records": [school | {"status": "dropped_out", "school": "蒿坪镇中心小学"}]},
        headers=partner,
    )
    assert dropped.json()["items"][0]["raised"] == ["compulsory_education"], dropped.text
    wrong = await admin.post(
        "/api/v1/partner-feeds/school/batch",
        json={"records": [school | {"record_id": "JY-2", "status": "ended"}]},
        headers=partner,
    )
    assert wrong.json()["items"][0]["error"]["code"] == "status_invalid"
    card = {
        "record_id": "CL-1",
        "national_id": head["national_id"],
        "occurred_on": "2025-07-01",
        "disability_grade": 2,
    }
    disabled = await admin.post(
        "/api/v1/partner-feeds/disability/batch", json={"records": [card]}, headers=partner
    )
    assert disabled.json()["items"][0]["raised"] == ["disability"]
    reasons = {a["risk_code"]: a["reason"] for a in (await admin.get("/api/v1/alerts")).json()["items"]}
    assert reasons == {
        "compulsory_education": "教育部门：义务教育阶段辍学（2025-09-10，蒿坪镇中心小学）",
        "disability": "残联：家庭成员办理残疾证（2级，2025-07-01）",
    }


async def test_a_record_id_twice_in_one_push_is_kept_once(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    patient = member(name="赵六")
    created = await admin.post(
        "/api/v1/households", json={"number": "D0001", "area_code": HUANGJIN, "members": [patient]}
    )
    assert created.status_code == 201, created.text
    partner = await user_headers("yibao", "bureau_partner", "610924000000")
    records = [
        bill("YB-9", patient["national_id"], 300),
        bill("YB-9", patient["national_id"], 300),  # sent twice: kept once
        bill("YB-9", patient["national_id"], 1),  # the same id with other content
        bill("YB-10", patient["national_id"], 300) | {"record_id": 10},  # not a string: no id to name
    ]
    url = "/api/v1/partner-feeds/medical/batch"
    answer = await admin.post(url, json={"records": records}, headers=partner)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(i["status"], i["record_id"]) for i in body["items"]] == [
        ("created", "YB-9"),
        ("duplicate", "YB-9"),
        ("conflict", "YB-9"),
        ("invalid", None),
    ]
    assert body["items"][2]["error"]["code"] == "record_id_in_use"
    assert body | {"items": None} == {
        "created": 1,
        "duplicates": 1,
        "unknown_ids": 0,
        "failed": 2,
        "items": None,
    }
