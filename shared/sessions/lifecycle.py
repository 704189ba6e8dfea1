"""The session lifecycle: every change of a session's state has its home here.

Each function is one transition. It checks that the session's *stored* state allows it
(callers read the row with `get_session(..., for_update=True)`, so nobody changes it
meanwhile), writes the change, its audit entry and its events (through the transactional
outbox) in the caller's tenant transaction: the change and its announcement commit together
or not at all. A state that does not allow the transition raises `IllegalTransition`
(409 at the HTTP edge).

    not_started --submit--> in_progress --decide--> approved | declined | in_review
    not_started --expire--> expired      in_review --review--> approved | declined
    in_progress --abandon--> abandoned   any --erase--> tombstone (status kept)
    in_progress | in_review --request_resubmission--> resubmission_requested
    resubmission_requested --resubmit--> in_progress
    resubmission_requested --abandon--> abandoned

`session.decided` is produced only here, by `decide` and `review`, with one payload shape
and one event-id scheme, and always with `session.updated` beside it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, get_args

import psycopg

from events import (
    SESSION_DECIDED,
    SESSION_INPUT,
    SESSION_SUBMITTED,
    SESSION_UPDATED,
    SessionStatus,
)
from shared.audit import audit
from shared.crypto.envelope import TenantCipher
from shared.errors import IllegalTransition
from shared.eventing.outbox import enqueue, make_event
from shared.observability import metrics
from shared.sessions.store import (
    Expected,
    SessionRow,
    create_session,
    erase_session,
)
from shared.tenancy.modes import Mode

SOURCE = "/idmesh/sessions"
STATUSES: frozenset[str] = frozenset(get_args(SessionStatus))
RESUBMISSION = "resubmission_requested"  # captures to take again (shared.workflows.resubmission)
OPEN = frozenset({"not_started", "in_progress", RESUBMISSION})
DECISIONS = frozenset({"approved", "declined", "in_review"})
REVIEW_DECISIONS = frozenset({"approved", "declined"})
FINAL = frozenset({"approved", "declined", "expired", "abandoned"})

# action -> (states it may start from, states it may lead to)
TRANSITIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "submit": (frozenset({"not_started"}), frozenset({"in_progress"})),
    "decide": (frozenset({"in_progress"}), DECISIONS),
    "review": (frozenset({"in_review"}), REVIEW_DECISIONS),
    "expire": (frozenset({"not_started"}), frozenset({"expired"})),
    "abandon": (frozenset({"in_progress", RESUBMISSION}), frozenset({"abandoned"})),
    # from in_review: a person asks for new captures of named steps (the review console)
    "request_resubmission": (frozenset({"in_progress", "in_review"}), frozenset({RESUBMISSION})),
    "resubmit": (frozenset({RESUBMISSION}), frozenset({"in_progress"})),
}


def allowed(action: str, current: str, target: str) -> bool:
    sources, targets = TRANSITIONS[action]
    return current in sources and target in targets


def _require(session: SessionRow, action: str, target: str) -> None:
    if session.deleted_at is not None or not allowed(action, session.status, target):
        status = "erased" if session.deleted_at is not None else session.status
        raise IllegalTransition(str(session.id), action, status)


def require_open(session: SessionRow, action: str = "change it") -> None:
    """End-user input (uploads, codes, challenges) is taken only before a decision."""
    if session.deleted_at is not None or session.status not in OPEN:
        raise IllegalTransition(str(session.id), action, session.status)


def _event_id(kind: str, session_id: str, status: str, at: datetime) -> str:
    """One scheme for every transition's events: derived from the stored transition."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"idmesh:{kind}:{session_id}:{status}:{at}"))


def _announce(
    conn: psycopg.Connection,
    tenant_id: str,
    event_type: str,
    session: SessionRow,
    data: dict[str, Any],
    kind: str | None = None,
) -> None:
    """A session event into the outbox, its data led by the session id; `kind` derives its
    id from the stored transition (`_event_id`), else the event gets a fresh one."""
    sid = str(session.id)
    event_id = _event_id(kind, sid, session.status, session.updated_at) if kind else None
    event = make_event(
        tenant_id, event_type, {"session_id": sid, **data}, SOURCE, sid, event_id=event_id
    )
    enqueue(conn, event)


