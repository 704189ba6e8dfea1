"""The API's HTTP function calls: a standalone check goes to the check's own function.

The API loads no model. It forwards the tenant's request body unchanged to the function
(`POST <function>/check`) with a token of its own workload identity (the function verifies
it like an event's sender), and answers with the function's result or problem. Where the
function lives: `IDMESH_FUNCTION_URLS` (`name=url,...`, set by `idmesh up`) or its
cluster-local Knative Service in the platform namespace.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import httpx

from shared.catalog import service_name, service_url
from shared.config import Settings
from shared.http.problem import Problem
from shared.observability.tracing import current_traceparent
from shared.workload.identity import service_audience
from shared.workload.tokens import TokenSource, bearer
from shared.workload.wiring import token_source

log = logging.getLogger(__name__)

# A scale from zero plus the slowest engine (proof of address reads a PDF page with OCR).
CALL_TIMEOUT_S = 120.0


class CheckCalls:
    """Forwards standalone checks to their functions (one HTTP pool per API process)."""

    def __init__(self, settings: Settings, tokens: TokenSource | None) -> None:
        self.namespace = settings.namespace
        self.urls = parse_function_urls(settings.function_urls)
        self.tokens = tokens
        self.http = httpx.Client(timeout=CALL_TIMEOUT_S)

    def url_of(self, function: str) -> str:
        return self.urls.get(function) or service_url(function, self.namespace)

    def call(self, check: str, body: bytes, content_type: str) -> dict[str, Any]:
        """The function's result JSON; a Problem with the function's own answer for bad
        input, 503 when the function cannot be reached or fails."""
        audience = service_audience(self.namespace, service_name(check))
        headers = {"Content-Type": content_type, **bearer(self.tokens, audience)}
        traceparent, tracestate = current_traceparent()
        if traceparent:
            headers["traceparent"] = traceparent
            if tracestate:
                headers["tracestate"] = tracestate
        try:
            resp = self.http.post(
                self.url_of(check).rstrip("/") + "/check", content=body, headers=headers
            )
        except httpx.HTTPError as exc:
            log.warning("standalone %s: function unreachable (%s)", check, type(exc).__name__)
            raise _unavailable(check) from exc
        if resp.status_code == 200:
            return resp.json()
        if 400 <= resp.status_code < 500 and resp.status_code not in (401, 403, 404):
            # The tenant's input was refused by the function: its problem is the answer.
            problem = resp.json()
            raise Problem(
                resp.status_code,
                str(problem.get("title") or "Bad Request"),
                str(problem.get("detail") or ""),
                code=str(problem.get("type", "")).rsplit("/", 1)[-1] or None,
                errors=problem.get("errors"),
            )
        log.warning("standalone %s: function answered %d", check, resp.status_code)
        raise _unavailable(check)


def _unavailable(check: str) -> Problem:
    return Problem(
        503,
        "Service Unavailable",
        f"the {check} function could not run the check; retry later",
        code="check-unavailable",
        headers={"Retry-After": "5"},
    )


def parse_function_urls(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in raw.split(","):
        name, sep, url = part.strip().partition("=")
        if sep and name and url:
            out[name.strip()] = url.strip()
    return out


_lock = threading.Lock()
_calls: CheckCalls | None = None


def check_calls(settings: Settings) -> CheckCalls:
    """This process's forwarder (built once, on the first standalone check)."""
    global _calls
    if _calls is None:
        with _lock:
            if _calls is None:
                _calls = CheckCalls(settings, token_source(settings))
    return _calls
