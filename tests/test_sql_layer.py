"""The database's own code: what PostgreSQL runs for each part is exactly its sql layer (its ``sql/``
files and the shared scripts it names), on a fresh database and on one upgraded a revision at a time
from the first; a changed file is applied by the next migrate, a removed function goes, replicas apply
once; and no revision imports our code."""

from __future__ import annotations

import ast
import asyncio
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from fangpin.parts import PARTS, SERVICE_PARTS
from services.common import sql_layer
from services.common.database import create_engine
from services.common.migrations import Migrations
from services.jobs.employment import rollups as employment
from services.jobs.employment.codes import AWAY
from services.jobs.posts import rollups as posts
from services.jobs.training import rollups as training
from services.monitoring.cases.service import DEFAULT_DECISION_DAYS
from services.monitoring.cases.workflow import MONITORED_STATES, UNDECIDED_STATES
from services.monitoring.codes import LIVE_ALERT_STATES
from services.monitoring.stats import rollups as monitoring_stats
from services.monitoring.visits import rollups as visits
from services.monitoring.visits.repository import DEFAULT_INTERVAL_DAYS
from services.registry.stats import rollups as registry
from tests.support.database import create_test_database, drop_test_database
from tests.support.system import Database

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {name: part.migrations for name, part in SERVICE_PARTS.items()}
LAYERED = {name: part.migrations for name, part in PARTS.items()}  # the services and the gateway
CREATES_CODE = re.compile(r"CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|TRIGGER|VIEW)\s+(?!pg_temp\.)", re.I)


def sql_of(service: str, name: str) -> str:
    return (ROOT / "services" / service / "sql" / name).read_text()


def revision_files() -> list[Path]:
    parts = [*ROOT.glob("services/*/migrations"), ROOT / "gateway" / "migrations"]
    return sorted(path for part in parts for path in part.glob("versions/*.py"))


def test_every_part_has_a_sql_layer_with_the_shared_scripts_written_for_its_schema() -> None:
    for name, migrations in SERVICES.items():
        assert migrations.sql_directory == ROOT / "services" / name / "sql", name
        assert sql_layer.source_files(migrations.sql_directory), name
        assert migrations.shared_sql == (sql_layer.AUDIT_LOG, sql_layer.ROLLUPS), name
    assert LAYERED["gateway"].shared_sql == (sql_layer.AUDIT_LOG,)
    for name, migrations in LAYERED.items():
        assert migrations.layer is not None
        scripts = migrations.layer.scripts()
        assert [s.name for s in scripts] == sorted(s.name for s in scripts)
        shared = "\n".join(s.text for s in scripts if s.name in migrations.shared_sql)
        assert sql_layer.SCHEMA_PLACEHOLDER not in shared, name
        assert f"CREATE OR REPLACE FUNCTION {name}.audit_log_append(contents text[])" in shared, name
        others = [other for other in LAYERED if other != name and f"{other}." in shared]
        assert not others, (name, others)


def imported_modules(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


@pytest.mark.parametrize("path", revision_files(), ids=lambda p: f"{p.parts[-4]}/{p.name}")
def test_revisions_import_no_code_of_ours_and_make_no_functions(path: Path) -> None:
    """A revision replays the same way forever: it imports only alembic and SQLAlchemy, and the
    functions, triggers and views it would make are the sql layer's (a fill may freeze what it needs
    in pg_temp; a way back may restore what it takes away)."""
    tree = ast.parse(path.read_text(), str(path))
    imported = set(imported_modules(tree))
    assert {name.split(".")[0] for name in imported} <= {"__future__", "alembic", "sqlalchemy"}, imported
    going_back = [
        node
        for node in tree.body
        if (isinstance(node, ast.FunctionDef) and node.name == "downgrade")
        or (isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "DOWNGRADE" for t in node.targets))
    ]
    lines = path.read_text().splitlines()
    for node in going_back:
        lines[node.lineno - 1 : node.end_lineno] = [""] * (node.end_lineno - node.lineno + 1)  # type: ignore[operator]
    assert not CREATES_CODE.search("\n".join(lines)), path.name


