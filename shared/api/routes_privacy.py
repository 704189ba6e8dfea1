"""Data-subject rights and retention: a session's export, the tenant's retention periods."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from shared.api.routes_sessions import load_session
from shared.api.services import Services, audit_caller
from shared.http.router import Ctx, Reply, Router
from shared.sessions.export import build_export
from shared.tenancy import retention


class Retention(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Days after the decision (or expiry/abandonment) before a session is erased; None: kept.
    retention_days: int | None = Field(default=None, ge=1, le=3650)
    # Days before its artifacts (files, face templates) go, results staying; None: with the
    # session. Must not exceed retention_days.
    artifact_retention_days: int | None = Field(default=None, ge=1, le=3650)


def register_routes(router: Router, services: Services) -> None:
    @router.route(
        "GET",
        "/v1/sessions/<uuid:session_id>/export",
        tags=("sessions",),
        summary="Everything held about the session's person (JSON, files inline as base64)",
        openapi={"response_schema": {"type": "object", "required": ["session"]}},
    )
    def export(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        s = load_session(ctx, session_id)
        cipher = services.caller_cipher(ctx)
        body = build_export(ctx.conn, cipher, s)
        audit_caller(ctx, "session.exported", str(s.id))
        return Reply(200, body)

    @router.route(
        "GET",
        "/v1/tenant/retention",
        response=Retention,
        tags=("tenant",),
        summary="The tenant's retention periods",
    )
    def get_retention(ctx: Ctx) -> Reply:
        return Reply(200, Retention.model_validate(retention.get_retention(ctx.conn)))

    @router.route(
        "PUT",
        "/v1/tenant/retention",
        body=Retention,
        response=Retention,
        tags=("tenant",),
        summary="Set retention: decided sessions erased after N days (artifacts sooner)",
    )
    def put_retention(ctx: Ctx) -> Reply:
        body: Retention = ctx.body
        retention.set_retention(
            ctx.conn,
            ctx.principal.tenant_id,
            ctx.principal.actor,
            body.retention_days,
            body.artifact_retention_days,
        )
        return Reply(200, body)
