"""Run fangpin parts as real OS processes on loopback ports, as production runs them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PartProcess:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_part(
    name: str, env: dict[str, str], log_dir: Path, *args: str, port: int | None = None
) -> PartProcess:
    """Start ``fangpin serve NAME``; FANGPIN_* variables come only from ``env``, never from ours."""
    port = port or free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FANGPIN_")} | env
    log_path = log_dir / f"{name}-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "fangpin", "serve", name, "--port", str(port), *args],
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return PartProcess(name, port, process, log_path, env)


SERVICES = ("registry", "monitoring", "jobs", "projects", "oversight")


def wiring(ports: dict[str, int]) -> dict[str, str]:
    """How the parts find each other, as compose.yaml wires them: the gateway reaches every service,
    monitoring and jobs ask the registry, the registry and jobs deliver events to monitoring."""

    def url(name: str) -> str:
        return f"http://127.0.0.1:{ports[name]}"

    return {
        **{f"FANGPIN_GATEWAY_{name.upper()}_URL": url(name) for name in SERVICES},
        "FANGPIN_MONITORING_REGISTRY_URL": url("registry"),
        "FANGPIN_JOBS_REGISTRY_URL": url("registry"),
        "FANGPIN_OVERSIGHT_REGISTRY_URL": url("registry"),
        "FANGPIN_PROJECTS_REGISTRY_URL": url("registry"),
        "FANGPIN_OVERSIGHT_MONITORING_URL": url("monitoring"),
        "FANGPIN_OVERSIGHT_JOBS_URL": url("jobs"),
        "FANGPIN_OVERSIGHT_PROJECTS_URL": url("projects"),
        "FANGPIN_REGISTRY_MONITORING_URL": url("monitoring"),
        "FANGPIN_JOBS_MONITORING_URL": url("monitoring"),
        "FANGPIN_PROJECTS_MONITORING_URL": url("monitoring"),
        "FANGPIN_PROJECTS_JOBS_URL": url("jobs"),  # station events
    }


def start_system(
    env: dict[str, str], log_dir: Path, gateway_env: dict[str, str] | None = None
) -> dict[str, PartProcess]:
    """The three services and the gateway, each its own process on loopback, ready to serve."""
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    env = env | wiring(ports)
    running: dict[str, PartProcess] = {}
    try:
        for name in SERVICES:
            running[name] = start_part(name, env, log_dir, "--no-migrate", port=ports[name])
        gateway = env | (gateway_env or {})
        running["gateway"] = start_part("gateway", gateway, log_dir, "--no-migrate", port=ports["gateway"])
        for part in running.values():
            wait_ready(part)
    except BaseException:
        for part in running.values():
            part.stop()
        raise
    return running


# Six parts starting at once beside a busy test worker can take a minute or more on two cores: how long
# a start takes is not what these tests check, only that it comes.
READY_PATIENCE_S = 180


def wait_ready(part: PartProcess, timeout_s: float = READY_PATIENCE_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if part.process.poll() is not None:
            raise RuntimeError(f"{part.name} exited with {part.process.returncode}:\n{part.log()}")
        try:
            if httpx.get(f"{part.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{part.name} not ready after {timeout_s} s:\n{part.log()}")
