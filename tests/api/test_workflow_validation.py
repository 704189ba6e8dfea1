"""Workflows are checked before they are stored; each error points at the field at fault."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.http.problem import validation_problem
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.validation import workflow_errors


def errors(body: dict) -> list[dict]:
    return workflow_errors(WorkflowDefinition.model_validate(body))


def test_a_param_typo_points_at_the_param():
    e = errors({"name": "w", "steps": [{"check": "id_document", "params": {"min_agee": 18}}]})
    assert [x["pointer"] for x in e] == ["/steps/0/params/min_agee"]
    assert "min_agee" in e[0]["detail"]


def test_a_param_of_the_wrong_type_is_refused():
    e = errors({"name": "w", "steps": [{"check": "email", "params": {"block_disposable": 0}}]})
    assert [x["pointer"] for x in e] == ["/steps/0/params/block_disposable"]


def test_a_rule_on_a_code_no_step_reports_is_refused():
    body = {
        "name": "w",
        "steps": [{"check": "email"}],
        "rules": [{"name": "r", "if": {"warning": "FACE_MISMATCH"}, "then": "decline"}],
    }
    e = errors(body)
    assert [x["pointer"] for x in e] == ["/rules/0/if/warning"]
    body["rules"][0]["if"] = {"check": "phone", "status": ["failed"]}
    assert [x["pointer"] for x in errors(body)] == ["/rules/0/if/check"]
    body["rules"][0]["if"] = {"warning": "EMAIL_DISPOSABLE"}
    assert errors(body) == []


def test_face_match_needs_an_id_document_step_before_it():
    e = errors({"name": "w", "steps": [{"check": "face_match"}]})
    assert [x["pointer"] for x in e] == ["/steps/0/after"]
    e = errors({"name": "w", "steps": [{"check": "id_document"}, {"check": "face_match"}]})
    assert [x["pointer"] for x in e] == ["/steps/1/after"]
    ok = {
        "name": "w",
        "steps": [
            {"check": "id_document"},
            {"check": "passive_liveness", "after": ["id_document"]},
            {"check": "face_match", "after": ["passive_liveness"]},
        ],
    }
    assert errors(ok) == []


def test_a_missing_after_step_points_at_it():
    with pytest.raises(ValidationError) as exc:
        WorkflowDefinition.model_validate(
            {"name": "w", "steps": [{"check": "email"}, {"check": "phone", "after": ["emial"]}]}
        )
    problem = validation_problem(exc.value)
    assert [e["pointer"] for e in problem.errors] == ["/steps/1/after/0"]
    assert "emial" in problem.errors[0]["detail"]


def test_strict_booleans_at_the_boundary():
    raw = b'{"name": "w", "steps": [{"check": "email", "required": 0}]}'
    with pytest.raises(ValidationError) as exc:
        WorkflowDefinition.model_validate_json(raw, strict=True)
    assert validation_problem(exc.value).errors[0]["pointer"] == "/steps/0/required"
