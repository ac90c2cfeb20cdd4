"""Sign in, refresh, log out, and who am I."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.admin import UserAdmin
from gateway.identity.context import caller, client_address, identity_of
from gateway.identity.schemas import Me, PasswordChange, TokenResponse
from gateway.identity.signin import Caller, SignInService
from services.common.auth import ROLE_PERMISSIONS, Principal, PrincipalKind
from services.common.database import SessionDep
from services.common.errors import BadRequest, Forbidden
from services.common.openapi import NEVER_CONFLICTS

router = APIRouter(prefix="/api/v1", tags=["auth"])
Caller_ = Annotated[Principal, Depends(caller)]


def sign_in_service(request: Request, session: AsyncSession) -> SignInService:
    identity = identity_of(request)
    sessionmaker = request.app.state.database.sessionmaker
    return SignInService(
        session,
        identity.settings,
        identity.hasher,
        identity.tokens,
        sessionmaker,
        forget_session=lambda session_id: identity.authenticator.forget(session_id=session_id),
    )


@router.post("/auth/token", response_model=TokenResponse, openapi_extra={"security": []} | NEVER_CONFLICTS)
async def issue_token(
    request: Request,
    session: SessionDep,
    response: Response,
    grant_type: Annotated[str, Form(pattern="^(password|refresh_token)$")],
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    refresh_token: Annotated[str | None, Form(max_length=256)] = None,
) -> TokenResponse:
    """OAuth2 token endpoint: the password grant signs in, the refresh_token grant renews (one use)."""
    response.headers["Cache-Control"] = "no-store"
    # Sign-in attempts share the address's bucket with failed credentials elsewhere.
    identity_of(request).limiter.check(f"address:{client_address(request)}")
    service = sign_in_service(request, session)
    if grant_type == "password":
        if not username or not password:
            raise BadRequest("The password grant needs username and password", code="invalid_request")
        caller_info = Caller(client_address(request), request.headers.get("user-agent"))
        return await service.password_grant(username, password, caller_info)
    if not refresh_token:
        raise BadRequest("The refresh_token grant needs refresh_token", code="invalid_request")
    return await service.refresh_grant(refresh_token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=NEVER_CONFLICTS)
async def logout(request: Request, principal: Caller_, session: SessionDep) -> Response:
    """End this sign-in: its access and refresh tokens stop working."""
    if principal.session_id is None:
        raise BadRequest("API keys do not sign in; revoke the key instead", code="not_a_session")
    await sign_in_service(request, session).logout(uuid.UUID(principal.session_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/me", response_model=Me, tags=["users"])
async def who_am_i(principal: Caller_) -> Me:
    """The caller: identity, role, area scope and what the role may do."""
    return Me(
        id=principal.id,
        name=principal.name,
        kind=principal.kind.value,
        role=principal.role,
        area_code=principal.scope,
        permissions=sorted(p.value for p in ROLE_PERMISSIONS[principal.role]),
    )


@router.post(
    "/users/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["users"],
    openapi_extra=NEVER_CONFLICTS,
)
async def change_password(
    request: Request, body: PasswordChange, principal: Caller_, session: SessionDep
) -> Response:
    """Change your own password; every sign-in of yours ends, sign in again with the new one."""
    if principal.kind is not PrincipalKind.user:
        raise Forbidden("API keys have no password", code="not_a_user")
    await UserAdmin(session, identity_of(request).hasher).change_own_password(
        principal, body.current_password, body.new_password
    )
    identity_of(request).authenticator.forget(principal_id=principal.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
