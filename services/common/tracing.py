"""Optional OpenTelemetry tracing, exported over OTLP/HTTP when an endpoint is configured.

The switch is OpenTelemetry's own: ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (the full URL,
``http://collector:4318/v1/traces``) or ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the base URL; ``/v1/traces`` is
added). ``OTEL_SDK_DISABLED=true`` or ``OTEL_TRACES_EXPORTER=none`` turn it off again. Without an endpoint
nothing here imports the SDK or starts a thread: parts run exactly as they do without this module.

With one, each part gets its own tracer provider (``service.name`` = ``fangpin-<part>``, also when all
parts share one process), never the global one, and traces:
- every request as a server span, named by method and route template (FastAPI's own telemetry);
- the part's httpx clients (gateway → service, service → service, event deliveries) as client spans,
  which carry the W3C ``traceparent`` to the next part;
- its SQL statements as database spans (SQLAlchemy; statements without their parameters).
The SDK reads its other settings from the environment as usual (``OTEL_EXPORTER_OTLP_HEADERS``,
``OTEL_EXPORTER_OTLP_TIMEOUT``, ``OTEL_TRACES_SAMPLER``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_BSP_*``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for annotations: the SDK is imported when tracing is on
    import httpx
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger("fangpin.tracing")

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes: noise
FLUSH_TIMEOUT_MS = 5_000


def tracing_configured(environ: Mapping[str, str] = os.environ) -> bool:
    """The cheap check: is an OTLP endpoint for traces set (and tracing not switched off)?"""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return any(environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in UNTRACED_PATHS


class Tracing:
    """One part's tracer provider, its exporter, and the instrumentation of its clients and engines."""

    def __init__(self, part: str, version: str) -> None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.metrics import NoOpMeterProvider
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        self.part = part
        self.service_name = f"fangpin-{part}"
        # Metrics stay with Prometheus (/metrics): the instrumentations get a meter that records nothing.
        self._meters = NoOpMeterProvider()
        resource = Resource.create({"service.name": self.service_name, "service.version": version})
        # Shut down by the app's lifespan, not at exit (shutdown_on_exit=False).
        self.provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        exporter = OTLPSpanExporter(meter_provider=self._meters)  # endpoint, headers, timeout: env
        self.provider.add_span_processor(BatchSpanProcessor(exporter))
        self._stopped = False

    def fastapi_telemetry(self) -> dict[str, Any]:
        """FastAPI's own request telemetry: server spans with this part's provider; no metrics, no logs."""
        return {
            "tracer_provider": self.provider,
            "tracing": True,
            "metrics": False,
            "logs": False,
            "auto_configure": False,
            "exclude": _untraced,
        }

    def instrument_client(self, client: httpx.AsyncClient) -> None:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor.instrument_client(
            client, tracer_provider=self.provider, meter_provider=self._meters
        )

    def instrument_engine(self, engine: AsyncEngine) -> None:
        # The per-engine tracer: SQLAlchemyInstrumentor().instrument() would patch create_engine for the
        # whole process with one provider, which parts sharing a process cannot have.
        from opentelemetry.instrumentation.sqlalchemy import __version__ as instrumentation_version
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

        tracer = self.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", instrumentation_version)
        usage = self._meters.get_meter("fangpin").create_up_down_counter("db.client.connections.usage")
        EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]  # opentelemetry-instrumentation-sqlalchemy: EngineTracer.__init__ has no annotations

    async def shutdown(self) -> None:
        """Send what is still buffered, then stop the exporter (in a thread: it blocks)."""
        if self._stopped:
            return
        self._stopped = True

        def stop() -> None:
            self.provider.force_flush(FLUSH_TIMEOUT_MS)
            self.provider.shutdown()

        try:
            await asyncio.to_thread(stop)
        except Exception:  # a collector that is gone must not fail the part's shutdown
            logger.warning("tracing: flushing spans at shutdown failed", exc_info=True)


def start_tracing(part: str, version: str) -> Tracing | None:
    """A part's tracing when an endpoint is configured, else None (and nothing imported)."""
    if not tracing_configured():
        return None
    return Tracing(part, version)


def tracing_of(app: FastAPI) -> Tracing | None:
    return getattr(app.state, "tracing", None)


def trace_client(app: FastAPI, client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Client spans for the calls ``app`` makes with ``client``, when tracing is on."""
    tracing = tracing_of(app)
    if tracing is not None:
        tracing.instrument_client(client)
    return client


def trace_engine(app: FastAPI, engine: AsyncEngine) -> AsyncEngine:
    """Database spans for ``engine``'s statements, when tracing is on."""
    tracing = tracing_of(app)
    if tracing is not None:
        tracing.instrument_engine(engine)
    return engine
