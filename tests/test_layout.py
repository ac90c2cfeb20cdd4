"""The layout every part keeps (ARCHITECTURE.md, "Inside a service"): routers are thin and build no SQL
(it lives in repositories), and statistics have one shape, router → service → repository or rollups,
with their answers in schemas.py."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = (ROOT / "services", ROOT / "gateway")

# What builds or runs SQL: the statement builders, and a session's or connection's calls that run one.
SQL_BUILDERS = frozenset({"select", "text"})
SQL_RUNNERS = frozenset({"execute", "scalar", "scalars", "exec"})
# A router may name a session's type or catch a database error; it may not reach the SQL toolkit.
ALLOWED_SQLALCHEMY = ("sqlalchemy.ext.asyncio", "sqlalchemy.exc")


def _sources() -> Iterator[Path]:
    for part in PARTS:
        yield from (p for p in sorted(part.rglob("*.py")) if "migrations" not in p.parts)


def _declares_router(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "APIRouter"
        for node in ast.walk(tree)
    )


def router_modules() -> dict[Path, ast.Module]:
    """Every router.py (and *_router.py), and any other module that declares an APIRouter: endpoints
    in a module of another name are a router all the same."""
    modules = {}
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        if path.name.endswith("router.py") or _declares_router(tree):
            modules[path] = tree
    return modules


def _sql_in(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in SQL_BUILDERS:
                yield node.lineno, f"{func.id}("
            elif isinstance(func, ast.Attribute) and func.attr in SQL_BUILDERS | SQL_RUNNERS:
                yield node.lineno, f".{func.attr}("
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            if not (node.module or "").startswith(ALLOWED_SQLALCHEMY):
                yield node.lineno, f"from {node.module} import"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy" and not alias.name.startswith(ALLOWED_SQLALCHEMY):
                    yield node.lineno, f"import {alias.name}"


def test_the_routers_are_found() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in router_modules()}
    assert {"services/registry/stats/router.py", "gateway/reports/router.py"} <= names
    assert len(names) > 20


def test_no_router_builds_or_runs_sql() -> None:
    """A router parses, checks the caller and the area, calls a service or a repository and answers;
    the SQL is the repository's, where the scope of every query can be seen in one place."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path, tree in router_modules().items()
        for line, what in sorted(_sql_in(tree))
    ]
    assert not offenders, "SQL in a router (move it to the repository):\n" + "\n".join(offenders)


def test_the_sql_check_sees_what_it_looks_for() -> None:
    source = (
        "from sqlalchemy import select, text\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "import sqlalchemy as sa\n"
        "async def f(session):\n"
        "    await session.execute(select(1))\n"
        "    await session.scalar(sa.text('SELECT 1'))\n"
    )
    found = {what for _, what in _sql_in(ast.parse(source))}
    assert found == {
        "from sqlalchemy import",
        "import sqlalchemy",
        ".execute(",
        "select(",
        ".scalar(",
        ".text(",
    }


def stats_packages() -> list[Path]:
    return sorted(p for p in (ROOT / "services").rglob("stats") if p.is_dir())


def test_statistics_have_one_shape() -> None:
    """Each part's statistics are a ``stats`` package: router.py (thin) → service.py (which figures,
    which child areas, year on year) → repository.py or the rollups, answers in schemas.py. No
    statistics module of another shape."""
    packages = stats_packages()
    assert len(packages) >= 5  # registry, monitoring, and jobs' employment, posts and training
    missing = [
        f"{package.relative_to(ROOT)}/{name}"
        for package in packages
        for name in ("__init__.py", "router.py", "service.py", "schemas.py")
        if not (package / name).is_file()
    ]
    assert not missing, "A statistics package without its part:\n" + "\n".join(missing)
    others = [str(p.relative_to(ROOT)) for p in (ROOT / "services").rglob("stats.py")]
    assert not others, "Statistics outside a stats package:\n" + "\n".join(others)
