"""OpenAPI as clients see it: every error documented as problem+json, never FastAPI's default shape."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, GetCoreSchemaHandler, create_model
from pydantic_core import CoreSchema, core_schema
from starlette.routing import compile_path

from services.common.errors import PROBLEM_CONTENT_TYPE


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    code: str


class Problem(BaseModel):
    """RFC 9457 problem details, with a stable machine code."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable error code")
    instance: str | None = None
    errors: list[FieldError] | None = None
    current_version: int | None = Field(default=None, description="On a stale change (409): the version now")


@cache
def conflict_problem(model: type[BaseModel]) -> type[Problem]:
    """A 409 problem whose ``current`` is the resource as a read of it answers now (``<Model>Conflict``)."""
    current: Any = (
        model | None,
        Field(default=None, description="The resource as it is now, to merge and retry"),
    )
    return create_model(f"{model.__name__}Conflict", __base__=Problem, current=current)


def conflict_with_current(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a change refused 409 with the current state (a stale version, a wrong state)."""
    description = "Conflict: a stale version or a state that does not allow it; `current` is the resource now"
    return {409: {"model": conflict_problem(model), "description": description}}


@dataclass(frozen=True)
class CheckedAlone:
    """A batch item: any object at run time, documented as ``model`` (what the single-item endpoint takes).

    ``Annotated[dict[str, Any], CheckedAlone(InspectionCreate)]``: the intake parses each item on its
    own, so one bad item is answered invalid in the result instead of failing the whole batch, while a
    client generated from the document still gets typed items.
    """

    model: type[BaseModel]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            _unchanged, handler(source), json_schema_input_schema=handler.generate_schema(self.model)
        )


def _unchanged(value: Any) -> Any:
    return value


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    """Build the schema once: 422s point at Problem and every operation has a default problem response."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(_problem_components())
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if isinstance(operation, dict) and "responses" in operation:
                _document_problems(method, operation)
    app.openapi_schema = schema
    return schema


# What each status means where the operation can answer it (every problem is application/problem+json).
NOT_FOUND = "Not found, or not in your area (the same answer: nothing is disclosed)"
CONFLICT = "Conflict with what is stored (an id received with other content, a state that does not allow it)"
VERSION_REQUIRED = "Say which version you change: If-Match or base_version"
TOO_MANY = "Too many requests; retry after Retry-After seconds"
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}, "required": True}
}
WRITES = frozenset({"post", "put", "patch", "delete"})
# ``openapi_extra=`` of a write that never answers 409 (signing in, a read sent as POST); not published.
NEVER_CONFLICTS_KEY = "x-fangpin-never-conflicts"
NEVER_CONFLICTS: dict[str, Any] = {NEVER_CONFLICTS_KEY: True}


def _document_problems(method: str, operation: dict[str, Any]) -> None:
    """Every status an operation can answer, with its problem schema, beside the ``default``: 404
    where a path names something, 409 on writes (unless ``NEVER_CONFLICTS``), 428 where a change may
    name its version in If-Match, 429 everywhere (the gateway's rate limit). An error a route declares
    with a model is moved to problem+json, the type every error has."""
    responses = operation["responses"]
    for status, response in responses.items():
        if status.startswith(("4", "5")):
            content = response.setdefault("content", {})
            if "application/json" in content:
                content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
            content.setdefault(PROBLEM_CONTENT_TYPE, {"schema": PROBLEM_REF})
    if "422" in responses:
        responses["422"] = _problem_response("Invalid input")
    parameters = operation.get("parameters", [])
    if any(p.get("in") == "path" and "enum" not in p.get("schema", {}) for p in parameters):
        responses.setdefault("404", _problem_response(NOT_FOUND))
    if method in WRITES and not operation.pop(NEVER_CONFLICTS_KEY, False):
        responses.setdefault("409", _problem_response(CONFLICT))
    if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in parameters):
        responses.setdefault("428", _problem_response(VERSION_REQUIRED))
    too_many = responses.setdefault("429", _problem_response(TOO_MANY))
    too_many.setdefault("headers", {}).update(RETRY_AFTER)
    responses.setdefault("default", _problem_response("Error (problem details)"))


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}}


def _problem_components() -> dict[str, Any]:
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = problem.pop("$defs", {})
    return {"Problem": problem, **defs}


def operation_id(route: APIRoute) -> str:
    return route.name


def use_problem_openapi(app: FastAPI) -> None:
    app.openapi = lambda: problem_openapi(app)  # type: ignore[method-assign]  # FastAPI: replacing app.openapi is its documented way to extend the schema


HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def documented_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the app's documented operations accept at ``path`` (the truthful Allow header)."""
    matches = [
        (template, operations)
        for template, operations in app.openapi().get("paths", {}).items()
        if compile_path(template)[0].match(path)
    ]
    # A literal path (/users/me) wins over a template that would also match it (/users/{user_id}).
    literal = [(t, ops) for t, ops in matches if "{" not in t]
    methods = {m.upper() for _, ops in (literal or matches) for m in ops if m.upper() in HTTP_METHODS}
    return sorted(methods)
