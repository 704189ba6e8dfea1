"""A reviewer's disposition of one AML match found when a session was screened: confirmed
(a true match) or dismissed (a false positive), always with a reason, audited with the
person and the time. A dismissed match is not raised again for the session's subject
(`is_dismissed`, read by the `aml` step's context)."""

from __future__ import annotations

from typing import Any, Literal

import psycopg

from shared.audit import audit
from shared.crypto.envelope import TenantCipher
from shared.errors import InvalidInput, UnknownSubject
from shared.sessions.results import load_results

Decision = Literal["confirmed", "dismissed"]


def session_matches(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str
) -> list[dict[str, Any]]:
    """The matches of the session's latest `aml` screening."""
    matches: list[dict[str, Any]] = []
    for r in load_results(conn, cipher, session_id):
        if r["check"] == "aml":
            matches = [m for m in (r["data"] or {}).get("matches") or [] if isinstance(m, dict)]
    return matches


def dispose(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    session_id: str,
    entity_id: str,
    decision: str,
    reason: str,
    actor: str,
    actor_name: str | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """Record (or change) the disposition of one of the session's matches."""
    if decision not in ("confirmed", "dismissed"):
        raise InvalidInput(
            "decision is confirmed or dismissed",
            errors=[{"pointer": "/decision", "detail": "confirmed or dismissed"}],
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise InvalidInput(
            "a disposition needs a reason (at most 2000 characters)",
            errors=[{"pointer": "/reason", "detail": "required, at most 2000 characters"}],
        )
    match = next(
        (m for m in session_matches(conn, cipher, session_id) if m.get("entity_id") == entity_id),
        None,
    )
    if match is None:
        raise UnknownSubject("no such match in the session's screening")
    row = conn.execute(
        "INSERT INTO case_aml_dispositions (tenant_id, session_id, entity_id, list, "
        "list_version, decision, reason, decided_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (session_id, entity_id) DO UPDATE SET decision = EXCLUDED.decision, "
        "reason = EXCLUDED.reason, decided_by = EXCLUDED.decided_by, created_at = now() "
        "RETURNING id, decision, created_at",
        (
            cipher.tenant_id,
            session_id,
            entity_id,
            str(match.get("list") or ""),
            str(match.get("list_version") or ""),
            decision,
            reason,
            user_id,
        ),
    ).fetchone()
    audit(
        conn,
        cipher.tenant_id,
        actor,
        f"aml.match.{decision}",
        session_id,
        {"entity_id": entity_id, "list": match.get("list"), "reason": reason},
        actor_name=actor_name,
    )
    return dict(row)


def is_dismissed(conn: psycopg.Connection, session_id: str, entity_id: str) -> bool:
    """A reviewer dismissed this match for this session (from the case or a monitoring hit)."""
    row = conn.execute(
        "SELECT 1 FROM case_aml_dispositions WHERE session_id = %s AND entity_id = %s "
        "AND decision = 'dismissed' UNION ALL "
        "SELECT 1 FROM aml_hits WHERE session_id = %s AND entity_id = %s "
        "AND status = 'dismissed' LIMIT 1",
        (session_id, entity_id, session_id, entity_id),
    ).fetchone()
    return row is not None
