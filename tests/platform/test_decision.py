"""Decision rules: the most severe matching rule per step, defaults, the session's verdict."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.workflows.decision import StepOutcome, decide
from shared.workflows.definition import WorkflowDefinition


def wf(rules=(), steps=None, defaults=None):
    body = {
        "name": "w",
        "steps": steps
        or [{"check": "id_document"}, {"check": "face_match"}, {"check": "aml", "required": False}],
        "rules": list(rules),
    }
    if defaults:
        body["defaults"] = defaults
    return WorkflowDefinition.model_validate(body)


def out(step, status, codes=(), score=None, required=True):
    return StepOutcome(
        step=step,
        check=step,
        required=required,
        status=status,
        score=score,
        warning_codes=list(codes),
    )


def test_all_passed_approves():
    d = decide(wf(), [out("id_document", "passed"), out("face_match", "passed", score=91)])
    assert (d.status, d.rule, d.reason_codes) == ("approved", "default:passed", [])


def test_failed_required_declines_with_its_codes():
    d = decide(
        wf(),
        [
            out("id_document", "failed", ["DOCUMENT_EXPIRED"]),
            out("face_match", "warning", ["FACE_MISMATCH"]),
        ],
    )
    assert d.status == "declined" and d.reason_codes == ["DOCUMENT_EXPIRED"]


def test_rules_override_defaults_and_most_severe_wins():
    rules = [
        {
            "name": "low match reviews",
            "if": {"check": "face_match", "score_below": 80},
            "then": "review",
        },
        {
            "name": "very low match declines",
            "if": {"check": "face_match", "score_below": 40},
            "then": "decline",
        },
        {
            "name": "aml hits are fine here",
            "if": {"warning": "AML_POSSIBLE_MATCH"},
            "then": "approve",
        },
    ]
    w = wf(rules)
    base = [
        out("id_document", "passed"),
        out("aml", "warning", ["AML_POSSIBLE_MATCH"], required=False),
    ]
    assert decide(w, [*base, out("face_match", "passed", score=95)]).status == "approved"
    mid = decide(w, [*base, out("face_match", "passed", score=70)])
    assert (mid.status, mid.rule) == ("in_review", "low match reviews")
    low = decide(w, [*base, out("face_match", "passed", score=30)])
    assert (low.status, low.rule) == ("declined", "very low match declines")


def test_optional_failures_only_warn_and_errors_review():
    d = decide(
        wf(),
        [
            out("id_document", "passed"),
            out("face_match", "passed"),
            out("aml", "failed", ["AML_CONFIRMED_MATCH"], required=False),
        ],
    )
    assert d.status == "in_review" and d.reason_codes == ["AML_CONFIRMED_MATCH"]
    e = decide(
        wf(defaults={"error": "decline"}),
        [out("id_document", "error", ["IMAGE_UNREADABLE"]), out("face_match", "passed")],
    )
    assert e.status == "declined"


def test_definitions_are_validated():
    with pytest.raises(ValidationError):
        wf(rules=[{"name": "x", "if": {"score_below": 3}, "then": "decline"}])  # no check
    with pytest.raises(ValidationError):
        WorkflowDefinition.model_validate(
            {"name": "w", "steps": [{"check": "email", "id": "a", "after": ["a"]}]}
        )
