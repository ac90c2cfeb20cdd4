"""Stable English codes that carry the Chinese label the ledgers use (documented in the OpenAPI text)."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """An enum whose members carry the Chinese label the ledgers use."""

    label: str

    def __new__(cls, value: str, label: str = "") -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def describe(cls) -> str:
        return ", ".join(f"`{m.value}` {m.label}" for m in cls)
