"""Export files sealed at rest: a ledger asked for with full ID numbers must not lie in the database in
clear for the day it is kept (a dump, a backup or a replica would hold every number).

Each chunk is AES-256-GCM under a key of its own job, derived (HKDF-SHA256) from a secret the part
already keeps outside the database: the registry's national ID key, else the secret the services
share. The chunk's job and position are bound in as associated data, so chunks cannot be swapped
between files or reordered. Without either secret the key is random and lives in this process only:
nothing rests in clear, but only this process can serve the file, until it stops.
"""

from __future__ import annotations

import logging
import os
import uuid
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

logger = logging.getLogger("fangpin.exports")
NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD = NONCE_BYTES + TAG_BYTES


class SealBroken(ValueError):
    """A chunk this key cannot open: written in clear before files were sealed, under a key since
    changed, by another process's passing key, or altered."""


class ExportSeal:
    def __init__(self, secret: bytes, schema: str, *, lasting: bool = True) -> None:
        if len(secret) < 32:
            raise ValueError("an export key needs a secret of at least 32 bytes")
        self._secret = bytes(secret)
        self._schema = schema.encode()
        self.lasting = lasting  # False: a random key of this process, gone when it stops
        self._cipher = lru_cache(maxsize=64)(self._job_cipher)

    @classmethod
    def from_settings(cls, settings: Any, schema: str) -> ExportSeal:
        """From the part's national ID key if it has one, else the services' shared secret."""
        secret = getattr(settings, "national_id_key", None) or getattr(settings, "service_token_secret", None)
        if secret and len(secret.encode()) >= 32:
            return cls(secret.encode(), schema)
        logger.warning(
            "%s: no national ID key nor service token secret: export files are sealed with a key of "
            "this process only (another replica, or this one after a restart, cannot serve them)",
            schema,
        )
        return cls.passing(schema)

    @classmethod
    def passing(cls, schema: str) -> ExportSeal:
        return cls(os.urandom(32), schema, lasting=False)

    def _job_cipher(self, job_id: uuid.UUID) -> AESGCM:
        info = b"fangpin export file:" + self._schema + b":" + job_id.bytes
        return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(self._secret))

    def seal(self, job_id: uuid.UUID, seq: int, data: bytes) -> bytes:
        """The random nonce, then the ciphertext and its tag (28 bytes more than ``data``)."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._cipher(job_id).encrypt(nonce, data, _bound(job_id, seq))

    def open(self, job_id: uuid.UUID, seq: int, blob: bytes) -> bytes:
        if len(blob) < OVERHEAD:
            raise SealBroken(f"chunk {seq} of export {job_id} is too short to be sealed")
        nonce, sealed = bytes(blob[:NONCE_BYTES]), bytes(blob[NONCE_BYTES:])
        try:
            return self._cipher(job_id).decrypt(nonce, sealed, _bound(job_id, seq))
        except InvalidTag as exc:
            raise SealBroken(f"chunk {seq} of export {job_id} does not open with this key") from exc


def _bound(job_id: uuid.UUID, seq: int) -> bytes:
    return job_id.bytes + seq.to_bytes(4, "big")
