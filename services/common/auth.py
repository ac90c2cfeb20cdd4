"""Who is calling, with which role, over which area: the principal the gateway vouches for.

The gateway signs a short-lived internal token (EdDSA) for every call it forwards; each service
verifies it with the gateway's public key and refuses anything else. A service reached directly,
without the gateway, therefore lets no one in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request

from services.common.area_codes import (
    LEVEL_ORDER,
    NATIONAL_ROOT,
    AreaLevel,
    is_valid_scope,
    is_within,
    level_of,
    prefix_of,
)
from services.common.errors import Forbidden, Unauthorized

INTERNAL_ISSUER = "fangpin-gateway"
INTERNAL_TOKEN_TTL_S = 60
TOKEN_CACHE_SIZE = 10_000  # signed or verified tokens kept per process
CLOCK_LEEWAY_S = 5


class Role(StrEnum):
    village_cadre = "village_cadre"  # 村干部/驻村工作队: survey and edit in its village
    town_reviewer = "town_reviewer"  # 乡镇审核
    county_admin = "county_admin"  # 县级: users, thresholds, approvals
    bureau_partner = "bureau_partner"  # 部门系统: push feeds, read aggregates
    auditor = "auditor"  # read-only, sees the audit log
    ops = "ops"  # health and metrics only


class Permission(StrEnum):
    areas_read = "areas:read"
    areas_write = "areas:write"
    households_read = "households:read"  # households, people, programmes, cadres, history, sync
    households_write = "households:write"
    national_ids_read = "national_ids:read"  # see full ID numbers (every such read is audited)
    cadres_manage = "cadres:manage"
    imports_run = "imports:run"
    areas_merge = "areas:merge"
    monitoring_read = "monitoring:read"  # inspections, findings, alerts
    inspections_write = "inspections:write"
    alerts_handle = "alerts:handle"  # acknowledge or dismiss an alert
    thresholds_manage = "thresholds:manage"  # the yearly monitoring lines and intervals
    # Identification and exit: each level takes its own steps (村级评议, 乡镇审核, 县级审定).
    cases_village = "cases:village"
    cases_town = "cases:town"
    cases_county = "cases:county"
    measures_write = "measures:write"  # plan and record assistance measures
    requests_write = "requests:write"  # record households' requests (诉求) and take their steps
    rounds_manage = "rounds:manage"  # open and close screening rounds (拉网式大排查): the county's
    partner_feeds_push = "partner_feeds:push"  # bureau records matched to households by ID number
    employment_read = "employment:read"  # employment records, posts, training
    employment_write = "employment:write"  # record work status; assign posts; enrol in training
    posts_manage = "posts:manage"  # set up public-welfare posts and training courses
    projects_read = "projects:read"  # the project library, funds and their money trail
    projects_report = "projects:report"  # report a project started or completed (town supervision)
    projects_manage = "projects:manage"  # enter, approve, accept, hand over, adjust, cancel; money
    stations_report = "stations:report"  # report a photovoltaic station's fault or damage from a phone
    assets_report = "assets:report"  # report an asset's yearly check or upkeep inspection from a phone
    relocation_report = "relocation:report"  # a relocated household's handover, move-in, demolition
    stations_push = "stations:push"  # the PV monitoring system's generation readings (a partner feed)
    oversight_read = "oversight:read"  # support units, work teams, check-ins, presence against targets
    oversight_check_in = "oversight:check_in"  # a team member's check-in from a phone
    oversight_manage = "oversight:manage"  # register units, station teams, set presence targets;
    # open rectification items and close (销号) or send back those submitted from below
    oversight_report = "oversight:report"  # report rectification progress, submit; log sessions, contacts
    appraisal_manage = "appraisal:manage"  # set the appraisal schemes (考核方案): the county's
    aggregates_read = "aggregates:read"  # statistics by area: counts only, no personal data
    schools_write = "schools:write"  # 控辍保学: where a child studies, proof of enrolment, the way back
    student_aid_write = "student_aid:write"  # 教育资助: a school's aid and loans by person; marked paid
    users_manage = "users:manage"
    api_keys_manage = "api_keys:manage"
    audit_read = "audit:read"
    system_status = "system:status"


_FIELD_WORK = {
    Permission.areas_read,
    Permission.households_read,
    Permission.households_write,
    Permission.monitoring_read,
    Permission.inspections_write,
    Permission.alerts_handle,
    Permission.measures_write,
    Permission.requests_write,
    Permission.employment_read,
    Permission.employment_write,
    Permission.projects_read,
    Permission.stations_report,  # a village cadre reports a station's damage (故障损毁) with photos
    Permission.assets_report,  # and an asset's yearly check or upkeep inspection, with photos
    Permission.relocation_report,  # and a relocated household's move-in and old house demolished
    Permission.oversight_read,
    Permission.oversight_check_in,  # a team member checks in from the village's phone account
    Permission.oversight_report,
    Permission.aggregates_read,
    Permission.schools_write,  # the village's children: where each studies, proof, persuaded back
}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # A cadre registers people and so types full ID numbers, but reads them back masked.
    Role.village_cadre: frozenset(_FIELD_WORK | {Permission.cases_village}),
    Role.town_reviewer: frozenset(
        _FIELD_WORK
        | {
            Permission.national_ids_read,
            Permission.cadres_manage,
            Permission.cases_town,
            Permission.projects_report,
            Permission.oversight_manage,  # a town stations its cadres and keeps its units
            Permission.student_aid_write,  # the town's central school (中心校) enters its students' aid
        }
    ),
    Role.county_admin: frozenset(
        _FIELD_WORK
        | {
            Permission.areas_write,
            Permission.areas_merge,
            Permission.national_ids_read,
            Permission.cadres_manage,
            Permission.imports_run,
            Permission.thresholds_manage,
            Permission.posts_manage,
            Permission.projects_report,
            Permission.projects_manage,
            Permission.oversight_manage,
            Permission.appraisal_manage,
            Permission.rounds_manage,
            # The county may act for a village or town (say, one without an account yet); the
            # four-eyes rule still keeps one person from approving what they themselves passed on.
            Permission.cases_village,
            Permission.cases_town,
            Permission.cases_county,
            Permission.partner_feeds_push,  # e.g. a bureau's file uploaded by the county office
            Permission.stations_push,  # readings entered by the county office
            Permission.student_aid_write,
            Permission.users_manage,
            Permission.api_keys_manage,
            Permission.system_status,
        }
    ),
    # Bureau systems push feeds and read aggregates; no personal data.
    # 人社 systems also push employment records.
    Role.bureau_partner: frozenset(
        {
            Permission.areas_read,
            Permission.partner_feeds_push,
            Permission.stations_push,  # the provincial PV monitoring system (光伏监测平台)
            Permission.employment_write,
            Permission.aggregates_read,
        }
    ),
    Role.auditor: frozenset(
        {
            Permission.areas_read,
            Permission.households_read,
            Permission.monitoring_read,
            Permission.employment_read,
            Permission.projects_read,
            Permission.oversight_read,
            Permission.aggregates_read,
            Permission.audit_read,
            Permission.system_status,
        }
    ),
    Role.ops: frozenset({Permission.system_status}),
}


# A case step belongs to a level (村级评议, 乡镇审核, 县级审定), and an account speaks for the level of its
# scope as well as its role: a county administrator scoped to one village acts as that village.
STEP_LEVELS: dict[Permission, AreaLevel] = {
    Permission.cases_village: AreaLevel.village,
    Permission.cases_town: AreaLevel.town,
    Permission.cases_county: AreaLevel.county,
}


class PrincipalKind(StrEnum):
    user = "user"
    api_key = "api_key"
    system = "system"  # the operator at the command line (fangpin users create-admin)


@dataclass(frozen=True)
class Principal:
    """The caller: identity, role and area scope, plus where the call came from (for the audit)."""

    id: str
    name: str
    kind: PrincipalKind
    role: Role
    scope: str  # an area code; the principal acts on that area and everything below it
    address: str | None = None
    client: str | None = None
    session_id: str | None = field(default=None, compare=False)

    @property
    def scope_prefix(self) -> str:
        return prefix_of(self.scope)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def covers(self, area_code: str) -> bool:
        return is_within(area_code, self.scope)

    @property
    def scope_level(self) -> AreaLevel | None:
        """The level of the scope's area; None for the whole country."""
        return None if self.scope == NATIONAL_ROOT else level_of(self.scope)

    def acts_at(self, permission: Permission) -> bool:
        """The role grants ``permission`` and, for a level's own step, the scope is that level or wider."""
        if not self.can(permission):
            return False
        level, scope_level = STEP_LEVELS.get(permission), self.scope_level
        if level is None or scope_level is None:  # not a level's step, or the whole country
            return True
        return LEVEL_ORDER.index(scope_level) <= LEVEL_ORDER.index(level)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden(
                f"The {self.role.value} role may not do this (needs {permission.value})",
                code="permission_denied",
                permission=permission.value,
            )


