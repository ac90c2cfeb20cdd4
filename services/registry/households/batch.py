"""Batches of households from phones: each item stands alone, so one bad item never loses the others."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, FangpinError, Forbidden
from services.registry.households.repository import stamp_actor
from services.registry.households.schemas import BatchItemResult, BatchResult, HouseholdBatch
from services.registry.households.service import HouseholdService
from services.registry.national_id import IdVault


async def create_households(
    session: AsyncSession, vault: IdVault, batch: HouseholdBatch, principal: Principal
) -> BatchResult:
    service = HouseholdService(session, vault)
    # Said once, outside the items' savepoints (a failed item's rollback would undo it).
    await stamp_actor(session, principal)
    await service.repository.check_free(
        [item.id for item in batch.items if item.id is not None], [item.number for item in batch.items]
    )
    results = []
    for index, item in enumerate(batch.items):
        try:
            async with session.begin_nested():  # a savepoint: a failed item rolls back alone
                household, created = await service.create(item, principal, loc=("body", "items", index))
            results.append(
                BatchItemResult(index=index, status="created" if created else "duplicate", id=household.id)
            )
        except FangpinError as exc:
            status = (
                "conflict"
                if isinstance(exc, Conflict)
                else "forbidden"
                if isinstance(exc, Forbidden)
                else "invalid"
            )
            results.append(BatchItemResult(index=index, status=status, id=item.id, error=exc.to_problem()))
    created = sum(r.status == "created" for r in results)
    duplicates = sum(r.status == "duplicate" for r in results)
    return BatchResult(
        created=created, duplicates=duplicates, failed=len(results) - created - duplicates, items=results
    )
