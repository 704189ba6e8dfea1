"""What a person does to a case: claim, assign, approve, decline (with reason codes, and
with a second person's confirmation when the tenant asks for four eyes), request new
captures. Decisions go through the session lifecycle, so `session.updated` and
`session.decided` are emitted exactly as for the rules' decisions; every action is audited
with the person, the reason and the time."""

from __future__ import annotations

from typing import Literal

import psycopg
from pydantic import BaseModel, Field

from shared.audit import audit
from shared.checks.catalogue import catalogue
from shared.console.accounts import Person
from shared.console.case import find_session
from shared.console.errors import CaseConflict, NotAssignee
from shared.console.roles import require
from shared.errors import UnknownSubject
from shared.sessions import lifecycle
from shared.sessions.store import SessionRow
from shared.workflows.resubmission import MAX_RESUBMISSIONS
from shared.workflows.store import get_workflow


class DecisionForm(BaseModel):
    action: Literal["approve", "decline", "resubmit"]
    reason_codes: list[str] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=2000)
    steps: list[str] = Field(default_factory=list, max_length=20)


def reason_catalogue() -> list[str]:
    return sorted({c.code for c in catalogue()})


def four_eyes(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT four_eyes_decline FROM console_settings").fetchone()
    return bool(row and row["four_eyes_decline"])


def set_four_eyes(conn: psycopg.Connection, person: Person, on: bool) -> None:
    require(person.role, "settings:manage")
    conn.execute(
        "INSERT INTO console_settings (tenant_id, four_eyes_decline) VALUES (%s, %s) "
        "ON CONFLICT (tenant_id) DO UPDATE SET four_eyes_decline = EXCLUDED.four_eyes_decline, "
        "updated_at = now()",
        (person.tenant_id, on),
    )
    audit(conn, person.tenant_id, person.actor, "console.four_eyes", details={"decline": on})


def _assignee(conn: psycopg.Connection, sid: str) -> str | None:
    row = conn.execute(
        "SELECT assignee FROM case_assignments WHERE session_id = %s FOR UPDATE", (sid,)
    ).fetchone()
    return str(row["assignee"]) if row else None


def claim(conn: psycopg.Connection, person: Person, session_id: str) -> None:
    """The person takes an unassigned case in review."""
    require(person.role, "cases:decide")
    s = find_session(conn, session_id, for_update=True)
    if s.status != "in_review":
        raise CaseConflict(f"the session is {s.status}: nothing to review")
    current = _assignee(conn, str(s.id))
    if current == person.user_id:
        return
    if current is not None:
        raise CaseConflict("the case is assigned to someone else")
    conn.execute(
        "INSERT INTO case_assignments (session_id, tenant_id, assignee, assigned_by) "
        "VALUES (%s, %s, %s, %s)",
        (str(s.id), person.tenant_id, person.user_id, person.user_id),
    )
    audit(
        conn,
        person.tenant_id,
        person.actor,
        "case.claimed",
        str(s.id),
        actor_name=person.actor_name,
    )


def assign(conn: psycopg.Connection, person: Person, session_id: str, assignee: str) -> None:
    """An owner or admin gives the case to a person who may decide."""
    require(person.role, "cases:assign")
    s = find_session(conn, session_id, for_update=True)
    if s.status != "in_review":
        raise CaseConflict(f"the session is {s.status}: nothing to review")
    who = conn.execute(
        "SELECT id FROM console_users WHERE id::text = %s AND status = 'active' "
        "AND role IN ('owner', 'admin', 'reviewer')",
        (assignee,),
    ).fetchone()
    if who is None:
        raise UnknownSubject("no such reviewer")
    conn.execute(
        "INSERT INTO case_assignments (session_id, tenant_id, assignee, assigned_by) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (session_id) DO UPDATE SET "
        "assignee = EXCLUDED.assignee, assigned_by = EXCLUDED.assigned_by, assigned_at = now()",
        (str(s.id), person.tenant_id, str(who["id"]), person.user_id),
    )
    audit(
        conn,
        person.tenant_id,
        person.actor,
        "case.assigned",
        str(s.id),
        {"assignee": str(who["id"])},
        actor_name=person.actor_name,
    )


def act(conn: psycopg.Connection, person: Person, session_id: str, form: DecisionForm) -> str:
    """Approve, decline or ask for new captures. Answers what happened: `approved`,
    `declined`, `decline_proposed` (four eyes: waiting for a second person) or
    `resubmission_requested`."""
    require(person.role, "cases:decide")
    s = find_session(conn, session_id, for_update=True)
    sid = str(s.id)
    if s.status != "in_review":
        raise CaseConflict(f"the session is {s.status}: nothing to review")
    proposal = conn.execute(
        "SELECT proposed_by, reason_codes, note FROM case_proposals WHERE session_id = %s",
        (sid,),
    ).fetchone()
    confirming = form.action == "decline" and proposal is not None
    if not confirming and _assignee(conn, sid) != person.user_id:
        raise NotAssignee("only the person the case is assigned to decides it: claim it first")
    known = set(reason_catalogue())
    unknown = [c for c in form.reason_codes if c not in known]
    if unknown:
        raise CaseConflict(f"unknown reason codes: {', '.join(unknown)}")
    reviewer = person.actor_ref()
    if form.action == "approve":
        conn.execute("DELETE FROM case_proposals WHERE session_id = %s", (sid,))
        lifecycle.review(conn, person.tenant_id, person.actor, s, "approved", form.note, reviewer)
        return "approved"
    if form.action == "resubmit":
        steps = _workflow_steps(conn, s)
        wanted = [x for x in form.steps if x in steps]
        if not wanted:
            raise CaseConflict("name the steps the end user should capture again")
        lifecycle.request_resubmission(
            conn,
            person.tenant_id,
            person.actor,
            s,
            {"steps": wanted, "reason_codes": form.reason_codes, "note": form.note or ""},
            max(MAX_RESUBMISSIONS, s.resubmissions + 1),
            rule="manual_review",
        )
        conn.execute("DELETE FROM case_proposals WHERE session_id = %s", (sid,))
        return "resubmission_requested"
    # decline
    if confirming:
        assert proposal is not None
        if str(proposal["proposed_by"]) == person.user_id:
            raise CaseConflict("a second person confirms a decline you proposed")
        codes = list(proposal["reason_codes"])
        note = "; ".join(x for x in (proposal["note"], form.note) if x) or None
        conn.execute("DELETE FROM case_proposals WHERE session_id = %s", (sid,))
        reviewer = {**reviewer, "confirms": str(proposal["proposed_by"])}
        lifecycle.review(
            conn, person.tenant_id, person.actor, s, "declined", note, reviewer, reason_codes=codes
        )
        return "declined"
    if not form.reason_codes:
        raise CaseConflict("a decline needs at least one reason code")
    if four_eyes(conn):
        conn.execute(
            "INSERT INTO case_proposals (session_id, tenant_id, proposed_by, decision, "
            "reason_codes, note) VALUES (%s, %s, %s, 'declined', %s, %s)",
            (sid, person.tenant_id, person.user_id, form.reason_codes, form.note),
        )
        audit(
            conn,
            person.tenant_id,
            person.actor,
            "case.decline_proposed",
            sid,
            {"reason_codes": form.reason_codes, "note": form.note or ""},
            actor_name=person.actor_name,
        )
        return "decline_proposed"
    lifecycle.review(
        conn,
        person.tenant_id,
        person.actor,
        s,
        "declined",
        form.note,
        reviewer,
        reason_codes=form.reason_codes,
    )
    return "declined"


def _workflow_steps(conn: psycopg.Connection, s: SessionRow) -> list[str]:
    wf = get_workflow(conn, s.workflow_id, s.workflow_version).definition
    return [step.step_id for step in wf.steps]
