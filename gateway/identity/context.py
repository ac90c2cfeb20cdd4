"""What the gateway builds once at start to authenticate callers and speak for them to services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request

from gateway.identity.authenticator import Authenticator
from gateway.identity.credentials import AccessTokens, PasswordHasher
from gateway.limits import RateLimiter
from gateway.settings import GatewaySettings
from services.common.app_factory import ConfigurationError
from services.common.auth import InternalTokenSigner, Permission, Principal
from services.common.errors import Unauthorized
from services.common.guards import requires


@dataclass
class Identity:
    settings: GatewaySettings
    hasher: PasswordHasher
    tokens: AccessTokens
    authenticator: Authenticator
    signer: InternalTokenSigner
    limiter: RateLimiter


def build_identity(app: FastAPI, settings: GatewaySettings) -> Identity:
    if not settings.token_secret:
        raise ConfigurationError("gateway: FANGPIN_GATEWAY_TOKEN_SECRET is not set")
    if not settings.internal_token_private_key:
        raise ConfigurationError("gateway: FANGPIN_INTERNAL_TOKEN_PRIVATE_KEY is not set")
    tokens = AccessTokens(settings.token_secret, settings.access_token_ttl_s)
    return Identity(
        settings=settings,
        hasher=PasswordHasher(settings.password_hash_time_cost, settings.password_hash_memory_kib),
        tokens=tokens,
        authenticator=Authenticator(app.state.database.sessionmaker, tokens, settings.principal_cache_s),
        signer=InternalTokenSigner(settings.internal_token_private_key),
        limiter=RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst),
    )


def identity_of(request: Request) -> Identity:
    identity: Identity = request.app.state.identity
    return identity


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def caller(request: Request) -> Principal:
    """The authenticated, rate-limited caller of a gateway route or of a forwarded call."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    identity = identity_of(request)
    try:
        principal = await identity.authenticator.authenticate(request)
    except Unauthorized:
        # Failed attempts count against the address, so guessing tokens or keys runs into 429.
        identity.limiter.check(f"address:{client_address(request)}")
        raise
    identity.limiter.check(f"principal:{principal.id}")
    request.state.principal = principal
    return principal


def allowed(permission: Permission) -> Any:
    """Dependency for the gateway's own routes: the caller, holding ``permission`` (refusals audited)."""
    return requires(permission, caller)
