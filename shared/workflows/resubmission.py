"""Asking the end user to capture again instead of declining over a bad capture.

When the rules would decline or review a session only because of captures that could not be
read (codes of category `retake`: blur, glare, no MRZ found, a check digit misread...), and
no step reports a risk or a data mismatch, the session moves to `resubmission_requested`
with the steps to redo; the end user uploads new captures and submits again, and only those
steps (and the steps that wait for them) run again. After `MAX_RESUBMISSIONS` rounds the
rules decide as usual.

The two transitions (request, resubmit) live here until the session lifecycle module takes
them in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import psycopg

from events import SESSION_SUBMITTED, SESSION_UPDATED
from shared.audit import audit
from shared.checks.catalogue import category_of
from shared.eventing.outbox import enqueue, make_event
from shared.sessions.store import SessionRow
from shared.workflows.decision import Decision
from shared.workflows.definition import WorkflowDefinition

STATUS = "resubmission_requested"
MAX_RESUBMISSIONS = 2
_BLOCKING = {"risk", "data_mismatch"}


def _retake_codes(step: dict[str, Any]) -> list[str] | None:
    """The step's retake codes when a new capture may fix it, else None."""
    codes = [c for c in step["warning_codes"] if c not in step.get("info_codes", [])]
    categories = {category_of(c) for c in codes}
    if "retake" not in categories or categories & _BLOCKING:
        return None
    return [c for c in codes if category_of(c) == "retake"]


def steps_to_redo(wf: WorkflowDefinition, decision: Decision, rounds: int) -> dict[str, Any] | None:
    """`{steps, reason_codes}` when the session should be captured again instead of decided."""
    if decision.action == "approve" or rounds >= MAX_RESUBMISSIONS:
        return None
    deciding = [s for s in decision.steps if s["action"] == decision.action]
    if any(not wf.step(s["step"]).required for s in deciding):
        return None  # an optional step's outcome is the tenant's call, not a retake
    found = [(s, _retake_codes(s)) for s in deciding]
    if not found or any(codes is None for _, codes in found):
        return None
    redo = {s["step"] for s, _ in found}
    changed = True
    while changed:  # and every step that waits for one of them
        more = {s.step_id for s in wf.steps if set(s.after) & redo} - redo
        redo |= more
        changed = bool(more)
    reasons = list(dict.fromkeys(c for _, codes in found for c in codes or []))
    return {"steps": [s.step_id for s in wf.steps if s.step_id in redo], "reason_codes": reasons}


def request_resubmission(
    conn: psycopg.Connection,
    tenant_id: str,
    session: SessionRow,
    redo: dict[str, Any],
    source: str,
) -> None:
    sid = str(session.id)
    record = {
        "status": STATUS,
        "action": "resubmit",
        "rule": "default:retake",
        "decided_by": "rules",
        "reason_codes": redo["reason_codes"],
        "resubmission": {
            **redo,
            "round": session.resubmissions + 1,
            "max_rounds": MAX_RESUBMISSIONS,
            "requested_at": datetime.now(UTC).isoformat(),
        },
    }
    conn.execute(
        "UPDATE sessions SET status = %s, decision = %s, resubmissions = resubmissions + 1, "
        "updated_at = now() WHERE id = %s",
        (STATUS, json.dumps(record), sid),
    )
    audit(conn, tenant_id, "orchestrator", "session.resubmission_requested", sid, redo)
    enqueue(
        conn,
        make_event(
            tenant_id,
            SESSION_UPDATED,
            {"session_id": sid, "status": STATUS, "previous_status": "in_progress"},
            source,
            sid,
        ),
    )


def redo_steps(session: SessionRow) -> set[str]:
    if session.status != STATUS or not session.decision:
        return set()
    return set((session.decision.get("resubmission") or {}).get("steps") or [])


def new_uploads(conn: psycopg.Connection, session: SessionRow) -> set[str]:
    """Kinds uploaded since the resubmission was requested."""
    since = (session.decision or {}).get("resubmission", {}).get("requested_at")
    rows = conn.execute(
        "SELECT DISTINCT kind FROM artifacts WHERE session_id = %s AND created_at >= %s",
        (str(session.id), since),
    ).fetchall()
    return {r["kind"] for r in rows}


def resubmit(
    conn: psycopg.Connection, tenant_id: str, actor: str, session: SessionRow, source: str
) -> None:
    """The end user submits again: the steps to redo lose their results and run again."""
    sid = str(session.id)
    conn.execute(
        "DELETE FROM checks WHERE session_id = %s AND step = ANY(%s)",
        (sid, sorted(redo_steps(session))),
    )
    conn.execute(
        "UPDATE sessions SET status = 'in_progress', updated_at = now() WHERE id = %s", (sid,)
    )
    enqueue(
        conn,
        make_event(
            tenant_id,
            SESSION_SUBMITTED,
            {
                "session_id": sid,
                "workflow_id": str(session.workflow_id),
                "workflow_version": session.workflow_version,
            },
            source,
            sid,
        ),
    )
    enqueue(
        conn,
        make_event(
            tenant_id,
            SESSION_UPDATED,
            {"session_id": sid, "status": "in_progress", "previous_status": STATUS},
            source,
            sid,
        ),
    )
    audit(conn, tenant_id, actor, "session.resubmitted", sid)
