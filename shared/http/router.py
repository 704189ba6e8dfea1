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
from typing import Any, Literal

import psycopg
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from shared.errors import DomainError
from shared.http.problem import Problem, invalid, json_pointer, problem_for, validation_problem
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

    @property
    def actor(self) -> str:
        return f"api_key:{self.key_id}" if self.kind == "api_key" else f"session:{self.session_id}"


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
    openapi: dict[str, Any]  # extra OpenAPI for the operation (query params, raw schemas...)


class Router:
    def __init__(self, max_json_bytes: int, max_upload_bytes: int, name: str = "api") -> None:
        self.name = name  # the function serving these routes (a metrics label)
        self.routes: list[Route] = []
        self._map = Map(strict_slashes=False)
        self._loose_map = Map(strict_slashes=False)  # uuid parameters taken as any string
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes
        # Set by the app: authenticate(token) -> Principal | None; tenant_tx(tid) ctx manager.
        self.authenticate: Callable[[str], Principal | None] = lambda token: None
        self.tenant_tx: Callable[[str], Any] | None = None
        self.rate_limit: Callable[[psycopg.Connection, Principal], dict[str, str]] | None = None

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
            resp = self._dispatch(request)
        except Problem as p:
            resp = p.response()
        except DomainError as exc:
            resp = problem_for(exc).response()
        except HTTPException as exc:  # werkzeug's own (e.g. bad multipart, too large)
            resp = Problem(exc.code or 400, exc.name, exc.description or "").response()
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            resp = Problem(
                500, "Internal Server Error", "an unexpected error occurred", code="internal"
            ).response()
        route = request.environ.get("idmesh.route") or "unmatched"
        seconds = time.perf_counter() - started
        metrics.HTTP_REQUESTS.labels(self.name, request.method, route, resp.status_code).inc()
        metrics.HTTP_DURATION.labels(self.name, request.method, route).observe(seconds)
        return resp

    def _match(self, request: Request) -> tuple[Route, dict[str, Any]]:
        adapter = self._map.bind("localhost", path_info=request.path, url_scheme="http")
        try:
            idx, params = adapter.match(method=request.method)
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or []))
            raise Problem(
                405, "Method Not Allowed", f"allowed: {allowed}", headers={"Allow": allowed}
            ) from exc
        except NotFound as exc:
            raise Problem(
                404, "Not Found", f"no such {self._missing_what(request)}", code="not-found"
            ) from exc
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
        principal = self._auth(request, route)
        body = self._body(request, route)
        ctx = Ctx(
            request=request,
            principal=principal,
            body=body,
            conn=None,
            client_addr=_client_addr(request),
        )
        if principal is None or self.tenant_tx is None:
            reply = route.handler(ctx, **params)
            resp = reply.to_response()
        else:
            with self.tenant_tx(principal.tenant_id) as conn:
                ctx.conn = conn
                headers = self.rate_limit(conn, principal) if self.rate_limit else {}
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
            "SELECT method, path, request_hash, status, response FROM idempotency_keys "
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
            resp = Reply(row["status"], row["response"]).to_response()
            resp.headers["Idempotent-Replayed"] = "true"
            return resp
        reply = route.handler(ctx, **params)
        payload = (
            reply.body.model_dump(mode="json") if isinstance(reply.body, BaseModel) else reply.body
        )
        conn.execute(
            "INSERT INTO idempotency_keys (tenant_id, key, method, path, request_hash, status, "
            "response) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                ctx.principal.tenant_id,
                key,
                ctx.request.method,
                ctx.request.path,
                fingerprint,
                reply.status,
                json.dumps(payload, default=str),
            ),
        )
        return reply.to_response()

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
        if principal.kind == "session_token" and route.auth != "tenant_or_session":
            raise Problem(
                403, "Forbidden", "a session token cannot call this endpoint", code="forbidden"
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
        try:
            data = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise Problem(
                400, "Bad Request", f"malformed JSON: {exc}", code="malformed-json"
            ) from exc
        where = _nul_at(data)
        if where is not None:  # no text column can store it: refuse, never a 500
            raise invalid([{"pointer": json_pointer(where), "detail": "contains a NUL character"}])
        try:
            # Strict JSON validation: `"required": 0` is not a boolean, `"1"` is not a number.
            return route.body.model_validate_json(raw or b"null", strict=True)
        except ValidationError as exc:
            raise validation_problem(exc) from exc


def _nul_at(value: Any, path: tuple = ()) -> tuple | None:
    """Where the first string (or key) holding U+0000 is, if any."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            if "\x00" in k:
                return (*path, k)
            found = _nul_at(v, (*path, k))
            if found is not None:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _nul_at(v, (*path, i))
            if found is not None:
                return found
    return None


def _fingerprint(request: Request) -> str:
    h = hashlib.sha256()
    h.update(request.get_data(cache=True))
    return h.hexdigest()


def _client_addr(request: Request) -> str:
    return request.remote_addr or ""
