"""Container health check: exit 0 when the part in this container answers PATH (default /healthz).

Usage: fangpin-healthcheck [PATH [PORT]]. Without PORT it reads `--port N` from the command of
process 1 (the part; also found after an init such as docker-init), else 8000. The slim image has
no curl, so this uses only the standard library.
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

DEFAULT_PORT = "8000"


def port_of_main_process() -> str:
    try:
        args = Path("/proc/1/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return DEFAULT_PORT
    for i, arg in enumerate(args):
        if arg == "--port" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--port="):
            return arg.split("=", 1)[1]
    return DEFAULT_PORT


def main(argv: list[str]) -> int:
    path = argv[0] if argv else "/healthz"
    port = argv[1] if len(argv) > 1 else port_of_main_process()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:  # URLError and HTTPError (4xx/5xx) are OSErrors
        print(f"fangpin-healthcheck: {path} on port {port}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
