"""The kernel's batch intake and retry check as rules: a small domain that keeps its rows in a dict
plugs in its parts; what each item is answered, and what reaches the domain's steps, is checked here.
(The real domains, inspections, employment records and partner feeds, are tested through the API.)"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from services.common.auth import Principal, PrincipalKind, Role
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.common.intake import STORED_ELSEWHERE, BatchIntake, Entry, Refuse, summary
from services.common.retries import earlier_request

CALLER = Principal("u1", "cadre", PrincipalKind.user, Role.village_cadre, "610924105201")


class Note(BaseModel):
    id: uuid.UUID
    text: str


class NoteResult(BaseModel):
    index: int
    id: uuid.UUID | None = None
    status: str
    echo: str | None = None
    error: dict | None = None


class Notes(BatchIntake[Entry, NoteResult]):
    """Texts are checked ("" invalid, "secret" forbidden), looked up ("nobody": unknown_id) and
    admitted ("dangling" refused); ``racing`` is what another request stores between read and insert."""

    model = Note
    result_model = NoteResult
    entry_type = Entry
    invalid_detail = "Item {index} is not a note"

    def __init__(self, stored: dict[uuid.UUID, bytes], racing: dict[uuid.UUID, bytes] | None = None) -> None:
        self.rows = stored
        self.racing = racing or {}
        self.admitted: list[uuid.UUID] = []
        self.effects: list[uuid.UUID] = []

    def check(self, item: Note, loc: list[str | int]) -> None:
        if not item.text:
            raise ValidationFailed.field([*loc, "text"], "Say something", "text_empty")
        if item.text == "secret":
            raise Forbidden("Not yours", code="outside_scope")

    async def identify(self, entries: list[Entry], refuse: Refuse) -> None:
        for e in entries:
            if e.item.text == "nobody":
                refuse(e, "unknown_id")

    def digest(self, entry: Entry) -> bytes:
        return digest(entry.item.text)

    def conflict(self, key: Any) -> Conflict:
        return Conflict(f"Note {key} was already received with other text", code="note_id_in_use")

    async def stored(self, keys: list[Any]) -> dict[Any, bytes]:
        assert keys
        return {k: self.rows[k] for k in keys if k in self.rows}

    async def admit(self, entries: list[Entry], refuse: Refuse) -> None:
        for e in entries:
            if e.item.text == "dangling":
                refuse(e, ValidationFailed.field([*e.loc, "text"], "Names nothing", "dangling"))
            else:
                self.admitted.append(e.key)

    async def insert(self, entries: list[Entry]) -> set[Any]:
        assert entries
        self.rows |= self.racing  # committed by another request after our read
        new = {e.key: e.digest for e in entries if e.key not in self.rows}
        self.rows |= new
        return set(new)

    async def created(self, entries: list[Entry]) -> None:
        self.effects += [e.key for e in entries]

    def created_fields(self, entry: Entry) -> dict[str, Any]:
        return {"echo": entry.item.text}


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def note(text: str, note_id: uuid.UUID | None = None) -> dict[str, str]:
    return {"id": str(note_id or uuid.uuid4()), "text": text}


async def test_each_item_is_answered_alone_in_the_order_sent() -> None:
    kept, changed = uuid.uuid4(), uuid.uuid4()
    intake = Notes({kept: digest("kept"), changed: digest("before")})
    raws: list[Any] = [
        note("new"),
        {"id": "not-a-uuid", "text": 1},
        {"id": str(kept), "text": ""},
        note("secret"),
        note("nobody"),
        note("dangling"),
        note("kept", kept),
        note("after", changed),
    ]
    items = await intake.answer_items(raws, CALLER)
    assert [(i.index, i.status) for i in items] == [
        (0, "created"),
        (1, "invalid"),
        (2, "invalid"),
        (3, "forbidden"),
        (4, "unknown_id"),
        (5, "invalid"),
        (6, "duplicate"),
        (7, "conflict"),
    ]
    assert items[0].echo == "new" and items[0].error is None
    assert items[1].id is None and items[1].error["detail"] == "Item 1 is not a note"  # type: ignore[index]
    assert {e["loc"][-1] for e in items[1].error["errors"]} == {"id", "text"}  # type: ignore[index]
    assert items[2].id == kept and items[2].error["errors"][0]["loc"] == ["body", "items", 2, "text"]  # type: ignore[index]
    assert items[4].error is None
    assert items[7].error["code"] == "note_id_in_use" and "before" not in str(items[7].error)  # type: ignore[index]
    # Retries were answered before the domain's checks of the batch, and caused no effect.
    assert intake.admitted == [items[0].id] and intake.effects == [items[0].id]
    assert summary(items) == {"created": 1, "duplicates": 1, "failed": 6}
    assert summary(items, unknown_ids="unknown_id") == {
        "created": 1,
        "duplicates": 1,
        "unknown_ids": 1,
        "failed": 5,
    }


async def test_a_retry_racing_between_read_and_insert_is_a_duplicate_or_a_conflict() -> None:
    same, other = uuid.uuid4(), uuid.uuid4()
    intake = Notes({}, racing={same: digest("a"), other: digest("x")})
    items = await intake.answer_items([note("a", same), note("b", other), note("c")], CALLER)
    assert [i.status for i in items] == ["duplicate", "conflict", "created"]
    assert intake.effects == [items[2].id]  # only what this request inserted


async def test_an_id_stored_outside_the_callers_area_is_a_conflict_that_shows_nothing() -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    intake = Notes({})
    intake.principal = CALLER
    rows = {mine: (digest("a"), "610924105201"), theirs: (digest("a"), "610924105202")}
    stored = intake.in_scope(rows)
    assert stored == {mine: digest("a"), theirs: STORED_ELSEWHERE}
    intake.rows = stored
    items = await intake.answer_items([{"id": str(k), "text": "a"} for k in (mine, theirs)], CALLER)
    assert [(i.status, i.error and i.error["code"]) for i in items] == [
        ("duplicate", None),
        ("conflict", "note_id_in_use"),
    ]
    assert str(theirs) in items[1].error["detail"] and "610924105202" not in str(items[1].error)


async def test_an_id_twice_in_one_batch_is_answered_as_its_first_item_was() -> None:
    new, taken, refused = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    intake = Notes({taken: digest("theirs")})
    raws = [
        note("a", new),
        note("a", new),
        note("b", new),
        note("mine", taken),
        note("mine", taken),
        note("dangling", refused),
        note("dangling", refused),
    ]
    items = await intake.answer_items(raws, CALLER)
    assert [i.status for i in items] == [
        "created",
        "duplicate",
        "conflict",
        "conflict",
        "conflict",  # nothing of it was stored: no "duplicate" that would say so
        "invalid",
        "invalid",
    ]
    assert items[6].index == 6 and items[6].error["code"] == items[5].error["code"]  # type: ignore[index]
    assert intake.effects == [new]


async def test_the_single_item_endpoints_item_points_its_errors_at_the_body() -> None:
    [item] = await Notes({}).answer_items([Note(id=uuid.uuid4(), text="")], CALLER)
    assert item.status == "invalid" and item.error["errors"][0]["loc"] == ["body", "text"]  # type: ignore[index]


@dataclass
class Record:
    id: uuid.UUID
    area_code: str
    text: str


async def test_a_retry_must_repeat_the_first_request_from_the_callers_area() -> None:
    ours = Record(uuid.uuid4(), "610924105201", "a")
    theirs = Record(uuid.uuid4(), "610925100201", "a")
    rows = {r.id: r for r in (ours, theirs)}

    async def find(record_id: uuid.UUID) -> Record | None:
        return rows.get(record_id)

    def repeat(text: str) -> Any:
        return lambda record: record.text == text

    assert await earlier_request(None, find, repeat("a"), CALLER, "Note") is None
    assert await earlier_request(uuid.uuid4(), find, repeat("a"), CALLER, "Note") is None
    assert await earlier_request(ours.id, find, repeat("a"), CALLER, "Note") is ours
    for record_id, text in ((ours.id, "b"), (theirs.id, "a")):
        with pytest.raises(Conflict) as refused:
            await earlier_request(record_id, find, repeat(text), CALLER, "Note")
        problem = refused.value.to_problem()
        assert problem["code"] == "id_in_use" and "610925" not in str(problem)

    async def in_my_area(record_id: uuid.UUID) -> Record | None:
        found = rows.get(record_id)
        return found if found is not None and CALLER.covers(found.area_code) else None

    async def taken(record_id: uuid.UUID) -> bool:
        return record_id in rows

    with pytest.raises(Conflict):
        await earlier_request(theirs.id, in_my_area, repeat("a"), CALLER, "Note", taken=taken)
    assert await earlier_request(uuid.uuid4(), in_my_area, repeat("a"), CALLER, "Note", taken=taken) is None
