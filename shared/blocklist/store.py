"""Blocklist entries, stored as keyed fingerprints (values are never kept in clear)."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from typing import Literal

import psycopg
from pydantic import BaseModel

from shared.contact.email_facts import email_facts
from shared.contact.phone_facts import phone_facts
from shared.crypto.envelope import TenantCipher

Kind = Literal["face", "document_number", "email", "phone"]


class BlocklistEntry(BaseModel):
    id: uuid.UUID
    kind: str
    hint: str
    session_id: uuid.UUID | None = None
    created_at: object


def normalise(kind: str, value: str) -> str | None:
    """The canonical form of a value, or None when it is not a valid value of its kind."""
    if kind == "email":
        facts = email_facts(value)
        return facts.normalized.lower() if facts.valid and facts.normalized else None
    if kind == "phone":
        return phone_facts(value).e164
    if kind == "document_number":
        norm = re.sub(r"[^A-Z0-9]", "", value.upper())
        return norm or None
    return None


def fingerprint(cipher: TenantCipher, kind: str, normalised: str) -> str:
    """A per-tenant keyed hash: equal values match inside a tenant, never across tenants."""
    return hmac.new(
        cipher.dek, f"blocklist:{kind}:{normalised}".encode(), hashlib.sha256
    ).hexdigest()


def hint_for(kind: str, normalised: str) -> str:
    if kind == "email":
        local, _, domain = normalised.partition("@")
        return f"{local[:1]}***@{domain}"
    return "*" * max(0, len(normalised) - 4) + normalised[-4:]


def add_value(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    kind: str,
    normalised: str,
    session_id: str | None = None,
    engine_hash: str | None = None,
) -> str:
    if kind == "document_number" and engine_hash is None:
        # Entries by plain number match the document engine's number-only fingerprint.
        from shared.blocklist.document_numbers import number_only_hash

        engine_hash = number_only_hash(normalised)
    row = conn.execute(
        "INSERT INTO blocklist (tenant_id, kind, fingerprint, engine_hash, session_id, hint) "
        "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
        (
            cipher.tenant_id,
            kind,
            fingerprint(cipher, kind, normalised),
            engine_hash,
            session_id,
            hint_for(kind, normalised),
        ),
    ).fetchone()
    return str(row["id"])


def add_face(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, embedding_enc: bytes
) -> str:
    entry_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO blocklist (id, tenant_id, kind, session_id, embedding_enc, hint) "
        "VALUES (%s, %s, 'face', %s, %s, %s)",
        (entry_id, cipher.tenant_id, session_id, embedding_enc, f"face of session {session_id}"),
    )
    return entry_id


def is_blocked(conn: psycopg.Connection, cipher: TenantCipher, kind: str, value: str) -> bool:
    norm = normalise(kind, value)
    if norm is None:
        return False
    row = conn.execute(
        "SELECT 1 FROM blocklist WHERE kind = %s AND fingerprint = %s LIMIT 1",
        (kind, fingerprint(cipher, kind, norm)),
    ).fetchone()
    return row is not None


def is_blocked_engine_hash(conn: psycopg.Connection, engine_hash: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM blocklist WHERE kind = 'document_number' AND engine_hash = %s LIMIT 1",
        (engine_hash,),
    ).fetchone()
    return row is not None


def list_entries(conn: psycopg.Connection) -> list[BlocklistEntry]:
    rows = conn.execute(
        "SELECT id, kind, hint, session_id, created_at FROM blocklist ORDER BY created_at, id"
    ).fetchall()
    return [BlocklistEntry.model_validate(r) for r in rows]


def remove(conn: psycopg.Connection, entry_id: uuid.UUID) -> bool:
    return (
        conn.execute(
            "DELETE FROM blocklist WHERE id = %s RETURNING id", (str(entry_id),)
        ).fetchone()
        is not None
    )
