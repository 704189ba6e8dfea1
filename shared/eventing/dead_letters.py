"""The dead-letter sink: events the broker gave up on, kept per tenant for operators."""

from __future__ import annotations

import json

from events import ParsedEvent
from shared.db.tenant_tx import Database


def record_dead_letter(db: Database, ev: ParsedEvent) -> None:
    attrs = ev.attributes
    with db.tenant(ev.tenant_id) as conn:
        conn.execute(
            "INSERT INTO dead_letters (tenant_id, event_id, event_type, session_id, error_code, "
            "error_dest, event) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (
                ev.tenant_id,
                ev.id,
                ev.type,
                ev.session_id,
                attrs.get("knativeerrorcode"),
                attrs.get("knativeerrordest"),
                json.dumps(
                    {
                        **{k: str(v) for k, v in attrs.items()},
                        "data": ev.data.model_dump(mode="json"),
                    }
                ),
            ),
        )
