"""The audit log: every action on a session, append-only for the application role."""

from __future__ import annotations

import json
from typing import Any

import psycopg


def audit(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    action: str,
    session_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit_log (tenant_id, session_id, actor, action, details) "
        "VALUES (%s, %s, %s, %s, %s)",
        (tenant_id, session_id, actor, action, json.dumps(details or {}, default=str)),
    )


def session_audit_trail(conn: psycopg.Connection, session_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, actor, action, details, created_at FROM audit_log "
        "WHERE session_id = %s ORDER BY id",
        (session_id,),
    ).fetchall()
    return [dict(r) for r in rows]
