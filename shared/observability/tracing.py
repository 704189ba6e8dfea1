"""Traces (OpenTelemetry): one trace per verification, carried across every event.

- A producer puts its span context into the CloudEvent (the CloudEvents distributed-tracing
  extension: `traceparent`, `tracestate`); a consumer continues it with a child span.
- Everything about one session shares one trace: its trace id is the session id's 128 bits,
  and the session's root is a virtual span whose id is the session id's low 64 bits. API
  requests on a session and events naming one hang under that root when they carry no
  context of the same trace, so `idmesh trace SESSION_ID` reads one tree.
- Export: OTLP/HTTP to any collector when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces
  variant) is set, read by the OTel SDK itself; locally, spans are also written as JSON lines
  under the data directory (`shared.observability.span_files`).
- Attributes carry ids only (tenant, session, event, check, delivery), never personal data.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    Span,
    SpanContext,
    SpanKind,
    TraceFlags,
    format_span_id,
    format_trace_id,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACER_NAME = "idmesh"
_propagator = TraceContextTextMapPropagator()
_lock = threading.Lock()
_configured = False

# Span attribute names (ids only).
A_TENANT = "idmesh.tenant_id"
A_SESSION = "idmesh.session_id"
A_FUNCTION = "idmesh.function"
A_CHECK = "idmesh.check"
A_EVENT_ID = "cloudevents.event_id"
A_EVENT_TYPE = "cloudevents.event_type"


def configure_tracing(service: str, span_dir: Path | None, enabled: bool = True) -> None:
    """Install this process's tracer provider once: OTLP when the standard variables say so,
    JSON-lines files under `span_dir` when given."""
    global _configured
    with _lock:
        if _configured or not enabled:
            return
        _configured = True
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(
            resource=Resource.create({"service.name": service, "service.namespace": "idmesh"})
        )
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
        ):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        if span_dir is not None:
            from shared.observability.span_files import SpanFileExporter

            provider.add_span_processor(
                BatchSpanProcessor(SpanFileExporter(span_dir, service), schedule_delay_millis=200)
            )
        trace.set_tracer_provider(provider)


def flush() -> None:
    provider = trace.get_tracer_provider()
    force = getattr(provider, "force_flush", None)
    if force is not None:
        force(5000)


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def session_context(session_id: str) -> SpanContext | None:
    """The virtual root span of a session's trace (None for a value that is not a UUID)."""
    try:
        u = uuid.UUID(str(session_id))
    except ValueError:
        return None
    span_id = u.int & 0xFFFF_FFFF_FFFF_FFFF or 1
    return SpanContext(
        trace_id=u.int or 1,
        span_id=span_id,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )


def _context_of(parent: SpanContext | None) -> otel_context.Context:
    if parent is None:
        return otel_context.Context()
    return trace.set_span_in_context(NonRecordingSpan(parent))


def extract(traceparent: str | None, tracestate: str | None = None) -> SpanContext | None:
    """The span context a W3C `traceparent` carries, or None."""
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    ctx = trace.get_current_span(_propagator.extract(carrier)).get_span_context()
    return ctx if ctx.is_valid else None


def parent_for(
    session_id: str | None, incoming: SpanContext | None
) -> tuple[SpanContext | None, list[Link]]:
    """The parent of a span about `session_id`: the incoming context when it belongs to the
    session's trace (or there is no session), else the session's root (the incoming context
    becomes a link, so a client's own trace is still reachable)."""
    root = session_context(session_id) if session_id else None
    if root is None:
        return incoming, []
    if incoming is not None and incoming.trace_id == root.trace_id:
        return incoming, []
    return root, ([Link(incoming)] if incoming is not None else [])


@contextmanager
def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    session_id: str | None = None,
    incoming: SpanContext | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span]:
    """A span continuing `incoming` (or the current span), placed in the session's trace."""
    if incoming is None:
        current = trace.get_current_span().get_span_context()
        incoming = current if current.is_valid else None
    parent, links = parent_for(session_id, incoming)
    attrs = {k: v for k, v in (attributes or {}).items() if v is not None}
    if session_id:
        attrs[A_SESSION] = str(session_id)
    with tracer().start_as_current_span(
        name, context=_context_of(parent), kind=kind, links=links, attributes=attrs
    ) as s:
        yield s


def start_span(
    name: str,
    *,
    kind: SpanKind = SpanKind.CLIENT,
    session_id: str | None = None,
    incoming: SpanContext | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Span:
    """A span that the caller ends itself (`end_span`), for a call inside a larger block:
    a child of the current span, else of `incoming` (e.g. a stored traceparent)."""
    current = trace.get_current_span().get_span_context()
    parent, links = parent_for(session_id, current if current.is_valid else incoming)
    attrs = {k: v for k, v in (attributes or {}).items() if v is not None}
    if session_id:
        attrs[A_SESSION] = str(session_id)
    return tracer().start_span(
        name, context=_context_of(parent), kind=kind, links=links, attributes=attrs
    )


def end_span(s: Span, status_code: int | None, error: str | None) -> None:
    if status_code is not None:
        s.set_attribute("http.response.status_code", status_code)
    if error is not None:
        from opentelemetry.trace import Status, StatusCode

        # The error class only: a message could quote a URL or a body.
        s.set_status(Status(StatusCode.ERROR, error.split(":")[0][:60]))
    s.end()


def current_traceparent(session_id: str | None = None) -> tuple[str | None, str | None]:
    """(`traceparent`, `tracestate`) for an event produced now about `session_id`."""
    ctx = trace.get_current_span().get_span_context()
    incoming = ctx if ctx.is_valid else None
    parent, _ = parent_for(session_id, incoming)
    if parent is None:
        return None, None
    flags = f"{int(parent.trace_flags):02x}"
    state = parent.trace_state.to_header() if parent.trace_state else None
    return f"00-{format_trace_id(parent.trace_id)}-{format_span_id(parent.span_id)}-{flags}", (
        state or None
    )


__all__ = [
    "A_CHECK",
    "A_EVENT_ID",
    "A_EVENT_TYPE",
    "A_FUNCTION",
    "A_SESSION",
    "A_TENANT",
    "SpanKind",
    "configure_tracing",
    "current_traceparent",
    "extract",
    "flush",
    "session_context",
    "end_span",
    "span",
    "start_span",
]
