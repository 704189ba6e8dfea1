"""A function's lifecycle on functions-framework, in the shape of Knative's Python template.

A function module defines a subclass of `EventFunction` with `start(settings)` (read
configuration, load models, warm up), `handle(event) -> reply | None` (one event in, at most
one event out) and optionally `stop()`. `serve(fn)` turns it into the functions-framework
`@http` entry point that Knative calls:

- `GET /healthz` (alive), `GET /readyz` (ready only after `start` finished: the models the
  function's check uses are loaded), `GET /metrics` (Prometheus text);
- `POST /` with a CloudEvent in binary or structured mode, with a bearer token of an allowed
  sender for this function (401 without a valid one, 403 from another sender; counted as
  `unauthenticated` / `forbidden`): 400 for an event that can never be
  processed (malformed, missing tenantid, unknown type, invalid data — the broker does not
  retry it), 403 for an event whose tenant does not own the session it names, 202 when handled
  with no reply, 200 with a binary-mode CloudEvent when there is a reply, 5xx for a transient
  failure (the broker retries).

`start` runs in the serving process after gunicorn's fork, in a background thread begun by
the first request (Knative's readiness probe), so models are never copied across a fork.
`stop()` runs once when the serving process exits after a finished start (Knative's SIGTERM:
gunicorn's worker leaves through `sys.exit`, so `atexit` runs it): pools are closed there.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from typing import Any

from cloudevents.http import CloudEvent
from werkzeug.wrappers import Request, Response

from events import EventRejected, ParsedEvent, parse_http, to_binary_http
from shared.config import Settings
from shared.errors import (
    DomainError,
    IllegalTransition,
    StateMismatch,
    UnexpectedEvent,
    UnknownSubject,
)
from shared.observability import metrics, setup_observability
from shared.observability.logs import log_context
from shared.observability.tracing import (
    A_EVENT_ID,
    A_EVENT_TYPE,
    A_FUNCTION,
    A_TENANT,
    SpanKind,
    extract,
    span,
)
from shared.workload.verifier import AuthFailure

log = logging.getLogger(__name__)


# Domain errors as final event refusals (4xx: the broker does not retry, it dead-letters).
EVENT_REFUSALS: dict[type[DomainError], int] = {
    UnknownSubject: 403,
    UnexpectedEvent: 400,
    StateMismatch: 409,
    IllegalTransition: 409,
}


def refusal_status(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in EVENT_REFUSALS:
            return EVENT_REFUSALS[cls]
    return 400


class Refused(Exception):
    """A final refusal of an event (4xx, not retried)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Transient(Exception):
    """A failure worth retrying (answers 503, the broker retries with backoff)."""


class EventFunction:
    name = "function"
    # What `start` does, as /readyz reports it while it runs.
    start_waits_for = "database pool and models (loading, warm-up)"

    def start(self, settings: Settings) -> None:  # noqa: B027 - optional hook
        """Read configuration, load models, warm up."""

    def handle(self, event: ParsedEvent) -> CloudEvent | None:
        raise NotImplementedError

    def call(self, request: Request) -> Response | None:
        """An HTTP function call (`POST /check`); None: this function takes none."""
        return None

    def stop(self) -> None:  # noqa: B027 - optional hook
        """Drain, close pools."""


