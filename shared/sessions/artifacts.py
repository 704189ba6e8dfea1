"""Artifacts: uploaded files, checked for kind, type and size, stored encrypted."""

from __future__ import annotations

import hashlib
import uuid

import psycopg

from shared.crypto.envelope import TenantCipher
from shared.http.problem import Problem
from shared.sessions.sniff import ARTIFACT_KINDS, sniff


def validate_upload(kind: str, data: bytes, max_bytes: int) -> str:
    """The sniffed content type, or a 4xx problem."""
    if kind not in ARTIFACT_KINDS:
        raise Problem(
            422,
            "Unprocessable Content",
            f"unknown artifact kind {kind!r}",
            code="validation-error",
            errors=[{"pointer": "/kind", "detail": "one of " + ", ".join(ARTIFACT_KINDS)}],
        )
    if not data:
        raise Problem(422, "Unprocessable Content", "the file is empty", code="empty-file")
    if len(data) > max_bytes:
        raise Problem(413, "Content Too Large", f"files are limited to {max_bytes} bytes")
    accepted, _ = ARTIFACT_KINDS[kind]
    detected = sniff(data)
    if accepted is None:
        return detected or "application/octet-stream"
    if detected not in accepted:
        raise Problem(
            415,
            "Unsupported Media Type",
            f"{kind} accepts {', '.join(sorted(accepted))}; the file is "
            f"{detected or 'not a recognised format'}",
            code="unsupported-media-type",
        )
    return detected


def store_artifact(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    session_id: str,
    kind: str,
    content_type: str,
    data: bytes,
) -> str:
    artifact_id = str(uuid.uuid4())
    # clock_timestamp(), not the transaction's now(): the frames of one multi-file upload
    # must keep their order (load_artifacts sorts on created_at; the ids are random).
    conn.execute(
        "INSERT INTO artifacts (id, tenant_id, session_id, kind, content_type, size_bytes, sha256,"
        " ciphertext, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, clock_timestamp())",
        (
            artifact_id,
            cipher.tenant_id,
            session_id,
            kind,
            content_type,
            len(data),
            hashlib.sha256(data).hexdigest(),
            cipher.seal("artifact", artifact_id, data),
        ),
    )
    return artifact_id


def load_artifacts(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, kinds: list[str] | None = None
) -> dict[str, list[bytes]]:
    """Decrypted artifacts of a session, by kind, in upload order."""
    rows = conn.execute(
        "SELECT id, kind, ciphertext FROM artifacts WHERE session_id = %s "
        "AND (%s::text[] IS NULL OR kind = ANY(%s::text[])) ORDER BY created_at, id",
        (session_id, kinds, kinds),
    ).fetchall()
    out: dict[str, list[bytes]] = {}
    for r in rows:
        out.setdefault(r["kind"], []).append(cipher.open("artifact", str(r["id"]), r["ciphertext"]))
    return out


def list_artifacts(conn: psycopg.Connection, session_id: str) -> list[dict]:
    rows = conn.execute(
        "SELECT id, kind, content_type, size_bytes, sha256, created_at FROM artifacts "
        "WHERE session_id = %s ORDER BY created_at, id",
        (session_id,),
    ).fetchall()
    return [dict(r) for r in rows]
