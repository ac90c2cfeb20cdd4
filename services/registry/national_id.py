"""Resident identity numbers (GB 11643-1999): checking, masking, encryption at rest and a blind index.

The number is stored encrypted (AES-256-GCM); exact lookups use a keyed HMAC of it (the blind index),
so the database never holds a searchable plain number. Both keys derive from one master key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


class NationalIdError(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NationalId:
    number: str
    birth_date: date
    sex: Literal["male", "female"]


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def normalise(raw: str) -> str:
    return raw.replace(" ", "").strip().upper()


def parse(
    raw: str, *, birth_date: date | None = None, sex: str | None = None, today: date | None = None
) -> NationalId:
    """Check a number; when a birth date or sex is given as well, it must agree with the number."""
    number = normalise(raw)
    if len(number) != 18:
        raise NationalIdError(f"An ID number has 18 characters, not {len(number)}", "id_length")
    if not _SHAPE.fullmatch(number):
        raise NationalIdError("An ID number is 17 digits and a final digit or X", "id_characters")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise NationalIdError(f"The check digit should be {expected}, not {number[17]}", "id_check_digit")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise NationalIdError(f"{number[6:14]} is not a date of birth", "id_birth_date") from exc
    if not EARLIEST_BIRTH <= born <= (today or date.today()):
        raise NationalIdError(f"Date of birth {born} is not plausible", "id_birth_date")
    encoded_sex: Literal["male", "female"] = "male" if int(number[16]) % 2 else "female"
    if birth_date is not None and birth_date != born:
        raise NationalIdError(f"The ID number says born {born}, not {birth_date}", "id_birth_date_mismatch")
    if sex is not None and str(sex) != encoded_sex:
        raise NationalIdError(f"The ID number is a {encoded_sex}'s, not a {sex}'s", "id_sex_mismatch")
    return NationalId(number, born, encoded_sex)


def mask(number: str) -> str:
    """First 6 (the place) and last 4 characters; the birth date and sequence hidden."""
    return number[:6] + "*" * 8 + number[-4:]


class IdVault:
    """Encrypts ID numbers and computes their blind index, from one 32-byte master key."""

    ASSOCIATED_DATA = b"national_id"

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the national ID key must be 32 bytes")
        self._aead = AESGCM(_derive(key, b"fangpin national id encryption"))
        self._index_key = _derive(key, b"fangpin national id index")

    @classmethod
    def from_setting(cls, value: str) -> IdVault:
        """From base64 (standard or URL-safe) of exactly 32 bytes."""
        text = value.strip()
        try:
            key = base64.b64decode(
                text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
            )
        except (binascii.Error, ValueError) as exc:
            raise ValueError("FANGPIN_REGISTRY_NATIONAL_ID_KEY must be base64 of 32 random bytes") from exc
        if len(key) != 32:
            raise ValueError(
                f"FANGPIN_REGISTRY_NATIONAL_ID_KEY must be base64 of 32 random bytes, not {len(key)} bytes"
            )
        return cls(key)

    @staticmethod
    def generate_setting() -> str:
        return base64.b64encode(os.urandom(32)).decode()

    def encrypt(self, number: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, number.encode(), self.ASSOCIATED_DATA)

    def decrypt(self, blob: bytes) -> str:
        try:
            return self._aead.decrypt(blob[:12], blob[12:], self.ASSOCIATED_DATA).decode()
        except Exception as exc:  # InvalidTag: wrong key or altered bytes
            raise ValueError("the stored ID number cannot be decrypted with this key") from exc

    def blind_index(self, number: str) -> bytes:
        return hmac.new(self._index_key, normalise(number).encode(), hashlib.sha256).digest()


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)
