"""All SQL of the gateway's identity tables; lists apply the caller's area scope."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from gateway.models import ApiKey, LoginFailure, LoginSession, RefreshToken, User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_username(self, username: str) -> User | None:
        return (
            await self.session.execute(select(User).where(User.username == username))
        ).scalar_one_or_none()

    async def area_codes(self) -> list[str]:
        """Every area some account is scoped to."""
        rows = await self.session.execute(select(User.area_code).distinct())
        return sorted(row[0] for row in rows)

    async def in_areas(self, codes: Sequence[str]) -> Sequence[User]:
        """The accounts scoped to these areas, locked for a change."""
        query = select(User).where(col(User.area_code).in_(codes)).order_by(col(User.username))
        return (await self.session.execute(query.with_for_update())).scalars().all()

    async def by_id(self, user_id: uuid.UUID, scope_prefix: str, *, for_update: bool = False) -> User | None:
        query = select(User).where(User.id == user_id, col(User.area_code).startswith(scope_prefix))
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def list(
        self,
        scope_prefix: str,
        *,
        role: str | None,
        area_prefix: str | None,
        q: str | None,
        after_username: str | None,
        limit: int,
    ) -> Sequence[User]:
        query = select(User).where(col(User.area_code).startswith(scope_prefix))
        if role:
            query = query.where(User.role == role)
        if area_prefix:
            query = query.where(col(User.area_code).startswith(area_prefix, autoescape=True))
        if q:
            query = query.where(
                (col(User.username).contains(q, autoescape=True))
                | (col(User.display_name).contains(q, autoescape=True))
            )
        if after_username:
            query = query.where(User.username > after_username)
        return (await self.session.execute(query.order_by(User.username).limit(limit))).scalars().all()

    def add(self, user: User) -> None:
        self.session.add(user)


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def principal_row(
        self, user_id: uuid.UUID, session_id: uuid.UUID
    ) -> tuple[User, LoginSession] | None:
        query = (
            select(User, LoginSession)
            .join(LoginSession, col(LoginSession.user_id) == User.id)
            .where(User.id == user_id, LoginSession.id == session_id)
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row else None

    async def refresh_token_for_update(self, token_hash: str) -> RefreshToken | None:
        query = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def login_session(self, session_id: uuid.UUID) -> LoginSession | None:
        return await self.session.get(LoginSession, session_id)

    async def revoke(self, session_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(LoginSession)
            .where(col(LoginSession.id) == session_id, col(LoginSession.revoked_at).is_(None))
            .values(revoked_at=at)
        )

    async def revoke_all_of(self, user_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(LoginSession)
            .where(col(LoginSession.user_id) == user_id, col(LoginSession.revoked_at).is_(None))
            .values(revoked_at=at)
        )

    def add(self, *rows: LoginSession | RefreshToken) -> None:
        self.session.add_all(rows)


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_public_id(self, public_id: str) -> ApiKey | None:
        return (
            await self.session.execute(select(ApiKey).where(ApiKey.public_id == public_id))
        ).scalar_one_or_none()

    async def by_id(self, key_id: uuid.UUID, scope_prefix: str, *, for_update: bool = False) -> ApiKey | None:
        query = select(ApiKey).where(ApiKey.id == key_id, col(ApiKey.area_code).startswith(scope_prefix))
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def active_named(self, name: str, area_code: str) -> ApiKey | None:
        query = select(ApiKey).where(
            ApiKey.name == name,
            ApiKey.area_code == area_code,
            col(ApiKey.revoked_at).is_(None),
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def list(
        self, scope_prefix: str, *, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> Sequence[ApiKey]:
        query = select(ApiKey).where(col(ApiKey.area_code).startswith(scope_prefix))
        if after is not None:
            query = query.where(func.row(ApiKey.created_at, ApiKey.id) > func.row(*after))
        query = query.order_by(col(ApiKey.created_at), col(ApiKey.id)).limit(limit)
        return (await self.session.execute(query)).scalars().all()

    async def touch(self, key_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=at))

    def add(self, key: ApiKey) -> None:
        self.session.add(key)


class LoginFailureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def recent(
        self, *, username: str | None = None, address: str | None = None, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many failures since ``since``, and the oldest of them."""
        query = select(func.count(), func.min(LoginFailure.at)).where(LoginFailure.at >= since)
        if username is not None:
            query = query.where(LoginFailure.username == username)
        if address is not None:
            query = query.where(LoginFailure.address == address)
        count, oldest = (await self.session.execute(query)).one()
        return count, oldest

    def add(self, username: str, address: str, at: datetime) -> None:
        self.session.add(LoginFailure(username=username, address=address, at=at))

    async def forget(self, username: str) -> None:
        await self.session.execute(delete(LoginFailure).where(col(LoginFailure.username) == username))

    async def prune(self, before: datetime) -> None:
        await self.session.execute(
            delete(LoginFailure).where(col(LoginFailure.at) < before - timedelta(seconds=1))
        )
