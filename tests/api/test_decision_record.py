"""The decision says who decided and why; info codes are no reason."""

from __future__ import annotations

from shared.api.models import ReviewRequest
from shared.api.routes_sessions import review_decision
from shared.workflows.decision import StepOutcome, decide
from shared.workflows.definition import WorkflowDefinition


def test_info_codes_are_not_reasons():
    wf = WorkflowDefinition.model_validate({"name": "w", "steps": [{"check": "id_document"}]})
    out = StepOutcome(
        step="id_document",
        check="id_document",
        required=True,
        status="warning",
        warning_codes=["MRZ_REPAIRED", "IMAGE_BLURRY"],
        info_codes=["MRZ_REPAIRED"],
    )
    d = decide(wf, [out])
    assert d.reason_codes == ["IMAGE_BLURRY"] and d.decided_by == "rules"


def test_a_review_records_the_reviewers_action_and_note():
    automatic = {
        "status": "in_review",
        "action": "review",
        "rule": "default:warning",
        "reason_codes": ["IMAGE_BLURRY"],
    }
    d = review_decision(
        automatic, ReviewRequest(decision="approved", note="ok by phone"), "api_key:k1"
    )
    assert (d["status"], d["action"], d["decided_by"], d["note"]) == (
        "approved",
        "approve",
        "api_key:k1",
        "ok by phone",
    )
    assert d["automatic"] == {"status": "in_review", "action": "review", "rule": "default:warning"}
    assert d["reason_codes"] == ["IMAGE_BLURRY"]
