"""The orchestrator: runs a session's workflow (the version it started with).

On `session.submitted` it requests the steps that are due (all whose `after` steps are
done, in parallel). On `check.completed` it requests what became due and, when every
required step has a final result, applies the decision rules. On `session.input` (a code
entered, a file uploaded) it asks the waiting steps again, if their stored input changed.
Events only say "look": every decision is re-derived from the rows in Postgres. Its
events go through the outbox, in the same transaction as the state they follow from.
"""

from __future__ import annotations

import logging

import psycopg

from events import (
    CHECK_COMPLETED,
    CHECK_REQUESTED,
    SESSION_INPUT,
    SESSION_SUBMITTED,
    ParsedEvent,
)
from shared.contact.checks import AWAITING_USER_INPUT
from shared.errors import UnexpectedEvent, UnknownSubject
from shared.eventing.consumer import first_delivery
from shared.eventing.outbox import enqueue, make_event
from shared.platform import Platform
from shared.sessions import lifecycle
from shared.sessions.attempts import input_marks, latest_marks, mark_for, record_attempt
from shared.sessions.results import load_results
from shared.sessions.store import SessionRow, get_session
from shared.workflows.conditions import RISK_CHECK, Facts, StepFacts
from shared.workflows.decision import StepOutcome, decide
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.plan import conditional_steps, plan
from shared.workflows.resubmission import MAX_RESUBMISSIONS, steps_to_redo
from shared.workflows.store import get_workflow

log = logging.getLogger(__name__)
SOURCE = "/idmesh/orchestrator"
CONSUMER = "orchestrator"


