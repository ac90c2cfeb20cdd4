"""A single create that takes the client's id: the same id again must repeat the first request.

A phone that lost the answer sends the request again with the same id and gets the first result. The id
of another request, or of a record in another area, is a conflict whose problem names only the id: it
says nothing of the other record (not its area, not that it is someone else's). Batches answer the same
rule item by item (``services.common.intake``).

``ExactCreate`` is the rule where the request's digest is kept with the row (the registry's creates):
the same request is answered by the stored record whatever changed since, and of two identical copies
at once the second waits for the first and answers its result.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, NotFound


class _Placed(Protocol):
    area_code: str


T = TypeVar("T", bound=_Placed)
R = TypeVar("R")


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


async def insert_once(
    session: AsyncSession, row: R, earlier: Callable[[], Awaitable[R | None]]
) -> tuple[R, bool]:
    """Insert ``row``, whose key is the client's id: ``(row, True)``. A copy of the same request that
    commits first (a retry racing its original) makes this insert wait on the key and fail; the request
    is then answered by that copy, ``(copy, False)``, as a later retry would be (``earlier``: the
    caller's ``earlier_request``, which still refuses another request's id)."""
    try:
        async with session.begin_nested():  # a key violation rolls back this insert alone
            session.add(row)
            await session.flush()
    except IntegrityError:
        if (copy := await earlier()) is None:
            raise
        return copy, False
    await session.refresh(row)
    return row, True


def request_digest(body: BaseModel, *context: object) -> bytes:
    """sha256 of a create request as received: its validated body as JSON (the schema's field order),
    then what the path adds to it (the household a member joins, the cadre a pairing is for)."""
    digest = hashlib.sha256(body.model_dump_json().encode())
    for part in context:
        digest.update(b"\x00" + str(part).encode())
    return digest.digest()


class _Kept(_Placed, Protocol):
    @property  # read-only here, so a model typed ``bytes`` (never without a digest) fits as well
    def request_sha256(self) -> bytes | None: ...


K = TypeVar("K", bound=_Kept)


@dataclass
class ExactCreate(Generic[K]):
    """One create that takes the client's id, answered exactly by the request's digest kept with the row.

    The same request again is answered by the stored record whatever happened to it since (an edit, a
    move): ``(record, False)``, a 200; a 404 like a read's (``missing``) when it has left the caller's
    area, saying nothing of where it went. Another request with the id is the only conflict (``code``,
    naming only the id). Rows stored before digests were kept are compared by ``legacy``.

    Two identical copies at once: the second waits and answers the first's result. Either on a lock the
    create takes (it calls ``waited`` once it holds it), or on the primary key: the insert runs in a
    savepoint, PostgreSQL makes the second insert wait for the first's transaction, and its key
    violation is then answered by the digest the first stored.
    """

    session: AsyncSession
    client_id: uuid.UUID | None
    digest: bytes
    find: Callable[[uuid.UUID], Awaitable[K | None]]  # unscoped: the id in any area
    principal: Principal
    what: str  # "Cadre": the problem's words
    code: str  # the resource's own "…_id_in_use"
    missing: str  # the code its read answers 404 with
    legacy: Callable[[K], bool] | None = None
    _found: K | None = field(default=None, init=False)  # the stored record, once answered by it

    async def earlier(self) -> K | None:
        """The stored record this request repeats, or None when its id is new."""
        if self.client_id is None:
            return None
        stored = await self.find(self.client_id)
        if stored is None:
            return None
        if stored.request_sha256 is not None:
            same = stored.request_sha256 == self.digest
        else:
            same = self.legacy is not None and self.legacy(stored)
        if not same:
            raise Conflict(f"{self.what} id {self.client_id} is already in use", code=self.code)
        if not self.principal.covers(stored.area_code):
            raise NotFound(f"No {self.what.lower()} {self.client_id} in your area", code=self.missing)
        self._found = stored
        return stored

    async def waited(self) -> K | None:
        """Called by a create once it holds the lock a concurrent copy would hold: that copy's record,
        which the create returns (``run`` answers it as a retry)."""
        return await self.earlier()

    async def run(self, create: Callable[[], Awaitable[tuple[K, bool]]]) -> tuple[K, bool]:
        """The record and whether this request created it (``create`` says so of what it returns)."""
        if (stored := await self.earlier()) is not None:
            return stored, False
        try:
            async with self.session.begin_nested():  # a key violation rolls back this create alone
                made, created = await create()
        except (IntegrityError, Conflict):
            # A copy that committed first (the key, or a unique index it also fills): answer by its digest.
            if self.client_id is None or (stored := await self.earlier()) is None:
                raise
            return stored, False
        return made, created and made is not self._found
