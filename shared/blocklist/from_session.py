"""Blocklist a session's face or value (verified email/phone, document number read by
`id_document`): one home for the API's `POST /v1/blocklist {session_id}` and the console's
case action. Audited with the actor."""

from __future__ import annotations

import psycopg

from shared.audit import audit
from shared.blocklist.session_values import session_values
from shared.blocklist.store import add_face, add_value, normalise
from shared.crypto.envelope import TenantCipher
from shared.errors import FaceNotTemplated, InvalidInput

KINDS = ("face", "document_number", "email", "phone")


def _unprocessable(detail: str, pointer: str = "/session_id") -> InvalidInput:
    return InvalidInput(detail, errors=[{"pointer": pointer, "detail": detail}])


def add_from_session(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    session_id: str,
    kind: str,
    actor: str,
    actor_name: str | None = None,
    reason: str | None = None,
) -> str:
    """Blocklist the session's `kind` value; the new entry's id."""
    if kind not in KINDS:
        raise _unprocessable(f"kind is one of {', '.join(KINDS)}", "/kind")
    details: dict[str, str] = {"kind": kind}
    if reason:
        details["reason"] = reason[:2000]
    if kind == "face":
        row = conn.execute(
            "SELECT embedding_enc FROM face_templates WHERE session_id = %s", (session_id,)
        ).fetchone()
        if row is None:
            # The API and the console load no face model: only a workflow's blocklist step
            # (in the faces function) templates a face.
            raise FaceNotTemplated(
                "the session's face was never templated: only sessions whose workflow ran the "
                "blocklist step (face search) can be blocklisted by face",
                errors=[{"pointer": "/session_id", "detail": "no face template for this session"}],
            )
        entry = add_face(conn, cipher, session_id, row["embedding_enc"])
    else:
        values = session_values(conn, cipher, session_id)
        raw = values.get(kind)
        if raw is None:
            raise _unprocessable(f"the session has no verified {kind.replace('_', ' ')}")
        norm = normalise(kind, raw)
        if norm is None:
            raise _unprocessable(f"the session's {kind.replace('_', ' ')} is not valid")
        engine_hash = values.get("document_engine_hash") if kind == "document_number" else None
        entry = add_value(conn, cipher, kind, norm, session_id, engine_hash)
    details["entry_id"] = entry
    audit(
        conn,
        cipher.tenant_id,
        actor,
        "blocklist.added",
        session_id,
        details,
        actor_name=actor_name,
    )
    return entry
