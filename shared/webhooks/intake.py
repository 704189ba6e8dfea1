"""What the webhooks function delivers, and whether: the consumer side of webhooks.

An event on the broker only says "look". Before anything is delivered the event is checked
against Postgres inside its tenant's transaction:
- the session it names must exist for that tenant (another tenant's, an erased or a made-up
  id is refused: `UnknownSubject`);
- the event must be one idmesh recorded: the tenant's outbox holds a row with its id, type
  and the same data, written in the same transaction as the state change it announces
  (otherwise `StateMismatch`).
The payload is built from those stored rows (the recorded transition and the session's
vendor_data), never from the event's data. Refusals are final (4xx: logged, counted by the
function host, dead-lettered by the broker) and nothing is delivered.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import psycopg

from events import EVENT_MODELS, ParsedEvent
from shared.errors import StateMismatch, UnknownSubject
from shared.eventing.outbox import outbox_row_id
from shared.observability.tracing import current_traceparent
from shared.platform import Platform
from shared.sessions.store import get_session
from shared.webhooks.delivery import SHORT_NAMES
from shared.webhooks.endpoint import get_endpoint


def stored_event(conn: psycopg.Connection, ev: ParsedEvent) -> dict[str, Any]:
    """The outbox record of this event (the tenant's own, by RLS) with validated data."""
    row_id = outbox_row_id(ev.id)
    row = conn.execute(
        "SELECT event FROM outbox WHERE id = %s AND event_type = %s", (row_id, ev.type)
    ).fetchone()
    if row is None:
        raise StateMismatch(f"no {ev.type} {ev.id} was recorded for this tenant")
    model = EVENT_MODELS[ev.type]
    stored = model.model_validate(row["event"].get("data") or {})
    if stored != ev.data:
        raise StateMismatch(f"event {ev.id} differs from the one recorded")
    return stored.model_dump(mode="json")


def payload_for(ev_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Thin payload: event type, ids, status, reason codes (details are fetched by API).

    Stored without the session's `vendor_data` (personal data, sealed with the session's
    key): each attempt adds it (shared/webhooks/delivery.py), so erasure leaves no copy."""
    body = dict(data)
    return {
        "type": SHORT_NAMES.get(ev_type, ev_type),
        "timestamp": datetime.now(UTC).isoformat(),
        "data": body,
    }


def record_delivery(platform: Platform, ev: ParsedEvent) -> str | None:
    """Record the delivery of a verified event to the tenant's endpoint (once per event)."""
    with platform.db.tenant(ev.tenant_id) as conn:
        session_id = getattr(ev.data, "session_id", None) or ev.session_id
        if session_id is not None:
            session = get_session(conn, session_id)
            if session is None or session.deleted_at is not None:
                raise UnknownSubject("the event names no session of its tenant")
        data = stored_event(conn, ev)
        cipher = platform.cipher(conn, ev.tenant_id)
        endpoint = get_endpoint(conn, cipher)
        if endpoint is None or SHORT_NAMES.get(ev.type) not in endpoint.events:
            return None
        row = conn.execute(
            "INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_type, session_id, "
            "payload, url, traceparent) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (tenant_id, webhook_id, url) DO NOTHING RETURNING id",
            (
                ev.tenant_id,
                ev.id,
                SHORT_NAMES[ev.type],  # the same name as the payload's `type`
                session_id,
                json.dumps(payload_for(ev.type, data)),
                endpoint.url,
                current_traceparent(session_id)[0],
            ),
        ).fetchone()
    return str(row["id"]) if row else None
