"""One OpenAPI document for the whole public API, merged from the gateway's and every service's own."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import httpx

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

    Schemas with the same name and the same content are shared; a clash of different content is
    resolved by prefixing the service's name, and that service's references are rewritten.
    """
    merged = copy.deepcopy(base)
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    tags = {t["name"]: t for t in merged.get("tags", [])}
    for service, document in parts.items():
        their_schemas = document.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service.capitalize()}{name}"
            for name, schema in their_schemas.items()
            if name in schemas and _canonical(schemas[name]) != _canonical(schema)
        }
        for name, schema in their_schemas.items():
            schemas[renames.get(name, name)] = _rename_refs(schema, renames)
        for path, item in document.get("paths", {}).items():
            if path.startswith(API_PREFIX + "/"):
                paths[path] = with_idempotency_key(_rename_refs(item, renames))
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
    if tags:
        merged["tags"] = list(tags.values())
    merged["paths"] = dict(sorted(paths.items()))
    merged["components"].setdefault("parameters", {})[IDEMPOTENCY_KEY] = IDEMPOTENCY_KEY_PARAMETER
    return merged


# The gateway honours it on every write it forwards (gateway/idempotency): PATCH, actions, creates.
IDEMPOTENCY_KEY = "IdempotencyKey"
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Your unique key for this request (a UUID): sent again with a retry, the answer is what "
    "the first copy got (status, body, ETag; `Idempotent-Replayed: true`) and nothing is done twice. "
    "A copy sent while the first runs waits for it. The same key with another method, path or body is "
    "422 `idempotency_key_reused`. Keys are yours alone and kept 24 hours (a setting); 5xx and 429 "
    "answers are not kept. Not kept for bodies over 256 KiB.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}
WRITE_METHODS = ("post", "put", "patch", "delete")


def with_idempotency_key(item: dict[str, Any]) -> dict[str, Any]:
    """A path item whose write operations take the optional Idempotency-Key header."""
    reference = {"$ref": f"#/components/parameters/{IDEMPOTENCY_KEY}"}
    for method in WRITE_METHODS:
        operation = item.get(method)
        if isinstance(operation, dict):
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name", "").lower() == "idempotency-key" for p in parameters):
                parameters.append(reference)
    return item


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
