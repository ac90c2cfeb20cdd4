"""Service identity for events: the relay of one service proves to another which service it is.

Tokens are short-lived JWTs (HS256) under a secret only the services hold, with an issuer of their own,
so they can never pass for the gateway's tokens for people (and those never pass here).
"""

from __future__ import annotations

import time
import uuid

import jwt
from fastapi import Request

from services.common.auth import CLOCK_LEEWAY_S, bearer_token
from services.common.errors import Unauthorized

SERVICE_ISSUER = "fangpin-service"
SERVICE_TOKEN_TTL_S = 60


class ServiceTokens:
    def __init__(self, secret: str, part: str) -> None:
        if len(secret) < 32:
            raise ValueError("the service token secret must be at least 32 characters")
        self._secret = secret
        self.part = part

    def sign(self, audience: str) -> str:
        """A token saying "this is ``self.part``", for ``audience`` only."""
        now = int(time.time())
        claims = {
            "iss": SERVICE_ISSUER,
            "sub": self.part,
            "aud": audience,
            "iat": now,
            "exp": now + SERVICE_TOKEN_TTL_S,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> str:
        """The calling service's name, if the token was made for this part by one holding the secret."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=self.part,
                issuer=SERVICE_ISSUER,
                leeway=CLOCK_LEEWAY_S,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(
                "Only fangpin's services may deliver events", code="invalid_service_token"
            ) from exc
        return str(claims["sub"])


async def calling_service(request: Request) -> str:
    """Dependency: the service behind this call (401 for anyone else, including people)."""
    tokens: ServiceTokens | None = getattr(request.app.state, "service_tokens", None)
    token = bearer_token(request)
    if tokens is None or token is None:
        raise Unauthorized("Only fangpin's services may deliver events", code="missing_service_token")
    return tokens.verify(token)
