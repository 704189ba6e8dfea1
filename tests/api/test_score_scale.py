"""Scores are 0–100 for every check at the API boundary."""

from __future__ import annotations

from shared.checks.result import CheckResult, CheckStatus
from shared.checks.scale import on_api_scale


def r(check: str, score: float | None) -> CheckResult:
    return CheckResult(check=check, status=CheckStatus.passed, score=score, data={"age": 31.0})


def test_fractions_become_percent_and_the_age_is_no_score():
    assert on_api_scale(r("id_document", 0.873)).score == 87.3
    assert on_api_scale(r("aml", 0.91)).score == 91.0
    assert on_api_scale(r("proof_of_address", 1.0)).score == 100.0
    assert on_api_scale(r("face_match", 91.5)).score == 91.5
    age = on_api_scale(r("age_estimation", 31.0))
    assert age.score is None and age.data["age"] == 31.0


def test_scaling_twice_changes_nothing():
    once = on_api_scale(r("id_document", 0.5))
    assert on_api_scale(once).score == 50.0 and once.data["score_scale"] == "0-100"
