"""The ``fangpin`` command: serve the system (all parts or one), migrate, manage the first admin, demo."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import signal
import sys
from collections.abc import Sequence

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker

from fangpin import areas_command, import_command, reports_command
from fangpin.demo import (
    DEMO_ADMIN,
    DEMO_USERS,
    PatientTransport,
    accounts_table,
    demo_passwords,
    load_demo,
    sign_in,
)
from fangpin.local import LocalRuntime, new_national_id_key
from fangpin.parts import GATEWAY, PARTS, SERVICE_PARTS
from fangpin.server import DrainingServer, apps_in
from gateway.identity.bootstrap import create_user_as_operator
from gateway.identity.credentials import PasswordHasher
from gateway.identity.schemas import UserCreate
from services.common.app_factory import migrate
from services.common.audit.store import AuditStore
from services.common.audit.table import audit_table
from services.common.auth import Role, generate_keypair
from services.common.database import create_engine
from services.common.errors import Conflict
from services.common.logging import configure_logging
from services.common.peers import link_local
from services.common.settings import RuntimeSettings


def build_app(local: LocalRuntime, part_name: str, *, migrate_schemas: bool, demo: bool) -> FastAPI:
    """The app for ``fangpin serve PART``; ``all`` is the gateway with every service in-process."""
    overrides = {} if migrate_schemas else {"migrate_on_start": False}
    if part_name in SERVICE_PARTS:
        part = SERVICE_PARTS[part_name]
        return part.create_app(local.settings_for(part, **overrides))
    gateway_settings = local.settings_for(GATEWAY, **overrides)
    local_apps = {}
    if part_name == "all":
        for name, part in SERVICE_PARTS.items():
            if getattr(gateway_settings, f"{name}_url") is None:
                local_apps[name] = part.create_app(local.settings_for(part, **overrides))
    link_local(local_apps)
    startup = [_demo_loader(local)] if demo else []
    return GATEWAY.create_app(gateway_settings, local_apps=local_apps, startup_tasks=startup)


def _demo_loader(local: LocalRuntime):  # noqa: ANN202 - a startup task
    async def load(app: FastAPI) -> None:
        passwords = demo_passwords(local.runtime.data_dir)
        # The accounts come from the operator (auditors cannot be made by an administrator) …
        made = 0
        for username, display_name, role, area_code in [DEMO_ADMIN, *DEMO_USERS]:
            data = UserCreate(
                username=username,
                display_name=display_name,
                password=passwords[username],
                role=role,
                area_code=area_code,
            )
            async with app.state.database.sessionmaker() as session:
                try:
                    _, created = await create_user_as_operator(
                        session,
                        app.state.audit_store,
                        app.state.identity.hasher,
                        data,
                        "fangpin serve --demo",
                    )
                except Conflict:
                    created = False  # changed since it was made (e.g. a new password): left as it is
            made += created
        # … and the data through the public API, as the administrator.
        admin = DEMO_ADMIN[0]
        transport = PatientTransport(httpx.ASGITransport(app=app, raise_app_exceptions=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://fangpin.local") as client:
            auth = await sign_in(client, admin, passwords[admin])
            counts = await load_demo(client, auth, passwords, with_accounts=False) | {"users": made}
        print(
            f"fangpin: demo data ready ({counts} new)\n{accounts_table(passwords)}",
            file=sys.stderr,
            flush=True,
        )

    return load


def cmd_serve(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    local = LocalRuntime(runtime)
    try:
        app = build_app(local, args.part, migrate_schemas=not args.no_migrate, demo=args.demo)
        port = args.port or (GATEWAY.default_port if args.part == "all" else PARTS[args.part].default_port)
        where = f"http://{args.host}:{port}"
        docs = f" — API docs at {where}/docs" if args.part in ("all", "gateway") else ""
        print(f"fangpin: {args.part} on {where}{docs}", file=sys.stderr, flush=True)
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
        server = DrainingServer(config, apps_in(app), drain_s=args.drain)
        # uvicorn re-raises SIGTERM after its graceful shutdown; turn that into a normal exit so the
        # finally below still stops the embedded database.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        server.run()
        return 0 if server.started else 1
    finally:
        local.close()


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)  # uvicorn has already shut down gracefully: a clean stop


def cmd_migrate(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    unknown = [name for name in args.parts if name not in PARTS]
    if unknown:
        print(f"fangpin: no part named {', '.join(unknown)} (parts: {', '.join(PARTS)})", file=sys.stderr)
        return 2
    local = LocalRuntime(runtime)
    try:
        for name in args.parts or list(PARTS):
            part = PARTS[name]
            asyncio.run(migrate(name, local.settings_for(part), part.migrations))
            # The functions, triggers and views (sql/) are applied with it: name which files are in force.
            layer = f", sql layer {part.migrations.sql_hash[:12]}" if part.migrations.sql_hash else ""
            print(f"fangpin: {name} migrated to {', '.join(part.migrations.heads)}{layer}", file=sys.stderr)
        return 0
    finally:
        local.close()


def read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        first, second = getpass.getpass(prompt), getpass.getpass("again: ")
        if first != second:
            raise SystemExit("fangpin: the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_create_user(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    password = read_password(f"password for {args.username}: ")
    try:
        data = UserCreate(
            username=args.username,
            display_name=args.name or args.username,
            password=password,
            role=args.role,
            area_code=args.area,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"fangpin: {problems}", file=sys.stderr)
        return 2
    local = LocalRuntime(runtime)
    try:
        settings = local.settings_for(GATEWAY)
        created = asyncio.run(_create_user(settings, data, f"fangpin users {args.users_command}"))
    finally:
        local.close()
    print(
        f"fangpin: {'created' if created else 'already there:'} {args.role} {args.username} for {args.area}",
        file=sys.stderr,
    )
    return 0 if created else 1


async def _create_user(settings, data: UserCreate, command: str) -> bool:  # noqa: ANN001
    engine = create_engine(settings.database_url, part="gateway-cli", pool_size=1, max_overflow=0)
    try:
        if not await GATEWAY.migrations.at_head(engine):
            raise SystemExit(
                "fangpin: the gateway's schema is not at the latest version; run `fangpin migrate`"
            )

        hasher = PasswordHasher(settings.password_hash_time_cost, settings.password_hash_memory_kib)
        store = AuditStore(audit_table(GATEWAY.migrations.schema), chain="gateway")
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            _, created = await create_user_as_operator(session, store, hasher, data, command)
        return created
    finally:
        await engine.dispose()


def cmd_demo(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    password = read_password(f"password for {args.username}: ")

    async def run() -> dict[str, int]:
        transport = PatientTransport(httpx.AsyncHTTPTransport())
        async with httpx.AsyncClient(base_url=args.url, timeout=60, transport=transport) as client:
            return await load_demo(client, await sign_in(client, args.username, password), passwords)

    passwords = demo_passwords(runtime.data_dir)
    print(
        f"fangpin: demo data loaded into {args.url}: {asyncio.run(run())}\n{accounts_table(passwords)}",
        file=sys.stderr,
    )
    return 0


def cmd_keys(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    """Fresh keys as shell exports, for deployments where the parts run on different machines."""
    private, public = generate_keypair()
    for name, value in (
        ("FANGPIN_INTERNAL_TOKEN_PUBLIC_KEY", public),
        ("FANGPIN_INTERNAL_TOKEN_PRIVATE_KEY", private),
        ("FANGPIN_GATEWAY_TOKEN_SECRET", secrets.token_urlsafe(48)),
        ("FANGPIN_REGISTRY_NATIONAL_ID_KEY", new_national_id_key()),
        ("FANGPIN_SERVICE_TOKEN_SECRET", secrets.token_urlsafe(48)),
    ):
        print(f"export {name}='{value.strip()}'")
    return 0


def cmd_db_url(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    local = LocalRuntime(runtime)
    print(runtime.database_url or local.embedded_urls()[0])
    if local.embedded is not None:
        local.embedded.server.cleanup_mode = None  # leave it running for the psql session this is for
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
    serve.add_argument(
        "--demo", action="store_true", help="load the demo data and accounts at start (idempotent)"
    )
    serve.add_argument("--grace-period", type=float, default=20.0, help="seconds to finish requests on stop")
    serve.add_argument(
        "--drain", type=float, default=0.0, help="on SIGTERM, seconds /readyz answers 503 before stopping"
    )
    serve.set_defaults(handler=cmd_serve)

    migrate_cmd = commands.add_parser(
        "migrate", help="upgrade every part's schema to the latest version, then its functions (sql/)"
    )
    migrate_cmd.add_argument(
        "parts", nargs="*", metavar="PART", help=f"{', '.join(PARTS)} (default: every part)"
    )
    migrate_cmd.set_defaults(handler=cmd_migrate)

    users = commands.add_parser("users", help="manage accounts from the command line")
    users_commands = users.add_subparsers(dest="users_command", required=True, metavar="USERS_COMMAND")
    create = users_commands.add_parser(
        "create-admin", help="create a county administrator (password on stdin)"
    )
    create.add_argument("username")
    create.add_argument("--area", required=True, help="12-digit area code it administers (000000000000: all)")
    create.add_argument("--name", help="display name (default: the username)")
    create.set_defaults(handler=cmd_create_user, role=Role.county_admin.value)
    any_role = users_commands.add_parser(
        "create", help="create an account of any role, e.g. an auditor (password on stdin)"
    )
    any_role.add_argument("username")
    any_role.add_argument("--role", required=True, choices=[r.value for r in Role])
    any_role.add_argument("--area", required=True, help="12-digit area code of its scope (000000000000: all)")
    any_role.add_argument("--name", help="display name (default: the username)")
    any_role.set_defaults(handler=cmd_create_user)

    demo = commands.add_parser(
        "demo", help="load the demo data into a running system (admin password on stdin)"
    )
    demo.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway's base URL")
    demo.add_argument("--username", default="admin", help="an administrator with national scope")
    demo.set_defaults(handler=cmd_demo)

    keys = commands.add_parser("keys", help="print a fresh set of signing keys as shell exports")
    keys.set_defaults(handler=cmd_keys)

    import_command.add_parser(commands)
    areas_command.add_parser(commands)
    reports_command.add_parser(commands)

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
