"""Where an end user is in the hosted flow (consent, document choice, completed steps,
capture attempts) and per-session request counting."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import psycopg
from pydantic import BaseModel, Field


class Progress(BaseModel):
    consent_at: datetime | None = None
    document: dict[str, str] = Field(default_factory=dict)
    done: list[str] = Field(default_factory=list)
    attempts: dict[str, int] = Field(default_factory=dict)
    challenge: dict | None = None  # the pending liveness challenge: moves, expires_at


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def load_progress(conn: psycopg.Connection, session_id: str) -> Progress:
    row = conn.execute(
        "SELECT consent_at, document, done, attempts, challenge FROM hosted_progress "
        "WHERE session_id = %s",
        (session_id,),
    ).fetchone()
    return Progress.model_validate(row) if row else Progress()


def save_progress(conn: psycopg.Connection, tenant_id: str, session_id: str, p: Progress) -> None:
    conn.execute(
        "INSERT INTO hosted_progress (session_id, tenant_id, consent_at, document, done, "
        "attempts, challenge, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, now()) "
        "ON CONFLICT (session_id) DO UPDATE SET consent_at = EXCLUDED.consent_at, "
        "document = EXCLUDED.document, done = EXCLUDED.done, attempts = EXCLUDED.attempts, "
        "challenge = EXCLUDED.challenge, updated_at = now()",
        (
            session_id,
            tenant_id,
            p.consent_at,
            json.dumps(p.document),
            json.dumps(p.done),
            json.dumps(p.attempts),
            json.dumps(p.challenge) if p.challenge is not None else None,
        ),
    )


def count_request(conn: psycopg.Connection, tenant_id: str, session_id: str, limit: int) -> None:
    """One more request for this session in this minute; RateLimited over `limit`."""
    row = conn.execute(
        "INSERT INTO hosted_rate (tenant_id, session_id, window_start, count) "
        "VALUES (%s, %s, date_trunc('minute', now()), 1) "
        "ON CONFLICT (session_id, window_start) DO UPDATE SET count = hosted_rate.count + 1 "
        "RETURNING count, window_start",
        (tenant_id, session_id),
    ).fetchone()
    if row["count"] == 1:  # a new minute: the session's older windows are done with
        conn.execute(
            "DELETE FROM hosted_rate WHERE session_id = %s AND window_start < %s",
            (session_id, row["window_start"]),
        )
    if row["count"] > limit:
        elapsed = (datetime.now(UTC) - row["window_start"]).total_seconds()
        raise RateLimited(max(1, 60 - int(elapsed)))
