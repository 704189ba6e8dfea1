"""Behaviour signals from the hosted flow: time spent per step and retakes.

The hosted pages record, per session and step (`session_steps`), when the step's page was
first shown, when the step was done, how a capture was taken (camera or file) and how many
captures the quality gate turned back (the retakes). Server-side times: the page cannot
forge them. A capture step done faster than a person can hold a document up to a camera is
`BEHAVIOUR_FAST_STEPS`; many retakes over the flow are `BEHAVIOUR_RETAKES`.
"""

from __future__ import annotations

from datetime import datetime

import psycopg
from pydantic import BaseModel

from shared.risk import codes as c
from shared.risk.params import RiskParams
from shared.risk.score import Signal

# Steps where a person takes a picture or records frames (the hosted flow's names).
CAPTURE_STEPS = frozenset({"document_front", "document_back", "selfie", "address", "liveness"})


def step_seen(conn: psycopg.Connection, tenant_id: str, session_id: str, step: str) -> None:
    """The step's page was shown (the first time counts)."""
    conn.execute(
        "INSERT INTO session_steps (tenant_id, session_id, step) VALUES (%s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (tenant_id, session_id, step),
    )


def steps_progressed(
    conn: psycopg.Connection,
    tenant_id: str,
    session_id: str,
    done: list[str],
    attempts: dict[str, int],
    source: dict[str, str] | None = None,
) -> None:
    """Mark newly done steps (the first time counts), the retakes so far and capture
    sources, from the flow's progress after a change."""
    source = source or {}
    for step in sorted(set(done) | set(attempts) | set(source)):
        conn.execute(
            "INSERT INTO session_steps (tenant_id, session_id, step, done_at, retakes, source) "
            "VALUES (%(t)s, %(s)s, %(step)s, CASE WHEN %(done)s THEN now() END, %(r)s, %(src)s) "
            "ON CONFLICT (tenant_id, session_id, step) DO UPDATE SET "
            "done_at = coalesce(session_steps.done_at, EXCLUDED.done_at), "
            "retakes = greatest(session_steps.retakes, EXCLUDED.retakes), "
            "source = coalesce(EXCLUDED.source, session_steps.source)",
            {
                "t": tenant_id,
                "s": session_id,
                "step": step,
                "done": step in done,
                "r": attempts.get(step, 0),
                "src": source.get(step),
            },
        )


class StepBehaviour(BaseModel):
    step: str
    first_seen: datetime
    done_at: datetime | None
    source: str | None
    retakes: int

    @property
    def seconds(self) -> float | None:
        if self.done_at is None:
            return None
        return round((self.done_at - self.first_seen).total_seconds(), 1)


def session_steps(conn: psycopg.Connection, session_id: str) -> list[StepBehaviour]:
    rows = conn.execute(
        "SELECT step, first_seen, done_at, source, retakes FROM session_steps "
        "WHERE session_id = %s ORDER BY first_seen, step",
        (session_id,),
    ).fetchall()
    return [StepBehaviour(**r) for r in rows]


def behaviour_summary(steps: list[StepBehaviour]) -> dict[str, dict]:
    """Per step: seconds spent, retakes, capture source (the result's `data.behaviour`)."""
    return {s.step: {"seconds": s.seconds, "retakes": s.retakes, "source": s.source} for s in steps}


def behaviour_signals(steps: list[StepBehaviour], params: RiskParams) -> list[Signal]:
    signals: list[Signal] = []
    seconds = {s.step: s.seconds for s in steps if s.seconds is not None}
    fast = sorted(
        s.step
        for s in steps
        if s.step in CAPTURE_STEPS and s.seconds is not None and s.seconds < params.min_step_seconds
    )
    if fast:
        signals.append(
            Signal(
                code=c.BEHAVIOUR_FAST_STEPS,
                value=fast,
                evidence={"seconds": seconds, "min_seconds": params.min_step_seconds},
            )
        )
    retakes = {s.step: s.retakes for s in steps if s.retakes}
    total = sum(retakes.values())
    if total >= params.retakes_limit:
        signals.append(
            Signal(
                code=c.BEHAVIOUR_RETAKES,
                value=total,
                evidence={"retakes": retakes, "limit": params.retakes_limit},
            )
        )
    return signals
