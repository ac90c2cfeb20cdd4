"""Property-based fuzzing of the whole public API as the national administrator, who reaches every
operation: every phase, the coverage phase's boundary values of every parameter included, on a demo
server of its own (its fuzzing may disable or re-password the accounts tests/test_fuzz.py signs in
with, and apart the two run on two workers at once)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fuzzing import fuzz_as, serve_demo
from tests.support.processes import PartProcess
from tests.support.system import Database, Keys

pytestmark = [pytest.mark.processes, pytest.mark.fuzz]


@pytest.fixture(scope="module")
def served(database: Database, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PartProcess]:
    yield from serve_demo(database, keys, tmp_path_factory)


def test_fuzz_the_api_as_the_administrator(served: PartProcess) -> None:
    fuzz_as(served, "admin")
