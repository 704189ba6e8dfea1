"""The lifecycle of a function that answers HTTP itself (the API, the hosted pages, the
console, the relay), the same as an event function's (shared/runtime/function.py):

- `start(settings)` runs once per serving process, after gunicorn's fork, on the first
  request (Knative's first readiness probe): settings read once, pools opened, models loaded;
- `handle(request)` answers every request, probes included (each app serves its own
  `/healthz` and `/readyz`, which say what it waits for);
- `stop()` runs once when the process exits (drain loops, close pools).

A start that fails answers 503 problem JSON naming what failed, and is tried again on the
next request (a database that is not up yet is the usual cause), instead of a 500 per
request from a half-built app.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from shared.config import Settings

log = logging.getLogger(__name__)


class WebFunction:
    name = "function"

    def start(self, settings: Settings) -> None:  # noqa: B027 - optional hook
        """Read configuration, open pools, load what every request needs."""

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def stop(self) -> None:  # noqa: B027 - optional hook
        """Stop loops, close pools."""


class AppFunction(WebFunction):
    """A web app built from the settings at start (the hosted pages, the review console);
    its database pool (`app.db`) is closed at stop."""

    def __init__(self, name: str, build: Callable[[Settings], Any]) -> None:
        self.name = name
        self.build = build
        self.app: Any = None

    def start(self, settings: Settings) -> None:
        self.app = self.build(settings)

    def handle(self, request: Request) -> Response:
        return self.app.handle(request)

    def stop(self) -> None:
        db = getattr(self.app, "db", None)
        if db is not None:
            db.close()


class WebHost:
    """Runs one WebFunction in a serving process."""

    def __init__(self, fn: WebFunction, settings: Settings | None = None) -> None:
        self.fn = fn
        self.settings = settings
        self._lock = threading.Lock()
        self._started = False
        self._stopped = False

    def ensure_started(self) -> None:
        if self._started:
            return
        with self._lock:
            if self._started:
                return
            self.fn.start(self.settings or Settings.from_env())
            self._started = True
            atexit.register(self.stop)

    def stop(self) -> None:
        with self._lock:
            if not self._started or self._stopped:
                return
            self._stopped = True
        try:
            self.fn.stop()
        except Exception:  # noqa: BLE001 - the process is exiting; say what failed
            log.exception("function %s failed to stop cleanly", self.fn.name)

    def __call__(self, request: Request) -> Response:
        try:
            self.ensure_started()
        except Exception as exc:  # noqa: BLE001 - answered, logged, retried next request
            log.exception("function %s failed to start", self.fn.name)
            return Response(
                json.dumps(
                    {
                        "type": "about:blank",
                        "title": "Service Unavailable",
                        "status": 503,
                        "detail": f"{self.fn.name} is starting: {type(exc).__name__}",
                    }
                ),
                status=503,
                mimetype="application/problem+json",
                headers={"Retry-After": "2"},
            )
        return self.fn.handle(request)


def serve_web(fn: WebFunction) -> WebHost:
    """The object a `functions/<name>/main.py` exposes through `@functions_framework.http`."""
    return WebHost(fn)
