"""Prometheus metrics shared by every part (labelled by part), and the /metrics endpoint."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

REQUESTS = Counter(
    "fangpin_http_requests_total", "HTTP requests served", ["part", "method", "route", "status"]
)
REQUEST_LATENCY = Histogram(
    "fangpin_http_request_duration_seconds",
    "Time to serve a request",
    ["part", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DB_POOL_CHECKED_OUT = Gauge("fangpin_db_pool_checked_out", "Database connections in use", ["part"])
DB_POOL_SIZE = Gauge("fangpin_db_pool_size", "Database connections open", ["part"])
EVENTS_DELIVERED = Counter(
    "fangpin_events_delivered_total", "Events the relay delivered", ["source", "subscriber"]
)
EVENT_DELIVERY_FAILURES = Counter(
    "fangpin_event_delivery_failures_total",
    "Deliveries that failed and will be retried",
    ["source", "subscriber"],
)
EVENT_BACKLOG_AGE = Gauge(
    "fangpin_event_backlog_age_seconds",
    "Age of the oldest event not yet delivered (0: nothing waiting)",
    ["source", "subscriber"],
)
UPSTREAM_ERRORS = Counter(
    "fangpin_gateway_upstream_errors_total", "Gateway calls to a service that failed", ["service", "kind"]
)


def metrics_router(on_scrape: Sequence[Callable[[], object]] | None = None) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/metrics")
    async def metrics() -> Response:
        for refresh in on_scrape or ():
            if inspect.isawaitable(result := refresh()):
                await result
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
