"""Registration, the tenant, API keys."""

from __future__ import annotations

import uuid

from shared.api.models import (
    ApiKeyCreate,
    ApiKeyRotate,
    RegisterAccepted,
    Registered,
    RegisterRequest,
    RegisterVerify,
)
from shared.api.services import Services
from shared.http.problem import not_found
from shared.http.router import Ctx, Reply, Router
from shared.tenancy import api_keys
from shared.tenancy.api_keys import ApiKeyInfo, NewApiKey
from shared.tenancy.tenants import Tenant, get_tenant


def register_routes(router: Router, services: Services) -> None:
    @router.route(
        "POST",
        "/v1/register",
        auth="none",
        body=RegisterRequest,
        response=RegisterAccepted,
        status=202,
        tags=("registration",),
        summary="Start a registration: a 6-digit code is sent to the email",
    )
    def register(ctx: Ctx) -> Reply:
        body: RegisterRequest = ctx.body
        reg_id, after = services.registrations.start(
            body.email, body.organization.strip(), ctx.client_addr
        )
        ctx.after_commit.extend(after)
        return Reply(202, RegisterAccepted(registration_id=reg_id))

    @router.route(
        "POST",
        "/v1/register/verify",
        auth="none",
        body=RegisterVerify,
        response=Registered,
        status=201,
        tags=("registration",),
        summary="Verify the code: creates the tenant and returns its first API key",
    )
    def register_verify(ctx: Ctx) -> Reply:
        body: RegisterVerify = ctx.body
        tenant_id, api_key = services.registrations.verify(body.email, body.code)
        with services.db.tenant(tenant_id) as conn:
            tenant = get_tenant(conn)
        for hook in services.on_tenant_created:
            ctx.after_commit.append(lambda hook=hook: hook(tenant))
        return Reply(201, Registered(tenant_id=tenant_id, api_key=api_key))

    @router.route(
        "GET", "/v1/tenant", response=Tenant, tags=("tenant",), summary="The caller's tenant"
    )
    def tenant(ctx: Ctx) -> Reply:
        t = get_tenant(ctx.conn)
        if t is None:
            raise not_found("tenant")
        return Reply(200, t)

    @router.route(
        "POST",
        "/v1/api-keys",
        body=ApiKeyCreate,
        response=NewApiKey,
        status=201,
        idempotent=True,
        tags=("api-keys",),
        summary="Create an API key (shown once)",
    )
    def create_key(ctx: Ctx) -> Reply:
        body: ApiKeyCreate = ctx.body
        p = ctx.principal
        key = api_keys.issue(
            ctx.conn, p.tenant_id, p.actor, body.name, body.scopes, body.expires_at, body.mode
        )
        return Reply(201, key)

    @router.route(
        "POST",
        "/v1/api-keys/<uuid:key_id>/rotate",
        body=ApiKeyRotate,
        response=NewApiKey,
        status=201,
        tags=("api-keys",),
        summary="Rotate an API key: a new key (shown once); the old one ends after the grace",
    )
    def rotate_key(ctx: Ctx, key_id: uuid.UUID) -> Reply:
        body: ApiKeyRotate = ctx.body
        p = ctx.principal
        key = api_keys.rotate(ctx.conn, p.tenant_id, p.actor, key_id, body.grace_seconds)
        if key is None:
            raise not_found("api key")
        return Reply(201, key)

    @router.route("GET", "/v1/api-keys", tags=("api-keys",), summary="List API keys")
    def list_keys(ctx: Ctx) -> Reply:
        return Reply(
            200, {"items": [k.model_dump(mode="json") for k in api_keys.list_api_keys(ctx.conn)]}
        )

    @router.route(
        "DELETE",
        "/v1/api-keys/<uuid:key_id>",
        status=204,
        tags=("api-keys",),
        summary="Revoke an API key; it stops working at once",
    )
    def revoke_key(ctx: Ctx, key_id: uuid.UUID) -> Reply:
        if not api_keys.revoke(ctx.conn, ctx.principal.tenant_id, ctx.principal.actor, key_id):
            raise not_found("api key")
        return Reply(204)


__all__ = ["register_routes", "ApiKeyInfo"]
