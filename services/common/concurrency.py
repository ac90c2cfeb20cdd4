"""Optimistic concurrency: a change names the version it was based on; a stale change is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Header, Response

from services.common.errors import Conflict, FangpinError

# Typed str (not Optional) so the schema does not invite a literal "null"; absent means None (the routes
# give it the default None, so for the type checker it is Optional).
if TYPE_CHECKING:
    IfMatch = str | None
else:
    IfMatch = Annotated[
        str, Header(pattern=r'^(W/)?"?[0-9]{1,9}"?$', description='The version you read, e.g. "3"')
    ]


class PreconditionRequired(FangpinError):
    status, code, title = 428, "version_required", "Say which version you are changing"


class StaleVersion(Conflict):
    code = "stale_version"


def check_version(current: int, if_match: str | None, base_version: int | None) -> None:
    """The change must say which version it was based on, and it must be current (else 409)."""
    claimed = base_version
    if if_match:
        try:
            claimed = int(if_match.strip().removeprefix("W/").strip('"'))
        except ValueError as exc:
            raise PreconditionRequired('If-Match must hold the version number, e.g. "3"') from exc
    if claimed is None:
        raise PreconditionRequired("Send the version you read as If-Match or base_version")
    if claimed != current:
        raise StaleVersion(
            f"Changed by someone else since version {claimed}; the current version is {current}",
            current_version=current,
        )


def check_base_version(current: int, base_version: int, current_state: Callable[[], dict[str, Any]]) -> None:
    """``check_version`` for a body's ``base_version``; a stale change's 409 carries the current state."""
    try:
        check_version(current, None, base_version)
    except StaleVersion as exc:
        exc.extra["current"] = current_state()
        raise


def send_version(response: Response, version: int) -> None:
    """A read's ETag is its version: what If-Match takes back to change it."""
    response.headers["ETag"] = f'"{version}"'


# ``responses=`` of such a read (the ETag header documented on its 200).
VERSION_ETAG: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "ETag": {
                "description": 'The version, e.g. "3": send it back in If-Match to change this',
                "schema": {"type": "string"},
                "required": True,
            }
        }
    }
}
