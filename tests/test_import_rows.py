"""Ids back from an import: the job lists, row by row, the household and person each row created or
matched, paged and scoped like the job, with ID numbers only masked."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.registry.national_id import mask
from tests.support.import_files import synthetic_rows, write_csv
from tests.support.registry import HUANGJIN, LONGQUAN, make_areas


async def wait_for(admin: httpx.AsyncClient, job: dict) -> dict:
    for _ in range(600):
        job = (await admin.get(f"/api/v1/imports/{job['id']}")).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"import job still {job['status']}")


def upload(path: Path) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (path.name, path.read_bytes(), "text/csv")}


async def run(admin: httpx.AsyncClient, path: Path, **data: str) -> dict:
    started = await admin.post("/api/v1/imports", files=upload(path), data=data)
    assert started.status_code == 202, started.text
    job = await wait_for(admin, started.json())
    assert job["status"] == "succeeded", job
    return job


async def all_rows(
    client: httpx.AsyncClient, job_id: str, limit: int = 7
) -> tuple[list[dict[str, Any]], str]:
    """Every page of the job's rows; and the pages' text, to look for numbers in clear."""
    items, text, cursor = [], "", None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        page = await client.get(f"/api/v1/imports/{job_id}/rows", params=params)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        text += page.text
        if (cursor := page.json()["next_cursor"]) is None:
            return items, text


async def test_an_import_job_lists_the_household_and_person_of_each_row(
    admin: httpx.AsyncClient,
    user_headers,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    rows = synthetic_rows([HUANGJIN, LONGQUAN], 30)
    rows[5][14] = rows[5][14][:17]  # refused: 17 characters
    path = write_csv(tmp_path / "ledger.csv", rows)
    job = await run(admin, path)
    assert job["rows_bad"] == 1 and job["as_of"] is not None  # today, China's

    items, text = await all_rows(admin, job["id"])
    written = [index for index in range(len(rows)) if index != 5]
    assert [item["row"] for item in items] == [index + 2 for index in written]
    assert all(item["person_created"] and item["household_created"] for item in items)
    for item in items:
        row = rows[item["row"] - 2]
        assert (item["household_number"], item["name"]) == (row[0], row[13])
        assert item["national_id_masked"] == mask(row[14])
        assert row[14] not in text  # never in clear
    # The ids are the registry's: each household's members are the people its rows named.
    by_household: dict[str, set[str]] = {}
    for item in items:
        by_household.setdefault(item["household_id"], set()).add(item["person_id"])
    for household_id, people in by_household.items():
        household = (await admin.get(f"/api/v1/households/{household_id}")).json()
        assert {member["id"] for member in household["members"]} >= people

    # The same file again matches what the first created: the same ids, none created.
    again, _ = await all_rows(admin, (await run(admin, path))["id"], limit=500)
    assert [(i["row"], i["household_id"], i["person_id"]) for i in again] == [
        (i["row"], i["household_id"], i["person_id"]) for i in items
    ]
    assert not any(item["person_created"] or item["household_created"] for item in again)
    # A dry run writes nothing, so it lists nothing.
    dry = await run(admin, path, dry_run="true")
    assert (await admin.get(f"/api/v1/imports/{dry['id']}/rows")).json() == {"items": [], "next_cursor": None}

    # Scoped like the job: another county's importer does not find it.
    made = await admin.post("/api/v1/areas", json={"code": "610925000000", "name": "岚皋县"})
    assert made.status_code in (200, 201), made.text
    other = await user_headers("importer_b", "county_admin", "610925000000")
    hidden = await admin.get(f"/api/v1/imports/{job['id']}/rows", headers=other)
    assert hidden.status_code == 404 and hidden.json()["code"] == "import_not_found"
    forged = await admin.get(f"/api/v1/imports/{job['id']}/rows", params={"cursor": "eyJyb3ciOiJ4In0"})
    assert forged.status_code == 422 and forged.json()["code"] == "bad_cursor"


async def test_the_file_date_is_a_job_option_never_after_today(
    admin: httpx.AsyncClient, tmp_path: Path
) -> None:
    await make_areas(admin)
    path = write_csv(tmp_path / "ledger.csv", synthetic_rows([HUANGJIN], 3))
    files = upload(path)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    refused = await admin.post("/api/v1/imports", files=files, data={"as_of": tomorrow})
    assert refused.status_code == 422 and refused.json()["code"] == "date_in_future"
    job = await run(admin, path, as_of="2025-06-30")
    assert job["as_of"] == "2025-06-30"
