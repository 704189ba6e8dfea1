"""The code catalogue: every warning/error code a check can report, with its category."""

from __future__ import annotations

from shared.api.models import CodeCatalogue
from shared.api.services import Services
from shared.checks.catalogue import catalogue
from shared.http.router import Ctx, Reply, Router


def register_routes(router: Router, services: Services) -> None:
    @router.route(
        "GET",
        "/v1/codes",
        auth="none",
        response=CodeCatalogue,
        tags=("codes",),
        summary="Every warning and error code, with its category, checks and meaning",
    )
    def codes(ctx: Ctx) -> Reply:
        return Reply(200, CodeCatalogue(items=list(catalogue())))
