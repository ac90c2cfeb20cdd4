"""Clients generated from the merged OpenAPI document, as a client developer makes them.

openapi-python-client (pinned in requirements-dev.lock) and openapi-typescript (pinned in
tools/openapi-typescript/package-lock.json, installed by `npm ci`) read the document built in-process;
any generator warning fails, as does an operation without a generated function or type. The generated
Python client then works a phone's round against `fangpin serve` as a real process: sign in, sync, post
a batch of visits, and handle a 409 by its typed problem.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from fangpin.openapi_document import merged_document
from tests.support.processes import PartProcess, start_part, wait_ready
from tests.support.registry import AREAS, HUANGJIN, fresh_number, member
from tests.support.system import NO_RATE_LIMITS, Database, Keys, process_env

pytestmark = pytest.mark.once  # the generators do not depend on the server; the smoke test hardly

ROOT = Path(__file__).resolve().parent.parent
PYTHON_CONFIG = ROOT / "tools" / "openapi-python-client.yaml"
TYPESCRIPT = ROOT / "tools" / "openapi-typescript"
PACKAGE = "fangpin_client"
METHODS = ("get", "put", "post", "patch", "delete")
# A generated function's request: `"method": "post", "url": "/api/v1/…".format(…)`.
REQUEST = re.compile(r'"method": "(\w+)",\s*"url": "([^"]+)"')


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(json.dumps(merged_document(), ensure_ascii=False))
    return path


def operations(document: Path) -> set[tuple[str, str]]:
    paths = json.loads(document.read_text())["paths"]
    return {(method, path) for path, item in paths.items() for method in item if method in METHODS}


def run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


@pytest.fixture(scope="module")
def python_client(document: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("python-client") / PACKAGE
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = run(
        [str(generator), "generate", "--path", str(document), "--output-path", str(out)]
        + ["--meta", "none", "--config", str(PYTHON_CONFIG), "--fail-on-warning"]
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output
    return out


def test_the_python_client_has_a_function_for_every_operation(document: Path, python_client: Path) -> None:
    generated = {
        (method, url)
        for module in (python_client / "api").rglob("*.py")
        for method, url in REQUEST.findall(module.read_text())
    }
    assert operations(document) - generated == set()
    assert len(list((python_client / "api").rglob("*.py"))) - len(
        list((python_client / "api").rglob("__init__.py"))
    ) == len(operations(document))


def test_typescript_types_cover_every_operation(document: Path, tmp_path: Path) -> None:
    npm = shutil.which("npm")
    assert npm, "npm (Node.js 20) is needed to generate the TypeScript types"
    if not (TYPESCRIPT / "node_modules" / ".bin" / "openapi-typescript").exists():
        installed = run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=TYPESCRIPT)
        assert installed.returncode == 0, installed.stdout + installed.stderr
    types = tmp_path / "fangpin-api.d.ts"
    bin_dir = TYPESCRIPT / "node_modules" / ".bin"
    result = run([str(bin_dir / "openapi-typescript"), str(document), "--output", str(types)])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not re.search(r"warn|⚠|error", output, re.IGNORECASE), output
    text = types.read_text()
    # Each path is a key of `paths`, and each operation a key of `operations` by its id.
    for path in {path for _, path in operations(document)}:
        assert f'"{path}": {{' in text, path
    ids = {
        op["operationId"]
        for item in json.loads(document.read_text())["paths"].values()
        for op in item.values()
    }
    assert {name for name in ids if not re.search(rf"^\s+{name}: {{", text, re.MULTILINE)} == set()
    checked = run([str(bin_dir / "tsc"), "--noEmit", "--strict", str(types)])
    assert checked.returncode == 0, checked.stdout + checked.stderr


# The generated client against the system as a real process.


ADMIN, CADRE, PASSWORD = "clients-admin", "clients-cadre", "a password for the smoke test"


@pytest.fixture
def served(clean_database: Database, keys: Keys, tmp_path: Path) -> Iterator[PartProcess]:
    """`fangpin serve` (all parts in one process) with an administrator made by `fangpin users
    create-admin`, the areas, a village cadre of 黄金村 and a household there."""
    env = process_env(
        clean_database,
        keys,
        FANGPIN_DATA_DIR=str(tmp_path / "data"),
        FANGPIN_GATEWAY_PASSWORD_HASH_TIME_COST="1",
        FANGPIN_GATEWAY_PASSWORD_HASH_MEMORY_KIB="8192",
        FANGPIN_LOG_LEVEL="WARNING",
        **NO_RATE_LIMITS,
    )
    part = start_part("all", env, tmp_path)
    try:
        wait_ready(part)
        clean_env = {k: v for k, v in os.environ.items() if not k.startswith("FANGPIN_")} | env
        created = subprocess.run(
            [sys.executable, "-m", "fangpin", "users", "create-admin", ADMIN, "--area", "000000000000"],
            input=PASSWORD + "\n",
            env=clean_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr
        with httpx.Client(base_url=part.url, timeout=30) as admin:
            form = {"grant_type": "password", "username": ADMIN, "password": PASSWORD}
            token = admin.post("/api/v1/auth/token", data=form).json()["access_token"]
            admin.headers["Authorization"] = f"Bearer {token}"
            for code, name in AREAS:
                assert admin.post("/api/v1/areas", json={"code": code, "name": name}).status_code == 201
            cadre = {"username": CADRE, "display_name": "黄金村村干部", "password": PASSWORD}
            cadre |= {"role": "village_cadre", "area_code": HUANGJIN}
            assert admin.post("/api/v1/users", json=cadre).status_code == 201
            household = {"number": fresh_number(), "area_code": HUANGJIN, "members": [member("head")]}
            assert admin.post("/api/v1/households", json=household).status_code == 201
        yield part
    finally:
        part.stop()


@pytest.fixture(scope="module")
def client_package(python_client: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(python_client.parent))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(python_client.parent))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def api(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def models() -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


def test_a_phone_round_with_the_generated_client(served: PartProcess, client_package: ModuleType) -> None:
    m = models()
    anonymous = client_package.Client(base_url=served.url, raise_on_unexpected_status=True)

    # Sign in.
    token = api("auth.issue_token").sync(
        client=anonymous,
        body=m.BodyIssueToken(grant_type="password", username=CADRE, password=PASSWORD),
    )
    assert isinstance(token, m.TokenResponse), token
    cadre = client_package.AuthenticatedClient(
        base_url=served.url, token=token.access_token, raise_on_unexpected_status=True
    )

    # Sync: the village's households, typed.
    changes = api("sync.sync_changes").sync(client=cadre, limit=50)
    assert isinstance(changes, m.SyncChanges) and changes.households, changes
    household = changes.households[0]

    # A batch of visits: typed items; the same batch again is answered duplicate, not stored twice.
    visit = m.InspectionCreate(
        id=uuid.uuid4(),
        household_id=household.id,
        area_code=household.area_code,
        visited_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
        household_size=3,
        food_secure=True,
        clothing_secure=True,
    )
    batch = api("inspections.post_inspection_batch")
    first = batch.sync(client=cadre, body=m.InspectionBatch(items=[visit]))
    assert isinstance(first, m.InspectionBatchResult), first
    assert [item.status for item in first.items] == ["created"]
    again = batch.sync(client=cadre, body=m.InspectionBatch(items=[visit]))
    assert [item.status for item in again.items] == ["duplicate"]

    # A 409: the same visit id with other answers is a conflict, answered as a typed problem.
    other = m.InspectionCreate.from_dict(visit.to_dict() | {"household_size": 4})
    conflict = api("inspections.post_inspection").sync_detailed(client=cadre, body=other)
    assert conflict.status_code == 409
    assert isinstance(conflict.parsed, m.Problem) and conflict.parsed.status == 409, conflict.parsed

    # A 409 of a stale change carries the household as it is now; the ETag of a read is its version.
    get_household = api("households.get_household")
    read = get_household.sync_detailed(client=cadre, household_id=household.id)
    etag = read.headers["etag"]
    update = api("households.update_household")
    changed = update.sync_detailed(
        client=cadre, household_id=household.id, body=m.HouseholdUpdate(phone="13800000001"), if_match=etag
    )
    assert changed.status_code == 200, changed.content
    stale = update.sync_detailed(
        client=cadre, household_id=household.id, body=m.HouseholdUpdate(phone="13800000002"), if_match=etag
    )
    assert stale.status_code == 409
    assert isinstance(stale.parsed, m.HouseholdReadConflict), stale.parsed
    assert stale.parsed.current.version == changed.parsed.version
    assert stale.parsed.current.phone == "13800000001"
