"""Contacts' and the remote-contact rules' SQL, always in the caller's area."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.oversight.contacts.models import Contact, ContactRule


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def digests(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[bytes | None, str]]:
        query = select(col(Contact.id), col(Contact.request_sha256), col(Contact.area_code)).where(
            col(Contact.id).in_(ids)
        )
        return {i: (digest, area) for i, digest, area in (await self.session.execute(query)).all()}

    async def insert(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        """The ids actually inserted; in id order, so overlapping retries wait instead of deadlocking."""
        table = table_of(Contact)
        statement = (
            insert(table)
            .values(sorted(rows, key=lambda r: r["id"]))
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(table.c.id)
        )
        return set((await self.session.execute(statement)).scalars())

    async def one(self, contact_id: uuid.UUID) -> Contact | None:
        return await self.session.get(Contact, contact_id, populate_existing=True)

    async def many(
        self,
        scope_prefix: str,
        within: str,
        *,
        cadre_id: uuid.UUID | None,
        household_id: uuid.UUID | None,
        method: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Contact]:
        query = select(Contact).where(
            in_scope(col(Contact.area_code), scope_prefix), in_scope(col(Contact.area_code), within)
        )
        if cadre_id is not None:
            query = query.where(col(Contact.cadre_id) == cadre_id)
        if household_id is not None:
            query = query.where(col(Contact.household_id) == household_id)
        if method is not None:
            query = query.where(col(Contact.method) == method)
        if after is not None:
            query = query.where(col(Contact.id) > after)
        return (await self.session.execute(query.order_by(col(Contact.id)).limit(limit))).scalars().all()

    async def by_village_and_method(self, area_prefix: str, since: date, until: date) -> list[Any]:
        """(village, method, contacts) in the area and period."""
        c = table_of(Contact).c
        query = (
            select(c.area_code, c.method, func.count().label("contacts"))
            .where(in_scope(c.area_code, area_prefix), c.day.between(since, until))
            .group_by(c.area_code, c.method)
        )
        return list((await self.session.execute(query)).all())

    async def households_by_method(self, area_prefix: str, since: date, until: date) -> dict[str | None, int]:
        """Distinct households contacted per method, and (key None) any way."""
        c = table_of(Contact).c
        where = (in_scope(c.area_code, area_prefix), c.day.between(since, until))
        per = select(c.method, func.count(c.household_id.distinct())).where(*where).group_by(c.method)
        found: dict[str | None, int] = {m: n for m, n in (await self.session.execute(per)).all()}
        found[None] = (
            await self.session.scalar(select(func.count(c.household_id.distinct())).where(*where)) or 0
        )
        return found

    # Rules: the most specific area's applies.
    async def set_rule(self, values: dict[str, Any]) -> ContactRule:
        table = table_of(ContactRule)
        statement = insert(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["area_code"],
            set_={
                "remote_counts": statement.excluded.remote_counts,
                "set_by": statement.excluded.set_by,
                "set_at": func.now(),
            },
        )
        await self.session.execute(statement)
        rule = await self.session.get(ContactRule, values["area_code"], populate_existing=True)
        assert rule is not None
        return rule

    async def rule(self, area_code: str) -> ContactRule | None:
        return await self.session.get(ContactRule, area_code)

    async def rules(self, scope_prefix: str, within: str) -> Sequence[ContactRule]:
        query = select(ContactRule).where(
            in_scope(col(ContactRule.area_code), scope_prefix), in_scope(col(ContactRule.area_code), within)
        )
        return (await self.session.execute(query.order_by(col(ContactRule.area_code)))).scalars().all()

    async def all_rules(self) -> Sequence[ContactRule]:
        """Every rule (a few rows, one per county that set one)."""
        return (await self.session.execute(select(ContactRule))).scalars().all()
