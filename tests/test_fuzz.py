"""Property-based fuzzing of the whole public API (schemathesis), signed in as each role in turn.

Runs against `fangpin serve` as a real process, from the merged OpenAPI document, on a fixed seed:
every operation, every check (tests/fuzz/schemathesis.toml says where a refusal is rightly expected),
stateful sequences included. FANGPIN_FUZZ_EXAMPLES sets examples per operation (default 30; a sixth
for the read-mostly roles).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fangpin.demo import DEMO_ADMIN, DEMO_USERS
from services.common.auth import ROLE_PERMISSIONS, Role
from tests.support.authz.matrix import TARGETED, UNTARGETED
from tests.support.processes import PartProcess, start_part, wait_ready
from tests.support.system import NO_RATE_LIMITS, Database, Keys, process_env

pytestmark = [pytest.mark.processes, pytest.mark.fuzz]

CONFIG = Path(__file__).parent / "fuzz" / "schemathesis.toml"
SEED = "20261128"
EXAMPLES = int(os.environ.get("FANGPIN_FUZZ_EXAMPLES", "30"))
# The roles that may write most get every example; the others are refused almost everywhere, where a
# sixth of the examples already shows every refusal is clean. Only the administrator, who reaches every
# operation, runs the coverage phase (boundary values of every parameter): for the others it would
# mostly meet the same parameters again.
FULL_DEPTH = {"admin", "cadre"}
COVERAGE = {"admin"}
# These end the caller's own sign-in; they are fuzzed in a run of their own with a throwaway account.
SESSION_ENDING = ["/api/v1/auth/logout", "/api/v1/users/me/password"]
# Roles that manage accounts go last: their fuzzing may disable or re-password the demo accounts the
# others sign in with (admin after county, whose scope does not reach the national admin).
# The whole demo loads before the server is ready: about a minute alone, minutes beside the other worker.
DEMO_PATIENCE_S = 900
ROLES = ["partner", "auditor", "ops", "reviewer", "cadre", "county", "admin"]


@pytest.fixture(scope="module")
def served(database: Database, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PartProcess]:
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    env = process_env(
        database,
        keys,
        FANGPIN_DATA_DIR=str(data_dir),
        FANGPIN_GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS="100000",
        FANGPIN_GATEWAY_LOGIN_MAX_FAILURES_PER_USER="100000",
        FANGPIN_GATEWAY_PASSWORD_HASH_TIME_COST="1",
        FANGPIN_GATEWAY_PASSWORD_HASH_MEMORY_KIB="8192",
        FANGPIN_LOG_LEVEL="WARNING",
        **NO_RATE_LIMITS,
    )
    part = start_part("all", env, tmp_path_factory.mktemp("fuzz-logs"), "--demo")
    try:
        wait_ready(part, timeout_s=DEMO_PATIENCE_S)
        part.env["passwords"] = (data_dir / "demo-passwords.json").read_text()
        yield part
    finally:
        part.stop()


def refused_operations(url: str, username: str) -> list[str]:
    """The operations the demo account ``username`` lacks the permission for. Each refuses such a caller
    before it reads any input (403 permission_denied, whatever the input), and tests/test_authorization.py
    proves that for every role and every operation; fuzzing them again as that role would only repeat it
    (for the read-mostly roles, most of their run)."""
    role = Role(next(r for name, _, r, _ in [DEMO_ADMIN, *DEMO_USERS] if name == username))
    permission_of = {
        (e.method, re.sub(r"{[^}]+}", "{}", e.path.split("?")[0])): e.permission
        for e in (TARGETED | UNTARGETED).values()
    }
    document = httpx.get(f"{url}/api/v1/openapi.json", timeout=30).json()
    refused = []
    for path, operations in document["paths"].items():
        for method in operations:
            permission = permission_of.get((method.upper(), re.sub(r"{[^}]+}", "{}", path)))
            if permission is not None and permission not in ROLE_PERMISSIONS[role]:
                refused.append(f"{method.upper()} {path}")
    return refused


def access_token(url: str, username: str, password: str) -> str:
    form = {"grant_type": "password", "username": username, "password": password}
    response = httpx.post(f"{url}/api/v1/auth/token", data=form, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def fuzz(url: str, token: str, *extra: str, examples: int = EXAMPLES) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(examples),
        "--seed",
        SEED,
        # One worker: schemathesis' threads hit a CPython 3.11 bug in concurrent ast.parse
        # ("AST constructor recursion depth mismatch") inside hypothesis.
        "--workers",
        "1",
        "--generation-database",
        "none",
        # Schemathesis gives up on an answer after 10 s and reports a network error; in CI the fuzzing
        # shares two cores with a whole test run, so a slow report or export is not a broken one.
        "--request-timeout",
        "60",
        "--no-color",
        "--header",
        f"Authorization: Bearer {token}",
        *extra,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL)


def error_sections(report: str) -> str:
    """The report's ERRORS and FAILURES sections (which the summary at its end only counts)."""
    found = re.findall(r"={5,} (?:ERRORS|FAILURES) ={5,}\n.*?(?=\n={5,} [A-Z]+ ={5,})", report, re.S)
    return "\n".join(found)[:8000]


def assert_clean(result: subprocess.CompletedProcess, who: str, served: PartProcess) -> None:
    summary = error_sections(result.stdout) + "\n" + result.stdout[-4000:]
    if result.returncode != 0:
        # What the server said meanwhile (warnings and errors): a timeout's cause is there, not here.
        summary += "\nthe server's log, last lines:\n" + "\n".join(served.log().splitlines()[-40:])
        # The whole report, since the assertion message keeps only its end.
        report = Path(tempfile.gettempdir()) / f"fangpin-fuzz-{who}.txt"
        report.write_text(result.stdout + "\n" + result.stderr)
        summary = f"(full report: {report})\n{summary}"
    assert result.returncode == 0, f"fuzzing as {who} found problems:\n{summary}\n{result.stderr[-2000:]}"
    assert "No issues found" in result.stdout or " passed" in result.stdout, summary


@pytest.mark.parametrize("role", ROLES)
def test_fuzz_the_api_as(served: PartProcess, role: str) -> None:
    passwords = json.loads(served.env["passwords"])
    token = access_token(served.url, role, passwords[role])
    excluded = [arg for path in SESSION_ENDING for arg in ("--exclude-path", path)]
    excluded += [arg for name in refused_operations(served.url, role) for arg in ("--exclude-name", name)]
    phases = () if role in COVERAGE else ("--phases", "examples,fuzzing,stateful")
    examples = EXAMPLES if role in FULL_DEPTH else max(EXAMPLES // 6, 5)
    assert_clean(fuzz(served.url, token, *excluded, *phases, examples=examples), role, served)


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