def quoted(values: object) -> str:
    return ", ".join(f"'{v}'" for v in sorted(str(getattr(v, "value", v)) for v in values))  # type: ignore[attr-defined]


def test_the_files_name_what_the_code_names() -> None:
    """Constants the SQL spells out (state lists, defaults, measures) are those the Python code reads."""
    jobs = {name: sql_of("jobs", name) for name in ("040_employment_deltas.sql", "041_post_deltas.sql")}
    assert f"status IN ({quoted(AWAY)}) AS away" in jobs["040_employment_deltas.sql"]
    for measure in (employment.PEOPLE, employment.AWAY_BY_CATEGORY, employment.AWAY_NO_DESTINATION):
        assert f"'{measure}'" in jobs["040_employment_deltas.sql"]
    assert f"'{employment.AWAY_BY_DESTINATION}'" in jobs["040_employment_deltas.sql"]
    for word in (posts.POSTS, posts.PLACES, posts.FILLED, posts.BY_SOURCE, posts.BY_TYPE):
        assert f"'{word}'" in jobs["041_post_deltas.sql"]
    enrolments = sql_of("jobs", "042_enrolment_deltas.sql")
    for measure in (
        training.ENROLLED,
        training.COMPLETED,
        training.DROPPED,
        training.PLACED,
        training.PLACED_AT,
    ):
        assert f"'{measure}'" in enrolments
    alerts_cases = sql_of("monitoring", "040_alert_case_deltas.sql")
    assert f"a.state IN ({quoted(LIVE_ALERT_STATES)}) THEN NULL" in alerts_cases
    assert f"s.to_state IN ({quoted(MONITORED_STATES)})" in alerts_cases
    assert f"(s.to_state IN ({quoted(UNDECIDED_STATES)})" in alerts_cases
    assert f"COALESCE(l.days, {DEFAULT_DECISION_DAYS}) + 1" in alerts_cases
    s = monitoring_stats
    for measure in (s.OPEN, s.OVERDUE, s.STATE, s.TYPE, s.PAST_LIMIT):
        assert f"'{measure}'" in alerts_cases
    pairings = sql_of("monitoring", "045_pairing_deltas.sql")
    assert f"LIMIT 1), {DEFAULT_INTERVAL_DAYS}) AS days" in pairings
    for measure in visits.VISIT_MEASURES:
        assert f"'{measure}'" in pairings
    households = sql_of("registry", "040_rollup_deltas.sql")
    for measure in (registry.HOUSING, registry.WATER_UNSAFE, registry.POOR_HOUSEHOLDS, registry.POOR_PEOPLE):
        assert f"'{measure}'" in households
    assert households.count(f"g.programme IN ({quoted(registry.POOR_PROGRAMMES)})") == 2
    assert f"'{registry.GROUPS}'" in sql_of("registry", "045_group_deltas.sql")


def _engine(url: str) -> AsyncEngine:
    return create_engine(url, part="test-sql-layer", pool_size=2, max_overflow=0)


async def _differences(engine: AsyncEngine, migrations: Migrations) -> list[str]:
    assert migrations.layer is not None
    async with engine.connect() as conn:
        return await sql_layer.differences(conn, migrations.layer)


async def _definitions(engine: AsyncEngine, schema: str) -> dict[str, str]:
    async with engine.connect() as conn:
        return await sql_layer.definitions(conn, schema)


