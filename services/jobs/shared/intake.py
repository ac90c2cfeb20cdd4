"""Jobs' creates on the one batch intake (services/common/intake): posts, assignments, courses and
enrolments, in a batch or one at a time, all answered by the request's digest.

The digest of the normalised request (the validated item as JSON, its id left out: the id is the key) is
kept with the row (``request_sha256``). The same id again is answered by it, whatever happened to the
row since (a post edited, an assignment ended, the person moved): the same request is a duplicate with
the first result, another body a conflict. So is an id stored in another area, whose problem names only
the id. Rows created before digests were kept are compared as they were then (``legacy_same``). Two
copies racing: the insert is ``ON CONFLICT DO NOTHING``, so the loser waits on the primary key until the
winner commits and is then answered by the digest the winner stored. An item without an id cannot be
retried: it gets a server id.
"""

from __future__ import annotations

import hashlib
import uuid
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.errors import Conflict, Forbidden
from services.common.ids import new_id
from services.common.intake import STORED_ELSEWHERE, BatchIntake, Entry, ItemAnswer, Refuse
from services.common.peers import PeerError
from services.jobs.shared.people import Lookup, PersonFacts

LEGACY = b""  # what ``stored`` says of a row created before digests were kept (never a sha256)


def request_digest(item: BaseModel) -> bytes:
    """The digest of a create request as received, normalised by its model (money as JSON numbers,
    dates in ISO form), without its id."""
    return hashlib.sha256(item.model_dump_json(exclude={"id"}).encode()).digest()


class ItemResult(BaseModel):
    """One item's answer."""

    index: int
    id: uuid.UUID | None = Field(
        default=None, description="The item's id (null: an item sent without one and not created)"
    )
    status: Literal["created", "duplicate", "conflict", "invalid", "forbidden"]
    error: dict | None = Field(default=None, description="The problem (as a single request would get it)")


def item_schema(what: str, path: str, model: str) -> dict[str, Any]:
    """A batch item's schema: items are checked one by one (a bad item is answered in the result, never
    fatal to the batch), so the body takes any objects; each is the single-item endpoint's body."""
    return {
        "type": "object",
        "description": f"{what} as for POST {path} ({model}), checked on its own: a bad item is answered "
        "as invalid in the result",
    }


E = TypeVar("E", bound=Entry)
R = TypeVar("R", bound=ItemAnswer)


class JobsIntake(BatchIntake[E, R]):
    what: ClassVar[str]  # "Post", "Assignment" …: how a conflict names the id

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.server_ids: set[uuid.UUID] = set()  # items sent without an id
        self.legacy: dict[Any, Any] = {}  # rows stored without a digest, by id

    @abstractmethod
    async def digests(self, keys: list[uuid.UUID]) -> Sequence[tuple[uuid.UUID, bytes | None, str, Any]]:
        """(id, stored digest, area code, the row) of the rows with these ids, in any area."""

    def legacy_same(self, entry: E, row: Any) -> bool:
        """Whether the request repeats a row stored before digests were kept."""
        return False

    def parse(self, raw: Any, index: int) -> Any:
        item = super().parse(raw, index)
        if item.id is None:  # nothing can retry it: a new row under the server's id
            item = item.model_copy(update={"id": new_id()})
            self.server_ids.add(item.id)
        return item

    def digest(self, entry: E) -> bytes:
        return request_digest(entry.item)

    def same(self, entry: E, stored: bytes | None) -> bool:
        if stored == LEGACY and entry.key in self.legacy:
            return self.legacy_same(entry, self.legacy[entry.key])
        return stored == entry.digest

    def conflict(self, key: Any) -> Conflict:
        return Conflict(f"{self.what} {key} exists with other details", code="id_in_use")

    async def stored(self, keys: list[Any]) -> dict[Any, bytes]:
        asked = [key for key in keys if key not in self.server_ids]
        found: dict[Any, bytes] = {}
        for key, digest, area_code, row in await self.digests(asked) if asked else ():
            if not self.principal.covers(area_code):
                found[key] = STORED_ELSEWHERE
            elif digest is None:
                self.legacy[key] = row
                found[key] = LEGACY
            else:
                found[key] = digest
        return found

    async def people(
        self, lookup: Lookup, entries: Sequence[Entry], refuse: Refuse
    ) -> dict[uuid.UUID, PersonFacts] | None:
        """The items' people as the registry answers in the caller's scope; None, each item refused
        (forbidden) as a single request would be, for a role that may not ask where people live."""
        if not entries:
            return {}
        try:
            return await lookup([e.item.person_id for e in entries])
        except PeerError as exc:
            if exc.status != 403:
                raise
            for e in entries:
                refuse(e, Forbidden(str(exc.detail), code=exc.code))
            return None

    def answer(
        self, index: int, key: Any, status: str, error: dict[str, Any] | None = None, **extra: Any
    ) -> R:
        if key in self.server_ids and status != "created":
            key = None  # an item sent without an id has one only once created
        return super().answer(index, key, status, error, **extra)