class Orchestrator:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def on_event(self, ev: ParsedEvent) -> None:
        if ev.type not in (SESSION_SUBMITTED, CHECK_COMPLETED, SESSION_INPUT):
            raise UnexpectedEvent(f"the orchestrator does not take {ev.type}")
        with self.platform.db.tenant(ev.tenant_id) as conn:
            session = get_session(conn, ev.data.session_id, for_update=True)
            if session is None:
                # The tenant does not own this session (RLS hides it): never retried.
                raise UnknownSubject("the session does not belong to the event's tenant")
            if session.deleted_at is not None:
                return  # erased meanwhile: nothing left to run
            if not first_delivery(conn, ev.tenant_id, CONSUMER, ev.id):
                return
            if session.status != "in_progress":
                return  # decided, reviewed or erased meanwhile: nothing to do
            wf = get_workflow(conn, session.workflow_id, session.workflow_version)
            steps = self._results(conn, str(session.id))
            marks = input_marks(conn, str(session.id))
            if ev.type == SESSION_INPUT:
                self._rerequest_waiting(conn, ev.tenant_id, session, wf.definition, steps, marks)
            self._advance(conn, ev.tenant_id, session, wf.definition, steps, marks)

    @staticmethod
    def _results(conn: psycopg.Connection, session_id: str) -> dict[str, dict]:
        rows = conn.execute(
            "SELECT step, check_name, status, score, warnings FROM checks WHERE session_id = %s",
            (session_id,),
        ).fetchall()
        return {r["step"]: dict(r) for r in rows}

    def _request(
        self,
        conn: psycopg.Connection,
        tenant_id: str,
        session: SessionRow,
        wf: WorkflowDefinition,
        index: int,
        attempt: int,
        marks: dict[str, str],
    ) -> None:
        """Make a step due: its pending row, its stored attempt and its `check.requested`
        (ids only: the check reads the step's params from the stored workflow)."""
        step = wf.steps[index]
        sid = str(session.id)
        conn.execute(
            "INSERT INTO checks (tenant_id, session_id, step, check_name, status) "
            "VALUES (%s, %s, %s, %s, 'pending') ON CONFLICT (session_id, step) DO UPDATE "
            "SET status = 'pending', updated_at = now()",
            (tenant_id, sid, step.step_id, step.check),
        )
        event_id = enqueue(
            conn,
            make_event(
                tenant_id,
                CHECK_REQUESTED,
                {"session_id": sid, "check": step.check, "step": index, "attempt": attempt},
                SOURCE,
                sid,
            ),
        )
        mark = mark_for(marks, step.check)
        record_attempt(conn, tenant_id, event_id, sid, step.step_id, index, attempt, mark)

    def _rerequest_waiting(
        self,
        conn: psycopg.Connection,
        tenant_id: str,
        session: SessionRow,
        wf: WorkflowDefinition,
        steps: dict[str, dict],
        marks: dict[str, str],
    ) -> None:
        """`session.input` only says "look": a step waiting for the end user runs again
        only when the input it waits for changed in Postgres since its last attempt."""
        last = latest_marks(conn, str(session.id))
        for i, step in enumerate(wf.steps):
            r = steps.get(step.step_id)
            if r is None or r["status"] != "pending" or not _waiting(r):
                continue
            if last.get(step.step_id) == mark_for(marks, step.check):
                continue
            self._request(conn, tenant_id, session, wf, i, attempt=2, marks=marks)
            r["warnings"] = []  # requested again: no longer waiting

    def _advance(
        self,
        conn: psycopg.Connection,
        tenant_id: str,
        session: SessionRow,
        wf: WorkflowDefinition,
        steps: dict[str, dict],
        marks: dict[str, str],
    ) -> None:
        plans = plan(wf, self._facts(conn, tenant_id, wf, str(session.id), steps))
        for i, p in enumerate(plans):
            if p.state == "due":
                self._request(conn, tenant_id, session, wf, i, attempt=1, marks=marks)
                steps[p.step] = {"status": "pending", "warnings": []}
        skipped = {p.step for p in plans if p.state == "skipped"}

        def blocks(step) -> bool:
            r = steps.get(step.step_id)
            if r is None:  # not requested yet: waits for the steps it comes after
                return step.required and step.step_id not in skipped
            return r["status"] == "pending" and (step.required or not _waiting(r))

        if any(blocks(s) for s in wf.steps):
            return
        done = [
            (s, steps[s.step_id])
            for s in wf.steps
            if s.step_id in steps and steps[s.step_id]["status"] != "pending"
        ]
        outcomes = [
            StepOutcome(
                step=s.step_id,
                check=s.check,
                required=s.required,
                status=r["status"],
                score=r.get("score"),
                warning_codes=[w["code"] for w in r.get("warnings") or []],
                info_codes=[
                    w["code"] for w in r.get("warnings") or [] if w.get("severity") == "info"
                ],
            )
            for s, r in done
        ]
        decision = decide(wf, outcomes)
        decision.conditional_steps = conditional_steps(plans)
        redo = steps_to_redo(wf, decision, session.resubmissions)
        if redo is not None:
            lifecycle.request_resubmission(
                conn, tenant_id, CONSUMER, session, redo, MAX_RESUBMISSIONS
            )
            return
        if decision.status == "approved" and wf.monitoring.aml:
            from shared.aml.step import enrol_from_session

            cipher = self.platform.cipher(conn, tenant_id)
            decision_extra = {"aml_monitoring": enrol_from_session(conn, cipher, str(session.id))}
        else:
            decision_extra = {}
        lifecycle.decide(
            conn,
            tenant_id,
            CONSUMER,
            session,
            {**decision.model_dump(mode="json"), **decision_extra},
        )

    def _facts(
        self,
        conn: psycopg.Connection,
        tenant_id: str,
        wf: WorkflowDefinition,
        session_id: str,
        steps: dict[str, dict],
    ) -> Facts:
        """The results so far as conditions read them; the countries come from the final
        result of the `risk` step (sealed: opened only when a condition may read them)."""
        facts = Facts(
            steps={
                sid: StepFacts(
                    status=r["status"] if r["status"] in _STATUSES else "error",
                    score=r.get("score"),
                    warning_codes=[w["code"] for w in r.get("warnings") or []],
                )
                for sid, r in steps.items()
            }
        )
        risk_done = any(
            s.check == RISK_CHECK
            and steps.get(s.step_id, {}).get("status") not in (None, "pending")
            for s in wf.steps
        )
        if risk_done and any(s.when is not None for s in wf.steps):
            cipher = self.platform.cipher(conn, tenant_id)
            for r in load_results(conn, cipher, session_id):
                if r["check"] == RISK_CHECK and r["status"] != "pending":
                    found = (r["data"] or {}).get("countries") or {}
                    facts.countries = {k: v for k, v in found.items() if v}
        return facts


_STATUSES = ("passed", "failed", "warning", "error", "pending")


def _waiting(result: dict) -> bool:
    return any(w.get("code") == AWAITING_USER_INPUT for w in result.get("warnings") or [])
