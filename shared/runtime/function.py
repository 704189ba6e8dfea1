"""A function's lifecycle on functions-framework, in the shape of Knative's Python template.

A function module defines a subclass of `EventFunction` with `start(settings)` (read
configuration, load models, warm up), `handle(event) -> reply | None` (one event in, at most
one event out) and optionally `stop()`. `serve(fn)` turns it into the functions-framework
`@http` entry point that Knative calls:

- `GET /healthz` (alive), `GET /readyz` (ready only after `start` finished: models loaded and
  warmed), `GET /metrics` (Prometheus text);
- `POST /` with a CloudEvent in binary or structured mode: 400 for an event that can never be
  processed (malformed, missing tenantid, unknown type, invalid data — the broker does not
  retry it), 403 for an event whose tenant does not own the session it names, 202 when handled
  with no reply, 200 with a binary-mode CloudEvent when there is a reply, 5xx for a transient
  failure (the broker retries).

`start` runs in the serving process after gunicorn's fork, in a background thread begun by
the first request (Knative's readiness probe), so models are never copied across a fork.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from cloudevents.http import CloudEvent
from werkzeug.wrappers import Request, Response

from events import EventRejected, ParsedEvent, parse_http, to_binary_http
from shared.config import Settings

log = logging.getLogger(__name__)


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

    def start(self, settings: Settings) -> None:  # noqa: B027 - optional hook
        """Read configuration, load models, warm up."""

    def handle(self, event: ParsedEvent) -> CloudEvent | None:
        raise NotImplementedError

    def stop(self) -> None:  # noqa: B027 - optional hook
        """Drain, close pools."""


class _Metrics:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.seconds = 0.0

    def inc(self, outcome: str, seconds: float = 0.0) -> None:
        with self.lock:
            self.counts[outcome] = self.counts.get(outcome, 0) + 1
            self.seconds += seconds

    def render(self, fn: str, ready: bool, start_seconds: float | None) -> str:
        lines = ["# TYPE idmesh_events_total counter"]
        for outcome, n in sorted(self.counts.items()):
            lines.append(f'idmesh_events_total{{function="{fn}",outcome="{outcome}"}} {n}')
        lines += [
            "# TYPE idmesh_event_seconds_sum counter",
            f'idmesh_event_seconds_sum{{function="{fn}"}} {self.seconds:.6f}',
            "# TYPE idmesh_ready gauge",
            f'idmesh_ready{{function="{fn}"}} {int(ready)}',
        ]
        if start_seconds is not None:
            lines += [
                "# TYPE idmesh_start_seconds gauge",
                f'idmesh_start_seconds{{function="{fn}"}} {start_seconds:.3f}',
            ]
        return "\n".join(lines) + "\n"


class FunctionHost:
    """Runs one EventFunction: lifecycle, probes and the CloudEvent protocol."""

    def __init__(self, fn: EventFunction, settings: Settings | None = None) -> None:
        self.fn = fn
        self.settings = settings
        self.metrics = _Metrics()
        self._lock = threading.Lock()
        self._started = threading.Event()
        self._starting = False
        self._start_error: str | None = None
        self._start_seconds: float | None = None

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
            settings = self.settings or Settings.from_env()
            logging.basicConfig(level=settings.log_level.upper())
            if settings.require_schema:
                from shared.db.schema_level import wait_for_schema

                wait_for_schema(settings.app_database_url)
            self.fn.start(settings)
            self._start_seconds = time.perf_counter() - t0
            self._started.set()
        except Exception as exc:  # noqa: BLE001 - reported by /readyz and logged
            log.exception("function %s failed to start", self.fn.name)
            self._start_error = f"{type(exc).__name__}: {exc}"

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
            return _json(503, {"status": self._start_error or "starting"})
        if request.method == "GET" and path == "/metrics":
            return Response(
                self.metrics.render(self.fn.name, self._started.is_set(), self._start_seconds),
                mimetype="text/plain; version=0.0.4",
            )
        if request.method != "POST" or path != "/":
            return _problem(404 if request.method in ("GET", "POST") else 405, "no such endpoint")
        return self._event(request)

    def _event(self, request: Request) -> Response:
        t0 = time.perf_counter()
        if not self.wait_started(120):
            self.metrics.inc("not_ready")
            return _problem(503, self._start_error or "function not ready")
        try:
            parsed = parse_http(dict(request.headers), request.get_data())
        except EventRejected as exc:
            self.metrics.inc("rejected")
            return _problem(exc.status, exc.reason)
        try:
            reply = self.fn.handle(parsed)
        except Refused as exc:
            self.metrics.inc("refused", time.perf_counter() - t0)
            log.warning("%s refused event %s: %s", self.fn.name, parsed.id, exc.reason)
            return _problem(exc.status, exc.reason)
        except Transient as exc:
            self.metrics.inc("transient", time.perf_counter() - t0)
            log.warning("%s transient failure on %s: %s", self.fn.name, parsed.id, exc)
            return _problem(503, "transient failure, retry")
        except Exception:  # a bug or an outage: retried by the broker, then dead-lettered
            self.metrics.inc("error", time.perf_counter() - t0)
            log.exception("%s failed on event %s (%s)", self.fn.name, parsed.id, parsed.type)
            return _problem(500, "internal error")
        self.metrics.inc("ok", time.perf_counter() - t0)
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
