"""National ID numbers never reach a log line, wherever a client puts them."""

from __future__ import annotations

import io
import logging

import httpx
import pytest

from services.common.logging import JsonFormatter, scrub

# A well-formed resident ID (check digit valid) and one ending in X.
IDS = ["110101199003074477", "52022119850612002X"]


def test_scrub_masks_ids_but_keeps_other_numbers() -> None:
    assert scrub("id=110101199003074477 ok") == "id=110101********4477 ok"
    assert scrub("52022119850612002X") == "520221********002X"
    assert scrub("area 610924105201 phone 13800138000") == "area 610924105201 phone 13800138000"


@pytest.fixture
def captured_log_lines() -> io.StringIO:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous_level)


async def test_no_plain_id_number_in_any_log_line(
    admin: httpx.AsyncClient, captured_log_lines: io.StringIO
) -> None:
    for number in IDS:
        await admin.get(f"/api/v1/areas/{number}")
        await admin.get("/api/v1/areas", params={"q": number})
        await admin.post("/api/v1/areas", json={"code": number, "name": number})
        await admin.post(
            "/api/v1/areas", content=f'{{"code": "{number}"', headers={"content-type": "application/json"}
        )
        await admin.get(f"/api/v1/{number}")
        await admin.get("/api/v1/areas", headers={"X-Request-ID": number})
        await admin.post(
            "/api/v1/auth/token", data={"grant_type": "password", "username": number, "password": number}
        )
        logging.getLogger("fangpin.test").warning("a careless line with %s in it", number)
    text = captured_log_lines.getvalue()
    assert text.count("\n") > 20, "the requests should have been logged"
    for number in IDS:
        assert number not in text
        assert number[:6] + "********" + number[-4:] in text
