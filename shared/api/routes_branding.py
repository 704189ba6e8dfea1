"""The tenant's branding of the hosted verification pages."""

from __future__ import annotations

from shared.api.services import Services, audit_caller
from shared.hosted.branding import Branding, BrandingError, BrandingIn, load_branding, save_branding
from shared.http.problem import invalid_field
from shared.http.router import Ctx, Reply, Router


def register_routes(router: Router, services: Services) -> None:
    @router.route(
        "PUT",
        "/v1/tenant/branding",
        body=BrandingIn,
        response=Branding,
        tags=("tenant",),
        summary="Set the hosted pages' name, logo, colours (WCAG contrast checked), privacy "
        "link, retention, embedding origins and whether file uploads are allowed",
    )
    def put_branding(ctx: Ctx) -> Reply:
        try:
            saved = save_branding(ctx.conn, ctx.principal.tenant_id, ctx.body)
        except BrandingError as exc:
            raise invalid_field(exc.pointer, exc.detail) from exc
        audit_caller(ctx, "tenant.branding_set")
        return Reply(200, saved)

    @router.route(
        "GET",
        "/v1/tenant/branding",
        response=Branding,
        tags=("tenant",),
        summary="The hosted pages' branding",
    )
    def get_branding(ctx: Ctx) -> Reply:
        return Reply(200, load_branding(ctx.conn, ctx.principal.tenant_id))
