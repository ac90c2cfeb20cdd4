"""The gateway's merge of the services' OpenAPI documents: every name and title unique, decided on content
with references already rewritten, so no schema ever silently stands in for another."""

from __future__ import annotations

from typing import Any

from gateway.openapi import merge_documents


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "title": f"Page[{name}]",
        "properties": {"items": {"type": "array", "items": ref(name)}},
    }


def document(path: str, schemas: dict[str, Any], answer: str) -> dict[str, Any]:
    response = {"200": {"content": {"application/json": {"schema": ref(answer)}}}}
    return {"paths": {path: {"get": {"responses": response}}}, "components": {"schemas": schemas}}


def answer_of(merged: dict[str, Any], path: str) -> str:
    return merged["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]


def resolve(merged: dict[str, Any], reference: str) -> Any:
    return merged["components"]["schemas"][reference.rsplit("/", 1)[-1]]


def test_a_look_alike_wrapper_of_a_renamed_schema_is_renamed_too() -> None:
    """Both services have ``Page_AssignmentRead_`` with the same text, but their AssignmentRead differ:
    the second page must not overwrite the first (it did when renames were decided on the raw text)."""
    registry = document(
        "/api/v1/cadre-assignments",
        {
            "AssignmentRead": {"type": "object", "title": "AssignmentRead", "properties": {"cadre": {}}},
            "Page_AssignmentRead_": page_of("AssignmentRead"),
        },
        "Page_AssignmentRead_",
    )
    jobs = document(
        "/api/v1/post-assignments",
        {
            "AssignmentRead": {"type": "object", "title": "AssignmentRead", "properties": {"post": {}}},
            "Page_AssignmentRead_": page_of("AssignmentRead"),
        },
        "Page_AssignmentRead_",
    )
    merged = merge_documents({"paths": {}}, {"registry": registry, "jobs": jobs})
    registry_page = resolve(merged, answer_of(merged, "/api/v1/cadre-assignments"))
    jobs_page = resolve(merged, answer_of(merged, "/api/v1/post-assignments"))
    assert "cadre" in resolve(merged, registry_page["properties"]["items"]["items"]["$ref"])["properties"]
    assert "post" in resolve(merged, jobs_page["properties"]["items"]["items"]["$ref"])["properties"]
    assert answer_of(merged, "/api/v1/post-assignments") == "#/components/schemas/JobsPage_AssignmentRead_"
    schemas = merged["components"]["schemas"]
    assert schemas["JobsAssignmentRead"]["title"] == "JobsAssignmentRead"
    assert schemas["JobsPage_AssignmentRead_"]["title"] == "JobsPage_AssignmentRead_"
    assert schemas["AssignmentRead"]["title"] == "AssignmentRead"  # the first keeps its name


def test_identical_schemas_share_one_name_and_renames_never_collide() -> None:
    shared = {"type": "string", "title": "Code"}
    registry = document("/api/v1/a", {"Code": shared, "Item": {"type": "integer", "title": "Item"}}, "Code")
    jobs = document(
        "/api/v1/b",
        {"Code": shared, "Item": {"type": "boolean", "title": "Item"}, "JobsItem": {"type": "null"}},
        "Item",
    )
    merged = merge_documents({"paths": {}}, {"registry": registry, "jobs": jobs})
    schemas = merged["components"]["schemas"]
    assert "JobsCode" not in schemas  # the same content is one schema
    assert schemas["JobsItem"] == {"type": "null"}  # the service's own JobsItem is not overwritten
    assert answer_of(merged, "/api/v1/b") == "#/components/schemas/JobsItem2"
    assert schemas["JobsItem2"] == {"type": "boolean", "title": "JobsItem2"}
    titles = [s["title"] for s in schemas.values() if "title" in s]
    assert len(titles) == len(set(titles))


def test_an_operation_id_another_service_has_gets_the_service_name() -> None:
    def with_operation(path: str) -> dict[str, Any]:
        return {"paths": {path: {"post": {"operationId": "take_step", "responses": {}}}}}

    merged = merge_documents(
        {"paths": {}}, {"monitoring": with_operation("/api/v1/cases/x"), "jobs": with_operation("/api/v1/y")}
    )
    assert merged["paths"]["/api/v1/cases/x"]["post"]["operationId"] == "take_step"
    assert merged["paths"]["/api/v1/y"]["post"]["operationId"] == "jobs_take_step"
