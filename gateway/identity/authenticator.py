"""Turn a request's credentials (access token or API key) into a Principal, with a short cache.

The cache keeps the hot path to one signature check; its lifetime bounds how long a disabled user,
a revoked key or an ended sign-in can still pass on another replica. The replica that ends it forgets
at once, and caches nothing for it for a cache lifetime after: a look-up that read the database just
before the change committed must not put the old answer back.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.identity.credentials import AccessTokens, parse_api_key, same_digest, sha256_hex
from gateway.identity.repository import ApiKeyRepository, SessionRepository
from services.common.auth import Principal, PrincipalKind, Role, bearer_token
from services.common.errors import Unauthorized

API_KEY_HEADER = "x-api-key"
LAST_USED_EVERY = timedelta(seconds=60)


@dataclasses.dataclass
class _Cached:
    principal: Principal
    expires: float


class Authenticator:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], tokens: AccessTokens, cache_s: float
    ) -> None:
        self.sessionmaker = sessionmaker
        self.tokens = tokens
        self.cache_s = cache_s
        self._cache: dict[str, _Cached] = {}
        self._ended: dict[str, float] = {}  # principal or session id -> no caching for it until then

    async def authenticate(self, request: Request) -> Principal:
        """The caller (401 without valid credentials), with the address and client it calls from."""
        credential = request.headers.get(API_KEY_HEADER) or bearer_token(request)
        if not credential:
            raise Unauthorized(
                "Sign in (POST /api/v1/auth/token) or send an API key", code="not_authenticated"
            )
        principal = await self._principal(credential)
        return dataclasses.replace(
            principal,
            address=request.client.host if request.client else None,
            client=(request.headers.get("user-agent") or "")[:256] or None,
        )

    async def _principal(self, credential: str) -> Principal:
        key = sha256_hex(credential)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and cached.expires > now:
            return cached.principal
        api_key = parse_api_key(credential)
        principal = await (self._from_api_key(*api_key) if api_key else self._from_access_token(credential))
        if self.cache_s > 0 and not self._ended_lately(principal, now):
            if len(self._cache) > 10_000:
                self._cache = {k: v for k, v in self._cache.items() if v.expires > now}
            self._cache[key] = _Cached(principal, now + self.cache_s)
        return principal

    async def _from_access_token(self, token: str) -> Principal:
        claims = self.tokens.decode(token)
        async with self.sessionmaker() as session:
            row = await SessionRepository(session).principal_row(
                uuid.UUID(claims.user_id), uuid.UUID(claims.session_id)
            )
        if row is None:
            raise Unauthorized("The access token is not valid", code="invalid_token")
        user, login = row
        if user.disabled_at is not None:
            raise Unauthorized("This account is disabled", code="account_disabled")
        if login.revoked_at is not None or login.expires_at <= datetime.now(UTC):
            raise Unauthorized("This sign-in has ended; sign in again", code="session_ended")
        return Principal(
            id=str(user.id),
            name=user.username,
            kind=PrincipalKind.user,
            role=Role(user.role),
            scope=user.area_code,
            session_id=str(login.id),
        )

    async def _from_api_key(self, public_id: str, secret: str) -> Principal:
        async with self.sessionmaker() as session:
            repository = ApiKeyRepository(session)
            key = await repository.by_public_id(public_id)
            if key is None or not same_digest(key.secret_hash, sha256_hex(secret)):
                raise Unauthorized("The API key is not valid", code="invalid_api_key")
            if key.revoked_at is not None:
                raise Unauthorized("The API key has been revoked", code="api_key_revoked")
            now = datetime.now(UTC)
            if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
                await repository.touch(key.id, now)
                await session.commit()
        return Principal(
            id=str(key.id),
            name=key.name,
            kind=PrincipalKind.api_key,
            role=Role(key.role),
            scope=key.area_code,
        )

    def forget_all(self) -> None:
        self._cache.clear()
        self._ended.clear()

    def forget(self, principal_id: str | None = None, session_id: str | None = None) -> None:
        """Drop cached entries at once (after a disable, re-scope, revoke, logout, reused refresh token
        or password change), and keep them out of the cache until the change has surely committed."""
        now = time.monotonic()
        ended = {i for i in (principal_id, session_id) if i}
        self._ended = {k: until for k, until in self._ended.items() if until > now}
        self._ended |= dict.fromkeys(ended, now + self.cache_s)
        self._cache = {
            k: v for k, v in self._cache.items() if not ended & {v.principal.id, v.principal.session_id}
        }

    def _ended_lately(self, principal: Principal, now: float) -> bool:
        return any(self._ended.get(i, 0.0) > now for i in (principal.id, principal.session_id) if i)
