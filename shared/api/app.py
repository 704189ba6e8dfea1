"""The API application: router, authentication, rate limits, operations endpoints."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import psycopg
from werkzeug.wrappers import Request, Response

from shared.api import (
    routes_aml,
    routes_blocklist,
    routes_checks,
    routes_codes,
    routes_contact,
    routes_dead_letters,
    routes_sessions,
    routes_tenancy,
    routes_webhooks,
    routes_workflows,
)
from shared.api.openapi_docs import document_routes
from shared.api.services import Services
from shared.http.openapi import build_openapi
from shared.http.problem import Problem
from shared.http.router import Ctx, Principal, Reply, Router
from shared.observability import metrics as obs_metrics
from shared.observability import setup_observability
from shared.tenancy.secrets import API_KEY_PREFIX, SESSION_TOKEN_PREFIX, secret_hash
from shared.webhooks.payloads import WEBHOOKS

VERSION = "0.2.0"  # the API's version: see CHANGELOG.md and docs/versioning.md
DESCRIPTION = (
    "Multi-tenant identity verification. Start with docs/quickstart.md. Errors are RFC 9457 "
    "problems; warning and error codes are listed by `GET /v1/codes` with their category; "
    "scores are 0-100 everywhere. Webhook payloads are under `webhooks`: each is signed with "
    "Standard Webhooks headers and retried after 5 s, 30 s, 2 min, 10 min, 30 min, 2 h, 5 h "
    "and 10 h. Versioning: docs/versioning.md."
)
STATUS_SCHEMA = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string"}},
}
EXTRA_ROUTE_MODULES: list = []  # modules with register_routes(router, services), added later


def _authenticator(services: Services):
    def authenticate(token: str) -> Principal | None:
        if len(token) > 200:
            return None
        digest = secret_hash(token)
        with services.db.platform() as conn:
            if token.startswith(API_KEY_PREFIX):
                row = conn.execute("SELECT * FROM idmesh_auth_api_key(%s)", (digest,)).fetchone()
                if row:
                    return Principal(
                        str(row["tenant_id"]),
                        row["tenant_slug"],
                        "api_key",
                        key_id=str(row["key_id"]),
                    )
            elif token.startswith(SESSION_TOKEN_PREFIX):
                row = conn.execute(
                    "SELECT * FROM idmesh_auth_session_token(%s)", (digest,)
                ).fetchone()
                if row:
                    return Principal(
                        str(row["tenant_id"]),
                        row["tenant_slug"],
                        "session_token",
                        session_id=str(row["session_id"]),
                    )
        return None

    return authenticate


def _rate_limiter(services: Services):
    limit = services.settings.rate_limit_per_minute

    def check(conn: psycopg.Connection, principal: Principal) -> dict[str, str]:
        with services.db.tenant(principal.tenant_id) as c:
            row = c.execute(
                "INSERT INTO rate_limits (tenant_id, window_start, count) "
                "VALUES (%s, date_trunc('minute', now()), 1) "
                "ON CONFLICT (tenant_id, window_start) DO UPDATE "
                "SET count = rate_limits.count + 1 RETURNING count, window_start",
                (principal.tenant_id,),
            ).fetchone()
            if random.random() < 0.01:
                c.execute("DELETE FROM rate_limits WHERE window_start < now() - interval '1 hour'")
        reset = max(1, 60 - int((datetime.now(UTC) - row["window_start"]).total_seconds()))
        headers = {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(max(0, limit - row["count"])),
            "RateLimit-Reset": str(reset),
        }
        if row["count"] > limit:
            raise Problem(
                429,
                "Too Many Requests",
                "the tenant's rate limit is exceeded",
                code="rate-limited",
                headers={**headers, "Retry-After": str(reset)},
            )
        return headers

    return check


def create_router(services: Services) -> Router:
    s = services.settings
    router = Router(max_json_bytes=s.max_json_bytes, max_upload_bytes=s.max_upload_bytes)
    router.authenticate = _authenticator(services)
    router.tenant_tx = services.db.tenant
    router.rate_limit = _rate_limiter(services)
    for module in (
        routes_tenancy,
        routes_workflows,
        routes_sessions,
        routes_blocklist,
        routes_checks,
        routes_aml,
        routes_contact,
        routes_webhooks,
        routes_dead_letters,
        routes_codes,
        *EXTRA_ROUTE_MODULES,
    ):
        module.register_routes(router, services)

    openapi_cache: dict = {}

    @router.route(
        "GET",
        "/openapi.json",
        auth="none",
        tags=("operations",),
        summary="This API's OpenAPI document",
        openapi={"operationId": "getOpenapi", "response_schema": {"type": "object"}},
    )
    def openapi(ctx: Ctx) -> Reply:
        if not openapi_cache:
            openapi_cache.update(
                build_openapi(router, "idmesh API", VERSION, DESCRIPTION, webhooks=WEBHOOKS)
            )
        return Reply(200, openapi_cache)

    @router.route(
        "GET",
        "/healthz",
        auth="none",
        tags=("operations",),
        summary="Liveness",
        openapi={"operationId": "getHealth", "response_schema": STATUS_SCHEMA},
    )
    def healthz(ctx: Ctx) -> Reply:
        return Reply(200, {"status": "ok"})

    @router.route(
        "GET",
        "/readyz",
        auth="none",
        tags=("operations",),
        summary="Readiness: the database answers",
        openapi={"operationId": "getReadiness", "response_schema": STATUS_SCHEMA},
    )
    def readyz(ctx: Ctx) -> Reply:
        if not services.db.ping():
            raise Problem(
                503, "Service Unavailable", "the database does not answer", code="not-ready"
            )
        return Reply(200, {"status": "ready"})

    @router.route(
        "GET",
        "/metrics",
        auth="none",
        tags=("operations",),
        summary="Prometheus metrics",
        openapi={
            "operationId": "getMetrics",
            "response_media": "text/plain",
            "response_schema": {"type": "string"},
        },
    )
    def metrics(ctx: Ctx) -> Reply:
        return Reply(200, text=obs_metrics.render().decode(), mimetype=obs_metrics.CONTENT_TYPE)

    document_routes(router)
    return router


class ApiApp:
    """A WSGI-style entry: one instance per process, built on first request (post-fork)."""

    def __init__(self, services: Services) -> None:
        setup_observability("api", services.settings)
        self.services = services
        self.router = create_router(services)

    def handle(self, request: Request) -> Response:
        return self.router.dispatch(request)


def json_dumps(obj: object) -> str:
    return json.dumps(obj, default=str)
