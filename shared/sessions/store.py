"""Session rows in Postgres: insert, read, page, erase. All calls run in a tenant tx;
state changes go through `shared.sessions.lifecycle`, never straight to these rows."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from pydantic import BaseModel, ConfigDict, Field

from events import SessionStatus
from shared.checks.sandbox import PREFIX as MAGIC
from shared.crypto.envelope import TenantCipher
from shared.sessions.vendor_data import seal as vendor_data_seal
from shared.tenancy.modes import Mode, token_prefix
from shared.tenancy.secrets import new_secret


class Expected(BaseModel):
    """What the tenant already knows about the end user (stored encrypted)."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    date_of_birth: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}-\d{2})?$")
    address: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)


class SessionRow(BaseModel):
    id: uuid.UUID
    workflow_id: uuid.UUID
    workflow_version: int
    status: SessionStatus
    decision: dict[str, Any] | None
    # vendor_data is sealed (shared/sessions/vendor_data.py: `of_session` opens it); the
    # plain column only holds rows written before migration 0130 and not sealed yet.
    vendor_data_enc: bytes | None = None
    vendor_data_legacy: str | None = None
    # a test session's magic vendor_data (`sandbox:...`, documented, never personal): the
    # checks read it without the session's key
    sandbox_magic: str | None = None
    callback_url: str | None
    expected_enc: bytes | None
    mode: str = "live"  # the sandbox: a test key's session never runs a model
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    expires_at: datetime
    deleted_at: datetime | None
    resubmissions: int = 0  # rounds of "capture again" so far


SESSION_COLUMNS = (
    "id, workflow_id, workflow_version, status, decision, vendor_data_enc, "
    "vendor_data AS vendor_data_legacy, callback_url, "
    "expected_enc, created_at, updated_at, submitted_at, decided_at, expires_at, deleted_at, "
    "resubmissions, mode, sandbox_magic"
)


def create_session(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    workflow_id: uuid.UUID,
    workflow_version: int,
    vendor_data: str | None,
    callback_url: str | None,
    expected: Expected | None,
    ttl_days: int,
    mode: Mode = "live",
) -> tuple[SessionRow, str]:
    session_id = str(uuid.uuid4())
    token, digest, _ = new_secret(token_prefix(mode))
    expected_enc = None
    if expected is not None:
        expected_enc = cipher.seal(
            "expected", session_id, expected.model_dump_json(exclude_none=True).encode()
        )
    conn.execute(
        "INSERT INTO sessions (id, tenant_id, workflow_id, workflow_version, "
        "callback_url, expected_enc, token_hash, expires_at, mode) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            session_id,
            cipher.tenant_id,
            str(workflow_id),
            workflow_version,
            callback_url,
            expected_enc,
            digest,
            datetime.now(UTC) + timedelta(days=ttl_days),
            mode,
        ),
    )
    # sealed with the session's own key (its row needs the session row first)
    vendor_enc, vendor_hash = vendor_data_seal(conn, cipher, session_id, vendor_data)
    magic = vendor_data if mode == "test" and (vendor_data or "").startswith(MAGIC) else None
    row = conn.execute(
        f"UPDATE sessions SET vendor_data_enc = %s, vendor_data_hash = %s, sandbox_magic = %s "
        f"WHERE id = %s RETURNING {SESSION_COLUMNS}",
        (vendor_enc, vendor_hash, magic, session_id),
    ).fetchone()
    return SessionRow.model_validate(row), token


def get_session(
    conn: psycopg.Connection, session_id: uuid.UUID | str, for_update: bool = False
) -> SessionRow | None:
    lock = " FOR UPDATE" if for_update else ""
    row = conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = %s{lock}", (str(session_id),)
    ).fetchone()
    return SessionRow.model_validate(row) if row else None


def expected_of(cipher: TenantCipher, s: SessionRow) -> Expected | None:
    if s.expected_enc is None:
        return None
    return Expected.model_validate_json(cipher.open("expected", str(s.id), s.expected_enc))


def encode_cursor(created_at: datetime, sid: uuid.UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(sid)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    pad = "=" * (-len(cursor) % 4)
    created, sid = json.loads(base64.urlsafe_b64decode(cursor + pad))
    return datetime.fromisoformat(created), uuid.UUID(sid)


def list_sessions(
    conn: psycopg.Connection,
    status: str | None,
    limit: int,
    cursor: tuple[datetime, uuid.UUID] | None,
    vendor_hash: str | None = None,
    vendor_plain: str | None = None,
) -> tuple[list[SessionRow], str | None]:
    """`vendor_hash`: only sessions with that vendor_data fingerprint (and, for rows not
    sealed yet, `vendor_plain` in the legacy column)."""
    clauses = ["deleted_at IS NULL"]
    params: list[Any] = []
    if vendor_hash:
        clauses.append("(vendor_data_hash = %s OR (vendor_data_hash IS NULL AND vendor_data = %s))")
        params.extend([vendor_hash, vendor_plain])
    if status:
        clauses.append("status = %s")
        params.append(status)
    if cursor:
        clauses.append("(created_at, id) < (%s, %s)")
        params.extend([cursor[0], str(cursor[1])])
    params.append(limit + 1)
    rows = conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE {' AND '.join(clauses)} "
        "ORDER BY created_at DESC, id DESC LIMIT %s",
        params,
    ).fetchall()
    items = [SessionRow.model_validate(r) for r in rows[:limit]]
    nxt = encode_cursor(items[-1].created_at, items[-1].id) if len(rows) > limit else None
    return items, nxt


def erase_session(conn: psycopg.Connection, session_id: str) -> None:
    """Erasure: everything personal goes (shared/sessions/erasure.py); a tombstone row and
    the audit trail stay."""
    from shared.sessions.erasure import erase_session as erase

    erase(conn, session_id)
