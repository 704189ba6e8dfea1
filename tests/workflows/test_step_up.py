"""Step-up workflows: `when` conditions, validation with pointers, planning, dry runs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.http.problem import validation_problem
from shared.workflows.conditions import Facts
from shared.workflows.decision import StepOutcome, decide
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.dry_run import DryRunRequest, dry_run, request_errors
from shared.workflows.plan import conditional_steps, plan
from shared.workflows.validation import workflow_errors

STEP_UP = {
    "name": "step-up",
    "steps": [
        {"check": "email"},
        {"check": "risk"},
        {
            "check": "active_liveness",
            "when": {
                "any": [
                    {"risk_at_least": 60},
                    {"country": "ip", "differs_from": "document"},
                ]
            },
        },
        {"check": "aml", "when": {"step": "active_liveness", "status": ["failed", "warning"]}},
    ],
}


def wf(body=None) -> WorkflowDefinition:
    return WorkflowDefinition.model_validate(body or STEP_UP)


def states(w, facts) -> dict[str, str]:
    return {p.step: p.state for p in plan(w, Facts.model_validate(facts))}


def pointers(body) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        WorkflowDefinition.model_validate(body)
    problem = validation_problem(exc.value).body()
    assert problem["status"] == 422
    return [e["pointer"] for e in problem["errors"]]


def test_conditional_steps_wait_for_what_their_condition_reads():
    assert states(wf(), {}) == {
        "email": "due",
        "risk": "due",
        "active_liveness": "waiting",
        "aml": "waiting",
    }
    # The risk step pending: still waiting.
    got = states(wf(), {"steps": {"risk": {"status": "pending"}, "email": {"status": "pending"}}})
    assert got["active_liveness"] == "waiting"


def test_ip_country_differing_from_the_document_steps_up():
    facts = {
        "steps": {"risk": {"status": "passed", "score": 10}, "email": {"status": "passed"}},
        "countries": {"ip": "GB", "document": "DE"},
    }
    plans = plan(wf(), Facts.model_validate(facts))
    live = next(p for p in plans if p.step == "active_liveness")
    assert live.state == "due"
    assert live.reason == "ran: ip country GB differs from document country DE"
    # Same country, low risk: skipped, and the AML step that hangs on it too (it reads
    # a skipped step's status, which is neither failed nor warning).
    facts["countries"] = {"ip": "DE", "document": "DE"}
    got = plan(wf(), Facts.model_validate(facts))
    assert {p.step: p.state for p in got} == {
        "email": "done",
        "risk": "done",
        "active_liveness": "skipped",
        "aml": "skipped",
    }
    assert "risk score 10 not ≥ 60" in got[2].reason
    assert "step active_liveness is skipped" in got[3].reason
    # An unknown country never holds: a missing IP does not step up on its own.
    facts["countries"] = {"document": "DE"}
    assert states(wf(), facts)["active_liveness"] == "skipped"


def test_a_high_risk_score_steps_up_and_a_failed_step_up_chains():
    facts = {"steps": {"risk": {"status": "warning", "score": 72}}}
    assert states(wf(), facts)["active_liveness"] == "due"
    facts["steps"]["active_liveness"] = {"status": "failed", "warning_codes": ["LIVENESS_FAILED"]}
    assert states(wf(), facts)["aml"] == "due"


def test_step_conditions_on_warnings_and_score_ranges():
    body = {
        "name": "w",
        "steps": [
            {"check": "id_document"},
            {"check": "face_match", "after": ["id_document"]},
            {
                "check": "passive_liveness",
                "when": {
                    "all": [
                        {"step": "face_match", "score_at_least": 40, "score_below": 80},
                        {"not": {"step": "id_document", "warning": "DOCUMENT_EXPIRED"}},
                    ]
                },
            },
        ],
    }
    w = wf(body)
    assert workflow_errors(w) == []
    base = {"id_document": {"status": "passed"}}
    for score, want in ((30, "skipped"), (40, "due"), (79.9, "due"), (80, "skipped")):
        facts = {"steps": {**base, "face_match": {"status": "passed", "score": score}}}
        assert states(w, facts)["passive_liveness"] == want, score
    expired = {"status": "warning", "warning_codes": ["DOCUMENT_EXPIRED"]}
    facts = {"steps": {"id_document": expired, "face_match": {"status": "passed", "score": 50}}}
    assert states(w, facts)["passive_liveness"] == "skipped"


def test_validation_refuses_cycles_through_conditions():
    body = {
        "name": "w",
        "steps": [
            {"check": "email", "when": {"step": "phone", "status": ["passed"]}},
            {"check": "phone", "after": ["email"]},
        ],
    }
    assert pointers(body) == ["/steps/0"]
    with pytest.raises(ValidationError) as exc:
        wf(body)
    assert "email -> phone -> email" in str(exc.value)


def test_validation_points_at_unknown_and_self_references():
    body = {
        "name": "w",
        "steps": [
            {"check": "email", "when": {"any": [{"step": "phon", "status": ["passed"]}]}},
            {"check": "phone", "when": {"not": {"step": "phone", "status": ["failed"]}}},
        ],
    }
    assert pointers(body) == ["/steps/0/when/any/0/step", "/steps/1/when/not/step"]


def test_validation_needs_a_risk_step_for_risk_and_country_conditions():
    body = {
        "name": "w",
        "steps": [{"check": "email"}, {"check": "phone", "when": {"risk_below": 5}}],
    }
    assert pointers(body) == ["/steps/1/when"]
    body["steps"].append({"check": "risk", "when": {"country": "ip", "in": ["FR"]}})
    assert "/steps/2/when" in pointers(body)


def test_validation_of_condition_shapes_and_codes():
    bad_kind = {"name": "w", "steps": [{"check": "email", "when": {"colour": "red"}}]}
    assert pointers(bad_kind) == ["/steps/0/when"]
    empty = {
        "name": "w",
        "steps": [{"check": "email"}, {"check": "phone", "when": {"step": "email"}}],
    }
    assert pointers(empty) == ["/steps/1/when/step"]
    country = {
        "name": "w",
        "steps": [{"check": "risk"}, {"check": "email", "when": {"country": "ip", "in": ["gb"]}}],
    }
    assert pointers(country)[0].startswith("/steps/1/when/country/in/0")
    wrong_code = wf(
        {
            "name": "w",
            "steps": [
                {"check": "email"},
                {"check": "phone", "when": {"step": "email", "warning": "FACE_MISMATCH"}},
            ],
        }
    )
    assert [e["pointer"] for e in workflow_errors(wrong_code)] == ["/steps/1/when/warning"]


def test_the_decision_lists_conditional_steps_and_why():
    facts = Facts.model_validate(
        {
            "steps": {
                "email": {"status": "passed"},
                "risk": {"status": "passed", "score": 5},
                "active_liveness": {"status": "passed", "score": 100},
            },
            "countries": {"ip": "GB", "document": "DE"},
        }
    )
    plans = plan(wf(), facts)
    d = decide(
        wf(),
        [
            StepOutcome(step=s, check=s, required=True, status=f.status, score=f.score)
            for s, f in facts.steps.items()
        ],
    )
    d.conditional_steps = conditional_steps(plans)
    assert d.status == "approved"
    assert d.model_dump()["conditional_steps"] == [
        {
            "step": "active_liveness",
            "check": "active_liveness",
            "ran": True,
            "why": "ran: ip country GB differs from document country DE",
        },
        {
            "step": "aml",
            "check": "aml",
            "ran": False,
            "why": "skipped: step active_liveness is passed",
        },
    ]


def test_dry_run_answers_and_refuses_unknown_steps():
    w = wf()
    req = DryRunRequest.model_validate(
        {"results": {"risk": {"status": "warning", "score": 65}}, "countries": {"ip": "DE"}}
    )
    ans = dry_run(w, req)
    assert ans.would_run == ["active_liveness"] and ans.would_skip == []
    assert ans.undecided == ["aml"]
    bad = DryRunRequest.model_validate({"results": {"nope": {"status": "passed"}}})
    assert request_errors(w, bad) == [
        {"pointer": "/results/nope", "detail": "'nope' is no step id of this workflow"}
    ]
