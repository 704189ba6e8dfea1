"""The audit trail through the API: one session's, and the tenant's export in chain order."""

from __future__ import annotations

import uuid

from shared.api.services import Services
from shared.audit import audit_head, session_audit_trail, tenant_audit_page
from shared.http.problem import Problem, not_found
from shared.http.router import Ctx, Reply, Router

# Audit entries as the API answers them (AuditEntry as JSON).
_ITEMS = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"type": "object"}}},
}


def register_routes(router: Router, services: Services) -> None:
    @router.route(
        "GET",
        "/v1/sessions/<uuid:session_id>/audit",
        tags=("audit",),
        summary="A session's audit trail (erased sessions keep theirs)",
        openapi={"response_schema": _ITEMS},
    )
    def session_trail(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        row = ctx.conn.execute("SELECT 1 FROM sessions WHERE id = %s", (str(session_id),))
        if row.fetchone() is None:
            raise not_found("session")
        items = session_audit_trail(ctx.conn, str(session_id))
        return Reply(200, {"items": [e.model_dump(mode="json") for e in items]})

    @router.route(
        "GET",
        "/v1/audit",
        tags=("audit",),
        summary="Export the tenant's audit trail in chain order (cursor: `after` a seq)",
        openapi={
            "response_schema": {
                "type": "object",
                "required": ["items", "head"],
                "properties": {
                    **_ITEMS["properties"],
                    "next_after": {"type": ["integer", "null"]},
                    "head": {
                        "type": "object",
                        "properties": {
                            "seq": {"type": ["integer", "null"]},
                            "hash": {"type": ["string", "null"]},
                        },
                    },
                },
            },
            "query": [
                {"name": "after", "schema": {"type": "integer", "minimum": 0}},
                {"name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
            ],
        },
    )
    def export(ctx: Ctx) -> Reply:
        args = ctx.request.args
        try:
            after = int(args.get("after", "0"))
            limit = int(args.get("limit", "500"))
        except ValueError as exc:
            raise Problem(400, "Bad Request", "after and limit must be integers") from exc
        if not 1 <= limit <= 1000 or not 0 <= after < 2**63:
            raise Problem(400, "Bad Request", "limit must be 1..1000 and after a sequence number")
        items, nxt = tenant_audit_page(ctx.conn, after, limit)
        seq, head = audit_head(ctx.conn)
        return Reply(
            200,
            {
                "items": [e.model_dump(mode="json") for e in items],
                "next_after": nxt,
                "head": {"seq": seq, "hash": head},
            },
        )
