"""`/v1/blocklist`: add (by value or from a session), list, remove."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import model_validator

from shared.api.models import Strict
from shared.api.services import Services
from shared.audit import audit
from shared.blocklist.session_values import session_values
from shared.blocklist.store import add_face, add_value, list_entries, normalise, remove
from shared.http.problem import Problem, not_found
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


def _unprocessable(detail: str, pointer: str) -> Problem:
    return Problem(
        422,
        "Unprocessable Content",
        detail,
        code="validation-error",
        errors=[{"pointer": pointer, "detail": detail}],
    )


def _no_face_template() -> Problem:
    # The API loads no model: a face is templated only by a workflow's face step (blocklist
    # step, in the faces function), so a session whose face was never templated cannot be
    # blocklisted by face; its document number, email or phone still can.
    return Problem(
        409,
        "Conflict",
        "the session's face was never templated: only sessions whose workflow ran the "
        "blocklist step (face search) can be blocklisted by face",
        code="face-template-missing",
        errors=[{"pointer": "/session_id", "detail": "no face template for this session"}],
    )


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
        cipher = services.cipher(ctx.conn, ctx.principal.tenant_id)
        engine_hash = None
        if body.session_id is not None:
            s = get_session(ctx.conn, body.session_id)
            if s is None or s.deleted_at is not None:
                raise not_found("session")
            if body.kind == "face":
                row = ctx.conn.execute(
                    "SELECT embedding_enc FROM face_templates WHERE session_id = %s", (str(s.id),)
                ).fetchone()
                if row is None:
                    raise _no_face_template()
                sealed = row["embedding_enc"]
                entry = add_face(ctx.conn, cipher, str(s.id), sealed)
                audit(
                    ctx.conn,
                    ctx.principal.tenant_id,
                    ctx.principal.actor,
                    "blocklist.added",
                    str(s.id),
                    {"kind": "face", "entry_id": entry},
                )
                return Reply(201, {"id": entry, "kind": "face"})
            values = session_values(ctx.conn, cipher, str(s.id))
            raw = values.get(body.kind)
            engine_hash = (
                values.get("document_engine_hash") if body.kind == "document_number" else None
            )
            if raw is None:
                raise _unprocessable(f"the session has no verified {body.kind}", "/session_id")
        else:
            raw = body.value
        norm = normalise(body.kind, raw or "")
        if norm is None:
            raise _unprocessable(f"not a valid {body.kind.replace('_', ' ')}", "/value")
        entry = add_value(
            ctx.conn,
            cipher,
            body.kind,
            norm,
            str(body.session_id) if body.session_id else None,
            engine_hash,
        )
        audit(
            ctx.conn,
            ctx.principal.tenant_id,
            ctx.principal.actor,
            "blocklist.added",
            str(body.session_id) if body.session_id else None,
            {"kind": body.kind, "entry_id": entry},
        )
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
        if not remove(ctx.conn, entry_id):
            raise not_found("blocklist entry")
        audit(
            ctx.conn,
            ctx.principal.tenant_id,
            ctx.principal.actor,
            "blocklist.removed",
            details={"entry_id": str(entry_id)},
        )
        return Reply(204)
