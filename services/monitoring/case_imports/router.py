"""Bringing past cases in (历史监测对象迁移): a county switching to fangpin imports its years of 监测对象
with their real dates. County administrators only; audited as an import, item by item."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.database import SessionDep
from services.common.guards import requires
from services.monitoring.case_imports.schemas import CaseImport, CaseImportResult
from services.monitoring.case_imports.service import CaseImportIntake
from services.monitoring.references import registry_lookup

router = APIRouter(prefix="/api/v1/case-imports", tags=["cases"])

# Bulk imports are the county administrator's alone (imports:run).
Importer = Annotated[Principal, requires(Permission.imports_run)]


@router.post("", response_model=CaseImportResult)
async def import_past_cases(
    body: CaseImport, principal: Importer, session: SessionDep, request: Request
) -> CaseImportResult:
    """Up to 1,000 past cases with the dates of their steps; each answered alone: created, duplicate
    (sent before), conflict (its id taken, or the household has another case then) or invalid (dates
    that cannot be, a household not in your area)."""
    result = await CaseImportIntake(session, registry_lookup(request)).take(body.items, principal)
    trail = audit_trail(session)
    for item in result.items:
        if item.status == "created":
            trail.record("case.import", "case", str(item.id), area_code=item.area_code)
    return result
