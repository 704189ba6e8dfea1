"""A small router on werkzeug: routes declared with their auth, body model and answer.

Each request to a tenant route runs in one tenant-scoped transaction (RLS), together with
its idempotency record and audit entries: it commits whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import psycopg
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from shared.errors import DomainError
from shared.http.client_addr import client_addr
from shared.http.cors import Cors
from shared.http.input_guard import (
    has_control_characters,
    load_json,
    refuse_control_characters,
)
from shared.http.problem import Problem, not_found, problem_for, validation_problem
from shared.observability import metrics
from shared.observability.logs import log_context
from shared.observability.tracing import SpanKind, extract, span

log = logging.getLogger(__name__)

Auth = Literal["none", "tenant", "tenant_or_session"]


@dataclass
class Principal:
    tenant_id: str
    tenant_slug: str
    kind: Literal["api_key", "session_token"]
    key_id: str | None = None
    session_id: str | None = None
    key_name: str | None = None
    scopes: frozenset[str] | None = None  # an API key's scopes; None: every scope
    expired: bool = False
    mode: Literal["live", "test"] = "live"  # the sandbox: a test key's or test session's

    @property
    def actor(self) -> str:
        return f"api_key:{self.key_id}" if self.kind == "api_key" else f"session:{self.session_id}"

    @property
    def actor_name(self) -> str | None:
        """Who, for people reading the audit trail (today a key's name; later a person)."""
        return self.key_name if self.kind == "api_key" else None

    def actor_ref(self) -> dict[str, str | None]:
        """The actor as the audit trail shows it: type, id and a name people recognise."""
        kind, _, ident = self.actor.partition(":")
        return {"type": kind, "id": ident, "name": self.actor_name}

    def may(self, scope: str) -> bool:
        return self.kind != "api_key" or self.scopes is None or scope in self.scopes


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None  # a non-JSON answer (e.g. Prometheus text)
    mimetype: str = "text/plain"

    def to_response(self) -> Response:
        if self.text is not None:
            return Response(
                self.text, status=self.status, mimetype=self.mimetype, headers=self.headers
            )
        if self.body is None:
            return Response(status=self.status, headers=self.headers)
        payload = (
            self.body.model_dump(mode="json") if isinstance(self.body, BaseModel) else self.body
        )
        return Response(
            json.dumps(payload, default=str),
            status=self.status,
            mimetype="application/json",
            headers=self.headers,
        )


@dataclass
class Ctx:
    request: Request
    principal: Principal | None
    body: Any
    conn: psycopg.Connection | None
    client_addr: str
    after_commit: list[Callable[[], None]] = field(default_factory=list)


Handler = Callable[..., Reply]


class ReplaySealer(Protocol):
    """Seals the stored answer of an idempotent request: it may hold a new secret."""

    def seal(self, conn: psycopg.Connection, tenant_id: str, key: str, answer: str) -> bytes: ...

    def open(self, conn: psycopg.Connection, tenant_id: str, key: str, blob: bytes) -> str: ...


@dataclass
class Route:
    method: str
    path: str
    handler: Handler
    auth: Auth
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    summary: str
    idempotent: bool
    multipart: bool
    tags: tuple[str, ...]
    scope: str | None = None  # the API key scope the route needs (see shared/tenancy/scopes)
    # extra OpenAPI for the operation (query params, raw schemas...)
    openapi: dict[str, Any] = field(default_factory=dict)


class Router:
    def __init__(
        self,
        max_json_bytes: int,
        max_upload_bytes: int,
        name: str = "api",
        trusted_proxies: int = 0,
        trusted_cidrs: tuple = (),
    ) -> None:
        self.name = name  # the function serving these routes (a metrics label)
        self.routes: list[Route] = []
        self._map = Map(strict_slashes=False)
        self._loose_map = Map(strict_slashes=False)  # uuid parameters taken as any string
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes
        self.trusted_proxies = trusted_proxies
        self.trusted_cidrs = trusted_cidrs
        # Set by the app: authenticate(token) -> Principal | None; tenant_tx(tid) ctx manager.
        self.authenticate: Callable[[str], Principal | None] = lambda token: None
        self.tenant_tx: Callable[[str], Any] | None = None
        # rate_limit(conn, principal, client_addr) -> RateLimit-* headers (or raises 429).
        self.rate_limit: Callable[[psycopg.Connection, Principal, str], dict[str, str]] | None = (
            None
        )
        # on_end_user(conn, principal, client_addr): each session-token request, in its
        # tenant transaction (the risk signals record where the end user came from).
        self.on_end_user: Callable[[psycopg.Connection, Principal, str], None] | None = None
        # Seals/opens idempotent replay records (they may carry secrets): set by the app.
        self.replay_sealer: ReplaySealer | None = None
        self.fallback_scope = "admin"  # a tenant route that declares no scope (fail closed)
        # CORS for tenant-allowed origins (shared/http/cors.py); None: no CORS headers.
        self.cors: Cors | None = None

    def route(
        self,
        method: str,
        path: str,
        *,
        auth: Auth = "tenant",
        body: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        summary: str = "",
        idempotent: bool = False,
        multipart: bool = False,
        tags: tuple[str, ...] = (),
        scope: str | None = None,
        openapi: dict[str, Any] | None = None,
    ) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            r = Route(
                method,
                path,
                fn,
                auth,
                body,
                response,
                status,
                summary or fn.__doc__ or "",
                idempotent,
                multipart,
                tags,
                scope,
                openapi or {},
            )
            self.routes.append(r)
            self._map.add(Rule(path, methods=[method], endpoint=len(self.routes) - 1))
            loose = path.replace("<uuid:", "<string:")
            self._loose_map.add(Rule(loose, methods=[method], endpoint=len(self.routes) - 1))
            return fn

        return deco

    # -- request handling ----------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        route_path, session_id = self._peek(request)
        request.environ["idmesh.route"] = route_path
        name = f"{request.method} {route_path or 'unmatched'}"
        incoming = extract(request.headers.get("traceparent"), request.headers.get("tracestate"))
        attrs = {"http.request.method": request.method, "http.route": route_path}
        with (
            span(
                name,
                kind=SpanKind.SERVER,
                session_id=session_id,
                incoming=incoming,
                attributes=attrs,
            ) as sp,
            log_context(session_id=session_id, method=request.method, route=route_path),
        ):
            resp = self._dispatch_measured(request)
            sp.set_attribute("http.response.status_code", resp.status_code)
            return resp

    def _peek(self, request: Request) -> tuple[str | None, str | None]:
        """The matched route's template and session id (for the span), if any."""
        try:
            route, params = self._match(request)
        except Problem:
            return None, None
        session_id = params.get("session_id")
        return route.path, str(session_id) if session_id is not None else None

    def _dispatch_measured(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            if self.cors is not None and self.cors.is_preflight(request):
                self._match_method(request, request.headers["Access-Control-Request-Method"])
                resp = self.cors.preflight(request)
            else:
                resp = self._dispatch(request)
        except Problem as p:
            resp = p.response()
        except DomainError as exc:
            resp = problem_for(exc).response()
        except HTTPException as exc:  # werkzeug's own (e.g. bad multipart, too large)
            resp = Problem(exc.code or 400, exc.name, exc.description or "").response()
        except (psycopg.OperationalError, PoolTimeout):
            log.warning("database unavailable on %s %s", request.method, request.path)
            resp = Problem(
                503,
                "Service Unavailable",
                "the database is not reachable; retry shortly",
                code="database-unavailable",
                headers={"Retry-After": "2"},
            ).response()
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            resp = Problem(
                500, "Internal Server Error", "an unexpected error occurred", code="internal"
            ).response()
        if self.cors is not None:
            self.cors.decorate(request, resp)
        route = request.environ.get("idmesh.route") or "unmatched"
        seconds = time.perf_counter() - started
        metrics.HTTP_REQUESTS.labels(self.name, request.method, route, resp.status_code).inc()
        metrics.HTTP_DURATION.labels(self.name, request.method, route).observe(seconds)
        return resp

    def _match(self, request: Request) -> tuple[Route, dict[str, Any]]:
        return self._match_method(request, request.method)

    def _match_method(self, request: Request, method: str) -> tuple[Route, dict[str, Any]]:
        adapter = self._map.bind("localhost", path_info=request.path, url_scheme="http")
        try:
            idx, params = adapter.match(method=method.upper())
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or []))
            raise Problem(
                405, "Method Not Allowed", f"allowed: {allowed}", headers={"Allow": allowed}
            ) from exc
        except NotFound as exc:
            raise not_found(self._missing_what(request)) from exc
        return self.routes[idx], params

    def _missing_what(self, request: Request) -> str:
        """What a path that matches no route names: a malformed id (`/v1/sessions/abc`) is
        "no such session", exactly like an id that does not exist; anything else is
        "no such endpoint"."""
        loose = self._loose_map.bind("localhost", path_info=request.path, url_scheme="http")
        try:
            idx, params = loose.match(method=request.method)
        except HTTPException:
            return "endpoint"
        ids = [p for p in re.findall(r"<uuid:(\w+)>", self.routes[idx].path) if p in params]
        return ids[-1].removesuffix("_id").replace("_", " ") if ids else "endpoint"

    def _dispatch(self, request: Request) -> Response:
        route, params = self._match(request)
        _refuse_control_in_query(request)
        principal = self._auth(request, route)
        body = self._body(request, route)
        ctx = Ctx(
            request=request,
            principal=principal,
            body=body,
            conn=None,
            client_addr=client_addr(request, self.trusted_proxies, self.trusted_cidrs),
        )
        if principal is None or self.tenant_tx is None:
            reply = route.handler(ctx, **params)
            resp = reply.to_response()
        else:
            with self.tenant_tx(principal.tenant_id, principal.mode) as conn:
                ctx.conn = conn
                if self.cors is not None:
                    self.cors.note_tenant(request, conn, principal.tenant_id)
                headers = (
                    self.rate_limit(conn, principal, ctx.client_addr) if self.rate_limit else {}
                )
                if self.on_end_user and principal.kind == "session_token":
                    self.on_end_user(conn, principal, ctx.client_addr)
                resp = self._run_tenant(route, ctx, params, conn)
                for k, v in headers.items():
                    resp.headers[k] = v
        for action in ctx.after_commit:
            try:
                action()
            except Exception:
                log.exception("post-commit action failed")
        return resp

    def _run_tenant(
        self, route: Route, ctx: Ctx, params: dict[str, Any], conn: psycopg.Connection
    ) -> Response:
        key = ctx.request.headers.get("Idempotency-Key")
        if not (route.idempotent and key):
            return route.handler(ctx, **params).to_response()
        if len(key) > 255:
            raise Problem(400, "Bad Request", "Idempotency-Key is longer than 255 characters")
        fingerprint = _fingerprint(ctx.request)
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{ctx.principal.tenant_id}:{key}",)
        )
        row = conn.execute(
            "SELECT method, path, request_hash, status, response_enc AS response "
            "FROM idempotency_keys "
            "WHERE tenant_id = %s AND key = %s",
            (ctx.principal.tenant_id, key),
        ).fetchone()
        if row:
            if (row["method"], row["path"], row["request_hash"]) != (
                ctx.request.method,
                ctx.request.path,
                fingerprint,
            ):
                raise Problem(
                    422,
                    "Unprocessable Content",
                    "this Idempotency-Key was used with a different request",
                    code="idempotency-key-reused",
                )
            stored = self._replay_sealer().open(conn, ctx.principal.tenant_id, key, row["response"])
            resp = Reply(row["status"], json.loads(stored)).to_response()
            resp.headers["Idempotent-Replayed"] = "true"
            return resp
        reply = route.handler(ctx, **params)
        payload = (
            reply.body.model_dump(mode="json") if isinstance(reply.body, BaseModel) else reply.body
        )
        conn.execute(
            "INSERT INTO idempotency_keys (tenant_id, key, method, path, request_hash, status, "
            "response_enc) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                ctx.principal.tenant_id,
                key,
                ctx.request.method,
                ctx.request.path,
                fingerprint,
                reply.status,
                self._replay_sealer().seal(
                    conn, ctx.principal.tenant_id, key, json.dumps(payload, default=str)
                ),
            ),
        )
        return reply.to_response()

    def _replay_sealer(self) -> ReplaySealer:
        if self.replay_sealer is None:
            raise RuntimeError("idempotent routes need a replay sealer")
        return self.replay_sealer

    def _auth(self, request: Request, route: Route) -> Principal | None:
        if route.auth == "none":
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(
                401,
                "Unauthorized",
                "a Bearer API key is required",
                code="unauthorized",
                headers={"WWW-Authenticate": "Bearer"},
            )
        principal = self.authenticate(token.strip())
        if principal is None:
            raise Problem(
                401,
                "Unauthorized",
                "the key is not valid or was revoked",
                code="unauthorized",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if principal.expired:
            raise Problem(
                401,
                "Unauthorized",
                "the key has expired",
                code="key-expired",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if principal.kind == "session_token" and route.auth != "tenant_or_session":
            raise Problem(
                403, "Forbidden", "a session token cannot call this endpoint", code="forbidden"
            )
        scope = route.scope or self.fallback_scope
        if not principal.may(scope):
            raise Problem(
                403,
                "Forbidden",
                f"this API key lacks the `{scope}` scope",
                code="insufficient-scope",
                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope" scope="{scope}"'},
            )
        return principal

    def _body(self, request: Request, route: Route) -> Any:
        if route.multipart:
            ctype = request.mimetype
            if ctype != "multipart/form-data":
                raise Problem(415, "Unsupported Media Type", "expected multipart/form-data")
            length = request.content_length
            if length is None:
                raise Problem(411, "Length Required", "uploads need a Content-Length")
            if length > self.max_upload_bytes + 64 * 1024:
                raise Problem(
                    413,
                    "Content Too Large",
                    f"uploads are limited to {self.max_upload_bytes} bytes",
                )
            refuse_control_characters(request.form.to_dict(flat=False), where="form")
            return None
        if route.body is None:
            return None
        length = request.content_length
        if length is not None and length > self.max_json_bytes:
            raise Problem(
                413, "Content Too Large", f"bodies are limited to {self.max_json_bytes} bytes"
            )
        if request.mimetype != "application/json":
            raise Problem(415, "Unsupported Media Type", "expected application/json")
        raw = request.get_data(cache=True)
        if len(raw) > self.max_json_bytes:
            raise Problem(
                413, "Content Too Large", f"bodies are limited to {self.max_json_bytes} bytes"
            )
        load_json(raw)  # depth, syntax and control characters: 4xx naming the field
        try:
            # Strict JSON validation: `"required": 0` is not a boolean, `"1"` is not a number.
            return route.body.model_validate_json(raw or b"null", strict=True)
        except ValidationError as exc:
            raise validation_problem(exc) from exc


def _refuse_control_in_query(request: Request) -> None:
    bad = [
        {
            "pointer": f"?{name!r}"[:80],
            "detail": "control characters (NUL included) are not allowed",
            "type": "control_character",
        }
        for name, value in request.args.items(multi=True)
        if has_control_characters(name) or has_control_characters(value)
    ]
    if bad:
        raise Problem(
            422,
            "Unprocessable Content",
            "the query string holds control characters",
            code="validation-error",
            errors=bad,
        )


def _fingerprint(request: Request) -> str:
    h = hashlib.sha256()
    h.update(request.get_data(cache=True))
    return h.hexdigest()
