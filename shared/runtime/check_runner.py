"""Runs one check for a `check.requested` event and answers with `check.completed`.

The same runner serves every check function: it loads what the check needs inside the
tenant's transaction (RLS: another tenant's session is invisible, so its event is refused).
The event only says "look": the step runs only if the orchestrator stored an open attempt
for this event id, with the params of the session's stored workflow version,
calls the check's adapter, stores the result and records the event id in the same
transaction. A redelivered event is answered again from the stored result, unchanged.
"""

from __future__ import annotations

import logging
import time
import uuid

import psycopg
from cloudevents.http import CloudEvent
from pydantic import ValidationError

from events import CHECK_COMPLETED, CHECK_REQUESTED, ParsedEvent
from shared.checks import sandbox
from shared.checks.result import CheckResult, CheckStatus, error_result
from shared.checks.scale import on_api_scale
from shared.eventing.consumer import first_delivery
from shared.eventing.outbox import make_event
from shared.observability.metrics import observe_result
from shared.observability.tracing import A_CHECK, span
from shared.platform import Platform
from shared.runtime.function import Refused
from shared.sessions.attempts import complete_attempt, find_attempt
from shared.sessions.check_inputs import Adapter, CheckInputs
from shared.sessions.results import save_result
from shared.sessions.store import expected_of, get_session
from shared.workflows.inputs import takes
from shared.workflows.store import get_workflow

log = logging.getLogger(__name__)

INVALID_PARAMS = "INVALID_STEP_PARAMS"


class CheckRunner:
    def __init__(self, platform: Platform, check: str, adapter: Adapter) -> None:
        self.platform = platform
        self.check = check
        self.adapter = adapter

    def on_event(self, ev: ParsedEvent) -> CloudEvent | None:
        if ev.type != CHECK_REQUESTED or ev.checktype != self.check:
            raise Refused(400, f"the {self.check} function takes check.requested/{self.check}")
        req = ev.data
        with self.platform.db.tenant(ev.tenant_id) as conn:
            session = get_session(conn, req.session_id, for_update=True)
            if session is None:
                raise Refused(403, "the session does not belong to the event's tenant")
            wf = get_workflow(conn, session.workflow_id, session.workflow_version)
            if (
                req.step >= len(wf.definition.steps)
                or wf.definition.steps[req.step].check != self.check
            ):
                raise Refused(400, "no such step in the session's workflow")
            step = wf.definition.steps[req.step]
            if not first_delivery(conn, ev.tenant_id, self.check, ev.id):
                return self._replay(conn, ev, step.step_id)
            # Only a step the orchestrator made due runs: its request is a stored attempt.
            attempt = find_attempt(conn, ev.id, str(session.id), req.step)
            if attempt is None or attempt.completed or attempt.step != step.step_id:
                raise Refused(409, "no open attempt of this step was requested")
            if session.deleted_at is not None or session.status != "in_progress":
                return None
            cipher = self.platform.cipher(conn, ev.tenant_id)
            inputs = CheckInputs(
                conn=conn,
                platform=self.platform,
                cipher=cipher,
                tenant_id=ev.tenant_id,
                session=session,
                params=dict(step.params),  # the stored workflow's, never the event's
                expected=expected_of(cipher, session),
                step=step.step_id,
            )
            with span(f"check {self.check}", attributes={A_CHECK: self.check}):
                t0 = time.perf_counter()
                result = self._run(inputs)
                observe_result(self.check, result, time.perf_counter() - t0)
            check_id = save_result(conn, cipher, str(session.id), step.step_id, result, ev.id)
            complete_attempt(conn, ev.id)
        return self._reply(ev, check_id, result.status.value, result.score, result.warning_codes())

    def _run(self, inputs: CheckInputs) -> CheckResult:
        if inputs.session.mode == "test":
            return self._sandbox(inputs)
        return self._real(inputs)

    def _sandbox(self, inputs: CheckInputs) -> CheckResult:
        """A test session: no model runs; the outcome is the magic inputs' (email and phone
        run their own logic first: they wait for the fixed code and send nothing)."""
        real = self._real(inputs) if self.check in sandbox.REAL_LOGIC else None
        if real is not None and real.status == CheckStatus.pending:
            return real
        email = real.data.get("email") if real is not None else None
        magic = sandbox.magic_for(
            self.check, inputs.session.sandbox_magic, email, self._upload_magic(inputs)
        )
        if real is not None and magic is None:
            return real
        return sandbox.simulated(self.check, magic)

    def _upload_magic(self, inputs: CheckInputs) -> str | None:
        """The outcome named by the latest magic upload of a kind this check takes."""
        kinds = sorted(takes(self.check))
        if not kinds:
            return None
        row = inputs.conn.execute(
            "SELECT sandbox_magic FROM artifacts WHERE session_id = %s AND kind = ANY(%s) "
            "AND sandbox_magic IS NOT NULL ORDER BY created_at DESC LIMIT 1",
            (str(inputs.session.id), kinds),
        ).fetchone()
        return row["sandbox_magic"] if row else None

    def _real(self, inputs: CheckInputs) -> CheckResult:
        try:
            return on_api_scale(self.adapter(inputs))
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
            return error_result(self.check, INVALID_PARAMS, f"invalid step parameters: {fields}")

    def _replay(self, conn: psycopg.Connection, ev: ParsedEvent, step_id: str) -> CloudEvent | None:
        row = conn.execute(
            "SELECT id, status, score, warnings FROM checks WHERE session_id = %s AND step = %s "
            "AND event_id = %s",
            (ev.data.session_id, step_id, ev.id),
        ).fetchone()
        if row is None:
            return None
        return self._reply(
            ev, str(row["id"]), row["status"], row["score"], [w["code"] for w in row["warnings"]]
        )

    def _reply(
        self, ev: ParsedEvent, check_id: str, status: str, score: float | None, codes: list[str]
    ) -> CloudEvent:
        return make_event(
            ev.tenant_id,
            CHECK_COMPLETED,
            {
                "session_id": ev.data.session_id,
                "check": self.check,
                "step": ev.data.step,
                "check_id": check_id,
                "status": status,
                "score": score,
                "warning_codes": codes,
            },
            f"/idmesh/{self.check}",
            ev.data.session_id,
            event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"completed:{ev.id}")),
        )
