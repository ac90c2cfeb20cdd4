"""Loading the official division table (统计用区划代码): a province's 20,000 codes in seconds, twice;
renames dated, vanished codes reported and kept, bad rows refused by line, the caller's scope per row,
the command line; and afterwards a county administrator works in its county."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.registry.areas.code_table import TableFileError, read_table
from tests.support.auth import create_account, sign_in
from tests.support.database import libpq_url
from tests.support.registry import make_household
from tests.support.system import Database, Keys, asgi_client, process_env

PROVINCE = "610000000000"
CITY = "610100000000"
COUNTY = "610101000000"
TOWN = "610101101000"
VILLAGE = "610101101201"
Row = tuple[str, str, str]  # code, name, urban-rural class ('' when not given)


def province_table() -> list[Row]:
    """1 province, 10 cities, 100 counties, 2,000 towns, 18,000 villages: 20,111 codes, always the same."""
    rows: list[Row] = [(PROVINCE, "陕西省", "")]
    for c in range(1, 11):
        city = f"61{c:02d}"
        rows.append((f"{city}00000000", f"第{c}市", ""))
        for k in range(1, 11):
            county = f"{city}{k:02d}"
            rows.append((f"{county}000000", f"{c}市第{k}县", ""))
            for t in range(1, 21):
                town = f"{county}{100 + t:03d}"
                rows.append((f"{town}000", f"{c}-{k}县第{t}镇", ""))
                for v in range(1, 10):
                    rows.append((f"{town}{200 + v:03d}", f"{t}镇第{v}村", "121" if v == 1 else "220"))
    return rows


def csv_bytes(rows: list[Row], *, header: str | None = "code,name,urban_rural_class", seed: int = 7) -> bytes:
    """The rows in a shuffled order (children often before their parents), as CSV."""
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    lines = ([header] if header else []) + [",".join(row) for row in shuffled]
    return ("\n".join(lines) + "\n").encode()


def small_table() -> list[Row]:
    """The province, its ten cities, one county and one town with its nine villages: 22 codes."""
    return [
        row
        for row in province_table()
        if row[0][4:] == "0" * 8 or row[0] == COUNTY or row[0].startswith(TOWN[:9])
    ]


async def upload(
    client: httpx.AsyncClient, content: bytes, *, effective_on: str | None = None, dry_run: bool = False
) -> dict:
    data = {"dry_run": str(dry_run).lower()} | ({"effective_on": effective_on} if effective_on else {})
    response = await client.post(
        "/api/v1/area-imports", files={"file": ("areas.csv", content, "text/csv")}, data=data
    )
    assert response.status_code == 200, response.text
    return response.json()


COUNTS = ("created", "renamed", "reclassified", "unchanged", "missing", "invalid", "outside_scope")
NONE = dict.fromkeys(COUNTS, 0)


def counts(report: dict) -> dict[str, int]:
    return {key: report[key] for key in COUNTS}


async def test_a_provinces_twenty_thousand_codes_load_in_seconds_and_again_change_nothing(
    admin: httpx.AsyncClient, database: Database
) -> None:
    rows = province_table()
    assert len(rows) == 20_111
    content = csv_bytes(rows)

    started = time.monotonic()
    first = await upload(admin, content, effective_on="2023-06-30")
    first_s = time.monotonic() - started
    assert counts(first) == NONE | {"created": 20_111}
    assert first["changed"] is True and first["rows"] == 20_111

    started = time.monotonic()
    second = await upload(admin, content, effective_on="2023-06-30")
    second_s = time.monotonic() - started
    assert counts(second) == NONE | {"unchanged": 20_111}
    assert second["changed"] is False
    print(f"\n20,111 codes: first import {first_s:.2f} s, second {second_s:.2f} s")
    assert first_s < 20 and second_s < 10

    village = (await admin.get(f"/api/v1/areas/{VILLAGE}")).json()
    assert (village["name"], village["level"], village["parent_code"]) == ("1镇第1村", "village", TOWN)
    assert village["urban_rural_class"] == "121"
    towns = (await admin.get(f"/api/v1/areas/{COUNTY}/children", params={"limit": 500})).json()["items"]
    assert len(towns) == 20
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:  # one audit entry per import, with its counts
        audited = await conn.fetch(
            "SELECT changes FROM registry.audit_log WHERE action = 'area.import' ORDER BY id"
        )
        named = await conn.fetchval(
            "SELECT count(*) FROM registry.area_names WHERE valid_from = '2023-06-30'"
        )
    finally:
        await conn.close()
    assert [json.loads(a["changes"])["created"] for a in audited] == [[None, 20_111], [None, 0]]
    assert named == 20_111


async def test_a_rename_keeps_the_code_and_records_the_new_name_from_its_date(
    admin: httpx.AsyncClient,
) -> None:
    rows = small_table()
    await upload(admin, csv_bytes(rows), effective_on="2023-06-30")
    assert len(rows) == 22
    renamed = [(code, "黄金村" if code == VILLAGE else name, cls) for code, name, cls in rows]
    preview = await upload(admin, csv_bytes(renamed), effective_on="2024-06-30", dry_run=True)
    assert (preview["renamed"], preview["changed"]) == (1, False)
    assert (await admin.get(f"/api/v1/areas/{VILLAGE}")).json()["name"] == "1镇第1村"
    report = await upload(admin, csv_bytes(renamed), effective_on="2024-06-30")
    assert (report["renamed"], report["created"], report["unchanged"]) == (1, 0, len(rows) - 1)
    assert report["renamed_areas"][0] | {"line": 0} == {
        "code": VILLAGE, "line": 0, "old_name": "1镇第1村", "new_name": "黄金村"
    }  # fmt: skip
    assert (await admin.get(f"/api/v1/areas/{VILLAGE}")).json()["name"] == "黄金村"
    names = (await admin.get(f"/api/v1/areas/{VILLAGE}/names")).json()
    assert [(n["name"], n["valid_from"]) for n in names] == [
        ("1镇第1村", "2023-06-30"),
        ("黄金村", "2024-06-30"),
    ]
    # Only the class changed: reclassified, the name history untouched.
    reclassed = [(c, n, "111" if c == VILLAGE else k) for c, n, k in renamed]
    report = await upload(admin, csv_bytes(reclassed), effective_on="2024-06-30")
    assert (report["reclassified"], report["renamed"]) == (1, 0)
    assert (await admin.get(f"/api/v1/areas/{VILLAGE}")).json()["urban_rural_class"] == "111"
    assert len((await admin.get(f"/api/v1/areas/{VILLAGE}/names")).json()) == 2
    # The older table again: its name is history now, not a rename back.
    older = await upload(admin, csv_bytes(rows), effective_on="2023-06-30")
    assert (older["renamed"], older["invalid"]) == (0, 1)
    assert older["problems"][0]["code"] == "older_than_current_name"
    assert (await admin.get(f"/api/v1/areas/{VILLAGE}")).json()["name"] == "黄金村"


async def test_a_code_gone_from_the_table_is_reported_missing_and_kept(admin: httpx.AsyncClient) -> None:
    rows = small_table()
    await upload(admin, csv_bytes(rows))
    gone = "610101101209"
    report = await upload(admin, csv_bytes([row for row in rows if row[0] != gone]))
    assert (report["missing"], report["unchanged"]) == (1, len(rows) - 1)
    assert report["missing_areas"] == [{"code": gone, "name": "1镇第9村", "level": "village"}]
    assert (await admin.get(f"/api/v1/areas/{gone}")).status_code == 200
    # A table of the levels down to counties covers no town or village: none of those is missing.
    counties = [row for row in rows if row[0][6:] == "0" * 6]
    assert (await upload(admin, csv_bytes(counties)))["missing"] == 0


async def test_bad_rows_are_refused_one_by_one_with_their_line_numbers(admin: httpx.AsyncClient) -> None:
    # The Bureau's own column order, under a Chinese header.
    lines = [
        "统计用区划代码,城乡分类代码,名称",
        f"{PROVINCE},,陕西省",  # 2
        "61010110120,220,短码",  # 3: eleven digits
        "61010110120x,220,字母",  # 4
        f"{CITY},,西安市",  # 5
        f"{COUNTY},,新城区",  # 6
        "610101199201,220,无父村",  # 7: its town is neither registered nor in the file
        "610101102000,999,错类镇",  # 8: an unknown class: refused, and so its village
        "610101102201,220,孤村",  # 9
        f"{TOWN},,第一镇",  # 10
        f"{VILLAGE},220,第一村",  # 11
        f"{VILLAGE},220,又一村",  # 12: the same code again
        "610101101202,220,",  # 13: no name
    ]
    report = await upload(admin, "\n".join(lines).encode())
    assert counts(report) == NONE | {"created": 5, "invalid": 7}
    assert [(p["line"], p["code"]) for p in report["problems"]] == [
        (3, "area_code_length"),
        (4, "area_code_digits"),
        (7, "unknown_parent"),
        (8, "urban_rural_class_unknown"),
        (9, "unknown_parent"),
        (12, "duplicate_code"),
        (13, "name_missing"),
    ]
    problems = {p["line"]: p for p in report["problems"]}
    assert "on line 8 was refused" in problems[9]["reason"]
    assert (await admin.get(f"/api/v1/areas/{VILLAGE}")).json()["name"] == "第一村"


async def test_a_file_that_is_not_a_table_is_a_422_problem(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/api/v1/area-imports", files={"file": ("x.csv", b"id,label\n1,2\n", "text/csv")}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unknown_header"


def test_the_table_reads_as_utf8_with_or_without_bom_and_as_gb18030() -> None:
    text = f"{PROVINCE},陕西省\n{CITY},西安市\n"
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode(), text.encode("gb18030")):
        table = read_table(data)
        assert [(r.code, r.name, r.line) for r in table.rows] == [
            (PROVINCE, "陕西省", 1),
            (CITY, "西安市", 2),
        ]
    with pytest.raises(TableFileError):
        read_table(b"\n\n")


async def test_a_county_admin_loads_its_county_and_the_areas_above_it_then_works_there(
    system: FastAPI, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await create_account(system, "county", "county_admin", COUNTY)
    async with asgi_client(system, headers=await sign_in(client, "county")) as county:
        # Before: its county cannot be made (the city above it is missing and outside its area).
        refused = await county.post("/api/v1/areas", json={"code": COUNTY, "name": "新城区"})
        assert refused.status_code == 422
        report = await upload(county, csv_bytes(province_table()), effective_on="2023-06-30")
        # Province, city, county, 20 towns, 180 villages; every other row is not the county's.
        assert (report["created"], report["invalid"], report["missing"]) == (203, 0, 0)
        assert report["outside_scope"] == 20_111 - 203
        assert (await admin.get("/api/v1/areas/610200000000")).status_code == 404
        household = await make_household(county, village=VILLAGE)
        assert household["area_code"] == VILLAGE

        # The areas above it may be made by it, never renamed by it.
        renamed = [(c, "秦省" if c == PROVINCE else n, k) for c, n, k in province_table()]
        again = await upload(county, csv_bytes(renamed), effective_on="2024-06-30")
        assert (again["renamed"], again["unchanged"]) == (0, 202)
        assert again["outside_scope"] == 20_111 - 202
    assert (await admin.get(f"/api/v1/areas/{PROVINCE}")).json()["name"] == "陕西省"


def run_fangpin(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FANGPIN_")} | env
    return subprocess.run(
        [sys.executable, "-m", "fangpin", *args],
        input=stdin,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.once  # the command's SQL is the API's, which runs on both servers
async def test_the_command_line_loads_the_table_and_a_county_admin_it_makes_can_work(
    client: httpx.AsyncClient, system: FastAPI, database: Database, keys: Keys, tmp_path: Path
) -> None:
    env = process_env(database, keys)
    table = tmp_path / "610000.csv"
    table.write_bytes(csv_bytes(province_table(), header=None).decode().encode("gb18030"))

    loaded = run_fangpin(env, "areas", "import", str(table), "--effective-on", "2023-06-30")
    assert loaded.returncode == 0, loaded.stderr
    assert "20,111 created" in loaded.stderr and "0 invalid" in loaded.stderr
    again = run_fangpin(env, "areas", "import", str(table), "--effective-on", "2023-06-30")
    assert "20,111 unchanged" in again.stderr and "(nothing changed)" in again.stderr

    made = run_fangpin(
        env, "users", "create-admin", "xincheng", "--area", COUNTY, stdin="a long enough password\n"
    )
    assert made.returncode == 0, made.stderr
    async with asgi_client(
        system, headers=await sign_in(client, "xincheng", "a long enough password")
    ) as county:
        household = await make_household(county, village=VILLAGE)
        assert household["area_code"] == VILLAGE


async def test_a_file_not_named_as_a_table_is_refused_before_it_is_read(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/api/v1/area-imports", files={"file": ("file", b"2059440", "text/plain")})
    assert (response.status_code, response.json()["code"]) == (422, "file_type")
