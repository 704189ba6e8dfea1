"""Ongoing AML monitoring: the tenant's hits, and a reviewer's dismissal or confirmation."""

from __future__ import annotations

import json
import uuid
from typing import Literal

from pydantic import Field

from shared.api.models import Strict
from shared.api.services import Services, audit_caller
from shared.checks.scale import fraction_on_api_scale
from shared.http.problem import Problem, not_found
from shared.http.router import Ctx, Reply, Router


class HitReview(Strict):
    decision: Literal["dismissed", "confirmed"]
    note: str | None = Field(default=None, max_length=2000)


def register_routes(router: Router, services: Services) -> None:
    def view(ctx: Ctx, r: dict) -> dict:
        cipher = services.caller_cipher(ctx)
        details = json.loads(cipher.open("aml-hit", str(r["id"]), r["details_enc"]))
        out = {k: v for k, v in r.items() if k != "details_enc"} | details
        return out | {"score": fraction_on_api_scale(r.get("score"))}  # 0–100, as every score

    @router.route("GET", "/v1/aml/hits", tags=("aml",), summary="Monitoring hits")
    def hits(ctx: Ctx) -> Reply:
        status = ctx.request.args.get("status")
        if status and status not in ("open", "dismissed", "confirmed"):
            raise Problem(400, "Bad Request", f"unknown status {status!r}")
        rows = ctx.conn.execute(
            "SELECT * FROM aml_hits WHERE (%s::text IS NULL OR status = %s) "
            "ORDER BY created_at DESC LIMIT 200",
            (status, status),
        ).fetchall()
        return Reply(200, {"items": [view(ctx, dict(r)) for r in rows]})

    @router.route(
        "POST",
        "/v1/aml/hits/<uuid:hit_id>/review",
        body=HitReview,
        tags=("aml",),
        summary="Dismiss or confirm a monitoring hit (audited)",
    )
    def review(ctx: Ctx, hit_id: uuid.UUID) -> Reply:
        row = ctx.conn.execute(
            "UPDATE aml_hits SET status = %s, note = %s, reviewed_by = %s, reviewed_at = now() "
            "WHERE id = %s AND status = 'open' RETURNING *",
            (ctx.body.decision, ctx.body.note, ctx.principal.actor, str(hit_id)),
        ).fetchone()
        if row is None:
            exists = ctx.conn.execute(
                "SELECT status FROM aml_hits WHERE id = %s", (str(hit_id),)
            ).fetchone()
            if exists is None:
                raise not_found("hit")
            raise Problem(
                409, "Conflict", f"the hit was already {exists['status']}", code="hit-reviewed"
            )
        audit_caller(
            ctx,
            f"aml.hit.{ctx.body.decision}",
            str(row["session_id"]) if row["session_id"] else None,
            {"hit_id": str(hit_id), "entity_id": row["entity_id"], "note": ctx.body.note or ""},
        )
        return Reply(200, view(ctx, dict(row)))
