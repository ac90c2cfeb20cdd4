"""One idempotent batch intake: each item answered alone by its client id, the good ones stored once.

A domain subclasses ``BatchIntake`` and plugs in its own parts: the item's model and checks, its id and
digest (what makes two sends "the same request"), the digests already stored, its per-batch checks and
the insert. The order is fixed here, for every batch:

1. each item parsed and checked on its own (in turns: other requests keep being served);
2. ``identify``: per-batch look-ups the digest depends on (a person named by ID number);
3. digests; an id twice in one batch is answered against its first item;
4. the digests already stored: a retry is answered without asking anyone anything;
5. ``admit``: per-batch checks of the rest (references to other services), which may refuse items;
6. one ``INSERT … ON CONFLICT DO NOTHING RETURNING``: the key decides, not the read in 4 (or, where
   each item is created by a service of its own, one savepoint an item: a key violation means not
   inserted, and the insert may refuse an item as a single request would be refused);
7. an id that a concurrent request stored between 4 and 6 is a duplicate if its digest is the same,
   else a conflict (however many retries race, one of them creates);
8. ``created``: the effects of the rows actually inserted (alerts, events), so no retry repeats them.

One bad item never loses the good ones: it is answered invalid, forbidden, conflict (or a status of the
domain's own, such as ``unknown_id``) with the problem a single request would have got.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from pydantic import BaseModel, ValidationError

from services.common.auth import Principal
from services.common.batches import in_turns, raw_item_id, refusal_status
from services.common.errors import Conflict, FangpinError, ValidationFailed

# A problem, or a bare status of the domain's own that carries none (partner feeds' "unknown_id").
Refusal = FangpinError | str
# The stored "digest" of an id stored outside the caller's area: no item's digest, so the id is answered
# as in use by another request (a conflict), and nothing of what was stored there is shown.
STORED_ELSEWHERE = b"\x00"


@dataclass(eq=False)
class Entry:
    """One item that passed its own checks, on its way through the batch. A domain subclasses it for
    what it learns on the way (the person, the rules' findings)."""

    index: int
    item: Any  # the domain's model, checked
    key: Hashable  # the client's id of the item
    loc: list[str | int]  # where this item's errors point
    digest: bytes = b""


class ItemAnswer(Protocol):
    """What the intake needs of a domain's answer to an item (a pydantic model with index, the key
    field, status and error, and the domain's extras): to make one, read its status and copy it."""

    def __init__(self, **fields: Any) -> None: ...

    @property
    def status(self) -> str: ...

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self: ...


E = TypeVar("E", bound=Entry)
R = TypeVar("R", bound=ItemAnswer)
Refuse = Callable[[Entry, Refusal], None]


class BatchIntake(ABC, Generic[E, R]):
    """Answers a batch (or the single-item endpoint's one item) item by item; one intake a request."""

    model: ClassVar[type[BaseModel]]  # each item, as the single-item endpoint documents it
    result_model: type[R]  # index, <key_field>, status, error, and the domain's extras
    entry_type: type[E]
    key_field: ClassVar[str] = "id"  # the client's id: on the item and on its answer
    items_field: ClassVar[str] = "items"  # where the body holds the items, for error locations
    invalid_detail: ClassVar[str]  # "Item {index} is not a valid …"

    principal: Principal
    refuse: Refuse  # answers an item with a refusal (during one ``answer_items``)

    # The domain's parts.

    def check(self, item: Any, loc: list[str | int]) -> None:  # noqa: B027 - optional
        """The item's own rules beyond its model; raise a FangpinError to refuse it."""

    def raw_key(self, raw: Any) -> Hashable | None:
        """The id of an item refused before it was valid, so that it is still answered by its id."""
        return raw_item_id(raw)

    async def identify(self, entries: list[E], refuse: Refuse) -> None:  # noqa: B027 - optional
        """Per-batch look-ups that the digest depends on."""

    @abstractmethod
    def digest(self, entry: E) -> bytes:
        """What makes a send "the same request" as another."""

    def same(self, entry: E, stored: bytes | None) -> bool:
        return stored == entry.digest

    @abstractmethod
    def conflict(self, key: Any) -> Conflict:
        """The id was received with other content; the problem names only the id."""

    @abstractmethod
    async def stored(self, keys: list[Any]) -> dict[Any, bytes]:
        """The stored digests of these ids (never called with none)."""

    def in_scope(self, rows: Mapping[Any, tuple[bytes | None, str]]) -> dict[Any, bytes]:
        """``stored``'s answer from each id's (digest, area code): STORED_ELSEWHERE where the area is
        outside the caller's."""
        return {
            key: (digest or b"") if self.principal.covers(area) else STORED_ELSEWHERE
            for key, (digest, area) in rows.items()
        }

    async def admit(self, entries: list[E], refuse: Refuse) -> None:  # noqa: B027 - optional
        """Per-batch checks of the items that will be inserted unless refused here (never called with
        none)."""

    @abstractmethod
    async def insert(self, entries: list[E]) -> set[Any]:
        """Insert the rows, ON CONFLICT DO NOTHING; the ids actually inserted (never called with none).
        An insert item by item (each in a savepoint) may refuse items with ``self.refuse``: they are
        answered so, not as an id a concurrent request stored."""

    async def created(self, entries: list[E]) -> None:  # noqa: B027 - optional
        """The effects of the rows actually inserted (never called with none)."""

    def created_fields(self, entry: E) -> dict[str, Any]:
        """What the answer to a created item says besides its status."""
        return {}

    # The intake.

    async def answer_items(self, raws: Sequence[Any], principal: Principal) -> list[R]:
        self.principal = principal
        answers: dict[int, R] = {}

        def refuse(entry: Entry, why: Refusal) -> None:
            answers[entry.index] = self.refusal(entry.index, entry.key, why)

        self.refuse = refuse
        entries = await self._checked(raws, answers)
        await self.identify(entries, refuse)
        fresh, repeats = await self._first_of_each(e for e in entries if e.index not in answers)
        if fresh:  # retries are answered without asking anyone
            for key, digest in (await self.stored(list(fresh))).items():
                entry = fresh.pop(key)
                answers[entry.index] = self._repeat(entry, digest)
        if fresh:
            await self.admit(list(fresh.values()), refuse)
            fresh = {key: e for key, e in fresh.items() if e.index not in answers}
        inserted = await self.insert(list(fresh.values())) if fresh else set()
        fresh = {key: e for key, e in fresh.items() if e.index not in answers}  # refused by the insert
        raced = [key for key in fresh if key not in inserted]
        known = await self.stored(raced) if raced else {}
        for key in raced:  # a concurrent request stored it between our read and our insert
            answers[fresh[key].index] = self._repeat(fresh[key], known.get(key))
        new = [e for key, e in fresh.items() if key in inserted]
        if new:
            await self.created(new)
        for e in new:
            answers[e.index] = self.answer(e.index, e.key, "created", **self.created_fields(e))
        for e, first in repeats:
            answers[e.index] = self._again(e, first, answers[first.index])
        return [answers[i] for i in sorted(answers)]

    def answer(
        self, index: int, key: Any, status: str, error: dict[str, Any] | None = None, **extra: Any
    ) -> R:
        return self.result_model(index=index, **{self.key_field: key}, status=status, error=error, **extra)

    def refusal(self, index: int, key: Any, why: Refusal) -> R:
        if isinstance(why, str):
            return self.answer(index, key, why)
        return self.answer(index, key, refusal_status(why), why.to_problem())

    def location(self, raw: Any, index: int) -> list[str | int]:
        """Into the batch, or (an item the single-item endpoint already checked) the body itself."""
        return ["body"] if isinstance(raw, BaseModel) else ["body", self.items_field, index]

    def parse(self, raw: Any, index: int) -> Any:
        if isinstance(raw, self.model):
            return raw  # already checked (the single-item endpoint)
        try:
            return self.model.model_validate(raw)
        except ValidationError as exc:
            detail = self.invalid_detail.format(index=index)
            raise ValidationFailed.of_item(exc, self.location(raw, index), detail) from exc

    async def _checked(self, raws: Sequence[Any], answers: dict[int, R]) -> list[E]:
        entries: list[E] = []
        async for index, raw in in_turns(enumerate(raws)):
            loc = self.location(raw, index)
            try:
                item = self.parse(raw, index)
                self.check(item, loc)
            except FangpinError as exc:
                answers[index] = self.refusal(index, self.raw_key(raw), exc)
                continue
            entries.append(self.entry_type(index, item, getattr(item, self.key_field), loc))
        return entries

    async def _first_of_each(self, entries: Iterable[E]) -> tuple[dict[Any, E], list[tuple[E, E]]]:
        """Each id's first item, and the later items that repeat an id (with their first)."""
        first: dict[Any, E] = {}
        repeats: list[tuple[E, E]] = []
        async for e in in_turns(entries):  # digests are CPU: JSON of every item
            e.digest = self.digest(e)
            if e.key in first:
                repeats.append((e, first[e.key]))
            else:
                first[e.key] = e
        return first, repeats

    def _repeat(self, entry: E, stored: bytes | None) -> R:
        """An id stored before: the same content is a duplicate with no effect, other content a conflict."""
        if self.same(entry, stored):
            return self.answer(entry.index, entry.key, "duplicate")
        return self.refusal(entry.index, entry.key, self.conflict(entry.key))

    def _again(self, entry: E, first: E, first_answer: R) -> R:
        """An id twice in one batch: other content is a conflict; the same content is answered as the
        first was (a duplicate of what the first stored or found stored, else the first's refusal)."""
        if entry.digest != first.digest:
            return self.refusal(entry.index, entry.key, self.conflict(entry.key))
        if first_answer.status in ("created", "duplicate"):
            return self.answer(entry.index, entry.key, "duplicate")
        return first_answer.model_copy(update={"index": entry.index})


def summary(items: Sequence[Any], **apart: str) -> dict[str, int]:
    """A batch's counts: created, duplicates, each status named in ``apart`` (count name = status), and
    failed: all the rest."""
    statuses = Counter(item.status for item in items)
    counts = {"created": statuses["created"], "duplicates": statuses["duplicate"]}
    counts |= {name: statuses[status] for name, status in apart.items()}
    return counts | {"failed": len(items) - sum(counts.values())}
