"""OpenAPI as clients see it: every error documented as problem+json, never FastAPI's default shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field, GetCoreSchemaHandler
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
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if "422" in responses:
                responses["422"] = _problem_response("Invalid input")
            responses.setdefault("default", _problem_response("Error (problem details)"))
    app.openapi_schema = schema
    return schema


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}}


def _problem_components() -> dict[str, Any]:
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = problem.pop("$defs", {})
    return {"Problem": problem, **defs}


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
