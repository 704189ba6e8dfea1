"""Metrics (Prometheus, with the official client): one registry per process, one home.

RED metrics per function and route, per event type, per check (duration and outcomes by
status and warning/error code), decisions by source, webhook deliveries, readiness and
cold-start time. Labels are bounded vocabularies (function, route template, event type,
check, status, code): never an id, a tenant or anything personal.

Multiprocess-safe: when `PROMETHEUS_MULTIPROC_DIR` is set (several gunicorn workers), the
client writes per-process files and `render()` aggregates them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics import MetricWrapperBase

if TYPE_CHECKING:
    from shared.checks.result import CheckResult

CONTENT_TYPE = CONTENT_TYPE_LATEST

# Seconds: from a fast API answer to a slow model on a cold pod.
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

HTTP_REQUESTS = Counter(
    "idmesh_http_requests_total",
    "HTTP requests answered, by function, method, route template and status.",
    ["function", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "idmesh_http_request_duration_seconds",
    "HTTP request duration, by function, method and route template.",
    ["function", "method", "route"],
    buckets=_LATENCY,
)
EVENTS = Counter(
    "idmesh_events_total",
    "CloudEvents handled, by function, type and outcome (ok, refused, rejected, transient,"
    " error, not_ready, unauthenticated).",
    ["function", "type", "outcome"],
)
EVENT_DURATION = Histogram(
    "idmesh_event_duration_seconds",
    "CloudEvent handling duration, by function and type.",
    ["function", "type"],
    buckets=_LATENCY,
)
CHECK_DURATION = Histogram(
    "idmesh_check_duration_seconds",
    "Duration of one check run (inputs loaded, engine, result stored), by check.",
    ["check"],
    buckets=_LATENCY,
)
CHECK_RESULTS = Counter(
    "idmesh_check_results_total",
    "Check results by check and status.",
    ["check", "status"],
)
CHECK_CODES = Counter(
    "idmesh_check_codes_total",
    "Warning and error codes raised by checks, by check, severity and code.",
    ["check", "severity", "code"],
)
MODEL_SECONDS = Histogram(
    "idmesh_model_inference_seconds",
    "Model inference time, by model.",
    ["model"],
    buckets=_LATENCY,
)
DECISIONS = Counter(
    "idmesh_decisions_total",
    "Session decisions, by source (rules or review) and status.",
    ["source", "status"],
)
WEBHOOK_DURATION = Histogram(
    "idmesh_webhook_delivery_duration_seconds",
    "Webhook delivery attempt duration (the tenant endpoint's answer time).",
    buckets=_LATENCY,
)
WEBHOOK_ATTEMPTS = Counter(
    "idmesh_webhook_attempts_total",
    "Webhook delivery attempts by outcome (delivered, retry, failed).",
    ["outcome"],
)
READY = Gauge("idmesh_ready", "1 once the function is ready (models loaded).", ["function"])
START_SECONDS = Gauge(
    "idmesh_start_seconds", "Seconds from process start to ready (cold start).", ["function"]
)
OPERATIONS = Gauge(
    "idmesh_operations",
    "Platform-wide operational gauges read at scrape time: outbox_pending, "
    "outbox_oldest_seconds, review_queue_depth, review_oldest_seconds.",
    ["gauge"],
)


@contextmanager
def timed(histogram: Histogram, *labels: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        (histogram.labels(*labels) if labels else histogram).observe(time.perf_counter() - t0)


def observe_result(check: str, result: CheckResult, seconds: float) -> None:
    """One finished check: its duration, status and codes (by severity)."""
    CHECK_DURATION.labels(check).observe(seconds)
    CHECK_RESULTS.labels(check, result.status.value).inc()
    for w in result.warnings:
        CHECK_CODES.labels(check, w.severity.value, w.code).inc()


def refresh_operations(conn: Any) -> None:
    """Set the platform-wide gauges from Postgres (a connection with no tenant)."""
    row = conn.execute("SELECT * FROM idmesh_operations_stats()").fetchone()
    if row:
        for name in (
            "outbox_pending",
            "outbox_oldest_seconds",
            "review_queue_depth",
            "review_oldest_seconds",
        ):
            OPERATIONS.labels(name).set(float(row[name]))


class _Off:
    """A metric that records nothing: what every metric of this module becomes when metrics
    are switched off (`IDMESH_METRICS=false`), so that call sites need no flag of their own."""

    def labels(self, *args: Any, **kwargs: Any) -> _Off:
        return self

    def inc(self, *args: Any, **kwargs: Any) -> None:
        return None

    observe = set = dec = inc


_OFF = _Off()
_enabled = True


def configure(enabled: bool) -> None:
    """Once per process, from the settings: with metrics off every metric of this module
    records nothing and `render()` answers an empty exposition."""
    global _enabled
    if enabled or not _enabled:
        return
    _enabled = False
    module = globals()
    for name, value in list(module.items()):
        if isinstance(value, MetricWrapperBase):
            module[name] = _OFF


def enabled() -> bool:
    return _enabled


def render() -> bytes:
    """This process's metrics (all processes' when running multiprocess), exposition text;
    empty when metrics are switched off."""
    if not _enabled:
        return b""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
