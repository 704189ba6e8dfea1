"""SQL spans: a client span per statement that psycopg executes inside a traced operation.

The statement's text is recorded (`db.statement`), never its parameters, so no value a
statement carries can reach a span. Statements run outside any span (a relay's idle poll)
are not traced: they would each start a trace of their own that no session's tree reaches;
nor is the pool's connection check (an empty statement) on every checkout.

This replaces OpenTelemetry's generic psycopg instrumentation, which wraps every connection
and cursor in proxies and inspects the connection on each statement: measured on a trivial
statement it added about 65 µs of CPU per statement against about 13 µs here, the largest
part of the tracing overhead on a verification (bench/platform/overhead.py).
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

_lock = threading.Lock()
_installed = False
_tracer: trace.Tracer | None = None


def _statement(query: Any, conn: psycopg.Connection[Any]) -> str:
    if isinstance(query, str):
        return query
    if isinstance(query, bytes):
        return query.decode("utf-8", "replace")
    try:  # psycopg.sql.Composable: its text with identifiers quoted, still no parameters
        return str(query.as_string(conn))
    except Exception:  # noqa: BLE001 - a span name is not worth a failed statement
        return type(query).__name__


def _operation(text: str) -> str:
    words = text.split(None, 1)
    return words[0].upper() if words else "SQL"


class TracedCursor(psycopg.Cursor):  # type: ignore[type-arg]
    """psycopg's client cursor, with a client span around each statement."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> TracedCursor:
        if _tracer is None or not trace.get_current_span().get_span_context().is_valid:
            return super().execute(query, params, **kwargs)
        text = _statement(query, self.connection)
        if not text:  # the pool's connection check (an empty statement): no span
            return super().execute(query, params, **kwargs)
        # Not made current: nothing runs inside a statement (saves a context switch).
        span = _tracer.start_span(
            _operation(text),
            kind=SpanKind.CLIENT,
            attributes={"db.system": "postgresql", "db.statement": text},
        )
        try:
            return super().execute(query, params, **kwargs)
        except Exception as exc:
            # The error class only: a message could quote a value.
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            span.end()


def install() -> None:
    """Once per process: every connection psycopg opens from now on (pools included) makes
    traced cursors, unless it was given a cursor factory of its own."""
    global _installed, _tracer
    with _lock:
        if _installed:
            return
        _installed = True
        _tracer = trace.get_tracer("idmesh.sql")
        original = psycopg.Connection.connect.__func__  # type: ignore[attr-defined]

        def connect(cls: type, *args: Any, **kwargs: Any) -> psycopg.Connection[Any]:
            conn = original(cls, *args, **kwargs)
            if conn.cursor_factory is psycopg.Cursor:
                conn.cursor_factory = TracedCursor
            return conn

        psycopg.Connection.connect = classmethod(connect)  # type: ignore[method-assign,assignment]
        psycopg.connect = psycopg.Connection.connect  # the module's alias, bound at its import
