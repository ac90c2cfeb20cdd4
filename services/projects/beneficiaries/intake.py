"""Beneficiary links on the one batch intake (services/common/intake): a batch of up to 1,000 from a
bureau system, or the single endpoint's one item, each answered alone and retried exactly by its
request's digest. A link's project or asset must be in the caller's area and its household registered
there (the registry answers once per batch); the link lives in the household's village."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, ValidationFailed
from services.common.ids import new_id
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.common.retries import request_digest
from services.projects.beneficiaries.repository import BeneficiaryRepository
from services.projects.beneficiaries.schemas import LinkBatchResult, LinkCreate, LinkItemResult
from services.projects.registry import KnownHouseholds


@dataclass(eq=False)
class _Link(Entry):
    item: LinkCreate
    key: uuid.UUID
    area_code: str = ""


class LinkIntake(BatchIntake[_Link, LinkItemResult]):
    model = LinkCreate
    result_model = LinkItemResult
    entry_type = _Link
    invalid_detail = "Item {index} is not a valid beneficiary link"

    def __init__(self, session: AsyncSession, households: KnownHouseholds) -> None:
        self.session = session
        self.households = households
        self.repository = BeneficiaryRepository(session)

    async def take(self, raws: Sequence[Any], principal: Principal) -> LinkBatchResult:
        items = await self.answer_items(raws, principal)
        return LinkBatchResult(**summary(items), items=items)

    def parse(self, raw: Any, index: int) -> Any:
        item = super().parse(raw, index)
        if item.id is None:  # nothing can retry it: a new row under the server's id
            item = item.model_copy(update={"id": new_id()})
        return item

    def check(self, item: LinkCreate, loc: list[str | int]) -> None:
        if item.starts_on > china_today():
            raise ValidationFailed.field([*loc, "starts_on"], "starts_on is in the future", "date_in_future")

    def digest(self, entry: _Link) -> bytes:
        return request_digest(entry.item.model_copy(update={"id": None}))

    def conflict(self, key: Any) -> Conflict:
        return Conflict(f"Beneficiary link {key} exists with other details", code="link_id_in_use")

    async def stored(self, keys: list[Any]) -> dict[Any, bytes]:
        return self.in_scope(await self.repository.link_digests(keys))

    async def admit(self, entries: list[_Link], refuse: Refuse) -> None:
        """The projects and assets in the caller's area, then the households (asked of the registry once)."""
        scope = self.principal.scope_prefix
        projects = await self.repository.projects_in_scope(
            [e.item.project_id for e in entries if e.item.project_id], scope
        )
        assets = await self.repository.assets_in_scope(
            [e.item.asset_id for e in entries if e.item.asset_id], scope
        )
        placed = []
        for e in entries:
            item = e.item
            if item.project_id is not None and item.project_id not in projects:
                refuse(
                    e,
                    _invalid(
                        e, "project_id", f"No project {item.project_id} in your area", "project_not_found"
                    ),
                )
            elif item.asset_id is not None and item.asset_id not in assets:
                refuse(
                    e, _invalid(e, "asset_id", f"No asset {item.asset_id} in your area", "asset_not_found")
                )
            else:
                placed.append(e)
        if not placed:
            return
        villages = await self.households([e.item.household_id for e in placed])
        for e in placed:
            if (village := villages.get(e.item.household_id)) is None:
                household = e.item.household_id
                refuse(
                    e,
                    _invalid(
                        e, "household_id", f"No household {household} in your area", "household_not_found"
                    ),
                )
            else:
                e.area_code = village

    async def insert(self, entries: list[_Link]) -> set[Any]:
        rows = [
            {
                "id": e.key,
                "project_id": e.item.project_id,
                "asset_id": e.item.asset_id,
                "household_id": e.item.household_id,
                "area_code": e.area_code,
                "kind": e.item.kind.value,
                "starts_on": e.item.starts_on,
                "note": e.item.note,
                "request_sha256": e.digest,
                "created_by": self.principal.id,
            }
            for e in entries
        ]
        return await self.repository.insert_links(rows)

    async def created(self, entries: list[_Link]) -> None:
        trail = audit_trail(self.session)
        for e in entries:
            target = (
                {"project_id": str(e.item.project_id)}
                if e.item.project_id
                else {"asset_id": str(e.item.asset_id)}
            )
            trail.record(
                "beneficiary_link.create",
                "beneficiary_link",
                str(e.key),
                area_code=e.area_code,
                changes={
                    "link": [
                        None,
                        target | {"household_id": str(e.item.household_id), "kind": e.item.kind.value},
                    ]
                },
            )


def _invalid(entry: Entry, field: str, msg: str, code: str) -> ValidationFailed:
    """An id the caller's area does not hold (``project_not_found`` and the like), at the item's field."""
    return ValidationFailed.field([*entry.loc, field], msg, code)
