"""What a machine running fangpin provides when nothing is configured: the embedded database, with an
owner role for migrations and a serving role without rights to alter the audit log, and generated keys
kept in the data directory (so all parts started from it trust each other)."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import secrets
import shutil
import sys
from pathlib import Path

import asyncpg

from fangpin.embedded import EmbeddedPostgres
from fangpin.parts import Part
from services.common.auth import generate_keypair
from services.common.settings import RuntimeSettings, ServiceSettings

logger = logging.getLogger("fangpin.local")
APP_ROLE = "fangpin_app"


class LocalRuntime:
    def __init__(self, runtime: RuntimeSettings) -> None:
        self.runtime = runtime
        self.embedded: EmbeddedPostgres | None = None
        self._urls: tuple[str, str] | None = None

    def settings_for(self, part: Part, **overrides: object) -> ServiceSettings:
        """The part's settings from the environment, completed with local defaults where unset."""
        settings = part.settings_cls()
        if settings.database_url is None:
            owner_url, app_url = self.embedded_urls()
            overrides.setdefault("database_url", app_url)
            overrides.setdefault("migration_database_url", owner_url)
        # Keys come from the data directory only for the settings left unset (made there on first use).
        wanted = {"internal_token_public_key": "internal_public"}
        if part.name != "gateway":
            wanted["service_token_secret"] = "service_token_secret"
        if part.name == "registry":
            wanted["national_id_key"] = "national_id_key"
        if part.name == "gateway":
            wanted |= {"internal_token_private_key": "internal_private", "token_secret": "token_secret"}
        missing = {field: key for field, key in wanted.items() if not getattr(settings, field, None)}
        if missing:
            keys = self.keys()
            for field, key in missing.items():
                overrides.setdefault(field, keys[key])
        return settings.model_copy(update=overrides) if overrides else settings

    def embedded_urls(self) -> tuple[str, str]:
        """(owner URL, serving URL) on the embedded server, started on first use."""
        if self._urls is None:
            data_dir = self.runtime.data_dir
            print(f"fangpin: embedded PostgreSQL, data in {data_dir / 'pgdata'}", file=sys.stderr, flush=True)
            self.embedded = EmbeddedPostgres(data_dir)
            owner_url = self.embedded.ensure_database()
            asyncio.run(_ensure_login_role(owner_url, APP_ROLE))
            self._urls = owner_url, self.embedded.url(user=APP_ROLE)
        return self._urls

    def keys(self) -> dict[str, str]:
        """The internal token key pair and the access token secret, made once in the data directory."""
        directory = self.runtime.data_dir / "keys"
        if not directory.exists():
            logger.warning(
                "no keys configured: generated a set in %s; parts on other machines will not trust this "
                "one unless they share it (see `fangpin keys`)",
                directory,
            )
            _generate_keys(directory)
        # A data directory from an older version lacks later keys: add each once, never replace it.
        for name, make in (("national_id_key", new_national_id_key), ("service_token_secret", new_secret)):
            path = directory / KEY_FILES[name]
            if not path.exists():
                try:
                    _write_private(path, make(), exclusive=True)
                except FileExistsError:
                    pass
        return {name: (directory / filename).read_text() for name, filename in KEY_FILES.items()}

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


KEY_FILES = {
    "internal_private": "internal-token.key.pem",
    "internal_public": "internal-token.pub.pem",
    "token_secret": "access-token.secret",
    "national_id_key": "national-id.key",
    "service_token_secret": "service-token.secret",
}


def _generate_keys(directory: Path) -> None:
    """Write all keys to a private temporary directory and rename it into place in one step, so parts
    starting at the same moment all end up with the same set."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.with_name(f"{directory.name}.{os.getpid()}.tmp")
    staging.mkdir(mode=0o700)
    private, public = generate_keypair()
    for name, content in (("internal_private", private), ("internal_public", public)):
        _write_private(staging / KEY_FILES[name], content)
    _write_private(staging / KEY_FILES["token_secret"], new_secret())
    _write_private(staging / KEY_FILES["national_id_key"], new_national_id_key())
    _write_private(staging / KEY_FILES["service_token_secret"], new_secret())
    try:
        staging.rename(directory)
    except OSError:
        shutil.rmtree(staging)  # another part made them first; use theirs


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def new_national_id_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _write_private(path: Path, content: str, exclusive: bool = False) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)


async def _ensure_login_role(owner_url: str, role: str) -> None:
    conn = await asyncpg.connect(owner_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
        if not exists:
            try:
                await conn.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
            except asyncpg.DuplicateObjectError:
                pass
    finally:
        await conn.close()
