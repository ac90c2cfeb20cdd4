"""SQL of household requests: every query applies the caller's scope."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.monitoring.codes import AlertSource
from services.monitoring.models import (
    Alert,
    AlertSignal,
    HouseholdRequest,
    HouseholdRequestStep,
    Inspection,
)
from services.monitoring.requests.workflow import OPEN_STATES

OPEN = [s.value for s in OPEN_STATES]


class RequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(self, values: dict[str, Any]) -> bool:
        """False: a request with this id exists (a retry, or a racing copy that committed first)."""
        table = table_of(HouseholdRequest)
        inserted = await self.session.execute(
            insert(table).values(**values).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def anywhere(self, request_id: uuid.UUID) -> HouseholdRequest | None:
        """In any area: only to tell a retry from another request's id (never shown)."""
        return await self.session.get(HouseholdRequest, request_id, populate_existing=True)

    async def get(
        self, request_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> HouseholdRequest | None:
        query = select(HouseholdRequest).where(
            col(HouseholdRequest.id) == request_id, in_scope(col(HouseholdRequest.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def steps(self, request_id: uuid.UUID) -> Sequence[HouseholdRequestStep]:
        query = (
            select(HouseholdRequestStep)
            .where(col(HouseholdRequestStep.request_id) == request_id)
            .order_by(col(HouseholdRequestStep.id))
        )
        return (await self.session.execute(query)).scalars().all()

    def add_step(self, values: dict[str, Any]) -> None:
        self.session.add(HouseholdRequestStep(**values))

    async def list(
        self,
        scope_prefix: str,
        within: str,
        *,
        state: str | None = None,
        channel: str | None = None,
        household_id: uuid.UUID | None = None,
        overdue_on: date | None = None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[HouseholdRequest]:
        r = HouseholdRequest
        query = select(r).where(in_scope(col(r.area_code), scope_prefix), in_scope(col(r.area_code), within))
        if state is not None:
            query = query.where(col(r.state) == state)
        if channel is not None:
            query = query.where(col(r.channel) == channel)
        if household_id is not None:
            query = query.where(col(r.household_id) == household_id)
        if overdue_on is not None:  # still open after its due day
            query = query.where(col(r.state).in_(OPEN), col(r.due_on) < overdue_on)
        if after is not None:
            query = query.where(col(r.id) > after)
        return (await self.session.execute(query.order_by(col(r.id)).limit(limit))).scalars().all()

    async def visit_of(self, inspection_id: uuid.UUID, scope_prefix: str) -> uuid.UUID | None:
        """The household of a visit in the caller's area (None: no such visit there)."""
        query = select(col(Inspection.household_id)).where(
            col(Inspection.id) == inspection_id, in_scope(col(Inspection.area_code), scope_prefix)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def declaration_of(self, declaration_id: uuid.UUID, scope_prefix: str) -> uuid.UUID | None:
        """The household of a self-declaration (农户自主申报) in the caller's area."""
        query = (
            select(col(Alert.household_id))
            .join(AlertSignal, col(AlertSignal.alert_id) == col(Alert.id))
            .where(
                col(AlertSignal.source) == AlertSource.self_declared.value,
                col(AlertSignal.source_id) == str(declaration_id),
                in_scope(col(Alert.area_code), scope_prefix),
            )
        )
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()
