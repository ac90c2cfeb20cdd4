"""The README documents every setting there is, and the API docs pages work with no way out to the
internet: everything they load is served by the part itself."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from fangpin.parts import PARTS
from services.common.settings import RuntimeSettings
from tests.support.system import asgi_client

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme() -> None:
    missing = [
        f"FANGPIN_{name.upper()}"
        for name in RuntimeSettings.model_fields
        if f"FANGPIN_{name.upper()}" not in README
    ]
    for part in PARTS.values():
        for name in part.settings_cls.model_fields:
            shared, own = f"FANGPIN_{name.upper()}", f"FANGPIN_{part.name.upper()}_{name.upper()}"
            if shared not in README and own not in README:
                missing.append(own)
    assert not missing, f"settings missing from README.md: {missing}"


def test_quick_start_has_the_two_commands() -> None:
    assert "./dev up" in README and "./dev test" in README


# What a page loads: <script src>, <link href>, ReDoc's spec-url and Swagger UI's `url: '…'`.
REFERENCE = re.compile(r"""(?:\b(?:src|href|spec-url)=|\burl:\s*)["']([^"']+)["']""")
CONTENT_TYPES = {
    ".js": {"text/javascript", "application/javascript"},
    ".css": {"text/css"},
    ".png": {"image/png"},
    ".json": {"application/json"},
}


async def assert_page_loads_only_our_own_files(client: httpx.AsyncClient, page: str) -> list[str]:
    answer = await client.get(page)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert not re.search(r"(?i)https?:|//[a-z0-9]", answer.text), f"{page} names another host"
    references = REFERENCE.findall(answer.text)
    for reference in references:
        assert reference.startswith("/"), f"{page} loads {reference}, not a path on this server"
        served = await client.get(reference)
        assert served.status_code == 200, f"{page} loads {reference}: {served.status_code}"
        content_type = served.headers["content-type"].split(";")[0]
        assert content_type in CONTENT_TYPES[Path(reference).suffix], f"{reference}: {content_type}"
    return references


@pytest.mark.parametrize(
    ("page", "loads"),
    [
        ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png", "openapi.json"}),
        ("/redoc", {"redoc.standalone.js", "favicon.png", "openapi.json"}),
    ],
)
async def test_the_gateway_docs_load_nothing_from_another_host(
    client: httpx.AsyncClient, page: str, loads: set[str]
) -> None:
    references = await assert_page_loads_only_our_own_files(client, page)
    assert {Path(r).name for r in references} == loads
    assert "/api/v1/openapi.json" in references  # the merged document, not the gateway's own


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_a_service_docs_load_nothing_from_another_host(system: FastAPI, page: str) -> None:
    async with asgi_client(system.state.local_apps["registry"]) as client:
        assert "/openapi.json" in await assert_page_loads_only_our_own_files(client, page)
