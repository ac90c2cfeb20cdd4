"""Signing in (password grant), refreshing (one-use refresh tokens), logging out, and throttling guesses."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.identity.credentials import AccessTokens, PasswordHasher, new_refresh_token, sha256_hex
from gateway.identity.repository import LoginFailureRepository, SessionRepository, UserRepository
from gateway.identity.schemas import TokenResponse
from gateway.models import LoginSession, RefreshToken, User
from gateway.settings import GatewaySettings
from services.common.audit import audit_trail
from services.common.audit.trail import Outcome
from services.common.errors import FangpinError, RateLimited


class InvalidGrant(FangpinError):
    """RFC 6749 §5.2: the credentials or the refresh token are not good."""

    status, code, title = 400, "invalid_grant", "Sign-in failed"
    audit_outcome = Outcome.denied

    def __init__(self, detail: str) -> None:
        super().__init__(detail, error="invalid_grant")


@dataclass(frozen=True)
class Caller:
    address: str
    client: str | None


class SignInService:
    def __init__(
        self,
        session: AsyncSession,
        settings: GatewaySettings,
        hasher: PasswordHasher,
        tokens: AccessTokens,
        sessionmaker: async_sessionmaker[AsyncSession],
        forget_session: Callable[[str], None] = lambda session_id: None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.hasher = hasher
        self.tokens = tokens
        self.sessionmaker = sessionmaker
        self.forget_session = forget_session  # this gateway's cached access tokens of an ended sign-in

    async def password_grant(self, username: str, password: str, caller: Caller) -> TokenResponse:
        username = username.strip().lower()[:64]
        trail = audit_trail(self.session)
        trail.record("auth.sign_in", "user", username)
        await self._check_throttle(username, caller.address)
        user = await UserRepository(self.session).by_username(username)
        valid = await self.hasher.verify(user.password_hash if user else None, password)
        if not valid or user is None or user.disabled_at is not None:
            await self._record_failure(username, caller.address)
            raise InvalidGrant("Wrong username or password, or the account is disabled")
        await LoginFailureRepository(self.session).forget(username)
        trail.entries[-1].resource_id = str(user.id)
        trail.entries[-1].area_code = user.area_code
        return await self._start_session(user, caller)

    async def refresh_grant(self, refresh_token: str) -> TokenResponse:
        trail = audit_trail(self.session)
        sessions = SessionRepository(self.session)
        stored = await sessions.refresh_token_for_update(sha256_hex(refresh_token))
        now = datetime.now(UTC)
        if stored is None:
            trail.record("auth.refresh", "session", None)
            raise InvalidGrant("The refresh token is not valid")
        trail.record("auth.refresh", "session", str(stored.session_id))
        login = await sessions.login_session(stored.session_id)
        if stored.used_at is not None:
            # A refresh token used twice was copied: end the whole sign-in for everyone holding it.
            await self._revoke_in_own_transaction(stored.session_id)
            self.forget_session(str(stored.session_id))
            raise InvalidGrant("The refresh token was already used; the sign-in has been ended")
        if login is None or login.revoked_at is not None or stored.expires_at <= now:
            raise InvalidGrant("The sign-in has ended; sign in again")
        user = await self.session.get(User, login.user_id)
        if user is None or user.disabled_at is not None:
            raise InvalidGrant("This account is disabled")
        stored.used_at = now
        return await self._issue(user, login)

    async def logout(self, session_id: uuid.UUID) -> None:
        audit_trail(self.session).record("auth.logout", "session", str(session_id))
        await SessionRepository(self.session).revoke(session_id, datetime.now(UTC))
        self.forget_session(str(session_id))

    async def _start_session(self, user: User, caller: Caller) -> TokenResponse:
        now = datetime.now(UTC)
        login = LoginSession(
            id=uuid.uuid4(),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=self.settings.refresh_token_ttl_s),
            address=caller.address,
            client=caller.client,
        )
        self.session.add(login)
        await self.session.flush()
        return await self._issue(user, login)

    async def _issue(self, user: User, login: LoginSession) -> TokenResponse:
        now = datetime.now(UTC)
        ttl = self.settings.refresh_token_ttl_s
        token, token_hash = new_refresh_token()
        login.expires_at = now + timedelta(seconds=ttl)
        SessionRepository(self.session).add(
            RefreshToken(
                id=uuid.uuid4(),
                session_id=login.id,
                token_hash=token_hash,
                issued_at=now,
                expires_at=now + timedelta(seconds=ttl),
            )
        )
        access = self.tokens.issue(user.id, login.id, user.role, user.area_code)
        return TokenResponse(
            access_token=access, expires_in=self.tokens.ttl_s, refresh_token=token, refresh_expires_in=ttl
        )

    async def _check_throttle(self, username: str, address: str) -> None:
        window = timedelta(seconds=self.settings.login_window_s)
        now = datetime.now(UTC)
        failures = LoginFailureRepository(self.session)
        for count, oldest, limit in (
            (
                *await failures.recent(username=username, since=now - window),
                self.settings.login_max_failures_per_user,
            ),
            (
                *await failures.recent(address=address, since=now - window),
                self.settings.login_max_failures_per_address,
            ),
        ):
            if count >= limit and oldest is not None:
                retry = max(1, math.ceil((oldest + window - now).total_seconds()))
                raise RateLimited(
                    retry, f"Too many failed sign-ins; try again in {retry} s", code="sign_in_throttled"
                )

    async def _record_failure(self, username: str, address: str) -> None:
        """Counted in a transaction of its own: the sign-in's own transaction is about to roll back."""
        now = datetime.now(UTC)
        async with self.sessionmaker() as session, session.begin():
            failures = LoginFailureRepository(session)
            failures.add(username, address, now)
            await failures.prune(now - timedelta(seconds=self.settings.login_window_s))

    async def _revoke_in_own_transaction(self, session_id: uuid.UUID) -> None:
        async with self.sessionmaker() as session, session.begin():
            await SessionRepository(session).revoke(session_id, datetime.now(UTC))
