"""A single create that takes the client's id: the same id again must repeat the first request.

A phone that lost the answer sends the request again with the same id and gets the first result. The id
of another request, or of a record in another area, is a conflict whose problem names only the id: it
says nothing of the other record (not its area, not that it is someone else's). Batches answer the same
rule item by item (``services.common.intake``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from services.common.auth import Principal
from services.common.errors import Conflict


class _Placed(Protocol):
    area_code: str


T = TypeVar("T", bound=_Placed)


async def earlier_request(
    client_id: uuid.UUID | None,
    find: Callable[[uuid.UUID], Awaitable[T | None]],
    same: Callable[[T], bool],
    principal: Principal,
    what: str,
    *,
    taken: Callable[[uuid.UUID], Awaitable[bool]] | None = None,
    code: str = "id_in_use",
) -> T | None:
    """The record this request repeats, or None when its id is new.

    ``find`` looks the id up in any area; or only in the caller's, when ``taken`` tells whether the id
    is used anywhere. ``same`` says whether the request repeats the stored record. A conflict otherwise
    (``code``: the resource's own, where its API names one).
    """
    if client_id is None:
        return None
    earlier = await find(client_id)
    if earlier is not None and principal.covers(earlier.area_code) and same(earlier):
        return earlier
    if earlier is None and (taken is None or not await taken(client_id)):
        return None
    raise Conflict(f"{what} {client_id} exists with other details", code=code)
