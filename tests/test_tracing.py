"""Optional OpenTelemetry tracing: spans over OTLP/HTTP to a receiver of our own, one trace across parts."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan

from services.common.tracing import tracing_configured
from tests.support.auth import ROOT_ADMIN, bootstrap_admin, sign_in
from tests.support.demo_checks import sign_in_over_http
from tests.support.processes import start_system
from tests.support.system import Database, Keys, asgi_client, build_system, process_env
from tests.test_processes import create_admin_with_the_cli

OTEL_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
    "OTEL_TRACES_SAMPLER",
)


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    span: ProtoSpan

    @property
    def trace_id(self) -> str:
        return self.span.trace_id.hex()

    @property
    def span_id(self) -> str:
        return self.span.span_id.hex()

    @property
    def parent_id(self) -> str:
        return self.span.parent_span_id.hex()

    def attribute(self, key: str) -> Any:
        for attribute in self.span.attributes:
            if attribute.key == key:
                value = attribute.value
                return getattr(value, value.WhichOneof("value"))
        return None


class Receiver:
    """An OTLP/HTTP trace receiver on loopback: POST /v1/traces, protobuf bodies."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
                    self.send_response(404)
                    self.end_headers()
                    return
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                with receiver.lock:
                    receiver.requests.append(request)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def spans(self) -> list[ReceivedSpan]:
        with self.lock:
            requests = list(self.requests)
        found = []
        for request in requests:
            for resource_spans in request.resource_spans:
                service = next(
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                )
                for scope_spans in resource_spans.scope_spans:
                    found.extend(ReceivedSpan(service, span) for span in scope_spans.spans)
        return found

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def traced(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    return receiver


def one_request(spans: list[ReceivedSpan], path: str) -> dict[str, ReceivedSpan]:
    """The gateway's server and client spans and the registry's server span of the request for ``path``."""
    gateway_server = next(
        s
        for s in spans
        if s.service == "fangpin-gateway" and s.span.kind == ProtoSpan.SPAN_KIND_SERVER
        if s.attribute("url.path") == path
    )
    same_trace = [s for s in spans if s.trace_id == gateway_server.trace_id]
    gateway_client = next(  # its call to the registry (its SQL makes client spans too)
        s
        for s in same_trace
        if s.service == "fangpin-gateway" and s.span.kind == ProtoSpan.SPAN_KIND_CLIENT
        if s.attribute("db.system") is None
    )
    registry_server = next(
        s for s in same_trace if s.service == "fangpin-registry" and s.span.kind == ProtoSpan.SPAN_KIND_SERVER
    )
    return {"gateway_server": gateway_server, "gateway_client": gateway_client, "registry": registry_server}


async def test_one_trace_from_the_gateway_into_the_registry_in_one_process(
    clean_database: Database, keys: Keys, traced: Receiver
) -> None:
    system = build_system(clean_database, keys)
    parts = {"gateway": system, **system.state.local_apps}
    assert all(app.state.tracing is not None for app in parts.values())
    async with system.router.lifespan_context(system), asgi_client(system) as client:
        await bootstrap_admin(system)
        headers = await sign_in(client, ROOT_ADMIN)
        response = await client.get("/api/v1/areas", headers=headers)
        assert response.status_code == 200, response.text
    # The lifespan's end flushed every part's spans.
    spans = traced.spans()
    assert {"fangpin-gateway", "fangpin-registry"} <= {s.service for s in spans}
    found = one_request(spans, "/api/v1/areas")
    assert found["registry"].trace_id == found["gateway_client"].trace_id == found["gateway_server"].trace_id
    assert found["registry"].parent_id == found["gateway_client"].span_id
    assert found["registry"].span.name == "GET /api/v1/areas"  # the route template
    assert found["registry"].attribute("http.response.status_code") == 200
    assert found["gateway_server"].attribute("http.response.status_code") == 200
    # The registry's SQL, in the same trace, under its own request.
    registry_ids = {s.span_id for s in spans if s.service == "fangpin-registry"}
    database = [s for s in spans if s.service == "fangpin-registry" and s.attribute("db.system") is not None]
    assert any(s.trace_id == found["registry"].trace_id and s.parent_id in registry_ids for s in database)
    # Probes are not traced, and no part touched the process's global provider.
    assert not [s for s in spans if s.attribute("url.path") in ("/healthz", "/readyz", "/metrics")]
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"


def test_the_switch_is_the_standard_otlp_endpoint() -> None:
    assert not tracing_configured({})
    assert tracing_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing_configured({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"})
    off = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}
    assert not tracing_configured(off | {"OTEL_SDK_DISABLED": "true"})
    assert not tracing_configured(off | {"OTEL_TRACES_EXPORTER": "none"})


async def test_without_an_endpoint_no_tracer_provider_is_installed(
    database: Database, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    system = build_system(database, keys)
    for app in (system, *system.state.local_apps.values()):
        assert app.state.tracing is None
        assert app._telemetry["tracer_provider"] is None  # FastAPI's default: the (unset) global one
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"


NOTHING_LOADED = """
import sys
from tests.support.system import Database, Keys, build_system
url = "postgresql://nobody@127.0.0.1:1/none"
build_system(Database(url, url), Keys.generate())
loaded = sorted(m for m in sys.modules if m.startswith(("opentelemetry.sdk", "opentelemetry.exporter",
                                                         "opentelemetry.instrumentation", "google.protobuf")))
assert not loaded, loaded
"""


def test_without_an_endpoint_no_sdk_is_even_imported() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "FANGPIN_"))}
    root = Path(__file__).parent.parent
    result = subprocess.run(
        [sys.executable, "-c", NOTHING_LOADED], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.processes
@pytest.mark.once
def test_one_trace_across_processes(
    clean_database: Database, keys: Keys, receiver: Receiver, tmp_path: Path
) -> None:
    """Each part its own process, exporting on its own; the traceparent crosses real HTTP."""
    env = process_env(clean_database, keys, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url)
    running = start_system(env, tmp_path)
    try:
        create_admin_with_the_cli(env, "tracer", "a long tracing password")
        with httpx.Client(base_url=running["gateway"].url, timeout=30) as client:
            headers = sign_in_over_http(client, "tracer", "a long tracing password")
            response = client.get("/api/v1/areas", headers=headers)
            assert response.status_code == 200, response.text
    finally:
        for part in running.values():
            part.stop()
    spans = receiver.spans()
    found = one_request(spans, "/api/v1/areas")
    assert found["registry"].trace_id == found["gateway_server"].trace_id
    assert found["registry"].parent_id == found["gateway_client"].span_id
