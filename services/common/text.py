"""Text fields that PostgreSQL and spreadsheets can hold: no NUL or other control characters."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator


def _clean(value: str) -> str:
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\t":
            raise ValueError("Text may not contain control characters")
    return unicodedata.normalize("NFC", value)


CleanText = Annotated[str, AfterValidator(_clean)]
"""A single-line text field: control characters (NUL, newlines …) are refused, Unicode normalised (NFC)."""
