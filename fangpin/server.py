"""uvicorn with a drain: on SIGTERM, /readyz answers 503 for a while before the server stops.

A load balancer or Kubernetes takes the instance out of rotation when readiness fails; only then does
uvicorn stop accepting connections and finish the requests in flight (up to the grace period).

Once started, everything built at startup (modules, routes, schemas, SQL metadata: well over a
hundred thousand objects that live as long as the process) is frozen out of the garbage collector's
view. Otherwise every full collection walks them all again, and a batch of 500 inspections, which
allocates enough to set off several, spent more time in the collector than in validating its items.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket
from collections.abc import Iterable
from types import FrameType

import uvicorn
from fastapi import FastAPI

logger = logging.getLogger("fangpin.server")


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, apps: Iterable[FastAPI], drain_s: float) -> None:
        super().__init__(config)
        self.apps = list(apps)
        self.drain_s = drain_s
        self._draining = False

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        gc.collect()
        gc.freeze()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGTERM and self.drain_s > 0 and not self._draining and not self.should_exit:
            self._draining = True
            self._captured_signals.append(sig)
            for app in self.apps:
                app.state.draining = True
            logger.info("draining: /readyz answers 503 for %.1f s, then stopping", self.drain_s)
            asyncio.get_event_loop().call_later(self.drain_s, self._stop)
            return
        super().handle_exit(sig, frame)

    def _stop(self) -> None:
        self.should_exit = True


def apps_in(app: FastAPI) -> list[FastAPI]:
    """The app and the service apps it runs in-process (the gateway in `fangpin serve`)."""
    return [app, *getattr(app.state, "local_apps", {}).values()]
