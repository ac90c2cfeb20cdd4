"""Batches of households from phones: each item stands alone, so one bad item never loses the others."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, FangpinError, Forbidden
from services.registry.disclosures import Disclosing, DisclosureGate
from services.registry.households.repository import stamp_actor
from services.registry.households.schemas import BatchItemResult, BatchResult, HouseholdBatch
from services.registry.households.service import HouseholdService
from services.registry.national_id import IdVault


async def create_households(
    session: AsyncSession, vault: IdVault, batch: HouseholdBatch, principal: Principal, gate: DisclosureGate
) -> BatchResult:
    service = HouseholdService(session, vault)
    # Said once, outside the items' savepoints (a failed item's rollback would undo it).
    await stamp_actor(session, principal)
    await service.repository.check_free(
        [item.id for item in batch.items if item.id is not None], [item.number for item in batch.items]
    )
    results: list[BatchItemResult] = []
    limited = None  # once the caller has no disclosure left, no later item is even tried
    for index, item in enumerate(batch.items):
        if limited is not None:
            results.append(_refused(index, item.id, "rate_limited", limited))
            continue
        try:
            async with session.begin_nested():  # a savepoint: a failed item rolls back alone
                household, is_new = await service.create(item, principal, loc=("body", "items", index))
            results.append(
                BatchItemResult(index=index, status="created" if is_new else "duplicate", id=household.id)
            )
        except Disclosing as exc:
            if await gate.take([exc.disclosure], status=exc.status):
                results.append(_refused(index, item.id, "conflict", exc))
                if gate.left == 0:  # the last one: what the next items would meet must not show
                    limited = gate.limited()
            else:
                limited = gate.limited()
                results.append(_refused(index, item.id, "rate_limited", limited))
        except FangpinError as exc:
            status = (
                "conflict"
                if isinstance(exc, Conflict)
                else "forbidden"
                if isinstance(exc, Forbidden)
                else "invalid"
            )
            results.append(_refused(index, item.id, status, exc))
    created = sum(r.status == "created" for r in results)
    duplicates = sum(r.status == "duplicate" for r in results)
    return BatchResult(
        created=created, duplicates=duplicates, failed=len(results) - created - duplicates, items=results
    )


def _refused(index: int, item_id: object, status: str, exc: FangpinError) -> BatchItemResult:
    return BatchItemResult(index=index, status=status, id=item_id, error=exc.to_problem())
