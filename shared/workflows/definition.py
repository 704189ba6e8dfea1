"""The workflow definition a tenant posts: validated here, stored as JSON, versioned.

A workflow is a set of steps (checks with parameters) and decision rules. Steps run in
parallel unless one names others in `after`. When every required step has a result, the
rules decide: each rule matches on a check's status, on a warning code, or on a score, and
says what to do (decline / review / approve). The most severe matching action wins
(decline > review > approve); when no rule matches, the defaults apply: a failed required
check declines, an error or a warning sends to review, otherwise the session is approved.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from shared.catalog import CHECKS
from shared.workflows.conditions import RISK_CHECK, Condition, named_steps, needs_risk

# The catalogue of checks (shared/catalog.py) is the one list: the workflow schema, the
# manifests and the CLI all read it.
CheckName = Literal[CHECKS]  # type: ignore[valid-type]
CHECK_NAMES: tuple[str, ...] = CheckName.__args__  # type: ignore[attr-defined]
Action = Literal["decline", "review", "approve"]
SEVERITY: dict[str, int] = {"approve": 0, "review": 1, "decline": 2}


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    check: CheckName
    id: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,39}$")
    required: bool = True
    params: dict[str, Any] = Field(default_factory=dict)
    after: list[str] = Field(default_factory=list, description="ids of steps this one waits for")
    when: Condition | None = Field(
        default=None,
        description="run this step only when the condition holds (step-up); see "
        "shared/workflows/conditions.py",
    )

    @property
    def step_id(self) -> str:
        return self.id or self.check


class RuleCondition(BaseModel):
    """What a rule matches. Every given field must hold (AND)."""

    model_config = ConfigDict(extra="forbid")

    check: str | None = Field(default=None, description="step id or check name")
    status: list[Literal["passed", "failed", "warning", "error"]] | None = None
    warning: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]*$")
    score_below: float | None = None
    score_at_least: float | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> RuleCondition:
        if all(
            v is None for v in (self.status, self.warning, self.score_below, self.score_at_least)
        ):
            raise ValueError(
                "a rule needs at least one of status, warning, score_below, score_at_least"
            )
        if (self.score_below is not None or self.score_at_least is not None) and not self.check:
            raise ValueError("a score condition needs `check`")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, max_length=80)
    when: RuleCondition = Field(alias="if")
    then: Action


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    failed: Action = "decline"
    error: Action = "review"
    warning: Action = "review"
    passed: Action = "approve"


class Monitoring(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aml: bool = False


EXAMPLE = {
    "name": "document, selfie and AML",
    "steps": [
        {"check": "id_document", "params": {"accepted_document_types": ["passport"]}},
        {"check": "face_match", "after": ["id_document"]},
        {"check": "aml", "after": ["id_document"]},
    ],
    "rules": [
        {
            "name": "possible AML match reviews",
            "if": {"check": "aml", "warning": "AML_POSSIBLE_MATCH"},
            "then": "review",
        }
    ],
}


class WorkflowDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    name: str = Field(min_length=1, max_length=120)
    steps: list[Step] = Field(min_length=1, max_length=20)
    rules: list[Rule] = Field(default_factory=list, max_length=100)
    defaults: Defaults = Field(default_factory=Defaults)
    monitoring: Monitoring = Field(default_factory=Monitoring)

    @model_validator(mode="after")
    def _consistent(self) -> WorkflowDefinition:
        errors = self.structure_errors()
        if errors:
            raise PydanticCustomError(
                "workflow_invalid",
                "{summary}",
                {"summary": "; ".join(e["detail"] for e in errors), "errors": errors},
            )
        return self

    def structure_errors(self) -> list[dict[str, str]]:
        """Unique step ids, `after` naming existing steps, no cycles; each error with the
        JSON pointer of the field at fault."""
        errors: list[dict[str, str]] = []
        ids = [s.step_id for s in self.steps]
        for i, sid in enumerate(ids):
            if sid in ids[:i]:
                errors.append(
                    {
                        "pointer": f"/steps/{i}/id",
                        "detail": f"step id {sid!r} is used twice (give each step an `id`)",
                    }
                )
        known = set(ids)
        for i, s in enumerate(self.steps):
            for j, a in enumerate(s.after):
                if a not in known:
                    errors.append(
                        {
                            "pointer": f"/steps/{i}/after/{j}",
                            "detail": f"step {s.step_id} waits for {a!r}, which is no step id "
                            f"of this workflow (ids: {', '.join(ids)})",
                        }
                    )
        errors += self._condition_errors(ids)
        if not errors:
            cycle = self._cycle()
            if cycle:
                errors.append(
                    {
                        "pointer": f"/steps/{ids.index(cycle[0])}",
                        "detail": "steps wait for each other in a cycle (through `after` or "
                        f"`when`): {' -> '.join(cycle)}",
                    }
                )
        return errors

    def _condition_errors(self, ids: list[str]) -> list[dict[str, str]]:
        """`when` names existing steps other than its own; risk and country conditions need
        a `risk` step (which cannot read its own score)."""
        errors: list[dict[str, str]] = []
        risk_steps = [s.step_id for s in self.steps if s.check == RISK_CHECK]
        for i, s in enumerate(self.steps):
            if s.when is None:
                continue
            at = f"/steps/{i}/when"
            for ref, pointer in named_steps(s.when):
                if ref not in ids:
                    why = f"names {ref!r}, which is no step id here (ids: {', '.join(ids)})"
                elif ref == s.step_id:
                    why = "names the step itself"
                else:
                    continue
                errors.append({"pointer": at + pointer, "detail": f"{s.step_id}'s `when` {why}"})
            if not needs_risk(s.when):
                continue
            if not risk_steps:
                why = "reads the risk score or a country: add a `risk` step to the workflow"
            elif s.step_id in risk_steps:
                why = "is on the risk step, which cannot read its own score or countries"
            else:
                continue
            errors.append({"pointer": at, "detail": f"{s.step_id}'s `when` {why}"})
        return errors

    def waits_for(self, step: Step) -> set[str]:
        """The steps this one waits for: its `after` and every step its `when` reads."""
        deps = set(step.after)
        if step.when is not None:
            deps |= {ref for ref, _ in named_steps(step.when)}
            if needs_risk(step.when):
                deps |= {s.step_id for s in self.steps if s.check == RISK_CHECK}
        return deps

    def _cycle(self) -> list[str]:
        """One cycle of waiting steps (first step repeated at the end), or []."""
        after = {s.step_id: self.waits_for(s) for s in self.steps}
        done: set[str] = set()
        while len(done) < len(after):
            ready = [k for k, deps in after.items() if k not in done and deps <= done]
            if not ready:
                return _a_cycle({k: v - done for k, v in after.items() if k not in done})
            done.update(ready)
        return []

    def upstream(self, step_id: str) -> set[str]:
        """Every step this one waits for, directly or through others."""
        seen: set[str] = set()
        todo = list(self.waits_for(self.step(step_id)))
        while todo:
            sid = todo.pop()
            if sid not in seen:
                seen.add(sid)
                todo.extend(self.waits_for(self.step(sid)))
        return seen

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.step_id == step_id:
                return s
        raise KeyError(step_id)


def _a_cycle(graph: dict[str, set[str]]) -> list[str]:
    """Follow waits from any step of a graph where every step waits: it must loop."""
    path: list[str] = []
    node = min(graph)
    while node not in path:
        path.append(node)
        node = min(graph[node])
    return [*path[path.index(node) :], node]
