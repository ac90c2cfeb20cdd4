"""Bureau systems' project records and fund movements on the one batch intake (services/common/intake).

Each item is created by the single form's own service (``ProjectService.create``, ``record_movement``)
in a savepoint of its own, so it meets the same checks — an area in the sender's scope, a day not in
the future, received never above the budget and paid never above received — and a refused item keeps
nothing while the others are kept. A record's id is its key: the same record again (by a batch or the
single form) is a duplicate, the id with other content a conflict."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.errors import Conflict, FangpinError, ValidationFailed
from services.common.intake import BatchIntake, Entry, summary
from services.common.retries import request_digest
from services.projects.partner.schemas import MovementPush, ProjectPush, PushBatchResult, PushResult
from services.projects.service import ProjectService


@dataclass(eq=False)
class _Record(Entry):
    key: uuid.UUID
    area_code: str = ""
    changes: dict[str, Any] | None = None  # what the audit says it changed


def _located(exc: FangpinError, loc: list[str | int]) -> FangpinError:
    """The single form's problem with its field errors pointing into the batch's item."""
    if isinstance(exc, ValidationFailed) and loc != ["body"]:
        for error in exc.extra.get("errors", []):
            path = list(error.get("loc", []))
            error["loc"] = [*loc, *path[1:]] if path[:1] == ["body"] else [*loc, *path]
    return exc


class _PushIntake(BatchIntake[_Record, PushResult]):
    result_model = PushResult
    entry_type = _Record

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.service = ProjectService(session)

    async def take(self, raws: Sequence[Any], principal: Principal) -> PushBatchResult:
        items = await self.answer_items(raws, principal)
        return PushBatchResult(**summary(items), items=items)

    async def insert(self, entries: list[_Record]) -> set[Any]:
        inserted: set[Any] = set()
        for e in sorted(entries, key=lambda e: str(e.key)):
            async with self.session.begin_nested() as savepoint:
                try:
                    if await self.create(e):
                        inserted.add(e.key)
                except FangpinError as exc:
                    await savepoint.rollback()
                    self.refuse(e, _located(exc, e.loc))
        return inserted

    async def create(self, entry: _Record) -> bool:
        """Create the item by the single form's service; False when a concurrent copy stored it."""
        raise NotImplementedError


class ProjectPushIntake(_PushIntake):
    model = ProjectPush
    invalid_detail = "Item {index} is not a valid project record"

    def digest(self, entry: _Record) -> bytes:
        return request_digest(entry.item.single())

    def conflict(self, key: Any) -> Conflict:
        return Conflict(f"Project {key} exists with other details", code="project_id_in_use")

    async def stored(self, keys: list[Any]) -> dict[Any, bytes]:
        return self.in_scope(await self.service.repository.digests(keys))

    async def create(self, entry: _Record) -> bool:
        body = entry.item.single()
        project, created = await self.service.create(body, self.principal)
        entry.area_code = project.area_code
        entry.changes = {"budget_fen": [None, {b.source.value: b.budget_fen for b in body.budget}]}
        return created

    async def created(self, entries: list[_Record]) -> None:
        trail = audit_trail(self.session)
        for e in entries:
            trail.record("project.create", "project", str(e.key), area_code=e.area_code, changes=e.changes)


def _with_project(digest: bytes | None, project_id: uuid.UUID) -> bytes:
    """A movement's request digest bound to its project (the single form's path), for the comparison."""
    return hashlib.sha256((digest or b"") + project_id.bytes).digest()


class MovementPushIntake(_PushIntake):
    model = MovementPush
    invalid_detail = "Item {index} is not a valid fund movement"

    def digest(self, entry: _Record) -> bytes:
        return _with_project(request_digest(entry.item.single()), entry.item.project_id)

    def conflict(self, key: Any) -> Conflict:
        return Conflict(f"Movement {key} exists with other details", code="movement_id_in_use")

    async def stored(self, keys: list[Any]) -> dict[Any, bytes]:
        rows = await self.service.repository.movement_digests(keys)
        return self.in_scope({k: (_with_project(d, p), a) for k, (d, a, p) in rows.items()})

    async def create(self, entry: _Record) -> bool:
        item: MovementPush = entry.item
        try:
            movement, before = await self.service.record_movement(
                item.project_id, item.single(), self.principal
            )
        except FangpinError as exc:
            if getattr(exc, "code", None) == "project_not_found":  # a body's id: the item's field
                msg = f"No project {item.project_id} in your area"
                raise ValidationFailed.field(["body", "project_id"], msg, "project_not_found") from exc
            raise
        if before is None:
            return False  # a retry: answered by its digest
        entry.area_code = movement.area_code
        total = f"{movement.kind}_fen"
        entry.changes = {
            f"{movement.source}.{total}": [before[total], before[total] + movement.amount_fen],
            "movement": [
                None,
                {"id": str(movement.id), "voucher": movement.voucher, "on": str(movement.moved_on)},
            ],
        }
        return True

    async def created(self, entries: list[_Record]) -> None:
        trail = audit_trail(self.session)
        for e in entries:
            item: MovementPush = e.item
            trail.record(
                f"project.fund_{item.kind.value}",
                "project",
                str(item.project_id),
                area_code=e.area_code,
                changes=e.changes,
            )
