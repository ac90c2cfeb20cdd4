"""Input fields read from text: names PostgreSQL and spreadsheets can hold, unambiguous date-times."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

# Published in the OpenAPI document so clients (and fuzzers) know the rule; _clean enforces it and also
# refuses lone surrogates, which JSON can carry but no regex dialect in common use can name.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0A-\x1F\x7F-\x9F]*$"


def _clean(value: str) -> str:
    for ch in value:
        # Cc: control characters (NUL breaks PostgreSQL text); Cs: lone surrogates cannot be stored.
        if unicodedata.category(ch) in ("Cc", "Cs") and ch != "\t":
            raise ValueError("Text may not contain control characters")
    return unicodedata.normalize("NFC", value)


CleanText = Annotated[
    str, AfterValidator(_clean), Field(json_schema_extra={"pattern": NO_CONTROL_CHARACTERS})
]
"""A single-line text field: control characters (NUL, newlines …) are refused, Unicode normalised (NFC)."""

# At least one character that is neither a control character nor whitespace (exactly the characters
# str.strip() removes), so the published rule matches what trimming leaves.
_VISIBLE = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
_ALLOWED = NO_CONTROL_CHARACTERS[1:-2]
NON_BLANK = f"^{_ALLOWED}*{_VISIBLE}{_ALLOWED}*$"

NonBlankText = Annotated[
    str, AfterValidator(_clean), Field(min_length=1, json_schema_extra={"pattern": NON_BLANK})
]
"""A required single-line text (a name): like CleanText, and not blank once trimmed."""


# Pydantic would read a number as seconds since 1970 — also one written as text, 1e3 or -3.0e-155 —
# and a client sending one has made a mistake.
_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _iso_only(value: object) -> object:
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.fullmatch(value) is not None):
        raise ValueError("Give a date-time in ISO 8601, e.g. 2026-11-28T08:00:00+08:00")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]
"""A date-time given as ISO 8601 text (never a bare number)."""


def _iso_date_only(value: object) -> object:
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.fullmatch(value) is not None):
        raise ValueError("Give a date in ISO 8601, e.g. 2026-11-28")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
"""A calendar date given as ISO 8601 text, e.g. 2026-11-28 (never a bare number)."""