def _transition(
    conn: psycopg.Connection,
    session: SessionRow,
    status: str,
    *,
    decision: dict[str, Any] | None = None,
    submitted: bool = False,
) -> SessionRow:
    """Write the new state, only if the stored state is still the one the caller checked."""
    row = conn.execute(
        "UPDATE sessions SET status = %s, decision = coalesce(%s, decision), updated_at = now(), "
        "submitted_at = CASE WHEN %s THEN now() ELSE submitted_at END, "
        "decided_at = CASE WHEN %s IN ('approved', 'declined', 'in_review') THEN now() "
        "ELSE decided_at END WHERE id = %s AND status = %s AND deleted_at IS NULL "
        "RETURNING updated_at, submitted_at, decided_at",
        (
            status,
            json.dumps(decision) if decision is not None else None,
            submitted,
            status,
            str(session.id),
            session.status,
        ),
    ).fetchone()
    if row is None:  # changed by someone else since it was read (callers lock the row)
        raise IllegalTransition(str(session.id), f"become {status}", "changed meanwhile")
    update: dict[str, Any] = {"status": status, **row}
    if decision is not None:
        update["decision"] = decision
    return session.model_copy(update=update)


def _announce_update(
    conn: psycopg.Connection, tenant_id: str, before: SessionRow, after: SessionRow
) -> None:
    data = {"status": after.status, "previous_status": before.status}
    _announce(conn, tenant_id, SESSION_UPDATED, after, data, "updated")


def _announce_decision(conn: psycopg.Connection, tenant_id: str, after: SessionRow) -> None:
    decision = after.decision or {}
    data = {
        "status": after.status,
        "rule": decision.get("rule"),
        "reason_codes": list(decision.get("reason_codes") or []),
    }
    _announce(conn, tenant_id, SESSION_DECIDED, after, data, "decided")


def _decide(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    session: SessionRow,
    status: str,
    decision: dict[str, Any],
    by: str,
    details: dict[str, Any],
) -> SessionRow:
    """Move the session to `status` and say so: the audit entry (`by` the rules,
    `session.decided`, or a person's review, `session.reviewed`; its `details` and the
    decision's reason codes), the events, the metric."""
    after = _transition(conn, session, status, decision=decision)
    action = "session.decided" if by == "rules" else "session.reviewed"
    details = {**details, "reason_codes": decision.get("reason_codes") or []}
    audit(conn, tenant_id, actor, action, str(session.id), details)
    _announce_decision(conn, tenant_id, after)
    _announce_update(conn, tenant_id, session, after)
    metrics.DECISIONS.labels(by, status).inc()
    return after


# -- the transitions -------------------------------------------------------------------------


def create(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    actor: str,
    workflow_id: uuid.UUID,
    workflow_version: int,
    vendor_data: str | None,
    callback_url: str | None,
    expected: Expected | None,
    ttl_days: int,
    mode: Mode = "live",
) -> tuple[SessionRow, str]:
    """A new session (`not_started`) and its end-user token (`test`: a sandbox session)."""
    session, token = create_session(
        conn,
        cipher,
        workflow_id,
        workflow_version,
        vendor_data,
        callback_url,
        expected,
        ttl_days,
        mode,
    )
    audit(
        conn,
        cipher.tenant_id,
        actor,
        "session.created",
        str(session.id),
        {"workflow_id": str(workflow_id), "workflow_version": workflow_version},
    )
    return session, token


def submit(conn: psycopg.Connection, tenant_id: str, actor: str, session: SessionRow) -> SessionRow:
    """The end user is done: the workflow starts. Submitting again is a no-op."""
    if session.status == "in_progress" and session.submitted_at is not None:
        return session
    _require(session, "submit", "in_progress")
    after = _transition(conn, session, "in_progress", submitted=True)
    sid = str(session.id)
    _announce_submitted(conn, tenant_id, session, after)
    _announce_update(conn, tenant_id, session, after)
    audit(conn, tenant_id, actor, "session.submitted", sid)
    return after


def record_input(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    session: SessionRow,
    user_input: str,
    *,
    check: str | None = None,
    action: str | None = None,
    details: dict[str, Any] | None = None,
) -> bool:
    """End-user input (an upload, a verified code): audited; once the workflow runs, a
    `session.input` tells the orchestrator to look again. True when that was announced."""
    require_open(session, f"take input ({user_input})")
    sid = str(session.id)
    audit(conn, tenant_id, actor, action or f"session.input.{user_input}", sid, details)
    if session.status != "in_progress":
        return False
    _announce(conn, tenant_id, SESSION_INPUT, session, {"input": user_input, "check": check})
    return True


def decide(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    session: SessionRow,
    decision: dict[str, Any],
) -> SessionRow:
    """The workflow's decision (`decision["status"]`): approved, declined or in_review."""
    status = str(decision.get("status"))
    _require(session, "decide", status)
    details = {"status": status, "rule": decision.get("rule")}
    return _decide(conn, tenant_id, actor, session, status, decision, "rules", details)


