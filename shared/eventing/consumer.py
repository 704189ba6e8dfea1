"""Consumer idempotency: an event id is processed once per consumer, recorded in the same
transaction as the effect (delivery is at least once)."""

from __future__ import annotations

import psycopg


def first_delivery(conn: psycopg.Connection, tenant_id: str, consumer: str, event_id: str) -> bool:
    cur = conn.execute(
        "INSERT INTO processed_events (tenant_id, consumer, event_id) VALUES (%s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (tenant_id, consumer, event_id),
    )
    return cur.rowcount == 1
