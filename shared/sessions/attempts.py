"""Step attempts: which checks the orchestrator has made due, stored in Postgres.

The orchestrator records an attempt in the transaction that enqueues its
`check.requested`; a check function runs only for an open attempt (the event id names it)
and closes it with the result. The attempt also keeps the session's input mark at the time,
so a `session.input` re-runs a waiting step only when the stored input changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class StepAttempt:
    event_id: str
    session_id: str
    step: str
    step_index: int
    attempt: int
    input_mark: str
    completed: bool


CONTACT_CHECKS = ("email", "phone")


def input_marks(conn: psycopg.Connection, session_id: str) -> dict[str, str]:
    """Fingerprints of the end-user input stored for a session, per kind: each contact
    channel's verified code, and the uploads. Each changes exactly when such input is added."""
    row = conn.execute(
        "SELECT (SELECT count(*)::text || '@' || coalesce(max(created_at)::text, '') "
        "          FROM artifacts WHERE session_id = %s) AS uploads, "
        "       (SELECT coalesce(max(verified_at)::text, '') FROM otp_codes "
        "         WHERE session_id = %s AND channel = 'email') AS email, "
        "       (SELECT coalesce(max(verified_at)::text, '') FROM otp_codes "
        "         WHERE session_id = %s AND channel = 'phone') AS phone",
        (session_id, session_id, session_id),
    ).fetchone()
    return {"uploads": row["uploads"], "email": row["email"], "phone": row["phone"]}


def mark_for(marks: dict[str, str], check: str) -> str:
    """The input a step of `check` waits for: its channel's code, else the uploads."""
    return marks[check] if check in CONTACT_CHECKS else marks["uploads"]


def record_attempt(
    conn: psycopg.Connection,
    tenant_id: str,
    event_id: str,
    session_id: str,
    step: str,
    step_index: int,
    attempt: int,
    mark: str,
) -> None:
    conn.execute(
        "INSERT INTO step_attempts (tenant_id, event_id, session_id, step, step_index, attempt, "
        "input_mark) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (tenant_id, event_id, session_id, step, step_index, attempt, mark),
    )


def find_attempt(
    conn: psycopg.Connection, event_id: str, session_id: str, step_index: int
) -> StepAttempt | None:
    """The stored attempt a `check.requested` names (locked), if the orchestrator made it."""
    row = conn.execute(
        "SELECT event_id, session_id, step, step_index, attempt, input_mark, completed_at "
        "FROM step_attempts WHERE event_id = %s AND session_id = %s AND step_index = %s "
        "FOR UPDATE",
        (event_id, session_id, step_index),
    ).fetchone()
    if row is None:
        return None
    return StepAttempt(
        event_id=row["event_id"],
        session_id=str(row["session_id"]),
        step=row["step"],
        step_index=row["step_index"],
        attempt=row["attempt"],
        input_mark=row["input_mark"],
        completed=row["completed_at"] is not None,
    )


def complete_attempt(conn: psycopg.Connection, event_id: str) -> None:
    conn.execute("UPDATE step_attempts SET completed_at = now() WHERE event_id = %s", (event_id,))


def latest_marks(conn: psycopg.Connection, session_id: str) -> dict[str, str]:
    """Per step, the input mark of its newest attempt."""
    rows = conn.execute(
        "SELECT DISTINCT ON (step) step, input_mark FROM step_attempts WHERE session_id = %s "
        "ORDER BY step, requested_at DESC",
        (session_id,),
    ).fetchall()
    return {r["step"]: r["input_mark"] for r in rows}
