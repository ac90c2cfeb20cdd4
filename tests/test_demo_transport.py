"""The demo's client waits out the gateway's rate limit as the server asks, instead of failing a start."""

from __future__ import annotations

import httpx

from fangpin.demo import PatientTransport


async def test_a_429_is_waited_out_and_the_same_request_sent_again() -> None:
    seen: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.read())
        if len(seen) < 3:
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"code": "rate_limited"})
        return httpx.Response(201, json={"ok": True})

    transport = PatientTransport(httpx.MockTransport(answer))
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
        response = await client.post("/api/v1/areas", json={"code": "610924105201"})
    assert response.status_code == 201
    assert seen == [b'{"code":"610924105201"}'] * 3


async def test_other_refusals_are_returned_at_once() -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(422, json={"code": "invalid"})

    async with httpx.AsyncClient(transport=PatientTransport(httpx.MockTransport(answer))) as client:
        assert (await client.get("http://demo/x")).status_code == 422
    assert calls == 1
