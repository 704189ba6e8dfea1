"""Standalone checks (`POST /v1/checks/{check}`): synchronous, no session, same result shape.

The API authenticates the tenant, refuses the wrong media type or an oversized body at once,
and forwards the request to the check's own function (shared/api/check_calls.py), where the
engine's models are loaded; it loads no model itself. The answer is the function's result on
the API's 0–100 score scale, or the function's problem for bad input.
"""

from __future__ import annotations

from shared.api.check_calls import check_calls
from shared.api.services import Services, audit_caller
from shared.catalog import STANDALONE_CHECKS
from shared.checks.result import CheckResult
from shared.checks.scale import on_api_scale
from shared.http.input_guard import load_json
from shared.http.problem import Problem
from shared.http.router import Ctx, Reply, Router
from shared.runtime.standalone import check_request_shape


def register_routes(router: Router, services: Services) -> None:
    settings = services.settings

    @router.route(
        "POST",
        "/v1/checks/<string:check>",
        tags=("checks",),
        summary="Run one check now, without a session",
    )
    def run(ctx: Ctx, check: str) -> Reply:
        if check not in STANDALONE_CHECKS:
            raise Problem(
                404,
                "Not Found",
                f"no standalone check {check!r}; available: "
                + ", ".join(sorted(STANDALONE_CHECKS)),
                code="not-found",
            )
        request = ctx.request
        check_request_shape(
            check, request.mimetype, request.content_length, settings.max_upload_bytes
        )
        body = request.get_data(cache=True)
        if request.mimetype == "application/json":
            load_json(body)  # depth and control characters refused here, before forwarding
        raw = check_calls(settings).call(check, body, request.headers.get("Content-Type", ""))
        result = on_api_scale(CheckResult.model_validate(raw))
        audit_caller(
            ctx, "check.standalone", details={"check": check, "status": result.status.value}
        )
        return Reply(200, result)
