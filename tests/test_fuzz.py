"""Property-based fuzzing of the whole public API (schemathesis), signed in as each role but the
administrator in turn (tests/test_fuzz_admin.py), on a demo server of its own.

Runs against `fangpin serve` as a real process, from the merged OpenAPI document, on a fixed seed:
every operation, every check (tests/fuzz/schemathesis.toml says where a refusal is rightly expected),
stateful sequences included. FANGPIN_FUZZ_EXAMPLES sets examples per operation (default 30; a sixth
for the read-mostly roles).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.support.fuzzing import SESSION_ENDING, access_token, assert_clean, fuzz, fuzz_as, serve_demo
from tests.support.processes import PartProcess
from tests.support.system import Database, Keys

pytestmark = [pytest.mark.processes, pytest.mark.fuzz]

# The county's administrator goes last: its fuzzing may disable or re-password the demo accounts the
# others sign in with.
ROLES = ["partner", "auditor", "ops", "reviewer", "cadre", "county"]


@pytest.fixture(scope="module")
def served(database: Database, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PartProcess]:
    yield from serve_demo(database, keys, tmp_path_factory)


@pytest.mark.parametrize("role", ROLES)
def test_fuzz_the_api_as(served: PartProcess, role: str) -> None:
    fuzz_as(served, role)


def test_fuzz_the_session_ending_operations(served: PartProcess) -> None:
    passwords = json.loads(served.env["passwords"])
    admin = access_token(served.url, "admin", passwords["admin"])
    throwaway = {
        "username": "fuzz-throwaway",
        "display_name": "fuzz",
        "password": "throwaway password 1",
        "role": "village_cadre",
        "area_code": "610924105201",
    }
    created = httpx.post(
        f"{served.url}/api/v1/users", json=throwaway, headers={"Authorization": f"Bearer {admin}"}, timeout=30
    )
    assert created.status_code in (200, 201), created.text
    token = access_token(served.url, "fuzz-throwaway", "throwaway password 1")
    included = [arg for path in SESSION_ENDING for arg in ("--include-path", path)]
    assert_clean(fuzz(served.url, token, *included), "a throwaway account", served)
