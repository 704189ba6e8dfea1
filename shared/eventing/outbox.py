"""The transactional outbox: an effect and the events it causes commit together.

Rows hold the CloudEvent's attributes and data (ids and results only, never personal data).
The relay publishes them to the tenant's broker and marks them only after a 2xx.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import psycopg
from cloudevents.http import CloudEvent
from pydantic import BaseModel

from events import build_event
from shared.observability.tracing import current_traceparent


def make_event(
    tenant_id: str,
    event_type: str,
    data: BaseModel | Mapping[str, Any],
    source: str,
    session_id: str | None = None,
    checktype: str | None = None,
    event_id: str | None = None,
) -> CloudEvent:
    """A validated idmesh CloudEvent (the catalogue's model checks `data`), carrying the
    current trace context (or the session's trace root) as `traceparent`/`tracestate`."""
    traceparent, tracestate = current_traceparent(session_id or _data_session(data))
    return build_event(
        event_type,
        data,
        str(tenant_id),
        source,
        session_id=session_id,
        checktype=checktype,
        id=event_id,
        traceparent=traceparent,
        tracestate=tracestate,
    )


def _data_session(data: BaseModel | Mapping[str, Any]) -> str | None:
    value = (
        getattr(data, "session_id", None) if isinstance(data, BaseModel) else data.get("session_id")
    )
    return str(value) if value else None


def event_to_row(ev: CloudEvent) -> dict[str, Any]:
    return {**ev.get_attributes(), "data": ev.get_data()}


def row_to_event(row: Mapping[str, Any]) -> CloudEvent:
    attrs = {k: v for k, v in row.items() if k != "data"}
    return CloudEvent(attrs, row.get("data"))


def enqueue(conn: psycopg.Connection, ev: CloudEvent) -> str:
    """Add an event to the outbox in the caller's transaction."""
    event_id = ev["id"]
    row_id = outbox_row_id(event_id)
    conn.execute(
        "INSERT INTO outbox (id, tenant_id, event_type, event) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (id) DO NOTHING",
        (row_id, ev["tenantid"], ev["type"], json.dumps(event_to_row(ev), default=str)),
    )
    return event_id


def outbox_row_id(event_id: str) -> str:
    """The outbox row id of an event id (a UUID as is, any other id hashed to one)."""
    return event_id if _is_uuid(event_id) else str(uuid.uuid5(uuid.NAMESPACE_URL, event_id))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False
