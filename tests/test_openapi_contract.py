"""The merged OpenAPI document is the contract: typed batch items, every status an operation answers with
its problem schema (a stale change's 409 with the resource as it is now), the ETag that If-Match takes."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from fangpin.openapi_document import merged_document
from services.common.errors import PROBLEM_CONTENT_TYPE
from tests.support.registry import make_areas, make_household

WRITES = {"post", "put", "patch", "delete"}
# Writes that cannot answer 409: signing in and out, a new password, a read sent as POST.
NEVER_CONFLICT = {"issue_token", "logout", "change_password", "lookup_person"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return merged_document()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in WRITES | {"get"}
    ]


def schema_of(document: dict[str, Any], response: dict[str, Any], media: str) -> dict[str, Any]:
    ref = response["content"][media]["schema"]["$ref"]
    return document["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_every_schema_has_a_name_and_title_of_its_own(document: dict[str, Any]) -> None:
    titles = Counter(s["title"] for s in document["components"]["schemas"].values() if "title" in s)
    assert [title for title, count in titles.items() if count > 1] == []


def test_batch_items_are_documented_as_the_model_each_must_be(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for batch, field, model in [
        ("InspectionBatch", "items", "InspectionCreate"),
        ("EmploymentBatch", "items", "EmploymentRecordCreate"),
        ("PartnerBatch", "records", "PartnerRecordIn"),
    ]:
        assert schemas[batch]["properties"][field]["items"] == {"$ref": f"#/components/schemas/{model}"}
        assert "properties" in schemas[model]


def test_every_operation_documents_the_problems_it_answers(document: dict[str, Any]) -> None:
    """Beside ``default``: 429 everywhere, 404 where the path names something, 409 on writes that can
    conflict, 428 where a change takes If-Match; every error is problem+json with the Problem schema
    (or one extending it)."""
    problem = set(document["components"]["schemas"]["Problem"]["required"])
    for method, path, operation in operations(document):
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        assert "Retry-After" in responses["429"]["headers"], where
        parameters = operation.get("parameters", [])
        if any(p["in"] == "path" and "$ref" not in p["schema"] for p in parameters):
            assert "404" in responses, where
        if method in WRITES:
            assert ("409" in responses) == (operation["operationId"] not in NEVER_CONFLICT), where
        if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in parameters):
            assert "428" in responses, where
        for status, response in responses.items():
            if status[0] in "45" or status == "default":
                assert list(response["content"]) == [PROBLEM_CONTENT_TYPE], f"{where} {status}"
                assert problem <= set(schema_of(document, response, PROBLEM_CONTENT_TYPE)["required"])


@pytest.mark.parametrize(
    ("method", "path", "current"),
    [
        ("patch", "/api/v1/households/{household_id}", "HouseholdRead"),
        ("post", "/api/v1/households/{household_id}/delete", "HouseholdRead"),
        ("patch", "/api/v1/people/{person_id}", "PersonRead"),
        ("post", "/api/v1/cases/{case_id}/actions", "CaseRead"),
        ("post", "/api/v1/alerts/{alert_id}/acknowledge", "AlertRead"),
        ("patch", "/api/v1/measures/{measure_id}", "MeasureRead"),
        ("patch", "/api/v1/welfare-posts/{post_id}", "PostRead"),
        ("patch", "/api/v1/training-courses/{course_id}", "CourseRead"),
        ("post", "/api/v1/training-enrolments/{enrolment_id}/actions", "EnrolmentRead"),
    ],
)
def test_a_stale_change_documents_its_409_with_the_current_state(
    document: dict[str, Any], method: str, path: str, current: str
) -> None:
    conflict = document["paths"][path][method]["responses"]["409"]
    properties = schema_of(document, conflict, PROBLEM_CONTENT_TYPE)["properties"]
    assert {"$ref": f"#/components/schemas/{current}"} in properties["current"]["anyOf"]
    assert "current_version" in properties


@pytest.mark.parametrize(
    "path", ["/api/v1/households/{household_id}", "/api/v1/people/{person_id}", "/api/v1/users/{user_id}"]
)
def test_reads_that_if_match_refers_to_document_their_etag(document: dict[str, Any], path: str) -> None:
    assert document["paths"][path]["get"]["responses"]["200"]["headers"]["ETag"]["required"]
    parameters = document["paths"][path]["patch"]["parameters"]
    if_match = [p for p in parameters if p["in"] == "header" and p["name"].lower() == "if-match"]
    assert if_match


async def test_the_served_document_is_the_one_built_in_process(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    served = (await client.get("/api/v1/openapi.json")).json()
    assert served == document


async def test_a_read_sends_the_etag_and_a_stale_if_match_gets_the_current_state(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    household = await make_household(admin)
    url = f"/api/v1/households/{household['id']}"
    read = await admin.get(url)
    etag = read.headers["etag"]  # weak (W/) when the gateway compressed the answer: the same version
    assert etag.removeprefix("W/") == f'"{household["version"]}"'
    changed = await admin.patch(url, json={"phone": "13800000001"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    again = (await admin.get(url)).headers["etag"].removeprefix("W/")
    assert again == f'"{changed.json()["version"]}"' != etag.removeprefix("W/")
    stale = await admin.patch(url, json={"phone": "13800000002"}, headers={"If-Match": etag})
    assert stale.status_code == 409
    assert stale.headers["content-type"] == PROBLEM_CONTENT_TYPE
    problem = stale.json()
    assert problem["current_version"] == changed.json()["version"]
    assert problem["current"]["phone"] == "13800000001"
    assert (await admin.patch(url, json={"phone": "13800000003"})).status_code == 428


def test_operation_ids_are_the_routes_names_and_unique(document: dict[str, Any]) -> None:
    ids = Counter(operation["operationId"] for _, _, operation in operations(document))
    assert [name for name, count in ids.items() if count > 1] == []
    assert ids["issue_token"] == ids["sync_changes"] == ids["post_inspection_batch"] == 1


def test_no_service_has_two_operations_of_one_id(recwarn: pytest.WarningsRecorder) -> None:
    merged_document()
    assert not [w for w in recwarn if "Duplicate Operation ID" in str(w.message)]
