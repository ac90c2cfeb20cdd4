"""A request still running after SLOW_REQUEST_S is logged once with where it waits, and never with the
values of its query (they may be personal)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from services.common import stalls


async def waits_on(event: asyncio.Event) -> None:
    await event.wait()


async def test_a_stalled_request_is_logged_with_its_await_chain_and_no_query_values(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(stalls, "SLOW_REQUEST_S", 0.05)
    event = asyncio.Event()

    async def request() -> None:
        watchdog = stalls.watch("registry", "GET", "/api/v1/households/export", ["reveal", "within"])
        assert watchdog is not None
        try:
            await waits_on(event)
        finally:
            watchdog.cancel()

    with caplog.at_level(logging.WARNING, logger="fangpin.stalls"):
        task = asyncio.create_task(request())
        await asyncio.sleep(0.2)
        event.set()
        await task
    [record] = caplog.records
    text = record.getMessage()
    assert "GET /api/v1/households/export (query: reveal, within) still running" in text
    assert "in waits_on" in text and "in request" in text


async def test_a_quick_request_is_not_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(stalls, "SLOW_REQUEST_S", 0.2)
    with caplog.at_level(logging.WARNING, logger="fangpin.stalls"):
        watchdog = stalls.watch("registry", "GET", "/api/v1/areas", [])
        assert watchdog is not None
        watchdog.cancel()
        await asyncio.sleep(0.3)
    assert not caplog.records
