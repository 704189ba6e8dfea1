"""Asking the end user to capture again instead of declining over a bad capture.

When the rules would decline or review a session only because of captures that could not be
read (codes of category `retake`: blur, glare, no MRZ found, a check digit misread...), and
no step reports a risk or a data mismatch, the session moves to `resubmission_requested`
with the steps to redo; the end user uploads new captures and submits again, and only those
steps (and the steps that wait for them) run again. After `MAX_RESUBMISSIONS` rounds the
rules decide as usual.

This module decides *whether* and *what* to redo; the two transitions (request_resubmission,
resubmit) are in the session lifecycle (`shared.sessions.lifecycle`).
"""

from __future__ import annotations

from typing import Any

import psycopg

from shared.checks.catalogue import category_of
from shared.sessions.lifecycle import RESUBMISSION
from shared.sessions.store import SessionRow
from shared.workflows.decision import Decision
from shared.workflows.definition import WorkflowDefinition

STATUS = RESUBMISSION
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
        more = {s.step_id for s in wf.steps if wf.waits_for(s) & redo} - redo
        redo |= more
        changed = bool(more)
    reasons = list(dict.fromkeys(c for _, codes in found for c in codes or []))
    return {"steps": [s.step_id for s in wf.steps if s.step_id in redo], "reason_codes": reasons}


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
