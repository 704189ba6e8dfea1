"""Applying a workflow's decision rules to a session's check results."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.workflows.definition import SEVERITY, Action, Rule, WorkflowDefinition

STATUS_OF_ACTION = {"approve": "approved", "review": "in_review", "decline": "declined"}


class StepOutcome(BaseModel):
    step: str
    check: str
    required: bool
    status: str
    score: float | None = None
    warning_codes: list[str] = []
    info_codes: list[str] = []  # severity info: rules may match them, they are no reason


class Decision(BaseModel):
    """Who decided and why: the rules (`decided_by: rules`) or a reviewer (`decided_by` is
    the reviewer's API key, `note` their note)."""

    status: str  # approved / declined / in_review
    action: Action
    rule: str
    reason_codes: list[str]  # warning- and error-severity codes of the deciding steps
    steps: list[dict[str, Any]]
    decided_by: str = "rules"
    note: str | None = None
    # Steps with a `when`: whether each ran and why (shared/workflows/plan.py).
    conditional_steps: list[dict[str, Any]] = []


def _matches(rule: Rule, o: StepOutcome) -> bool:
    c = rule.when
    if c.check and c.check not in (o.step, o.check):
        return False
    if c.status and o.status not in c.status:
        return False
    if c.warning and c.warning not in o.warning_codes:
        return False
    if c.score_below is not None and (o.score is None or o.score >= c.score_below):
        return False
    return not (c.score_at_least is not None and (o.score is None or o.score < c.score_at_least))


def decide(wf: WorkflowDefinition, outcomes: list[StepOutcome]) -> Decision:
    """Each step's action comes from the most severe rule matching it, else from the
    defaults for its status; the session takes the most severe step action."""
    per_step = []
    for o in outcomes:
        matched = [r for r in wf.rules if _matches(r, o)]
        if matched:
            rule = max(matched, key=lambda r: SEVERITY[r.then])
            action, why = rule.then, rule.name
        else:
            status = o.status if o.status in ("passed", "failed", "warning", "error") else "error"
            if not o.required and status in ("failed", "error"):
                status = "warning"
            action = getattr(wf.defaults, status)
            why = f"default:{status}"
        per_step.append(
            {
                "step": o.step,
                "check": o.check,
                "status": o.status,
                "action": action,
                "rule": why,
                "warning_codes": o.warning_codes,
                "info_codes": o.info_codes,
            }
        )
    if not per_step:
        return Decision(
            status="in_review", action="review", rule="default:no_steps", reason_codes=[], steps=[]
        )
    final = max(per_step, key=lambda s: SEVERITY[s["action"]])
    action = final["action"]
    reasons: list[str] = []
    for s in per_step:
        if s["action"] == action and action != "approve":
            codes = [c for c in s["warning_codes"] if c not in s["info_codes"]]
            for code in codes or [f"{s['check'].upper()}_{s['status'].upper()}"]:
                if code not in reasons:
                    reasons.append(code)
    return Decision(
        status=STATUS_OF_ACTION[action],
        action=action,
        rule=final["rule"],
        reason_codes=reasons,
        steps=per_step,
    )
