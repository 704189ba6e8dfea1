"""`/v1/blocklist`: add (by value or from a session), list, remove."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import model_validator

from shared.api.models import Strict
from shared.api.services import Services
from shared.blocklist.from_session import add_from_session
from shared.blocklist.manage import add_by_value, remove_entry
from shared.blocklist.store import list_entries
from shared.http.problem import not_found
from shared.http.router import Ctx, Reply, Router
from shared.sessions.store import get_session


class BlocklistAdd(Strict):
    kind: Literal["face", "document_number", "email", "phone"]
    value: str | None = None
    session_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_source(self) -> BlocklistAdd:
        if (self.value is None) == (self.session_id is None):
            raise ValueError("give exactly one of value or session_id")
        if self.kind == "face" and self.session_id is None:
            raise ValueError("a face is blocklisted from a session (session_id)")
        return self


def register_routes(router: Router, services: Services) -> None:
    @router.route(
        "POST",
        "/v1/blocklist",
        body=BlocklistAdd,
        status=201,
        idempotent=True,
        tags=("blocklist",),
        summary="Blocklist a value or a session's face/value",
    )
    def add(ctx: Ctx) -> Reply:
        body: BlocklistAdd = ctx.body
        cipher = services.caller_cipher(ctx)
        if body.session_id is not None:
            s = get_session(ctx.conn, body.session_id)
            if s is None or s.deleted_at is not None:
                raise not_found("session")
            entry = add_from_session(ctx.conn, cipher, str(s.id), body.kind, ctx.principal.actor)
            return Reply(201, {"id": entry, "kind": body.kind})
        entry = add_by_value(ctx.conn, cipher, body.kind, body.value or "", ctx.principal.actor)
        return Reply(201, {"id": entry, "kind": body.kind})

    @router.route("GET", "/v1/blocklist", tags=("blocklist",), summary="Blocklist entries")
    def list_(ctx: Ctx) -> Reply:
        return Reply(200, {"items": [e.model_dump(mode="json") for e in list_entries(ctx.conn)]})

    @router.route(
        "DELETE",
        "/v1/blocklist/<uuid:entry_id>",
        status=204,
        tags=("blocklist",),
        summary="Remove a blocklist entry",
    )
    def delete(ctx: Ctx, entry_id: uuid.UUID) -> Reply:
        if not remove_entry(ctx.conn, ctx.principal.tenant_id, entry_id, ctx.principal.actor):
            raise not_found("blocklist entry")
        return Reply(204)
