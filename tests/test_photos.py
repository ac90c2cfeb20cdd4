"""Photos attached to inspections: type checked by the bytes themselves, size limited, retries recognised,
scoped like the visit they belong to."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import UserFactory
from tests.support.monitoring import inspection
from tests.support.registry import HUANGJIN, LONGQUAN, make_areas, seed_households
from tests.support.system import Database

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


async def visit(admin: httpx.AsyncClient, database: Database, village: str = HUANGJIN) -> str:
    [household] = await seed_households(database.owner_url, village)
    created = await admin.post("/api/v1/inspections", json=inspection(household, area_code=village))
    assert created.status_code == 201, created.text
    return created.json()["id"]


def put(
    client: httpx.AsyncClient, inspection_id: str, photo_id: str, data: bytes, kind: str = "image/jpeg", **kw
):  # noqa: ANN201
    return client.put(
        f"/api/v1/inspections/{inspection_id}/photos/{photo_id}",
        content=data,
        headers={"Content-Type": kind} | kw.pop("headers", {}),
    )


async def test_a_photo_is_stored_once_and_read_back_as_sent(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    inspection_id = await visit(admin, clean_database)
    photo_id = str(uuid.uuid4())

    first = await put(admin, inspection_id, photo_id, JPEG)
    assert first.status_code == 201, first.text
    assert first.json()["size_bytes"] == len(JPEG) and first.json()["content_type"] == "image/jpeg"
    retry = await put(admin, inspection_id, photo_id, JPEG)
    assert retry.status_code == 200 and retry.json() == first.json()
    other = await put(admin, inspection_id, photo_id, JPEG + b"\x00")
    assert other.status_code == 409 and other.json()["code"] == "photo_id_conflict"

    listed = (await admin.get(f"/api/v1/inspections/{inspection_id}/photos")).json()["items"]
    assert [p["id"] for p in listed] == [photo_id]
    download = await admin.get(f"/api/v1/inspections/{inspection_id}/photos/{photo_id}")
    assert download.status_code == 200 and download.content == JPEG
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["etag"] == f'"{first.json()["sha256"]}"'


async def test_wrong_type_oversize_and_unknown_visits_are_refused_and_change_nothing(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    inspection_id = await visit(admin, clean_database)
    png_as_jpeg = await put(admin, inspection_id, str(uuid.uuid4()), PNG)
    assert png_as_jpeg.status_code == 422 and png_as_jpeg.json()["code"] == "photo_type_mismatch"
    assert png_as_jpeg.json()["errors"][0]["loc"] == ["body"]
    text = await put(admin, inspection_id, str(uuid.uuid4()), b"hello", kind="text/plain")
    assert text.status_code == 415
    huge = await put(admin, inspection_id, str(uuid.uuid4()), JPEG + b"\x00" * (1024 * 1024))
    assert huge.status_code == 413 and huge.json()["max_bytes"] == 1024 * 1024
    nowhere = await put(admin, str(uuid.uuid4()), str(uuid.uuid4()), JPEG)
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "inspection_not_found"
    png = await put(admin, inspection_id, str(uuid.uuid4()), PNG, kind="image/png")
    assert png.status_code == 201, png.text
    listed = (await admin.get(f"/api/v1/inspections/{inspection_id}/photos")).json()["items"]
    assert [p["content_type"] for p in listed] == ["image/png"]


async def test_a_visit_carries_at_most_nine_photos(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    inspection_id = await visit(admin, clean_database)
    for _ in range(9):
        assert (await put(admin, inspection_id, str(uuid.uuid4()), JPEG)).status_code == 201
    tenth = await put(admin, inspection_id, str(uuid.uuid4()), JPEG)
    assert tenth.status_code == 409 and tenth.json()["code"] == "too_many_photos"


async def test_photos_are_scoped_like_their_visit(
    admin: httpx.AsyncClient, user_headers: UserFactory, clean_database: Database
) -> None:
    await make_areas(admin)
    theirs = await visit(admin, clean_database, LONGQUAN)
    photo_id = str(uuid.uuid4())
    assert (await put(admin, theirs, photo_id, JPEG)).status_code == 201
    cadre = await user_headers("cadre", "village_cadre", "610924105201")  # 黄金村, not 龙泉村
    auditor = await user_headers("auditor", "auditor", "610924000000")
    assert (await put(admin, theirs, str(uuid.uuid4()), JPEG, headers=cadre)).status_code == 404
    assert (await admin.get(f"/api/v1/inspections/{theirs}/photos", headers=cadre)).status_code == 404
    hidden = await admin.get(f"/api/v1/inspections/{theirs}/photos/{photo_id}", headers=cadre)
    assert hidden.status_code == 404
    read_only = await put(admin, theirs, str(uuid.uuid4()), JPEG, headers=auditor)
    assert read_only.status_code == 403
    seen = await admin.get(f"/api/v1/inspections/{theirs}/photos/{photo_id}", headers=auditor)
    assert seen.status_code == 200 and seen.content == JPEG