def generate_keypair() -> tuple[str, str]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class InternalTokenSigner:
    """The gateway's half: sign a principal into a token for one service.

    A token is reused for the same caller and audience for half its lifetime: signing one per request
    cost the gateway an Ed25519 signature and the service a verification on every call (the request id
    travels in ``x-request-id``, not in the token)."""

    def __init__(self, private_key_pem: str) -> None:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the internal token key must be an Ed25519 private key")
        self._key = key
        self._issued: dict[tuple[Any, ...], tuple[str, int]] = {}

    def sign(self, principal: Principal, audience: str | list[str]) -> str:
        """``audience``: the service called, and any it calls on the caller's behalf."""
        now = int(time.time())
        key = (principal, audience if isinstance(audience, str) else tuple(audience))
        issued = self._issued.get(key)
        if issued is not None and now < issued[1]:
            return issued[0]
        claims: dict[str, Any] = {
            "iss": INTERNAL_ISSUER,
            "aud": audience,
            "sub": principal.id,
            "name": principal.name,
            "kind": principal.kind.value,
            "role": principal.role.value,
            "scope": principal.scope,
            "iat": now,
            "exp": now + INTERNAL_TOKEN_TTL_S,
        }
        for claim, value in (("ip", principal.address), ("ua", principal.client)):
            if value:
                claims[claim] = value[:512]
        token = jwt.encode(claims, self._key, algorithm="EdDSA")
        if len(self._issued) >= TOKEN_CACHE_SIZE:
            self._issued.clear()  # bounded: the callers of the last half minute sign again
        self._issued[key] = (token, now + INTERNAL_TOKEN_TTL_S // 2)
        return token


class InternalTokenVerifier:
    """A service's half: accept only fresh tokens the gateway signed for this service."""

    def __init__(self, public_key_pem: str, audience: str) -> None:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the internal token key must be an Ed25519 public key")
        self._key = key
        self.audience = audience
        self._verified: dict[str, tuple[Principal, int]] = {}

    def verify(self, token: str) -> Principal:
        """The token's principal; a token verified before is trusted until it expires (the gateway
        reuses one per caller for half its lifetime)."""
        known = self._verified.get(token)
        if known is not None and time.time() <= known[1] + CLOCK_LEEWAY_S:
            return known[0]
        principal, expires = self._verify(token)
        if len(self._verified) >= TOKEN_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, int]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["EdDSA"],
                audience=self.audience,
                issuer=INTERNAL_ISSUER,
                leeway=CLOCK_LEEWAY_S,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The internal token has expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("Calls must come through the gateway", code="invalid_internal_token") from exc
        if claims["exp"] - claims["iat"] > 5 * INTERNAL_TOKEN_TTL_S:
            raise Unauthorized("The internal token lives too long", code="invalid_internal_token")
        try:
            role = Role(claims["role"])
            kind = PrincipalKind(claims["kind"])
        except (KeyError, ValueError) as exc:
            raise Unauthorized(
                "The internal token names no known role", code="invalid_internal_token"
            ) from exc
        scope = str(claims.get("scope", ""))
        if not is_valid_scope(scope):
            raise Unauthorized(
                "The internal token's scope is not an area code", code="invalid_internal_token"
            )
        principal = Principal(
            id=str(claims["sub"]),
            name=str(claims.get("name", "")),
            kind=kind,
            role=role,
            scope=scope,
            address=claims.get("ip"),
            client=claims.get("ua"),
        )
        return principal, int(claims["exp"])


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def current_principal(request: Request) -> Principal:
    """Dependency for every service route: the verified caller (401 without a valid internal token)."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    verifier: InternalTokenVerifier = request.app.state.token_verifier
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("Calls must come through the gateway", code="missing_internal_token")
    principal = verifier.verify(token)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


__all__ = [
    "NATIONAL_ROOT",
    "CurrentPrincipal",
    "InternalTokenSigner",
    "InternalTokenVerifier",
    "Permission",
    "Principal",
    "PrincipalKind",
    "STEP_LEVELS",
    "Role",
    "current_principal",
    "generate_keypair",
]
