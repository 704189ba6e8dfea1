""" "Test this workflow" for real: a sandbox session (docs/sandbox.md) of the workflow's current
version, made and submitted in one transaction, whose steps report the outcomes asked for.
It then walks the production path (outbox, orchestrator, check functions in sandbox mode,
decision rules, `session.decided`, the signed webhook) like a test key's session; no model
runs and nothing is sent. `view` reads where a run stands."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import psycopg
from pydantic import BaseModel, Field

from shared.checks.sandbox import OUTCOMES, PREFIX
from shared.crypto.envelope import TenantCipher
from shared.errors import InvalidInput, UnknownSubject
from shared.sessions import lifecycle
from shared.sessions.results import load_results
from shared.sessions.store import get_session
from shared.workflows.store import WorkflowInfo, get_workflow

Outcome = Literal["approved", "review", "declined", "error"]
# The email and phone steps run their own logic in the sandbox: they wait for the code.
WAITS_FOR_CODE = ("email", "phone")
RUN_TTL_DAYS = 1


class RunRequest(BaseModel):
    """Per check of the workflow, the outcome its steps report (unnamed: approved)."""

    outcomes: dict[str, Outcome] = Field(default_factory=dict, max_length=40)


class RunStep(BaseModel):
    step: str
    check: str
    status: str
    codes: list[str]


class RunView(BaseModel):
    session_id: uuid.UUID
    workflow_version: int
    status: str
    decision: dict[str, Any] | None
    created_at: datetime
    decided_at: datetime | None
    steps: list[RunStep]
    waits_for_code: list[str]

    @property
    def finished(self) -> bool:
        return self.decided_at is not None or self.status not in ("not_started", "in_progress")


def checks_of(workflow: WorkflowInfo) -> list[str]:
    """The workflow's checks, each once, in step order."""
    return list(dict.fromkeys(s.check for s in workflow.definition.steps))


def magic(workflow: WorkflowInfo, req: RunRequest) -> str:
    """The session's magic vendor_data for the requested outcomes (docs/sandbox.md)."""
    unknown = sorted(set(req.outcomes) - set(checks_of(workflow)))
    if unknown:
        detail = f"not a check of this workflow: {', '.join(unknown)}"
        raise InvalidInput(detail, errors=[{"pointer": "/outcomes", "detail": detail}])
    named = {c: o for c, o in req.outcomes.items() if o != "approved" and o in OUTCOMES}
    if not named:
        return f"{PREFIX}approved"
    return PREFIX + ",".join(f"{c}={o}" for c, o in sorted(named.items()))


def start(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    actor: str,
    workflow: WorkflowInfo,
    req: RunRequest,
) -> uuid.UUID:
    """Make and submit the sandbox session (`conn` in test mode); its id."""
    session, _token = lifecycle.create(
        conn,
        cipher,
        actor,
        workflow.id,
        workflow.version,
        magic(workflow, req),
        None,
        None,
        RUN_TTL_DAYS,
        mode="test",
    )
    lifecycle.submit(conn, cipher.tenant_id, actor, session)
    return session.id


def view(
    conn: psycopg.Connection, cipher: TenantCipher, workflow_id: uuid.UUID, session_id: str
) -> RunView:
    """A run of this workflow (a test session of it); UnknownSubject for anything else."""
    try:
        sid = uuid.UUID(session_id)
    except ValueError:
        raise UnknownSubject("no such run") from None
    s = get_session(conn, sid)
    if s is None or s.mode != "test" or s.workflow_id != workflow_id or s.deleted_at:
        raise UnknownSubject("no such run")
    steps = [
        RunStep(
            step=r["step"],
            check=r["check"],
            status=r["status"],
            codes=[w.get("code", "") for w in (r["warnings"] or [])],
        )
        for r in load_results(conn, cipher, str(sid))
    ]
    wf = get_workflow(conn, workflow_id, s.workflow_version)
    done = {st.check for st in steps}
    pending = [c for c in checks_of(wf) if c in WAITS_FOR_CODE and c not in done] if wf else []
    return RunView(
        session_id=sid,
        workflow_version=s.workflow_version,
        status=s.status,
        decision=s.decision,
        created_at=s.created_at,
        decided_at=s.decided_at,
        steps=steps,
        waits_for_code=pending if s.status == "in_progress" else [],
    )
