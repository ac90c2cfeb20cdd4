"""The names of the areas a report's workbook shows: the area and the areas one level down, asked of the
registry as the caller (areas:read, which every role that reads the report has). A code the registry
does not name here (a destination in another province) is named from the official table
(services/common/division_names) when the workbook is written."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from gateway.reports.compose import ask_service
from services.common.auth import Principal
from services.common.pagination import MAX_PAGE_SIZE

MAX_PAGES = 20  # 10,000 child areas: more than any county has villages


async def area_names(
    request: Request, principal: Principal, area: str, timeout_s: float
) -> dict[str, str] | None:
    """Code → name of ``area`` and its children; None if the registry does not answer (the workbook
    then says the names are missing): a report is not refused for want of names."""
    own, _ = await ask_service(request, principal, "registry", f"/areas/{area}", {}, timeout_s)
    if own is None or own.status_code != 200:
        return None
    names = {area: own.json()["name"]}
    params: dict[str, Any] = {"limit": MAX_PAGE_SIZE}
    for _ in range(MAX_PAGES):
        page, _ = await ask_service(
            request, principal, "registry", f"/areas/{area}/children", params, timeout_s
        )
        if page is None or page.status_code != 200:
            break
        body = page.json()
        names |= {child["code"]: child["name"] for child in body["items"]}
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    return names
