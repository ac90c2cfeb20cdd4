"""The ``fangpin`` command: serve the system (all parts or one), migrate, load demo data."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

import httpx
import uvicorn
from fastapi import FastAPI

from fangpin.demo import load_demo
from fangpin.embedded import EmbeddedPostgres
from fangpin.parts import GATEWAY, PARTS, SERVICE_PARTS, Part
from services.common.database import create_engine
from services.common.logging import configure_logging
from services.common.settings import RuntimeSettings, ServiceSettings


class DatabaseResolver:
    """Gives each part its database URL: its own setting, or the embedded server started on demand."""

    def __init__(self, runtime: RuntimeSettings) -> None:
        self.runtime = runtime
        self.embedded: EmbeddedPostgres | None = None

    def settings_for(self, part: Part, **overrides: object) -> ServiceSettings:
        settings = part.settings_cls()
        if settings.database_url is None and part.migrations is not None:
            overrides["database_url"] = self.embedded_url()
        return settings.model_copy(update=overrides) if overrides else settings

    def embedded_url(self) -> str:
        if self.embedded is None:
            data_dir = self.runtime.data_dir
            print(f"fangpin: embedded PostgreSQL, data in {data_dir / 'pgdata'}", file=sys.stderr, flush=True)
            self.embedded = EmbeddedPostgres(data_dir)
        return self.embedded.ensure_database()

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


def build_app(resolver: DatabaseResolver, part_name: str, *, migrate: bool, demo: bool) -> FastAPI:
    """The app for ``fangpin serve PART``; ``all`` is the gateway with every service in-process."""
    overrides = {} if migrate else {"migrate_on_start": False}
    if part_name in SERVICE_PARTS:
        part = SERVICE_PARTS[part_name]
        return part.create_app(resolver.settings_for(part, **overrides))
    gateway_settings = resolver.settings_for(GATEWAY, **overrides)
    local_apps = {}
    if part_name == "all":
        for name, part in SERVICE_PARTS.items():
            if getattr(gateway_settings, f"{name}_url") is None:
                local_apps[name] = part.create_app(resolver.settings_for(part, **overrides))
    startup = [_load_demo_in_process] if demo else []
    return GATEWAY.create_app(gateway_settings, local_apps=local_apps, startup_tasks=startup)


async def _load_demo_in_process(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://fangpin.local") as client:
        counts = await load_demo(client)
    print(f"fangpin: demo data ready ({counts})", file=sys.stderr, flush=True)


def cmd_serve(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    resolver = DatabaseResolver(runtime)
    try:
        app = build_app(resolver, args.part, migrate=not args.no_migrate, demo=args.demo)
        port = args.port or (GATEWAY.default_port if args.part == "all" else PARTS[args.part].default_port)
        where = f"http://{args.host}:{port}"
        print(
            f"fangpin: {args.part} on {where}"
            + (f" — API docs at {where}/docs" if args.part in ("all", "gateway") else ""),
            file=sys.stderr,
            flush=True,
        )
        config = uvicorn.Config(
            app,
            host=args.host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=args.grace_period,
            server_header=False,
        )
        server = uvicorn.Server(config)
        # uvicorn re-raises SIGTERM after its graceful shutdown; turn that into a normal exit so the
        # finally below still stops the embedded database.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        server.run()
        return 0 if server.started else 1
    finally:
        resolver.close()


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def cmd_migrate(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    resolver = DatabaseResolver(runtime)
    try:
        names = args.parts or list(SERVICE_PARTS)
        for name in names:
            part = PARTS[name]
            if part.migrations is None:
                continue
            settings = resolver.settings_for(part)
            asyncio.run(_migrate(part, settings))
            print(f"fangpin: {name} migrated to {', '.join(part.migrations.heads)}", file=sys.stderr)
        return 0
    finally:
        resolver.close()


async def _migrate(part: Part, settings: ServiceSettings) -> None:
    assert part.migrations is not None and settings.database_url is not None
    engine = create_engine(settings.database_url, part=part.name, pool_size=1, max_overflow=0)
    try:
        await part.migrations.upgrade(engine)
    finally:
        await engine.dispose()


def cmd_demo(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    async def run() -> dict[str, int]:
        async with httpx.AsyncClient(base_url=args.url, timeout=60) as client:
            return await load_demo(client)

    print(f"fangpin: demo data loaded into {args.url}: {asyncio.run(run())}", file=sys.stderr)
    return 0


def cmd_db_url(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    resolver = DatabaseResolver(runtime)
    print(runtime.database_url or resolver.embedded_url())
    # Leave the embedded server running for the psql session this URL is for.
    if resolver.embedded is not None:
        resolver.embedded.server.cleanup_mode = None
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="fangpin", description="Poverty-relapse monitoring backend (防返贫监测)"
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the API (all parts in one process, or one part)")
    serve.add_argument("part", nargs="?", default="all", choices=["all", *PARTS], help="default: all")
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: 8000 (all, gateway), 8101-8103 (services)")
    serve.add_argument("--no-migrate", action="store_true", help="do not upgrade schemas at start")
    serve.add_argument("--demo", action="store_true", help="load the demo data at start (idempotent)")
    serve.add_argument("--grace-period", type=float, default=20.0, help="seconds to finish requests on stop")
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="upgrade every part's schema to the latest version")
    migrate.add_argument("parts", nargs="*", choices=list(PARTS), help="default: every part")
    migrate.set_defaults(handler=cmd_migrate)

    demo = commands.add_parser("demo", help="load the demo data into a running system")
    demo.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway's base URL")
    demo.set_defaults(handler=cmd_demo)

    db_url = commands.add_parser("db-url", help="print the database URL in use (starts the embedded server)")
    db_url.set_defaults(handler=cmd_db_url)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    runtime = RuntimeSettings()
    configure_logging(runtime.log_level, runtime.log_json)
    try:
        return args.handler(args, runtime)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
