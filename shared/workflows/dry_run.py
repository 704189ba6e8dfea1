"""`POST /v1/workflows/{id}/dry-run`: which steps a given set of results would trigger.

The tenant gives results for some steps (status, score, warning codes) and, optionally, the
countries the `risk` step would establish; the answer is every step's state as the
orchestrator would see it, with the reason each conditional step would run or be skipped.
Nothing is stored and no check runs.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.workflows.conditions import CountrySource, Facts, StepFacts
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.plan import StepPlan, plan


class DryRunRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "results": {"risk": {"status": "warning", "score": 65}},
                    "countries": {"ip": "FR", "document": "DE"},
                }
            ]
        },
    )

    results: dict[str, StepFacts] = Field(
        default_factory=dict, max_length=20, description="final results by step id"
    )
    countries: dict[CountrySource, str] = Field(
        default_factory=dict, description="ISO 3166 alpha-2 by source (ip, phone, document)"
    )


class DryRunAnswer(BaseModel):
    steps: list[StepPlan]
    would_run: list[str]  # conditional steps whose condition holds
    would_skip: list[str]  # conditional steps whose condition does not hold
    undecided: list[str]  # steps still waiting for a result the request did not give


def request_errors(wf: WorkflowDefinition, req: DryRunRequest) -> list[dict[str, str]]:
    """Results for steps the workflow does not have, each with its JSON pointer."""
    ids = {s.step_id for s in wf.steps}
    return [
        {"pointer": f"/results/{sid}", "detail": f"{sid!r} is no step id of this workflow"}
        for sid in sorted(set(req.results) - ids)
    ]


def dry_run(wf: WorkflowDefinition, req: DryRunRequest) -> DryRunAnswer:
    """Call after `request_errors` found none."""
    facts = Facts.model_validate({"steps": req.results, "countries": req.countries})
    plans = plan(wf, facts)
    return DryRunAnswer(
        steps=plans,
        would_run=[p.step for p in plans if p.conditional and p.state in ("due", "done")],
        would_skip=[p.step for p in plans if p.conditional and p.state == "skipped"],
        undecided=[p.step for p in plans if p.state == "waiting"],
    )
