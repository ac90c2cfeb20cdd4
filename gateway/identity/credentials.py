"""Passwords (argon2id), access tokens (JWT), refresh tokens and API keys (random, stored as hashes)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import anyio
import argon2
import jwt

from services.common.errors import Unauthorized

ACCESS_ISSUER = "fangpin"
API_KEY_PREFIX = "fpk_"
REFRESH_PREFIX = "fpr_"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class PasswordHasher:
    """argon2id, run off the event loop (a hash costs tens of milliseconds by design)."""

    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self._hasher = argon2.PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=2)
        # Verified when the username is unknown, so the answer takes as long either way.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return (
                    self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
                )
            except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(check)


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    session_id: str


class AccessTokens:
    def __init__(self, secret: str, ttl_s: int) -> None:
        self._secret = secret
        self.ttl_s = ttl_s

    def issue(self, user_id: uuid.UUID, session_id: uuid.UUID, role: str, scope: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ACCESS_ISSUER,
            "typ": "access",
            "sub": str(user_id),
            "sid": str(session_id),
            "role": role,
            "scope": scope,
            "iat": now,
            "exp": now + self.ttl_s,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def decode(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                issuer=ACCESS_ISSUER,
                leeway=5,
                options={"require": ["exp", "iat", "sub", "sid", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired; refresh it", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("The access token is not valid", code="invalid_token") from exc
        if claims.get("typ") != "access":
            raise Unauthorized("The access token is not valid", code="invalid_token")
        return AccessClaims(str(claims["sub"]), str(claims["sid"]))


def new_refresh_token() -> tuple[str, str]:
    """(token for the client, hash to store)."""
    token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    return token, sha256_hex(token)


def new_api_key() -> tuple[str, str, str]:
    """(key for the client, public id to find it by, hash of the secret part to store)."""
    public_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{API_KEY_PREFIX}{public_id}_{secret}", public_id, sha256_hex(secret)


def parse_api_key(key: str) -> tuple[str, str] | None:
    """(public id, secret) of a well-formed key, else None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    public_id, sep, secret = key[len(API_KEY_PREFIX) :].partition("_")
    if not sep or len(public_id) != 12 or not secret:
        return None
    return public_id, secret
