"""Which steps of a workflow run, given the results so far.

Each step is in one state:
- `done`: it has a final result; `pending`: it was requested and has no final result yet;
- `due`: everything it waits for is final (or skipped) and its `when` holds (or it has none):
  request it now;
- `skipped`: everything it waits for is final and its `when` does not hold: it never runs;
- `waiting`: a step it waits for is not final yet.

The orchestrator asks this as results arrive; the dry-run endpoint asks it with results a
tenant makes up. A conditional step's `reason` says why it runs or is skipped (the
decision keeps it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from shared.workflows.conditions import RISK_CHECK, Facts, StepFacts
from shared.workflows.definition import WorkflowDefinition

State = Literal["done", "pending", "due", "skipped", "waiting"]
FINAL = ("done", "skipped")


class StepPlan(BaseModel):
    step: str
    check: str
    state: State
    conditional: bool
    reason: str | None = None  # conditional steps whose condition was evaluated


def plan(wf: WorkflowDefinition, facts: Facts) -> list[StepPlan]:
    """The state of every step, in the workflow's order. `facts.steps` holds the results
    known so far (a `pending` status for requested steps)."""
    facts = _with_risk(wf, facts)
    states: dict[str, StepPlan] = {}
    # Topological: a step is planned once everything it waits for is (definition: no cycles).
    remaining = list(wf.steps)
    while remaining:
        progressed = False
        for step in list(remaining):
            deps = wf.waits_for(step)
            if not deps <= states.keys():
                continue
            remaining.remove(step)
            progressed = True
            states[step.step_id] = _plan_one(step, deps, states, facts)
        if not progressed:  # only a stored workflow from before validation could loop
            raise ValueError("the workflow's steps wait for each other in a cycle")
    return [states[s.step_id] for s in wf.steps]


def _plan_one(step, deps: set[str], states: dict[str, StepPlan], facts: Facts) -> StepPlan:
    sid, conditional = step.step_id, step.when is not None
    known = facts.steps.get(sid)
    ready = all(states[d].state in FINAL for d in deps)
    reason = None
    held = True
    if conditional and ready:
        visible = facts.model_copy(
            update={
                "steps": {
                    **{
                        d: StepFacts(status="skipped") for d in deps if states[d].state == "skipped"
                    },
                    **{k: v for k, v in facts.steps.items() if k in deps},
                }
            }
        )
        held, why = step.when.evaluate(visible)
        reason = f"{'ran' if held else 'skipped'}: {why}"
    if known is not None:
        state: State = "pending" if known.status == "pending" else "done"
    elif not ready:
        state = "waiting"
    else:
        state = "due" if held else "skipped"
    return StepPlan(step=sid, check=step.check, state=state, conditional=conditional, reason=reason)


def _with_risk(wf: WorkflowDefinition, facts: Facts) -> Facts:
    """The risk score is the `risk` step's score, unless the caller gave one."""
    if facts.risk_score is not None:
        return facts
    for s in wf.steps:
        f = facts.steps.get(s.step_id)
        if s.check == RISK_CHECK and f is not None and f.status != "pending":
            return facts.model_copy(update={"risk_score": f.score})
    return facts


def conditional_steps(plans: list[StepPlan]) -> list[dict[str, object]]:
    """What the decision says about conditional steps: which ran and why."""
    return [
        {"step": p.step, "check": p.check, "ran": p.state in ("done", "pending"), "why": p.reason}
        for p in plans
        if p.conditional
    ]
