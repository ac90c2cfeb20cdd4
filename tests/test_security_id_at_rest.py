"""Security: no ID number rests in clear anywhere in the database (export files are sealed, and go
when their day is over), and the answers that say something is registered outside the caller's area
are audited and limited per caller.

The dump is the real ``pg_dump`` when one at least as new as the server is at hand, else a COPY of
every table (tests/support/dumps); the failure message and ``-rP`` output say which ran.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.common.exports import router as export_router
from services.common.exports import runner as export_runner
from tests.support import dumps
from tests.support.database import libpq_url
from tests.support.dumps import dump, in_clear, registered_numbers
from tests.support.import_files import synthetic_rows
from tests.support.registry import (
    COUNTY,
    HUANGJIN,
    LONGQUAN,
    OTHER_TOWN,
    SHUANGFENG,
    fresh_number,
    make_areas,
    make_household,
    member,
    national_id,
)
from tests.support.security import (
    EXPORT,
    disclosure_limit,
    disclosures,
    downloaded,
    exported,
    imported,
    inline_limit,
    number_ending_in_x,
    owner_fetch,
    revealed_number,
)
from tests.support.system import Database, Keys, asgi_client, registry_settings

# ---- a database that served revealed exports, dumped ----------------------------------------------


async def test_a_dump_of_a_database_that_served_revealed_exports_holds_no_id_number(
    admin: httpx.AsyncClient,
    system: FastAPI,
    user_headers,  # noqa: ANN001
    database: Database,
    keys: Keys,
    tmp_path: Path,
) -> None:
    await make_areas(admin)
    households = [await make_household(admin, HUANGJIN, members=3) for _ in range(3)]
    x_person = member("head", name="李秀兰", national_id=number_ending_in_x())
    created = await admin.post(
        "/api/v1/households",
        json={"number": fresh_number(LONGQUAN), "area_code": LONGQUAN, "members": [x_person]},
    )
    assert created.status_code == 201, created.text
    revealed = await admin.get(f"/api/v1/households/{households[0]['id']}", params={"reveal": "true"})
    assert revealed.status_code == 200

    with inline_limit(system, 1):  # every ledger becomes an export job
        csv_file = await exported(admin, {"format": "csv", "reveal": "true"})
        assert x_person["national_id"] in csv_file.decode("utf-8-sig")  # shown in full, as asked
        await exported(admin, {"format": "xlsx", "reveal": "true"})

    rows = synthetic_rows([HUANGJIN, LONGQUAN], 20)
    # Hand-kept ledgers shift a cell now and then: an ID number lands in the group or health column.
    shifted = [[*rows[0][:2], x_person["national_id"], *rows[0][3:]], [*rows[1][:16], rows[2][14].lower()]]
    job = await imported(admin, rows + shifted, tmp_path)
    assert job["status"] == "succeeded" and job["counts"]["people_created"] >= 20, job
    assert [e["code"] for e in job["errors"]] == ["invalid_value", "unknown_code"], job["errors"]

    worker = households[1]["members"][0]["id"]
    worker_number = (await admin.get(f"/api/v1/people/{worker}", params={"reveal": "true"})).json()
    found = await admin.post("/api/v1/people/lookup", json={"national_id": worker_number["national_id"]})
    assert [p["id"] for p in found.json()["items"]] == [worker]
    corrected = households[2]["members"][1]
    changed = await admin.patch(
        f"/api/v1/people/{corrected['id']}",
        json={"national_id": national_id("20100607"), "base_version": corrected["version"]},
    )
    assert changed.status_code == 200, changed.text
    hrss = await user_headers("renshe", "bureau_partner", COUNTY)
    record = {
        "id": str(uuid.uuid4()),
        "status": "away_out_of_province",
        "source": "hrss_system",
        "reported_on": "2025-04-01",
        "national_id": worker_number["national_id"],
        "employer": "武汉某物流公司",
    }
    pushed = await admin.post("/api/v1/employment-records/batch", json={"items": [record]}, headers=hrss)
    assert [i["status"] for i in pushed.json()["items"]] == ["created"], pushed.text
    yibao = await user_headers("yibao", "bureau_partner", COUNTY)
    bill = {
        "record_id": "YB-1",
        "national_id": x_person["national_id"].lower(),
        "occurred_on": "2025-06-01",
        "out_of_pocket": 12000,
    }
    fed = await admin.post("/api/v1/partner-feeds/medical/batch", json={"records": [bill]}, headers=yibao)
    assert fed.status_code == 200 and fed.json()["created"] == 1, fed.text

    # A refused registration elsewhere (the disclosure, audited) and the events between the services.
    cadre = await user_headers("cadre_sf", "village_cadre", SHUANGFENG)
    async with asgi_client(system, headers=cadre) as elsewhere:
        body = {
            "number": fresh_number(SHUANGFENG),
            "area_code": SHUANGFENG,
            "members": [member("head", national_id=x_person["national_id"])],
        }
        refused = await elsewhere.post("/api/v1/households", json=body)
        assert refused.status_code == 409, refused.text
    for app in system.state.local_apps.values():
        if (relay := getattr(app.state, "event_relay", None)) is not None:
            await relay.deliver_pending()

    numbers = await registered_numbers(database, keys)
    assert len(numbers) >= 30 and x_person["national_id"] in numbers
    method, text = await dump(libpq_url(database.owner_url))
    print(f"dumped with {method}: {len(text):,} characters")  # noqa: T201 - which dump ran, for -rP
    found = in_clear(text, numbers)
    assert not found, f"ID numbers in clear in the dump ({method}):\n" + "\n".join(found[:20])


def test_the_scanner_finds_numbers_in_text_bytes_and_workbooks() -> None:
    """The dump check itself: a plain number, its 15-digit and lower-case forms, hex bytes, a zip."""
    number = number_ending_in_x()
    assert in_clear(f"x\t{number}\n", [number])
    assert in_clear(f"a {number[:6] + number[8:17]} b", [number])
    assert in_clear(f"\\\\x{number.lower().encode().hex()}", [number])
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", f"<si><t>{number}</t></si>")
    assert in_clear(f"\\\\x{sink.getvalue().hex()}", [number])
    assert not in_clear(f"\\\\x{b'nothing to see here'.hex()}", [number])


async def test_without_a_new_enough_pg_dump_every_table_is_copied(
    admin: httpx.AsyncClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_areas(admin)
    household = await make_household(admin, HUANGJIN, members=1)
    monkeypatch.setattr(dumps, "pg_dump_for", lambda server_major: None)
    method, text = await dumps.dump(libpq_url(database.owner_url))
    assert method.startswith("COPY of ") and household["number"] in text and "\\x" in text


# ---- export files ---------------------------------------------------------------------------------


async def test_an_export_file_is_sealed_in_the_database_and_gone_after_its_day(
    admin: httpx.AsyncClient, system: FastAPI, database: Database
) -> None:
    await make_areas(admin)
    await make_household(admin, HUANGJIN, members=3)
    inline = await admin.get(EXPORT, params={"format": "csv", "reveal": "true"})
    with inline_limit(system, 1):
        started = await admin.get(EXPORT, params={"format": "csv", "reveal": "true"})
        file = await downloaded(admin, started)
    assert file == inline.content  # the very file a direct download gives
    location = started.headers["location"]
    job_id = uuid.UUID(location.rsplit("/", 1)[1])
    chunks = await owner_fetch(
        database, "SELECT seq, data FROM registry.export_chunks WHERE job_id = $1", job_id
    )
    assert [c["seq"] for c in chunks] == [0] and len(chunks[0]["data"]) == len(file) + 28
    assert file[:64] not in chunks[0]["data"] and b"610924" not in chunks[0]["data"]

    # A day later the file is gone, whether or not the sweep has come round yet; the sweep deletes it.
    await owner_fetch(
        database,
        "UPDATE registry.export_jobs SET created_at = now() - interval '25 hours' WHERE id = $1",
        job_id,
    )
    for url in (location, f"{location}/file"):
        gone = await admin.get(url)
        assert (gone.status_code, gone.json()["code"]) == (410, "export_expired")
    runner = system.state.local_apps["registry"].state.export_runner
    assert await runner.sweep() == 1
    assert not await owner_fetch(database, "SELECT 1 FROM registry.export_chunks WHERE job_id = $1", job_id)
    assert (await admin.get(location)).status_code == 404


async def test_files_left_in_clear_or_cut_off_are_deleted_at_start(
    admin: httpx.AsyncClient, system: FastAPI, database: Database
) -> None:
    """Files written before exports were sealed (in clear) and the chunks of jobs a stop cut off go
    when the service starts; a sealed file stays."""
    await make_areas(admin)
    await make_household(admin, HUANGJIN, members=2)
    with inline_limit(system, 1):
        await exported(admin, {"format": "csv"})
    old, cut_off = uuid.uuid4(), uuid.uuid4()
    for job_id, status in ((old, "done"), (cut_off, "running")):
        await owner_fetch(
            database,
            "INSERT INTO registry.export_jobs (id, resource, file_name, media_type, requested_by, status, "
            "rows_total, created_at) VALUES ($1, 'households', 'x.csv', 'text/csv', 'someone', $2, 1, "
            "now() - interval '1 hour')",
            job_id,
            status,
        )
        await owner_fetch(
            database,
            "INSERT INTO registry.export_chunks (job_id, seq, data) VALUES ($1, 0, $2)",
            job_id,
            "户编号,身份证号\n1,610924198001010033\n".encode(),
        )
    await system.state.local_apps["registry"].state.export_runner.fail_abandoned()
    jobs = await owner_fetch(database, "SELECT id, status FROM registry.export_jobs ORDER BY created_at")
    assert old not in {j["id"] for j in jobs} and len(jobs) == 2
    assert {j["id"]: j["status"] for j in jobs}[cut_off] == "failed"
    left = await owner_fetch(database, "SELECT DISTINCT job_id FROM registry.export_chunks")
    assert [r["job_id"] for r in left] == [j["id"] for j in jobs if j["id"] != cut_off]


async def test_a_download_cut_off_resumes_from_a_byte_range(
    admin: httpx.AsyncClient, system: FastAPI, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranges across chunk boundaries (chunks made small here), suffixes, If-Range and 416, through
    the gateway as a phone would ask."""
    monkeypatch.setattr(export_runner, "CHUNK_BYTES", 100)
    monkeypatch.setattr(export_router, "CHUNK_BYTES", 100)
    await make_areas(admin)
    for _ in range(3):
        await make_household(admin, HUANGJIN, members=3)
    with inline_limit(system, 1):
        started = await admin.get(EXPORT, params={"format": "csv"})
        whole = await downloaded(admin, started)
    assert len(whole) > 500
    url = f"{started.headers['location']}/file"

    async def get(range_: str, **headers: str) -> httpx.Response:
        return await admin.get(url, headers={"range": range_} | headers)

    part = await get("bytes=95-310")
    assert part.status_code == 206 and part.content == whole[95:311]
    assert part.headers["content-range"] == f"bytes 95-310/{len(whole)}"
    assert (await get("bytes=-7")).content == whole[-7:]
    assert (await get(f"bytes=400-{len(whole) * 2}")).content == whole[400:]
    stale = await get("bytes=0-9", **{"if-range": '"another"'})
    assert stale.status_code == 200 and stale.content == whole
    beyond = await get(f"bytes={len(whole)}-")
    assert (beyond.status_code, beyond.headers["content-range"]) == (416, f"bytes */{len(whole)}")
    assert (await get("bytes=0-1,5-6")).content == whole  # several ranges: the whole file