class FunctionHost:
    """Runs one EventFunction: lifecycle, probes and the CloudEvent protocol."""

    def __init__(self, fn: EventFunction, settings: Settings | None = None) -> None:
        self.fn = fn
        self.settings = settings
        self._lock = threading.Lock()
        self._started = threading.Event()
        self._starting = False
        self._start_error: str | None = None
        self._waiting_for = "process start"  # what /readyz says it waits for
        self._start_seconds: float | None = None
        self._stopped = False
        self.verifier: Any = None  # TokenVerifier | NoIssuer, set by start
        self.caller_verifier: Any = None  # for HTTP function calls (the API), set by start

    # -- lifecycle ------------------------------------------------------------------------
    def ensure_starting(self) -> None:
        with self._lock:
            if self._starting:
                return
            self._starting = True
        threading.Thread(target=self._start, name=f"{self.fn.name}-start", daemon=True).start()

    def _start(self) -> None:
        t0 = time.perf_counter()
        try:
            self._waiting_for = "configuration"
            settings = self.settings or Settings.from_env()
            setup_observability(self.fn.name, settings)
            if settings.require_schema:
                from shared.db.function_role import process_database_url
                from shared.db.schema_level import wait_for_schema

                self._waiting_for = "database schema (the migration Job)"
                wait_for_schema(process_database_url(settings))
            self._waiting_for = "workload identity (the OIDC issuer's keys)"
            from shared.workload.wiring import caller_verifier, verifier_for

            # The Knative Service's name: the function's with `_` as `-`.
            self.verifier = verifier_for(settings, self.fn.name.replace("_", "-"))
            self.caller_verifier = caller_verifier(settings, self.fn.name.replace("_", "-"))
            self._waiting_for = self.fn.start_waits_for
            self.fn.start(settings)
            self._start_seconds = time.perf_counter() - t0
            metrics.START_SECONDS.labels(self.fn.name).set(self._start_seconds)
            metrics.READY.labels(self.fn.name).set(1)
            self._started.set()
            atexit.register(self.stop)  # gunicorn's worker exits through sys.exit on SIGTERM
        except Exception as exc:  # noqa: BLE001 - reported by /readyz and logged
            log.exception("function %s failed to start", self.fn.name)
            self._start_error = f"{type(exc).__name__}: {exc}"

    def stop(self) -> None:
        """Once, and only after a start that finished: the function drains and closes its
        pools (Knative sends SIGTERM when it scales the pod down)."""
        with self._lock:
            if not self._started.is_set() or self._stopped:
                return
            self._stopped = True
        metrics.READY.labels(self.fn.name).set(0)
        try:
            self.fn.stop()
            log.info("function %s stopped", self.fn.name)
        except Exception:  # noqa: BLE001 - the process is exiting; say what failed
            log.exception("function %s failed to stop cleanly", self.fn.name)

    def wait_started(self, timeout: float) -> bool:
        self.ensure_starting()
        return self._started.wait(timeout)

    # -- HTTP -----------------------------------------------------------------------------
    def __call__(self, request: Request) -> Response | tuple[Any, ...]:
        path = request.path.rstrip("/") or "/"
        if request.method == "GET" and path == "/healthz":
            self.ensure_starting()
            ok = self._start_error is None
            return _json(200 if ok else 500, {"status": "ok" if ok else self._start_error})
        if request.method == "GET" and path == "/readyz":
            self.ensure_starting()
            if self._started.is_set():
                return _json(200, {"status": "ready", "start_seconds": self._start_seconds})
            if self._start_error:
                return _json(503, {"status": "failed", "error": self._start_error})
            return _json(503, {"status": "starting", "waiting_for": self._waiting_for})
        if request.method == "GET" and path == "/metrics":
            return Response(metrics.render(), content_type=metrics.CONTENT_TYPE)
        if request.method == "POST" and path == "/check":
            return self._call(request)
        if request.method != "POST" or path != "/":
            return _problem(404 if request.method in ("GET", "POST") else 405, "no such endpoint")
        return self._event(request)

    def _call(self, request: Request) -> Response:
        """An HTTP function call from the API (the standalone check): the caller's token is
        verified like an event's sender; the function answers with its own reply."""
        t0 = time.perf_counter()
        if not self.wait_started(120):
            return _problem(503, self._start_error or "function not ready")
        try:
            if self.caller_verifier is None:
                raise AuthFailure(503, "function not started")
            self.caller_verifier.verify(request.headers.get("Authorization"))
        except AuthFailure as exc:
            log.warning("%s refused a call (%d): %s", self.fn.name, exc.status, exc.reason)
            return _problem(exc.status, exc.reason)
        with span(
            f"{self.fn.name} call",
            kind=SpanKind.SERVER,
            incoming=extract(request.headers.get("traceparent"), request.headers.get("tracestate")),
            attributes={A_FUNCTION: self.fn.name},
        ) as sp:
            resp = self.fn.call(request)
            if resp is None:
                resp = _problem(404, "this function takes no HTTP function calls")
            sp.set_attribute("http.response.status_code", resp.status_code)
        metrics.EVENT_DURATION.labels(self.fn.name, "call").observe(time.perf_counter() - t0)
        return resp

    def _authenticate(self, request: Request) -> None:
        """Every delivery's sender: a valid token for this function from an allowed sender
        (401 without one, 403 from another sender; Knative does not retry either)."""
        if self.verifier is None:  # not started: wait_started() came first, so a failed start
            raise AuthFailure(503, "function not started")
        self.verifier.verify(request.headers.get("Authorization"))

    def _event(self, request: Request) -> Response:
        t0 = time.perf_counter()
        if not self.wait_started(120):
            self._count("-", "not_ready", t0)
            return _problem(503, self._start_error or "function not ready")
        try:
            self._authenticate(request)
        except AuthFailure as exc:
            outcome = {401: "unauthenticated", 403: "forbidden"}.get(exc.status, "auth_error")
            metrics.EVENTS.labels(self.fn.name, "-", outcome).inc()
            log.warning("%s refused a delivery (%d): %s", self.fn.name, exc.status, exc.reason)
            return _problem(exc.status, exc.reason)
        try:
            parsed = parse_http(dict(request.headers), request.get_data())
        except EventRejected as exc:
            self._count("-", "rejected", t0)
            return _problem(exc.status, exc.reason)
        with (
            log_context(
                tenant_id=parsed.tenant_id,
                session_id=parsed.session_id,
                event_id=parsed.id,
                event_type=parsed.type,
            ),
            span(
                f"{self.fn.name} {parsed.type}",
                kind=SpanKind.CONSUMER,
                session_id=parsed.session_id,
                incoming=extract(parsed.traceparent, parsed.attributes.get("tracestate")),
                attributes={
                    A_FUNCTION: self.fn.name,
                    A_TENANT: parsed.tenant_id,
                    A_EVENT_ID: parsed.id,
                    A_EVENT_TYPE: parsed.type,
                },
            ) as sp,
        ):
            resp = self._handle(parsed, t0)
            sp.set_attribute("http.response.status_code", resp.status_code)
            return resp

    def _count(self, event_type: str, outcome: str, t0: float) -> None:
        metrics.EVENTS.labels(self.fn.name, event_type, outcome).inc()
        if outcome not in ("not_ready", "rejected"):
            metrics.EVENT_DURATION.labels(self.fn.name, event_type).observe(
                time.perf_counter() - t0
            )

    def _handle(self, parsed: ParsedEvent, t0: float) -> Response:
        try:
            reply = self.fn.handle(parsed)
        except Refused as exc:
            self._count(parsed.type, "refused", t0)
            log.warning("%s refused event %s: %s", self.fn.name, parsed.id, exc.reason)
            return _problem(exc.status, exc.reason)
        except DomainError as exc:
            self._count(parsed.type, "refused", t0)
            log.warning("%s refused event %s (%s): %s", self.fn.name, parsed.id, exc.code, exc)
            return _problem(refusal_status(exc), exc.detail)
        except Transient as exc:
            self._count(parsed.type, "transient", t0)
            log.warning("%s transient failure on %s: %s", self.fn.name, parsed.id, exc)
            return _problem(503, "transient failure, retry")
        except Exception:  # a bug or an outage: retried by the broker, then dead-lettered
            self._count(parsed.type, "error", t0)
            log.exception("%s failed on event %s (%s)", self.fn.name, parsed.id, parsed.type)
            return _problem(500, "internal error")
        self._count(parsed.type, "ok", t0)
        if reply is None:
            return Response(status=202)
        headers, body = to_binary_http(reply)
        return Response(body, status=200, headers=headers)


def _json(status: int, body: dict[str, Any]) -> Response:
    import json

    return Response(json.dumps(body, default=str), status=status, mimetype="application/json")


def _problem(status: int, detail: str) -> Response:
    import json

    return Response(
        json.dumps(
            {
                "type": "about:blank",
                "title": "event refused" if status < 500 else "error",
                "status": status,
                "detail": detail,
            }
        ),
        status=status,
        mimetype="application/problem+json",
    )


def serve(fn: EventFunction) -> FunctionHost:
    """The object a `functions/<name>/main.py` exposes through `@functions_framework.http`."""
    return FunctionHost(fn)
