"""The audit trail: every write and every unmasked read of sensitive data, append-only, hash-chained.

Each part keeps its own chain in ``<schema>.audit_log``, written in the same transaction as the change
it describes; the gateway reads and verifies all chains together.
"""

from services.common.audit.trail import AuditTrail, Outcome, audit_trail, diff

__all__ = ["AuditTrail", "Outcome", "audit_trail", "diff"]
