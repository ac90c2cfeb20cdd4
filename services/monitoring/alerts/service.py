"""Alert rules: open → acknowledged → (a case, with the identification issue) or dismissed with a reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village
from services.common.auth import Permission, Principal
from services.common.concurrency import check_base_version
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.pagination import Page, cursor_field, decode_cursor, page_after
from services.common.retries import earlier_request
from services.monitoring.alerts.repository import AlertRepository, Signal
from services.monitoring.alerts.schemas import AlertDetail, AlertRead, AlertSignalRead, Declaration
from services.monitoring.codes import AlertSource, AlertState, Severity
from services.monitoring.models import Alert
from services.monitoring.references import Asked, Lookup

DECLARATION_ID_IN_USE = "declaration_id_in_use"

# Which action each state allows, and the state it leads to.
ACTIONS: dict[str, dict[str, str]] = {
    AlertState.open: {"acknowledge": AlertState.acknowledged, "dismiss": AlertState.dismissed},
    AlertState.acknowledged: {"dismiss": AlertState.dismissed},
}


def actions_for(alert: Alert, principal: Principal) -> list[str]:
    if not principal.can(Permission.alerts_handle) or not principal.covers(alert.area_code):
        return []
    return list(ACTIONS.get(alert.state, {}))


def read(alert: Alert, principal: Principal) -> AlertRead:
    return AlertRead.model_validate(alert).model_copy(update={"actions": actions_for(alert, principal)})


class AlertService:
    def __init__(self, session: AsyncSession) -> None:
        self.repository = AlertRepository(session)

    async def detail(self, alert_id: uuid.UUID, principal: Principal) -> AlertDetail:
        alert = await self._get(alert_id, principal)
        history = [AlertSignalRead.model_validate(s) for s in await self.repository.signals_of(alert.id)]
        return AlertDetail(**read(alert, principal).model_dump(), history=history)

    async def act(
        self,
        alert_id: uuid.UUID,
        action: str,
        base_version: int,
        principal: Principal,
        reason: str | None = None,
    ) -> Alert:
        alert = await self._get(alert_id, principal, lock=True)
        check_base_version(
            alert.version, base_version, lambda: read(alert, principal).model_dump(mode="json")
        )
        allowed = ACTIONS.get(alert.state, {})
        if action not in allowed:
            raise Conflict(
                f"An alert that is {alert.state} cannot be {action}d "
                f"(allowed now: {', '.join(allowed) or 'nothing'})",
                code="alert_state",
                current=read(alert, principal).model_dump(mode="json"),
            )
        alert.state = allowed[action]
        alert.handled_by = principal.id
        alert.handled_at = datetime.now(UTC)
        alert.dismissal_reason = reason
        alert.version += 1
        await self.repository.session.flush()
        return alert

    async def list(
        self, principal: Principal, *, limit: int, cursor: str | None, **filters: Any
    ) -> Page[AlertRead]:
        after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
        rows = await self.repository.list(principal.scope_prefix, after=after, limit=limit + 1, **filters)
        return page_after(rows, limit, lambda a: read(a, principal))

    async def declare(self, data: Declaration, principal: Principal, registry: Lookup) -> tuple[Alert, bool]:
        """Raise or join the household's alert; the same declaration again is answered as the first
        was, and an id used for anything else is a conflict that names nothing of the other record."""
        source = AlertSource.self_declared.value
        reason = f"农户自主申报：{data.reason}"
        received = await self.repository.signal_from(source, str(data.id))

        async def alert_of_signal(_: uuid.UUID) -> Alert | None:  # in the caller's area only
            return await self.repository.get(received.alert_id, principal.scope_prefix) if received else None

        async def taken(_: uuid.UUID) -> bool:
            return received is not None

        def same(alert: Alert) -> bool:
            assert received is not None
            return (alert.household_id, alert.risk_code, received.reason) == (
                data.household_id,
                data.risk_code.value,
                reason,
            )

        earlier = await earlier_request(
            data.id,
            alert_of_signal,
            same,
            principal,
            "Declaration",
            taken=taken,
            code="declaration_id_in_use",
        )
        if earlier is not None:
            return earlier, False
        if not is_village(data.area_code):
            raise ValidationFailed.field(
                ["body", "area_code"], f"{data.area_code} is not a village code", "not_a_village"
            )
        if not principal.covers(data.area_code):
            raise Forbidden(
                f"{data.area_code} is outside your area ({principal.scope})", code="outside_scope"
            )
        known = await registry(Asked(households={data.household_id}))
        if (problem := known.household_problem(data.household_id, ["body", "household_id"])) is not None:
            raise problem
        signal = Signal(
            household_id=data.household_id,
            area_code=known.villages[data.household_id],  # the registry's village, as for a visit
            risk_code=data.risk_code.value,
            severity=Severity.medium.value,
            reason=reason,
            rule_version="self_declared@1",
            source=source,
            source_id=str(data.id),
            raised_at=datetime.now(UTC),
        )
        [alert_id] = await self.repository.raise_signals([signal])
        return await self._get(alert_id, principal), True

    async def _get(self, alert_id: uuid.UUID, principal: Principal, *, lock: bool = False) -> Alert:
        alert = await self.repository.get(alert_id, principal.scope_prefix, lock=lock)
        if alert is None:
            raise NotFound(f"No alert {alert_id}", code="alert_not_found")
        return alert
