"""The kernel's imports: errors need nothing of ours, no cycle hides anywhere in services/common (not even
behind an import inside a function), every kernel module imports on its own, and the parts keep apart:
services share only services/common, the gateway reaches no service's code."""

from __future__ import annotations

import ast
import graphlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT / "services" / "common"
OURS = ("services", "gateway", "fangpin", "tests")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def kernel_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(KERNEL.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(path: Path, *, with_type_checking: bool) -> Iterator[str]:
    """Every module an import in ``path`` names, at any depth (functions included)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    yield from names_in(ast.parse(path.read_text(), str(path)), package, with_type_checking)


def names_in(tree: ast.AST, package: list[str], with_type_checking: bool) -> Iterator[str]:
    """For ``from a import b`` both ``a`` and ``a.b``, since ``b`` may be a submodule; relative imports
    are resolved against ``package``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node) and not with_type_checking:
            yield from names_in(ast.Module(body=node.orelse, type_ignores=[]), package, with_type_checking)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] if node.level else [])
            module = ".".join(filter(None, (base, node.module)))
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)
        yield from names_in(node, package, with_type_checking)


def kernel_graph() -> dict[str, set[str]]:
    """Module -> the kernel modules importing it runs, packages' ``__init__`` included (importing
    ``a.b.c`` runs ``a.b`` first). What only type checkers read is left out: it never runs."""
    modules = kernel_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for imported in imported_names(path, with_type_checking=False):
            parts = imported.split(".")
            targets.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
        graph[name] = {target for target in targets & modules.keys() if target != name}
        # A package's own parents run before it, never the other way round.
        graph[name] -= {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 1)}
    return graph


def test_errors_import_nothing_of_ours() -> None:
    """Every module raises these errors, so they may depend on none: like httpx's exceptions module."""
    ours = [
        name
        for name in imported_names(KERNEL / "errors.py", with_type_checking=True)
        if name.split(".")[0] in OURS or name.startswith(".")
    ]
    assert ours == []


def test_the_kernel_has_no_import_cycle() -> None:
    """Imports inside functions count: a cycle hidden behind one still ties the modules together."""
    graph = kernel_graph()
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        # graphlib lists each module before the one that imports it; say it the way imports read.
        pytest.fail(f"import cycle in services/common: {' imports '.join(reversed(exc.args[1]))}")
    assert set(order) >= graph.keys()
    assert graph["services.common.errors"] == set()


def test_the_graph_sees_imports_in_functions_and_skips_type_checking() -> None:
    """The parser itself: an import inside a function is found, one only type checkers read is not."""
    source = textwrap.dedent(
        """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from services.common.auth import Principal
        else:
            from . import ids
        def later():
            from services.common.database import DatabaseUnavailable
        """
    )
    names = set(names_in(ast.parse(source), ["services", "common"], with_type_checking=False))
    assert "services.common.database.DatabaseUnavailable" in names
    assert "services.common.ids" in names
    assert not any(name.startswith("services.common.auth") for name in names)


# Run in a fresh interpreter: third-party libraries are imported once, then each kernel module is imported
# in a forked child that has none of ours loaded yet, so it must bring in everything it needs by itself
# (a cycle shows as "partially initialized module"). Forking keeps this to seconds, not one start per module.
_IMPORT_ALONE = """
import importlib, json, os, sys, traceback
modules, third_party = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for name in third_party:
    try:
        importlib.import_module(name)
    except Exception:
        pass  # optional, or not a module (a name imported from one): the child imports it if it must
assert not any(m == "services" or m.startswith(("services.", "gateway.")) for m in sys.modules)
failures = {}
for name in modules:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(name)
            code = 0
        except BaseException:
            os.write(write, traceback.format_exc().encode())
            code = 1
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        output = pipe.read().decode()
    if os.waitpid(pid, 0)[1] != 0:
        failures[name] = output or "the child died"
print(json.dumps(failures))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to stay fast")
def test_each_kernel_module_imports_on_its_own() -> None:
    modules = sorted(kernel_modules())
    third_party = sorted(
        {
            name
            for path in kernel_modules().values()
            for name in imported_names(path, with_type_checking=False)
            if name.split(".")[0] not in OURS
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALONE, json.dumps(modules), json.dumps(third_party)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert failures == {}, "\n".join(f"{name}:\n{trace}" for name, trace in failures.items())


def _services() -> list[str]:
    return sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())


def _crossings(directory: Path, allowed: set[str]) -> list[str]:
    """Imports under ``directory`` that reach a service package other than ``allowed`` (any depth,
    annotations included: a type from another service is still that service's code)."""
    found = []
    for path in sorted(directory.rglob("*.py")):
        for name in imported_names(path, with_type_checking=True):
            parts = name.split(".")
            if parts[0] == "services" and len(parts) > 1 and parts[1] in _services():
                if parts[1] not in allowed:
                    found.append(f"{path.relative_to(ROOT)}: {name}")
    return found


@pytest.mark.parametrize("service", _services())
def test_services_never_import_each_other(service: str) -> None:
    """A service shares only the kernel; the kernel itself reaches no service."""
    allowed = {"common"} if service == "common" else {"common", service}
    assert _crossings(ROOT / "services" / service, allowed) == []


def test_the_gateway_imports_no_service_but_the_kernel() -> None:
    """The gateway reaches the services over HTTP (or ASGI in one process), never through their code."""
    assert _crossings(ROOT / "gateway", {"common"}) == []