# ---- deliberate disclosures ----------------------------------------------------------------------


async def test_registered_elsewhere_is_answered_and_audited_until_the_limit_then_429(
    admin: httpx.AsyncClient,
    system: FastAPI,
    user_headers,
    database: Database,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    home = await make_household(admin, HUANGJIN, members=2)
    number = await revealed_number(admin, home["members"][1]["id"])
    cadre = await user_headers("cadre_sf", "village_cadre", SHUANGFENG)
    with disclosure_limit(system, 2):
        async with asgi_client(system, headers=cadre) as elsewhere:
            me = (await elsewhere.get("/api/v1/users/me")).json()
            own = await make_household(elsewhere, SHUANGFENG, members=1)
            person = await elsewhere.post(
                f"/api/v1/households/{own['id']}/members", json=member("child", national_id=number)
            )
            assert (person.status_code, person.json()["code"]) == (409, "national_id_registered")
            assert "outside your area" in person.json()["detail"]
            same_number = {"number": home["number"], "area_code": SHUANGFENG, "members": [member()]}
            household = await elsewhere.post("/api/v1/households", json=same_number)
            assert (household.status_code, household.json()["code"]) == (409, "household_number_exists")

            # The third: whatever it carries (a number nobody has), nothing that could tell is tried.
            fresh = {"number": fresh_number(SHUANGFENG), "area_code": SHUANGFENG, "members": [member()]}
            for answer in (
                await elsewhere.post("/api/v1/households", json=fresh),
                await elsewhere.post("/api/v1/households/batch", json={"items": [fresh]}),
                await elsewhere.post(f"/api/v1/households/{own['id']}/members", json=member("child")),
            ):
                assert answer.status_code == 429, answer.text
                assert answer.headers["content-type"].startswith("application/problem+json")
                problem = answer.json()
                assert (problem["code"], problem["limit"]) == ("disclosure_rate_limited", 2)
                assert 3000 < int(answer.headers["retry-after"]) <= 3600 and problem["retry_after"] > 3000
            assert (await elsewhere.get("/api/v1/households")).status_code == 200  # reading goes on
        # Another caller has an allowance of its own.
        neighbour = await user_headers("cadre_sf2", "village_cadre", SHUANGFENG)
        async with asgi_client(system, headers=neighbour) as other:
            again = await other.post("/api/v1/households", json=same_number)
            assert again.status_code == 409

    told = await disclosures(database)
    assert [(r["actor_id"], r["resource_type"], r["resource_id"], r["area_code"]) for r in told[:2]] == [
        (me["id"], "person", home["members"][1]["id"], HUANGJIN),
        (me["id"], "household", home["id"], HUANGJIN),
    ]
    assert {(r["outcome"], r["status"]) for r in told} == {("success", 409)} and len(told) == 3
    assert not any(number in (r["changes"] or "") for r in told)


async def test_a_batch_stops_telling_when_the_allowance_runs_out(
    admin: httpx.AsyncClient,
    system: FastAPI,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    homes = [await make_household(admin, HUANGJIN, members=1) for _ in range(2)]
    cadre = await user_headers("cadre_sf", "village_cadre", SHUANGFENG)

    def item(number: str) -> dict[str, Any]:
        return {"number": number, "area_code": SHUANGFENG, "members": [member()]}

    items = [item(homes[0]["number"]), item(fresh_number(SHUANGFENG)), item(homes[1]["number"])]
    with disclosure_limit(system, 1):
        async with asgi_client(system, headers=cadre) as elsewhere:
            answer = await elsewhere.post("/api/v1/households/batch", json={"items": items})
    assert answer.status_code == 200, answer.text
    statuses = [(i["status"], (i["error"] or {}).get("code")) for i in answer.json()["items"]]
    # The last allowed answer is the first item's: the others are not tried, telling nothing.
    assert statuses == [
        ("conflict", "household_number_exists"),
        ("rate_limited", "disclosure_rate_limited"),
        ("rate_limited", "disclosure_rate_limited"),
    ]


# The gate a job in a child process rebuilds counts and says the same as the request's own.
@pytest.mark.parametrize("mode", ["inline", "process"])
async def test_an_import_tells_of_rows_registered_elsewhere_until_the_limit_then_stops(
    admin: httpx.AsyncClient,
    system: FastAPI,
    user_headers,
    database: Database,
    tmp_path: Path,  # noqa: ANN001
    mode: str,
) -> None:
    await make_areas(admin)
    home = await make_household(admin, HUANGJIN, members=3)
    numbers = [await revealed_number(admin, p["id"]) for p in home["members"][1:]]
    template = synthetic_rows([SHUANGFENG], 1)[0]

    def row(household: str, number: str) -> list[str]:
        return [household, SHUANGFENG, *template[2:13], "张三", number, "head", *template[16:]]

    rows = [
        row("SF-0001", national_id()),
        row(home["number"], national_id()),  # the household number is HUANGJIN's: told (1)
        row("SF-0002", numbers[0]),  # a person of HUANGJIN: told (2)
        row("SF-0003", numbers[1]),  # past the limit: not told, and the import stops
        row("SF-0004", national_id()),
    ]
    county_sf = await user_headers("county_sf", "county_admin", OTHER_TOWN)
    with disclosure_limit(system, 2), registry_settings(system, import_mode=mode):
        async with asgi_client(system, headers=county_sf) as elsewhere:
            job = await imported(elsewhere, rows, tmp_path)
            again = await elsewhere.post(
                "/api/v1/imports", files={"file": ("户籍.csv", b"x", "text/csv")}, data={"dry_run": "true"}
            )
    assert (job["status"], job["counts"]["people_created"]) == ("failed", 0), job
    assert [(e["row"], e["code"]) for e in job["errors"]] == [
        (3, "household_outside"),
        (4, "national_id_registered"),
    ]
    assert job["failure"].startswith("Stopped at row 2:") and "run the same file again" in job["failure"]
    assert (again.status_code, again.json()["code"]) == (429, "disclosure_rate_limited")
    told = await disclosures(database)
    assert [(r["resource_type"], r["area_code"]) for r in told] == [
        ("household", HUANGJIN),
        ("person", HUANGJIN),
    ]
    assert f'"import_job":[null,"{job["id"]}"]' in told[0]["changes"].replace(" ", "")
    # Said to the caller of the request that started the job, from where it asked, as that request.
    rows = await owner_fetch(
        database,
        "SELECT DISTINCT request_id, actor_id, actor_name, actor_kind, actor_role, actor_scope, address, "
        "client FROM registry.audit_log WHERE action = 'import.start' OR action LIKE '%.disclosed'",
    )
    assert len(rows) == 1 and rows[0]["actor_scope"] == OTHER_TOWN, rows
