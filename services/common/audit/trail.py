"""What one request did, collected as it runs and written with its unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:  # annotations only: the trail holds the caller, it does not check it
    from services.common.auth import Principal

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_KEY = "audit_trail"


class Outcome(StrEnum):
    success = "success"
    denied = "denied"  # 401/403: not allowed
    rejected = "rejected"  # other 4xx: bad input, conflict, not found
    failed = "failed"  # 5xx: our fault


def outcome_for_status(status: int) -> Outcome:
    if status < 400:
        return Outcome.success
    if status in (401, 403):
        return Outcome.denied
    if status < 500:
        return Outcome.rejected
    return Outcome.failed


@dataclass
class AuditEntry:
    action: str
    resource_type: str | None = None
    resource_id: str | None = None
    area_code: str | None = None
    changes: dict[str, Any] | None = None
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class AuditTrail:
    """The audit entries of one request, and who made it from where."""

    method: str
    route: str
    request_id: str | None
    address: str | None
    client: str | None
    path_params: dict[str, str] = field(default_factory=dict)
    principal: Principal | None = None
    entries: list[AuditEntry] = field(default_factory=list)

    def record(
        self,
        action: str,
        resource_type: str | None = None,
        resource_id: str | None = None,
        *,
        area_code: str | None = None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        self.entries.append(AuditEntry(action, resource_type, resource_id, area_code, changes))

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    def entries_to_write(self, succeeded: bool) -> list[AuditEntry]:
        """The recorded entries, or one generic entry so that no write goes untraced."""
        if self.entries:
            if succeeded:
                return self.entries
            # Nothing changed: keep what was attempted, not the changes.
            return [
                AuditEntry(e.action, e.resource_type, e.resource_id, e.area_code, None) for e in self.entries
            ]
        resource_id = next(iter(self.path_params.values()), None)
        resource_type = _resource_of(self.route)
        return [AuditEntry(f"{self.method.lower()} {self.route}", resource_type, resource_id)]

    def actor_columns(self) -> dict[str, Any]:
        p = self.principal
        return {
            "request_id": self.request_id,
            "actor_id": p.id if p else None,
            "actor_name": p.name if p else None,
            "actor_kind": p.kind.value if p else None,
            "actor_role": p.role.value if p else None,
            "actor_scope": p.scope if p else None,
            "address": (p.address if p and p.address else self.address),
            "client": (p.client if p and p.client else self.client),
        }


def _resource_of(route: str) -> str | None:
    parts = [p for p in route.split("/") if p and not p.startswith("{")]
    if len(parts) >= 3 and parts[0] == "api":
        return parts[2]
    return parts[-1] if parts else None


def audit_trail(session: AsyncSession) -> AuditTrail:
    """The trail of the request this session serves (service code records its changes here)."""
    trail: AuditTrail | None = session.info.get(SESSION_KEY)
    if trail is None:
        raise RuntimeError("this session does not belong to a request; use the request's session")
    return trail


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that differ (for an update's audit entry)."""
    return {
        key: [old.get(key), new.get(key)]
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    }
