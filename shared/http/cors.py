"""CORS for the API: a browser page on an origin its tenant allows may call the API.

A preflight (`OPTIONS` with `Access-Control-Request-Method`) carries no credentials, so no
tenant is known: it is answered with the CORS headers only when some active tenant allows
the origin (`preflight_allowed`). The actual request then gets
`Access-Control-Allow-Origin` only when the authenticated tenant itself allows the origin
(`tenant_allowed`, in the tenant's transaction). Only the request's own origin is ever
echoed, never `*`; credentials (cookies) are not used by the API, so none are allowed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from werkzeug.wrappers import Request, Response

ALLOW_HEADERS = ("authorization", "content-type", "idempotency-key", "traceparent")
EXPOSE_HEADERS = (
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Deprecation",
    "Sunset",
)
MAX_AGE_S = 600
ENVIRON_KEY = "idmesh.cors_origin"


@dataclass
class Cors:
    preflight_allowed: Callable[[str], bool]
    tenant_allowed: Callable[[psycopg.Connection, str, str], bool]

    @staticmethod
    def is_preflight(request: Request) -> bool:
        return request.method == "OPTIONS" and bool(
            request.headers.get("Origin") and request.headers.get("Access-Control-Request-Method")
        )

    def preflight(self, request: Request) -> Response:
        """204 with the CORS headers for an allowed origin; without them otherwise (the
        browser then refuses the request)."""
        origin = request.headers["Origin"]
        method = request.headers["Access-Control-Request-Method"].upper()
        asked = {
            h.strip().lower()
            for h in request.headers.get("Access-Control-Request-Headers", "").split(",")
            if h.strip()
        }
        resp = Response(status=204)
        resp.headers["Vary"] = "Origin"
        if asked <= set(ALLOW_HEADERS) and self.preflight_allowed(origin):
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Methods"] = method
            resp.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOW_HEADERS)
            resp.headers["Access-Control-Max-Age"] = str(MAX_AGE_S)
        return resp

    def note_tenant(self, request: Request, conn: psycopg.Connection, tenant_id: str) -> None:
        """In the tenant's transaction: remember whether this tenant allows the origin."""
        origin = request.headers.get("Origin")
        if origin and self.tenant_allowed(conn, tenant_id, origin):
            request.environ[ENVIRON_KEY] = origin

    @staticmethod
    def decorate(request: Request, resp: Response) -> None:
        """Any answer to a request from an allowed origin (errors too) carries its headers."""
        if not request.headers.get("Origin"):
            return
        resp.vary.add("Origin")
        origin = request.environ.get(ENVIRON_KEY)
        if origin:
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSE_HEADERS)