def review(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    session: SessionRow,
    status: str,
    note: str | None = None,
    reviewer: dict[str, str | None] | None = None,
    reason_codes: list[str] | None = None,
) -> SessionRow:
    """A person's decision on a session in review (`reviewer`: the actor's type, id, name;
    `reason_codes`: the person's reasons, replacing the rules' codes when given)."""
    _require(session, "review", status)
    automatic = dict(session.decision or {})
    decision = {  # who decided and why; what the rules had said stays under `automatic`
        **automatic,
        "status": status,
        "action": "approve" if status == "approved" else "decline",
        "rule": "manual_review",
        "decided_by": actor,
        "reviewed_by": actor,
        "note": note,
        "automatic": {k: automatic[k] for k in ("status", "action", "rule") if k in automatic},
    }
    if reviewer is not None:
        decision["reviewer"] = reviewer
    if reason_codes is not None:
        decision["reason_codes"] = list(reason_codes)
    details = {"decision": status, "note": note or ""}
    return _decide(conn, tenant_id, actor, session, status, decision, "review", details)


def request_resubmission(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    session: SessionRow,
    redo: dict[str, Any],
    max_rounds: int,
    rule: str = "default:retake",
) -> SessionRow:
    """Captures could not be read (or a reviewer wants them again, `rule="manual_review"`):
    the end user takes the `redo["steps"]` again."""
    _require(session, "request_resubmission", RESUBMISSION)
    decision = {
        "status": RESUBMISSION,
        "action": "resubmit",
        "rule": rule,
        "decided_by": actor,
        "reason_codes": redo["reason_codes"],
        "resubmission": {
            **redo,
            "round": session.resubmissions + 1,
            "max_rounds": max_rounds,
            "requested_at": datetime.now(UTC).isoformat(),
        },
    }
    after = _transition(conn, session, RESUBMISSION, decision=decision)
    conn.execute(
        "UPDATE sessions SET resubmissions = resubmissions + 1 WHERE id = %s", (str(session.id),)
    )
    after = after.model_copy(update={"resubmissions": session.resubmissions + 1})
    audit(conn, tenant_id, actor, "session.resubmission_requested", str(session.id), redo)
    _announce_update(conn, tenant_id, session, after)
    return after


def resubmit(
    conn: psycopg.Connection, tenant_id: str, actor: str, session: SessionRow, redo: set[str]
) -> SessionRow:
    """The end user submits new captures: the steps to redo lose their results and the
    workflow runs them again."""
    _require(session, "resubmit", "in_progress")
    sid = str(session.id)
    conn.execute("DELETE FROM checks WHERE session_id = %s AND step = ANY(%s)", (sid, sorted(redo)))
    after = _transition(conn, session, "in_progress")
    _announce_submitted(conn, tenant_id, session, after)
    _announce_update(conn, tenant_id, session, after)
    audit(conn, tenant_id, actor, "session.resubmitted", sid, {"steps": sorted(redo)})
    return after


def _announce_submitted(
    conn: psycopg.Connection, tenant_id: str, session: SessionRow, after: SessionRow
) -> None:
    """`session.submitted`: the orchestrator runs the workflow (again, after a retake)."""
    data = {"workflow_id": str(session.workflow_id), "workflow_version": session.workflow_version}
    _announce(conn, tenant_id, SESSION_SUBMITTED, after, data, "submitted")


def _time_out(
    conn: psycopg.Connection, tenant_id: str, actor: str, session: SessionRow, action: str
) -> SessionRow:
    target = "expired" if action == "expire" else "abandoned"
    _require(session, action, target)
    after = _transition(conn, session, target)
    audit(conn, tenant_id, actor, f"session.{target}", str(session.id))
    _announce_update(conn, tenant_id, session, after)
    return after


def expire(conn: psycopg.Connection, tenant_id: str, actor: str, session: SessionRow) -> SessionRow:
    """A session never submitted before `expires_at`."""
    return _time_out(conn, tenant_id, actor, session, "expire")


def abandon(
    conn: psycopg.Connection, tenant_id: str, actor: str, session: SessionRow
) -> SessionRow:
    """A submitted session left waiting for the end user for too long."""
    return _time_out(conn, tenant_id, actor, session, "abandon")


def expire_if_due(
    conn: psycopg.Connection, tenant_id: str, actor: str, session: SessionRow
) -> SessionRow:
    """Read paths see an unsubmitted session past `expires_at` as expired (and make it so)."""
    if (
        session.status == "not_started"
        and session.deleted_at is None
        and session.expires_at <= datetime.now(UTC)
    ):
        return expire(conn, tenant_id, actor, session)
    return session


def erase(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    session: SessionRow,
    details: dict[str, Any] | None = None,
) -> None:
    """Erasure (shared/sessions/erasure.py): everything personal goes; a tombstone row and
    the audit trail stay. `details` says why when it is not a request (e.g. retention)."""
    if session.deleted_at is not None:
        raise IllegalTransition(str(session.id), "erase", "erased")
    erase_session(conn, str(session.id))
    audit(conn, tenant_id, actor, "session.erased", str(session.id), details)
