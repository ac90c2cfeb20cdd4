"""The settlements' SQL, always in the caller's area (``scope_prefix``): a settlement by its own area,
a household signed up (and its payments and reports) by the household's village."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.projects.relocation.models import (
    DownPayment,
    Relocatee,
    RelocationReport,
    Settlement,
    UnitType,
)

DATE_COLUMNS = {"handed_over": "handed_over_on", "moved_in": "moved_in_on", "demolished": "demolished_on"}


class SettlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Settlements ---------------------------------------------------------------------------------

    async def get(
        self, settlement_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> Settlement | None:
        query = select(Settlement).where(
            col(Settlement.id) == settlement_id, in_scope(col(Settlement.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_anywhere(self, settlement_id: uuid.UUID) -> Settlement | None:
        """For a retry's check only."""
        return await self.session.get(Settlement, settlement_id)

    async def of_project(self, project_id: uuid.UUID) -> Settlement | None:
        query = select(Settlement).where(col(Settlement.project_id) == project_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def insert(self, values: dict[str, Any], unit_types: list[dict[str, Any]]) -> bool:
        """False when the id (or the project) is taken: a retry, or a race's loser."""
        table = table_of(Settlement)
        inserted = await self.session.execute(
            insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
        )
        if inserted.scalar_one_or_none() is None:
            return False
        await self.session.execute(insert(table_of(UnitType)).values(unit_types))
        return True

    async def page(
        self, scope_prefix: str, within: str, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[Settlement]:
        s = Settlement
        query = select(s).where(in_scope(col(s.area_code), scope_prefix), in_scope(col(s.area_code), within))
        if after is not None:
            query = query.where(col(s.id) > after)
        return (await self.session.execute(query.order_by(col(s.id)).limit(limit))).scalars().all()

    async def in_area(self, scope_prefix: str, within: str) -> Sequence[Settlement]:
        s = Settlement
        query = select(s).where(in_scope(col(s.area_code), scope_prefix), in_scope(col(s.area_code), within))
        return (await self.session.execute(query.order_by(col(s.area_code), col(s.name)))).scalars().all()

    async def unit_types(self, settlement_ids: Sequence[uuid.UUID]) -> Sequence[UnitType]:
        query = select(UnitType).where(col(UnitType.settlement_id).in_(settlement_ids))
        return (await self.session.execute(query.order_by(col(UnitType.code)))).scalars().all()

    async def signed_up_by_type(self, settlement_id: uuid.UUID) -> dict[uuid.UUID, int]:
        rows = await self.session.execute(
            select(col(Relocatee.unit_type_id), func.count())
            .where(col(Relocatee.settlement_id) == settlement_id)
            .group_by(col(Relocatee.unit_type_id))
        )
        return {type_id: int(n) for type_id, n in rows.all()}

    # Households signed up --------------------------------------------------------------------------

    async def relocatee(
        self, settlement_id: uuid.UUID, household_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> Relocatee | None:
        r = Relocatee
        query = select(r).where(
            col(r.settlement_id) == settlement_id,
            col(r.household_id) == household_id,
            in_scope(col(r.area_code), scope_prefix),
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def relocatee_anywhere(self, relocatee_id: uuid.UUID) -> Relocatee | None:
        return await self.session.get(Relocatee, relocatee_id)

    async def of_household(self, household_id: uuid.UUID) -> Relocatee | None:
        query = select(Relocatee).where(col(Relocatee.household_id) == household_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def insert_relocatee(self, values: dict[str, Any]) -> bool:
        """False when the id or the household is taken."""
        table = table_of(Relocatee)
        inserted = await self.session.execute(
            insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def relocatees(
        self,
        settlement_id: uuid.UUID,
        scope_prefix: str,
        *,
        after: uuid.UUID | None = None,
        limit: int | None = None,
    ) -> Sequence[Relocatee]:
        r = Relocatee
        query = select(r).where(
            col(r.settlement_id) == settlement_id, in_scope(col(r.area_code), scope_prefix)
        )
        if after is not None:
            query = query.where(col(r.id) > after)
        query = query.order_by(col(r.id))
        if limit is not None:
            query = query.limit(limit)
        return (await self.session.execute(query)).scalars().all()

    async def set_date(self, relocatee_id: uuid.UUID, kind: str, day: date) -> bool:
        """Record a handover, move-in or demolition once: False when it was recorded already."""
        name = DATE_COLUMNS[kind]
        table = table_of(Relocatee)
        done = await self.session.execute(
            update(table)
            .where(table.c.id == relocatee_id, table.c[name].is_(None))
            .values({name: day})
            .returning(table.c.id)
        )
        return done.scalar_one_or_none() is not None

    # Down-payments -------------------------------------------------------------------------------

    async def payment(self, payment_id: uuid.UUID) -> DownPayment | None:
        return await self.session.get(DownPayment, payment_id)

    async def insert_payment(self, values: dict[str, Any]) -> bool:
        table = table_of(DownPayment)
        inserted = await self.session.execute(
            insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
        )
        if inserted.scalar_one_or_none() is None:
            return False
        r = table_of(Relocatee)
        await self.session.execute(
            update(r)
            .where(r.c.id == values["relocatee_id"])
            .values(
                paid_fen=r.c.paid_fen + values["amount_fen"],
                last_paid_on=func.greatest(r.c.last_paid_on, values["paid_on"]),
            )
        )
        return True

    async def paid_by(
        self, settlement_ids: Sequence[uuid.UUID], day: date, scope_prefix: str
    ) -> dict[uuid.UUID, int]:
        """Each household's (relocatee id) down-payments paid on or before ``day``."""
        p = DownPayment
        rows = await self.session.execute(
            select(col(p.relocatee_id), func.sum(col(p.amount_fen)))
            .where(
                col(p.settlement_id).in_(settlement_ids),
                col(p.paid_on) <= day,
                in_scope(col(p.area_code), scope_prefix),
            )
            .group_by(col(p.relocatee_id))
        )
        return {relocatee: int(total) for relocatee, total in rows.all()}

    async def all_relocatees(
        self, settlement_ids: Sequence[uuid.UUID], scope_prefix: str
    ) -> Sequence[Relocatee]:
        r = Relocatee
        query = select(r).where(
            col(r.settlement_id).in_(settlement_ids), in_scope(col(r.area_code), scope_prefix)
        )
        return (await self.session.execute(query.order_by(col(r.settlement_id), col(r.id)))).scalars().all()

    # Reports -------------------------------------------------------------------------------------

    async def report_digests(self, report_ids: list[Any]) -> dict[uuid.UUID, tuple[bytes, str]]:
        r = RelocationReport
        rows = await self.session.execute(
            select(col(r.id), col(r.request_sha256), col(r.area_code)).where(col(r.id).in_(report_ids))
        )
        return {report_id: (digest, area) for report_id, digest, area in rows.all()}

    async def relocatees_of(
        self, pairs: list[tuple[uuid.UUID, uuid.UUID]], scope_prefix: str
    ) -> dict[tuple[uuid.UUID, uuid.UUID], Relocatee]:
        """(settlement, household) → the household signed up there, in the caller's area."""
        r = Relocatee
        households = list({h for _, h in pairs})
        rows = await self.session.execute(
            select(r).where(col(r.household_id).in_(households), in_scope(col(r.area_code), scope_prefix))
        )
        found = {(x.settlement_id, x.household_id): x for x in rows.scalars()}
        return {pair: found[pair] for pair in pairs if pair in found}

    async def insert_report(self, values: dict[str, Any]) -> bool:
        """False when the id, or the household's report of that kind, is taken."""
        table = table_of(RelocationReport)
        inserted = await self.session.execute(
            insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def report(self, report_id: uuid.UUID, scope_prefix: str) -> RelocationReport | None:
        r = RelocationReport
        query = select(r).where(col(r.id) == report_id, in_scope(col(r.area_code), scope_prefix))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def reports(
        self,
        scope_prefix: str,
        within: str,
        *,
        settlement_id: uuid.UUID | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[RelocationReport]:
        r = RelocationReport
        query = select(r).where(in_scope(col(r.area_code), scope_prefix), in_scope(col(r.area_code), within))
        if settlement_id is not None:
            query = query.where(col(r.settlement_id) == settlement_id)
        if after is not None:
            query = query.where(col(r.id) > after)
        return (await self.session.execute(query.order_by(col(r.id)).limit(limit))).scalars().all()