async def test_a_fresh_database_runs_exactly_the_files(database: Database) -> None:
    engine = _engine(database.owner_url)
    try:
        for name, migrations in LAYERED.items():
            assert await migrations.status(engine) == "ok", name
            assert await _differences(engine, migrations) == [], name
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def stepwise(server_url: str) -> AsyncIterator[AsyncEngine]:
    """A second database, brought up one revision at a time from each service's first (then the layer,
    at head), with what an older release left behind planted just before the last revision."""
    url = await create_test_database(server_url)
    engine = _engine(url)
    try:
        for name, migrations in LAYERED.items():
            revisions = [
                s.revision for s in ScriptDirectory.from_config(migrations.config()).walk_revisions()
            ]
            for number, revision in enumerate(reversed(revisions)):
                if number == len(revisions) - 1 and number > 0:  # one revision: no older release
                    await _plant_leftovers(engine, name)
                await migrations.upgrade(engine, revision)
                layer_applied = await migrations.status(engine) == "ok"
                assert layer_applied == (number == len(revisions) - 1), (name, revision)
        yield engine
    finally:
        await engine.dispose()
        await drop_test_database(server_url, url)


async def _plant_leftovers(engine: AsyncEngine, schema: str) -> None:
    """Like the registry's log_created, which its revisions once made and later stopped using: a
    function no longer in the files, and a trigger that calls it."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f"CREATE FUNCTION {schema}.old_logger() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RETURN NULL; END $$"
            )
        )
        await conn.execute(
            text(
                f"CREATE TRIGGER old_logger AFTER INSERT ON {schema}.audit_log "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.old_logger()"
            )
        )


async def test_a_database_upgraded_step_by_step_equals_a_fresh_one(
    stepwise: AsyncEngine, database: Database
) -> None:
    fresh = _engine(database.owner_url)
    try:
        for name, migrations in LAYERED.items():
            upgraded = await _definitions(stepwise, name)
            assert upgraded == await _definitions(fresh, name), name
            assert not [key for key in upgraded if "old_logger" in key], name
            assert await _differences(stepwise, migrations) == [], name
    finally:
        await fresh.dispose()


def _changed_copy(source: Path, target: Path, name: str, old: str, new: str) -> Path:
    shutil.copytree(source, target)
    path = target / name
    assert path.read_text().count(old) == 1
    path.write_text(path.read_text().replace(old, new))
    return target


async def test_a_changed_line_is_applied_by_the_next_migrate(stepwise: AsyncEngine, tmp_path: Path) -> None:
    released = SERVICES["registry"]
    assert released.sql_directory is not None
    changed = _changed_copy(
        released.sql_directory,
        tmp_path / "sql",
        "049_rollup_deltas_of.sql",
        "SELECT id FROM registry.households WHERE deleted_at IS NULL",
        "SELECT h.id FROM registry.households AS h WHERE h.deleted_at IS NULL",
    )
    edited = released.with_sql_directory(changed)
    assert await edited.status(stepwise) == "sql layer not applied"
    # The deployed code is what the released files say, not what the edited ones say.
    assert await _differences(stepwise, edited) == [
        "function registry.rollup_all_subjects(): differs from the source"
    ]

    await edited.upgrade(stepwise)  # no revision to run: the hash alone brings the change

    assert await edited.status(stepwise) == "ok"
    assert await released.status(stepwise) == "sql layer not applied"
    async with stepwise.connect() as conn:
        body = await conn.scalar(
            text("SELECT prosrc FROM pg_proc WHERE oid = 'registry.rollup_all_subjects'::regproc")
        )
    assert "h.deleted_at IS NULL" in body
    assert await _differences(stepwise, edited) == []
    assert await _differences(stepwise, released) == [
        "function registry.rollup_all_subjects(): differs from the source"
    ]

    await released.upgrade(stepwise)
    assert await _differences(stepwise, released) == []


async def test_a_changed_shared_script_is_applied_to_every_schema_that_runs_it(
    stepwise: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = dict(LAYERED)
    shared = tmp_path / "common-sql"
    shutil.copytree(sql_layer.SHARED_DIRECTORY, shared)
    script = shared / sql_layer.AUDIT_LOG
    old, new = "'audit_log is append-only: % is not allowed'", "'audit_log is append-only: no %'"
    assert script.read_text().count(old) == 1
    script.write_text(script.read_text().replace(old, new))
    monkeypatch.setattr(sql_layer, "SHARED_DIRECTORY", shared)
    edited = {name: replace(migrations) for name, migrations in released.items()}  # hashes anew

    for name in ("gateway", "projects"):
        assert await edited[name].status(stepwise) == "sql layer not applied", name
        await edited[name].upgrade(stepwise)
        assert await edited[name].status(stepwise) == "ok", name
        async with stepwise.connect() as conn:
            body = await conn.scalar(
                text("SELECT prosrc FROM pg_proc WHERE oid = to_regproc(:f)"),
                {"f": f"{name}.audit_log_append_only"},
            )
        assert "append-only: no %" in body, name
    monkeypatch.undo()

    for name in ("gateway", "projects"):
        await released[name].upgrade(stepwise)
        assert await _differences(stepwise, released[name]) == [], name


async def test_what_the_files_no_longer_define_is_dropped(stepwise: AsyncEngine, tmp_path: Path) -> None:
    released = SERVICES["jobs"]
    assert released.sql_directory is not None
    extended = tmp_path / "sql"
    shutil.copytree(released.sql_directory, extended)
    (extended / "070_extra.sql").write_text(
        "CREATE OR REPLACE FUNCTION jobs.extra_count() RETURNS bigint LANGUAGE sql STABLE AS $$\n"
        "    SELECT count(*) FROM jobs.welfare_posts\n$$;\n"
        "CREATE OR REPLACE VIEW jobs.extra_view AS SELECT jobs.extra_count() AS n;\n"
        "CREATE OR REPLACE FUNCTION jobs.extra_guard() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN RETURN NULL; END $$;\n"
        "DROP TRIGGER IF EXISTS extra_guard ON jobs.welfare_posts;\n"
        "CREATE TRIGGER extra_guard AFTER INSERT ON jobs.welfare_posts\n"
        "    FOR EACH STATEMENT EXECUTE FUNCTION jobs.extra_guard();\n"
    )
    await released.with_sql_directory(extended).upgrade(stepwise)
    extras = {k for k in await _definitions(stepwise, "jobs") if "extra" in k}
    assert extras == {
        "function jobs.extra_count()",
        "function jobs.extra_guard()",
        "trigger welfare_posts.extra_guard",
        "view jobs.extra_view",
    }

    await released.upgrade(stepwise)

    assert not {k for k in await _definitions(stepwise, "jobs") if "extra" in k}
    assert await _differences(stepwise, released) == []


async def test_replicas_migrating_together_apply_once(stepwise: AsyncEngine, tmp_path: Path) -> None:
    released = SERVICES["monitoring"]
    assert released.sql_directory is not None
    changed = _changed_copy(
        released.sql_directory,
        tmp_path / "sql",
        "049_rollup_deltas_of.sql",
        "UNION SELECT id FROM monitoring.pairings",
        "UNION ALL SELECT id FROM monitoring.pairings",
    )
    edited = released.with_sql_directory(changed)
    assert edited.layer is not None
    layer = edited.layer

    async def replica() -> bool:
        async with stepwise.begin() as conn:
            return await sql_layer.apply(conn, layer)

    assert sorted(await asyncio.gather(replica(), replica())) == [False, True]
    assert await _differences(stepwise, edited) == []
    async with stepwise.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM monitoring.sql_layer")) == 1

    await released.upgrade(stepwise)
    assert await released.status(stepwise) == "ok"


async def test_rollup_watch_makes_the_triggers_named_and_refuses_other_writes(database: Database) -> None:
    engine = _engine(database.owner_url)
    try:
        definitions = await _definitions(engine, "jobs")
        made = sorted(k for k in definitions if k.startswith("trigger welfare_posts.rollup_"))
        assert made == [
            f"trigger welfare_posts.rollup_welfare_posts_{w}" for w in ("delete", "insert", "update")
        ]
        assert (
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
            in (definitions["trigger welfare_posts.rollup_welfare_posts_update"])
        )
        async with engine.connect() as conn:
            with pytest.raises(Exception, match="truncate is not insert, update or delete"):
                await conn.execute(text("SELECT jobs.rollup_watch('jobs.welfare_posts', 'truncate')"))
    finally:
        await engine.dispose()
