"""Idempotency-Key at the gateway, for every write (PATCH, actions, any non-GET) of the public API.

A phone that lost an answer sends the write again with the same ``Idempotency-Key``: it is answered what
the first copy was answered (status, body, ETag …, and ``Idempotent-Replayed: true``) without being done
again. Keys are the caller's own: another caller's same key is another key. The same key with another
method, path or body is refused, 422 ``idempotency_key_reused``. A copy that arrives while the first
still runs waits for it and answers its result, the rule of every create (services.common.retries): the
first copy's transaction holds the key's row, uncommitted, while the service works, and the second's
claim waits on the primary key until it commits.

Only final answers are kept: 2xx and 4xx, but not 401, 408, 425 or 429 (the same request may pass
later), and never 5xx (it may not have happened). Keys are kept FANGPIN_GATEWAY_IDEMPOTENCY_TTL_S, then
a key is new again; expired rows are swept at most once a minute per replica. Bodies larger than the
gateway buffers (uploads) pass through as without a key; batches answer retries by their items' ids.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import Response, StreamingResponse

from gateway.idempotency.repository import Call, IdempotencyRepository
from gateway.models import IdempotencyKey
from gateway.proxy import BUFFER_UP_TO
from services.common.auth import Principal
from services.common.errors import FangpinError

logger = logging.getLogger("fangpin.gateway")

HEADER = "idempotency-key"
REPLAYED = "idempotent-replayed"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NOT_FINAL = frozenset({401, 408, 425, 429})
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the header allows
# Describe the transfer of the first answer, not the answer: the replay's own are made afresh.
UNKEPT_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding", "date", "server"})
SWEEP_EVERY_S = 60.0


# The gateway honours it on every write it forwards (gateway/idempotency): PATCH, actions, creates.
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Your unique key for this request (a UUID): sent again with a retry, the answer is what "
    "the first copy got (status, body, ETag; `Idempotent-Replayed: true`) and nothing is done twice. "
    "A copy sent while the first runs waits for it. The same key with another method, path or body is "
    "422 `idempotency_key_reused`. Keys are yours alone and kept 24 hours (a setting); 5xx and 429 "
    "answers are not kept. Not kept for bodies over 256 KiB.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}


class IdempotencyKeyReused(FangpinError):
    status, code, title = 422, "idempotency_key_reused", "Idempotency key reused"


class IdempotencyKeyInvalid(FangpinError):
    status, code, title = 400, "idempotency_key_invalid", "Invalid Idempotency-Key"


def final(status: int) -> bool:
    """Whether an answer is kept for the key's retries."""
    return status < 500 and status not in NOT_FINAL


class IdempotencyKeys:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], ttl_s: int) -> None:
        self.sessionmaker = sessionmaker
        self.ttl_s = ttl_s
        self._swept_at = float("-inf")

    async def answer(
        self, request: Request, principal: Principal, send: Callable[[], Awaitable[Response]]
    ) -> Response:
        """``send``'s answer, or the answer the key's first copy got."""
        key = request.headers.get(HEADER)
        if key is None or request.method in SAFE_METHODS or _streamed(request):
            return await send()
        if not KEY_PATTERN.fullmatch(key):
            raise IdempotencyKeyInvalid("An Idempotency-Key is 1 to 255 visible ASCII characters")
        call = await _call(request, principal, key)
        await self._sweep_now_and_then()
        async with self.sessionmaker() as session:
            keys = IdempotencyRepository(session)
            while not await keys.claim(call, self.ttl_s):  # waits while a copy runs
                if (stored := await keys.stored(call)) is not None:
                    return _replay(stored, call)
                # Swept between the two statements, as it expired: the key is new again.
            response = await send()
            if not final(response.status_code):
                await session.rollback()  # the key is free again: the next copy does it
                return response
            body = await _read(response)
            headers = {k: v for k, v in response.headers.items() if k.lower() not in UNKEPT_HEADERS}
            await keys.answer(call, response.status_code, headers, body)
            await session.commit()
        return Response(body, status_code=response.status_code, headers=headers)

    async def sweep(self) -> int:
        async with self.sessionmaker() as session:
            swept = await IdempotencyRepository(session).sweep(self.ttl_s)
            await session.commit()
        return swept

    async def _sweep_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < SWEEP_EVERY_S:
            return
        self._swept_at = now
        try:
            await self.sweep()
        except Exception:  # a missed sweep is caught up by the next; the write goes on
            logger.warning("could not sweep expired idempotency keys", exc_info=True)


def _streamed(request: Request) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > BUFFER_UP_TO


async def _call(request: Request, principal: Principal, key: str) -> Call:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    digest = hashlib.sha256(f"{request.method}\n{path}\n".encode())
    digest.update(await request.body())  # kept by the request: the forward sends the same bytes
    return Call(f"{principal.kind}:{principal.id}", key, request.method, path, digest.digest())


def _replay(stored: IdempotencyKey, call: Call) -> Response:
    assert stored.status is not None  # committed only with its answer
    if (stored.method, stored.path, stored.request_sha256) != (call.method, call.path, call.digest):
        raise IdempotencyKeyReused(
            f"Idempotency-Key {call.key} was used for another request; use a new key for a new request"
        )
    headers = dict(stored.headers or {}) | {REPLAYED: "true"}
    return Response(stored.body or b"", status_code=stored.status, headers=headers)


async def _read(response: Response) -> bytes:
    if not isinstance(response, StreamingResponse):
        return bytes(response.body)
    try:
        return b"".join([_bytes(chunk) async for chunk in response.body_iterator])
    finally:
        if response.background is not None:
            await response.background()  # closes the service's answer


def _bytes(chunk: str | bytes | memoryview) -> bytes:
    return chunk.encode() if isinstance(chunk, str) else bytes(chunk)
