"""One OpenAPI document for the whole public API, merged from the gateway's and every service's own."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import httpx

from gateway.idempotency.service import IDEMPOTENCY_KEY_PARAMETER
from gateway.routing import API_PREFIX
from gateway.upstreams import Upstream

logger = logging.getLogger("fangpin.gateway")


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                out[key] = f"#/components/schemas/{renames.get(name, name)}"
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def merge_documents(base: dict[str, Any], parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Add each service's /api/v1 paths and schemas to the gateway's document.

    Schemas with the same name and the same content (their references included) are shared; a clash
    of different content is resolved by prefixing the service's name, and that service's references
    are rewritten. A renamed schema's ``title`` is its new name: generators name their classes by it.
    """
    merged = copy.deepcopy(base)
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    tags = {t["name"]: t for t in merged.get("tags", [])}
    operation_ids = {op.get("operationId") for item in paths.values() for op in item.values()}
    for service, document in parts.items():
        their_schemas = document.get("components", {}).get("schemas", {})
        renames = _renames(service, schemas, their_schemas)
        for name, schema in their_schemas.items():
            new_name = renames.get(name, name)
            schemas[new_name] = _rename_refs(schema, renames)
            if new_name != name and "title" in schemas[new_name]:
                schemas[new_name]["title"] = new_name
        for path, item in document.get("paths", {}).items():
            if path.startswith(API_PREFIX + "/"):
                paths[path] = with_idempotency_key(_rename_refs(item, renames))
                _unique_operation_ids(service, paths[path], operation_ids)
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
    if tags:
        merged["tags"] = list(tags.values())
    merged["paths"] = dict(sorted(paths.items()))
    return merged


WRITE_METHODS = ("post", "put", "patch", "delete")


def with_idempotency_key(item: dict[str, Any]) -> dict[str, Any]:
    """A copy of a path item whose write operations take the optional Idempotency-Key header (written
    out in each, not as a reference: the services' own documents stay as they are)."""
    item = copy.deepcopy(item)
    for method in WRITE_METHODS:
        operation = item.get(method)
        if isinstance(operation, dict):
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name", "").lower() == "idempotency-key" for p in parameters):
                parameters.append(dict(IDEMPOTENCY_KEY_PARAMETER))
    return item


def _unique_operation_ids(service: str, path_item: dict[str, Any], taken: set[Any]) -> None:
    """An operationId (what a generated client names the function) that another service already has
    gets the service's name in front: ``jobs_take_step`` beside monitoring's ``take_step``."""
    for operation in path_item.values():
        if isinstance(operation, dict) and "operationId" in operation:
            if operation["operationId"] in taken:
                operation["operationId"] = f"{service}_{operation['operationId']}"
            taken.add(operation["operationId"])


def _renames(service: str, ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, str]:
    """Which of a service's schemas need a name of their own.

    Decided on content with references already rewritten: a wrapper that looks the same as ours
    (``Page[AssignmentRead]``) but refers to a schema that had to be renamed is itself different, so it
    is renamed too, until nothing changes (a fixed point: each round only adds names).
    """
    clashing: set[str] = set()
    while True:
        renames = {name: _free_name(service, name, ours, theirs) for name in sorted(clashing)}
        more = {
            name
            for name, schema in theirs.items()
            if name in ours
            and name not in clashing
            and _canonical(ours[name]) != _canonical(_rename_refs(schema, renames))
        }
        if not more:
            return renames
        clashing |= more


def _free_name(service: str, name: str, ours: dict[str, Any], theirs: dict[str, Any]) -> str:
    """``Jobs`` + name, numbered if even that is taken (by us, or by another of the service's own)."""
    candidate, number = f"{service.capitalize()}{name}", 1
    while candidate in ours or candidate in theirs:
        number += 1
        candidate = f"{service.capitalize()}{name}{number}"
    return candidate


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


async def fetch_documents(
    upstreams: dict[str, Upstream], timeout_s: float
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    documents: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for name, upstream in upstreams.items():
        try:
            response = await upstream.client.get("/openapi.json", timeout=timeout_s)
            response.raise_for_status()
            documents[name] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("could not read %s's OpenAPI document: %s", name, type(exc).__name__)
            missing.append(name)
    return documents, missing


class MergedOpenAPI:
    """Builds the merged document on first use and keeps it once every service has answered."""

    def __init__(self, upstreams: dict[str, Upstream], own_document: Any, timeout_s: float) -> None:
        self.upstreams = upstreams
        self.own_document = own_document
        self.timeout_s = timeout_s
        self._cached: dict[str, Any] | None = None

    async def document(self) -> dict[str, Any]:
        if self._cached is not None:
            return self._cached
        documents, missing = await fetch_documents(self.upstreams, self.timeout_s)
        merged = merge_documents(self.own_document(), documents)
        if missing:
            merged["x-fangpin-missing-services"] = missing
        else:
            self._cached = merged
        return merged


SECURITY_SCHEMES = {
    "bearer": {
        "type": "oauth2",
        "description": "Sign in with username and password; send the access token as a Bearer token.",
        "flows": {"password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}},
    },
    "api_key": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "A partner system's key",
    },
}


def with_security(document: dict[str, Any]) -> dict[str, Any]:
    """Every operation needs a signed-in user or an API key, unless it says otherwise (the token endpoint)."""
    document = copy.deepcopy(document)
    document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    document["security"] = [{"bearer": []}, {"api_key": []}]
    return document
