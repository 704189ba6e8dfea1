"""The transactional outbox: an effect and the events it causes commit together.

Rows hold structured-mode CloudEvents (ids and results only, never personal data). The
relay publishes them to the tenant's broker and marks them only after a 2xx.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
from pydantic import BaseModel

SPECVERSION = "1.0"


def make_event(
    tenant_id: str,
    event_type: str,
    data: BaseModel | dict[str, Any],
    source: str,
    session_id: str | None = None,
    checktype: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    event: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": event_id or str(uuid.uuid4()),
        "type": event_type,
        "source": source,
        "datacontenttype": "application/json",
        "tenantid": str(tenant_id),
        "data": payload,
    }
    if session_id:
        event["subject"] = str(session_id)
        event["sessionid"] = str(session_id)
    if checktype:
        event["checktype"] = checktype
    return event


def enqueue(conn: psycopg.Connection, event: dict[str, Any]) -> str:
    conn.execute(
        "INSERT INTO outbox (id, tenant_id, event_type, event) VALUES (%s, %s, %s, %s)",
        (event["id"], event["tenantid"], event["type"], json.dumps(event)),
    )
    return str(event["id"])
