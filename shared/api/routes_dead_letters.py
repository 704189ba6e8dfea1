"""`GET /v1/dead-letters`: the tenant's events the broker gave up on (ids and error only)."""

from __future__ import annotations

from shared.api.services import Services
from shared.http.query import int_param
from shared.http.router import Ctx, Reply, Router


def register_routes(router: Router, services: Services) -> None:
    @router.route(
        "GET",
        "/v1/dead-letters",
        tags=("operations",),
        summary="Events of this tenant that reached the dead-letter sink",
    )
    def dead_letters(ctx: Ctx) -> Reply:
        limit = int_param(ctx.request.args, "limit", 50, 1, 200)
        rows = ctx.conn.execute(
            "SELECT id, event_id, event_type, session_id, error_code, error_dest, received_at "
            "FROM dead_letters ORDER BY id DESC LIMIT %s",
            (limit,),
        ).fetchall()
        return Reply(200, {"items": [dict(r) for r in rows]})
