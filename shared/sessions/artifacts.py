"""Artifacts: uploaded files, checked for kind, type and size, stored encrypted."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.crypto.envelope import TenantCipher
from shared.errors import ContentTooLarge, DomainError, InvalidInput, UnsupportedContent
from shared.imaging.guard import ImageLimits, ImageRefused, inspect
from shared.sessions.sniff import ARTIFACT_KINDS, IMAGES, sniff

# The most any engine accepts (proof of address: 60 Mpx, multi-page scans); each engine
# applies its own, tighter limits again before decoding.
UPLOAD_LIMITS = ImageLimits(
    max_pixels=60_000_000, max_decoded_bytes=384 * 1024 * 1024, max_frames=20
)
IMAGE_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
}


def validate_upload(kind: str, data: bytes, max_bytes: int) -> str:
    """The sniffed content type; refuses what no step could use (domain errors)."""
    if kind not in ARTIFACT_KINDS:
        raise InvalidInput(
            f"unknown artifact kind {kind!r}",
            errors=[{"pointer": "/kind", "detail": "one of " + ", ".join(ARTIFACT_KINDS)}],
        )
    if not data:
        raise InvalidInput("the file is empty", code="empty-file")
    if len(data) > max_bytes:
        raise ContentTooLarge(f"files are limited to {max_bytes} bytes")
    accepted, _ = ARTIFACT_KINDS[kind]
    detected = sniff(data)
    if accepted is None:
        return detected or "application/octet-stream"
    if detected not in accepted:
        raise UnsupportedContent(
            f"{kind} accepts {', '.join(sorted(accepted))}; the file is "
            f"{detected or 'not a recognised format'}"
        )
    if detected in IMAGES:
        _check_image(kind, data, detected, max_bytes)
    return detected


_IMAGE_REFUSALS: dict[str, tuple[type[DomainError], str]] = {
    "too_many_pixels": (ContentTooLarge, "image-too-large"),
    "too_large_decoded": (ContentTooLarge, "image-too-large"),
    "too_many_bytes": (ContentTooLarge, "image-too-large"),
    "too_many_frames": (InvalidInput, "too-many-frames"),
}


def _check_image(kind: str, data: bytes, detected: str, max_bytes: int) -> None:
    """Decode the header (and walk the structure) of an image upload; pixels stay encoded.

    A PNG signature followed by HTML is not an image/png; a 30000x30000 bomb is refused here,
    before it is stored and long before any engine would decode it.
    """
    limits = UPLOAD_LIMITS if kind == "address_document" else replace(UPLOAD_LIMITS, max_frames=1)
    try:
        header = inspect(data, replace(limits, max_bytes=max_bytes), verify=True)
    except ImageRefused as exc:
        error, code = _IMAGE_REFUSALS.get(exc.reason, (InvalidInput, "invalid-image"))
        raise error(f"{kind}: {exc.message}", code=code) from exc
    if IMAGE_TYPES.get(header.format) != detected:
        raise InvalidInput(
            f"{kind}: the file starts like {detected} but decodes as {header.name}",
            code="invalid-image",
        )


def session_cipher(conn: psycopg.Connection, cipher: TenantCipher, session_id: str) -> TenantCipher:
    """The session's own data key (made on first use, stored sealed with the tenant key).

    Erasure deletes it (crypto-shredding): artifact ciphertext left anywhere no longer opens.
    """
    fresh = cipher.seal("session-key", session_id, AESGCM.generate_key(bit_length=256))
    conn.execute(
        "INSERT INTO session_keys (tenant_id, session_id, wrapped_key) VALUES (%s, %s, %s) "
        "ON CONFLICT (session_id) DO NOTHING",
        (cipher.tenant_id, session_id, fresh),
    )
    row = conn.execute(
        "SELECT wrapped_key FROM session_keys WHERE session_id = %s", (session_id,)
    ).fetchone()
    return TenantCipher(
        cipher.tenant_id, cipher.open("session-key", session_id, row["wrapped_key"])
    )


def store_artifact(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    session_id: str,
    kind: str,
    content_type: str,
    data: bytes,
    sandbox_magic: str | None = None,
) -> str:
    """Seal and store one upload; `sandbox_magic`: the outcome a test session's upload is
    named after (shared/checks/sandbox.py), never set for a live session."""
    artifact_id = str(uuid.uuid4())
    # clock_timestamp(), not the transaction's now(): the frames of one multi-file upload
    # must keep their order (load_artifacts sorts on created_at; the ids are random).
    conn.execute(
        "INSERT INTO artifacts (id, tenant_id, session_id, kind, content_type, size_bytes, sha256,"
        " ciphertext, sealed_with, sandbox_magic, created_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'session', %s, clock_timestamp())",
        (
            artifact_id,
            cipher.tenant_id,
            session_id,
            kind,
            content_type,
            len(data),
            hashlib.sha256(data).hexdigest(),
            session_cipher(conn, cipher, session_id).seal("artifact", artifact_id, data),
            sandbox_magic,
        ),
    )
    return artifact_id


def open_artifacts(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, rows: list[dict]
) -> list[bytes]:
    """The plaintext of artifact rows (id, ciphertext, sealed_with) of one session."""
    own = None
    out = []
    for r in rows:
        if r["sealed_with"] == "session":
            own = own or session_cipher(conn, cipher, session_id)
            out.append(own.open("artifact", str(r["id"]), r["ciphertext"]))
        else:
            out.append(cipher.open("artifact", str(r["id"]), r["ciphertext"]))
    return out


def load_artifacts(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, kinds: list[str] | None = None
) -> dict[str, list[bytes]]:
    """Decrypted artifacts of a session, by kind, in upload order."""
    rows = conn.execute(
        "SELECT id, kind, ciphertext, sealed_with FROM artifacts WHERE session_id = %s "
        "AND (%s::text[] IS NULL OR kind = ANY(%s::text[])) ORDER BY created_at, id",
        (session_id, kinds, kinds),
    ).fetchall()
    out: dict[str, list[bytes]] = {}
    for r, data in zip(rows, open_artifacts(conn, cipher, session_id, rows), strict=True):
        out.setdefault(r["kind"], []).append(data)
    return out


def list_artifacts(conn: psycopg.Connection, session_id: str) -> list[dict]:
    rows = conn.execute(
        "SELECT id, kind, content_type, size_bytes, sha256, created_at FROM artifacts "
        "WHERE session_id = %s ORDER BY created_at, id",
        (session_id,),
    ).fetchall()
    return [dict(r) for r in rows]
