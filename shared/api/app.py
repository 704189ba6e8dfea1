"""The API application: router, authentication, rate limits, operations endpoints."""

from __future__ import annotations

import hmac

import psycopg
from werkzeug.wrappers import Request, Response

from shared.api import (
    routes_aml,
    routes_audit,
    routes_blocklist,
    routes_branding,
    routes_checks,
    routes_codes,
    routes_console,
    routes_contact,
    routes_dead_letters,
    routes_privacy,
    routes_sessions,
    routes_tenancy,
    routes_webhooks,
    routes_workflows,
)
from shared.api.openapi_docs import document_routes
from shared.api.rate_limits import rate_limiter
from shared.api.services import Services, build_services
from shared.config import Settings
from shared.hosted.branding import origin_allowed, some_tenant_allows
from shared.http.client_addr import parse_cidrs
from shared.http.cors import Cors
from shared.http.openapi import build_openapi
from shared.http.problem import Problem, not_found
from shared.http.router import Ctx, Principal, Reply, Router
from shared.observability import metrics as obs_metrics
from shared.observability import setup_observability
from shared.risk.network import record_request
from shared.runtime.web import WebFunction
from shared.tenancy.modes import mode_of
from shared.tenancy.scopes import ROUTE_SCOPES
from shared.tenancy.secrets import API_KEY_PREFIX, SESSION_TOKEN_PREFIX, secret_hash
from shared.webhooks.payloads import WEBHOOKS

VERSION = "0.3.0"  # the API's version: see CHANGELOG.md and docs/versioning.md
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


def _authenticator(services: Services):
    def authenticate(token: str) -> Principal | None:
        if len(token) > 200:
            return None
        digest = secret_hash(token)
        with services.db.no_tenant() as conn:
            if token.startswith(API_KEY_PREFIX):
                row = conn.execute("SELECT * FROM idmesh_auth_api_key_v2(%s)", (digest,)).fetchone()
                if row:
                    return Principal(
                        str(row["tenant_id"]),
                        row["tenant_slug"],
                        "api_key",
                        key_id=str(row["key_id"]),
                        key_name=row["key_name"],
                        scopes=None if row["scopes"] is None else frozenset(row["scopes"]),
                        expired=row["expired"],
                        mode=mode_of(token),
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
                        mode=mode_of(token),
                    )
        return None

    return authenticate


def _cors(services: Services) -> Cors:
    """CORS for the origins tenants allow (their branding's `allowed_origins`)."""

    def preflight_allowed(origin: str) -> bool:
        with services.db.no_tenant() as conn:
            return some_tenant_allows(conn, origin)

    return Cors(preflight_allowed=preflight_allowed, tenant_allowed=origin_allowed)


def _network_recorder(services: Services):
    """Where each end user's request came from (risk signals); test sessions are not
    counted, so the sandbox never adds to live velocity."""

    def record(conn: psycopg.Connection, principal: Principal, addr: str) -> None:
        if principal.mode == "live":
            cipher = services.cipher(conn, principal.tenant_id)
            record_request(conn, cipher, principal.session_id, addr)

    return record


class _TenantReplaySealer:
    """Idempotent answers sealed with the tenant's data key, bound to the Idempotency-Key:
    `idempotency_keys` never holds a new API key or session token in plaintext."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def seal(self, conn: psycopg.Connection, tenant_id: str, key: str, answer: str) -> bytes:
        return self.services.cipher(conn, tenant_id).seal("idempotency", key, answer.encode())

    def open(self, conn: psycopg.Connection, tenant_id: str, key: str, blob: bytes) -> str:
        return self.services.cipher(conn, tenant_id).open("idempotency", key, blob).decode()


def api_document(router: Router) -> dict:
    """The OpenAPI document of these routes, as `GET /openapi.json` serves it."""
    return build_openapi(router, "idmesh API", VERSION, DESCRIPTION, webhooks=WEBHOOKS)


def create_router(services: Services) -> Router:
    s = services.settings
    router = Router(
        max_json_bytes=s.max_json_bytes,
        max_upload_bytes=s.max_upload_bytes,
        trusted_proxies=s.trusted_proxy_count,
        trusted_cidrs=parse_cidrs(s.trusted_proxy_cidrs),
    )
    router.authenticate = _authenticator(services)
    router.tenant_tx = services.db.tenant
    router.rate_limit = rate_limiter(s, services.db.tenant)
    router.replay_sealer = _TenantReplaySealer(services)
    router.on_end_user = _network_recorder(services)
    router.cors = _cors(services)
    for module in (
        routes_tenancy,
        routes_branding,
        routes_workflows,
        routes_sessions,
        routes_blocklist,
        routes_checks,
        routes_aml,
        routes_contact,
        routes_webhooks,
        routes_dead_letters,
        routes_audit,
        routes_privacy,
        routes_codes,
        routes_console,
    ):
        module.register_routes(router, services)

    for route in router.routes:  # every tenant route's scope, from its declaration or the table
        if route.auth != "none" and route.scope is None:
            route.scope = ROUTE_SCOPES.get((route.method, route.path))

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
            openapi_cache.update(api_document(router))
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
        "/internal/metrics",
        auth="none",
        tags=("operations",),
        summary="Prometheus metrics, for the scraper only (Bearer IDMESH_METRICS_TOKEN)",
        openapi={
            "operationId": "getMetrics",
            "response_media": "text/plain",
            "response_schema": {"type": "string"},
        },
    )
    def metrics(ctx: Ctx) -> Reply:
        # Platform-wide counts are not for tenants: not on /v1, not without the scrape token.
        token = s.metrics_token
        given = ctx.request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            raise not_found("endpoint")
        return Reply(200, text=obs_metrics.render().decode(), mimetype=obs_metrics.CONTENT_TYPE)

    document_routes(router)
    return router


class ApiApp(WebFunction):
    """The tenant API on the function runtime (shared/runtime/web.py): started once per
    serving process, after the fork; its pool closed when the process exits."""

    name = "api"

    def __init__(self, services: Services | None = None) -> None:
        self.services = services
        self.router: Router | None = None

    def start(self, settings: Settings) -> None:
        if self.services is None:
            self.services = build_services(settings)
        setup_observability("api", self.services.settings)
        self.router = create_router(self.services)

    def handle(self, request: Request) -> Response:
        assert self.router is not None, "started by the host first"
        return self.router.dispatch(request)

    def stop(self) -> None:
        if self.services is not None:
            self.services.db.close()
