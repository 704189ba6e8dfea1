"""The tenant's webhook delivery log (every delivery with its attempts) and a resend: one
home for `GET /v1/webhook/deliveries`, `POST .../resend` and the console's Webhooks page."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from shared.audit import audit
from shared.errors import UnknownSubject


def deliveries(conn: psycopg.Connection, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first, each with `attempt_log` (time, status code, error, duration)."""
    rows = conn.execute(
        "SELECT id, webhook_id, event_type, session_id, url, status, attempts, created_at, "
        "delivered_at, next_attempt FROM webhook_deliveries ORDER BY created_at DESC LIMIT %s",
        (limit,),
    ).fetchall()
    ids = [r["id"] for r in rows]
    attempts = conn.execute(
        "SELECT delivery_id, attempted_at, status_code, error, duration_ms FROM "
        "webhook_attempts WHERE delivery_id = ANY(%s) ORDER BY id",
        (ids,),
    ).fetchall()
    by: dict = {}
    for a in attempts:
        by.setdefault(a["delivery_id"], []).append(
            {k: v for k, v in a.items() if k != "delivery_id"}
        )
    return [{**r, "attempt_log": by.get(r["id"], [])} for r in rows]


def resend(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    delivery_id: str,
    actor_name: str | None = None,
) -> None:
    """Queue a delivery again (the delivery worker sends it); audited."""
    try:
        did = str(uuid.UUID(str(delivery_id)))
    except ValueError as exc:
        raise UnknownSubject("no such delivery") from exc
    row = conn.execute(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt = now(), attempts = 0 "
        "WHERE id = %s RETURNING id",
        (did,),
    ).fetchone()
    if row is None:
        raise UnknownSubject("no such delivery")
    audit(
        conn,
        tenant_id,
        actor,
        "webhook.resend",
        details={"delivery_id": did},
        actor_name=actor_name,
    )
