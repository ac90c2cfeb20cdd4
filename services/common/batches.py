"""What the batch endpoints (inspections, employment records) share about one item: where its errors
point, its id before it is known to be valid, which answer a refusal is, and how the single-item
endpoint answers an item the batch intake judged."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Response
from pydantic import BaseModel

from services.common.errors import Conflict, FangpinError, Forbidden, ValidationFailed


def item_location(raw: Any, index: int) -> list[str | int]:
    """Into the batch, or (an item the single-item endpoint already checked) the body itself."""
    return ["body"] if isinstance(raw, BaseModel) else ["body", "items", index]


def raw_item_id(raw: Any) -> uuid.UUID | None:
    """The item's id as sent, if it is one, so that even an invalid item is answered by its id."""
    if isinstance(raw, BaseModel):
        return getattr(raw, "id", None)
    try:
        return uuid.UUID(raw.get("id")) if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    except ValueError:
        return None


def refusal_status(exc: FangpinError) -> str:
    return (
        "conflict" if isinstance(exc, Conflict) else "forbidden" if isinstance(exc, Forbidden) else "invalid"
    )


def answer_single(item: Any, response: Response) -> None:
    """200 for a retry; a refused item's own problem raised as the response (a new one stays 201)."""
    if item.status == "duplicate":
        response.status_code = 200
    elif item.error is not None:
        error = {"conflict": Conflict, "forbidden": Forbidden}.get(item.status, ValidationFailed)
        problem = dict(item.error)
        detail, code = problem.pop("detail"), problem.pop("code")
        for key in ("type", "title", "status"):
            problem.pop(key, None)
        raise error(detail, code=code, **problem)
