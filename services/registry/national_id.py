"""Resident identity numbers (GB 11643-1999): checking, masking, encryption at rest and a blind index.

A number is 18 characters: a 6-digit address code, the birth date (YYYYMMDD), a 3-digit sequence whose
last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check character (0-9 or X).

The number is stored encrypted (AES-256-GCM); exact lookups use a keyed HMAC of it (the blind index),
so the database never holds a searchable plain number. Both keys derive from one master key (HKDF).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import date
from operator import mul
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from services.common.calendar import china_today

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum modulo 11
EARLIEST_BIRTH = date(1900, 1, 1)
SETTING_NAME = "FANGPIN_REGISTRY_NATIONAL_ID_KEY"

_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_WHITESPACE = re.compile(r"\s+")  # spaces, tabs, no-break and full-width spaces from spreadsheets
# The digits arrive as ASCII codes (48 + d); the weights add up to 100, so the codes overshoot by 4800.
_ASCII_OFFSET = 48 * sum(WEIGHTS)

Sex = Literal["male", "female"]


class NationalIdError(ValueError):
    """A number that is not a valid ID number; ``code`` is a stable snake_case reason."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NationalId:
    number: str
    birth_date: date
    sex: Sex


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') of the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"A check digit needs exactly 17 digits, not {first17!r}")
    return CHECK_CHARACTERS[(sum(map(mul, first17.encode(), WEIGHTS)) - _ASCII_OFFSET) % 11]


def normalise(raw: str) -> str:
    """Without whitespace, and a trailing lower-case x made upper-case."""
    number = raw if raw.isalnum() else _WHITESPACE.sub("", raw)  # the regex only when it can matter
    return number[:-1] + "X" if number.endswith("x") else number


def parse(
    raw: str, *, birth_date: date | None = None, sex: str | None = None, today: date | None = None
) -> NationalId:
    """Check a number; when a birth date or sex is given as well, it must agree with the number.

    Raises :class:`NationalIdError` with the first problem found, in this order: ``id_length``,
    ``id_characters``, ``id_check_digit``, ``id_birth_date``, ``id_birth_date_mismatch``,
    ``id_sex_mismatch``.
    """
    number = normalise(raw)
    if len(number) != 18:
        raise NationalIdError(f"An ID number has 18 characters, not {len(number)}", "id_length")
    if not _SHAPE.fullmatch(number):
        raise NationalIdError("An ID number is 17 digits followed by a digit or X", "id_characters")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise NationalIdError(f"The check digit should be {expected}, not {number[17]}", "id_check_digit")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise NationalIdError(
            f"Characters 7-14 should be a date of birth (YYYYMMDD), not {number[6:14]}", "id_birth_date"
        ) from exc
    latest = today or china_today()
    if born < EARLIEST_BIRTH:
        raise NationalIdError(f"The date of birth {born} is before {EARLIEST_BIRTH}", "id_birth_date")
    if born > latest:
        raise NationalIdError(f"The date of birth {born} is in the future", "id_birth_date")
    encoded_sex: Sex = "male" if int(number[16]) % 2 else "female"
    if birth_date is not None and birth_date != born:
        raise NationalIdError(
            f"The ID number says born on {born}, not on {birth_date}", "id_birth_date_mismatch"
        )
    if sex is not None and sex != encoded_sex:
        raise NationalIdError(
            f"The ID number is a {encoded_sex} person's (17th digit {number[16]}), not a {sex} person's",
            "id_sex_mismatch",
        )
    return NationalId(number, born, encoded_sex)


def mask(number: str) -> str:
    """The first 6 (the place) and last 4 characters; the birth date and the rest hidden."""
    return number[:6] + "*" * 8 + number[-4:]


class IdVault:
    """Encrypts ID numbers and computes their blind index, from one 32-byte master key.

    The encryption key and the index key are derived independently (HKDF-SHA256 with different info),
    so neither reveals the other. The cipher and HMAC key objects are built once and reused.
    """

    ASSOCIATED_DATA = b"national_id"
    NONCE_BYTES = 12
    TAG_BYTES = 16

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes | bytearray) or len(key) != 32:
            raise ValueError(f"The national ID master key must be 32 bytes, not {_describe(key)}")
        self._aead = AESGCM(_derive(bytes(key), b"fangpin national id encryption"))
        # HMAC-SHA256 (RFC 2104) with its two keyed hash states computed once and copied for each number.
        index_key = _derive(bytes(key), b"fangpin national id index").ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in index_key))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in index_key))

    @classmethod
    def from_setting(cls, value: str) -> IdVault:
        """From base64 (standard or URL-safe, padding optional) of exactly 32 bytes."""
        hint = f"make one with: python -c 'import {__name__} as n; print(n.IdVault.generate_setting())'"
        text = (value or "").strip()
        try:
            key = base64.b64decode(
                text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
            )
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"{SETTING_NAME} must be base64 of 32 random bytes; {hint}") from exc
        if len(key) != 32:
            raise ValueError(
                f"{SETTING_NAME} must be base64 of 32 random bytes, not {len(key)} bytes; {hint}"
            )
        return cls(key)

    @staticmethod
    def generate_setting() -> str:
        """A new random master key as standard base64 (44 characters)."""
        return base64.b64encode(os.urandom(32)).decode()

    def encrypt(self, number: str) -> bytes:
        """The 12-byte random nonce followed by the AES-256-GCM ciphertext and tag (46 bytes for 18)."""
        nonce = os.urandom(self.NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, number.encode(), self.ASSOCIATED_DATA)

    def decrypt(self, blob: bytes) -> str:
        """The number back; ValueError when the bytes were altered or encrypted with another key."""
        if len(blob) < self.NONCE_BYTES + self.TAG_BYTES:
            raise ValueError("The stored ID number is too short to be an encrypted one")
        nonce, sealed = bytes(blob[: self.NONCE_BYTES]), bytes(blob[self.NONCE_BYTES :])
        try:
            return self._aead.decrypt(nonce, sealed, self.ASSOCIATED_DATA).decode()
        except InvalidTag as exc:  # wrong key or altered bytes
            raise ValueError("The stored ID number cannot be decrypted with this key (altered?)") from exc

    def blind_index(self, number: str) -> bytes:
        """HMAC-SHA256 of the normalised number with the index key: 32 bytes, the same for the same
        number."""
        inner, outer = self._inner.copy(), self._outer.copy()
        inner.update(normalise(number).encode())
        outer.update(inner.digest())
        return outer.digest()


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def _describe(key: object) -> str:
    return f"{len(key)} bytes" if isinstance(key, bytes | bytearray) else type(key).__name__
