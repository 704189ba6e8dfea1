"""Unreadable captures ask for a retake instead of a decline; risk never does."""

from __future__ import annotations

from shared.workflows.decision import StepOutcome, decide
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.resubmission import MAX_RESUBMISSIONS, steps_to_redo

WF = WorkflowDefinition.model_validate(
    {
        "name": "kyc",
        "steps": [
            {"check": "id_document"},
            {"check": "face_match", "after": ["id_document"]},
            {"check": "email"},
            {"check": "passive_liveness", "required": False},
        ],
    }
)


def out(step, status, codes=(), required=True):
    return StepOutcome(
        step=step, check=step, required=required, status=status, warning_codes=list(codes)
    )


def test_a_misread_passport_is_captured_again_with_the_steps_that_wait_for_it():
    d = decide(
        WF,
        [
            out("id_document", "failed", ["MRZ_CHECKSUM_FAILED", "LOW_RESOLUTION"]),
            out("face_match", "passed"),
            out("email", "passed"),
        ],
    )
    assert d.status == "declined"  # what the rules alone would say
    redo = steps_to_redo(WF, d, 0)
    assert redo == {
        "steps": ["id_document", "face_match"],
        "reason_codes": ["MRZ_CHECKSUM_FAILED", "LOW_RESOLUTION"],
    }


def test_an_unreadable_type_with_a_retake_code_is_a_retake_not_a_policy_decline():
    codes = ["DOCUMENT_TYPE_NOT_ACCEPTED", "MRZ_NOT_FOUND", "DOCUMENT_NOT_DETECTED"]
    d = decide(WF, [out("id_document", "failed", codes), out("email", "passed")])
    assert steps_to_redo(WF, d, 0)["steps"] == ["id_document", "face_match"]


def test_risk_or_mismatch_decides_as_usual():
    for codes in (["IMAGE_BLURRY", "IN_BLOCKLIST"], ["IMAGE_BLURRY", "EXPECTED_NAME_MISMATCH"]):
        d = decide(WF, [out("id_document", "failed", codes), out("email", "passed")])
        assert steps_to_redo(WF, d, 0) is None, codes
    d = decide(
        WF,
        [
            out("id_document", "warning", ["IMAGE_BLURRY"]),
            out("email", "failed", ["EMAIL_DISPOSABLE"]),
        ],
    )
    assert d.status == "declined" and steps_to_redo(WF, d, 0) is None


def test_rounds_are_bounded_and_approvals_and_optional_steps_never_retake():
    d = decide(WF, [out("id_document", "warning", ["IMAGE_BLURRY"]), out("email", "passed")])
    assert steps_to_redo(WF, d, MAX_RESUBMISSIONS - 1) is not None
    assert steps_to_redo(WF, d, MAX_RESUBMISSIONS) is None
    assert steps_to_redo(WF, decide(WF, [out("id_document", "passed")]), 0) is None
    d = decide(
        WF,
        [
            out("id_document", "passed"),
            out("passive_liveness", "error", ["NO_FACE_DETECTED"], required=False),
        ],
    )
    assert d.status == "in_review" and steps_to_redo(WF, d, 0) is None
