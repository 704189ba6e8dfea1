"""The tenant's webhook endpoint and its delivery log."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from shared.api.models import Strict
from shared.api.services import Services, audit_caller
from shared.errors import UnknownSubject
from shared.http.problem import invalid_field, not_found
from shared.http.query import int_param
from shared.http.router import Ctx, Reply, Router
from shared.webhooks import delivery_log
from shared.webhooks.endpoint import get_endpoint, set_endpoint, url_problem
from shared.webhooks.redact import redact_url


class WebhookPut(Strict):
    url: str = Field(min_length=8, max_length=2000)
    events: list[Literal["session.decided", "session.updated", "aml.hit", "aml.hit.v2"]] = Field(
        default_factory=lambda: ["session.decided"], min_length=1
    )


def register_routes(router: Router, services: Services) -> None:
    @router.route(
        "PUT",
        "/v1/webhook",
        body=WebhookPut,
        tags=("webhooks",),
        summary="Set the webhook endpoint; returns a new signing secret",
    )
    def put(ctx: Ctx) -> Reply:
        problem = url_problem(ctx.body.url, services.settings.webhook_allow_private)
        if problem:
            raise invalid_field("/url", problem)
        cipher = services.caller_cipher(ctx)
        secret = set_endpoint(ctx.conn, cipher, ctx.body.url, sorted(set(ctx.body.events)))
        audit_caller(
            ctx,
            "webhook.updated",
            details={"url": redact_url(ctx.body.url), "events": ctx.body.events},
        )
        return Reply(
            200, {"url": ctx.body.url, "events": sorted(set(ctx.body.events)), "secret": secret}
        )

    @router.route("GET", "/v1/webhook", tags=("webhooks",), summary="The webhook endpoint")
    def get(ctx: Ctx) -> Reply:
        ep = get_endpoint(ctx.conn, services.caller_cipher(ctx))
        if ep is None:
            raise not_found("webhook endpoint")
        return Reply(200, {"url": ep.url, "events": ep.events, "rotating": len(ep.secrets) > 1})

    @router.route(
        "GET",
        "/v1/webhook/deliveries",
        tags=("webhooks",),
        summary="Webhook deliveries with every attempt, newest first",
    )
    def deliveries(ctx: Ctx) -> Reply:
        limit = int_param(ctx.request.args, "limit", 50, 1, 100)
        items = delivery_log.deliveries(ctx.conn, limit)
        return Reply(200, {"items": items})

    @router.route(
        "POST",
        "/v1/webhook/deliveries/<uuid:delivery_id>/resend",
        status=202,
        tags=("webhooks",),
        summary="Send a delivery again",
    )
    def resend(ctx: Ctx, delivery_id: uuid.UUID) -> Reply:
        try:
            delivery_log.resend(
                ctx.conn, ctx.principal.tenant_id, ctx.principal.actor, str(delivery_id)
            )
        except UnknownSubject as exc:
            raise not_found("delivery") from exc
        return Reply(202, {"id": str(delivery_id), "status": "pending"})
